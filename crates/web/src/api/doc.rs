//! The API's OpenAPI 3.1 document, generated from the handlers' annotations and the
//! response types in [`super::schema`] (utoipa), served at `/api/v1/openapi.json` and
//! printed by `yihaotai openapi`; and `/api/docs`, a page that reads the same document, for
//! staff and integrators with no internet (nothing is fetched from elsewhere).

use super::schema::Problem;
use crate::error::AppError;
use crate::extract::{ApiCaller, Staff};
use crate::i18n::Tr;
use crate::pages::Nav;
use crate::AppState;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;
use std::sync::OnceLock;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "yihaotai (一号台) API",
        description = "Work orders for citizen service hotlines and community service desks: \
intake with triage, dispatch, deadlines, supervision, callback; areas, agencies, users, the \
dispatch catalogue and the deadline policy.\n\nEvery call needs a bearer token \
(`yihaotai token create`) or a staff session; a session caller sends its CSRF token in \
`X-CSRF-Token` for anything but GET. Errors are problem details (RFC 9457) in the language \
of `Accept-Language` (Chinese by default), with `field` naming the field at fault. Times \
are RFC 3339 in China time. Phone numbers are masked; the full number only through \
`reveal-phone`, which is audited.",
        license(name = "Apache-2.0"),
    ),
    paths(
        super::me,
        super::tickets::intake,
        super::tickets::list,
        super::tickets::show,
        super::tickets::reveal_phone,
        super::triage::analyze,
        super::households::list,
        super::households::show,
        super::households::change,
        super::households::reveal,
        super::admin::list_areas,
        super::admin::add_area,
        super::admin::get_area,
        super::admin::rename_area,
        super::admin::set_control,
        super::admin::control_history,
        super::admin::list_agencies,
        super::admin::create_agency,
        super::admin::get_agency,
        super::admin::update_agency,
        super::admin::list_users,
        super::admin::create_user,
        super::admin::get_user,
        super::config::list_rules,
        super::config::set_rule,
        super::config::delete_rule,
        super::config::rule_history,
        super::config::suggest,
        super::config::get_policy,
        super::config::put_policy,
    ),
    components(schemas(Problem)),
    modifiers(&Security, &Commands),
    tags(
        (name = "tickets", description = "Work orders: intake, queues and search, one ticket"),
        (name = "commands", description = "One route per lifecycle command on a ticket"),
        (name = "triage", description = "What a request says: category, urgency, address"),
        (name = "households", description = "Household cards: who lives at each door"),
        (name = "areas", description = "The area tree and control levels"),
        (name = "agencies", description = "The units tickets are sent to"),
        (name = "users", description = "Staff accounts"),
        (name = "catalogue", description = "The dispatch catalogue"),
        (name = "policy", description = "The deadline policy"),
        (name = "me", description = "The caller"),
    ),
)]
struct ApiDoc;

/// Bearer tokens and the staff session, for every operation.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from `yihaotai token create LOGIN NAME`"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::extract::SESSION_COOKIE,
                "A staff session from the login page; send X-CSRF-Token for writes",
            ))),
        );
        doc.security = Some(vec![
            SecurityRequirement::new("bearer", Vec::<String>::new()),
            SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
    }
}

/// The lifecycle commands, one operation each (see `tickets::commands::document`).
struct Commands;

impl Modify for Commands {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        super::tickets::document_commands(doc);
        refusals_are_problem_details(doc);
    }
}

/// Every refusal is served as `application/problem+json` (see [`crate::error`]), and an
/// answer the annotations left undescribed is named by its status.
fn refusals_are_problem_details(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            for (status, r) in op.responses.responses.iter_mut() {
                let RefOr::T(r) = r else { continue };
                if r.description.is_empty() {
                    r.description = match status.as_str() {
                        "200" => "OK",
                        "201" => "Created",
                        "204" => "No content",
                        _ => "Refused",
                    }
                    .to_string();
                }
                if !status.starts_with('2') {
                    if let Some(c) = r.content.shift_remove("application/json") {
                        r.content.insert("application/problem+json".to_string(), c);
                    }
                }
            }
        }
    }
}

/// The document, built once.
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(ApiDoc::openapi)
}

/// The document as pretty JSON, as `/api/v1/openapi.json` serves it.
pub fn openapi_json() -> String {
    openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(document))
}

async fn document(_caller: ApiCaller) -> Json<&'static utoipa::openapi::OpenApi> {
    Json(openapi())
}

// --- the browsable page -----------------------------------------------------------------

pub struct Param {
    pub name: String,
    pub place: String,
    pub ty: String,
    pub required: bool,
    pub description: Rich,
}

pub struct Reply {
    pub status: String,
    /// `ok` for 2xx, `refused` for the rest.
    pub class: &'static str,
    pub description: String,
    pub schema: String,
}

pub struct Operation {
    pub anchor: String,
    pub method: String,
    pub path: String,
    pub summary: Rich,
    pub description: Rich,
    pub params: Vec<Param>,
    pub body: String,
    pub replies: Vec<Reply>,
}

pub struct Section {
    pub tag: String,
    pub description: String,
    pub operations: Vec<Operation>,
}

pub struct Field {
    pub name: String,
    pub ty: String,
    pub required: bool,
    pub description: Rich,
}

pub struct Shape {
    pub name: String,
    pub description: String,
    pub fields: Vec<Field>,
}

/// Text with `code` spans, as (piece, is code) for the page to set in `<code>`.
pub type Rich = Vec<(String, bool)>;

fn rich(s: &str) -> Rich {
    s.split('`')
        .enumerate()
        .filter(|(_, piece)| !piece.is_empty())
        .map(|(i, piece)| (piece.to_string(), i % 2 == 1))
        .collect()
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

fn ref_name(r: &str) -> String {
    r.rsplit('/').next().unwrap_or(r).to_string()
}

/// A schema in a few words: `TicketOut`, `string (date-time)`, `integer | null`,
/// `array of RuleOut`.
fn type_words(s: &Value) -> String {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return ref_name(r);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(xs) = s.get(key).and_then(Value::as_array) {
            return xs.iter().map(type_words).collect::<Vec<_>>().join(" | ");
        }
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "any".to_string(),
    };
    let ty = if ty.starts_with("array") {
        let of = s.get("items").map(type_words).unwrap_or_default();
        ty.replacen("array", &format!("array of {of}"), 1)
    } else {
        ty
    };
    match s.get("format").and_then(Value::as_str) {
        Some(f) => format!("{ty} ({f})"),
        None => ty,
    }
}

fn content_schema(v: &Value) -> String {
    v.get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.values().next())
        .and_then(|m| m.get("schema"))
        .map(type_words)
        .unwrap_or_default()
}

/// The document read into sections (one per tag, in the tags' order) and shapes.
pub fn overview() -> (Vec<Section>, Vec<Shape>) {
    let doc: Value = serde_json::to_value(openapi()).unwrap_or(Value::Null);
    let mut sections: Vec<Section> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| Section {
            tag: text(t, "name"),
            description: text(t, "description"),
            operations: Vec::new(),
        })
        .collect();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let params = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| Param {
                    name: text(p, "name"),
                    place: text(p, "in"),
                    ty: p.get("schema").map(type_words).unwrap_or_default(),
                    required: p["required"].as_bool().unwrap_or(false),
                    description: rich(&text(p, "description")),
                })
                .collect();
            let replies = op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(status, r)| Reply {
                    class: if status.starts_with('2') {
                        "ok"
                    } else {
                        "refused"
                    },
                    status: status.clone(),
                    description: text(r, "description"),
                    schema: content_schema(r),
                })
                .collect();
            let (summary, description) = (text(op, "summary"), text(op, "description"));
            let operation = Operation {
                anchor: text(op, "operationId"),
                method: method.to_uppercase(),
                path: path.clone(),
                description: if description == summary {
                    Vec::new()
                } else {
                    rich(&description)
                },
                summary: rich(&summary),
                params,
                body: content_schema(&op["requestBody"]),
                replies,
            };
            let tag = op["tags"][0].as_str().unwrap_or("");
            match sections.iter_mut().find(|s| s.tag == tag) {
                Some(s) => s.operations.push(operation),
                None => sections.push(Section {
                    tag: tag.to_string(),
                    description: String::new(),
                    operations: vec![operation],
                }),
            }
        }
    }
    let shapes = doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, s)| {
            let required: Vec<&str> = s["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let mut fields = Vec::new();
            let mut description = text(s, "description");
            // A tagged enum: one line per variant, named by its tag.
            for variant in s["oneOf"].as_array().into_iter().flatten() {
                let tag = variant["properties"]["type"]["enum"][0]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                let rest: Vec<String> = variant["properties"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, _)| *k != "type")
                    .map(|(k, v)| format!("{k}: {}", type_words(v)))
                    .collect();
                fields.push(Field {
                    name: format!("type = {tag}"),
                    ty: rest.join(", "),
                    required: false,
                    description: rich(&text(variant, "description")),
                });
            }
            for (field, p) in s["properties"].as_object().into_iter().flatten() {
                fields.push(Field {
                    name: field.clone(),
                    ty: type_words(p),
                    required: required.contains(&field.as_str()),
                    description: rich(&text(p, "description")),
                });
            }
            if fields.is_empty() && description.is_empty() {
                description = type_words(s);
            }
            Shape {
                name: name.clone(),
                description,
                fields,
            }
        })
        .collect();
    (sections, shapes)
}

#[derive(askama::Template)]
#[template(path = "help/api.html")]
struct ApiPage {
    t: Tr,
    nav: Nav,
    title: String,
    version: String,
    sections: Vec<Section>,
    shapes: Vec<Shape>,
}

/// `/api/docs`: every operation and every shape of the API, from the same document.
pub async fn page(staff: Staff) -> Result<Response, AppError> {
    let (sections, shapes) = overview();
    let doc = openapi();
    let page = ApiPage {
        t: Tr::new(staff.lang),
        nav: Nav::new(&staff, "api"),
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        sections,
        shapes,
    };
    Ok(crate::render::html(&page))
}
