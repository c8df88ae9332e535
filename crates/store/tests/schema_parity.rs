//! The two engines' migrations build the same schema: the same tables, the same columns in
//! the same order with the same type family and nullability, the same primary keys, and
//! the same indexes (name, table, columns, uniqueness, partial or not). The only
//! differences allowed are the full-text search each engine does its own way, listed in
//! `ENGINE_SPECIFIC` with the reason.
//!
//! Needs both engines, so it runs in the PostgreSQL step of CI (`YIHAOTAI_TEST_DATABASE_URL`
//! set); on SQLite alone it says so and compares nothing.

use sqlx::Row;
use std::collections::BTreeMap;
use yihaotai_store::testing::TestDb;

/// Full-text search: SQLite keeps a contentless FTS5 table (and its shadow tables);
/// PostgreSQL keeps a `tsvector` column on `tickets` with a GIN index.
const ENGINE_SPECIFIC: &[&str] = &[
    "table ticket_fts",
    "table ticket_fts_config",
    "table ticket_fts_data",
    "table ticket_fts_docsize",
    "table ticket_fts_idx",
    "column tickets.search_tsv",
    "index tickets_search",
];

#[derive(Debug, Default, PartialEq)]
struct Schema {
    /// table → columns in order: (name, type family, not null)
    tables: BTreeMap<String, Vec<(String, &'static str, bool)>>,
    /// table → primary key columns
    keys: BTreeMap<String, Vec<String>>,
    /// Indexes created by name: name → (table, columns, unique, partial)
    indexes: BTreeMap<String, (String, Vec<String>, bool, bool)>,
    /// Indexes behind UNIQUE constraints, whose names each engine makes up:
    /// (table, columns), sorted.
    unique_constraints: Vec<(String, Vec<String>)>,
}

impl Schema {
    /// Drops what `ENGINE_SPECIFIC` allows, so that the rest must be equal.
    fn without_engine_specific(mut self) -> Schema {
        let allowed = |what: &str| ENGINE_SPECIFIC.contains(&what);
        self.tables.retain(|t, _| !allowed(&format!("table {t}")));
        self.keys.retain(|t, _| !allowed(&format!("table {t}")));
        for (t, cols) in self.tables.iter_mut() {
            cols.retain(|(c, _, _)| !allowed(&format!("column {t}.{c}")));
        }
        self.indexes.retain(|i, _| !allowed(&format!("index {i}")));
        self
    }
}

fn sqlite_family(ty: &str) -> &'static str {
    match ty.to_ascii_uppercase().as_str() {
        "INTEGER" | "INT" | "BIGINT" => "integer",
        "TEXT" => "text",
        "REAL" | "DOUBLE" => "real",
        "BLOB" => "blob",
        "" => "any",
        _ => "other",
    }
}

fn postgres_family(ty: &str) -> &'static str {
    match ty {
        "bigint" | "integer" | "smallint" => "integer",
        "text" | "character varying" => "text",
        "double precision" | "real" => "real",
        "bytea" => "blob",
        _ => "other",
    }
}

async fn sqlite_schema(url: &str) -> Schema {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    let mut s = Schema::default();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    for t in tables {
        let rows = sqlx::query(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid",
        )
        .bind(&t)
        .fetch_all(&mut c)
        .await
        .unwrap();
        let mut cols = Vec::new();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for r in rows {
            let name: String = r.get("name");
            let ty: String = r.get("type");
            let not_null: i64 = r.get("notnull");
            let key: i64 = r.get("pk");
            if key > 0 {
                pk.push((key, name.clone()));
            }
            // A primary key is never null, whether or not SQLite's flag says so.
            cols.push((name, sqlite_family(&ty), not_null != 0 || key > 0));
        }
        pk.sort();
        s.keys
            .insert(t.clone(), pk.into_iter().map(|(_, n)| n).collect());
        let indexes = sqlx::query(
            "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?) ORDER BY name",
        )
        .bind(&t)
        .fetch_all(&mut c)
        .await
        .unwrap();
        for i in indexes {
            let name: String = i.get("name");
            let unique: i64 = i.get("unique");
            let origin: String = i.get("origin");
            let partial: i64 = i.get("partial");
            if origin == "pk" {
                continue;
            }
            let cols: Vec<String> =
                sqlx::query("SELECT name FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(&mut c)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|r| {
                        r.get::<Option<String>, _>("name")
                            .unwrap_or_else(|| "(expression)".into())
                    })
                    .collect();
            if origin == "u" {
                s.unique_constraints.push((t.clone(), cols));
            } else {
                s.indexes
                    .insert(name, (t.clone(), cols, unique != 0, partial != 0));
            }
        }
        s.tables.insert(t, cols);
    }
    s.unique_constraints.sort();
    s
}

async fn postgres_schema(url: &str) -> Schema {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    let mut s = Schema::default();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
         AND table_name NOT LIKE '\\_sqlx%' ORDER BY table_name",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    for t in tables {
        let rows = sqlx::query(
            "SELECT column_name::text AS name, data_type::text AS ty, is_nullable::text AS nullable
             FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(&t)
        .fetch_all(&mut c)
        .await
        .unwrap();
        let cols = rows
            .into_iter()
            .map(|r| {
                let ty: String = r.get("ty");
                let nullable: String = r.get("nullable");
                (r.get("name"), postgres_family(&ty), nullable == "NO")
            })
            .collect();
        s.tables.insert(t.clone(), cols);
    }
    let indexes = sqlx::query(
        "SELECT ic.relname::text AS name, tc.relname::text AS tbl, i.indisunique AS uniq,
                i.indisprimary AS pk, i.indpred IS NOT NULL AS partial,
                EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) AS constrained,
                ARRAY(SELECT COALESCE(a.attname::text, '(expression)')
                      FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                      LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                      ORDER BY k.ord) AS cols
         FROM pg_index i
         JOIN pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_class tc ON tc.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = tc.relnamespace
         WHERE n.nspname = 'public' AND tc.relname NOT LIKE '\\_sqlx%'
         ORDER BY ic.relname",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    for i in indexes {
        let table: String = i.get("tbl");
        let cols: Vec<String> = i.get("cols");
        if i.get::<bool, _>("pk") {
            s.keys.insert(table, cols);
        } else if i.get::<bool, _>("constrained") {
            s.unique_constraints.push((table, cols));
        } else {
            s.indexes.insert(
                i.get("name"),
                (table, cols, i.get("uniq"), i.get("partial")),
            );
        }
    }
    // Tables without a primary key have an empty list, as on SQLite.
    for t in s.tables.keys() {
        s.keys.entry(t.clone()).or_default();
    }
    s.unique_constraints.sort();
    s
}

#[tokio::test]
async fn both_engines_build_the_same_schema() {
    let Some(pg) = TestDb::new_postgres().await else {
        eprintln!("YIHAOTAI_TEST_DATABASE_URL is not set: the schemas are compared in CI's PostgreSQL step");
        return;
    };
    let lite = TestDb::new_sqlite().await;
    let a = sqlite_schema(&lite.url).await;
    let b = postgres_schema(&pg.url).await;
    // Everything ENGINE_SPECIFIC names must exist on one side, or the list is stale.
    for what in ENGINE_SPECIFIC {
        let (kind, name) = what.split_once(' ').unwrap();
        let on = |s: &Schema| match kind {
            "table" => s.tables.contains_key(name),
            "index" => s.indexes.contains_key(name),
            _ => {
                let (t, c) = name.split_once('.').unwrap();
                s.tables
                    .get(t)
                    .is_some_and(|cols| cols.iter().any(|x| x.0 == c))
            }
        };
        assert!(
            on(&a) || on(&b),
            "{what} is on neither engine: drop it from ENGINE_SPECIFIC"
        );
    }
    let (a, b) = (a.without_engine_specific(), b.without_engine_specific());
    assert!(a.tables.len() >= 15, "{} tables", a.tables.len());
    assert_eq!(
        a.tables.keys().collect::<Vec<_>>(),
        b.tables.keys().collect::<Vec<_>>(),
        "the tables differ (SQLite left, PostgreSQL right)"
    );
    for (t, cols) in &a.tables {
        assert_eq!(
            cols, &b.tables[t],
            "the columns of {t} differ (SQLite left, PostgreSQL right)"
        );
    }
    assert_eq!(a.keys, b.keys, "the primary keys differ");
    assert_eq!(
        a.indexes.keys().collect::<Vec<_>>(),
        b.indexes.keys().collect::<Vec<_>>(),
        "the indexes differ by name"
    );
    for (name, def) in &a.indexes {
        assert_eq!(
            def, &b.indexes[name],
            "index {name} differs (SQLite left, PostgreSQL right)"
        );
    }
    assert_eq!(
        a.unique_constraints, b.unique_constraints,
        "the UNIQUE constraints differ"
    );
}
