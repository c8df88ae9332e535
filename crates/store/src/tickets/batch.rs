//! Group commit for SQLite intake: one writer task drains the waiting intakes, stores them
//! all in one transaction with a few multi-row statements, commits once (one fsync), and
//! only then answers each caller.

use super::{ms, project, NewTicketRecord, Projection};
use crate::{Result, StoreError};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use yihaotai_domain::ticket::{Event, Ticket};
use yihaotai_domain::TicketId;

/// The most intakes one transaction holds.
const MAX_BATCH: usize = 256;

/// Tickets per multi-row `INSERT` (37 parameters each). sqlx's SQLite driver binds
/// parameters in time that grows faster than their number (docs/benchmarks.md, *The
/// loader*), so statements stay small; the event and search rows use the same bound.
const ROWS: usize = 8;

/// A new ticket record that can travel to the writer task.
pub(crate) struct OwnedTicketRecord {
    ticket: Ticket,
    events: Vec<Event>,
    area_path: String,
    day: String,
    search_text: String,
    suggestion: String,
}

impl From<&NewTicketRecord<'_>> for OwnedTicketRecord {
    fn from(r: &NewTicketRecord<'_>) -> Self {
        OwnedTicketRecord {
            ticket: r.ticket.clone(),
            events: r.events.to_vec(),
            area_path: r.area_path.to_string(),
            day: r.day.to_string(),
            search_text: r.search_text.to_string(),
            suggestion: r.suggestion.to_string(),
        }
    }
}

type Reply = tokio::sync::oneshot::Sender<Result<(TicketId, String)>>;

#[derive(Debug)]
pub(crate) struct Batcher {
    tx: tokio::sync::mpsc::Sender<(OwnedTicketRecord, Reply)>,
}

impl Batcher {
    pub(crate) fn start(pool: sqlx::SqlitePool) -> Batcher {
        let (tx, rx) = tokio::sync::mpsc::channel(4096);
        tokio::spawn(run_batches(pool, rx));
        Batcher { tx }
    }

    pub(super) async fn submit(&self, rec: OwnedTicketRecord) -> Result<(TicketId, String)> {
        let (reply, wait) = tokio::sync::oneshot::channel();
        self.tx
            .send((rec, reply))
            .await
            .map_err(|_| StoreError::Unreachable("the intake writer has stopped".into()))?;
        wait.await
            .map_err(|_| StoreError::Unreachable("the intake writer has stopped".into()))?
    }
}

async fn run_batches(
    pool: sqlx::SqlitePool,
    mut rx: tokio::sync::mpsc::Receiver<(OwnedTicketRecord, Reply)>,
) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        match write_batch(&pool, &jobs).await {
            Ok(outcomes) => {
                for ((_, reply), out) in jobs.into_iter().zip(outcomes) {
                    let _ = reply.send(out);
                }
            }
            Err(e) => {
                let msg = e.to_string();
                for (_, reply) in jobs {
                    let _ = reply.send(Err(StoreError::Unreachable(msg.clone())));
                }
            }
        }
    }
}

/// Stores the batch in one transaction. First all together, in a savepoint; if any
/// statement fails, that savepoint is rolled back and each intake is stored in its own
/// savepoint instead, so a failing intake fails alone and spoils nothing for the others.
async fn write_batch(
    pool: &sqlx::SqlitePool,
    jobs: &[(OwnedTicketRecord, Reply)],
) -> Result<Vec<Result<(TicketId, String)>>> {
    use sqlx::Connection;
    let recs: Vec<&OwnedTicketRecord> = jobs.iter().map(|(r, _)| r).collect();
    let mut tx = pool.begin().await?;
    if recs.len() == 1 {
        // Nothing to spoil: the transaction itself is the savepoint.
        return Ok(match insert_all(&mut tx, &recs).await {
            Ok(out) => {
                tx.commit().await?;
                out.into_iter().map(Ok).collect()
            }
            Err(e) => {
                tx.rollback().await?;
                vec![Err(e)]
            }
        });
    }
    let mut sp = tx.begin().await?;
    match insert_all(&mut sp, &recs).await {
        Ok(out) => {
            sp.commit().await?;
            tx.commit().await?;
            return Ok(out.into_iter().map(Ok).collect());
        }
        Err(e) => {
            sp.rollback().await?;
            tracing::debug!(error = %e, n = recs.len(), "batched intake failed; storing one by one");
        }
    }
    let mut out = Vec::with_capacity(recs.len());
    for rec in &recs {
        let mut sp = tx.begin().await?;
        match insert_all(&mut sp, std::slice::from_ref(rec)).await {
            Ok(mut one) => {
                sp.commit().await?;
                out.push(Ok(one.remove(0)));
            }
            Err(e) => {
                sp.rollback().await?;
                out.push(Err(e));
            }
        }
    }
    tx.commit().await?;
    Ok(out)
}

/// What one ticket's rows need besides its record, computed before any statement runs.
struct Row<'a> {
    rec: &'a OwnedTicketRecord,
    p: Projection,
    title: String,
    number: String,
}

/// Inserts the tickets, their events and their search terms: one number reservation per
/// day, then multi-row `INSERT`s of up to [`ROWS`] rows. Returns ids and numbers in order.
async fn insert_all(
    c: &mut SqliteConnection,
    recs: &[&OwnedTicketRecord],
) -> Result<Vec<(TicketId, String)>> {
    let mut rows = Vec::with_capacity(recs.len());
    for rec in recs {
        rows.push(Row {
            rec,
            p: project(&rec.ticket)?,
            title: rec.ticket.content.chars().take(60).collect(),
            number: String::new(),
        });
    }
    reserve_numbers(c, &mut rows).await?;

    let mut ids: Vec<i64> = vec![0; rows.len()];
    for (k, chunk) in rows.chunks(ROWS).enumerate() {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO tickets (number, status, urgency, urgency_rank, category, request_type, channel,
               epidemic_related, confidential, area_id, area_path, household_id, caller_phone, title,
               assigned_agency_id, accept_by, contact_by, resolve_by, accepted_at, first_contact_at,
               resolved_at, closed_at, supervision_level, escalation_level, reopen_count, return_pending,
               extension_pending, breaches, overdue, registered_at, registered_by, updated_at, version,
               state, suggestion, search_text, breach_due_at) ",
        );
        q.push_values(chunk, |mut b, r| {
            let (t, p) = (&r.rec.ticket, &r.p);
            b.push_bind(r.number.as_str())
                .push_bind(p.status.as_str())
                .push_bind(p.urgency.as_str())
                .push_bind(p.urgency_rank)
                .push_bind(p.category.as_str())
                .push_bind(t.request_type.code())
                .push_bind(t.channel.code())
                .push_bind(t.epidemic_related as i64)
                .push_bind(t.confidential as i64)
                .push_bind(t.area.map(|a| a.0))
                .push_bind(r.rec.area_path.as_str())
                .push_bind(t.household.map(|h| h.0))
                .push_bind(t.caller_phone.as_ref().map(|p| p.as_str()))
                .push_bind(r.title.as_str())
                .push_bind(p.assigned)
                .push_bind(p.accept_by)
                .push_bind(p.contact_by)
                .push_bind(p.resolve_by)
                .push_bind(p.accepted_at)
                .push_bind(p.first_contact_at)
                .push_bind(p.resolved_at)
                .push_bind(p.closed_at)
                .push_bind(p.supervision_level)
                .push_bind(p.escalation_level)
                .push_bind(p.reopen_count)
                .push_bind(p.return_pending)
                .push_bind(p.extension_pending)
                .push_bind(p.breaches.as_str())
                .push_bind(p.overdue)
                .push_bind(ms(t.registered_at))
                .push_bind(t.registered_by.map(|u| u.0))
                .push_bind(p.updated_at)
                .push_bind(p.version)
                .push_bind(p.state.as_str())
                .push_bind(r.rec.suggestion.as_str())
                .push_bind(r.rec.search_text.as_str())
                .push_bind(p.breach_due_at);
        });
        q.push(" RETURNING id, number");
        let back: Vec<(i64, String)> = q.build_query_as().fetch_all(&mut *c).await?;
        // RETURNING's row order is unspecified: match on the (unique) number.
        for (id, number) in back {
            let i = chunk
                .iter()
                .position(|r| r.number == number)
                .ok_or_else(|| StoreError::Corrupt(format!("{number} came back unasked")))?;
            ids[k * ROWS + i] = id;
        }
    }
    if let Some(i) = ids.iter().position(|&id| id == 0) {
        return Err(StoreError::Corrupt(format!("{} got no id", rows[i].number)));
    }

    let mut events = Vec::new();
    for (r, &id) in rows.iter().zip(&ids) {
        for (i, e) in r.rec.events.iter().enumerate() {
            let payload =
                serde_json::to_string(e).map_err(|x| StoreError::Corrupt(x.to_string()))?;
            events.push((id, i as i64 + 1, e, payload));
        }
    }
    for chunk in events.chunks(ROWS) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO ticket_events (ticket_id, seq, kind, payload, actor_id, agency_id, at) ",
        );
        q.push_values(chunk, |mut b, (id, seq, e, payload)| {
            b.push_bind(*id)
                .push_bind(*seq)
                .push_bind(e.kind.code())
                .push_bind(payload.as_str())
                .push_bind(e.actor.map(|u| u.0))
                .push_bind(e.agency.map(|a| a.0))
                .push_bind(ms(e.at));
        });
        q.build().execute(&mut *c).await?;
    }

    let queued: Vec<(i64, i64, i64)> = rows
        .iter()
        .zip(&ids)
        .filter_map(|(r, &id)| {
            let last = r.rec.events.last()?;
            Some((id, r.rec.events.len() as i64, ms(last.at)))
        })
        .collect();
    for chunk in queued.chunks(ROWS) {
        let mut q =
            QueryBuilder::<Sqlite>::new("INSERT INTO ticket_outbox (ticket_id, seq, created_at) ");
        q.push_values(chunk, |mut b, (id, seq, at)| {
            b.push_bind(*id).push_bind(*seq).push_bind(*at);
        });
        q.build().execute(&mut *c).await?;
    }

    let search: Vec<(i64, &str)> = rows
        .iter()
        .zip(&ids)
        .map(|(r, &id)| (id, r.rec.search_text.as_str()))
        .collect();
    for chunk in search.chunks(ROWS) {
        let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO ticket_fts (rowid, terms) ");
        q.push_values(chunk, |mut b, (id, terms)| {
            b.push_bind(*id).push_bind(*terms);
        });
        q.build().execute(&mut *c).await?;
    }

    Ok(rows
        .into_iter()
        .zip(ids)
        .map(|(r, id)| (TicketId(id), r.number))
        .collect())
}

/// Numbers are `YHT` + local date + a per-day sequence: one upsert per day in the batch
/// reserves that day's whole range.
async fn reserve_numbers(c: &mut SqliteConnection, rows: &mut [Row<'_>]) -> Result<()> {
    let mut days: Vec<String> = rows.iter().map(|r| r.rec.day.clone()).collect();
    days.sort();
    days.dedup();
    for day in days {
        let n = rows.iter().filter(|r| r.rec.day == day).count() as i64;
        let last: i64 = sqlx::query_scalar(
            "INSERT INTO ticket_numbers (day, last) VALUES ($1, $2)
             ON CONFLICT (day) DO UPDATE SET last = ticket_numbers.last + $2 RETURNING last",
        )
        .bind(&day)
        .bind(n)
        .fetch_one(&mut *c)
        .await?;
        let of_day = rows.iter_mut().filter(|r| r.rec.day == day);
        for (seq, r) in (last - n + 1..).zip(of_day) {
            r.number = format!("YHT{day}-{seq:06}");
        }
    }
    Ok(())
}
