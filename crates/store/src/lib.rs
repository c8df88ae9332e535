//! Persistence for yihaotai. One SQL body serves SQLite and PostgreSQL wherever the
//! dialects agree (`$N` placeholders, i64 ids and millisecond timestamps, integer booleans,
//! JSON as text); where they differ, a small function per backend sits side by side.

#[macro_use]
pub mod db;
pub mod error;
#[macro_use]
pub mod audit;
#[macro_use]
pub mod streams;

pub mod agencies;
pub mod areas;
pub mod cache;
pub mod catalogue;
pub mod categories;
pub mod demo;
pub mod households;
pub mod leases;
pub mod login_throttle;
pub mod notify;
pub mod settings;
pub mod sources;
pub mod testing;
pub mod tickets;
pub mod users;

pub use db::{redact_url, Backend, Store};
pub use error::StoreError;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Milliseconds since the Unix epoch, UTC: the one time format in the database.
pub type Millis = i64;

/// `(col LIKE $first OR col LIKE $first+1 …)` for `n` area-path prefixes; `FALSE` when
/// `n` is zero, so an empty scope matches nothing rather than everything.
pub(crate) fn path_filter(col: &str, first: usize, n: usize) -> String {
    if n == 0 {
        return "1 = 0".to_string();
    }
    let parts: Vec<String> = (0..n)
        .map(|i| format!("{col} LIKE ${}", first + i))
        .collect();
    format!("({})", parts.join(" OR "))
}
