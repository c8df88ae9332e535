//! The home page: who I am, which areas I serve, and their headline figures.

use crate::error::AppError;
use crate::extract::Staff;
use crate::i18n::Tr;
use crate::pages::Nav;
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use yihaotai_domain::vocab::{CareTag, ControlLevel};
use yihaotai_service::home::HomeFigures;
use yihaotai_service::User;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(askama::Template)]
#[template(path = "home/home.html")]
struct HomePage {
    t: Tr,
    nav: Nav,
    user: User,
    roles: Vec<&'static str>,
    agency: Option<String>,
    figures: HomeFigures,
    /// (area id, name, level code, level label)
    controlled: Vec<(i64, String, String, &'static str)>,
    /// (care tag code, label, residents carrying it)
    care: Vec<(&'static str, &'static str, i64)>,
}

async fn home(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    let lang = staff.lang;
    let figures = state
        .service
        .home_figures(&staff.user)
        .await
        .map_err(|e| AppError::page(e, lang))?;
    let agency = match staff.user.agency_id {
        Some(id) => state.service.agency_name(id).await.ok(),
        None => None,
    };
    let controlled = figures
        .controlled
        .iter()
        .map(|(id, name, code)| {
            let label = ControlLevel::parse(code)
                .map(|l| l.label(lang))
                .unwrap_or("?");
            (*id, name.clone(), code.clone(), label)
        })
        .collect();
    let care = CareTag::ALL
        .iter()
        .map(|tag| {
            let n = figures
                .population
                .care_tags
                .iter()
                .find(|(c, _)| c == tag.code())
                .map(|(_, n)| *n)
                .unwrap_or(0);
            (tag.code(), tag.label(lang), n)
        })
        .collect();
    let page = HomePage {
        t: Tr::new(lang),
        nav: Nav::new(&staff, "home"),
        roles: staff.user.roles.0.iter().map(|r| r.label(lang)).collect(),
        user: staff.user,
        agency,
        figures,
        controlled,
        care,
    };
    Ok(crate::render::html(&page))
}
