//! The binary as an operator runs it: one clear line and a non-zero exit for each way
//! starting can go wrong, and the user and token commands end to end.

use std::process::{Command, Output};

fn yihaotai(args: &[&str], dir: &std::path::Path) -> Output {
    yihaotai_with(args, dir, &[])
}

/// The binary with only the given `YIHAOTAI_*` variables set.
fn yihaotai_with(args: &[&str], dir: &std::path::Path, vars: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yihaotai"));
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("YIHAOTAI_")) {
        c.env_remove(name);
    }
    c.args(args)
        .current_dir(dir)
        .envs(vars.iter().copied())
        .output()
        .expect("binary runs")
}

/// Terminal cells: CJK characters take two.
fn cells(s: &str) -> usize {
    s.chars()
        .map(|c| if c.len_utf8() > 1 { 2 } else { 1 })
        .sum()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn startup_failures_are_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let o = yihaotai(
        &["--database-url", "mysql://root@localhost/x", "migrate"],
        dir.path(),
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("unsupported scheme"), "{}", stderr(&o));

    let start = std::time::Instant::now();
    let o = yihaotai(
        &[
            "--database-url",
            "postgres://postgres:secret@127.0.0.1:1/none",
            "migrate",
        ],
        dir.path(),
    );
    let took = start.elapsed();
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("cannot open the database postgres://postgres:****@127.0.0.1:1/none"),
        "{e}"
    );
    assert_eq!(e.matches("127.0.0.1:1").count(), 1, "the URL once: {e}");
    assert!(e.contains("connection refused"), "says why: {e}");
    assert!(!e.contains("secret"), "{e}");
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    assert_eq!(e.lines().filter(|l| l.starts_with("error:")).count(), 1);

    std::fs::write(dir.path().join("bad.toml"), "listen = \"nowhere\"\n").unwrap();
    let o = yihaotai(&["--config", "bad.toml", "migrate"], dir.path());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("listen = 'nowhere'"), "{}", stderr(&o));
    std::fs::write(
        dir.path().join("typo.toml"),
        "databse_url = \"sqlite://x.db\"\n",
    )
    .unwrap();
    let o = yihaotai(&["--config", "typo.toml", "migrate"], dir.path());
    assert!(stderr(&o).contains("databse_url"), "{}", stderr(&o));
    assert!(!dir.path().join("x.db").exists(), "nothing was created");

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let o = yihaotai(
        &[
            "--database-url",
            "sqlite://busy.db",
            "serve",
            "--listen",
            &addr,
        ],
        dir.path(),
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("already in use"), "{}", stderr(&o));
}

#[test]
fn users_and_tokens_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = ["--database-url", "sqlite://cli.db"];
    let o = yihaotai(&[&db[..], &["demo"]].concat(), dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("2216 households"));
    assert!(stdout(&o).contains("demo-agent-2026"));
    let o = yihaotai(&[&db[..], &["demo"]].concat(), dir.path());
    assert!(stdout(&o).contains("already loaded"));

    let o = yihaotai(
        &[
            &db[..],
            &[
                "user",
                "add",
                "wang",
                "--name",
                "王芳",
                "--roles",
                "agent,dispatcher",
                "--area",
                "青石社区",
            ],
        ]
        .concat(),
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("password: "));
    let o = yihaotai(
        &[
            &db[..],
            &[
                "user",
                "add",
                "li",
                "--name",
                "李",
                "--roles",
                "boss",
                "--area",
                "青石社区",
            ],
        ]
        .concat(),
        dir.path(),
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--roles"), "{}", stderr(&o));
    let o = yihaotai(
        &[
            &db[..],
            &[
                "user",
                "add",
                "li",
                "--name",
                "李",
                "--roles",
                "agent",
                "--area",
                "不存在的社区",
            ],
        ]
        .concat(),
        dir.path(),
    );
    assert!(stderr(&o).contains("no area is named"), "{}", stderr(&o));

    let list = stdout(&yihaotai(
        &[&db[..], &["user", "list"]].concat(),
        dir.path(),
    ));
    assert!(list.contains("wang") && list.contains("agent,dispatcher") && !list.contains(" li "));
    // The roles column starts in the same terminal column on every line, Chinese names or not.
    let header = list.lines().next().unwrap();
    let wang = list.lines().find(|l| l.contains("wang")).unwrap();
    assert_eq!(
        cells(&header[..header.find("roles").unwrap()]),
        cells(&wang[..wang.find("agent,dispatcher").unwrap()]),
        "{list}"
    );

    let o = yihaotai(
        &[&db[..], &["token", "create", "--user", "wang"]].concat(),
        dir.path(),
    );
    assert!(o.status.success());
    assert!(stdout(&o).trim().starts_with("yht_"));
    let o = yihaotai(
        &[&db[..], &["token", "create", "--user", "ghost"]].concat(),
        dir.path(),
    );
    assert!(stderr(&o).contains("no account named 'ghost'"));

    let o = yihaotai(
        &[&db[..], &["user", "disable", "wang"]].concat(),
        dir.path(),
    );
    assert!(o.status.success());
    let list = stdout(&yihaotai(
        &[&db[..], &["user", "list"]].concat(),
        dir.path(),
    ));
    let wang = list.lines().find(|l| l.contains("wang")).unwrap();
    assert!(wang.contains(" no "), "{wang}");
}

#[test]
fn configuration_mistakes_exit_2_and_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let db = ["--database-url", "sqlite://conf.db"];
    let migrate = [&db[..], &["migrate"]].concat();

    let o = yihaotai_with(
        &migrate,
        dir.path(),
        &[("YIHAOTAI_LOG_LEVEL", "yihaotai=loud")],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("log_level 'yihaotai=loud'"),
        "{}",
        stderr(&o)
    );

    std::fs::write(
        dir.path().join("lex.toml"),
        "triage_lexicon = \"missing.toml\"\n",
    )
    .unwrap();
    for cmd in [&["migrate"][..], &["triage", "eval"]] {
        let o = yihaotai(
            &[&["--config", "lex.toml"][..], &db, cmd].concat(),
            dir.path(),
        );
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {e}");
        assert_eq!(e.trim().lines().count(), 1, "{cmd:?}: one line: {e}");
        assert!(e.contains("triage_lexicon missing.toml"), "{cmd:?}: {e}");
    }

    std::fs::write(
        dir.path().join("broken.toml"),
        "listen = \"127.0.0.1:8080\"\nlog_level = [\n",
    )
    .unwrap();
    let o = yihaotai(&["--config", "broken.toml", "migrate"], dir.path());
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.lines().count() > 2, "TOML's layout is kept: {e}");
    assert!(e.contains("broken.toml") && e.contains("line 2"), "{e}");

    let o = yihaotai_with(
        &migrate,
        dir.path(),
        &[("YIHAOTAI_DATABSE_URL", "sqlite://typo.db")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("YIHAOTAI_DATABSE_URL is not a setting and is ignored; did you mean YIHAOTAI_DATABASE_URL?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn migrate_says_once_what_it_did_and_logs_to_a_file_have_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let migrate = ["--database-url", "sqlite://m.db", "migrate"];
    let o = yihaotai(&migrate, dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("applied ") && out.contains(" migrations to sqlite://m.db"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(!stderr(&o).contains("applied="), "{}", stderr(&o));
    let o = yihaotai(&migrate, dir.path());
    assert_eq!(stdout(&o), "database sqlite://m.db is up to date\n");

    // stderr is a pipe here, as when it goes to a file or a journal.
    let o = yihaotai(&["--database-url", "sqlite://d.db", "demo"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("migrations applied"), "{}", stderr(&o));
    assert!(!stderr(&o).contains('\u{1b}'), "{:?}", stderr(&o));
}

/// Against PostgreSQL when YIHAOTAI_TEST_DATABASE_URL names a server (`.ci/run` sets it).
#[test]
fn postgres_commands_print_no_server_notices() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    if std::env::var(yihaotai_store::testing::TEST_DB_ENV).is_err() {
        eprintln!(
            "skipped: {} is not set",
            yihaotai_store::testing::TEST_DB_ENV
        );
        return;
    }
    let db = rt.block_on(yihaotai_store::testing::TestDb::new());
    let dir = tempfile::tempdir().unwrap();
    for cmd in [&["migrate"][..], &["user", "list"]] {
        let o = yihaotai(
            &[&["--database-url", &db.url][..], cmd].concat(),
            dir.path(),
        );
        assert!(o.status.success(), "{cmd:?}: {}", stderr(&o));
        assert!(
            !stderr(&o).contains("already exists"),
            "{cmd:?}: {}",
            stderr(&o)
        );
    }
    drop(db);
}

/// A database of the release of 2026-12-02 with twenty tickets, upgraded by this binary's
/// store, one projection then spoiled: `--check` finds it and changes nothing, the rebuild
/// rewrites it, and a second check finds every projection equal to its events.
#[test]
fn rebuild_projections_checks_and_rewrites_from_the_events() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = yihaotai_store::Store::connect(&url).await.unwrap();
        yihaotai_store::testing::upgrade_from_20261202(&store).await;
        store
            .execute_script("UPDATE tickets SET status = 'registered', state = '{}' WHERE id = 7")
            .await
            .unwrap();
        store.close().await;
    });
    let check = [
        "--database-url",
        url.as_str(),
        "rebuild-projections",
        "--check",
    ];
    let o = yihaotai(&check, dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).starts_with("20 tickets replayed in ")
            && stdout(&o).contains("1 projection(s) differed"),
        "{}",
        stdout(&o)
    );
    assert!(stderr(&o).contains("first: ticket 7"), "{}", stderr(&o));
    // The check changed nothing: still one to rebuild.
    let o = yihaotai(&check[..3], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 projection(s) differed from their events, 1 rewritten"),
        "{}",
        stdout(&o)
    );
    let o = yihaotai(&check, dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("0 projection(s) differed"),
        "{}",
        stdout(&o)
    );
}

/// The binary with `input` on its standard input.
fn yihaotai_input(args: &[&str], dir: &std::path::Path, input: &str) -> Output {
    use std::io::Write;
    let mut c = Command::new(env!("CARGO_BIN_EXE_yihaotai"));
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("YIHAOTAI_")) {
        c.env_remove(name);
    }
    let mut child = c
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().expect("binary ends")
}

#[test]
fn init_stands_up_a_street_on_a_new_database_and_refuses_on_any_other() {
    let dir = tempfile::tempdir().unwrap();
    let db = ["--database-url", "sqlite://street.db"];
    let init = |extra: &[&'static str]| -> Vec<&'static str> {
        [
            &db[..],
            &["init", "--street", "青石街道", "--name", "王芳"],
            extra,
        ]
        .concat()
    };
    // A password too short is refused before anything is written.
    let o = yihaotai_input(&init(&["--password-stdin"]), dir.path(), "short\n");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("password"), "{}", stderr(&o));
    let o = yihaotai(&[&db[..], &["user", "list"]].concat(), dir.path());
    assert!(!stdout(&o).contains("admin"), "{}", stdout(&o));

    let o = yihaotai(&init(&[]), dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("created the street '青石街道'"), "{out}");
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .and_then(|l| l.split_whitespace().next())
        .expect("the generated password, printed once");
    assert!(password.len() >= 12, "{password}");
    let o = yihaotai(&[&db[..], &["user", "list"]].concat(), dir.path());
    let list = stdout(&o);
    assert!(list.contains("admin") && list.contains("王芳"), "{list}");

    // The administrator serves the street: staff can be added under it by name.
    let o = yihaotai(
        &[
            &db[..],
            &[
                "user",
                "add",
                "li",
                "--name",
                "李强",
                "--roles",
                "agent",
                "--area",
                "青石街道",
            ],
        ]
        .concat(),
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));

    // The territory from a spreadsheet: a bad file is refused row by row and changes
    // nothing; a good one adds its areas, and staff can then serve a community by name.
    std::fs::write(
        dir.path().join("bad.csv"),
        "上级,类型,名称\n青石街道,社区,青石社区\n青石社区,大楼,3号楼\n",
    )
    .unwrap();
    let o = yihaotai(
        &[&db[..], &["import", "areas", "bad.csv"]].concat(),
        dir.path(),
    );
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("row 3, 类型 '大楼': not a level"), "{e}");
    assert!(e.contains("nothing was imported"), "{e}");
    std::fs::write(
        dir.path().join("areas.csv"),
        "上级,类型,名称\n青石街道,社区,青石社区\n青石社区,小区,锦绣花园\n",
    )
    .unwrap();
    let o = yihaotai(
        &[&db[..], &["import", "areas", "areas.csv", "--dry-run"]].concat(),
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("would add 2 area(s)"), "{}", stdout(&o));
    let o = yihaotai(
        &[&db[..], &["import", "areas", "areas.csv"]].concat(),
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("added 青石街道/青石社区/锦绣花园"),
        "{}",
        stdout(&o)
    );
    let o = yihaotai(
        &[
            &db[..],
            &[
                "user",
                "add",
                "qs",
                "--name",
                "书记",
                "--roles",
                "admin",
                "--area",
                "青石社区",
            ],
        ]
        .concat(),
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));

    // The agencies from a spreadsheet, the same way.
    std::fs::write(
        dir.path().join("agencies.csv"),
        "名称,类型,所属区域,服务类别\n青石医疗组,医疗保障组,青石社区,就医\n锦绣物业,物业,锦绣花园,\n",
    )
    .unwrap();
    let o = yihaotai(
        &[&db[..], &["import", "agencies", "agencies.csv"]].concat(),
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("added 2 agency(ies)"), "{}", stdout(&o));
    std::fs::write(
        dir.path().join("bad-agencies.csv"),
        "名称,类型,所属区域\n警务组,警察局,青石社区\n",
    )
    .unwrap();
    let o = yihaotai(
        &[&db[..], &["import", "agencies", "bad-agencies.csv"]].concat(),
        dir.path(),
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("row 2, 类型 '警察局'"),
        "{}",
        stderr(&o)
    );
    std::fs::write(
        dir.path().join("staff.csv"),
        "登录名,姓名,角色,负责区域,所属单位\nyi,易医生,承办人员,锦绣花园,青石医疗组\n",
    )
    .unwrap();
    let o = yihaotai(
        &[&db[..], &["import", "users", "staff.csv"]].concat(),
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("added yi   password: "), "{out}");
    assert!(out.contains("added 1 account(s)"), "{out}");

    // A household list: the source is required and named; the grid list registers the
    // cards of its doors (a territory without buildings places them in the compound).
    std::fs::write(
        dir.path().join("grid.csv"),
        "姓名,联系电话,住址,人员类别\n金桂凤,139 1234 5678,锦绣花园12-2-502,独居\n任霞,12345,锦绣花园7栋1单元601,\n",
    )
    .unwrap();
    let o = yihaotai(
        &[
            &db[..],
            &["import", "households", "grid.csv", "--source", "school"],
        ]
        .concat(),
        dir.path(),
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("use grid"), "{}", stderr(&o));
    let o = yihaotai(
        &[
            &db[..],
            &["import", "households", "grid.csv", "--source", "网格"],
        ]
        .concat(),
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("姓名 <- 姓名"), "{out}");
    assert!(out.contains("note: row 3, 联系电话 '12345'"), "{out}");
    assert!(
        out.contains("kept 2 row(s) of the grid workers' list: 0 on a card already there, 2 on 2 new card(s)"),
        "{out}"
    );

    std::fs::write(
        dir.path().join("property.csv"),
        "业主,业主电话,住址\n金桂凤,13800000000,锦绣花园12-2-502\n",
    )
    .unwrap();
    let o = yihaotai(
        &[
            &db[..],
            &[
                "import",
                "households",
                "property.csv",
                "--source",
                "property",
            ],
        ]
        .concat(),
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = yihaotai(
        &[
            &db[..],
            &["crosscheck", "--lang", "en", "--xlsx", "report.xlsx"],
        ]
        .concat(),
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("all three: 0 · two: 0 · conflicting: 1 · one only: 1 (3 rows)"),
        "{out}"
    );
    assert!(
        out.contains("the lists give 金桂凤 different phones"),
        "{out}"
    );
    assert!(dir.path().join("report.xlsx").exists());

    // Again, or on the demo street: refused, saying why, and nothing changes.
    let o = yihaotai(&init(&["--login", "boss"]), dir.path());
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("already has accounts (4) and areas (3)"),
        "{}",
        stderr(&o)
    );
    let demo = ["--database-url", "sqlite://demo.db"];
    assert!(yihaotai(&[&demo[..], &["demo"]].concat(), dir.path())
        .status
        .success());
    let o = yihaotai(
        &[&demo[..], &["init", "--street", "x街道", "--name", "x"]].concat(),
        dir.path(),
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("init is for a new database"),
        "{}",
        stderr(&o)
    );
}
