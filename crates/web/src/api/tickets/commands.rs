//! One route per lifecycle command: the body of each becomes a domain `Command`, which the
//! service checks (role, then the ticket's state) and records.

use super::render::view_out;
use super::{json_body, mode_of, problem, ticket_id, vocab_err, Refusal};
use crate::api::parse_rfc3339;
use crate::api::schema::TicketViewOut;
use crate::error::AppError;
use crate::extract::ApiCaller;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder, Schema};
use utoipa::ToSchema;
use yihaotai_domain::ticket::{Command, CommandKind, Satisfaction, Solved};
use yihaotai_domain::vocab::Lang;

use yihaotai_domain::{AgencyId, TicketId};
use yihaotai_service::ServiceError;

/// Command bodies are small; anything larger is a mistake.
pub(super) const COMMAND_LIMIT: usize = 64 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoFields {}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DispatchBody {
    agency_id: i64,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    assisting_agency_ids: Vec<i64>,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReasonBody {
    reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ApproveReturnBody {
    #[serde(default)]
    redispatch_agency_id: Option<i64>,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ExtensionBody {
    until: String,
    reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ResolveBody {
    result: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CallbackBody {
    #[serde(default = "yes")]
    contacted: bool,
    solved: String,
    satisfaction: String,
    #[serde(default)]
    note: String,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EscalateBody {
    agency_id: i64,
    reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SuperviseBody {
    level: u8,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MergeBody {
    into_ticket_id: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AddNoteBody {
    text: String,
}

/// The commands people issue over the API; the scheduler's `record_breach` is not one.
fn command_kind(name: &str) -> Option<CommandKind> {
    CommandKind::parse(name)
        .ok()
        .filter(|k| *k != CommandKind::RecordBreach)
}

/// Turns a command's body into the domain command; a body that does not fit is a 422.
fn parse_command(
    kind: CommandKind,
    body: Result<Bytes, BytesRejection>,
    lang: Lang,
) -> Result<Command, Refusal> {
    let bad = |e: ServiceError| Refusal::from(AppError::api(e, lang));
    fn fit<T: DeserializeOwned>(v: Value, lang: Lang) -> Result<T, Refusal> {
        serde_json::from_value(v)
            .map_err(|e| AppError::api(crate::guard::json_error(&e), lang).into())
    }
    let v = match json_body(body, COMMAND_LIMIT, lang)? {
        // `null` says "nothing to add", as an empty body does.
        Value::Null => json!({}),
        v => v,
    };
    use CommandKind as K;
    Ok(match kind {
        K::Dispatch => {
            let b: DispatchBody = fit(v, lang)?;
            Command::Dispatch {
                agency: AgencyId(b.agency_id),
                mode: mode_of(b.mode.as_deref()).map_err(bad)?,
                assisting: b.assisting_agency_ids.into_iter().map(AgencyId).collect(),
                note: b.note,
            }
        }
        K::Accept => {
            fit::<NoFields>(v, lang)?;
            Command::Accept
        }
        K::RecordContact => Command::RecordContact {
            note: fit::<NoteBody>(v, lang)?.note,
        },
        K::RequestReturn => Command::RequestReturn {
            reason: fit::<ReasonBody>(v, lang)?.reason,
        },
        K::ApproveReturn => {
            let b: ApproveReturnBody = fit(v, lang)?;
            Command::ApproveReturn {
                redispatch_to: b.redispatch_agency_id.map(AgencyId),
                note: b.note,
            }
        }
        K::RefuseReturn => Command::RefuseReturn {
            note: fit::<NoteBody>(v, lang)?.note,
        },
        K::RequestExtension => {
            let b: ExtensionBody = fit(v, lang)?;
            let until = parse_rfc3339("until", &b.until).map_err(bad)?;
            Command::RequestExtension {
                until: jiff::Timestamp::from_millisecond(until).map_err(|_| {
                    bad(ServiceError::invalid(
                        "until",
                        "时间超出范围",
                        "time out of range",
                    ))
                })?,
                reason: b.reason,
            }
        }
        K::ApproveExtension => {
            fit::<NoFields>(v, lang)?;
            Command::ApproveExtension
        }
        K::RefuseExtension => Command::RefuseExtension {
            note: fit::<NoteBody>(v, lang)?.note,
        },
        K::Resolve => Command::Resolve {
            result: fit::<ResolveBody>(v, lang)?.result,
        },
        K::Callback => {
            let b: CallbackBody = fit(v, lang)?;
            Command::Callback {
                contacted: b.contacted,
                solved: Solved::parse(&b.solved).map_err(|e| bad(vocab_err(e)))?,
                satisfaction: Satisfaction::parse(&b.satisfaction)
                    .map_err(|e| bad(vocab_err(e)))?,
                note: b.note,
            }
        }
        K::Reopen => Command::Reopen {
            reason: fit::<ReasonBody>(v, lang)?.reason,
        },
        K::Escalate => {
            let b: EscalateBody = fit(v, lang)?;
            Command::Escalate {
                to: AgencyId(b.agency_id),
                reason: b.reason,
            }
        }
        K::Supervise => {
            let b: SuperviseBody = fit(v, lang)?;
            Command::Supervise {
                level: b.level,
                note: b.note,
            }
        }
        K::Merge => Command::Merge {
            into: TicketId(fit::<MergeBody>(v, lang)?.into_ticket_id),
        },
        K::Cancel => Command::Cancel {
            reason: fit::<ReasonBody>(v, lang)?.reason,
        },
        K::AddNote => Command::AddNote {
            text: fit::<AddNoteBody>(v, lang)?.text,
        },
        K::RecordBreach => unreachable!("filtered out by command_kind"),
    })
}

fn unknown_command(name: &str, lang: Lang) -> Refusal {
    let known: Vec<&str> = CommandKind::ALL
        .iter()
        .filter(|k| **k != CommandKind::RecordBreach)
        .map(|k| k.code())
        .collect();
    let name: String = name.chars().take(40).collect();
    Refusal::from(problem(
        StatusCode::NOT_FOUND,
        match lang {
            Lang::Zh => format!("没有名为“{name}”的工单操作，可用：{}", known.join(", ")),
            Lang::En => format!(
                "there is no ticket command '{name}'; use one of: {}",
                known.join(", ")
            ),
        },
        Some("command"),
    ))
}

pub(super) async fn command(
    State(s): State<AppState>,
    c: ApiCaller,
    Path((id, name)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<TicketViewOut>, Refusal> {
    let Some(kind) = command_kind(&name) else {
        return Err(unknown_command(&name, c.lang));
    };
    s.service
        .may_issue(&c.user, kind)
        .map_err(|e| AppError::api(e, c.lang))?;
    let id = ticket_id(&id).map_err(|e| AppError::api(e, c.lang))?;
    let cmd = parse_command(kind, body, c.lang)?;
    let v = async {
        s.service.command(&c.user, id, cmd).await?;
        s.service.ticket_view(&c.user, id).await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(view_out(&v)))
}

/// The body each command takes, for the OpenAPI document; `None` for commands without one.
/// Kept beside [`parse_command`], which reads the same types.
fn body_schema(kind: CommandKind) -> Option<(String, RefOr<Schema>)> {
    fn of<T: ToSchema>() -> Option<(String, RefOr<Schema>)> {
        Some((T::name().into_owned(), T::schema()))
    }
    use CommandKind as K;
    match kind {
        K::Dispatch => of::<DispatchBody>(),
        K::Accept | K::ApproveExtension | K::RecordBreach => None,
        K::RecordContact | K::RefuseReturn | K::RefuseExtension => of::<NoteBody>(),
        K::RequestReturn | K::Reopen | K::Cancel => of::<ReasonBody>(),
        K::ApproveReturn => of::<ApproveReturnBody>(),
        K::RequestExtension => of::<ExtensionBody>(),
        K::Resolve => of::<ResolveBody>(),
        K::Callback => of::<CallbackBody>(),
        K::Escalate => of::<EscalateBody>(),
        K::Supervise => of::<SuperviseBody>(),
        K::Merge => of::<MergeBody>(),
        K::AddNote => of::<AddNoteBody>(),
    }
}

fn json_content(schema: &str) -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(schema)))
        .build()
}

/// Adds one operation per lifecycle command (`POST /api/v1/tickets/{id}/<command>`) to the
/// document, generated from [`CommandKind::ALL`] so that a new command is documented the
/// day it exists.
pub(crate) fn document(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    for kind in CommandKind::ALL
        .iter()
        .copied()
        .filter(|k| command_kind(k.code()).is_some())
    {
        let mut op = OperationBuilder::new()
            .tag("commands")
            .operation_id(Some(format!("command_{}", kind.code())))
            .summary(Some(format!(
                "{} ({})",
                kind.label(Lang::En),
                kind.label(Lang::Zh)
            )))
            .description(Some(
                "Runs the command on the ticket when the caller's role may and the ticket's \
                 state allows it (see `allowed_commands`); answers with the ticket as it is \
                 after the command.",
            ))
            .parameter(
                ParameterBuilder::new()
                    .name("id")
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .description(Some("The ticket's id"))
                    .schema(Some(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::Integer)
                            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                                utoipa::openapi::KnownFormat::Int64,
                            ))),
                    )),
            )
            .response(
                "200",
                ResponseBuilder::new()
                    .description("The ticket after the command")
                    .content("application/json", json_content("TicketViewOut")),
            );
        for (status, why) in [
            ("403", "The caller's role may not run this command"),
            ("404", "No such ticket in the caller's areas"),
            ("409", "The ticket's state does not allow the command now"),
            ("422", "A field is invalid; `field` names it"),
        ] {
            op = op.response(
                status,
                ResponseBuilder::new()
                    .description(why)
                    .content("application/problem+json", json_content("Problem")),
            );
        }
        if let Some((name, schema)) = body_schema(kind) {
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content("application/json", json_content(&name))
                    .build(),
            ));
            components.schemas.insert(name, schema);
        }
        doc.paths.add_path_operation(
            format!("/api/v1/tickets/{{id}}/{}", kind.code()),
            vec![HttpMethod::Post],
            op.build(),
        );
    }
}
