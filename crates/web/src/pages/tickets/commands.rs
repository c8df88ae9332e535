//! The forms on a ticket page: `POST /tickets/{id}/{command}` becomes a domain `Command`,
//! and the service decides. A refusal re-shows the ticket with the reason.

use super::detail::detail_page;
use super::is_user_error;
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use yihaotai_domain::ticket::{Command, CommandKind, DispatchMode, Satisfaction, Solved};
use yihaotai_domain::vocab::Lang;
use yihaotai_domain::{AgencyId, TicketId};
use yihaotai_service::tickets::{Queue, SearchQuery};
use yihaotai_service::{Service, ServiceError, User};

/// Every field any command form may send; each command reads the ones it needs.
#[derive(serde::Deserialize, Default)]
pub struct CommandForm {
    #[serde(default)]
    agency: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    assisting: Vec<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    contacted: String,
    #[serde(default)]
    solved: String,
    #[serde(default)]
    satisfaction: String,
    #[serde(default)]
    redispatch_to: String,
    #[serde(default)]
    into: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    level: String,
}

fn agency(field: &str, s: &str) -> Result<AgencyId, ServiceError> {
    let s = s.trim();
    s.parse().map(AgencyId).map_err(|_| {
        if s.is_empty() {
            ServiceError::invalid(field, "请选择承办单位", "choose an agency")
        } else {
            ServiceError::invalid(
                field,
                format!("“{s}”不是有效的单位编号"),
                format!("'{s}' is not an agency id"),
            )
        }
    })
}

fn optional_agency(field: &str, s: &str) -> Result<Option<AgencyId>, ServiceError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        agency(field, s).map(Some)
    }
}

fn vocab<T>(
    field: &str,
    s: &str,
    parse: impl Fn(&str) -> Result<T, yihaotai_domain::vocab::UnknownCode>,
) -> Result<T, ServiceError> {
    parse(s).map_err(|e| ServiceError::invalid(field, e.localized(Lang::Zh), e.to_string()))
}

/// Reads a `datetime-local` value as China Standard Time.
fn until(s: &str) -> Result<jiff::Timestamp, ServiceError> {
    let s = s.trim();
    let bad = || {
        ServiceError::invalid(
            "until",
            format!("时间“{s}”格式无效，应为 2026-11-23T20:00"),
            format!("time '{s}' is not valid; use 2026-11-23T20:00"),
        )
    };
    if s.is_empty() {
        return Err(ServiceError::invalid(
            "until",
            "请填写延期后的办结时间",
            "give the new resolve-by time",
        ));
    }
    let dt: jiff::civil::DateTime = s.parse().map_err(|_| bad())?;
    jiff::tz::TimeZone::fixed(jiff::tz::offset(8))
        .to_timestamp(dt)
        .map_err(|_| bad())
}

/// A ticket to merge into, by number (YHT…) or id, among those the user may see.
async fn merge_target(svc: &Service, user: &User, s: &str) -> Result<TicketId, ServiceError> {
    let s = s.trim();
    let missing = || {
        ServiceError::invalid(
            "into",
            format!("找不到工单“{s}”"),
            format!("no ticket '{s}'"),
        )
    };
    if s.to_ascii_uppercase().starts_with("YHT") {
        let q = Queue::Search(SearchQuery {
            text: s.to_ascii_uppercase(),
            ..Default::default()
        });
        let page = svc.queue(user, &q, None, 1).await?;
        return page
            .rows
            .first()
            .map(|r| TicketId(r.id))
            .ok_or_else(missing);
    }
    s.parse().map(TicketId).map_err(|_| missing())
}

async fn parse(
    svc: &Service,
    user: &User,
    kind: CommandKind,
    f: CommandForm,
) -> Result<Command, ServiceError> {
    use CommandKind as K;
    Ok(match kind {
        K::Dispatch => Command::Dispatch {
            agency: agency("agency", &f.agency)?,
            mode: vocab("mode", &f.mode, DispatchMode::parse)?,
            assisting: f
                .assisting
                .iter()
                .filter(|a| !a.trim().is_empty())
                .map(|a| agency("assisting", a))
                .collect::<Result<_, _>>()?,
            note: f.note,
        },
        K::Accept => Command::Accept,
        K::RecordContact => Command::RecordContact { note: f.note },
        K::RequestReturn => Command::RequestReturn { reason: f.reason },
        K::ApproveReturn => Command::ApproveReturn {
            redispatch_to: optional_agency("redispatch_to", &f.redispatch_to)?,
            note: f.note,
        },
        K::RefuseReturn => Command::RefuseReturn { note: f.note },
        K::RequestExtension => Command::RequestExtension {
            until: until(&f.until)?,
            reason: f.reason,
        },
        K::ApproveExtension => Command::ApproveExtension,
        K::RefuseExtension => Command::RefuseExtension { note: f.note },
        K::Resolve => Command::Resolve { result: f.result },
        K::Callback => Command::Callback {
            contacted: match f.contacted.as_str() {
                "1" | "yes" | "true" => true,
                "0" | "no" | "false" => false,
                _ => {
                    return Err(ServiceError::invalid(
                        "contacted",
                        "请选择是否联系上居民",
                        "say whether the resident was reached",
                    ))
                }
            },
            solved: vocab("solved", &f.solved, Solved::parse)?,
            satisfaction: vocab("satisfaction", &f.satisfaction, Satisfaction::parse)?,
            note: f.note,
        },
        K::Reopen => Command::Reopen { reason: f.reason },
        K::Escalate => Command::Escalate {
            to: agency("to", &f.agency)?,
            reason: f.reason,
        },
        K::Supervise => Command::Supervise {
            level: match f.level.trim() {
                "2" => 2,
                _ => 1,
            },
            note: f.note,
        },
        K::Merge => Command::Merge {
            into: merge_target(svc, user, &f.into).await?,
        },
        K::Cancel => Command::Cancel { reason: f.reason },
        K::AddNote => Command::AddNote { text: f.text },
        K::RecordBreach => {
            return Err(ServiceError::forbidden(
                "超期由系统记录",
                "missed deadlines are recorded by the system",
            ))
        }
    })
}

pub async fn run(
    State(state): State<AppState>,
    Path((id, command)): Path<(i64, String)>,
    CsrfForm { staff, form }: CsrfForm<CommandForm>,
) -> Result<Response, AppError> {
    let id = TicketId(id);
    let svc = &state.service;
    let result = match CommandKind::parse(&command) {
        Ok(kind) => match parse(svc, &staff.user, kind, form).await {
            Ok(cmd) => svc.command(&staff.user, id, cmd).await.map(|_| ()),
            Err(e) => Err(e),
        },
        Err(_) => Err(ServiceError::NotFound),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/tickets/{}?saved=1", id.0)).into_response()),
        Err(e) if is_user_error(&e) => detail_page(&state, &staff, id, Some(e), None, false).await,
        Err(e) => Err(AppError::page(e, staff.lang)),
    }
}
