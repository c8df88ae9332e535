//! yihaotai's use cases. Each entry point loads what it needs, checks who is asking and
//! which areas they serve, decides, stores, and publishes. The web layer and the CLI both
//! call this crate; neither talks SQL.

pub mod admin;
pub mod auth;
pub mod bus;
pub mod catalogue;
pub mod clock;
pub mod clusters;
pub mod demo;
pub mod error;
pub mod home;
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
    /// Failed logins for one account within the window that lock it for the window.
    pub max_failed_logins: i64,
    pub failed_login_window_ms: i64,
    /// A lexicon file replacing the built-in triage rules; reloadable at run time.
    pub triage_lexicon: Option<std::path::PathBuf>,
    /// When similar requests from one place count as a cluster (集中诉求).
    pub cluster_rule: yihaotai_domain::triage::ClusterRule,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            session_ttl_ms: 12 * 3600 * 1000 + 30 * 60 * 1000, // a 12-hour shift plus handover
            max_failed_logins: 5,
            failed_login_window_ms: 15 * 60 * 1000,
            triage_lexicon: None,
            cluster_rule: clusters::default_rule(),
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
}

impl Service {
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: ServiceConfig) -> Service {
        Service {
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
    pub use yihaotai_store::catalogue::DispatchRule;
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
    /// Periodic housekeeping: scheduled control levels take effect and expired sessions
    /// are removed. Runs only in the process holding the `housekeeping` lease; returns
    /// whether this process ran it.
    pub async fn housekeeping(&self, holder: &str) -> Result<bool> {
        let now = self.now();
        if !self
            .store
            .try_lease("housekeeping", holder, now, now + 90_000)
            .await?
        {
            return Ok(false);
        }
        self.store.apply_due_control_levels(now).await?;
        self.store.delete_expired_sessions(now).await?;
        self.store.optimize().await?;
        Ok(true)
    }
}

impl Service {
    /// Every area, for the operator's CLI (which is not scoped).
    pub async fn all_areas(&self) -> Result<Vec<model::Area>> {
        Ok(self.store.all_areas().await?)
    }
}
