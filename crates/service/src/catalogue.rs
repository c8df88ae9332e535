//! The dispatch catalogue (派单目录): which agency a category of request in an area goes to.
//! Administrators keep it for the areas they serve; the desk sees what it suggests when
//! dispatching, and may always choose another agency.

use crate::admin::Caller;
use crate::{Result, Service, ServiceError, User};
use yihaotai_domain::area::AreaPath;
use yihaotai_domain::ticket::DispatchMode;
use yihaotai_domain::vocab::Category;
use yihaotai_domain::{AgencyId, AreaId};
use yihaotai_store::catalogue::{DispatchRule, NewDispatchRule, RuleVersion};

/// Where the catalogue would send a ticket, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DispatchSuggestion {
    pub agency_id: i64,
    pub agency_name: String,
    pub mode: DispatchMode,
    /// The catalogue rule that matched, or `None` when the suggestion comes from the
    /// categories and areas the agencies declare they serve.
    pub rule_id: Option<i64>,
    /// The area the matching rule or agency is set for.
    pub area_name: String,
}

impl Service {
    /// The catalogue rules within the caller's areas, for desk staff and administrators.
    pub async fn dispatch_rules_for(&self, user: &User) -> Result<Vec<DispatchRule>> {
        crate::admin::require_any_role(user, yihaotai_domain::role::DESK)?;
        let scope = user.scope();
        let mut rules: Vec<DispatchRule> = self
            .store
            .dispatch_rules()
            .await?
            .into_iter()
            .filter(|r| scope.covers(&AreaPath::from_stored(r.area_path.clone())))
            .collect();
        rules.sort_by_cached_key(|r| (tree_order(&r.area_path), r.category.clone()));
        Ok(rules)
    }

    /// The catalogue within the caller's areas as it stood at `at` (Unix milliseconds: a
    /// figure for last month reads last month's catalogue), in the order of
    /// `dispatch_rules_for`.
    pub async fn dispatch_rules_at(&self, user: &User, at: i64) -> Result<Vec<RuleVersion>> {
        crate::admin::require_any_role(user, yihaotai_domain::role::DESK)?;
        let scope = user.scope();
        let mut rules: Vec<RuleVersion> = self
            .store
            .dispatch_rules_at(at)
            .await?
            .into_iter()
            .filter(|r| scope.covers(&AreaPath::from_stored(r.area_path.clone())))
            .collect();
        rules.sort_by_cached_key(|r| (tree_order(&r.area_path), r.category.clone()));
        Ok(rules)
    }

    /// The newest changes to the catalogue within the caller's areas (at most `limit`),
    /// each with the time it took effect and who made it.
    pub async fn dispatch_rule_versions(
        &self,
        user: &User,
        limit: usize,
    ) -> Result<Vec<RuleVersion>> {
        crate::admin::require_any_role(user, yihaotai_domain::role::DESK)?;
        Ok(self
            .store
            .dispatch_rule_versions(Some(&user.scope().paths), limit.max(1) as i64)
            .await?)
    }

    /// Sets the rule for `category` in `area` (replacing the one there was). The area must
    /// be one the administrator serves, and the agency one they can see.
    pub async fn set_dispatch_rule(
        &self,
        caller: Caller<'_>,
        category: &str,
        area: AreaId,
        agency: AgencyId,
        mode: &str,
    ) -> Result<DispatchRule> {
        caller.require_admin()?;
        let category = Category::parse(category).map_err(|e| {
            ServiceError::invalid("category", format!("类别代码无效：{}", e.0), e.to_string())
        })?;
        if !self
            .store
            .categories()
            .await?
            .iter()
            .any(|c| c.code == category.as_str())
        {
            return Err(ServiceError::invalid(
                "category",
                format!("未知类别“{}”", category.as_str()),
                format!("unknown category '{}'", category.as_str()),
            ));
        }
        let mode = DispatchMode::parse(mode).map_err(|_| {
            ServiceError::invalid(
                "mode",
                "派单方式须为直派（direct）或分转（forward）",
                "the mode must be direct or forward",
            )
        })?;
        let area = self.area_in_scope(caller, area).await.map_err(|_| {
            ServiceError::invalid(
                "area",
                "区域不存在或不在您负责的范围内",
                "the area does not exist or is outside the areas you serve",
            )
        })?;
        let not_found = || {
            ServiceError::invalid(
                "agency",
                "承办单位不存在或不在您负责的范围内",
                "the agency does not exist or is outside the areas you serve",
            )
        };
        let target = self.store.agency(agency).await.map_err(|_| not_found())?;
        let home = AreaPath::from_stored(target.row.home_area_path.clone());
        // The agency must be one the administrator can see: homed in their areas, or
        // above them (a district department serving the street).
        let visible = match caller {
            Caller::System => true,
            Caller::User(u) => {
                let scope = u.scope();
                scope.covers(&home) || scope.paths.iter().any(|p| p.is_within(&home))
            }
        };
        if !visible {
            return Err(not_found());
        }
        if target.row.active == 0 {
            return Err(ServiceError::invalid(
                "agency",
                format!("承办单位“{}”已停用", target.row.name),
                format!("the agency '{}' is inactive", target.row.name),
            ));
        }
        let detail = format!(
            "{} × {} → {} ({})",
            category.as_str(),
            area.name,
            target.row.name,
            mode.code()
        );
        let before = self
            .store
            .dispatch_rules()
            .await?
            .into_iter()
            .find(|r| r.category == category.as_str() && r.area_id == area.id.0);
        let after = serde_json::json!({
            "category": category.as_str(), "area_id": area.id, "agency_id": agency,
            "mode": mode.code(),
        });
        let audit = self.audit_entry(
            caller,
            "dispatch_rule.set",
            "dispatch_rule",
            before.as_ref().map(|r| r.id),
            Some(&area.path),
            &detail,
            before.and_then(|r| serde_json::to_value(r).ok()),
            Some(after),
        );
        let id = self
            .store
            .set_dispatch_rule(
                &NewDispatchRule {
                    category: category.as_str(),
                    area: area.id,
                    agency,
                    mode: mode.code(),
                    by: caller.user_id(),
                },
                self.now(),
                Some(&audit),
            )
            .await?;
        Ok(self.store.dispatch_rule(id).await?)
    }

    pub async fn delete_dispatch_rule(&self, caller: Caller<'_>, id: i64) -> Result<()> {
        caller.require_admin()?;
        let rule = self.store.dispatch_rule(id).await?;
        let path = AreaPath::from_stored(rule.area_path.clone());
        if let Caller::User(u) = caller {
            if !u.scope().covers(&path) {
                return Err(ServiceError::out_of_scope());
            }
        }
        let detail = format!(
            "{} × {} → {}",
            rule.category, rule.area_name, rule.agency_name
        );
        let audit = self.audit_entry(
            caller,
            "dispatch_rule.delete",
            "dispatch_rule",
            Some(id),
            Some(&path),
            &detail,
            serde_json::to_value(&rule).ok(),
            None,
        );
        self.store
            .delete_dispatch_rule(id, self.now(), caller.user_id(), Some(&audit))
            .await?;
        Ok(())
    }

    /// The agency a ticket of `category` in the area at `area_path` should go to: the
    /// catalogue rule on the deepest area of the path; failing that, the active agency
    /// that declares the category and serves the deepest area of the path.
    pub async fn suggest_dispatch(
        &self,
        category: &str,
        area_path: &str,
    ) -> Result<Option<DispatchSuggestion>> {
        let ids = AreaPath::from_stored(area_path.to_string()).ids();
        if let Some(r) = self.store.find_dispatch_rule(category, &ids).await? {
            return Ok(Some(DispatchSuggestion {
                agency_id: r.agency_id,
                agency_name: r.agency_name,
                mode: DispatchMode::parse(&r.mode).unwrap_or(DispatchMode::Direct),
                rule_id: Some(r.id),
                area_name: r.area_name,
            }));
        }
        // Deepest served area first; at the same depth a final handler before a centre
        // that dispatches on, and the more specialised agency before the generalist.
        type Rank = (usize, bool, std::cmp::Reverse<usize>);
        let mut best: Option<(Rank, DispatchSuggestion)> = None;
        for g in self.store.agencies_serving(category).await? {
            if g.row.active == 0 {
                continue;
            }
            // How deep on the ticket's path the agency's nearest served area lies.
            let Some(depth) = ids.iter().rposition(|a| g.areas.contains(a)) else {
                continue;
            };
            let rank = (
                depth,
                g.row.is_forwarding_centre == 0,
                std::cmp::Reverse(g.categories.len()),
            );
            if best.as_ref().is_none_or(|(r, _)| rank > *r) {
                let area_name = self
                    .store
                    .area(ids[depth])
                    .await
                    .map(|a| a.name)
                    .unwrap_or_default();
                best = Some((
                    rank,
                    DispatchSuggestion {
                        agency_id: g.row.id,
                        agency_name: g.row.name.clone(),
                        mode: if g.row.is_forwarding_centre != 0 {
                            DispatchMode::Forward
                        } else {
                            DispatchMode::Direct
                        },
                        rule_id: None,
                        area_name,
                    },
                ));
            }
        }
        Ok(best.map(|(_, s)| s))
    }

    /// What the catalogue suggests for a ticket the user may see.
    pub async fn suggest_for_ticket(
        &self,
        user: &User,
        id: yihaotai_domain::TicketId,
    ) -> Result<Option<DispatchSuggestion>> {
        let rec = self.load_for(user, id).await?;
        self.suggest_dispatch(rec.ticket.category.as_str(), &rec.area_path)
            .await
    }

    /// What the catalogue suggests for a new request in an area the user serves.
    pub async fn suggest_for_area(
        &self,
        user: &User,
        category: &str,
        area: AreaId,
    ) -> Result<Option<DispatchSuggestion>> {
        let area = self.area_for(user, area).await?;
        self.suggest_dispatch(category, area.path.as_str()).await
    }
}

/// The tree's order (a street before its communities, zone 2 before zone 10), not the
/// paths' text order.
fn tree_order(path: &str) -> Vec<i64> {
    AreaPath::from_stored(path.to_string())
        .ids()
        .iter()
        .map(|a| a.0)
        .collect()
}
