//! The one helper every record that changes over time is stored through, beside tickets
//! (households, contact tasks, passes, errands, shifts): an append-only stream of events
//! and a projection row, written together in one transaction, with optimistic concurrency
//! on the row's version and the audit entry of an administrator's change in the same
//! transaction. See `docs/event-store.md` for why each record has its own two tables.
//!
//! A stream's tables follow one shape, so that one helper writes them all:
//!
//! - `<record>_events (stream_id, seq, kind, payload, schema_version, actor_id, at)`, the
//!   primary key `(stream_id, seq)`: `seq` runs 1, 2, 3… per stream, so two writers that
//!   decided on the same version cannot both append;
//! - the projection `(id, version, state_version, state, …)`: `version` is the number of
//!   events applied, `state` the whole record as JSON with the format version
//!   `state_version`, and the other columns what lists filter and sort on, derived from
//!   the state by the caller and bound here by name.
//!
//! Table and column names come from the code (`StreamTables` constants), never from input.

use crate::audit::NewAudit;
use crate::{Millis, Result, Store, StoreError};
use yihaotai_domain::UserId;

/// The two tables of one kind of record.
#[derive(Debug, Clone, Copy)]
pub struct StreamTables {
    /// The projection, e.g. `households`.
    pub projection: &'static str,
    /// Its events, e.g. `household_events`.
    pub events: &'static str,
    /// What an error calls one record, e.g. `household`.
    pub name: &'static str,
}

/// A projection column's value, typed so that a NULL is bound with its column's type on
/// PostgreSQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Col {
    Int(Option<i64>),
    Text(Option<String>),
}

/// One event to append: its kind code, its payload as JSON, the format version of that
/// payload, who caused it and when.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub payload: String,
    pub schema_version: i64,
    pub actor: Option<UserId>,
    pub at: Millis,
}

/// One stored event, as read back for a timeline or a replay.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredStreamEvent {
    pub seq: i64,
    pub kind: String,
    pub payload: String,
    pub schema_version: i64,
    pub actor_id: Option<i64>,
    pub at: Millis,
}

/// A projection row's stored state and the versions it was written with.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StreamState {
    pub id: i64,
    pub version: i64,
    pub state_version: i64,
    pub state: String,
}

/// The state and columns a projection is written with.
pub struct Projected<'a> {
    pub state: &'a str,
    pub state_version: i64,
    pub columns: &'a [(&'static str, Col)],
    /// Rows of a child table derived from the state (a household's residents, which
    /// searches and counts read), rewritten with the projection in the same transaction.
    pub children: Option<&'a Children<'a>>,
}

/// A child table's rows for one record: every row whose `parent` column names the record
/// is replaced by `rows`, each binding `columns` in order.
pub struct Children<'a> {
    pub table: &'static str,
    pub parent: &'static str,
    pub columns: &'a [&'static str],
    pub rows: &'a [Vec<Col>],
}

/// What a rebuild did: how many records it read and how many projections differed from
/// their events (and were rewritten, unless it only checked).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rebuilt {
    pub read: u64,
    pub differed: u64,
    pub first_different: Option<i64>,
}

/// `version = $1, state_version = $2, state = $3`, then each column from `$4`, in the
/// order `bind_cols!` binds them.
fn set_list(columns: &[(&'static str, Col)]) -> Vec<String> {
    let mut sets = vec![
        "version = $1".to_string(),
        "state_version = $2".to_string(),
        "state = $3".to_string(),
    ];
    for (i, (name, _)) in columns.iter().enumerate() {
        sets.push(format!("{name} = ${}", i + 4));
    }
    sets
}

macro_rules! bind_cols {
    ($q:expr, $cols:expr) => {
        bind_values!($q, $cols.iter().map(|(_, v)| v))
    };
}

macro_rules! bind_values {
    ($q:expr, $values:expr) => {{
        let mut q = $q;
        for v in $values {
            q = match v {
                Col::Int(x) => q.bind(*x),
                Col::Text(s) => q.bind(s.clone()),
            };
        }
        q
    }};
}

macro_rules! replace_children {
    ($c:expr, $children:expr, $id:expr) => {{
        if let Some(ch) = $children {
            let delete = format!("DELETE FROM {} WHERE {} = $1", ch.table, ch.parent);
            sqlx::query(&delete).bind($id).execute(&mut *$c).await?;
            let marks: Vec<String> = (1..=ch.columns.len() + 1)
                .map(|i| format!("${i}"))
                .collect();
            let insert = format!(
                "INSERT INTO {} ({}, {}) VALUES ({})",
                ch.table,
                ch.parent,
                ch.columns.join(", "),
                marks.join(", ")
            );
            for row in ch.rows.iter() {
                let q = sqlx::query(&insert).bind($id);
                bind_values!(q, row.iter()).execute(&mut *$c).await?;
            }
        }
    }};
}

macro_rules! insert_stream_events {
    ($c:expr, $t:expr, $id:expr, $first:expr, $events:expr) => {{
        let sql = format!(
            "INSERT INTO {} (stream_id, seq, kind, payload, schema_version, actor_id, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            $t.events
        );
        for (i, e) in $events.iter().enumerate() {
            sqlx::query(&sql)
                .bind($id)
                .bind($first + i as i64)
                .bind(e.kind)
                .bind(&e.payload)
                .bind(e.schema_version)
                .bind(e.actor.map(|u: yihaotai_domain::UserId| u.0))
                .bind(e.at)
                .execute(&mut *$c)
                .await?;
        }
    }};
}

impl Store {
    /// Stores a new record: its projection row at the version of its events, the events
    /// numbered from 1, and the audit entry (naming the new id) in one transaction.
    /// Returns the new id.
    pub async fn create_stream(
        &self,
        t: &StreamTables,
        p: &Projected<'_>,
        events: &[NewEvent<'_>],
        audit: Option<&NewAudit<'_>>,
    ) -> Result<i64> {
        if events.is_empty() {
            return Err(StoreError::NoEvents(t.name));
        }
        let names: Vec<&str> = p.columns.iter().map(|(n, _)| *n).collect();
        let mut cols = vec!["version", "state_version", "state"];
        cols.extend(&names);
        let params: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({}) RETURNING id",
            t.projection,
            cols.join(", "),
            params.join(", ")
        );
        Ok(in_tx!(self, |c| {
            let q = sqlx::query_scalar::<_, i64>(&sql)
                .bind(events.len() as i64)
                .bind(p.state_version)
                .bind(p.state);
            let id: i64 = bind_cols!(q, p.columns).fetch_one(&mut *c).await?;
            replace_children!(c, p.children, id);
            insert_stream_events!(c, t, id, 1i64, events);
            insert_audit!(c, audit, Some(id));
            id
        }))
    }

    /// Appends `events` to record `id` whose stored version is `expected`, and writes its
    /// new projection, with the audit entry, in one transaction. A concurrent change makes
    /// this fail with `VersionConflict`, a missing record with `NotFound`, and a constraint
    /// (an event or column naming a missing record) with `Conflict`; each changes nothing.
    pub async fn append_stream(
        &self,
        t: &StreamTables,
        id: i64,
        expected: i64,
        p: &Projected<'_>,
        events: &[NewEvent<'_>],
        audit: Option<&NewAudit<'_>>,
    ) -> Result<()> {
        if events.is_empty() {
            return Err(StoreError::NoEvents(t.name));
        }
        let sets = set_list(p.columns);
        let n = p.columns.len();
        let sql = format!(
            "UPDATE {} SET {} WHERE id = ${} AND version = ${}",
            t.projection,
            sets.join(", "),
            n + 4,
            n + 5
        );
        let exists = format!("SELECT COUNT(*) FROM {} WHERE id = $1", t.projection);
        in_tx!(self, |c| {
            let q = sqlx::query(&sql)
                .bind(expected + events.len() as i64)
                .bind(p.state_version)
                .bind(p.state);
            let changed = bind_cols!(q, p.columns)
                .bind(id)
                .bind(expected)
                .execute(&mut *c)
                .await?
                .rows_affected();
            if changed == 0 {
                let found: i64 = sqlx::query_scalar(&exists)
                    .bind(id)
                    .fetch_one(&mut *c)
                    .await?;
                return Err(if found == 0 {
                    StoreError::NotFound
                } else {
                    StoreError::VersionConflict(format!("{} {id}", t.name))
                });
            }
            replace_children!(c, p.children, id);
            insert_stream_events!(c, t, id, expected + 1, events);
            insert_audit!(c, audit, Some(id));
        });
        Ok(())
    }

    /// A record's stored state; `NotFound` when there is none.
    pub async fn stream_state(&self, t: &StreamTables, id: i64) -> Result<StreamState> {
        let sql = format!(
            "SELECT id, version, state_version, state FROM {} WHERE id = $1",
            t.projection
        );
        Ok(on_read!(self, |p| {
            sqlx::query_as(&sql).bind(id).fetch_one(p).await?
        }))
    }

    /// A record's events, in order.
    pub async fn stream_events(&self, t: &StreamTables, id: i64) -> Result<Vec<StoredStreamEvent>> {
        let sql = format!(
            "SELECT seq, kind, payload, schema_version, actor_id, at FROM {}
             WHERE stream_id = $1 ORDER BY seq",
            t.events
        );
        Ok(on_read!(self, |p| {
            sqlx::query_as(&sql).bind(id).fetch_all(p).await?
        }))
    }

    /// Replays every record of a kind from its events (`replay` gives the state, its
    /// format version and the columns the events make) and compares the result with the
    /// stored projection; unless `check_only`, rewrites each that differs. Reads 500
    /// records at a time, in id order.
    pub async fn rebuild_stream<F>(
        &self,
        t: &StreamTables,
        check_only: bool,
        mut replay: F,
    ) -> Result<Rebuilt>
    where
        F: FnMut(&[StoredStreamEvent]) -> Result<(String, i64, Vec<(&'static str, Col)>)>,
    {
        let page = format!(
            "SELECT id, version, state_version, state FROM {} WHERE id > $1 ORDER BY id LIMIT 500",
            t.projection
        );
        let mut out = Rebuilt::default();
        let mut after = 0i64;
        loop {
            let rows: Vec<StreamState> = on_read!(self, |p| {
                sqlx::query_as(&page).bind(after).fetch_all(p).await?
            });
            let Some(last) = rows.last() else { break };
            after = last.id;
            for row in rows {
                out.read += 1;
                let events = self.stream_events(t, row.id).await?;
                let (state, state_version, columns) = replay(&events)?;
                let version = events.len() as i64;
                let same = row.state == state
                    && row.state_version == state_version
                    && row.version == version
                    && self.stream_columns_equal(t, row.id, &columns).await?;
                if same {
                    continue;
                }
                if !check_only
                    && !self
                        .rewrite_projection(t, &row, version, &state, state_version, &columns)
                        .await?
                {
                    // Appended to since it was read: that append wrote its projection from
                    // the fresh state; the next rebuild looks at it again.
                    continue;
                }
                out.differed += 1;
                out.first_different.get_or_insert(row.id);
            }
        }
        Ok(out)
    }

    async fn stream_columns_equal(
        &self,
        t: &StreamTables,
        id: i64,
        columns: &[(&'static str, Col)],
    ) -> Result<bool> {
        if columns.is_empty() {
            return Ok(true);
        }
        // Each column compared in SQL, NULL-safe on both engines.
        let conds: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                let p = i + 2;
                format!("(({name} IS NULL AND ${p} IS NULL) OR {name} = ${p})")
            })
            .collect();
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE id = $1 AND {}",
            t.projection,
            conds.join(" AND ")
        );
        let n: i64 = on_read!(self, |p| {
            let q = sqlx::query_scalar(&sql).bind(id);
            bind_cols!(q, columns).fetch_one(p).await?
        });
        Ok(n == 1)
    }

    /// Rewrites a projection unless its record was appended to since `read` was taken:
    /// false when it was (nothing written).
    async fn rewrite_projection(
        &self,
        t: &StreamTables,
        read: &StreamState,
        version: i64,
        state: &str,
        state_version: i64,
        columns: &[(&'static str, Col)],
    ) -> Result<bool> {
        let sets = set_list(columns);
        let sql = format!(
            "UPDATE {} SET {} WHERE id = ${} AND version = ${}",
            t.projection,
            sets.join(", "),
            columns.len() + 4,
            columns.len() + 5
        );
        let changed = in_tx!(self, |c| {
            let q = sqlx::query(&sql)
                .bind(version)
                .bind(state_version)
                .bind(state);
            bind_cols!(q, columns)
                .bind(read.id)
                .bind(read.version)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(changed == 1)
    }
}
