//! yihaotai's use cases. Each entry point loads what it needs, checks who is asking and
//! which areas they serve, decides, stores, and publishes. The web layer and the CLI both
//! call this crate; neither talks SQL.

pub mod admin;
pub mod auth;
pub mod bus;
pub mod catalogue;
pub mod clock;
pub mod clusters;
pub mod crosscheck;
pub mod demo;
pub mod error;
pub mod home;
pub mod households;
pub mod import;
pub mod jobs;
pub mod paste;
pub mod policy;
pub mod tickets;
pub mod triage;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::ServiceError;
pub use yihaotai_store::users::User;

use std::sync::Arc;
use yihaotai_store::Store;

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// Tunables of the service layer, taken from the settings file.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// How long a login session lasts without logging in again.
    pub session_ttl_ms: i64,
    /// Attempts at one account within the window before each further attempt waits
    /// (see `auth::throttle`: a wait, never a lockout of the real user).
    pub max_failed_logins: i64,
    /// The window over which login attempts are counted, per address and per account.
    pub failed_login_window_ms: i64,
    /// Attempts from one client address within the window (at any accounts) before the
    /// address is refused for the rest of it. Higher than the per-account limit, since an
    /// office's desks may share one address.
    pub max_logins_per_address: i64,
    /// The first wait imposed on an account past its limit, doubling with each attempt.
    pub login_delay_base_ms: i64,
    /// The longest wait; also the longest a real user waits while their account is attacked.
    pub login_delay_max_ms: i64,
    /// Take the client address from the last `X-Forwarded-For` entry: only when the desk is
    /// reachable solely through a proxy that sets it, or clients could pick their address.
    pub trust_forwarded_for: bool,
    /// Password hashes running at once (0: one per core).
    pub password_workers: usize,
    /// Password hashes waiting for a worker before logins are refused as busy.
    pub password_queue: usize,
    /// A lexicon file replacing the built-in triage rules; reloadable at run time.
    pub triage_lexicon: Option<std::path::PathBuf>,
    /// When similar requests from one place count as a cluster (集中诉求).
    pub cluster_rule: yihaotai_domain::triage::ClusterRule,
    /// Test hook: after a ticket's change is committed, stop as a crash there would, before
    /// its notice is delivered (it stays in the outbox for the relay).
    pub halt_after_commit: bool,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            session_ttl_ms: 12 * 3600 * 1000 + 30 * 60 * 1000, // a 12-hour shift plus handover
            max_failed_logins: 5,
            failed_login_window_ms: 15 * 60 * 1000,
            max_logins_per_address: 30,
            login_delay_base_ms: 1000,
            login_delay_max_ms: 16_000,
            trust_forwarded_for: false,
            password_workers: 0,
            password_queue: 32,
            triage_lexicon: None,
            cluster_rule: clusters::default_rule(),
            halt_after_commit: false,
        }
    }
}

/// The service: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Service {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: ServiceConfig,
    pub bus: bus::Bus,
    /// Deadline rules and the working calendar.
    pub policy: policy::PolicyCell,
    pub triage: triage::TriageEngine,
    /// argon2 on the blocking pool, bounded.
    pub passwords: auth::PasswordPool,
    /// Recent waits imposed on accounts under attack.
    pub login_delays: auth::DelayLog,
}

impl Service {
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: ServiceConfig) -> Service {
        Service {
            passwords: auth::PasswordPool::new(config.password_workers, config.password_queue),
            login_delays: auth::DelayLog::default(),
            store,
            clock,
            config,
            bus: bus::Bus::new(),
            policy: policy::PolicyCell::default(),
            triage: triage::TriageEngine::default(),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Prepares a freshly migrated database: the category catalogue, the planner's
    /// statistics, and the deadline policy saved in it.
    pub async fn bootstrap(&self) -> Result<()> {
        self.store.seed_categories().await?;
        self.store.optimize().await?;
        self.load_policy().await?;
        Ok(())
    }
}

/// The records the service hands to its callers, re-exported so that the web layer and the
/// CLI depend on the service alone.
pub mod model {
    pub use yihaotai_store::agencies::{Agency, AgencyInput, AgencyRow};
    pub use yihaotai_store::areas::{Area, ControlChange};
    pub use yihaotai_store::audit::AuditEntry;
    pub use yihaotai_store::catalogue::{DispatchRule, RuleVersion};
    pub use yihaotai_store::categories::CategoryRow;
    pub use yihaotai_store::demo::DemoLoad;
    pub use yihaotai_store::households::HouseholdHit;
    pub use yihaotai_store::tickets::{StoredEvent, TicketRecord, TicketRow};
    pub use yihaotai_store::users::{User, UserArea};
}

impl Service {
    pub async fn categories(&self) -> Result<Vec<model::CategoryRow>> {
        Ok(self.store.categories().await?)
    }

    /// The name of an agency, for headers and labels.
    pub async fn agency_name(&self, id: yihaotai_domain::AgencyId) -> Result<String> {
        Ok(self.store.agency(id).await?.row.name)
    }

    /// Whether the database answers, for readiness checks.
    pub async fn ready(&self) -> Result<()> {
        Ok(self.store.ping().await?)
    }
}

impl Service {
    /// Periodic housekeeping: scheduled control levels take effect, and expired sessions
    /// and login counters of past windows are removed. Runs only in the process holding the `housekeeping` lease; returns
    /// whether this process ran it.
    pub async fn housekeeping(&self, holder: &str) -> Result<bool> {
        let spec = jobs::Job::Housekeeping.spec();
        Ok(self
            .leased(spec, holder, self.housekeeping_body(), |_| String::new())
            .await?
            .is_some())
    }

    async fn housekeeping_body(&self) -> Result<()> {
        let now = self.now();
        self.store.apply_due_control_levels(now).await?;
        self.store.delete_expired_sessions(now).await?;
        self.store
            .delete_stale_throttle(now - self.config.failed_login_window_ms)
            .await?;
        self.store.optimize().await?;
        Ok(())
    }
}

impl Service {
    /// Every area, for the operator's CLI (which is not scoped).
    pub async fn all_areas(&self) -> Result<Vec<model::Area>> {
        Ok(self.store.all_areas().await?)
    }
}
