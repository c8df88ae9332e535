//! Reading tickets: one ticket with its timeline, the queues, search, and the logged reveal
//! of a caller's phone number. Lists never carry a full phone number.

use super::access;
use crate::{Result, Service, ServiceError, User};
use yihaotai_domain::person::Phone;
use yihaotai_domain::ticket::CommandKind;
use yihaotai_domain::TicketId;
use yihaotai_store::audit::NewAudit;
use yihaotai_store::tickets::{StoredEvent, TicketFilter, TicketRecord, TicketRow};

/// The lists staff work from.
#[derive(Debug, Clone, PartialEq)]
pub enum Queue {
    /// New, returned, and extension requests waiting for a dispatcher.
    Dispatch,
    /// The user's agency: dispatched to it, waiting to be accepted.
    InboxToAccept,
    /// The user's agency: accepted and being handled.
    InboxInProgress,
    /// The user's agency: open with a breached deadline.
    InboxOverdue,
    /// Open tickets in the user's areas with a breached deadline.
    Overdue,
    /// Open tickets under supervision (督办).
    Supervision,
    /// Resolved tickets waiting for the call back to the resident.
    Callback,
    /// Free search over the user's areas.
    Search(SearchQuery),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    pub text: String,
    pub status: Option<&'static str>,
    pub urgency: Option<&'static str>,
    pub category: Option<String>,
    pub area_path: Option<String>,
    pub agency: Option<yihaotai_domain::AgencyId>,
    pub overdue: Option<bool>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

pub struct QueuePage {
    pub rows: Vec<TicketRow>,
    /// Pass back as `after` for the next page; `None` on the last page.
    pub next: Option<String>,
}

/// A ticket as one user may see it.
pub struct TicketView {
    pub record: TicketRecord,
    pub events: Vec<StoredEvent>,
    /// Confidential tickets hide the caller from agency staff.
    pub caller_visible: bool,
    pub phone_masked: Option<String>,
    pub may_reveal: bool,
    /// Commands this user may run on the ticket now: allowed to the role by the service's
    /// table and accepted by the domain's dry run (`available_commands`).
    pub allowed: Vec<CommandKind>,
}

const OPEN: &[&str] = &[
    "registered",
    "dispatched",
    "accepted",
    "return_requested",
    "resolved",
];

/// Masks the phone, and hides it entirely where the caller is confidential.
pub(crate) fn mask_row(user: &User, mut r: TicketRow) -> TicketRow {
    let hide = r.confidential != 0 && !access::is_desk(user);
    r.caller_phone = if hide {
        None
    } else {
        r.caller_phone.as_deref().map(|p| match Phone::parse(p) {
            Ok(p) => p.masked(),
            Err(_) => yihaotai_domain::person::mask_middle(p, 3, 4),
        })
    };
    r
}

fn parse_cursor(s: Option<&str>) -> Result<Option<(i64, i64)>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(c) => {
            let bad = || {
                ServiceError::invalid(
                    "after",
                    format!("分页游标“{c}”无效"),
                    format!("page cursor '{c}' is not valid"),
                )
            };
            let (a, b) = c.split_once('.').ok_or_else(bad)?;
            Ok(Some((
                a.parse().map_err(|_| bad())?,
                b.parse().map_err(|_| bad())?,
            )))
        }
    }
}

impl Service {
    pub async fn ticket_view(&self, user: &User, id: TicketId) -> Result<TicketView> {
        let record = self.load_for(user, id).await?;
        let events = self.store.ticket_events(id).await?;
        let caller_visible = access::may_see_caller(user, &record);
        let phone_masked = if caller_visible {
            record.ticket.caller_phone.as_ref().map(|p| p.masked())
        } else {
            None
        };
        let may_reveal =
            access::may_reveal_phone(user, &record) && record.ticket.caller_phone.is_some();
        // What the role table allows, and what decide would accept now: the one answer
        // the page's buttons and the API's `allowed_commands` both render.
        let available = yihaotai_domain::ticket::available_commands(
            &record.ticket,
            &super::actor_of(user),
            super::ts(self.now()),
            &self.policy(),
        );
        let allowed = available
            .into_iter()
            .filter(|k| user.roles.any(super::CommandKindExt::allowed_roles(*k)))
            .filter(|k| *k != CommandKind::Dispatch || access::may_dispatch(user, &record))
            .collect();
        Ok(TicketView {
            record,
            events,
            caller_visible,
            phone_masked,
            may_reveal,
            allowed,
        })
    }

    /// The full number, for a call back; logged with who and why.
    pub async fn reveal_phone(&self, user: &User, id: TicketId, reason: &str) -> Result<String> {
        let rec = self.load_for(user, id).await?;
        if !access::may_reveal_phone(user, &rec) {
            return Err(ServiceError::forbidden(
                "只有坐席、派单员和本工单的承办人员可以查看完整号码",
                "only desk staff and the assigned agency's handler may see the full number",
            ));
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(ServiceError::invalid(
                "reason",
                "请说明查看完整号码的原因（1到200字）",
                "say why you need the full number (1-200 characters)",
            ));
        }
        let phone = rec
            .ticket
            .caller_phone
            .as_ref()
            .ok_or_else(|| {
                ServiceError::invalid(
                    "phone",
                    "该工单没有来电号码",
                    "this ticket has no caller number",
                )
            })?
            .as_str()
            .to_string();
        self.store
            .audit(&NewAudit {
                at: self.now(),
                actor: Some(user.id),
                action: "ticket.reveal_phone",
                target_kind: "ticket",
                target_id: Some(id.0),
                area_path: Some(&rec.area_path),
                detail: &format!("{}: {reason}", rec.number),
                before: None,
                after: None,
            })
            .await?;
        Ok(phone)
    }

    pub async fn queue(
        &self,
        user: &User,
        q: &Queue,
        after: Option<&str>,
        limit: i64,
    ) -> Result<QueuePage> {
        let scope: Vec<String> = user
            .scope()
            .paths
            .iter()
            .map(|p| p.as_str().to_string())
            .collect();
        let mut f = TicketFilter {
            scope: Some(scope),
            after: parse_cursor(after)?,
            urgency_first: true,
            limit: limit.clamp(1, 200),
            ..Default::default()
        };
        let agency = || {
            user.agency_id.ok_or_else(|| {
                ServiceError::forbidden(
                    "您的账号不属于任何承办单位",
                    "your account belongs to no agency",
                )
            })
        };
        match q {
            Queue::Dispatch => {
                crate::admin::require_any_role(user, yihaotai_domain::role::DESK)?;
                f.pending_review = true;
            }
            Queue::InboxToAccept => {
                f.scope = None;
                f.agency = Some(agency()?);
                f.statuses = vec!["dispatched"];
            }
            Queue::InboxInProgress => {
                f.scope = None;
                f.agency = Some(agency()?);
                f.statuses = vec!["accepted", "return_requested"];
            }
            Queue::InboxOverdue => {
                f.scope = None;
                f.agency = Some(agency()?);
                f.statuses = vec!["dispatched", "accepted", "return_requested"];
                f.overdue = Some(true);
            }
            Queue::Overdue => {
                f.statuses = OPEN.to_vec();
                f.open_only = true;
                f.overdue = Some(true);
            }
            Queue::Supervision => {
                f.supervised = true;
            }
            Queue::Callback => {
                crate::admin::require_any_role(user, yihaotai_domain::role::DESK)?;
                f.statuses = vec!["resolved"];
            }
            Queue::Search(s) => {
                f.urgency_first = false;
                f.text_terms = yihaotai_domain::search::terms(&s.text);
                f.statuses = s.status.map(|x| vec![x]).unwrap_or_default();
                f.urgency = s.urgency;
                f.category = s.category.clone();
                f.area_prefix = s.area_path.clone();
                f.agency = s.agency;
                f.overdue = s.overdue;
                f.registered_from = s.from;
                f.registered_to = s.to;
                // A ticket number finds that ticket directly.
                let t = s.text.trim();
                if t.starts_with("YHT") && !t.contains(' ') {
                    f.text_terms.clear();
                    f.number = Some(t.to_string());
                }
            }
        }
        let rows = self.store.list_tickets(&f).await?;
        let next = if rows.len() as i64 == f.limit {
            rows.last().map(|r| {
                format!(
                    "{}.{}",
                    if f.urgency_first { r.urgency_rank } else { 0 },
                    r.id
                )
            })
        } else {
            None
        };
        Ok(QueuePage {
            rows: rows.into_iter().map(|r| mask_row(user, r)).collect(),
            next,
        })
    }
}
