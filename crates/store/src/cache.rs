//! Short-lived in-process copies of what every intake looks up: the user behind a bearer
//! token (with roles and areas), the category list, and the household named.
//!
//! Within this process a change is seen at once: every store write to users, roles, user
//! areas, areas, tokens, categories or households calls [`Store::caches_changed`] after it
//! commits, which empties them all (a generation number, so a lookup that read the database
//! before the write cannot put its stale answer back). On PostgreSQL it also sends a notice
//! on [`CHANNEL`], and every other process's relay (`Service::relay_notices`) forgets its
//! copies on receipt: another app process on the same database, or the server when
//! `yihaotai user disable` is run from the command line beside it. [`TTL`] bounds what a
//! lost notice can cost (the relay also forgets everything when it reconnects), and is the
//! bound on SQLite, where a command-line change has no notice to send.

use crate::categories::CategoryRow;
use crate::households::HouseholdRow;
use crate::users::User;
use crate::{Millis, Store};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a copy is trusted without asking the database again: the longest a change made
/// by another process (a disabled account, a revoked token) can go unnoticed here when its
/// notice does not arrive.
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

/// The PostgreSQL channel on which a process says "forget your copies"; the payload is the
/// sending store's origin, so a process skips its own notices.
pub const CHANNEL: &str = "yihaotai_caches";

pub(crate) struct Caches {
    /// Names this store's notices (see [`CHANNEL`]).
    origin: String,
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

impl Default for Caches {
    fn default() -> Self {
        let mut b = [0u8; 8];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
        Caches {
            origin: b.iter().map(|x| format!("{x:02x}")).collect(),
            generation: AtomicU64::new(0),
            tokens: Mutex::default(),
            categories: Mutex::default(),
            households: Mutex::default(),
        }
    }
}

impl Store {
    /// After a write that could change a cached answer commits: forgets this process's
    /// copies at once and, on PostgreSQL, tells the other processes to forget theirs. The
    /// write has committed, so a notice that cannot be sent is logged, not returned; the
    /// other processes then see the change within [`TTL`].
    pub(crate) async fn caches_changed(&self) {
        self.caches.forget();
        if let Err(e) = self.notify(CHANNEL, &self.caches.origin).await {
            tracing::warn!(error = %e, "could not tell other processes to forget their caches");
        }
    }

    /// Forgets this process's copies: on a notice from another process, or when notices
    /// may have been missed.
    pub fn forget_caches(&self) {
        self.caches.forget();
    }

    /// A notice received on [`CHANNEL`]: forgets unless this store sent it. Returns whether
    /// it forgot.
    pub fn on_cache_notice(&self, payload: &str) -> bool {
        let theirs = payload != self.caches.origin;
        if theirs {
            self.caches.forget();
        }
        theirs
    }

    /// Counts every forgetting; for tests and diagnostics that wait for a notice to land.
    pub fn cache_generation(&self) -> u64 {
        self.caches.generation()
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
