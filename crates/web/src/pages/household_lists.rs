//! The household lists on the page: import a grid, police or property list (check first,
//! then import; the columns read, the first rows, every doubt and every error by row and
//! column), and the three-source cross-check (三方数据核查) as a report and as an XLSX
//! download. The service decides who may and what each list means; these pages draw it.

use crate::error::AppError;
use crate::extract::Staff;
use crate::i18n::Tr;
use crate::pages::Nav;
use crate::AppState;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use yihaotai_domain::crosscheck::Outcome;
use yihaotai_domain::linkage::Source;
use yihaotai_domain::vocab::Lang;
use yihaotai_service::admin::Caller;
use yihaotai_service::crosscheck::CrossCheck;
use yihaotai_service::import::households::HouseholdImport;
use yihaotai_service::import::table::MAX_BYTES;
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/households/import",
            get(import_form)
                .post(import)
                .layer(DefaultBodyLimit::max(MAX_BYTES + 64 * 1024)),
        )
        .route("/households/crosscheck", get(crosscheck))
        .route("/households/crosscheck.xlsx", get(crosscheck_xlsx))
}

/// One row's message, as the tables show it.
struct RowMsg {
    row: usize,
    column: String,
    value: String,
    what: String,
}

fn row_msgs(es: &[yihaotai_service::import::RowError], lang: Lang) -> Vec<RowMsg> {
    es.iter()
        .map(|e| RowMsg {
            row: e.row,
            column: e.column.clone(),
            value: e.value.clone(),
            what: lang.pick(&e.zh, &e.en).to_string(),
        })
        .collect()
}

struct PreviewView {
    row: usize,
    address: String,
    name: String,
    phone: String,
    id_number: String,
    relation: String,
    tags: Vec<&'static str>,
    has_card: bool,
}

/// What the last upload found.
struct ResultView {
    dry_run: bool,
    file_name: String,
    rows: usize,
    mapping: Vec<(String, String)>,
    linked: usize,
    registered: usize,
    without_card: usize,
    import_id: Option<i64>,
    preview: Vec<PreviewView>,
    flags: Vec<RowMsg>,
    errors: Vec<RowMsg>,
}

fn result_view(r: HouseholdImport, file_name: String, lang: Lang) -> ResultView {
    ResultView {
        dry_run: r.dry_run,
        file_name,
        rows: r.rows,
        mapping: r.mapping,
        linked: r.linked,
        registered: r.registered.len(),
        without_card: r.without_card,
        import_id: r.import_id,
        preview: r
            .preview
            .into_iter()
            .map(|p| PreviewView {
                row: p.row,
                address: p.address,
                name: p.name,
                phone: p.phone.unwrap_or_default(),
                id_number: p.id_number.unwrap_or_default(),
                relation: p.relation,
                tags: p.care_tags.iter().map(|t| t.label(lang)).collect(),
                has_card: p.has_card,
            })
            .collect(),
        flags: row_msgs(&r.flags, lang),
        errors: row_msgs(&r.errors, lang),
    }
}

#[derive(askama::Template)]
#[template(path = "households/import.html")]
struct ImportPage {
    t: Tr,
    nav: Nav,
    /// (code, label, selected)
    sources: Vec<(&'static str, &'static str, bool)>,
    sheet: String,
    result: Option<ResultView>,
    /// A problem with the file as a whole (no header, not a spreadsheet, too large).
    problem: Option<String>,
}

fn sources(selected: Option<Source>, lang: Lang) -> Vec<(&'static str, &'static str, bool)> {
    Source::ALL
        .iter()
        .map(|s| (s.code(), s.label(lang), Some(*s) == selected))
        .collect()
}

async fn import_form(staff: Staff) -> Result<Response, AppError> {
    let lang = staff.lang;
    Caller::User(&staff.user)
        .require_household_import()
        .map_err(|e| AppError::page(e, lang))?;
    Ok(crate::render::html(&ImportPage {
        t: Tr::new(lang),
        nav: Nav::new(&staff, "households"),
        sources: sources(None, lang),
        sheet: String::new(),
        result: None,
        problem: None,
    }))
}

/// The upload's fields.
#[derive(Default)]
struct Upload {
    csrf: String,
    source: String,
    sheet: String,
    mode: String,
    file_name: String,
    file: Vec<u8>,
}

fn bad_upload(lang: Lang, zh: &str, en: &str) -> AppError {
    AppError::page(ServiceError::invalid("file", zh, en), lang)
}

async fn read_upload(mut m: Multipart, lang: Lang) -> Result<Upload, AppError> {
    let mut u = Upload::default();
    let broken = |e: axum::extract::multipart::MultipartError| {
        AppError::page(
            ServiceError::invalid(
                "file",
                format!("上传未完成或文件超过 50 MB：{}", e.body_text()),
                format!(
                    "the upload did not complete or is over 50 MB: {}",
                    e.body_text()
                ),
            ),
            lang,
        )
    };
    while let Some(field) = m.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                u.file_name = field.file_name().unwrap_or("").to_string();
                u.file = field.bytes().await.map_err(broken)?.to_vec();
            }
            "_csrf" | "source" | "sheet" | "mode" => {
                let v = field.text().await.map_err(broken)?;
                match name.as_str() {
                    "_csrf" => u.csrf = v,
                    "source" => u.source = v,
                    "sheet" => u.sheet = v.trim().to_string(),
                    _ => u.mode = v,
                }
            }
            _ => {}
        }
    }
    Ok(u)
}

async fn import(
    State(state): State<AppState>,
    staff: Staff,
    m: Multipart,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let caller = Caller::User(&staff.user);
    caller
        .require_household_import()
        .map_err(|e| AppError::page(e, lang))?;
    let u = read_upload(m, lang).await?;
    if !yihaotai_service::auth::same_secret(&u.csrf, &staff.csrf) {
        return Err(AppError::page(crate::extract::csrf_error(), lang));
    }
    let Some(source) = Source::parse(&u.source) else {
        return Err(bad_upload(
            lang,
            "请选择名单来源：网格员摸排、派出所户籍或物业业主",
            "choose whose list it is: grid workers, police register or property owners",
        ));
    };
    if u.file.is_empty() || u.file_name.is_empty() {
        return Err(bad_upload(
            lang,
            "请选择要导入的文件",
            "choose a file to import",
        ));
    }
    let dry_run = u.mode != "import";
    let sheet = (!u.sheet.is_empty()).then_some(u.sheet.as_str());
    let (result, problem) = match state
        .service
        .import_households(
            caller,
            source,
            &u.file_name,
            &u.file,
            sheet,
            dry_run,
            &|_, _| {},
        )
        .await
    {
        Ok(r) => (Some(result_view(r, u.file_name.clone(), lang)), None),
        Err(e @ ServiceError::Invalid { .. }) => (None, Some(e.localized(lang))),
        Err(e) => return Err(AppError::page(e, lang)),
    };
    Ok(crate::render::html(&ImportPage {
        t: Tr::new(lang),
        nav: Nav::new(&staff, "households"),
        sources: sources(Some(source), lang),
        sheet: u.sheet,
        result,
        problem,
    }))
}

struct ConflictView {
    what: String,
    values: String,
}

struct DoorView {
    address: String,
    household_id: Option<i64>,
    outcome_code: &'static str,
    /// The first door of its outcome (the counts link to it).
    first_of_kind: bool,
    outcome: String,
    sources: String,
    persons: Vec<String>,
    conflicts: Vec<ConflictView>,
    owners_elsewhere: String,
    why: Vec<String>,
}

#[derive(askama::Template)]
#[template(path = "households/crosscheck.html")]
struct CrossCheckPage {
    t: Tr,
    nav: Nav,
    records: usize,
    /// (code, label, count)
    counts: Vec<(&'static str, String, usize)>,
    doors: Vec<DoorView>,
}

fn door_views(r: CrossCheck, lang: Lang) -> Vec<DoorView> {
    let mut seen: Vec<&'static str> = Vec::new();
    r.doors
        .into_iter()
        .map(|d| DoorView {
            first_of_kind: if seen.contains(&d.outcome.code()) {
                false
            } else {
                seen.push(d.outcome.code());
                true
            },
            address: d.address,
            household_id: d.household_id,
            outcome_code: d.outcome.code(),
            outcome: d.outcome.label(lang),
            sources: d
                .sources
                .iter()
                .map(|s| s.label(lang))
                .collect::<Vec<_>>()
                .join("、"),
            persons: d
                .persons
                .iter()
                .map(|p| {
                    let rows: Vec<String> = p
                        .rows
                        .iter()
                        .map(|(s, row)| format!("{} #{row}", s.label(lang)))
                        .collect();
                    format!("{}（{}）", p.name, rows.join("、"))
                })
                .collect(),
            conflicts: d
                .conflicts
                .iter()
                .map(|c| ConflictView {
                    what: lang.pick(&c.zh, &c.en).to_string(),
                    values: c
                        .values
                        .iter()
                        .map(|(s, v)| format!("{}：{v}", s.label(lang)))
                        .collect::<Vec<_>>()
                        .join("；"),
                })
                .collect(),
            owners_elsewhere: d.owners_elsewhere.join("、"),
            why: d
                .pairings
                .iter()
                .map(|(a, b, p)| format!("{a} ~ {b}：{}", p.explain(lang)))
                .collect(),
        })
        .collect()
}

async fn crosscheck(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    let lang = staff.lang;
    let r = state
        .service
        .cross_check(Caller::User(&staff.user))
        .await
        .map_err(|e| AppError::page(e, lang))?;
    let counts = vec![
        (
            "conflicting",
            Outcome::Conflicting.label(lang),
            r.counts.conflicting,
        ),
        (
            "only_one",
            lang.pick("仅一方", "One list only").to_string(),
            r.counts.only_one,
        ),
        (
            "two",
            lang.pick("两方一致", "Two agree").to_string(),
            r.counts.two,
        ),
        (
            "all_three",
            Outcome::AllThree.label(lang),
            r.counts.all_three,
        ),
    ];
    Ok(crate::render::html(&CrossCheckPage {
        t: Tr::new(lang),
        nav: Nav::new(&staff, "households"),
        records: r.records,
        counts,
        doors: door_views(r, lang),
    }))
}

async fn crosscheck_xlsx(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let r = state
        .service
        .cross_check(Caller::User(&staff.user))
        .await
        .map_err(|e| AppError::page(e, lang))?;
    let bytes = r.to_xlsx(lang).map_err(|e| AppError::page(e, lang))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"crosscheck.xlsx\"; filename*=UTF-8''%E4%B8%89%E6%96%B9%E6%A0%B8%E6%9F%A5.xlsx",
            ),
        ],
        bytes,
    )
        .into_response())
}
