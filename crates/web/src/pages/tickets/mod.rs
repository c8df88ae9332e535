//! Ticket pages: intake at the desk, the queues people work from, one ticket with its
//! timeline and the forms of its lifecycle, and search. Every form works without
//! JavaScript; `static/app.js` adds live refresh, alarms, triage and the household picker.

mod commands;
mod detail;
mod intake;
mod labels;
mod queues;
mod search;

use crate::error::AppError;
use crate::AppState;
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;
use yihaotai_domain::area::{AreaKind, AreaPath};
use yihaotai_domain::ticket::Status;
use yihaotai_domain::vocab::{Lang, Urgency};
use yihaotai_service::model::{CategoryRow, TicketRow};
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tickets", get(search::search))
        .route("/tickets/new", get(intake::form).post(intake::create))
        .route("/tickets/households", get(intake::households))
        .route("/tickets/{id}", get(detail::show))
        .route("/tickets/{id}/reveal", post(detail::reveal))
        .route("/tickets/{id}/{command}", post(commands::run))
        .route("/queue/dispatch", get(queues::dispatch))
        .route("/queue/inbox", get(queues::inbox))
        .route("/queue/overdue", get(queues::overdue))
        .route("/queue/supervision", get(queues::supervision))
        .route("/queue/callback", get(queues::callback))
}

/// Errors a person can act on come back on the page; the rest become an error page.
/// A refusal the person can act on (shown on the page they were on).
pub(crate) fn is_user_error(e: &ServiceError) -> bool {
    matches!(
        e,
        ServiceError::Invalid { .. }
            | ServiceError::Forbidden { .. }
            | ServiceError::Conflict { .. }
    )
}

fn page_err(lang: Lang) -> impl Fn(ServiceError) -> AppError {
    move |e| AppError::page(e, lang)
}

/// Category code → label, from the configurable catalogue.
struct Categories(HashMap<String, (String, String)>);

impl Categories {
    fn new(rows: &[CategoryRow]) -> Categories {
        Categories(
            rows.iter()
                .map(|c| (c.code.clone(), (c.name_zh.clone(), c.name_en.clone())))
                .collect(),
        )
    }
    fn label(&self, code: &str, lang: Lang) -> String {
        match self.0.get(code) {
            Some((zh, en)) => lang.pick(zh, en).to_string(),
            None => code.to_string(),
        }
    }
}

fn status_label(code: &str, lang: Lang) -> String {
    Status::parse(code)
        .map(|s| s.label(lang).to_string())
        .unwrap_or_else(|_| code.to_string())
}

/// The urgency without its explanation, for tables: 特急, not 特急（危及生命）.
fn urgency_short(code: &str, lang: Lang) -> String {
    let full = Urgency::parse(code).map(|u| u.label(lang)).unwrap_or(code);
    full.split(['（', '('])
        .next()
        .unwrap_or(full)
        .trim()
        .to_string()
}

/// Where a ticket is, as a desk agent says it: the compound, building and entrance
/// (锦绣花园3栋2单元); above a compound, the area's own name.
struct AreaNames(HashMap<i64, (String, AreaKind)>);

impl AreaNames {
    async fn load(svc: &yihaotai_service::Service, user: &yihaotai_service::User) -> AreaNames {
        // Names are a convenience: a failure leaves the row's own area name.
        let areas = svc.areas_for(user).await.unwrap_or_default();
        AreaNames(
            areas
                .into_iter()
                .map(|a| (a.id.0, (a.name, a.kind)))
                .collect(),
        )
    }
    fn label(&self, path: &str) -> Option<String> {
        let nodes: Vec<&(String, AreaKind)> = AreaPath::from_stored(path.to_string())
            .ids()
            .iter()
            .filter_map(|id| self.0.get(&id.0))
            .collect();
        let local: String = nodes
            .iter()
            .filter(|(_, k)| *k >= AreaKind::Compound && *k != AreaKind::Zone)
            .map(|(n, _)| n.as_str())
            .collect();
        if local.is_empty() {
            nodes.last().map(|(n, _)| n.clone())
        } else {
            Some(local)
        }
    }
}

/// Half an hour before a deadline its time turns amber.
const SOON_MS: i64 = 30 * 60 * 1000;

/// A deadline as shown: China time, and `past` / `soon` / `` for its colour.
pub struct Due {
    pub at: String,
    pub class: &'static str,
    pub clock: &'static str,
}

fn due(at: Option<i64>, met: bool, now: i64, clock: &'static str) -> Option<Due> {
    let at_ms = at?;
    let class = if met {
        "met"
    } else if at_ms <= now {
        "past"
    } else if at_ms - now < SOON_MS {
        "soon"
    } else {
        ""
    };
    Some(Due {
        at: crate::pages::admin_areas::format_ms(at_ms),
        class,
        clock,
    })
}

/// One line of a queue or search table.
pub struct RowView {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub urgency: &'static str,
    pub urgency_label: String,
    pub category: String,
    pub area: String,
    pub agency: String,
    pub status: String,
    pub status_label: String,
    pub due: Option<Due>,
    pub supervision: i64,
    pub epidemic: bool,
    pub overdue: bool,
    pub phone: String,
}

/// Ticket rows as the ticket tables draw them (`tickets/table.html`), for pages outside
/// the ticket pages (the household card).
pub(crate) async fn row_views(
    svc: &yihaotai_service::Service,
    user: &yihaotai_service::User,
    rows: Vec<TicketRow>,
    lang: Lang,
) -> Result<Vec<RowView>, AppError> {
    let cats = Categories::new(&svc.categories().await.map_err(page_err(lang))?);
    let areas = AreaNames::load(svc, user).await;
    let now = svc.now();
    Ok(rows
        .into_iter()
        .map(|r| row_view(r, &cats, &areas, lang, now))
        .collect())
}

fn row_view(r: TicketRow, cats: &Categories, areas: &AreaNames, lang: Lang, now: i64) -> RowView {
    // The clock the handler is racing now: accepting, then resolving.
    let due_now = match r.status.as_str() {
        "dispatched" => due(r.accept_by, false, now, "accept"),
        "accepted" | "return_requested" => due(r.resolve_by, false, now, "resolve"),
        _ => None,
    };
    RowView {
        id: r.id,
        urgency: Urgency::parse(&r.urgency)
            .map(|u| u.code())
            .unwrap_or("normal"),
        urgency_label: urgency_short(&r.urgency, lang),
        category: cats.label(&r.category, lang),
        area: areas
            .label(&r.area_path)
            .or(r.area_name)
            .unwrap_or_default(),
        agency: r.agency_name.unwrap_or_default(),
        status_label: status_label(&r.status, lang),
        status: r.status,
        due: due_now,
        supervision: r.supervision_level,
        epidemic: r.epidemic_related != 0,
        overdue: r.overdue != 0,
        phone: r.caller_phone.unwrap_or_default(),
        number: r.number,
        title: r.title,
    }
}
