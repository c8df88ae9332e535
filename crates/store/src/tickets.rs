//! Tickets: the append-only event log and the projection row, written together in one
//! transaction; optimistic concurrency on the ticket's version; the filtered lists behind
//! every queue, with keyset pagination so pages stay fast with millions of rows.

use crate::{Backend, Millis, Result, Store, StoreError};
use yihaotai_domain::ticket::{Event, Ticket};
use yihaotai_domain::vocab::Urgency;
use yihaotai_domain::{AgencyId, HouseholdId, TicketId, UserId};

/// Inserts one event row; used inside the ticket transactions above.
macro_rules! insert_event {
    ($c:expr, $ticket:expr, $seq:expr, $e:expr) => {{
        let payload = serde_json::to_string($e).map_err(|x| StoreError::Corrupt(x.to_string()))?;
        sqlx::query(
            "INSERT INTO ticket_events (ticket_id, seq, kind, payload, actor_id, agency_id, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind($ticket)
        .bind($seq)
        .bind($e.kind.code())
        .bind(payload)
        .bind($e.actor.map(|u: UserId| u.0))
        .bind($e.agency.map(|a: AgencyId| a.0))
        .bind(ms($e.at))
        .execute(&mut *$c)
        .await?;
    }};
}

/// Queues the notice of a ticket's change, in the transaction that stores the change: the
/// ticket and the sequence number of its last event (see the migration `ticket_outbox`).
macro_rules! insert_outbox {
    ($c:expr, $ticket:expr, $seq:expr, $at:expr) => {{
        sqlx::query("INSERT INTO ticket_outbox (ticket_id, seq, created_at) VALUES ($1, $2, $3)")
            .bind($ticket)
            .bind($seq)
            .bind($at)
            .execute(&mut *$c)
            .await?;
    }};
}

fn ms(t: jiff::Timestamp) -> Millis {
    t.as_millisecond()
}

fn urgency_rank(u: Urgency) -> i64 {
    match u {
        Urgency::Critical => 0,
        Urgency::Urgent => 1,
        Urgency::Normal => 2,
        Urgency::Consult => 3,
    }
}

/// The version of the snapshot a ticket row keeps in `state` (see the migration
/// `20261202000005_projection_versions`). A row with another version is rebuilt from its
/// events when read; a change to the format of [`Ticket`] that old snapshots cannot be read
/// as bumps this and the column's default.
pub const STATE_VERSION: i64 = 1;
/// The version of an event payload's format, kept on each event row (the column's default).
pub const EVENT_VERSION: i64 = 1;

/// The sortable, filterable columns derived from a ticket's state, as written and as read
/// back (so a rebuilt projection can be compared with the stored one, column by column).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Projection {
    pub status: String,
    pub urgency: String,
    pub urgency_rank: i64,
    pub category: String,
    #[sqlx(rename = "assigned_agency_id")]
    pub assigned: Option<i64>,
    pub accept_by: Option<Millis>,
    pub contact_by: Option<Millis>,
    pub resolve_by: Option<Millis>,
    pub accepted_at: Option<Millis>,
    pub first_contact_at: Option<Millis>,
    pub resolved_at: Option<Millis>,
    pub closed_at: Option<Millis>,
    pub supervision_level: i64,
    pub escalation_level: i64,
    pub reopen_count: i64,
    pub return_pending: i64,
    pub extension_pending: i64,
    pub breaches: String,
    pub overdue: i64,
    pub updated_at: Millis,
    pub version: i64,
    pub state: String,
    pub state_version: i64,
    pub callback_contacted: Option<i64>,
    pub callback_solved: Option<String>,
    pub callback_satisfaction: Option<String>,
    /// When the next breach falls due (`next_breach_at`), for the deadline watch's index.
    pub breach_due_at: Option<Millis>,
}

/// The projection's columns, in [`Projection`]'s order, for reading it back.
const PROJECTION_COLUMNS: &str = "status, urgency, urgency_rank, category, assigned_agency_id, accept_by,
    contact_by, resolve_by, accepted_at, first_contact_at, resolved_at, closed_at, supervision_level,
    escalation_level, reopen_count, return_pending, extension_pending, breaches, overdue, updated_at,
    version, state, state_version, callback_contacted, callback_solved, callback_satisfaction,
    breach_due_at";

/// The projection of a ticket's state: the one place its columns are derived (the intake
/// paths, the event appends, the rebuild and the bench's bulk loader all use it).
pub fn project(t: &Ticket) -> Result<Projection> {
    let breaches: Vec<&str> = t.breaches.iter().map(|c| c.code()).collect();
    Ok(Projection {
        status: t.status.code().to_string(),
        urgency: t.urgency.code().to_string(),
        urgency_rank: urgency_rank(t.urgency),
        category: t.category.as_str().to_string(),
        assigned: t.assigned.map(|a| a.0),
        accept_by: t.deadlines.accept_by.map(ms),
        contact_by: t.deadlines.contact_by.map(ms),
        resolve_by: t.deadlines.resolve_by.map(ms),
        accepted_at: t.accepted_at.map(ms),
        first_contact_at: t.first_contact_at.map(ms),
        resolved_at: t.resolved_at.map(ms),
        closed_at: t.closed_at.map(ms),
        supervision_level: t.supervision_level as i64,
        escalation_level: t.escalation_level as i64,
        reopen_count: t.reopen_count as i64,
        return_pending: t.return_pending.is_some() as i64,
        extension_pending: t.extension_pending.is_some() as i64,
        overdue: (!breaches.is_empty()) as i64,
        breaches: breaches.join(","),
        updated_at: ms(t.updated_at),
        version: t.version as i64,
        state: serde_json::to_string(t).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        state_version: STATE_VERSION,
        callback_contacted: t.callback.as_ref().map(|c| c.contacted as i64),
        callback_solved: t.callback.as_ref().map(|c| c.solved.code().to_string()),
        callback_satisfaction: t
            .callback
            .as_ref()
            .map(|c| c.satisfaction.code().to_string()),
        breach_due_at: yihaotai_domain::ticket::next_breach_at(t).map(ms),
    })
}

/// Writes a ticket's projection over its row, on a connection inside a transaction, where
/// the stored version is `$expected`; evaluates to the number of rows changed (0: another
/// change came first).
macro_rules! update_projection {
    ($c:expr, $id:expr, $expected:expr, $p:expr) => {{
        let p: &Projection = $p;
        sqlx::query(
            "UPDATE tickets SET status = $1, urgency = $2, urgency_rank = $3, category = $4,
               assigned_agency_id = $5, accept_by = $6, contact_by = $7, resolve_by = $8, accepted_at = $9,
               first_contact_at = $10, resolved_at = $11, closed_at = $12, supervision_level = $13,
               escalation_level = $14, reopen_count = $15, return_pending = $16, extension_pending = $17,
               breaches = $18, overdue = $19, updated_at = $20, version = $21, state = $22,
               state_version = $23, callback_contacted = $24, callback_solved = $25,
               callback_satisfaction = $26, breach_due_at = $27
             WHERE id = $28 AND version = $29",
        )
        .bind(&p.status)
        .bind(&p.urgency)
        .bind(p.urgency_rank)
        .bind(&p.category)
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
        .bind(&p.breaches)
        .bind(p.overdue)
        .bind(p.updated_at)
        .bind(p.version)
        .bind(&p.state)
        .bind(p.state_version)
        .bind(p.callback_contacted)
        .bind(&p.callback_solved)
        .bind(&p.callback_satisfaction)
        .bind(p.breach_due_at)
        .bind($id)
        .bind($expected)
        .execute(&mut *$c)
        .await?
        .rows_affected()
    }};
}

/// A new ticket as the service hands it over: the events of its registration and the
/// state they produce.
pub struct NewTicketRecord<'a> {
    pub ticket: &'a Ticket,
    pub events: &'a [Event],
    pub area_path: &'a str,
    /// Local (China) date, `YYYYMMDD`, for the ticket number.
    pub day: &'a str,
    pub search_text: &'a str,
    pub suggestion: &'a str,
}

/// The callback outcomes (回访) of the tickets registered in a period and a scope: what
/// the three rates are computed from, by a query on the projection.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct CallbackCounts {
    /// Tickets with a recorded callback.
    pub called_back: i64,
    /// Of those, the resident was reached.
    pub contacted: i64,
    pub solved: i64,
    pub partly_solved: i64,
    pub satisfied: i64,
    pub basically_satisfied: i64,
}

fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl CallbackCounts {
    /// 联系率: residents reached, of the tickets called back.
    pub fn contact_rate(&self) -> Option<f64> {
        share(self.contacted, self.called_back)
    }
    /// 解决率: said solved, of the residents reached.
    pub fn solved_rate(&self) -> Option<f64> {
        share(self.solved, self.contacted)
    }
    /// 满意率: satisfied or basically satisfied, of the residents reached.
    pub fn satisfaction_rate(&self) -> Option<f64> {
        share(self.satisfied + self.basically_satisfied, self.contacted)
    }
}

/// What [`Store::rebuild_projections`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RebuildReport {
    pub tickets: u64,
    /// Tickets whose stored projection was not what their events give.
    pub differed: u64,
    pub written: u64,
    pub first_differing: Option<TicketId>,
}

/// A ticket as loaded: its id and number, and the state rebuilt from its projection.
#[derive(Debug, Clone)]
pub struct TicketRecord {
    pub id: TicketId,
    pub number: String,
    pub area_path: String,
    pub suggestion: String,
    pub ticket: Ticket,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct StoredEvent {
    pub seq: i64,
    pub kind: String,
    pub payload: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub agency_id: Option<i64>,
    pub agency_name: Option<String>,
    pub at: Millis,
}

/// One line of a queue or search result.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct TicketRow {
    pub id: i64,
    pub number: String,
    pub status: String,
    pub urgency: String,
    pub urgency_rank: i64,
    pub category: String,
    pub request_type: String,
    pub channel: String,
    pub epidemic_related: i64,
    pub confidential: i64,
    pub area_id: Option<i64>,
    pub area_name: Option<String>,
    pub area_path: String,
    pub household_id: Option<i64>,
    pub caller_phone: Option<String>,
    pub title: String,
    pub assigned_agency_id: Option<i64>,
    pub agency_name: Option<String>,
    pub accept_by: Option<Millis>,
    pub contact_by: Option<Millis>,
    pub resolve_by: Option<Millis>,
    pub accepted_at: Option<Millis>,
    pub first_contact_at: Option<Millis>,
    pub resolved_at: Option<Millis>,
    pub closed_at: Option<Millis>,
    pub supervision_level: i64,
    pub escalation_level: i64,
    pub reopen_count: i64,
    pub return_pending: i64,
    pub extension_pending: i64,
    pub breaches: String,
    pub overdue: i64,
    pub registered_at: Millis,
    pub updated_at: Millis,
}

/// What a list asks for. Every field narrows; `None`/empty means "any".
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Area paths the caller serves; tickets must lie within one. `None`: unscoped (CLI).
    pub scope: Option<Vec<String>>,
    /// Tickets of these agencies only (lead or assisting is not distinguished here: lead).
    pub agency: Option<AgencyId>,
    pub statuses: Vec<&'static str>,
    pub urgency: Option<&'static str>,
    pub category: Option<String>,
    pub area_prefix: Option<String>,
    pub household: Option<HouseholdId>,
    pub phone: Option<String>,
    /// Exactly this ticket number.
    pub number: Option<String>,
    pub overdue: Option<bool>,
    pub supervised: bool,
    pub pending_review: bool,
    /// Not yet closed (the overdue board).
    pub open_only: bool,
    pub registered_from: Option<Millis>,
    pub registered_to: Option<Millis>,
    /// Space-separated segmented words; all must match.
    pub text_terms: Vec<String>,
    /// Keyset cursor: rows after (urgency_rank, id) in the list's order.
    pub after: Option<(i64, i64)>,
    /// Sort by urgency first (queues) or newest first (search).
    pub urgency_first: bool,
    pub limit: i64,
}

enum Arg {
    I(i64),
    S(String),
}

const ROW_SELECT: &str = "SELECT t.id, t.number, t.status, t.urgency, t.urgency_rank, t.category, t.request_type,
    t.channel, t.epidemic_related, t.confidential, t.area_id, a.name AS area_name, t.area_path, t.household_id,
    t.caller_phone, t.title, t.assigned_agency_id, g.name AS agency_name, t.accept_by, t.contact_by,
    t.resolve_by, t.accepted_at, t.first_contact_at, t.resolved_at, t.closed_at, t.supervision_level,
    t.escalation_level, t.reopen_count, t.return_pending, t.extension_pending, t.breaches, t.overdue,
    t.registered_at, t.updated_at
  FROM tickets t LEFT JOIN areas a ON a.id = t.area_id LEFT JOIN agencies g ON g.id = t.assigned_agency_id";

/// The exclusive upper bound of all strings that start with `prefix` (paths end in '/',
/// and '0' is the character after '/'), so a prefix match can use a plain index range.
fn prefix_end(prefix: &str) -> String {
    let mut s = prefix.to_string();
    if s.ends_with('/') {
        s.pop();
        s.push('0');
    } else {
        s.push('\u{10FFFF}');
    }
    s
}

/// The statements that store one new ticket, on a connection inside a transaction.
macro_rules! insert_ticket_sql {
    ($c:expr, $r:expr, $sqlite:expr) => {{
        let c = $c;
        let r: &NewTicketRecord<'_> = $r;
        let p = project(r.ticket)?;
        let t = r.ticket;
        let title: String = t.content.chars().take(60).collect();
            let n: i64 = sqlx::query_scalar(
                "INSERT INTO ticket_numbers (day, last) VALUES ($1, 1)
                 ON CONFLICT (day) DO UPDATE SET last = ticket_numbers.last + 1 RETURNING last",
            )
            .bind(r.day)
            .fetch_one(&mut *c)
            .await?;
            let number = format!("YHT{}-{:06}", r.day, n);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO tickets (number, status, urgency, urgency_rank, category, request_type, channel,
                   epidemic_related, confidential, area_id, area_path, household_id, caller_phone, title,
                   assigned_agency_id, accept_by, contact_by, resolve_by, accepted_at, first_contact_at,
                   resolved_at, closed_at, supervision_level, escalation_level, reopen_count, return_pending,
                   extension_pending, breaches, overdue, registered_at, registered_by, updated_at, version,
                   state, suggestion, search_text, breach_due_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
                   $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37)
                 RETURNING id",
            )
            .bind(&number)
            .bind(&p.status)
            .bind(&p.urgency)
            .bind(p.urgency_rank)
            .bind(&p.category)
            .bind(t.request_type.code())
            .bind(t.channel.code())
            .bind(t.epidemic_related as i64)
            .bind(t.confidential as i64)
            .bind(t.area.map(|a| a.0))
            .bind(r.area_path)
            .bind(t.household.map(|h| h.0))
            .bind(t.caller_phone.as_ref().map(|p| p.as_str().to_string()))
            .bind(&title)
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
            .bind(&p.breaches)
            .bind(p.overdue)
            .bind(ms(t.registered_at))
            .bind(t.registered_by.map(|u| u.0))
            .bind(p.updated_at)
            .bind(p.version)
            .bind(&p.state)
            .bind(r.suggestion)
            .bind(r.search_text)
            .bind(p.breach_due_at)
            .fetch_one(&mut *c)
            .await?;
            for (i, e) in r.events.iter().enumerate() {
                insert_event!(c, id, i as i64 + 1, e);
            }
            if let Some(last) = r.events.last() {
                insert_outbox!(c, id, r.events.len() as i64, ms(last.at));
            }
            if $sqlite {
                sqlx::query("INSERT INTO ticket_fts (rowid, terms) VALUES ($1, $2)")
                    .bind(id)
                    .bind(r.search_text)
                    .execute(&mut *c)
                    .await?;
            }
            (id, number)
    }};
}

impl Store {
    /// Stores a new ticket, its events and its search terms in one transaction and returns
    /// its id and number. The number is `YHT` + local date + a per-day sequence. On SQLite,
    /// concurrent intakes are committed together (group commit): each is answered only
    /// after the transaction holding it has been committed and synced.
    pub async fn insert_ticket(&self, r: &NewTicketRecord<'_>) -> Result<(TicketId, String)> {
        if let Some(b) = &self.batcher {
            return b.submit(OwnedTicketRecord::from(r)).await;
        }
        let sqlite = self.backend() == Backend::Sqlite;
        let (id, number) = in_tx!(self, |c| insert_ticket_sql!(c, r, sqlite));
        Ok((TicketId(id), number))
    }

    /// Appends `events` to a ticket whose stored version is `expected_version`, and writes
    /// the new state. A concurrent change makes this fail with `VersionConflict`, changing
    /// nothing; a constraint (an event naming a missing agency) with `Conflict`.
    pub async fn append_events(
        &self,
        id: TicketId,
        expected_version: u64,
        events: &[Event],
        new_state: &Ticket,
    ) -> Result<()> {
        let p = project(new_state)?;
        in_tx!(self, |c| {
            let n = update_projection!(c, id.0, expected_version as i64, &p);
            if n == 0 {
                return Err(StoreError::VersionConflict(format!("ticket {}", id.0)));
            }
            for (i, e) in events.iter().enumerate() {
                insert_event!(c, id.0, expected_version as i64 + i as i64 + 1, e);
            }
            if let Some(last) = events.last() {
                let seq = expected_version as i64 + events.len() as i64;
                insert_outbox!(c, id.0, seq, ms(last.at));
            }
        });
        Ok(())
    }

    pub async fn ticket(&self, id: TicketId) -> Result<TicketRecord> {
        #[derive(sqlx::FromRow)]
        struct StateRow {
            id: i64,
            number: String,
            area_path: String,
            suggestion: String,
            state: String,
            state_version: i64,
        }
        let r: StateRow = on_read!(self, |p| {
            sqlx::query_as(
                "SELECT id, number, area_path, suggestion, state, state_version FROM tickets WHERE id = $1",
            )
            .bind(id.0)
            .fetch_one(p)
            .await?
        });
        let stored = (r.state_version == STATE_VERSION)
            .then(|| serde_json::from_str::<Ticket>(&r.state).ok())
            .flatten();
        let mut ticket = match stored {
            Some(t) => t,
            None => {
                // A snapshot of another version (or unreadable): the events decide.
                tracing::warn!(
                    ticket = r.id,
                    version = r.state_version,
                    "snapshot rebuilt from events"
                );
                self.replay(id).await?
            }
        };
        ticket.id = Some(TicketId(r.id));
        Ok(TicketRecord {
            id: TicketId(r.id),
            number: r.number,
            area_path: r.area_path,
            suggestion: r.suggestion,
            ticket,
        })
    }

    pub async fn ticket_id_by_number(&self, number: &str) -> Result<Option<TicketId>> {
        let id: Option<i64> = on_read!(self, |p| {
            sqlx::query_scalar("SELECT id FROM tickets WHERE number = $1")
                .bind(number)
                .fetch_optional(p)
                .await?
        });
        Ok(id.map(TicketId))
    }

    pub async fn ticket_events(&self, id: TicketId) -> Result<Vec<StoredEvent>> {
        Ok(on_read!(self, |p| {
            sqlx::query_as(
                "SELECT e.seq, e.kind, e.payload, e.actor_id, u.display_name AS actor_name, e.agency_id,
                        g.name AS agency_name, e.at
                 FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id
                 LEFT JOIN agencies g ON g.id = e.agency_id
                 WHERE e.ticket_id = $1 ORDER BY e.seq",
            )
            .bind(id.0)
            .fetch_all(p)
            .await?
        }))
    }

    /// The callback outcomes of tickets registered in `[from, to)` whose area lies within
    /// one of `scope`'s paths (`None`: everywhere).
    pub async fn callback_counts(
        &self,
        scope: Option<&[String]>,
        from: Millis,
        to: Millis,
    ) -> Result<CallbackCounts> {
        let mut args = vec![Arg::I(from), Arg::I(to)];
        let mut sql = String::from(
            "SELECT COUNT(*) AS called_back,
               CAST(COALESCE(SUM(callback_contacted), 0) AS BIGINT) AS contacted,
               CAST(COALESCE(SUM(CASE WHEN callback_solved = 'solved' THEN 1 ELSE 0 END), 0) AS BIGINT) AS solved,
               CAST(COALESCE(SUM(CASE WHEN callback_solved = 'partly' THEN 1 ELSE 0 END), 0) AS BIGINT) AS partly_solved,
               CAST(COALESCE(SUM(CASE WHEN callback_satisfaction = 'satisfied' THEN 1 ELSE 0 END), 0) AS BIGINT) AS satisfied,
               CAST(COALESCE(SUM(CASE WHEN callback_satisfaction = 'basically_satisfied' THEN 1 ELSE 0 END), 0) AS BIGINT)
                 AS basically_satisfied
             FROM tickets WHERE callback_solved IS NOT NULL AND registered_at >= $1 AND registered_at < $2",
        );
        if let Some(scope) = scope {
            let mut parts = vec!["1 = 0".to_string()];
            for path in scope {
                args.push(Arg::S(path.clone()));
                args.push(Arg::S(prefix_end(path)));
                let (lo, hi) = (args.len() - 1, args.len());
                parts.push(format!("(area_path >= ${lo} AND area_path < ${hi})"));
            }
            sql.push_str(&format!(" AND ({})", parts.join(" OR ")));
        }
        Ok(on_read!(self, |p| {
            let mut q = sqlx::query_as(&sql);
            for a in &args {
                q = match a {
                    Arg::I(v) => q.bind(*v),
                    Arg::S(s) => q.bind(s.clone()),
                };
            }
            q.fetch_one(p).await?
        }))
    }

    /// Takes the queued notice of a ticket's change once it has been delivered; `false`
    /// when it was not queued or another process's relay took it first (and delivered it).
    pub async fn take_outbox(&self, ticket: TicketId, seq: i64) -> Result<bool> {
        let n = on_write!(self, |p| {
            sqlx::query("DELETE FROM ticket_outbox WHERE ticket_id = $1 AND seq = $2")
                .bind(ticket.0)
                .bind(seq)
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Claims up to `limit` queued notices written at or before `until` (the oldest first),
    /// removing them so no other process delivers them too: the caller delivers each.
    /// Returns (ticket, sequence number of the event) pairs.
    pub async fn claim_outbox(&self, until: Millis, limit: i64) -> Result<Vec<(TicketId, i64)>> {
        let rows: Vec<(i64, i64, i64)> = on_write!(self, |p| {
            sqlx::query_as(
                "DELETE FROM ticket_outbox WHERE id IN
                   (SELECT id FROM ticket_outbox WHERE created_at <= $1 ORDER BY created_at, id LIMIT $2)
                 RETURNING id, ticket_id, seq",
            )
            .bind(until)
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        let mut rows = rows;
        rows.sort_unstable();
        Ok(rows.into_iter().map(|(_, t, s)| (TicketId(t), s)).collect())
    }

    /// How many notices wait in the outbox.
    pub async fn outbox_len(&self) -> Result<i64> {
        Ok(on_read!(self, |p| {
            sqlx::query_scalar("SELECT COUNT(*) FROM ticket_outbox")
                .fetch_one(p)
                .await?
        }))
    }

    /// A ticket's state, replayed from its events alone.
    pub async fn replay(&self, id: TicketId) -> Result<Ticket> {
        let events = self.ticket_domain_events(id).await?;
        Ticket::from_events(&events).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "ticket {}: its events do not start with registered",
                id.0
            ))
        })
    }

    /// Rebuilds every ticket's projection (its state snapshot and the columns the lists read)
    /// from its events, `batch` tickets at a time, and says how many differed from what was
    /// stored. With `write` false nothing is changed: a check. A ticket changed while it is
    /// being rebuilt keeps the newer projection the change wrote.
    pub async fn rebuild_projections(
        &self,
        write: bool,
        mut progress: impl FnMut(u64),
    ) -> Result<RebuildReport> {
        let mut report = RebuildReport::default();
        let mut after = 0i64;
        let stored_sql = format!("SELECT {PROJECTION_COLUMNS} FROM tickets WHERE id = $1");
        loop {
            let ids: Vec<i64> = on_read!(self, |p| {
                sqlx::query_scalar("SELECT id FROM tickets WHERE id > $1 ORDER BY id LIMIT 500")
                    .bind(after)
                    .fetch_all(p)
                    .await?
            });
            let Some(&last) = ids.last() else { break };
            after = last;
            for id in ids {
                let rebuilt = project(&self.replay(TicketId(id)).await?)?;
                let stored: Projection = on_read!(self, |p| {
                    sqlx::query_as(&stored_sql).bind(id).fetch_one(p).await?
                });
                report.tickets += 1;
                if stored == rebuilt {
                    continue;
                }
                report.differed += 1;
                if report.first_differing.is_none() {
                    report.first_differing = Some(TicketId(id));
                }
                if write {
                    let n = in_tx!(self, |c| update_projection!(
                        c,
                        id,
                        stored.version,
                        &rebuilt
                    ));
                    report.written += n;
                }
            }
            progress(report.tickets);
        }
        Ok(report)
    }

    /// The domain events of a ticket, in order, for replay.
    pub async fn ticket_domain_events(&self, id: TicketId) -> Result<Vec<Event>> {
        self.ticket_events(id)
            .await?
            .iter()
            .map(|e| {
                serde_json::from_str(&e.payload).map_err(|x| StoreError::Corrupt(x.to_string()))
            })
            .collect()
    }

    pub async fn list_tickets(&self, f: &TicketFilter) -> Result<Vec<TicketRow>> {
        let mut wh: Vec<String> = Vec::new();
        let mut args: Vec<Arg> = Vec::new();
        let push = |args: &mut Vec<Arg>, a: Arg| {
            args.push(a);
            format!("${}", args.len())
        };
        // The dispatcher queue and the overdue and supervision boards hold few of the
        // tickets; each has a partial index in its display order. SQLite would rather
        // range-scan every ticket of the caller's areas and sort them (seconds at a
        // million tickets), so its scope and status tests are kept off their indexes with
        // a unary `+`.
        let few = f.pending_review || f.supervised || (f.open_only && f.overdue == Some(true));
        let scope_col = if few && self.backend() == Backend::Sqlite {
            "+t.area_path"
        } else {
            "t.area_path"
        };
        if let Some(scope) = &f.scope {
            if scope.is_empty() {
                wh.push("1 = 0".into());
            } else {
                let mut parts = Vec::new();
                for s in scope {
                    let lo = push(&mut args, Arg::S(s.clone()));
                    let hi = push(&mut args, Arg::S(prefix_end(s)));
                    parts.push(format!("({scope_col} >= {lo} AND {scope_col} < {hi})"));
                }
                wh.push(format!("({})", parts.join(" OR ")));
            }
        }
        if let Some(a) = f.agency {
            let x = push(&mut args, Arg::I(a.0));
            wh.push(format!("t.assigned_agency_id = {x}"));
        }
        if !f.statuses.is_empty() {
            let xs: Vec<String> = f
                .statuses
                .iter()
                .map(|s| push(&mut args, Arg::S(s.to_string())))
                .collect();
            // Kept off the status index for the same reason as the scope, below.
            let col = if few && self.backend() == Backend::Sqlite {
                "+t.status"
            } else {
                "t.status"
            };
            wh.push(format!("{col} IN ({})", xs.join(", ")));
        }
        if let Some(u) = f.urgency {
            let x = push(&mut args, Arg::S(u.to_string()));
            wh.push(format!("t.urgency = {x}"));
        }
        if let Some(c) = &f.category {
            let x = push(&mut args, Arg::S(c.clone()));
            wh.push(format!("t.category = {x}"));
        }
        if let Some(p) = &f.area_prefix {
            let lo = push(&mut args, Arg::S(p.clone()));
            let hi = push(&mut args, Arg::S(prefix_end(p)));
            wh.push(format!("t.area_path >= {lo} AND t.area_path < {hi}"));
        }
        if let Some(h) = f.household {
            let x = push(&mut args, Arg::I(h.0));
            wh.push(format!("t.household_id = {x}"));
        }
        if let Some(ph) = &f.phone {
            let x = push(&mut args, Arg::S(ph.clone()));
            wh.push(format!("t.caller_phone = {x}"));
        }
        if let Some(n) = &f.number {
            let x = push(&mut args, Arg::S(n.clone()));
            wh.push(format!("t.number = {x}"));
        }
        if let Some(o) = f.overdue {
            // A literal, not a parameter, so that the partial index on open overdue
            // tickets matches.
            wh.push(format!("t.overdue = {}", o as i64));
        }
        if f.open_only {
            wh.push("t.closed_at IS NULL".into());
        }
        if f.supervised {
            wh.push("t.supervision_level > 0 AND t.closed_at IS NULL".into());
        }
        if f.pending_review {
            wh.push(
                "(t.status IN ('registered', 'return_requested') OR t.extension_pending = 1)"
                    .into(),
            );
        }
        if let Some(from) = f.registered_from {
            let x = push(&mut args, Arg::I(from));
            wh.push(format!("t.registered_at >= {x}"));
        }
        if let Some(to) = f.registered_to {
            let x = push(&mut args, Arg::I(to));
            wh.push(format!("t.registered_at < {x}"));
        }
        if !f.text_terms.is_empty() {
            match self.backend() {
                Backend::Sqlite => {
                    let q: Vec<String> = f
                        .text_terms
                        .iter()
                        .map(|t| format!("\"{}\"", t.replace('"', "")))
                        .collect();
                    let x = push(&mut args, Arg::S(q.join(" ")));
                    wh.push(format!(
                        "t.id IN (SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH {x})"
                    ));
                }
                Backend::Postgres => {
                    let x = push(&mut args, Arg::S(f.text_terms.join(" ")));
                    wh.push(format!("t.search_tsv @@ plainto_tsquery('simple', {x})"));
                }
            }
        }
        let order = if f.urgency_first {
            if let Some((rank, id)) = f.after {
                let r = push(&mut args, Arg::I(rank));
                let i = push(&mut args, Arg::I(id));
                wh.push(format!(
                    "(t.urgency_rank > {r} OR (t.urgency_rank = {r} AND t.id > {i}))"
                ));
            }
            "t.urgency_rank, t.id"
        } else {
            if let Some((_, id)) = f.after {
                let i = push(&mut args, Arg::I(id));
                wh.push(format!("t.id < {i}"));
            }
            "t.id DESC"
        };
        let limit = push(&mut args, Arg::I(f.limit.clamp(1, 500)));
        let where_sql = if wh.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", wh.join(" AND "))
        };
        let sql = format!("{ROW_SELECT}{where_sql} ORDER BY {order} LIMIT {limit}");
        Ok(on_read!(self, |p| {
            let mut q = sqlx::query_as::<_, TicketRow>(&sql);
            for a in &args {
                q = match a {
                    Arg::I(v) => q.bind(*v),
                    Arg::S(s) => q.bind(s.clone()),
                };
            }
            q.fetch_all(p).await?
        }))
    }

    /// Open tickets with a deadline before `now` whose clock has not been met nor its
    /// breach recorded: the scheduler's work list.
    pub async fn tickets_due_for_breach(&self, now: Millis, limit: i64) -> Result<Vec<TicketId>> {
        let ids: Vec<i64> = on_read!(self, |p| {
            sqlx::query_scalar(
                "SELECT id FROM tickets WHERE breach_due_at IS NOT NULL AND breach_due_at < $1
                 ORDER BY breach_due_at, id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        Ok(ids.into_iter().map(TicketId).collect())
    }

    /// Open, dispatched tickets: candidates for supervision.
    pub async fn open_dispatched_tickets(
        &self,
        categories: &[String],
        limit: i64,
    ) -> Result<Vec<TicketId>> {
        let mut sql = String::from(
            "SELECT id FROM tickets WHERE closed_at IS NULL AND status IN ('dispatched', 'accepted', 'return_requested')
             AND (overdue = 1",
        );
        for i in 0..categories.len() {
            sql.push_str(&format!(" OR category = ${}", i + 2));
        }
        sql.push_str(") ORDER BY id LIMIT $1");
        let ids: Vec<i64> = on_read!(self, |p| {
            let mut q = sqlx::query_scalar(&sql).bind(limit);
            for c in categories {
                q = q.bind(c.clone());
            }
            q.fetch_all(p).await?
        });
        Ok(ids.into_iter().map(TicketId).collect())
    }

    pub async fn count_tickets(&self) -> Result<i64> {
        Ok(on_read!(self, |p| {
            sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
                .fetch_one(p)
                .await?
        }))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn prefix_end_bounds_the_subtree() {
        let end = super::prefix_end("/1/3/");
        assert_eq!(end, "/1/30");
        assert!("/1/3/" < end.as_str());
        assert!("/1/3/99/7/" < end.as_str());
        assert!("/1/30/" >= end.as_str());
        assert!("/1/4/" > end.as_str());
    }
}

mod batch;
pub(crate) use batch::Batcher;
use batch::OwnedTicketRecord;
