//! The router as a client sees it: login with CSRF, sessions, bearer tokens, scoping of
//! pages and API, problem details for bad input. Runs on SQLite, or PostgreSQL when
//! YIHAOTAI_TEST_DATABASE_URL is set.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use support::*;
use yihaotai_service::ServiceConfig;
#[tokio::test]
async fn pages_need_a_session_and_login_checks_password_and_csrf() {
    let a = app().await;
    let r = send(&a.app, get("/admin/areas", "")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=%2Fadmin%2Fareas");

    let page = send(&a.app, get("/login", "")).await;
    assert!(page.body.contains("登录一号台"));
    let pre = page.cookie("yht_pre").unwrap();
    let set = page
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let token = csrf_in(&page.body);
    // Wrong password: the form again, with the reason, and no session.
    let r = send(
        &a.app,
        post_form(
            "/login",
            &format!("yht_pre={pre}"),
            &[
                ("_csrf", &token),
                ("login", "agent"),
                ("password", "nope-nope-nope"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("用户名或密码错误"));
    assert!(r.cookie("yht_session").is_none());
    // Forged CSRF token: refused even with the right password.
    let r = send(
        &a.app,
        post_form(
            "/login",
            &format!("yht_pre={pre}"),
            &[
                ("_csrf", "forged"),
                ("login", "agent"),
                ("password", "demo-agent-2026"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("表单已过期或来源不明"));
    assert!(r.cookie("yht_session").is_none());
    // The session cookie is HttpOnly and SameSite.
    let r = send(
        &a.app,
        post_form(
            "/login",
            &format!("yht_pre={pre}"),
            &[
                ("_csrf", &token),
                ("login", "agent"),
                ("password", "demo-agent-2026"),
            ],
        ),
    )
    .await;
    let set: Vec<String> = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let sess = set.iter().find(|c| c.starts_with("yht_session=")).unwrap();
    assert!(
        sess.contains("HttpOnly") && sess.contains("SameSite=Lax"),
        "{sess}"
    );
}

#[tokio::test]
async fn forged_csrf_on_a_form_changes_nothing_and_expired_sessions_log_in_again() {
    let a = app().await;
    let (cookies, csrf) = login(&a.app, "admin", "demo-admin-2026").await;
    let jinxiu = a
        .svc
        .all_areas()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == "锦绣花园")
        .unwrap();
    let uri = format!("/admin/areas/{}/rename", jinxiu.id);
    let r = send(
        &a.app,
        post_form(&uri, &cookies, &[("_csrf", "forged"), ("name", "被篡改")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(a.svc.store.area(jinxiu.id).await.unwrap().name, "锦绣花园");
    // A bad name re-shows the form with the reason (422) and changes nothing.
    let r = send(
        &a.app,
        post_form(&uri, &cookies, &[("_csrf", &csrf), ("name", "   ")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("区域名称不能为空"));
    assert_eq!(a.svc.store.area(jinxiu.id).await.unwrap().name, "锦绣花园");
    let r = send(
        &a.app,
        post_form(
            &uri,
            &cookies,
            &[
                ("_csrf", &csrf),
                ("name", "锦绣花园东区"),
                ("aliases", "锦绣，锦绣小区"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let after = a.svc.store.area(jinxiu.id).await.unwrap();
    assert_eq!(after.name, "锦绣花园东区");
    assert_eq!(
        after.aliases,
        vec!["锦绣".to_string(), "锦绣小区".to_string()]
    );
    // Control level with a bad time: 422 and unchanged.
    let r = send(
        &a.app,
        post_form(
            &format!("/admin/areas/{}/control", jinxiu.id),
            &cookies,
            &[
                ("_csrf", &csrf),
                ("level", "controlled"),
                ("effective_at", "tomorrow"),
                ("reason", "x"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("格式无效"));
    // After the session's lifetime, pages send the user to log in again.
    a.clock.advance(ServiceConfig::default().session_ttl_ms + 1);
    let r = send(&a.app, get("/admin/areas", &cookies)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=%2Fadmin%2Fareas&expired=1");
    let page = send(&a.app, get(r.location(), "")).await;
    assert!(page.body.contains("登录已过期"));
}

#[tokio::test]
async fn logout_ends_the_session() {
    let a = app().await;
    let (cookies, csrf) = login(&a.app, "agent", "demo-agent-2026").await;
    let r = send(
        &a.app,
        post_form("/logout", &cookies, &[("_csrf", "wrong")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(&a.app, post_form("/logout", &cookies, &[("_csrf", &csrf)])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?out=1");
    assert_eq!(
        send(&a.app, get("/", &cookies)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn english_is_a_cookie_away() {
    let a = app().await;
    let r = send(&a.app, get("/lang/en?next=/login", "")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
    assert_eq!(r.cookie("yht_lang").as_deref(), Some("en"));
    let page = send(&a.app, get("/login", "yht_lang=en")).await;
    assert!(page.body.contains("Log in to Desk No. 1"));
    assert!(page.body.contains("lang=\"en\""));
    assert_eq!(
        send(&a.app, get("/lang/en?next=//evil.example", ""))
            .await
            .location(),
        "/"
    );
}

#[tokio::test]
async fn api_tokens_me_and_scoped_areas() {
    let a = app().await;
    let r = send(&a.app, get("/api/v1/me", "")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
    let bad = Request::get("/api/v1/me")
        .header(header::AUTHORIZATION, "Bearer yht_forged")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&a.app, bad).await.status, StatusCode::UNAUTHORIZED);

    let token = a.svc.create_api_token("qingshi", "test").await.unwrap();
    let auth = format!("Bearer {}", token.expose());
    let call = |method: &str, uri: &str, body: Option<&str>| {
        let b = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, &auth);
        match body {
            Some(j) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(j.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        }
    };
    let me = send(&a.app, call("GET", "/api/v1/me", None)).await.json();
    assert_eq!(me["login"], "qingshi");
    assert_eq!(me["roles"], serde_json::json!(["admin"]));
    assert_eq!(me["areas"][0]["name"], "青石社区");

    let areas = send(&a.app, call("GET", "/api/v1/areas", None))
        .await
        .json();
    let names: Vec<&str> = areas["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"锦绣花园") && names.contains(&"翠竹苑"));
    assert!(
        !names.contains(&"和平里") && !names.contains(&"柳岸社区") && !names.contains(&"望江街道")
    );
    let heping = a
        .svc
        .all_areas()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == "和平里")
        .unwrap();
    let jinxiu = a
        .svc
        .all_areas()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == "锦绣花园")
        .unwrap();
    assert_eq!(
        send(
            &a.app,
            call("GET", &format!("/api/v1/areas/{}", heping.id), None)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let r = send(
        &a.app,
        call(
            "PATCH",
            &format!("/api/v1/areas/{}", heping.id),
            Some(r#"{"name":"改名"}"#),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(a.svc.store.area(heping.id).await.unwrap().name, "和平里");
    let r = send(
        &a.app,
        call(
            "POST",
            &format!("/api/v1/areas/{}/control-level", heping.id),
            Some(r#"{"level":"sealed","reason":"x"}"#),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Agencies and users of the other community are not listed.
    let ag = send(&a.app, call("GET", "/api/v1/agencies", None))
        .await
        .json();
    assert!(ag["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| !g["name"].as_str().unwrap().contains("柳岸")));
    let us = send(&a.app, call("GET", "/api/v1/users", None))
        .await
        .json();
    assert!(us["users"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["login"] != "liuan"));

    // Bad JSON and unknown fields: 422 naming the body; bad codes name the field.
    let r = send(&a.app, call("POST", "/api/v1/areas", Some("{not json"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "body");
    let r = send(
        &a.app,
        call(
            "POST",
            "/api/v1/areas",
            Some(&format!(
                r#"{{"parent_id":{},"kind":"building","name":"21栋","colour":"red"}}"#,
                jinxiu.id
            )),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = send(
        &a.app,
        call(
            "POST",
            "/api/v1/areas",
            Some(&format!(
                r#"{{"parent_id":{},"kind":"tower","name":"21栋"}}"#,
                jinxiu.id
            )),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "area_kind");
    let before = a.svc.all_areas().await.unwrap().len();
    let r = send(
        &a.app,
        call(
            "POST",
            "/api/v1/areas",
            Some(&format!(
                r#"{{"parent_id":{},"kind":"building","name":"21栋"}}"#,
                jinxiu.id
            )),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["name"], "21栋");
    assert_eq!(a.svc.all_areas().await.unwrap().len(), before + 1);
    let r = send(&a.app, call("POST", &format!("/api/v1/areas/{}/control-level", jinxiu.id), Some(r#"{"level":"controlled","effective_at":"2026-11-23T20:00:00+08:00","reason":"降级"}"#))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn scoped_pages_and_session_api_need_csrf() {
    let a = app().await;
    let (cookies, csrf) = login(&a.app, "qingshi", "demo-qingshi-2026").await;
    let heping = a
        .svc
        .all_areas()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == "和平里")
        .unwrap();
    let r = send(
        &a.app,
        get(&format!("/admin/areas/{}", heping.id), &cookies),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(
        &a.app,
        post_form(
            &format!("/admin/areas/{}/rename", heping.id),
            &cookies,
            &[("_csrf", &csrf), ("name", "改名")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(a.svc.store.area(heping.id).await.unwrap().name, "和平里");
    let tree = send(&a.app, get("/admin/areas", &cookies)).await;
    assert!(tree.body.contains("锦绣花园") && !tree.body.contains("和平里"));
    let liuan = a.svc.user_by_login("liuan").await.unwrap();
    assert_eq!(
        send(&a.app, get(&format!("/admin/users/{}", liuan.id), &cookies))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The API with a session cookie: reads work, writes need X-CSRF-Token.
    assert_eq!(
        send(&a.app, get("/api/v1/me", &cookies)).await.status,
        StatusCode::OK
    );
    let jinxiu = a
        .svc
        .all_areas()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == "锦绣花园")
        .unwrap();
    let patch = |tok: &str| {
        Request::patch(format!("/api/v1/areas/{}", jinxiu.id))
            .header(header::COOKIE, &cookies)
            .header("x-csrf-token", tok)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"name":"锦绣花园"}"#))
            .unwrap()
    };
    assert_eq!(
        send(&a.app, patch("forged")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(send(&a.app, patch(&csrf)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn health_readiness_metrics_and_request_ids() {
    let a = app().await;
    let r = send(&a.app, get("/healthz", "")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers.get("x-request-id").is_some());
    assert_eq!(send(&a.app, get("/readyz", "")).await.body, "ready\n");
    // Not served to the public on the desk's address without a token...
    assert_eq!(
        send(&a.app, get("/metrics", "")).await.status,
        StatusCode::NOT_FOUND
    );
    // ...and with one, only to a request bearing it.
    let token = "metrics-token-0123456789";
    let web = yihaotai_web::WebConfig {
        metrics_token: Some(token.into()),
        ..Default::default()
    };
    let state = yihaotai_web::AppState::new(a.svc.clone(), web);
    let guarded = yihaotai_web::build_app(state.clone());
    let with = |t: &str| {
        Request::get("/metrics")
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        send(&guarded, with("wrong-token-0123456789")).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Invented methods are counted under one label, so they cannot grow the figures.
    for m in ["BREW", "PROPFIND-XYZ", "QWERTY"] {
        let req = Request::builder()
            .method(m)
            .uri("/healthz")
            .body(Body::empty())
            .unwrap();
        send(&a.app, req).await;
    }
    let m = send(&guarded, with(token)).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(m.body.contains("http_requests_total"), "{}", m.body);
    assert!(m.body.contains("route=\"/healthz\""));
    assert!(m.body.contains("method=\"other\""), "{}", m.body);
    assert!(!m.body.contains("BREW"), "{}", m.body);
    // The separate metrics address serves them without a login.
    let ops = yihaotai_web::ops::metrics_router(state);
    assert_eq!(send(&ops, get("/metrics", "")).await.status, StatusCode::OK);
    a.svc.store.close().await;
    assert_eq!(
        send(&a.app, get("/readyz", "")).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

/// What a careful attacker tried through the pages (issue 7): the household picker for
/// roles that do not record requests, responses kept by caches, control characters and
/// oversized forms, redirects that leave the site, unknown addresses and bad tokens.
#[tokio::test]
async fn pages_refuse_what_an_attacker_tries_and_say_so_clearly() {
    let a = app().await;
    // The picker: refused to roles that do not record requests, never stored by caches.
    for (who, pw) in [("viewer", "demo-viewer-2026"), ("gate", "demo-gate-2026")] {
        let (cookies, _) = login(&a.app, who, pw).await;
        let r = send(
            &a.app,
            get("/tickets/households?q=%E9%94%A6%E7%BB%A3", &cookies),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.body);
        assert!(!r.body.contains("138"), "{}", r.body);
    }
    let (agent, csrf) = login(&a.app, "agent", "demo-agent-2026").await;
    let r = send(
        &a.app,
        get(
            "/tickets/households?q=%E9%94%A6%E7%BB%A3%E8%8A%B1%E5%9B%AD3%E6%A0%8B",
            &agent,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let hits = r.json();
    let phones = hits[0]["phones"].as_str().unwrap_or("");
    assert!(phones.contains("****"), "masked in the picker: {phones}");

    // A NUL in a form field: the page says which field, and nothing is saved.
    let before = a.svc.store.count_tickets().await.unwrap();
    let r = send(
        &a.app,
        post_form(
            "/tickets/new",
            &agent,
            &[
                ("_csrf", &csrf),
                ("content", "药没了\u{0}"),
                ("category", "medicine"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("content"), "the field is named: {}", r.body);
    assert!(r.body.contains("控制字符"), "{}", r.body);
    assert_eq!(a.svc.store.count_tickets().await.unwrap(), before);

    // A form over a megabyte: 413 as a page in the user's language.
    let big = "药".repeat(400_000);
    let r = send(
        &a.app,
        post_form(
            "/tickets/new",
            &agent,
            &[("_csrf", &csrf), ("content", &big)],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("上限"), "{}", r.body);
    assert!(r.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));

    // An id that is not a number, and an address nothing answers: the error page.
    let r = send(&a.app, get("/admin/areas/abc", &agent)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("id=\"error-message\""), "{}", r.body);
    assert!(!r.body.contains("Cannot parse"), "{}", r.body);
    let r = send(&a.app, get("/no-such-page", &agent)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("id=\"error-message\""), "{}", r.body);
    let r = send(&a.app, get("/api/v1/no-such-thing", "")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");

    // Redirects stay on the site, whatever a tab or newline tries.
    for next in [
        "/%09/evil.example/",
        "/%0a/evil.example/",
        "//evil.example/",
    ] {
        let r = send(&a.app, get(&format!("/lang/en?next={next}"), "")).await;
        assert_eq!(r.location(), "/", "{next}");
    }

    // A bad bearer token is told it is the token, not that a login is missing.
    let bad = Request::get("/api/v1/me")
        .header(header::AUTHORIZATION, "Bearer yht_nope")
        .body(Body::empty())
        .unwrap();
    let r = send(&a.app, bad).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("令牌"), "{}", r.body);
    assert!(!r.body.contains("请先登录"), "{}", r.body);

    // A method the address does not take: problem details, and the methods it does.
    let r = send(
        &a.app,
        Request::delete("/api/v1/me").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
    assert!(r.headers.get(header::ALLOW).is_some());

    // The favicon exists.
    assert_eq!(
        send(&a.app, get("/favicon.ico", "")).await.status,
        StatusCode::OK
    );
}

/// Posts the login form with a fresh pre-login token; `headers` are added to the request.
async fn try_login(
    app: &axum::Router,
    login: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> Resp {
    let page = send(app, get("/login", "")).await;
    let pre = page.cookie("yht_pre").unwrap();
    let token = csrf_in(&page.body);
    let mut req = post_form(
        "/login",
        &format!("yht_pre={pre}"),
        &[
            ("_csrf", &token),
            ("login", login),
            ("password", password),
            ("next", "/"),
        ],
    );
    for (k, v) in headers {
        req.headers_mut().insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    let mut r = send(app, req).await;
    // The page repeats the pre-login token, which differs per request; the rest must not.
    r.body = r.body.replace(&token, "TOKEN");
    r
}

#[tokio::test]
async fn a_disabled_account_gets_the_same_answer_as_a_wrong_password() {
    let a = app().await;
    let wrong = try_login(&a.app, "viewer", "wrong password", &[]).await;
    let viewer = a.svc.user_by_login("viewer").await.unwrap();
    a.svc
        .set_user_active(yihaotai_service::admin::Caller::System, viewer.id, false)
        .await
        .unwrap();
    let right = try_login(&a.app, "viewer", "demo-viewer-2026", &[]).await;
    let wrong_again = try_login(&a.app, "viewer", "wrong password", &[]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    for r in [&right, &wrong_again] {
        assert_eq!(r.status, wrong.status);
        assert_eq!(r.body, wrong.body);
    }
    assert!(right.body.contains("用户名或密码错误"));
    assert!(!right.body.contains("停用"));
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_guessing_client_is_locked_out_not_the_office() {
    let db = yihaotai_store::testing::TestDb::new().await;
    let config = ServiceConfig {
        max_logins_per_address: 3,
        login_delay_base_ms: 1,
        login_delay_max_ms: 2,
        trust_forwarded_for: true,
        ..ServiceConfig::default()
    };
    let svc = yihaotai_service::Service::new(
        db.store.clone(),
        std::sync::Arc::new(yihaotai_service::ManualClock::new(T0)),
        config,
    );
    svc.bootstrap().await.unwrap();
    svc.load_demo().await.unwrap();
    let app = yihaotai_web::build_app(yihaotai_web::AppState::new(
        svc,
        yihaotai_web::WebConfig::default(),
    ));
    // The client may put anything first; the proxy's own entry (the last) counts.
    let attacker = [("x-forwarded-for", "10.9.9.9, 203.0.113.50")];
    for _ in 0..3 {
        let r = try_login(&app, "agent", "wrong password", &attacker).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = try_login(&app, "agent", "demo-agent-2026", &attacker).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(r.headers.get(header::RETRY_AFTER).unwrap(), "900");
    let spoofed = [("x-forwarded-for", "203.0.113.51, 203.0.113.50")];
    let r = try_login(&app, "agent", "demo-agent-2026", &spoofed).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "a spoofed first entry does not help"
    );
    let office = [("x-forwarded-for", "198.51.100.7")];
    let r = try_login(&app, "agent", "demo-agent-2026", &office).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "the real user gets in: {}",
        r.body
    );
}

#[tokio::test]
async fn the_password_form_says_that_sessions_and_tokens_end() {
    let a = app().await;
    let (cookies, _) = login(&a.app, "admin", "demo-admin-2026").await;
    let agent = a.svc.user_by_login("agent").await.unwrap();
    let r = send(
        &a.app,
        get(&format!("/admin/users/{}", agent.id.0), &cookies),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("所有 API 令牌立即吊销"), "{}", r.body);
}
