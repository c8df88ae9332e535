//! Who is asking: passwords (argon2id, hashed off the async workers in [`passwords`]),
//! login sessions with CSRF tokens, API bearer tokens, and throttling of password guessing
//! ([`throttle`]). Only hashes of secrets are stored.

mod passwords;
mod throttle;

pub use passwords::PasswordPool;
pub use throttle::{delay_for, DelayLog};

use crate::{Result, Service, ServiceError, User};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// A secret that must never be printed or logged.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(****)")
    }
}

/// What a successful login hands back to the browser.
#[derive(Debug)]
pub struct NewSession {
    pub token: Secret,
    pub csrf: String,
    pub user: User,
    pub expires_at: i64,
}

/// A password policy simple enough to say in one line.
pub fn check_new_password(password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < 10 {
        return Err(ServiceError::invalid(
            "password",
            "密码至少需要10个字符",
            "the password must have at least 10 characters",
        ));
    }
    if n > 128 {
        return Err(ServiceError::invalid(
            "password",
            "密码不能超过128个字符",
            "the password must have at most 128 characters",
        ));
    }
    Ok(())
}

pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// Tokens are stored as SHA-256: they are long and random, so a slow hash adds nothing.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Constant-time comparison for CSRF tokens.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Service {
    /// Logs in with a password, from the client address `from` when known.
    ///
    /// Every refusal of a password says the same ([`ServiceError::BadCredentials`]) and
    /// costs the same (one argon2 check, unknown logins included): a disabled account
    /// with the right password is refused like a wrong password, and counted like one, so
    /// neither the answer, its timing nor the throttle tells that the password was right.
    /// The real reason goes to the server's log.
    #[tracing::instrument(skip(self, password, from), fields(login = %login))]
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        from: Option<IpAddr>,
    ) -> Result<NewSession> {
        let login = login.trim();
        let reservation = self.throttle_login(login, from).await?;
        let user = self.store.user_by_login(login).await?;
        let ok = match self
            .passwords
            .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
            .await
        {
            Ok(ok) => ok,
            Err(e) => {
                // Busy: the password was not checked, so the attempt does not count.
                self.release_login(&reservation).await?;
                return Err(e);
            }
        };
        let user = match (ok, user) {
            (true, Some(u)) if u.active => u,
            (true, Some(u)) => {
                tracing::warn!(user = %u.id, "login refused: the account is disabled");
                return Err(ServiceError::BadCredentials);
            }
            (_, u) => {
                tracing::info!(
                    known = u.is_some(),
                    "login refused: wrong password or unknown login"
                );
                return Err(ServiceError::BadCredentials);
            }
        };
        self.release_login(&reservation).await?;
        let now = self.now();
        let token = random_hex(32);
        let csrf = random_hex(24);
        let expires_at = now + self.config.session_ttl_ms;
        self.store
            .insert_session(&token_hash(&token), user.id, &csrf, now, expires_at)
            .await?;
        tracing::info!(user = %user.id, "logged in");
        self.store
            .audit(&yihaotai_store::audit::NewAudit {
                at: now,
                actor: Some(user.id),
                action: "auth.login",
                target_kind: "user",
                target_id: Some(user.id.0),
                area_path: user.areas.first().map(|a| a.path.as_str()),
                detail: &user.login,
                before: None,
                after: None,
            })
            .await?;
        Ok(NewSession {
            token: Secret::new(token),
            csrf,
            user,
            expires_at,
        })
    }

    /// The user behind a session cookie, and the session's CSRF token.
    pub async fn session_user(&self, token: &str) -> Result<(User, String)> {
        let h = token_hash(token);
        let s = self
            .store
            .session(&h)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        if s.expires_at <= self.now() {
            self.store.delete_session(&h).await?;
            return Err(ServiceError::Unauthenticated);
        }
        let user = self
            .store
            .user(yihaotai_domain::UserId(s.user_id))
            .await
            .map_err(|_| ServiceError::Unauthenticated)?;
        if !user.active {
            return Err(ServiceError::Unauthenticated);
        }
        Ok((user, s.csrf_token))
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        self.store.delete_session(&token_hash(token)).await?;
        Ok(())
    }

    /// The user behind an `Authorization: Bearer` token.
    pub async fn token_user(&self, token: &str) -> Result<User> {
        // Cached for at most `yihaotai_store::cache::TTL`; in this process a disabled
        // account or revoked token stops working at once (see that module).
        let user = self
            .store
            .user_by_api_token(&token_hash(token.trim()), self.now())
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        if !user.active {
            return Err(ServiceError::Unauthenticated);
        }
        Ok(user)
    }

    /// Creates an API token for `login` and returns it; only its hash is kept.
    pub async fn create_api_token(&self, login: &str, name: &str) -> Result<Secret> {
        let user = self
            .store
            .user_by_login(login.trim())
            .await?
            .ok_or_else(|| {
                ServiceError::invalid(
                    "login",
                    format!("没有名为“{login}”的账号"),
                    format!("no account named '{login}'"),
                )
            })?;
        if !user.active {
            return Err(ServiceError::Disabled);
        }
        let token = format!("yht_{}", random_hex(32));
        let now = self.now();
        let audit = yihaotai_store::audit::NewAudit {
            at: now,
            actor: None,
            action: "token.create",
            target_kind: "user",
            target_id: Some(user.id.0),
            area_path: user.areas.first().map(|a| a.path.as_str()),
            detail: name,
            before: None,
            after: None,
        };
        self.store
            .insert_api_token(user.id, name, &token_hash(&token), now, None, Some(&audit))
            .await?;
        Ok(Secret::new(token))
    }
}

#[cfg(test)]
mod tests {
    use super::passwords::{hash_password, verify_password};
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let h1 = hash_password("correct horse battery").unwrap();
        let h2 = hash_password("correct horse battery").unwrap();
        assert_ne!(h1, h2, "salted");
        assert!(h1.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h1));
        assert!(!verify_password("wrong horse battery", &h1));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("yht_abcdef");
        assert_eq!(format!("{s:?}"), "Secret(****)");
    }

    #[test]
    fn constant_time_compare() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }

    #[test]
    fn password_policy() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("long enough pw").is_ok());
    }
}
