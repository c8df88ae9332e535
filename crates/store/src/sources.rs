//! The household lists a street imports (网格员摸排, 派出所户籍, 物业业主), kept row by row
//! for the three-source cross-check: one import, the cards it registers for doors that had
//! none (each a household stream with its `registered` event), its rows and its audit entry
//! are written in one transaction, or nothing is.

use crate::audit::NewAudit;
use crate::streams::{Col, NewEvent};
use crate::{Millis, Result, Store};

/// One import: where it came from and which column each field was read from.
#[derive(Debug, Clone)]
pub struct NewSourceImport<'a> {
    pub source: &'a str,
    pub file_name: &'a str,
    pub sheet: Option<&'a str>,
    /// JSON: field → the header it was read from.
    pub mapping: &'a str,
    pub actor: Option<yihaotai_domain::UserId>,
    pub at: Millis,
}

/// The card a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardRef {
    /// A door with no card, and none registered by this import.
    None,
    /// A household already on file.
    Existing(i64),
    /// The import's `n`th new card ([`NewCard`]).
    New(usize),
}

/// A card the import registers for a door that had none.
#[derive(Debug, Clone)]
pub struct NewCard {
    pub area_id: i64,
    pub compound_id: i64,
    pub building: String,
    pub entrance: Option<String>,
    pub room: String,
    pub address: String,
    pub state: yihaotai_domain::household::Household,
    /// The `registered` event's payload (a `household::Stored` as JSON).
    pub registered: String,
}

/// One row of an imported list, read and normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSourceRecord {
    pub row_number: i64,
    pub area_id: i64,
    pub compound_id: i64,
    pub building: String,
    pub entrance: Option<String>,
    pub room: String,
    /// The door as a card writes it ("锦绣花园12栋2单元502").
    pub address: String,
    pub card: CardRef,
    pub name: String,
    pub name_key: String,
    pub name_pinyin: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    /// Whether the ID number's check digit agrees; `None` without one.
    pub id_valid: Option<bool>,
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    pub relation: String,
    /// Care tag codes, comma-separated.
    pub care_tags: String,
    pub owner: bool,
    pub notes: String,
    /// Data-quality flag codes, comma-separated.
    pub flags: String,
    /// The row's cells by header, as JSON.
    pub raw: String,
}

/// A kept row, as the cross-check and the card read it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SourceRecordRow {
    pub id: i64,
    pub import_id: i64,
    pub source: String,
    pub row_number: i64,
    pub area_id: i64,
    pub compound_id: i64,
    pub building: String,
    pub entrance: Option<String>,
    pub room: String,
    pub address: String,
    pub household_id: Option<i64>,
    pub name: String,
    pub name_key: String,
    pub name_pinyin: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub id_valid: Option<i64>,
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    pub relation: String,
    pub care_tags: String,
    pub owner: i64,
    pub notes: String,
    pub flags: String,
}

const RECORD_COLUMNS: &str = "r.id, r.import_id, r.source, r.row_number, r.area_id, r.compound_id,
     r.building, r.entrance, r.room, r.address, r.household_id, r.name, r.name_key, r.name_pinyin,
     r.phone, r.id_number, r.id_valid, r.birth_year, r.gender, r.relation, r.care_tags, r.owner,
     r.notes, r.flags";

impl Store {
    /// Writes an import: the new cards (projection, residents, `registered` event), the
    /// import, its rows (each naming its card) and the audit entry, in one transaction.
    /// Returns the import's id.
    pub async fn import_source(
        &self,
        import: &NewSourceImport<'_>,
        cards: &[NewCard],
        records: &[NewSourceRecord],
        audit: &NewAudit<'_>,
    ) -> Result<i64> {
        let t = &crate::households::HOUSEHOLD_STREAM;
        let mut states = Vec::with_capacity(cards.len());
        for c in cards {
            states.push(
                serde_json::to_string(&c.state)
                    .map_err(|e| crate::StoreError::Corrupt(e.to_string()))?,
            );
        }
        let resident_sql = format!(
            "INSERT INTO residents (household_id, {}) VALUES ($1, {})",
            crate::households::RESIDENT_COLUMNS.join(", "),
            (2..=crate::households::RESIDENT_COLUMNS.len() + 1)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let id = in_tx!(self, |c| {
            let mut card_ids: Vec<i64> = Vec::with_capacity(cards.len());
            for (card, state) in cards.iter().zip(&states) {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO households (area_id, compound_id, building, entrance, room, address, created_at, version, state_version, state)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9) RETURNING id",
                )
                .bind(card.area_id)
                .bind(card.compound_id)
                .bind(&card.building)
                .bind(&card.entrance)
                .bind(&card.room)
                .bind(&card.address)
                .bind(import.at)
                .bind(yihaotai_domain::household::STATE_VERSION)
                .bind(state)
                .fetch_one(&mut *c)
                .await?;
                for m in &card.state.members {
                    let cols = crate::households::resident_columns(m, import.at);
                    let q = sqlx::query(&resident_sql).bind(id);
                    bind_values!(q, cols.iter()).execute(&mut *c).await?;
                }
                let events = [NewEvent {
                    kind: "registered",
                    payload: card.registered.clone(),
                    schema_version: yihaotai_domain::household::EVENT_VERSION,
                    actor: import.actor,
                    at: import.at,
                }];
                insert_stream_events!(c, t, id, 1i64, events);
                card_ids.push(id);
            }
            let import_id: i64 = sqlx::query_scalar(
                "INSERT INTO source_imports (source, file_name, sheet, row_count, mapping, actor_id, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(import.source)
            .bind(import.file_name)
            .bind(import.sheet)
            .bind(records.len() as i64)
            .bind(import.mapping)
            .bind(import.actor.map(|u| u.0))
            .bind(import.at)
            .fetch_one(&mut *c)
            .await?;
            for r in records {
                let household = match r.card {
                    CardRef::None => None,
                    CardRef::Existing(id) => Some(id),
                    CardRef::New(n) => card_ids.get(n).copied(),
                };
                sqlx::query(
                    "INSERT INTO source_records (import_id, source, row_number, area_id, compound_id, building, entrance, room,
                        address, household_id, name, name_key, name_pinyin, phone, id_number, id_valid, birth_year, gender,
                        relation, care_tags, owner, notes, flags, raw)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)",
                )
                .bind(import_id)
                .bind(import.source)
                .bind(r.row_number)
                .bind(r.area_id)
                .bind(r.compound_id)
                .bind(&r.building)
                .bind(&r.entrance)
                .bind(&r.room)
                .bind(&r.address)
                .bind(household)
                .bind(&r.name)
                .bind(&r.name_key)
                .bind(&r.name_pinyin)
                .bind(&r.phone)
                .bind(&r.id_number)
                .bind(r.id_valid.map(i64::from))
                .bind(r.birth_year)
                .bind(&r.gender)
                .bind(&r.relation)
                .bind(&r.care_tags)
                .bind(r.owner as i64)
                .bind(&r.notes)
                .bind(&r.flags)
                .bind(&r.raw)
                .execute(&mut *c)
                .await?;
            }
            insert_audit!(c, Some(audit), Some(import_id));
            import_id
        });
        self.caches_changed().await;
        Ok(id)
    }

    /// The kept rows of every list that name a household, oldest import first.
    pub async fn source_records_of_household(&self, id: i64) -> Result<Vec<SourceRecordRow>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM source_records r WHERE r.household_id = $1 ORDER BY r.import_id, r.row_number"
        );
        Ok(on_read!(self, |p| {
            sqlx::query_as(&sql).bind(id).fetch_all(p).await?
        }))
    }

    /// The kept rows of one import, in file order.
    pub async fn source_records_of_import(&self, import_id: i64) -> Result<Vec<SourceRecordRow>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM source_records r WHERE r.import_id = $1 ORDER BY r.row_number"
        );
        Ok(on_read!(self, |p| {
            sqlx::query_as(&sql).bind(import_id).fetch_all(p).await?
        }))
    }

    /// The kept rows of every list whose door lies in one of `scope`, by import and row.
    pub async fn source_records_within(
        &self,
        scope: &[yihaotai_domain::area::AreaPath],
    ) -> Result<Vec<SourceRecordRow>> {
        let filter = crate::path_filter("a.path", 1, scope.len());
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM source_records r JOIN areas a ON a.id = r.area_id
             WHERE {filter} ORDER BY r.import_id, r.row_number"
        );
        Ok(on_read!(self, |p| {
            let mut q = sqlx::query_as(&sql);
            for s in scope {
                q = q.bind(format!("{}%", s.as_str()));
            }
            q.fetch_all(p).await?
        }))
    }
}
