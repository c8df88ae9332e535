//! Throttling of password guessing, per client address and per account.
//!
//! Each attempt is counted *before* its password is checked, by one atomic upsert per
//! counter (see `yihaotai_store::login_throttle`), so concurrent guesses are counted one by
//! one and app processes on one PostgreSQL database share the counts. A successful login
//! takes its counts back, so good logins never add up.
//!
//! - **Address**: beyond `max_logins_per_address` attempts in the window (any logins, so
//!   rotating through accounts does not help), the address is refused without checking
//!   the password. The limit is higher than the account's because an office's desks may
//!   share one address behind NAT.
//! - **Account**: beyond `max_failed_logins`, every attempt at the account waits on the
//!   server before its password is checked, doubling from `login_delay_base_ms` up to
//!   `login_delay_max_ms`. It is a wait and not a refusal, so an attacker cannot lock the
//!   real user out: the user signing in from another address waits at most the cap, then
//!   gets in with the right password. Each of the attacker's guesses at that account then
//!   waits the cap, and each of their addresses is locked out after its own limit. The
//!   wait comes before the check and for right and wrong passwords alike, so it says
//!   nothing about the password.
//!
//! Both are logged with `tracing::warn!` (address and login, never the password).

use crate::{Result, Service, ServiceError};
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use yihaotai_store::login_throttle::ThrottleScope;

/// What a login attempt counted, to take back if it succeeds.
#[derive(Debug)]
pub(crate) struct Reservation {
    address: String,
    login: String,
}

/// The most recent waits imposed on accounts under attack, newest last; for tests and
/// diagnostics (the log has them all).
#[derive(Clone, Default)]
pub struct DelayLog(Arc<Mutex<VecDeque<(String, Duration)>>>);

const DELAYS_KEPT: usize = 64;

impl DelayLog {
    fn push(&self, login: &str, d: Duration) {
        let mut q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() >= DELAYS_KEPT {
            q.pop_front();
        }
        q.push_back((login.to_string(), d));
    }

    pub fn recent(&self) -> Vec<(String, Duration)> {
        let q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        q.iter().cloned().collect()
    }
}

/// The wait before checking the `attempts`-th attempt at an account whose limit is
/// `limit`: none within the limit, then `base`, doubling, at most `max`.
pub fn delay_for(attempts: i64, limit: i64, base_ms: i64, max_ms: i64) -> Option<Duration> {
    let over = attempts - limit;
    if over <= 0 || base_ms <= 0 {
        return None;
    }
    let factor = 1i64 << (over - 1).min(30);
    let ms = base_ms.saturating_mul(factor).min(max_ms.max(base_ms));
    Some(Duration::from_millis(ms as u64))
}

/// Logins are compared as typed, but counted lowercased: `Agent` and `agent` are guesses
/// at the same account.
fn account_key(login: &str) -> String {
    login.trim().to_lowercase()
}

impl Service {
    /// Counts an attempt from `from` at `login`: refuses an address over its limit, and
    /// waits as the account's count says. Call before checking the password.
    pub(crate) async fn throttle_login(
        &self,
        login: &str,
        from: Option<IpAddr>,
    ) -> Result<Reservation> {
        let c = &self.config;
        let now = self.now();
        let window = c.failed_login_window_ms;
        // Without a peer address (a test calling the service, or a listener without
        // connection info) the attempts share one counter: still throttled, never free.
        let address = from.map_or_else(|| "unknown".to_string(), |a| a.to_string());
        let by_addr = self
            .store
            .throttle_hit(ThrottleScope::Address, &address, now, window)
            .await?;
        if by_addr.attempts > c.max_logins_per_address {
            let left_ms = (by_addr.window_start + window - now).max(0);
            tracing::warn!(
                %address,
                login = %login,
                attempts = by_addr.attempts,
                "login refused: too many attempts from this address"
            );
            return Err(ServiceError::Throttled {
                minutes: (left_ms + 59_999) / 60_000,
            });
        }
        let key = account_key(login);
        let by_login = self
            .store
            .throttle_hit(ThrottleScope::Login, &key, now, window)
            .await?;
        if let Some(d) = delay_for(
            by_login.attempts,
            c.max_failed_logins,
            c.login_delay_base_ms,
            c.login_delay_max_ms,
        ) {
            tracing::warn!(
                %address,
                login = %key,
                attempts = by_login.attempts,
                delay_ms = d.as_millis() as u64,
                "login delayed: many attempts at this account"
            );
            self.login_delays.push(&key, d);
            tokio::time::sleep(d).await;
        }
        Ok(Reservation {
            address,
            login: key,
        })
    }

    /// Takes back what [`Service::throttle_login`] counted: the login succeeded, or was
    /// refused before its password was checked for a reason not the caller's.
    pub(crate) async fn release_login(&self, r: &Reservation) -> Result<()> {
        self.store
            .throttle_release(ThrottleScope::Address, &r.address)
            .await?;
        self.store
            .throttle_release(ThrottleScope::Login, &r.login)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_past_the_limit_double_and_stop_at_the_cap() {
        let ms = |n| delay_for(n, 5, 1000, 16_000).map(|d| d.as_millis() as i64);
        assert_eq!(ms(5), None);
        assert_eq!(ms(6), Some(1000));
        assert_eq!(ms(7), Some(2000));
        assert_eq!(ms(9), Some(8000));
        assert_eq!(ms(10), Some(16_000));
        assert_eq!(ms(500), Some(16_000));
        assert_eq!(
            delay_for(9, 5, 0, 16_000),
            None,
            "a zero base turns delays off"
        );
    }

    #[test]
    fn accounts_are_counted_regardless_of_case() {
        assert_eq!(account_key(" Agent "), "agent");
    }
}
