//! 集中诉求: many similar requests from one building or compound in a short time. The
//! leader sees them as one cluster and can handle them together.

use crate::{Result, Service, ServiceError, User};
use std::collections::HashMap;
use yihaotai_domain::area::AreaKind;
use yihaotai_domain::role::Role;
use yihaotai_domain::ticket::{Command, DispatchMode};
use yihaotai_domain::triage::{find_clusters, ClusterItem, ClusterRule};
use yihaotai_domain::vocab::Category;
use yihaotai_domain::{AgencyId, TicketId};
use yihaotai_store::tickets::{TicketFilter, TicketRow};

/// The rule the desk uses unless configured otherwise (`cluster_min_count`,
/// `cluster_window_minutes`): 5 similar requests about the same thing from one building or
/// compound within 2 hours.
pub fn default_rule() -> ClusterRule {
    ClusterRule {
        min_count: 5,
        window_ms: 2 * 3600 * 1000,
        min_similarity: 0.2,
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ClusterView {
    /// The building or compound the requests come from.
    pub place: String,
    pub category: String,
    pub tickets: Vec<TicketRow>,
}

/// How a leader handles a cluster at once.
#[derive(Debug, Clone)]
pub enum ClusterAction {
    /// Send every open ticket of the cluster to one agency.
    DispatchAll {
        agency: AgencyId,
        mode: DispatchMode,
    },
    /// Keep the first as the main ticket and merge the others into it.
    MergeInto { main: TicketId },
}

impl Service {
    /// Open clusters among the requests registered in the last `window` of the rule, in the
    /// user's areas.
    pub async fn clusters_for(&self, user: &User, rule: &ClusterRule) -> Result<Vec<ClusterView>> {
        crate::admin::require_any_role(user, &[Role::Leader, Role::Admin, Role::Dispatcher])?;
        let since = self.now() - rule.window_ms;
        let f = TicketFilter {
            scope: Some(
                user.scope()
                    .paths
                    .iter()
                    .map(|p| p.as_str().to_string())
                    .collect(),
            ),
            statuses: vec!["registered", "dispatched", "accepted", "return_requested"],
            registered_from: Some(since),
            limit: 500,
            ..Default::default()
        };
        let rows = self.store.list_tickets(&f).await?;
        // Group by building when the ticket's area is an entrance or building, else by the area.
        let areas = self.areas_for(user).await?;
        let by_id: HashMap<i64, &crate::model::Area> = areas.iter().map(|a| (a.id.0, a)).collect();
        let place_of = |area_id: Option<i64>| -> (String, String) {
            let mut cur = area_id.and_then(|id| by_id.get(&id).copied());
            while let Some(a) = cur {
                if matches!(
                    a.kind,
                    AreaKind::Building | AreaKind::Compound | AreaKind::Zone
                ) {
                    if a.kind == AreaKind::Building {
                        let compound = a
                            .parent_id
                            .and_then(|p| by_id.get(&p.0))
                            .map(|p| p.name.clone())
                            .unwrap_or_default();
                        return (a.path.as_str().to_string(), format!("{compound}{}", a.name));
                    }
                    return (a.path.as_str().to_string(), a.name.clone());
                }
                cur = a.parent_id.and_then(|p| by_id.get(&p.0).copied());
            }
            (String::new(), String::new())
        };
        let mut places: HashMap<i64, String> = HashMap::new();
        let items: Vec<ClusterItem> = rows
            .iter()
            .filter_map(|r| {
                let (key, name) = place_of(r.area_id);
                if key.is_empty() {
                    return None;
                }
                places.insert(r.id, name);
                Some(ClusterItem {
                    id: r.id,
                    area_key: key,
                    category: Category::parse(&r.category).ok()?,
                    at_ms: r.registered_at,
                    text: r.title.clone(),
                })
            })
            .collect();
        let groups = find_clusters(&items, rule);
        Ok(groups
            .into_iter()
            .map(|ids| {
                let tickets: Vec<TicketRow> = ids
                    .iter()
                    .filter_map(|id| rows.iter().find(|r| r.id == *id).cloned())
                    .map(|r| crate::tickets::mask_row(user, r))
                    .collect();
                ClusterView {
                    place: places.get(&ids[0]).cloned().unwrap_or_default(),
                    category: tickets
                        .first()
                        .map(|t| t.category.clone())
                        .unwrap_or_default(),
                    tickets,
                }
            })
            .collect())
    }

    /// Applies one action to every ticket of a cluster; returns how many changed. Tickets
    /// the action does not fit (already dispatched, say) are skipped, not failed.
    pub async fn handle_cluster(
        &self,
        user: &User,
        ids: &[TicketId],
        action: &ClusterAction,
    ) -> Result<usize> {
        crate::admin::require_any_role(user, &[Role::Leader, Role::Admin, Role::Dispatcher])?;
        if ids.len() < 2 {
            return Err(ServiceError::invalid(
                "tickets",
                "至少选择两张工单",
                "choose at least two tickets",
            ));
        }
        let mut changed = 0;
        for id in ids {
            let cmd = match action {
                ClusterAction::DispatchAll { agency, mode } => Command::Dispatch {
                    agency: *agency,
                    mode: *mode,
                    assisting: vec![],
                    note: "集中诉求合并派单".into(),
                },
                ClusterAction::MergeInto { main } if main == id => continue,
                ClusterAction::MergeInto { main } => Command::Merge { into: *main },
            };
            match self.command(user, *id, cmd).await {
                Ok(_) => changed += 1,
                Err(ServiceError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(changed)
    }
}
