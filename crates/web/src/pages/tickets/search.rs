//! Search (查询): Chinese full text over the user's areas with filters; a ticket number
//! opens that ticket.

use super::queues::{wants_fragment, TableFragment};
use super::{page_err, row_view, AreaNames, Categories, RowView};
use crate::error::AppError;
use crate::extract::Staff;
use crate::i18n::Tr;
use crate::pages::Nav;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use yihaotai_domain::ticket::Status;
use yihaotai_domain::vocab::{Lang, Urgency};
use yihaotai_service::tickets::{Queue, SearchQuery};
use yihaotai_service::ServiceError;

#[derive(serde::Deserialize, serde::Serialize, Default, Clone)]
pub struct SearchForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default, skip_serializing)]
    after: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "tickets/search.html")]
struct SearchPage {
    t: Tr,
    nav: Nav,
    f: SearchForm,
    statuses: Vec<(&'static str, &'static str, bool)>,
    urgencies: Vec<(&'static str, &'static str, bool)>,
    categories: Vec<(String, String, bool)>,
    table_id: &'static str,
    rows: Vec<RowView>,
    next_url: Option<String>,
    empty: String,
    show_agency: bool,
}

/// A date box as China time: the start of `from`'s day, the end of `to`'s.
fn day_bound(field: &str, s: &str, end: bool) -> Result<Option<i64>, ServiceError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || {
        ServiceError::invalid(
            field,
            format!("日期“{s}”格式无效，应为 2026-11-23"),
            format!("date '{s}' is not valid; use 2026-11-23"),
        )
    };
    let d: jiff::civil::Date = s.parse().map_err(|_| bad())?;
    let day = if end {
        d.tomorrow().map_err(|_| bad())?
    } else {
        d
    };
    let ts = jiff::tz::TimeZone::fixed(jiff::tz::offset(8))
        .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
        .map_err(|_| bad())?;
    Ok(Some(ts.as_millisecond() - i64::from(end)))
}

fn to_query(f: &SearchForm) -> Result<SearchQuery, ServiceError> {
    let status = match f.status.trim() {
        "" => None,
        s => Some(
            Status::parse(s)
                .map_err(|e| ServiceError::invalid("status", e.localized(Lang::Zh), e.to_string()))?
                .code(),
        ),
    };
    let urgency = match f.urgency.trim() {
        "" => None,
        s => Some(
            Urgency::parse(s)
                .map_err(|e| {
                    ServiceError::invalid("urgency", e.localized(Lang::Zh), e.to_string())
                })?
                .code(),
        ),
    };
    Ok(SearchQuery {
        text: f.q.trim().to_string(),
        status,
        urgency,
        category: Some(f.category.trim().to_string()).filter(|c| !c.is_empty()),
        overdue: match f.overdue.as_str() {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        },
        from: day_bound("from", &f.from, false)?,
        to: day_bound("to", &f.to, true)?,
        ..Default::default()
    })
}

pub async fn search(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Query(f): Query<SearchForm>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let svc = &state.service;
    let t = Tr::new(lang);
    let cat_rows = svc.categories().await.map_err(page_err(lang))?;
    let cats = Categories::new(&cat_rows);
    let (rows, next, error) = match to_query(&f) {
        Ok(q) => {
            let by_number = q.text.starts_with("YHT");
            match svc
                .queue(&staff.user, &Queue::Search(q), f.after.as_deref(), 50)
                .await
            {
                Ok(p) if by_number && p.rows.len() == 1 => {
                    return Ok(Redirect::to(&format!("/tickets/{}", p.rows[0].id)).into_response())
                }
                Ok(p) => (p.rows, p.next, None),
                Err(e @ ServiceError::Invalid { .. }) => (Vec::new(), None, Some(e)),
                Err(e) => return Err(AppError::page(e, lang)),
            }
        }
        Err(e) => (Vec::new(), None, Some(e)),
    };
    let now = svc.now();
    let areas = AreaNames::load(svc, &staff.user).await;
    let rows: Vec<RowView> = rows
        .into_iter()
        .map(|r| row_view(r, &cats, &areas, lang, now))
        .collect();
    let next_url = next.map(|n| {
        let mut qs = serde_urlencoded::to_string(&f).unwrap_or_default();
        qs.push_str(&format!(
            "&{}",
            serde_urlencoded::to_string([("after", n)]).unwrap_or_default()
        ));
        format!("/tickets?{qs}")
    });
    let empty = t.t("search.empty").to_string();
    if wants_fragment(&headers) {
        return Ok(crate::render::html(&TableFragment {
            t,
            table_id: "search-results",
            rows,
            next_url,
            empty,
            show_agency: true,
        }));
    }
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = SearchPage {
        nav: Nav::new(&staff, "search").with_error(error.map(|e| e.localized(lang))),
        statuses: Status::ALL
            .iter()
            .map(|s| (s.code(), s.label(lang), s.code() == f.status))
            .collect(),
        urgencies: Urgency::ALL
            .iter()
            .map(|s| (s.code(), s.label(lang), s.code() == f.urgency))
            .collect(),
        categories: cat_rows
            .iter()
            .map(|c| {
                (
                    c.code.clone(),
                    lang.pick(&c.name_zh, &c.name_en).to_string(),
                    c.code == f.category,
                )
            })
            .collect(),
        table_id: "search-results",
        rows,
        next_url,
        empty,
        show_agency: true,
        f,
        t,
    };
    Ok((status, crate::render::html(&page)).into_response())
}
