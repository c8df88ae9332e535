//! argon2 off the async workers. One hash costs tens of milliseconds of CPU and 19 MiB; run
//! on the async workers, 64 concurrent logins stall every other request behind them. Here
//! each hash runs on tokio's blocking pool, at most `workers` at once (about one per core,
//! so the memory is bounded too), with at most `queue` more waiting; a login beyond that is
//! refused at once with [`ServiceError::Busy`] instead of waiting without bound.

use crate::{Result, ServiceError};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct PasswordPool {
    inner: Arc<Inner>,
}

struct Inner {
    /// Hashes running or waiting: a permit is taken without waiting, or the call is busy.
    admitted: Arc<Semaphore>,
    /// Hashes running on the blocking pool.
    running: Arc<Semaphore>,
    verifications: AtomicU64,
}

impl std::fmt::Debug for PasswordPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordPool")
            .field("running", &self.inner.running.available_permits())
            .finish_non_exhaustive()
    }
}

impl PasswordPool {
    /// `workers` of 0 means one per core.
    pub fn new(workers: usize, queue: usize) -> PasswordPool {
        let workers = if workers == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            workers
        };
        PasswordPool {
            inner: Arc::new(Inner {
                admitted: Arc::new(Semaphore::new(workers + queue)),
                running: Arc::new(Semaphore::new(workers)),
                verifications: AtomicU64::new(0),
            }),
        }
    }

    /// Passwords checked so far (logins whose password was compared with a hash, the
    /// stand-in hash of unknown logins included); for tests and diagnostics.
    pub fn verifications(&self) -> u64 {
        self.inner.verifications.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let admitted = self
            .inner
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| ServiceError::Busy)?;
        let running = self
            .inner
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ServiceError::Busy)?;
        // The permits go with the closure: a client that gives up does not free a place
        // while its hash is still running.
        let job = tokio::task::spawn_blocking(move || {
            let _permits = (admitted, running);
            f()
        });
        match job.await {
            Ok(v) => Ok(v),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(ServiceError::Busy),
        }
    }

    /// A new salted argon2id hash of `password`.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let password = password.to_string();
        self.run(move || hash_password(&password)).await?
    }

    /// Whether `password` matches `hash`. Without a hash (no such login) the password is
    /// checked against a stand-in hash of the same cost, so the time spent does not say
    /// which logins exist.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool> {
        let password = password.to_string();
        let hash = hash.map(str::to_string);
        let inner = self.inner.clone();
        self.run(move || {
            inner.verifications.fetch_add(1, Ordering::Relaxed);
            match hash {
                Some(h) => verify_password(&password, &h),
                None => {
                    let _ = verify_password(&password, stand_in_hash());
                    false
                }
            }
        })
        .await
    }
}

/// A hash of a random password made with the same parameters as real ones, once.
fn stand_in_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        hash_password(&super::random_hex(16)).unwrap_or_else(|_| {
            // Cannot happen with a hex password; a malformed hash still costs nothing
            // to reject, which only the timing would tell.
            String::new()
        })
    })
}

/// Hashes on the calling thread: only for [`PasswordPool`] and tests.
pub(crate) fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            ServiceError::invalid(
                "password",
                format!("无法处理该密码：{e}"),
                format!("cannot hash password: {e}"),
            )
        })
}

pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stand_in_hash_costs_what_a_real_one_does() {
        let real = hash_password("some password here").unwrap();
        let params = |h: &str| h.split('$').nth(3).unwrap().to_string();
        assert_eq!(params(stand_in_hash()), params(&real));
    }

    #[tokio::test]
    async fn beyond_the_queue_a_hash_is_refused_at_once() {
        let pool = PasswordPool::new(1, 1);
        let (a, b, c) = tokio::join!(
            pool.verify("x", None),
            pool.verify("y", None),
            pool.verify("z", None)
        );
        let busy = [&a, &b, &c]
            .iter()
            .filter(|r| matches!(r, Err(ServiceError::Busy)))
            .count();
        assert_eq!(busy, 1, "one running, one waiting, one refused");
        assert_eq!(pool.verifications(), 2, "the refused one was not checked");
        assert!(pool
            .hash("long enough pw")
            .await
            .unwrap()
            .starts_with("$argon2id$"));
    }
}
