//! A fast loader for millions of tickets, straight into the database in large
//! transactions. Each ticket's life is decided by the domain (register, dispatch, accept,
//! resolve, callback...), so its events, state and projection are what the app itself
//! would have written; only the one-transaction-per-request path is skipped.

use crate::corpus;
use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::Connection;
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Instant;
use yihaotai_domain::person::Phone;
use yihaotai_domain::role::{Role, Roles};
use yihaotai_domain::ticket::{
    apply, china_datetime, decide, due_breaches, needs_supervision, register, Actor, Command,
    DispatchMode, Disposition, Event, NewTicket, Policy, Satisfaction, Solved, Status, Ticket,
};
use yihaotai_domain::vocab::{Category, Channel, RequestType, Urgency, BUILTIN_CATEGORIES};
use yihaotai_domain::{AgencyId, AreaId, HouseholdId, UserId};

/// Tickets per transaction, and rows per multi-row INSERT. The statements stay small on
/// purpose: sqlx's SQLite driver binds `$N` parameters in time that grows faster than
/// their number (500 rows a statement loaded 315 tickets/s, 10 rows 3,500/s).
const TX_ROWS: usize = 20_000;
const STMT_ROWS: usize = 10;
const EVENT_STMT_ROWS: usize = 60;

enum Conn {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            Conn::Sqlite($c) => $body,
            Conn::Pg($c) => $body,
        }
    };
}

struct Household {
    id: i64,
    area_id: i64,
    path: String,
    address: String,
}

struct Refs {
    households: Vec<Household>,
    agencies_by_category: HashMap<String, Vec<i64>>,
    fallback_agency: i64,
    desk: i64,
    agent: i64,
    dispatcher: i64,
    handler: i64,
}

async fn connect(url: &str) -> anyhow::Result<Conn> {
    if url.starts_with("sqlite:") {
        let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
            .foreign_keys(true)
            .pragma("cache_size", "-262144");
        Ok(Conn::Sqlite(
            sqlx::SqliteConnection::connect_with(&opts).await?,
        ))
    } else {
        Ok(Conn::Pg(sqlx::PgConnection::connect(url).await?))
    }
}

async fn refs(conn: &mut Conn) -> anyhow::Result<Refs> {
    let hh: Vec<(i64, i64, String, String)> = on_conn!(conn, |c| {
        sqlx::query_as(
        "SELECT h.id, h.area_id, a.path, h.address FROM households h JOIN areas a ON a.id = h.area_id ORDER BY h.id"
    )
    .fetch_all(&mut *c)
    .await?
    });
    anyhow::ensure!(!hh.is_empty(), "the demo street is not loaded");
    let cats: Vec<(i64, String)> = on_conn!(conn, |c| sqlx::query_as(
        "SELECT agency_id, category FROM agency_categories ORDER BY agency_id"
    )
    .fetch_all(&mut *c)
    .await?);
    let users: Vec<(i64, String, Option<i64>)> = on_conn!(conn, |c| {
        sqlx::query_as(
        "SELECT id, login, agency_id FROM users WHERE login IN ('agent', 'dispatcher', 'handler')"
    )
    .fetch_all(&mut *c)
    .await?
    });
    let user = |login: &str| {
        users
            .iter()
            .find(|u| u.1 == login)
            .with_context(|| format!("demo login {login} missing"))
    };
    let mut agencies_by_category: HashMap<String, Vec<i64>> = HashMap::new();
    for (a, c) in cats {
        agencies_by_category.entry(c).or_default().push(a);
    }
    let desk = user("dispatcher")?.2.context("dispatcher has no agency")?;
    Ok(Refs {
        households: hh
            .into_iter()
            .map(|(id, area_id, path, address)| Household {
                id,
                area_id,
                path,
                address,
            })
            .collect(),
        fallback_agency: agencies_by_category
            .get("other")
            .and_then(|v| v.first().copied())
            .unwrap_or(desk),
        agencies_by_category,
        desk,
        agent: user("agent")?.0,
        dispatcher: user("dispatcher")?.0,
        handler: user("handler")?.0,
    })
}

/// One generated ticket, ready to insert.
struct Row {
    id: i64,
    number: String,
    area_id: i64,
    area_path: String,
    household: i64,
    ticket: Ticket,
    events: Vec<Event>,
    search_text: String,
    suggestion: String,
}

/// Where a ticket's life stops.
#[derive(Clone, Copy, PartialEq)]
enum Goal {
    Registered,
    Cancelled,
    Dispatched,
    ReturnRequested,
    Accepted,
    Resolved,
    Closed,
}

fn goal(rng: &mut StdRng, recent: bool) -> Goal {
    use Goal::*;
    let table: &[(Goal, u32)] = if recent {
        &[
            (Registered, 10),
            (Dispatched, 20),
            (Accepted, 35),
            (ReturnRequested, 3),
            (Resolved, 12),
            (Closed, 18),
            (Cancelled, 2),
        ]
    } else {
        &[
            (Closed, 955),
            (Cancelled, 25),
            (Resolved, 5),
            (Accepted, 8),
            (Dispatched, 4),
            (ReturnRequested, 2),
            (Registered, 1),
        ]
    };
    let total: u32 = table.iter().map(|x| x.1).sum();
    let mut r = rng.gen_range(0..total);
    for (g, w) in table {
        if r < *w {
            return *g;
        }
        r -= w;
    }
    Closed
}

const MINUTE: i64 = 60_000;

struct Gen<'a> {
    refs: &'a Refs,
    policy: Policy,
    rng: StdRng,
    numbers: HashMap<String, i64>,
    now: i64,
}

impl Gen<'_> {
    fn actor(&self, user: i64, agency: Option<i64>, role: Role) -> Actor {
        Actor {
            user: Some(UserId(user)),
            agency: agency.map(AgencyId),
            roles: Roles(vec![role]),
        }
    }

    fn ticket(&mut self, id: i64, at: i64, recent: bool) -> anyhow::Result<Row> {
        let h = &self.refs.households[self.rng.gen_range(0..self.refs.households.len())];
        let consult = self.rng.gen_ratio(1, 20);
        let (new, category) = if consult {
            let (q, a) = corpus::CONSULTS[self.rng.gen_range(0..corpus::CONSULTS.len())];
            (
                NewTicket {
                    channel: Channel::Hotline12345,
                    request_type: RequestType::Consult,
                    category: Category::parse("consultation")?,
                    urgency: Urgency::Consult,
                    epidemic_related: false,
                    confidential: false,
                    caller_name: None,
                    caller_phone: Some(Phone::parse(&corpus::phone(&mut self.rng))?),
                    household: None,
                    area: Some(AreaId(h.area_id)),
                    content: q.to_string(),
                    disposition: Disposition::AnswerAndClose {
                        answer: a.to_string(),
                    },
                },
                "consultation",
            )
        } else {
            let t = corpus::pick(&mut self.rng);
            let channel = [
                Channel::Hotline12345,
                Channel::CommunityHotline,
                Channel::Wechat,
                Channel::QrSelfService,
            ][self.rng.gen_range(0..4)];
            (
                NewTicket {
                    channel,
                    request_type: RequestType::parse(t.request_type)?,
                    category: Category::parse(t.category)?,
                    urgency: Urgency::parse(t.urgency)?,
                    epidemic_related: self.rng.gen_ratio(1, 3),
                    confidential: self.rng.gen_ratio(1, 100),
                    caller_name: Some(corpus::name(&mut self.rng)),
                    caller_phone: Some(Phone::parse(&corpus::phone(&mut self.rng))?),
                    household: Some(HouseholdId(h.id)),
                    area: Some(AreaId(h.area_id)),
                    content: corpus::text(t, &h.address),
                    disposition: Disposition::Dispatch,
                },
                t.category,
            )
        };
        let search_text = yihaotai_domain::search::index_text(&format!(
            "{} {}",
            new.content,
            new.caller_name.as_deref().unwrap_or("")
        ));
        let ts = |ms: i64| jiff::Timestamp::from_millisecond(ms).expect("time in range");
        let agent = self.actor(self.refs.agent, Some(self.refs.desk), Role::Agent);
        let dispatcher = self.actor(self.refs.dispatcher, Some(self.refs.desk), Role::Dispatcher);
        let mut events = register(new, &agent, ts(at), &self.policy)
            .map_err(|e| anyhow::anyhow!("register: {e:?}"))?;
        let mut ticket = Ticket::from_events(&events).context("registered ticket")?;
        let goal = if consult {
            Goal::Closed
        } else {
            goal(&mut self.rng, recent)
        };
        let agencies = self
            .refs
            .agencies_by_category
            .get(category)
            .cloned()
            .unwrap_or_default();
        let agency = if agencies.is_empty() {
            self.refs.fallback_agency
        } else {
            agencies[self.rng.gen_range(0..agencies.len())]
        };
        let handler = self.actor(self.refs.handler, Some(agency), Role::Handler);
        let mut t = at;
        let now = self.now;
        let mut step = |ticket: &mut Ticket,
                        cmd: Command,
                        who: &Actor,
                        after: (i64, i64),
                        rng: &mut StdRng|
         -> anyhow::Result<()> {
            t = (t + rng.gen_range(after.0..after.1)).min(now);
            let more = decide(ticket, cmd, who, ts(t), &self.policy)
                .map_err(|e| anyhow::anyhow!("decide: {e:?}"))?;
            for e in &more {
                apply(ticket, e);
            }
            events.extend(more);
            Ok(())
        };
        let rng = &mut self.rng;
        if !consult && goal != Goal::Registered {
            if goal == Goal::Cancelled {
                step(
                    &mut ticket,
                    Command::Cancel {
                        reason: "居民已自行解决".into(),
                    },
                    &dispatcher,
                    (MINUTE, 30 * MINUTE),
                    rng,
                )?;
            } else {
                step(
                    &mut ticket,
                    Command::Dispatch {
                        agency: AgencyId(agency),
                        mode: DispatchMode::Direct,
                        assisting: vec![],
                        note: String::new(),
                    },
                    &dispatcher,
                    (2 * MINUTE, 30 * MINUTE),
                    rng,
                )?;
                if goal == Goal::ReturnRequested {
                    step(
                        &mut ticket,
                        Command::RequestReturn {
                            reason: "不属于本单位职责".into(),
                        },
                        &handler,
                        (5 * MINUTE, 60 * MINUTE),
                        rng,
                    )?;
                } else if goal != Goal::Dispatched {
                    let rounds = if goal == Goal::Closed && rng.gen_ratio(1, 12) {
                        2
                    } else {
                        1
                    };
                    for round in 0..rounds {
                        step(
                            &mut ticket,
                            Command::Accept,
                            &handler,
                            (5 * MINUTE, 120 * MINUTE),
                            rng,
                        )?;
                        if goal == Goal::Accepted {
                            break;
                        }
                        step(
                            &mut ticket,
                            Command::RecordContact {
                                note: "已电话联系居民".into(),
                            },
                            &handler,
                            (5 * MINUTE, 120 * MINUTE),
                            rng,
                        )?;
                        step(
                            &mut ticket,
                            Command::Resolve {
                                result: "已上门处理完毕".into(),
                            },
                            &handler,
                            (60 * MINUTE, 3 * 24 * 60 * MINUTE),
                            rng,
                        )?;
                        if goal == Goal::Resolved {
                            break;
                        }
                        let failed = round + 1 < rounds;
                        step(
                            &mut ticket,
                            Command::Callback {
                                contacted: true,
                                solved: if failed { Solved::Not } else { Solved::Solved },
                                satisfaction: if failed {
                                    Satisfaction::Unsatisfied
                                } else {
                                    Satisfaction::Satisfied
                                },
                                note: String::new(),
                            },
                            &agent,
                            (60 * MINUTE, 2 * 24 * 60 * MINUTE),
                            rng,
                        )?;
                    }
                }
            }
        }
        // What the scheduler would have recorded by now on an open ticket: its missed
        // deadlines, and supervision of the priority categories, so the overdue and
        // supervision boards hold what they would hold.
        if !ticket.is_terminal() && ticket.status != Status::Registered {
            let system = Actor::system();
            let at = ts(now.max(t));
            for clock in due_breaches(&ticket, at) {
                let more = decide(
                    &ticket,
                    Command::RecordBreach { clock },
                    &system,
                    at,
                    &self.policy,
                )
                .map_err(|e| anyhow::anyhow!("breach: {e:?}"))?;
                for e in &more {
                    apply(&mut ticket, e);
                }
                events.extend(more);
            }
            let priority = BUILTIN_CATEGORIES
                .iter()
                .any(|(c, _, _, p)| *p && *c == category);
            if let Some(level) = needs_supervision(&ticket, at, priority, &self.policy) {
                let cmd = Command::Supervise {
                    level: level.min(1),
                    note: "重点督办".into(),
                };
                let more = decide(&ticket, cmd, &system, at, &self.policy)
                    .map_err(|e| anyhow::anyhow!("supervise: {e:?}"))?;
                for e in &more {
                    apply(&mut ticket, e);
                }
                events.extend(more);
            }
        }
        let day = china_datetime(ticket.registered_at)
            .strftime("%Y%m%d")
            .to_string();
        let n = self.numbers.entry(day.clone()).or_insert(0);
        *n += 1;
        Ok(Row {
            id,
            number: format!("YHT{day}-{:06}", n),
            area_id: h.area_id,
            area_path: h.path.clone(),
            household: h.id,
            ticket,
            events,
            search_text,
            suggestion: String::new(),
        })
    }
}

fn ms(t: jiff::Timestamp) -> i64 {
    t.as_millisecond()
}

/// The columns of a ticket row: `id`, then those of the store's own INSERT, then the
/// versions and the callback's outcome the store's columns default or leave NULL at intake.
const COLUMNS: &str = "id, number, status, urgency, urgency_rank, category, request_type, channel,
    epidemic_related, confidential, area_id, area_path, household_id, caller_phone, title,
    assigned_agency_id, accept_by, contact_by, resolve_by, accepted_at, first_contact_at,
    resolved_at, closed_at, supervision_level, escalation_level, reopen_count, return_pending,
    extension_pending, breaches, overdue, registered_at, registered_by, updated_at, version,
    state, suggestion, search_text, state_version, callback_contacted, callback_solved,
    callback_satisfaction, breach_due_at";
const NCOLS: usize = 42;

fn placeholders(rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            s.push_str(&format!("${}", r * cols + c + 1));
        }
        s.push(')');
    }
    s
}

macro_rules! bind_ticket {
    ($q:expr, $r:expr) => {{
        let r: &Row = $r;
        let t = &r.ticket;
        // The store's projection, so the loaded rows are what the app writes.
        let p = yihaotai_store::tickets::project(t).expect("a ticket projects");
        $q.bind(r.id)
            .bind(r.number.clone())
            .bind(p.status)
            .bind(p.urgency)
            .bind(p.urgency_rank)
            .bind(p.category)
            .bind(t.request_type.code())
            .bind(t.channel.code())
            .bind(t.epidemic_related as i64)
            .bind(t.confidential as i64)
            .bind(r.area_id)
            .bind(r.area_path.clone())
            .bind(t.household.map(|_| r.household))
            .bind(t.caller_phone.as_ref().map(|p| p.as_str().to_string()))
            .bind(t.content.chars().take(60).collect::<String>())
            .bind(p.assigned)
            .bind(p.accept_by)
            .bind(p.contact_by)
            .bind(p.resolve_by)
            .bind(p.accepted_at)
            .bind(p.first_contact_at)
            .bind(p.resolved_at)
            .bind(p.closed_at)
            .bind(p.supervision_level)
            .bind(p.escalation_level)
            .bind(p.reopen_count)
            .bind(p.return_pending)
            .bind(p.extension_pending)
            .bind(p.breaches)
            .bind(p.overdue)
            .bind(ms(t.registered_at))
            .bind(t.registered_by.map(|u| u.0))
            .bind(p.updated_at)
            .bind(p.version)
            .bind(p.state)
            .bind(r.suggestion.clone())
            .bind(r.search_text.clone())
            .bind(p.state_version)
            .bind(p.callback_contacted)
            .bind(p.callback_solved)
            .bind(p.callback_satisfaction)
            .bind(p.breach_due_at)
    }};
}

async fn insert_batch(conn: &mut Conn, rows: &[Row]) -> anyhow::Result<()> {
    let sqlite = matches!(conn, Conn::Sqlite(_));
    on_conn!(conn, |c| {
        let mut tx = c.begin().await?;
        for chunk in rows.chunks(STMT_ROWS) {
            let sql = format!(
                "INSERT INTO tickets ({COLUMNS}) VALUES {}",
                placeholders(chunk.len(), NCOLS)
            );
            let mut q = sqlx::query(&sql);
            for r in chunk {
                q = bind_ticket!(q, r);
            }
            q.execute(&mut *tx).await?;
        }
        let events: Vec<(i64, i64, &Event)> = rows
            .iter()
            .flat_map(|r| {
                r.events
                    .iter()
                    .enumerate()
                    .map(move |(i, e)| (r.id, i as i64 + 1, e))
            })
            .collect();
        for chunk in events.chunks(EVENT_STMT_ROWS) {
            let sql = format!(
                "INSERT INTO ticket_events (ticket_id, seq, kind, payload, actor_id, agency_id, at) VALUES {}",
                placeholders(chunk.len(), 7)
            );
            let mut q = sqlx::query(&sql);
            for (tid, seq, e) in chunk {
                q = q
                    .bind(*tid)
                    .bind(*seq)
                    .bind(e.kind.code())
                    .bind(serde_json::to_string(e)?)
                    .bind(e.actor.map(|u| u.0))
                    .bind(e.agency.map(|a| a.0))
                    .bind(ms(e.at));
            }
            q.execute(&mut *tx).await?;
        }
        if sqlite {
            for chunk in rows.chunks(STMT_ROWS * 4) {
                let sql = format!(
                    "INSERT INTO ticket_fts (rowid, terms) VALUES {}",
                    placeholders(chunk.len(), 2)
                );
                let mut q = sqlx::query(&sql);
                for r in chunk {
                    q = q.bind(r.id).bind(r.search_text.clone());
                }
                q.execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
    });
    Ok(())
}

pub struct Loaded {
    pub tickets: u64,
    pub events: u64,
    pub seconds: f64,
}

/// Adds `n` tickets registered over the past year (newest a few minutes ago).
pub async fn load(url: &str, n: u64, seed: u64) -> anyhow::Result<Loaded> {
    let mut conn = connect(url).await?;
    let refs = refs(&mut conn).await?;
    let max_id: i64 = on_conn!(&mut conn, |c| sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM tickets"
    )
    .fetch_one(&mut *c)
    .await?);
    let first_id = max_id + 1;
    let existing: Vec<(String, i64)> = on_conn!(&mut conn, |c| sqlx::query_as(
        "SELECT day, last FROM ticket_numbers"
    )
    .fetch_all(&mut *c)
    .await?);
    let now = jiff::Timestamp::now().as_millisecond() - 10 * MINUTE;
    let span = 365 * 24 * 60 * MINUTE;
    let recent_from = now - 10 * 24 * 60 * MINUTE;
    let started = Instant::now();
    // Generation (domain decisions, JSON, word segmentation) on one thread, inserts on
    // the other core.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Row>>(2);
    let gen = std::thread::spawn(move || -> anyhow::Result<HashMap<String, i64>> {
        let mut g = Gen {
            refs: &refs,
            policy: Policy::default(),
            rng: StdRng::seed_from_u64(seed),
            numbers: existing.into_iter().collect(),
            now,
        };
        let mut batch = Vec::with_capacity(TX_ROWS);
        for i in 0..n {
            let at = now - span + (span as f64 * (i as f64 / n.max(1) as f64)) as i64;
            batch.push(g.ticket(first_id + i as i64, at, at >= recent_from)?);
            if batch.len() == TX_ROWS {
                if tx.blocking_send(std::mem::take(&mut batch)).is_err() {
                    break;
                }
                batch.reserve(TX_ROWS);
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
        Ok(g.numbers)
    });
    let mut done: u64 = 0;
    let mut events: u64 = 0;
    let mut last_report = Instant::now();
    let mut waiting = std::time::Duration::ZERO;
    let mut inserting = std::time::Duration::ZERO;
    loop {
        let t0 = Instant::now();
        let Some(batch) = rx.recv().await else { break };
        waiting += t0.elapsed();
        let t0 = Instant::now();
        insert_batch(&mut conn, &batch).await?;
        inserting += t0.elapsed();
        done += batch.len() as u64;
        events += batch.iter().map(|r| r.events.len() as u64).sum::<u64>();
        if last_report.elapsed().as_secs() >= 10 {
            last_report = Instant::now();
            eprintln!(
                "  loaded {done}/{n} tickets ({:.0}/s; {:.1} s inserting, {:.1} s waiting for the generator)",
                done as f64 / started.elapsed().as_secs_f64(),
                inserting.as_secs_f64(),
                waiting.as_secs_f64()
            );
        }
    }
    let numbers = gen
        .join()
        .map_err(|_| anyhow::anyhow!("the generator panicked"))??;
    // Later intakes must continue each day's numbering, never collide with it.
    on_conn!(&mut conn, |c| {
        let mut tx = c.begin().await?;
        for (day, last) in &numbers {
            sqlx::query(
                "INSERT INTO ticket_numbers (day, last) VALUES ($1, $2)
                 ON CONFLICT (day) DO UPDATE SET last = excluded.last",
            )
            .bind(day)
            .bind(*last)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    });
    if let Conn::Pg(c) = &mut conn {
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT MAX(id) FROM tickets))",
        )
        .execute(&mut *c)
        .await?;
        sqlx::query("ANALYZE").execute(&mut *c).await?;
    }
    on_conn!(conn, |c| c.close().await?);
    eprintln!(
        "  {:.1} s inserting, {:.1} s waiting for the generator",
        inserting.as_secs_f64(),
        waiting.as_secs_f64()
    );
    Ok(Loaded {
        tickets: done,
        events,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// `ANALYZE` on SQLite, for the query planner's statistics.
pub async fn analyze(url: &str) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut conn = connect(url).await?;
    on_conn!(&mut conn, |c| {
        sqlx::query("ANALYZE").execute(&mut *c).await?;
    });
    on_conn!(conn, |c| c.close().await?);
    Ok(started.elapsed().as_secs_f64())
}
