//! The queues people work from: dispatch, an agency's inbox, overdue, supervision and
//! callback. Asked with `X-Requested-With: fetch`, a queue answers with its table alone,
//! which `app.js` swaps in when a notice arrives.

use super::{page_err, row_view, AreaNames, Categories, RowView};
use crate::error::AppError;
use crate::extract::Staff;
use crate::i18n::Tr;
use crate::pages::Nav;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use yihaotai_service::tickets::Queue;

/// Rows on one page of a queue.
const PAGE: i64 = 50;

#[derive(serde::Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    tab: Option<String>,
}

/// The table and its pager: the part of a queue page that live updates replace.
#[derive(askama::Template)]
#[template(path = "tickets/table.html")]
pub struct TableFragment {
    pub t: Tr,
    pub table_id: &'static str,
    pub rows: Vec<RowView>,
    pub next_url: Option<String>,
    pub empty: String,
    /// An inbox is one agency's own: the column would repeat its name.
    pub show_agency: bool,
}

#[derive(askama::Template)]
#[template(path = "tickets/queue.html")]
struct QueuePage {
    t: Tr,
    nav: Nav,
    title: String,
    hint: String,
    /// (href, label, current)
    tabs: Vec<(String, String, bool)>,
    table_id: &'static str,
    rows: Vec<RowView>,
    next_url: Option<String>,
    empty: String,
    show_agency: bool,
}

/// Whether `app.js` asks for the table alone.
pub fn wants_fragment(headers: &HeaderMap) -> bool {
    headers
        .get("x-requested-with")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("fetch"))
}

struct Spec {
    queue: Queue,
    active: &'static str,
    table_id: &'static str,
    title: &'static str,
    hint: &'static str,
    /// The page's own URL with any tab, to which `after=` is appended.
    base: String,
    tabs: Vec<(String, String, bool)>,
    show_agency: bool,
}

async fn queue_page(
    state: &AppState,
    staff: &Staff,
    headers: &HeaderMap,
    spec: Spec,
    after: Option<&str>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let svc = &state.service;
    let page = svc
        .queue(&staff.user, &spec.queue, after, PAGE)
        .await
        .map_err(page_err(lang))?;
    let cats = Categories::new(&svc.categories().await.map_err(page_err(lang))?);
    let now = svc.now();
    let areas = AreaNames::load(svc, &staff.user).await;
    let rows: Vec<RowView> = page
        .rows
        .into_iter()
        .map(|r| row_view(r, &cats, &areas, lang, now))
        .collect();
    let sep = if spec.base.contains('?') { '&' } else { '?' };
    let next_url = page.next.map(|n| {
        format!(
            "{}{sep}{}",
            spec.base,
            serde_urlencoded::to_string([("after", n)]).unwrap_or_default()
        )
    });
    let t = Tr::new(lang);
    let empty = t.t("queue.empty").to_string();
    if wants_fragment(headers) {
        return Ok(crate::render::html(&TableFragment {
            t,
            table_id: spec.table_id,
            rows,
            next_url,
            empty,
            show_agency: spec.show_agency,
        }));
    }
    Ok(crate::render::html(&QueuePage {
        nav: Nav::new(staff, spec.active),
        title: t.t(spec.title).to_string(),
        hint: t.t(spec.hint).to_string(),
        tabs: spec.tabs,
        table_id: spec.table_id,
        rows,
        next_url,
        empty,
        show_agency: spec.show_agency,
        t,
    }))
}

fn simple(queue: Queue, name: &'static str, title: &'static str, hint: &'static str) -> Spec {
    Spec {
        queue,
        active: name,
        table_id: match name {
            "dispatch" => "queue-dispatch",
            "overdue" => "queue-overdue",
            "supervision" => "queue-supervision",
            _ => "queue-callback",
        },
        title,
        hint,
        base: format!("/queue/{name}"),
        tabs: Vec::new(),
        show_agency: true,
    }
}

pub async fn dispatch(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let spec = simple(
        Queue::Dispatch,
        "dispatch",
        "queue.dispatch",
        "queue.dispatch_hint",
    );
    queue_page(&state, &staff, &headers, spec, q.after.as_deref()).await
}

pub async fn overdue(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let spec = simple(
        Queue::Overdue,
        "overdue",
        "queue.overdue",
        "queue.overdue_hint",
    );
    queue_page(&state, &staff, &headers, spec, q.after.as_deref()).await
}

pub async fn supervision(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let spec = simple(
        Queue::Supervision,
        "supervision",
        "queue.supervision",
        "queue.supervision_hint",
    );
    queue_page(&state, &staff, &headers, spec, q.after.as_deref()).await
}

pub async fn callback(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let spec = simple(
        Queue::Callback,
        "callback",
        "queue.callback",
        "queue.callback_hint",
    );
    queue_page(&state, &staff, &headers, spec, q.after.as_deref()).await
}

/// The agency's inbox, in three tabs: to accept, in progress, overdue.
pub async fn inbox(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let t = Tr::new(staff.lang);
    let tab = match q.tab.as_deref() {
        Some("progress") => "progress",
        Some("overdue") => "overdue",
        _ => "accept",
    };
    let tabs = [
        ("accept", "queue.tab_accept"),
        ("progress", "queue.tab_progress"),
        ("overdue", "queue.tab_overdue"),
    ]
    .iter()
    .map(|(code, key)| {
        (
            format!("/queue/inbox?tab={code}"),
            t.t(key).to_string(),
            *code == tab,
        )
    })
    .collect();
    let (queue, table_id) = match tab {
        "progress" => (Queue::InboxInProgress, "inbox-progress"),
        "overdue" => (Queue::InboxOverdue, "inbox-overdue"),
        _ => (Queue::InboxToAccept, "inbox-accept"),
    };
    let spec = Spec {
        queue,
        active: "inbox",
        table_id,
        title: "queue.inbox",
        hint: "queue.inbox_hint",
        base: format!("/queue/inbox?tab={tab}"),
        tabs,
        show_agency: false,
    };
    queue_page(&state, &staff, &headers, spec, q.after.as_deref()).await
}
