//! The household lists on the page: a police register checked, then imported, on the demo
//! street; a bad file refused row by row with nothing written; the cross-check report and
//! its XLSX; and who may not. Router tests on SQLite, or PostgreSQL when
//! YIHAOTAI_TEST_DATABASE_URL is set.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use scraper::{Html, Selector};
use support::*;

fn texts(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

/// A browser's multipart upload of `file` with the form's other fields.
fn upload(cookies: &str, fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> Request<Body> {
    let boundary = "----yihaotai-test-boundary";
    let mut body: Vec<u8> = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::post("/households/import")
        .header(header::COOKIE, cookies)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

const POLICE: &str = "姓名,公民身份号码,联系电话,户籍地址,与户主关系
任霞,,199 0402 6062,锦绣花园12-2-502,户主
任小涛,110105199003078887,,锦绣花园12栋2单元502室,子
";

#[tokio::test]
async fn a_secretary_checks_then_imports_a_list_and_reads_the_cross_check() {
    let a = app().await;
    let (cookies, _) = login(&a.app, "agent", "demo-agent-2026").await;
    let page = send(&a.app, get("/households/import", &cookies)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let doc = Html::parse_document(&page.body);
    let radios = Selector::parse("#import-form input[type=radio][name=source]").unwrap();
    let values: Vec<&str> = doc
        .select(&radios)
        .filter_map(|e| e.value().attr("value"))
        .collect();
    assert_eq!(values, vec!["grid", "police", "property"]);
    let csrf = csrf_in(&page.body);

    // Checked first: nothing is written.
    let fields = [
        ("_csrf", csrf.as_str()),
        ("source", "police"),
        ("mode", "check"),
    ];
    let r = send(
        &a.app,
        upload(&cookies, &fields, "户籍.csv", POLICE.as_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(texts(&r.body, "#n-rows"), vec!["2"]);
    assert_eq!(texts(&r.body, "#n-linked"), vec!["2"]);
    assert!(texts(&r.body, "#import-mapping .tag").contains(&"身份证号 ← 公民身份号码".to_string()));
    assert!(r.body.contains("data-dry-run=\"true\""));
    // The preview masks phones and ID numbers.
    assert!(!r.body.contains("19904026062") && !r.body.contains("110105199003078887"));
    assert_eq!(
        texts(&r.body, "#import-preview tbody tr .c-phone")[0],
        "199****6062"
    );
    let cc = send(&a.app, get("/households/crosscheck", &cookies)).await;
    assert_eq!(
        texts(&cc.body, "#cc-empty").len(),
        1,
        "nothing kept by a check"
    );

    // Then imported.
    let fields = [
        ("_csrf", csrf.as_str()),
        ("source", "police"),
        ("mode", "import"),
    ];
    let r = send(
        &a.app,
        upload(&cookies, &fields, "户籍.csv", POLICE.as_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        texts(&r.body, "#import-done")[0].contains('#'),
        "{}",
        r.body
    );

    // The cross-check: one list so far, the door named and linked to its card.
    let cc = send(&a.app, get("/households/crosscheck", &cookies)).await;
    assert_eq!(cc.status, StatusCode::OK);
    let doc = Html::parse_document(&cc.body);
    let row = Selector::parse("#cc-doors tbody tr.cc-row").unwrap();
    let rows: Vec<_> = doc.select(&row).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].value().attr("data-outcome"), Some("only_one"));
    let link = Selector::parse(".c-address a").unwrap();
    assert_eq!(
        rows[0].select(&link).next().unwrap().value().attr("href"),
        Some("/households/431")
    );
    assert!(texts(&cc.body, "#cc-doors .tag.outcome")[0].contains("派出所户籍"));
    let x = send(&a.app, get("/households/crosscheck.xlsx", &cookies)).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(
        x.content_type().contains("spreadsheetml"),
        "{}",
        x.content_type()
    );
}

#[tokio::test]
async fn a_bad_list_is_refused_row_by_row_and_nothing_is_written() {
    let a = app().await;
    let (cookies, csrf) = login(&a.app, "agent", "demo-agent-2026").await;
    let bad = "姓名,住址,人员类别\n王芳,锦绣花园99栋1单元101,\n,锦绣花园12栋2单元502,\n李强,锦绣花园12栋2单元502,会计\n";
    let fields = [
        ("_csrf", csrf.as_str()),
        ("source", "grid"),
        ("mode", "import"),
    ];
    let r = send(
        &a.app,
        upload(&cookies, &fields, "网格.csv", bad.as_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rows = texts(&r.body, "#import-errors tbody tr td.num");
    assert_eq!(rows, vec!["2", "3", "4"]);
    assert!(r.body.contains("data-errors=\"3\""));
    assert!(texts(&r.body, "#import-errors tbody tr")[0].contains("没有99栋"));
    let cc = send(&a.app, get("/households/crosscheck", &cookies)).await;
    assert_eq!(texts(&cc.body, "#cc-empty").len(), 1);
    // A file that is no spreadsheet is named as such.
    let r = send(&a.app, upload(&cookies, &fields, "list.pdf", b"%PDF-1.4")).await;
    assert!(
        texts(&r.body, "#import-problem")[0].contains(".xlsx"),
        "{}",
        r.body
    );
    // Without the form's token: refused.
    let fields = [("_csrf", "forged"), ("source", "grid"), ("mode", "import")];
    let r = send(
        &a.app,
        upload(&cookies, &fields, "网格.csv", bad.as_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_viewer_or_a_handler_may_not_import_or_read_the_report() {
    let a = app().await;
    for (login_name, pw) in [
        ("viewer", "demo-viewer-2026"),
        ("handler", "demo-handler-2026"),
    ] {
        let (cookies, _) = login(&a.app, login_name, pw).await;
        for uri in [
            "/households/import",
            "/households/crosscheck",
            "/households/crosscheck.xlsx",
        ] {
            let r = send(&a.app, get(uri, &cookies)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{login_name} {uri}");
        }
    }
    let r = send(&a.app, get("/households/import", "")).await;
    assert_ne!(r.status, StatusCode::OK, "anonymous");
}
