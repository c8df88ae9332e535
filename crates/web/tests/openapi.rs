//! The API's OpenAPI document: generated from the code, snapshot-tested (a change to any
//! response or request shape fails here until the snapshot is reviewed and accepted with
//! `cargo insta review`), served only to callers who are signed in, covering every route
//! and every lifecycle command, and read by the browsable reference page.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use scraper::{Html, Selector};
use serde_json::Value;
use support::*;
use yihaotai_domain::ticket::CommandKind;
use yihaotai_web::api::doc::{openapi, openapi_json};

fn document() -> Value {
    serde_json::from_str(&openapi_json()).expect("the document is JSON")
}

#[test]
fn the_document_matches_its_reviewed_snapshot() {
    insta::assert_json_snapshot!("openapi", document());
}

#[test]
fn the_document_is_openapi_3_1_and_every_reference_resolves() {
    let d = document();
    assert_eq!(d["openapi"], "3.1.0");
    let schemas = d["components"]["schemas"].as_object().unwrap();
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(xs) => xs.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&d, &mut all);
    assert!(all.len() > 50, "{} references", all.len());
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r} is not a schema reference"));
        assert!(schemas.contains_key(name), "{r} names no schema");
    }
}

#[test]
fn every_lifecycle_command_has_its_own_operation() {
    let d = document();
    for kind in CommandKind::ALL {
        let path = format!("/api/v1/tickets/{{id}}/{}", kind.code());
        let op = &d["paths"][&path]["post"];
        if *kind == CommandKind::RecordBreach {
            // The scheduler's command, never a person's.
            assert!(op.is_null(), "{path} is documented");
            continue;
        }
        assert_eq!(
            op["operationId"],
            format!("command_{}", kind.code()),
            "{path}"
        );
        assert_eq!(
            op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/TicketViewOut",
            "{path}"
        );
    }
    // Commands with fields declare their body; accept has none.
    assert_eq!(
        d["paths"]["/api/v1/tickets/{id}/dispatch"]["post"]["requestBody"]["content"]
            ["application/json"]["schema"]["$ref"],
        "#/components/schemas/DispatchBody"
    );
    assert!(d["paths"]["/api/v1/tickets/{id}/accept"]["post"]["requestBody"].is_null());
    // A body that refuses unknown fields says so.
    assert_eq!(
        d["components"]["schemas"]["DispatchBody"]["additionalProperties"],
        false
    );
}

/// Fills the path's `{id}` with a number, so the route exists even where the record
/// does not.
fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
}

#[tokio::test]
async fn every_documented_operation_is_a_route_and_none_answers_anonymously() {
    let a = app().await;
    let d = document();
    let mut checked = 0;
    for (path, item) in d["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let req = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(concrete(path))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap();
            let r = send(&a.app, req).await;
            // Not signed in: every operation refuses with 401 problem details, which a
            // missing route (404) or method (405) would not.
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path}: {}",
                r.body
            );
            checked += 1;
        }
    }
    assert!(checked >= 42, "{checked} operations");
}

#[tokio::test]
async fn the_served_document_is_the_generated_one_and_needs_a_caller() {
    let a = app().await;
    let anonymous = send(&a.app, get("/api/v1/openapi.json", "")).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let token = a.svc.create_api_token("viewer", "test").await.unwrap();
    let req = Request::builder()
        .uri("/api/v1/openapi.json")
        .header(header::AUTHORIZATION, format!("Bearer {}", token.expose()))
        .body(Body::empty())
        .unwrap();
    let r = send(&a.app, req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), document());
}

#[tokio::test]
async fn the_reference_page_lists_every_operation_and_shape() {
    let a = app().await;
    let (cookies, _) = login(&a.app, "admin", "demo-admin-2026").await;
    let r = send(&a.app, get("/api/docs", &cookies)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let html = Html::parse_document(&r.body);
    let sel = |s: &str| Selector::parse(s).unwrap();

    let d = document();
    let operations: usize = d["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|i| i.as_object().unwrap().len())
        .sum();
    assert_eq!(html.select(&sel("article.api-op")).count(), operations);
    let shapes = d["components"]["schemas"].as_object().unwrap().len();
    assert_eq!(html.select(&sel("article.api-shape")).count(), shapes);

    // The intake operation, with its body and its answer linked to their shapes.
    let intake = html.select(&sel("#op-intake")).next().expect("#op-intake");
    let text = |e: scraper::ElementRef, s: &str| -> String {
        e.select(&sel(s))
            .next()
            .map(|x| x.text().collect::<String>())
            .unwrap_or_default()
    };
    assert_eq!(text(intake, ".api-method"), "POST");
    assert_eq!(text(intake, ".api-path"), "/api/v1/tickets");
    assert_eq!(text(intake, ".api-body a"), "IntakeBody");
    let replies: Vec<String> = intake
        .select(&sel(".api-replies li .api-status"))
        .map(|x| x.text().collect())
        .collect();
    assert_eq!(replies, ["201", "403", "413", "422"]);
    // Every shape a page links to is on the page.
    for link in html.select(&sel("a[href^='#shape-']")) {
        let id = &link.value().attr("href").unwrap()[1..];
        assert!(
            html.select(&sel(&format!("[id='{id}']"))).next().is_some(),
            "{id} is linked but not on the page"
        );
    }
    // The ticket list's parameters, with their types as a client must send them.
    let list = html
        .select(&sel("#op-tickets"))
        .next()
        .expect("#op-tickets");
    let limit_row = list
        .select(&sel(".api-params tbody tr"))
        .find(|tr| text(*tr, "code") == "limit")
        .expect("limit parameter");
    assert!(
        limit_row.text().collect::<String>().contains("integer"),
        "{}",
        limit_row.html()
    );
    // The shape of a problem, required fields marked.
    let problem = html
        .select(&sel("#shape-Problem"))
        .next()
        .expect("#shape-Problem");
    let fields: Vec<String> = problem
        .select(&sel(".api-fields tbody tr td:first-child code"))
        .map(|x| x.text().collect())
        .collect();
    assert_eq!(fields, ["type", "title", "status", "detail", "field"]);
    assert_eq!(openapi().info.title, "yihaotai (一号台) API");
}

#[tokio::test]
async fn the_reference_page_needs_a_signed_in_user() {
    let a = app().await;
    let r = send(&a.app, get("/api/docs", "")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"), "{}", r.location());
}
