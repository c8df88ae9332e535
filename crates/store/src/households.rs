//! Households and residents (一户一卡): the registry that intake matches callers against.

use crate::{path_filter, Result, Store};
use yihaotai_domain::area::AreaPath;

/// Headline figures for the areas a user serves.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PopulationFigures {
    pub households: i64,
    pub residents: i64,
    /// (care tag code, residents carrying it)
    pub care_tags: Vec<(String, i64)>,
}

impl Store {
    pub async fn population_within(&self, scope: &[AreaPath]) -> Result<PopulationFigures> {
        let filter = path_filter("a.path", 1, scope.len());
        let hh_sql = format!(
            "SELECT COUNT(*) FROM households h JOIN areas a ON a.id = h.area_id WHERE {filter}"
        );
        let res_sql = format!(
            "SELECT r.care_tags FROM residents r JOIN households h ON h.id = r.household_id
             JOIN areas a ON a.id = h.area_id WHERE {filter}"
        );
        let patterns: Vec<String> = scope.iter().map(|s| format!("{}%", s.as_str())).collect();
        let households: i64 = on_read!(self, |p| {
            let mut q = sqlx::query_scalar(&hh_sql);
            for pat in &patterns {
                q = q.bind(pat);
            }
            q.fetch_one(p).await?
        });
        let tags: Vec<String> = on_read!(self, |p| {
            let mut q = sqlx::query_scalar(&res_sql);
            for pat in &patterns {
                q = q.bind(pat);
            }
            q.fetch_all(p).await?
        });
        let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
        for t in &tags {
            for tag in t.split(',').filter(|s| !s.is_empty()) {
                *counts.entry(tag.to_string()).or_default() += 1;
            }
        }
        Ok(PopulationFigures {
            households,
            residents: tags.len() as i64,
            care_tags: counts.into_iter().collect(),
        })
    }
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct HouseholdRow {
    pub id: i64,
    pub area_id: i64,
    pub area_path: String,
    pub compound_id: i64,
    pub building: String,
    pub entrance: Option<String>,
    pub room: String,
    pub address: String,
}

/// One resident as stored (the card's rows; phone and ID number unmasked: the service's
/// view types mask them for whoever reads).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ResidentRow {
    pub id: i64,
    pub household_id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    pub relation: String,
    pub care_tags: String,
    /// When the resident was first registered (milliseconds).
    pub created_at: i64,
}

/// A household found by the intake picker, with one line about who lives there.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct HouseholdHit {
    pub id: i64,
    pub address: String,
    pub area_path: String,
    pub residents: String,
    pub phones: String,
    pub care_tags: String,
}

const HH_SELECT: &str =
    "SELECT h.id, h.area_id, a.path AS area_path, h.compound_id, h.building, h.entrance,
    h.room, h.address FROM households h JOIN areas a ON a.id = h.area_id";

impl Store {
    /// One household, from [`crate::cache`] when a copy is fresh (intake asks for the
    /// household of nearly every request). Code that changes a household calls
    /// `self.caches_changed()` after committing.
    pub async fn household(&self, id: yihaotai_domain::HouseholdId) -> Result<HouseholdRow> {
        if let Some(h) = self.caches.household(id.0) {
            return Ok(h);
        }
        let generation = self.caches.generation();
        let sql = format!("{HH_SELECT} WHERE h.id = $1");
        let row: HouseholdRow = on_read!(self, |p| {
            sqlx::query_as(&sql).bind(id.0).fetch_one(p).await?
        });
        self.caches.put_household(generation, row.clone());
        Ok(row)
    }

    /// The residents of one household, in the order they were registered.
    pub async fn residents_of(&self, id: yihaotai_domain::HouseholdId) -> Result<Vec<ResidentRow>> {
        Ok(on_read!(self, |p| {
            sqlx::query_as(
                "SELECT id, household_id, name, phone, id_number, birth_year, gender, relation, care_tags, created_at
                 FROM residents WHERE household_id = $1 ORDER BY id",
            )
            .bind(id.0)
            .fetch_all(p)
            .await?
        }))
    }

    /// Households in the given areas with at least one resident carrying `tag`, in
    /// address order: the list behind each vulnerable-group figure.
    pub async fn households_with_care_tag(
        &self,
        scope: &[AreaPath],
        tag: &str,
        limit: i64,
    ) -> Result<Vec<HouseholdHit>> {
        let n = scope.len();
        let filter = path_filter("a.path", 2, n);
        let sql = format!(
            "{select}
             WHERE {filter} AND EXISTS (SELECT 1 FROM residents r WHERE r.household_id = h.id
               AND (',' || r.care_tags || ',') LIKE $1)
             ORDER BY h.address LIMIT ${lim}",
            select = self.hit_select(),
            lim = n + 2,
        );
        let like = format!("%,{tag},%");
        Ok(on_read!(self, |p| {
            let mut q = sqlx::query_as(&sql).bind(&like);
            for s in scope {
                q = q.bind(format!("{}%", s.as_str()));
            }
            q.bind(limit).fetch_all(p).await?
        }))
    }

    /// Every household in the given areas, for matching typed addresses.
    pub async fn households_within(&self, scope: &[AreaPath]) -> Result<Vec<HouseholdRow>> {
        let filter = path_filter("a.path", 1, scope.len());
        let sql = format!("{HH_SELECT} WHERE {filter} ORDER BY h.id");
        Ok(on_read!(self, |p| {
            let mut q = sqlx::query_as(&sql);
            for s in scope {
                q = q.bind(format!("{}%", s.as_str()));
            }
            q.fetch_all(p).await?
        }))
    }

    /// Households whose address contains `q`, with a resident named exactly `q`, or with
    /// a resident whose phone is the number `phone` asks for. A phone matches whole or by
    /// its last four digits, never by a fragment: the picker shows phones masked
    /// (138****5678), and a fragment match would let a caller read the hidden digits one
    /// request at a time.
    pub async fn find_households(
        &self,
        scope: &[AreaPath],
        q: &str,
        phone: Option<&PhoneQuery>,
        limit: i64,
    ) -> Result<Vec<HouseholdHit>> {
        let n = scope.len();
        let filter = path_filter("a.path", 4, n);
        let phone_match = match phone {
            Some(PhoneQuery::Whole(_)) => "r.phone = $3",
            Some(PhoneQuery::LastFour(_)) => "r.phone LIKE $3",
            None => "1 = 0",
        };
        let sql = format!(
            "{select}
             WHERE {filter} AND (h.address LIKE $1 OR EXISTS (SELECT 1 FROM residents r WHERE r.household_id = h.id AND (r.name = $2 OR {phone_match})))
             ORDER BY h.address LIMIT ${lim}",
            select = self.hit_select(),
            lim = n + 4,
        );
        let like = format!("%{}%", q.replace(['%', '_'], ""));
        let phone_arg = match phone {
            Some(PhoneQuery::Whole(p)) => p.clone(),
            Some(PhoneQuery::LastFour(d)) => format!("%{d}"),
            None => String::new(),
        };
        Ok(on_read!(self, |p| {
            let mut qq = sqlx::query_as(&sql).bind(&like).bind(q).bind(&phone_arg);
            for s in scope {
                qq = qq.bind(format!("{}%", s.as_str()));
            }
            qq.bind(limit).fetch_all(p).await?
        }))
    }

    /// The picker's one-line summaries of the given households, in the order given.
    pub async fn household_hits(&self, ids: &[i64]) -> Result<Vec<HouseholdHit>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "{select}
             WHERE h.id IN ({list})",
            select = self.hit_select(),
            list = marks.join(", "),
        );
        let mut rows: Vec<HouseholdHit> = on_read!(self, |p| {
            let mut q = sqlx::query_as(&sql);
            for id in ids {
                q = q.bind(*id);
            }
            q.fetch_all(p).await?
        });
        rows.sort_by_key(|h| ids.iter().position(|i| *i == h.id));
        Ok(rows)
    }

    /// The picker's columns: a household with one line about who lives there.
    fn hit_select(&self) -> String {
        format!(
            "SELECT h.id, h.address, a.path AS area_path,
                    COALESCE((SELECT {names} FROM residents r WHERE r.household_id = h.id), '') AS residents,
                    COALESCE((SELECT {phones} FROM residents r WHERE r.household_id = h.id AND r.phone IS NOT NULL), '') AS phones,
                    COALESCE((SELECT {tags} FROM residents r WHERE r.household_id = h.id AND r.care_tags <> ''), '') AS care_tags
             FROM households h JOIN areas a ON a.id = h.area_id",
            names = self.group_concat("r.name"),
            phones = self.group_concat("r.phone"),
            tags = self.group_concat("r.care_tags"),
        )
    }

    /// `group_concat` on SQLite, `string_agg` on PostgreSQL.
    fn group_concat(&self, col: &str) -> String {
        match self.backend() {
            crate::Backend::Sqlite => format!("group_concat({col}, '、')"),
            crate::Backend::Postgres => format!("string_agg({col}, '、')"),
        }
    }
}

/// How a picker query may match residents' phones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneQuery {
    /// A whole number, normalised (`+86 138 1234 5678` → `13812345678`).
    Whole(String),
    /// The last four digits, as desks ask callers ("尾号5678").
    LastFour(String),
}

impl PhoneQuery {
    /// A query that is a whole phone number or exactly four digits; anything else
    /// matches no phone.
    pub fn of(q: &str) -> Option<PhoneQuery> {
        let q = q.trim();
        let q = q.strip_prefix("尾号").unwrap_or(q).trim();
        if q.len() == 4 && q.bytes().all(|b| b.is_ascii_digit()) {
            return Some(PhoneQuery::LastFour(q.to_string()));
        }
        yihaotai_domain::person::Phone::parse(q)
            .ok()
            .map(|p| PhoneQuery::Whole(p.as_str().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::PhoneQuery;

    #[test]
    fn phones_match_whole_or_by_the_last_four_digits_only() {
        assert_eq!(
            PhoneQuery::of("+86 138 1234 5678"),
            Some(PhoneQuery::Whole("13812345678".into()))
        );
        assert_eq!(
            PhoneQuery::of("5678"),
            Some(PhoneQuery::LastFour("5678".into()))
        );
        assert_eq!(
            PhoneQuery::of("尾号5678"),
            Some(PhoneQuery::LastFour("5678".into()))
        );
        // Fragments of a number are never a phone query.
        assert_eq!(PhoneQuery::of("45678"), None);
        assert_eq!(PhoneQuery::of("2345678"), None);
        assert_eq!(PhoneQuery::of("1381234567"), None);
    }
}

/// The household card's stream: its state on `households`, its events in
/// `household_events`.
pub const HOUSEHOLD_STREAM: crate::streams::StreamTables = crate::streams::StreamTables {
    projection: "households",
    events: "household_events",
    name: "household",
};

/// The columns of `residents` a card's state writes, in the order [`resident_columns`]
/// gives their values.
pub const RESIDENT_COLUMNS: &[&str] = &[
    "name",
    "phone",
    "id_number",
    "birth_year",
    "gender",
    "relation",
    "care_tags",
    "created_at",
];

/// One resident's row in `residents`, derived from the card's state.
pub fn resident_columns(
    m: &yihaotai_domain::household::Member,
    at: crate::Millis,
) -> Vec<crate::streams::Col> {
    use crate::streams::Col;
    vec![
        Col::Text(Some(m.name.clone())),
        Col::Text(m.phone.clone()),
        Col::Text(m.id_number.clone()),
        Col::Int(m.birth_year),
        Col::Text(m.gender.clone()),
        Col::Text(Some(m.relation.clone())),
        Col::Text(Some(m.care_codes())),
        // A resident keeps the time they were first registered across every change.
        Col::Int(Some(m.registered_at.unwrap_or(at))),
    ]
}

/// One event of a card's history, with who made the change.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HouseholdEventRow {
    pub seq: i64,
    pub kind: String,
    pub payload: String,
    pub schema_version: i64,
    pub actor_name: Option<String>,
    pub at: crate::Millis,
}

impl Store {
    /// A card's events, oldest first, with the display name of who caused each.
    pub async fn household_history(
        &self,
        id: yihaotai_domain::HouseholdId,
    ) -> Result<Vec<HouseholdEventRow>> {
        Ok(on_read!(self, |p| {
            sqlx::query_as(
                "SELECT e.seq, e.kind, e.payload, e.schema_version, u.display_name AS actor_name, e.at
                 FROM household_events e LEFT JOIN users u ON u.id = e.actor_id
                 WHERE e.stream_id = $1 ORDER BY e.seq",
            )
            .bind(id.0)
            .fetch_all(p)
            .await?
        }))
    }

    /// Appends a card's events at the version it was decided on, rewriting its state and
    /// its residents' rows in one transaction (see [`crate::streams`]); a concurrent change
    /// fails with `VersionConflict` and changes nothing.
    pub async fn append_household(
        &self,
        id: yihaotai_domain::HouseholdId,
        expected: i64,
        state: &yihaotai_domain::household::Household,
        events: &[crate::streams::NewEvent<'_>],
    ) -> Result<()> {
        let at = events.last().map(|e| e.at).unwrap_or(0);
        let rows: Vec<Vec<crate::streams::Col>> = state
            .members
            .iter()
            .map(|m| resident_columns(m, at))
            .collect();
        let children = crate::streams::Children {
            table: "residents",
            parent: "household_id",
            columns: RESIDENT_COLUMNS,
            rows: &rows,
        };
        let json =
            serde_json::to_string(state).map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        self.append_stream(
            &HOUSEHOLD_STREAM,
            id.0,
            expected,
            &crate::streams::Projected {
                state: &json,
                state_version: yihaotai_domain::household::STATE_VERSION,
                columns: &[],
                children: Some(&children),
            },
            events,
            None,
        )
        .await?;
        self.caches_changed().await;
        Ok(())
    }
}
