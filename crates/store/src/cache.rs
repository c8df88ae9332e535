//! Short-lived in-process copies of what every intake looks up: the user behind a bearer
//! token (with roles and areas), the category list, and the household named.
//!
//! Within this process a change is seen at once: every store write to users, roles, user
//! areas, areas, tokens, categories or households calls [`Caches::forget`] after it
//! commits, which empties them all (a generation number, so a lookup that read the database before the
//! write cannot put its stale answer back). Another process has its own copies and sees
//! the change within [`TTL`]: another app process on the same PostgreSQL database, or the
//! server when `yihaotai user disable` is run from the command line beside it.

use crate::categories::CategoryRow;
use crate::households::HouseholdRow;
use crate::users::User;
use crate::Millis;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a copy is trusted without asking the database again: the longest a change made
/// by another process (a disabled account, a revoked token) can go unnoticed here.
pub const TTL: Duration = Duration::from_secs(5);

/// More entries than this and a map starts over, so it cannot grow unbounded.
const MAX_ENTRIES: usize = 10_000;

struct Entry<T> {
    at: Instant,
    generation: u64,
    value: T,
}

impl<T> Entry<T> {
    fn fresh(&self, generation: u64) -> bool {
        self.generation == generation && self.at.elapsed() < TTL
    }
}

struct TokenUser {
    user: User,
    expires_at: Option<Millis>,
}

#[derive(Default)]
pub(crate) struct Caches {
    generation: AtomicU64,
    tokens: Mutex<HashMap<String, Entry<TokenUser>>>,
    categories: Mutex<Option<Entry<Vec<CategoryRow>>>>,
    households: Mutex<HashMap<i64, Entry<HouseholdRow>>>,
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches")
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Caches {
    /// Call before reading what will be cached; pass the result to the `put_*` call.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Drops every copy. Called after a write that could change a cached answer commits.
    pub(crate) fn forget(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        lock(&self.tokens).clear();
        *lock(&self.categories) = None;
        lock(&self.households).clear();
    }

    pub(crate) fn token_user(&self, token_hash: &str, now: Millis) -> Option<User> {
        let g = self.generation();
        let tokens = lock(&self.tokens);
        let e = tokens.get(token_hash)?;
        let live = e.value.expires_at.is_none_or(|x| x > now);
        (e.fresh(g) && live).then(|| e.value.user.clone())
    }

    pub(crate) fn put_token_user(
        &self,
        token_hash: &str,
        generation: u64,
        user: User,
        expires_at: Option<Millis>,
    ) {
        let mut tokens = lock(&self.tokens);
        if self.generation() != generation {
            return;
        }
        if tokens.len() >= MAX_ENTRIES {
            tokens.clear();
        }
        tokens.insert(
            token_hash.to_string(),
            Entry {
                at: Instant::now(),
                generation,
                value: TokenUser { user, expires_at },
            },
        );
    }

    pub(crate) fn categories(&self) -> Option<Vec<CategoryRow>> {
        let g = self.generation();
        let c = lock(&self.categories);
        c.as_ref().filter(|e| e.fresh(g)).map(|e| e.value.clone())
    }

    pub(crate) fn put_categories(&self, generation: u64, rows: Vec<CategoryRow>) {
        let mut c = lock(&self.categories);
        if self.generation() == generation {
            *c = Some(Entry {
                at: Instant::now(),
                generation,
                value: rows,
            });
        }
    }
}

impl Caches {
    pub(crate) fn household(&self, id: i64) -> Option<HouseholdRow> {
        let g = self.generation();
        let hh = lock(&self.households);
        hh.get(&id).filter(|e| e.fresh(g)).map(|e| e.value.clone())
    }

    pub(crate) fn put_household(&self, generation: u64, row: HouseholdRow) {
        let mut hh = lock(&self.households);
        if self.generation() != generation {
            return;
        }
        if hh.len() >= MAX_ENTRIES {
            hh.clear();
        }
        hh.insert(
            row.id,
            Entry {
                at: Instant::now(),
                generation,
                value: row,
            },
        );
    }
}

/// A poisoned lock only means another request panicked mid-update of a cache; the data is
/// a copy, so carry on with it.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
