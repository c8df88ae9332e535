//! The deadline policy in force (时限规则): the built-in table from the real cases until a
//! city administrator saves their own. It is kept in the database, so every app process
//! uses the same one; each re-reads it every minute and the saving process at once.
//! Deadlines already given to tickets never change with it: they are carried in events.

use crate::{Result, Service, ServiceError, User};
use std::sync::{Arc, RwLock};
use yihaotai_domain::area::AreaPath;
use yihaotai_domain::ticket::Policy;
use yihaotai_domain::vocab::Lang;

const SETTING: &str = "deadline_policy";

/// The policy every decision reads; swapped whole when a new one is saved or loaded.
#[derive(Clone, Debug)]
pub struct PolicyCell(Arc<RwLock<Arc<Policy>>>);

impl Default for PolicyCell {
    fn default() -> Self {
        PolicyCell(Arc::new(RwLock::new(Arc::new(Policy::default()))))
    }
}

impl PolicyCell {
    pub fn get(&self) -> Arc<Policy> {
        // A poisoned lock still holds a whole policy: swaps replace the Arc in one step.
        match self.0.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn set(&self, p: Policy) {
        let mut g = match self.0.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *g = Arc::new(p);
    }
}

/// The policy as an administrator sees it: in force, and whether it is the built-in one.
pub struct PolicyView {
    pub policy: Arc<Policy>,
    pub builtin: bool,
    pub toml: String,
}

impl Service {
    /// The policy in force now.
    pub fn policy(&self) -> Arc<Policy> {
        self.policy.get()
    }

    /// Reads the saved policy (or the built-in one when none is saved) into this process.
    /// A saved policy this version cannot read is reported and the one in force is kept.
    pub async fn load_policy(&self) -> Result<()> {
        match self.store.setting(SETTING).await? {
            None => self.policy.set(Policy::default()),
            Some(text) => match Policy::from_toml(&text) {
                Ok(p) => {
                    if *self.policy() != p {
                        self.policy.set(p);
                    }
                }
                Err(e) => tracing::error!(
                    error = %e,
                    "the saved deadline policy cannot be read; keeping the one in force"
                ),
            },
        }
        Ok(())
    }

    /// Desk staff, leaders and administrators may read the deadlines they work to.
    pub async fn policy_view(&self, user: &User) -> Result<PolicyView> {
        crate::admin::require_any_role(user, yihaotai_domain::role::DESK)?;
        let builtin = self.store.setting(SETTING).await?.is_none();
        let policy = self.policy();
        Ok(PolicyView {
            toml: policy.to_toml(),
            policy,
            builtin,
        })
    }

    /// Saves a new policy from its TOML text. Only an administrator who serves a whole
    /// territory (a root of the area tree) may: the deadlines are the city's, not one
    /// community's. Nothing changes when the text is refused.
    pub async fn set_policy(&self, user: &User, text: &str) -> Result<Arc<Policy>> {
        let root = self.require_territory_admin(user).await?;
        if text.len() > 256 * 1024 {
            return Err(ServiceError::invalid(
                "policy",
                "时限规则文本过长（最多256KB）",
                "the policy text is too long (256 KB at most)",
            ));
        }
        let policy = Policy::from_toml(text).map_err(|e| {
            ServiceError::invalid("policy", e.localized(Lang::Zh), e.localized(Lang::En))
        })?;
        let detail = format!("{} rules", policy.rules.len());
        let after = policy.to_toml();
        let audit = self
            .policy_audit(user, &root, "policy.set", &detail, Some(after.clone()))
            .await?;
        self.store
            .set_setting(SETTING, &after, Some(&audit))
            .await?;
        self.policy.set(policy);
        Ok(self.policy())
    }

    /// Goes back to the built-in policy.
    pub async fn reset_policy(&self, user: &User) -> Result<Arc<Policy>> {
        let root = self.require_territory_admin(user).await?;
        let audit = self
            .policy_audit(
                user,
                &root,
                "policy.reset",
                "built-in",
                Some(Policy::default().to_toml()),
            )
            .await?;
        self.store.delete_setting(SETTING, Some(&audit)).await?;
        self.policy.set(Policy::default());
        Ok(self.policy())
    }

    /// The policy that was in force at `at` (ms): the version saved last before it, or the
    /// built-in one when none was, so a figure for a past period uses that period's rules.
    /// A saved version this release cannot read is reported and the built-in one used.
    pub async fn policy_at(&self, at: i64) -> Result<Arc<Policy>> {
        Ok(Arc::new(match self.store.setting_at(SETTING, at).await? {
            Some(Some(text)) => Policy::from_toml(&text).unwrap_or_else(|e| {
                tracing::error!(error = %e, at, "a past deadline policy cannot be read");
                Policy::default()
            }),
            Some(None) | None => Policy::default(),
        }))
    }

    /// Every saved version of the policy, newest first (`value` `None`: back to the
    /// built-in one), for desk staff and administrators.
    pub async fn policy_versions(
        &self,
        user: &User,
    ) -> Result<Vec<yihaotai_store::settings::SettingVersion>> {
        crate::admin::require_any_role(user, yihaotai_domain::role::DESK)?;
        Ok(self.store.setting_versions(SETTING).await?)
    }

    /// Whether `user` may change the policy (so pages offer the form only to them).
    pub async fn may_edit_policy(&self, user: &User) -> bool {
        self.require_territory_admin(user).await.is_ok()
    }

    /// The root of the tree the administrator serves, for the audit log.
    async fn require_territory_admin(&self, user: &User) -> Result<AreaPath> {
        crate::admin::Caller::User(user).require_admin()?;
        let roots: Vec<_> = self
            .store
            .all_areas()
            .await?
            .into_iter()
            .filter(|a| a.parent_id.is_none())
            .map(|a| a.path)
            .collect();
        let scope = user.scope();
        if let Some(root) = roots.into_iter().find(|r| scope.covers(r)) {
            Ok(root)
        } else {
            Err(ServiceError::forbidden(
                "时限规则全市统一，只有负责全辖区的管理员可以修改",
                "the deadlines are the whole territory's; only an administrator serving all of it may change them",
            ))
        }
    }

    /// The audit entry of a policy change, with the rules before and after (as TOML).
    async fn policy_audit<'a>(
        &self,
        user: &User,
        root: &'a AreaPath,
        action: &'a str,
        detail: &'a str,
        after: Option<String>,
    ) -> Result<yihaotai_store::audit::NewAudit<'a>> {
        let before = match self.store.setting(SETTING).await? {
            Some(t) => t,
            None => Policy::default().to_toml(),
        };
        let mut audit = self.audit_entry(
            crate::admin::Caller::User(user),
            action,
            "policy",
            None,
            Some(root),
            detail,
            None,
            None,
        );
        audit.before = Some(serde_json::Value::String(before).to_string());
        audit.after = after.map(|a| serde_json::Value::String(a).to_string());
        Ok(audit)
    }
}
