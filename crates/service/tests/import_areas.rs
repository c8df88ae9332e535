//! A street stood up with `init` (and an `init` cut short, finished), and the territory
//! imported from a spreadsheet onto it: CSV in UTF-8 and in GBK, XLSX, a dry run, a second
//! import of the same file, and bad files whose every problem is named by row, column and
//! value while nothing is written. On SQLite, or
//! PostgreSQL when YIHAOTAI_TEST_DATABASE_URL is set.

mod support;

use support::*;
use yihaotai_domain::vocab::Lang;
use yihaotai_service::admin::Caller;

const TERRITORY: &str = "上级,类型,名称,别名
望江街道,社区,青石社区,青石
望江街道,社区,柳岸社区,
青石社区,小区,锦绣花园,锦绣、锦绣园
锦绣花园,楼栋,3号楼,
望江街道/青石社区/锦绣花园/3号楼,单元,1单元,
柳岸社区,小区院落,和平里,
";

async fn names(d: &Desk) -> Vec<String> {
    let mut v: Vec<String> = d
        .svc
        .all_areas()
        .await
        .unwrap()
        .into_iter()
        .map(|a| format!("{}:{}", a.kind.code(), a.name))
        .collect();
    v.sort();
    v
}

async fn import(
    d: &Desk,
    file: &str,
    bytes: &[u8],
    dry_run: bool,
) -> yihaotai_service::import::areas::AreaImport {
    d.svc
        .import_areas(Caller::System, file, bytes, None, dry_run)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_territory_file_adds_its_areas_once_and_a_dry_run_writes_nothing() {
    let d = empty_street().await;
    let dry = import(&d, "territory.csv", TERRITORY.as_bytes(), true).await;
    assert!(dry.errors.is_empty(), "{:?}", dry.errors);
    assert_eq!(dry.added.len(), 6);
    assert_eq!(
        names(&d).await,
        vec!["street:望江街道"],
        "a dry run writes nothing"
    );

    let done = import(&d, "territory.csv", TERRITORY.as_bytes(), false).await;
    assert_eq!(done.added[4], "望江街道/青石社区/锦绣花园/3号楼/1单元");
    assert_eq!(
        names(&d).await,
        vec![
            "building:3号楼",
            "community:柳岸社区",
            "community:青石社区",
            "compound:和平里",
            "compound:锦绣花园",
            "entrance:1单元",
            "street:望江街道"
        ]
    );
    let jinxiu = area_named(&d.svc, "锦绣花园").await;
    assert_eq!(
        jinxiu.aliases,
        vec!["锦绣".to_string(), "锦绣园".to_string()]
    );
    let qingshi = area_named(&d.svc, "青石社区").await;
    assert!(jinxiu.path.is_within(&qingshi.path));
    // Each area added is audited with it.
    let admin = user(&d.svc, "admin").await;
    let log = d.svc.audit_for(&admin, 100).await.unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "area.add").count(), 6);

    // The same file again: everything is already there.
    let again = import(&d, "territory.csv", TERRITORY.as_bytes(), false).await;
    assert_eq!((again.added.len(), again.unchanged), (0, 6));
    assert_eq!(names(&d).await.len(), 7);
}

#[tokio::test]
async fn gbk_csv_and_xlsx_read_as_the_same_territory() {
    let gbk = empty_street().await;
    let (bytes, _, _) = encoding_rs::GBK.encode(TERRITORY);
    assert!(std::str::from_utf8(&bytes).is_err(), "really GBK");
    let r = import(&gbk, "片区.csv", &bytes, false).await;
    assert!(r.errors.is_empty(), "{:?}", r.errors);

    let xlsx = empty_street().await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in TERRITORY.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    // A number typed in a cell reads as typed.
    sheet.write_string(7, 0, "锦绣花园").unwrap();
    sheet.write_string(7, 1, "楼栋").unwrap();
    sheet.write_number(7, 2, 12.0).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let r = import(&xlsx, "territory.xlsx", &bytes, false).await;
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let mut want = names(&gbk).await;
    want.push("building:12".into());
    want.sort();
    assert_eq!(names(&xlsx).await, want);
}

#[tokio::test]
async fn every_bad_row_is_named_and_nothing_is_written() {
    let d = empty_street().await;
    let bad = "名称,类型,上级
青石社区,社区,望江街道
锦绣花园,大楼,青石社区
和平里,小区,不存在社区
,小区,青石社区
青石社区,社区,望江街道
1单元,单元,青石社区
";
    let r = import(&d, "bad.csv", bad.as_bytes(), false).await;
    let got: Vec<String> = r.errors.iter().map(|e| e.localized(Lang::En)).collect();
    assert_eq!(got.len(), 4, "{got:#?}");
    assert!(
        got[0].starts_with("row 3, 类型 '大楼': not a level"),
        "{got:#?}"
    );
    assert!(
        got[1].starts_with("row 4, 上级 '不存在社区': no such parent area"),
        "{got:#?}"
    );
    assert!(got[2].starts_with("row 5, 名称 '':"), "{got:#?}");
    assert!(
        got[3].starts_with("row 6, 名称 '青石社区': repeats an earlier row"),
        "{got:#?}"
    );
    assert!(r.added.is_empty());
    assert_eq!(names(&d).await, vec!["street:望江街道"], "nothing written");

    // A missing column, an unreadable encoding and an unknown file type are refused whole.
    for (file, bytes, field) in [
        (
            "no-kind.csv",
            "上级,名称\n望江街道,青石社区\n".as_bytes().to_vec(),
            "file",
        ),
        ("latin.csv", vec![0xFF, 0xFE, 0x00, 0x41, 0x81], "file"),
        ("territory.pdf", b"%PDF".to_vec(), "file"),
        ("empty.csv", Vec::new(), "file"),
    ] {
        let e = d
            .svc
            .import_areas(Caller::System, file, &bytes, None, false)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, yihaotai_service::ServiceError::Invalid { field: f, .. } if f == field),
            "{file}: {e:?}"
        );
    }
    let e = d
        .svc
        .import_areas(
            Caller::System,
            "no-kind.csv",
            "上级,名称\n望江街道,青石社区\n".as_bytes(),
            None,
            false,
        )
        .await
        .unwrap_err();
    assert!(
        e.localized(Lang::En).contains("no 类型 column"),
        "{}",
        e.localized(Lang::En)
    );
    assert_eq!(names(&d).await, vec!["street:望江街道"]);

    // A community's secretary may not import under the street.
    let admin = user(&d.svc, "admin").await;
    let r = import(&d, "territory.csv", TERRITORY.as_bytes(), false).await;
    assert!(r.errors.is_empty());
    let qingshi = area_named(&d.svc, "青石社区").await;
    let input = yihaotai_service::admin::UserInput {
        login: "qs".into(),
        display_name: "青石书记".into(),
        password: Some("a-long-test-password-2".into()),
        roles: yihaotai_domain::role::Roles(vec![yihaotai_domain::role::Role::Admin]),
        areas: vec![qingshi.id],
        agency: None,
    };
    d.svc
        .create_user(Caller::User(&admin), &input)
        .await
        .unwrap();
    let qs = user(&d.svc, "qs").await;
    let r = d
        .svc
        .import_areas(
            Caller::User(&qs),
            "more.csv",
            "上级,类型,名称\n柳岸社区,小区,新小区\n青石社区,小区,翠竹苑\n".as_bytes(),
            None,
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.errors.len(), 1);
    assert!(
        r.errors[0]
            .localized(Lang::En)
            .contains("no such parent area in the areas you serve"),
        "another community's area is not even named: {:?}",
        r.errors
    );
    assert!(!names(&d).await.contains(&"compound:翠竹苑".to_string()));
}

#[tokio::test]
async fn row_numbers_count_blank_lines_and_a_parent_named_twice_is_refused() {
    let d = empty_street().await;
    let r = import(&d, "territory.csv", TERRITORY.as_bytes(), false).await;
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let long = "长".repeat(70);
    let file = format!(
        "上级,类型,名称,别名
望江街道,社区,新社区,

新社区,小区甲,一号院,
3号楼,单元,2单元,
和平里,楼栋,3号楼,
青石社区,小区,东/西院,
青石社区,小区,翠竹苑,{long}
"
    );
    let r = import(&d, "more.csv", file.as_bytes(), false).await;
    let got: Vec<String> = r.errors.iter().map(|e| e.localized(Lang::En)).collect();
    assert_eq!(got.len(), 4, "{got:#?}");
    assert!(
        got[0].starts_with("row 4, 类型 '小区甲'"),
        "the blank line counts: {got:#?}"
    );
    assert!(
        got[1].starts_with(
            "row 5, 上级 '3号楼': 2 areas have this name (rows further down included)"
        ),
        "{got:#?}"
    );
    assert!(
        got[2].starts_with("row 7, 名称 '东/西院': a name cannot contain /"),
        "{got:#?}"
    );
    assert!(got[3].starts_with("row 8, 别名"), "{got:#?}");
    assert_eq!(names(&d).await.len(), 7, "nothing written");
}

/// An `init` stopped after it wrote the street and before the administrator: running it
/// again with the same street finishes it; any other database is refused.
#[tokio::test]
async fn an_init_cut_short_is_finished_by_running_it_again() {
    let db = yihaotai_store::testing::TestDb::new().await;
    let clock = std::sync::Arc::new(yihaotai_service::ManualClock::new(T0));
    let svc = yihaotai_service::Service::new(
        db.store.clone(),
        clock,
        yihaotai_service::ServiceConfig::default(),
    );
    svc.bootstrap().await.unwrap();
    let street = svc
        .add_area(
            Caller::System,
            None,
            yihaotai_domain::area::AreaKind::Street,
            "望江街道",
            &[],
        )
        .await
        .unwrap();
    let other = svc
        .init_street("柳岸街道", "admin", "王芳", "a-long-test-password-1")
        .await
        .unwrap_err();
    assert!(other
        .localized(Lang::En)
        .contains("init is for a new database"));
    let (area, admin) = svc
        .init_street("望江街道", "admin", "王芳", "a-long-test-password-1")
        .await
        .unwrap();
    assert_eq!(area.id, street.id);
    assert_eq!(svc.all_areas().await.unwrap().len(), 1);
    assert!(admin.roles.is_admin());
    let again = svc
        .init_street("望江街道", "admin2", "王芳", "a-long-test-password-1")
        .await
        .unwrap_err();
    assert!(again
        .localized(Lang::En)
        .contains("accounts (1) and areas (1)"));
}
