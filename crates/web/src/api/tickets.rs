//! Work orders over JSON: intake, one ticket with its timeline, the queues and search, one
//! route per lifecycle command, and the logged reveal of a caller's number. Lists and
//! tickets carry masked phone numbers only; the full number needs a reason and is audited.

mod commands;
mod render;

use super::schema::{Problem, RevealedPhone, TicketOut, TicketPage, TicketViewOut, UrgencyRaised};
use super::{parse_rfc3339, ApiJson};
use crate::error::AppError;
use crate::extract::ApiCaller;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use render::{row_out, ticket_out, view_out};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use yihaotai_domain::ticket::{DispatchMode, Disposition, EmergencyService, Status};
use yihaotai_domain::vocab::{Category, Channel, Lang, RequestType, UnknownCode, Urgency};
use yihaotai_domain::{AgencyId, AreaId, HouseholdId, TicketId};
use yihaotai_service::tickets::{IntakeInput, Queue, SearchQuery};
use yihaotai_service::{ServiceError, User};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tickets", get(list).post(intake))
        .route("/tickets/{id}", get(show))
        .route("/tickets/{id}/reveal-phone", post(reveal_phone))
        .route(
            "/tickets/{id}/{command}",
            post(commands::command).layer(DefaultBodyLimit::max(commands::COMMAND_LIMIT)),
        )
}

// --- shared helpers ---------------------------------------------------------------------

/// A problem-details answer for faults that are not a service error (an unknown command,
/// a body over the size limit), shaped like [`AppError`]'s.
pub(crate) fn problem(status: StatusCode, detail: String, field: Option<&str>) -> Response {
    Problem::new(status, detail, field.map(str::to_string)).into_response()
}

/// A refusal already rendered as problem details; boxed, since a `Response` is too large
/// to carry in every `Result`.
pub(crate) struct Refusal(Box<Response>);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<Response> for Refusal {
    fn from(r: Response) -> Refusal {
        Refusal(Box::new(r))
    }
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Refusal {
        Refusal(Box::new(e.into_response()))
    }
}

/// A JSON body read as bytes, so that an empty body means `{}`, an oversized one is a
/// 413 naming the limit, and invalid JSON or UTF-8 is a 422 naming the body.
pub(crate) fn json_body<T: DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
    limit: usize,
    lang: Lang,
) -> Result<T, Refusal> {
    let bytes = match body {
        Ok(b) => b,
        Err(rej) if rej.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let kb = limit / 1024;
            return Err(Refusal::from(problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                match lang {
                    Lang::Zh => format!("请求内容过大：上限为 {kb} KB，请删减后重试"),
                    Lang::En => format!("the request body is too large: the limit is {kb} KB"),
                },
                Some("body"),
            )));
        }
        Err(rej) => {
            return Err(Refusal::from(problem(
                StatusCode::BAD_REQUEST,
                match lang {
                    Lang::Zh => format!("无法读取请求内容：{}", rej.body_text()),
                    Lang::En => format!("the request body could not be read: {}", rej.body_text()),
                },
                Some("body"),
            )))
        }
    };
    if bytes.len() > limit {
        return Err(Refusal::from(AppError::api(
            ServiceError::TooLarge {
                limit_kb: limit / 1024,
            },
            lang,
        )));
    }
    let src: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &bytes
    };
    serde_json::from_slice(src)
        .map_err(|e| AppError::api(crate::guard::json_error(&e), lang).into())
}

fn vocab_err(e: UnknownCode) -> ServiceError {
    ServiceError::invalid(e.field, e.localized(Lang::Zh), e.localized(Lang::En))
}

/// Desk staff see who called even on confidential tickets: the one desk rule
/// ([`yihaotai_domain::role::DESK`]), so that list rows hide the household as they hide
/// the phone.
fn is_desk(user: &User) -> bool {
    user.roles.is_desk()
}

// --- intake -----------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IntakeBody {
    channel: String,
    request_type: String,
    category: String,
    urgency: String,
    #[serde(default)]
    epidemic_related: bool,
    #[serde(default)]
    confidential: bool,
    #[serde(default)]
    caller_name: Option<String>,
    #[serde(default)]
    caller_phone: Option<String>,
    #[serde(default)]
    household_id: Option<i64>,
    #[serde(default)]
    area_id: Option<i64>,
    content: String,
    #[serde(default)]
    disposition: Option<DispositionBody>,
    #[serde(default)]
    dispatch_to: Option<DispatchTo>,
    /// Dispatch to the agency the dispatch catalogue names for the category and place (as
    /// the intake form's 按派单目录 choice), so the deadlines run at once; refused when the
    /// catalogue names none. Not with `dispatch_to`.
    #[serde(default)]
    dispatch_by_catalogue: bool,
    /// Triage's suggestion as the client showed it, kept with the ticket.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    suggestion: Option<Map<String, Value>>,
    /// Why `urgency` stays below what triage finds in `content`; without it the server
    /// raises the urgency to triage's critical or urgent.
    #[serde(default)]
    downgrade_reason: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum DispositionBody {
    Dispatch,
    AnswerAndClose {
        answer: String,
    },
    TransferEmergency {
        service: String,
        #[serde(default)]
        note: String,
    },
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DispatchTo {
    agency_id: i64,
    #[serde(default)]
    mode: Option<String>,
}

fn mode_of(m: Option<&str>) -> Result<DispatchMode, ServiceError> {
    m.map(DispatchMode::parse)
        .transpose()
        .map(|m| m.unwrap_or(DispatchMode::Direct))
        .map_err(vocab_err)
}

impl IntakeBody {
    fn input(self) -> Result<IntakeInput, ServiceError> {
        let disposition = match self.disposition {
            None | Some(DispositionBody::Dispatch) => Disposition::Dispatch,
            Some(DispositionBody::AnswerAndClose { answer }) => {
                Disposition::AnswerAndClose { answer }
            }
            Some(DispositionBody::TransferEmergency { service, note }) => {
                Disposition::TransferEmergency {
                    service: EmergencyService::parse(&service).map_err(vocab_err)?,
                    note,
                }
            }
        };
        let dispatch_to = match self.dispatch_to {
            None => None,
            Some(d) => Some((AgencyId(d.agency_id), mode_of(d.mode.as_deref())?)),
        };
        Ok(IntakeInput {
            channel: Channel::parse(&self.channel).map_err(vocab_err)?,
            request_type: RequestType::parse(&self.request_type).map_err(vocab_err)?,
            category: self.category,
            urgency: Urgency::parse(&self.urgency).map_err(vocab_err)?,
            epidemic_related: self.epidemic_related,
            confidential: self.confidential,
            caller_name: self.caller_name,
            caller_phone: self.caller_phone,
            household: self.household_id.map(HouseholdId),
            area: self.area_id.map(AreaId),
            content: self.content,
            disposition,
            dispatch_to,
            suggestion: self.suggestion.map(|s| Value::Object(s).to_string()),
            downgrade_reason: self.downgrade_reason,
        })
    }
}

/// An intake body is one request; a megabyte is far beyond any real one.
const INTAKE_LIMIT: usize = 1 << 20;

/// Records a request (受理). The server triages `content` too and raises `urgency` to
/// its critical or urgent unless `downgrade_reason` says why not.
#[utoipa::path(
    post, path = "/api/v1/tickets", tag = "tickets", operation_id = "intake",
    request_body = IntakeBody,
    responses(
        (status = 201, description = "Recorded; `Location` names the ticket", body = TicketOut),
        (status = 403, description = "The caller may not record requests", body = Problem),
        (status = 413, description = "The body is over 1 MB", body = Problem),
        (status = 422, description = "A field is invalid; `field` names it", body = Problem),
    ),
)]
pub(crate) async fn intake(
    State(s): State<AppState>,
    c: ApiCaller,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, Refusal> {
    // Who may record comes first: a caller who may not learns nothing from validation.
    s.service
        .may_record(&c.user)
        .map_err(|e| AppError::api(e, c.lang))?;
    let b: IntakeBody = json_body(body, INTAKE_LIMIT, c.lang)?;
    let r = async {
        let by_catalogue = b.dispatch_by_catalogue;
        if by_catalogue && b.dispatch_to.is_some() {
            return Err(ServiceError::invalid(
                "dispatch_by_catalogue",
                "dispatch_to 与 dispatch_by_catalogue 只能选一个",
                "give dispatch_to or dispatch_by_catalogue, not both",
            ));
        }
        let mut input = b.input()?;
        if by_catalogue {
            s.service
                .dispatch_by_catalogue(&c.user, &mut input, "dispatch_by_catalogue")
                .await?;
        }
        s.service.intake(&c.user, input).await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    let rec = &r.record;
    let location = format!("/api/v1/tickets/{}", rec.id.0);
    // Intake is desk work, and desk staff always see who called.
    let mut body = ticket_out(rec, true);
    // Say what the server's triage changed, so a client learns why the urgency differs.
    body.urgency_raised = r.raised.as_ref().map(|raise| UrgencyRaised {
        from: raise.from.code().into(),
        to: raise.to.code().into(),
        reasons: raise.reasons.clone(),
    });
    let mut resp = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

// --- reading ----------------------------------------------------------------------------

/// Ids in paths that are not numbers name nothing: 404, as for a ticket out of scope.
fn ticket_id(raw: &str) -> Result<TicketId, ServiceError> {
    raw.parse().map_err(|_| ServiceError::NotFound)
}

/// One ticket with its timeline and the commands the caller may run on it now.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}", tag = "tickets", operation_id = "ticket",
    params(("id" = i64, Path, description = "The ticket's id")),
    responses(
        (status = 200, body = TicketViewOut),
        (status = 404, description = "No such ticket in the caller's areas", body = Problem),
    ),
)]
pub(crate) async fn show(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<TicketViewOut>, AppError> {
    let v = async { s.service.ticket_view(&c.user, ticket_id(&id)?).await }
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(view_out(&v)))
}

/// The list's query string; everything is text so that each bad value is reported under
/// its own parameter name.
#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// `dispatch`, `inbox_to_accept`, `inbox_in_progress`, `inbox_overdue`, `overdue`,
    /// `supervision`, `callback` or `search` (the default).
    #[param(example = "dispatch")]
    queue: Option<String>,
    /// Search text: a ticket number, words of the content, a phone's digits.
    q: Option<String>,
    /// A status code (search only).
    status: Option<String>,
    /// `critical`, `urgent`, `normal` or `consult` (search only).
    urgency: Option<String>,
    /// A category code (search only).
    category: Option<String>,
    /// An area the caller serves; tickets in it and below (search only).
    #[param(value_type = Option<i64>)]
    area_id: Option<String>,
    /// The assigned agency (search only).
    #[param(value_type = Option<i64>)]
    agency_id: Option<String>,
    /// `true` for tickets past a deadline, `false` for the others (search only).
    #[param(value_type = Option<bool>)]
    overdue: Option<String>,
    /// Registered at or after this RFC 3339 time (search only).
    #[param(format = DateTime)]
    from: Option<String>,
    /// Registered before this RFC 3339 time (search only).
    #[param(format = DateTime)]
    to: Option<String>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
    /// Rows per page, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

/// A query string read into its parameters' struct; an unknown or malformed parameter is
/// refused under `query`, naming it.
pub(crate) fn query_params<T: serde::de::DeserializeOwned>(
    raw: Option<&str>,
) -> Result<T, ServiceError> {
    serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| {
        ServiceError::invalid(
            "query",
            format!("查询参数无效：{e}"),
            format!("the query string is not valid: {e}"),
        )
    })
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn bad_param(field: &str, value: &str, zh_want: &str, en_want: &str) -> ServiceError {
    ServiceError::invalid(
        field,
        format!("参数“{value}”无效，应为{zh_want}"),
        format!("'{value}' is not valid here; expected {en_want}"),
    )
}

fn parse_id(field: &str, v: &str) -> Result<i64, ServiceError> {
    v.parse()
        .map_err(|_| bad_param(field, v, "数字编号", "a numeric id"))
}

const DEFAULT_LIMIT: i64 = 50;

impl ListParams {
    async fn queue(&self, s: &AppState, user: &User) -> Result<(Queue, i64), ServiceError> {
        let limit = match present(&self.limit) {
            None => DEFAULT_LIMIT,
            Some(l) => match l.parse::<i64>() {
                Ok(n) if (1..=200).contains(&n) => n,
                _ => {
                    return Err(bad_param(
                        "limit",
                        l,
                        "1到200之间的整数",
                        "an integer 1-200",
                    ))
                }
            },
        };
        let status = present(&self.status)
            .map(|x| Status::parse(x).map(|s| s.code()))
            .transpose()
            .map_err(vocab_err)?;
        let urgency = present(&self.urgency)
            .map(|x| Urgency::parse(x).map(|u| u.code()))
            .transpose()
            .map_err(vocab_err)?;
        let category = present(&self.category)
            .map(|x| {
                Category::parse(x)
                    .map(|c| c.as_str().to_string())
                    .map_err(|_| bad_param("category", x, "类别代码", "a category code"))
            })
            .transpose()?;
        let overdue = match present(&self.overdue) {
            None => None,
            Some("true" | "1" | "yes") => Some(true),
            Some("false" | "0" | "no") => Some(false),
            Some(x) => return Err(bad_param("overdue", x, "true 或 false", "true or false")),
        };
        let from = present(&self.from)
            .map(|x| parse_rfc3339("from", x))
            .transpose()?;
        let to = present(&self.to)
            .map(|x| parse_rfc3339("to", x))
            .transpose()?;
        let area_id = present(&self.area_id)
            .map(|x| parse_id("area_id", x))
            .transpose()?;
        let agency = present(&self.agency_id)
            .map(|x| parse_id("agency_id", x).map(AgencyId))
            .transpose()?;
        let q = match present(&self.queue).unwrap_or("search") {
            "dispatch" => Queue::Dispatch,
            "inbox_to_accept" => Queue::InboxToAccept,
            "inbox_in_progress" => Queue::InboxInProgress,
            "inbox_overdue" => Queue::InboxOverdue,
            "overdue" => Queue::Overdue,
            "supervision" => Queue::Supervision,
            "callback" => Queue::Callback,
            "search" => {
                let area_path = match area_id {
                    None => None,
                    Some(a) => Some(
                        s.service
                            .area_for(user, AreaId(a))
                            .await
                            .map_err(|_| {
                                bad_param("area_id", &a.to_string(), "您负责的区域", "an area you serve")
                            })?
                            .path
                            .as_str()
                            .to_string(),
                    ),
                };
                Queue::Search(SearchQuery {
                    text: present(&self.q).unwrap_or("").to_string(),
                    status,
                    urgency,
                    category,
                    area_path,
                    agency,
                    overdue,
                    from,
                    to,
                })
            }
            other => {
                return Err(bad_param(
                    "queue",
                    other,
                    "dispatch、inbox_to_accept、inbox_in_progress、inbox_overdue、overdue、supervision、callback 或 search",
                    "one of dispatch, inbox_to_accept, inbox_in_progress, inbox_overdue, overdue, supervision, callback, search",
                ))
            }
        };
        Ok((q, limit))
    }
}

/// A queue, or a search, one page at a time, most urgent first.
#[utoipa::path(
    get, path = "/api/v1/tickets", tag = "tickets", operation_id = "tickets",
    params(ListParams),
    responses(
        (status = 200, body = TicketPage),
        (status = 422, description = "A parameter is invalid; `field` names it", body = Problem),
    ),
)]
pub(crate) async fn list(
    State(s): State<AppState>,
    c: ApiCaller,
    RawQuery(raw): RawQuery,
) -> Result<Json<TicketPage>, AppError> {
    let page = async {
        let params: ListParams = query_params(raw.as_deref())?;
        let (q, limit) = params.queue(&s, &c.user).await?;
        s.service
            .queue(&c.user, &q, present(&params.after), limit)
            .await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    let desk = is_desk(&c.user);
    Ok(Json(TicketPage {
        tickets: page.rows.iter().map(|r| row_out(r, desk)).collect(),
        next: page.next,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RevealBody {
    /// Why the full number is needed; kept in the audit log.
    reason: String,
}

/// The caller's full phone number, for a stated reason; every reveal is audited.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/reveal-phone", tag = "tickets",
    operation_id = "reveal_phone",
    params(("id" = i64, Path, description = "The ticket's id")),
    request_body = RevealBody,
    responses(
        (status = 200, body = RevealedPhone),
        (status = 403, description = "The caller's role may not see full numbers", body = Problem),
        (status = 422, description = "No reason given", body = Problem),
    ),
)]
pub(crate) async fn reveal_phone(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RevealBody>,
) -> Result<Json<RevealedPhone>, AppError> {
    let phone = async {
        s.service
            .reveal_phone(&c.user, ticket_id(&id)?, &b.reason)
            .await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(RevealedPhone { phone }))
}

/// The lifecycle commands' operations, for the OpenAPI document.
pub(crate) fn document_commands(doc: &mut utoipa::openapi::OpenApi) {
    commands::document(doc);
}
