//! The binary as an operator runs it: one clear line and a non-zero exit for each way
//! starting can go wrong, and the user and token commands end to end.

use std::process::{Command, Output};

fn yihaotai(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yihaotai"))
        .args(args)
        .current_dir(dir)
        .env_remove("YIHAOTAI_DATABASE_URL")
        .env_remove("YIHAOTAI_CONFIG")
        .env_remove("YIHAOTAI_LISTEN")
        .output()
        .expect("binary runs")
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

    let o = yihaotai(
        &[
            "--database-url",
            "postgres://postgres@127.0.0.1:1/none",
            "migrate",
        ],
        dir.path(),
    );
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("cannot open the database postgres://postgres@127.0.0.1:1/none"),
        "{e}"
    );
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
