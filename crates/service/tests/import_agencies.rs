//! Agencies imported from a spreadsheet onto a street stood up with `init` and its
//! territory: kinds and categories as people write them, a parent on an earlier row, a
//! second import of the same file, a dry run, and a bad file whose every problem is named
//! by row, column and value while nothing is written. On SQLite, or PostgreSQL when
//! YIHAOTAI_TEST_DATABASE_URL is set.

mod support;

use support::*;
use yihaotai_service::admin::Caller;

const TERRITORY: &str = "上级,类型,名称
望江街道,社区,青石社区
青石社区,小区,锦绣花园
青石社区,小区,翠竹苑
";

const AGENCIES: &str = "单位名称,单位类型,所属区域,服务区域,服务类别,上级单位,转办中心
青石社区居委会,居委会,青石社区,,,,否
青石社区医疗保障组,医疗保障组,青石社区,锦绣花园、翠竹苑,就医、medicine,青石社区居委会,
锦绣花园物业,物业,锦绣花园,,sanitation,,
";

async fn street() -> Desk {
    street_with(TERRITORY).await
}

async fn agency_names(d: &Desk) -> Vec<String> {
    let admin = user(&d.svc, "admin").await;
    let mut v: Vec<String> = d
        .svc
        .agencies_for(&admin)
        .await
        .unwrap()
        .into_iter()
        .map(|a| format!("{}:{}", a.row.kind, a.row.name))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn an_agency_file_adds_its_agencies_once_with_areas_categories_and_parent() {
    let d = street().await;
    let dry = d
        .svc
        .import_agencies(Caller::System, "a.csv", AGENCIES.as_bytes(), None, true)
        .await
        .unwrap();
    assert!(dry.errors.is_empty(), "{:?}", dry.errors);
    assert_eq!(dry.added.len(), 3);
    assert!(
        agency_names(&d).await.is_empty(),
        "a dry run writes nothing"
    );

    let done = d
        .svc
        .import_agencies(Caller::System, "a.csv", AGENCIES.as_bytes(), None, false)
        .await
        .unwrap();
    assert!(done.errors.is_empty(), "{:?}", done.errors);
    assert_eq!(
        agency_names(&d).await,
        vec![
            "community_committee:青石社区居委会",
            "medical_team:青石社区医疗保障组",
            "property_manager:锦绣花园物业",
        ]
    );
    let admin = user(&d.svc, "admin").await;
    let all = d.svc.agencies_for(&admin).await.unwrap();
    let medical = all.iter().find(|a| a.row.kind == "medical_team").unwrap();
    let committee = all
        .iter()
        .find(|a| a.row.kind == "community_committee")
        .unwrap();
    assert_eq!(medical.row.parent_id, Some(committee.row.id));
    let mut cats = medical.categories.clone();
    cats.sort();
    assert_eq!(cats, vec!["medical", "medicine"]);
    assert_eq!(medical.areas.len(), 2);
    assert_eq!(
        committee.areas,
        vec![yihaotai_domain::AreaId(committee.row.home_area_id)]
    );

    let again = d
        .svc
        .import_agencies(Caller::System, "a.csv", AGENCIES.as_bytes(), None, false)
        .await
        .unwrap();
    assert!(again.added.is_empty());
    assert_eq!(again.unchanged, 3);
    assert_eq!(agency_names(&d).await.len(), 3);
}

#[tokio::test]
async fn every_bad_row_is_named_and_nothing_is_written() {
    let d = street().await;
    let bad = "名称,类型,所属区域,服务类别,上级单位,转办中心
好的医疗组,医疗保障组,青石社区,,,
,医疗保障组,青石社区,,,
警务组,警察局,青石社区,,,
物资组,物资保障组,柳岸社区,,,
物业二,物业,锦绣花园,晒太阳,,
跑腿队,跑腿队,青石社区,,不存在的单位,
转办,城运中心,青石社区,,,也许
好的医疗组,医疗保障组,青石社区,,,
";
    let r = d
        .svc
        .import_agencies(Caller::System, "bad.csv", bad.as_bytes(), None, false)
        .await
        .unwrap();
    let got: Vec<(usize, &str, &str)> = r
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "名称", ""),
            (4, "类型", "警察局"),
            (5, "所属区域", "柳岸社区"),
            (6, "服务类别", "晒太阳"),
            (7, "上级单位", "不存在的单位"),
            (8, "转办中心", "也许"),
            (9, "名称", "好的医疗组"),
        ]
    );
    assert!(r.added.is_empty());
    assert!(agency_names(&d).await.is_empty(), "nothing written");

    // A header that is not there is named, with the headers found.
    let e = d
        .svc
        .import_agencies(
            Caller::System,
            "x.csv",
            "名称,类型\n甲,物业\n".as_bytes(),
            None,
            false,
        )
        .await
        .unwrap_err();
    let zh = e.localized(yihaotai_domain::vocab::Lang::Zh);
    assert!(zh.contains("所属区域") && zh.contains("名称、类型"), "{zh}");
}

const STAFF: &str = "登录名,姓名,角色,负责区域,所属单位
zhang,张敏,坐席、派单员,青石社区,
liu,刘医生,handler,锦绣花园、翠竹苑,青石社区医疗保障组
";

#[tokio::test]
async fn staff_accounts_import_with_a_password_each_and_can_sign_in() {
    let d = street().await;
    let r = d
        .svc
        .import_agencies(Caller::System, "a.csv", AGENCIES.as_bytes(), None, false)
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let dry = d
        .svc
        .import_users(Caller::System, "s.csv", STAFF.as_bytes(), None, true)
        .await
        .unwrap();
    assert!(dry.errors.is_empty(), "{:?}", dry.errors);
    assert_eq!(dry.added, vec!["zhang", "liu"]);
    assert!(dry.passwords.is_empty());
    assert!(d.svc.store.user_by_login("zhang").await.unwrap().is_none());

    let done = d
        .svc
        .import_users(Caller::System, "s.csv", STAFF.as_bytes(), None, false)
        .await
        .unwrap();
    assert_eq!(done.passwords.len(), 2);
    let liu = user(&d.svc, "liu").await;
    assert_eq!(liu.roles.codes(), "handler");
    assert_eq!(liu.areas.len(), 2);
    assert!(liu.agency_id.is_some());
    let zhang = user(&d.svc, "zhang").await;
    assert_eq!(zhang.roles.codes(), "agent,dispatcher");
    // Each signs in with the password shown once.
    for (login, pw) in &done.passwords {
        d.svc.login(login, pw, None).await.unwrap();
    }
    // Again: left as they are, no new passwords.
    let again = d
        .svc
        .import_users(Caller::System, "s.csv", STAFF.as_bytes(), None, false)
        .await
        .unwrap();
    assert_eq!((again.added.len(), again.unchanged), (0, 2));
    assert!(again.passwords.is_empty());
}

#[tokio::test]
async fn a_bad_staff_row_is_named_and_no_account_is_added() {
    let d = street().await;
    let bad = "登录名,姓名,角色,负责区域,所属单位
ok.user,好人,坐席,青石社区,
Bad Login,某人,坐席,青石社区,
wang,王五,老板,青石社区,
li,李四,坐席,火星社区,
zhao,赵六,承办人员,青石社区,没有的单位
sun,孙七,,青石社区,
ok.user,重复,坐席,青石社区,
";
    let r = d
        .svc
        .import_users(Caller::System, "bad.csv", bad.as_bytes(), None, false)
        .await
        .unwrap();
    let got: Vec<(usize, &str, &str)> = r
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "登录名", "Bad Login"),
            (4, "角色", "老板"),
            (5, "负责区域", "火星社区"),
            (6, "所属单位", "没有的单位"),
            (7, "角色", ""),
            (8, "登录名", "ok.user"),
        ]
    );
    assert!(r.passwords.is_empty());
    assert!(d
        .svc
        .store
        .user_by_login("ok.user")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_handler_in_a_file_without_the_agency_column_is_told_to_add_it() {
    let d = street().await;
    let r = d
        .svc
        .import_users(
            Caller::System,
            "s.csv",
            "登录名,姓名,角色,负责区域\nliu,刘医生,承办人员,青石社区\n".as_bytes(),
            None,
            false,
        )
        .await
        .unwrap();
    let got: Vec<(usize, &str, &str)> = r
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(got, vec![(2, "所属单位", "")], "{:?}", r.errors);
    assert!(d.svc.store.user_by_login("liu").await.unwrap().is_none());
}

#[tokio::test]
async fn two_compounds_may_each_have_an_agency_of_the_same_name() {
    let d = street().await;
    let file = "单位名称,单位类型,所属区域,上级单位
物业服务中心,物业,锦绣花园,
物业服务中心,物业,翠竹苑,
保洁组,物业,锦绣花园,物业服务中心
";
    let r = d
        .svc
        .import_agencies(Caller::System, "a.csv", file.as_bytes(), None, false)
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.added.len(), 3);
    let admin = user(&d.svc, "admin").await;
    let all = d.svc.agencies_for(&admin).await.unwrap();
    let of = |name: &str, home: &str| {
        all.iter()
            .find(|a| a.row.name == name && a.row.home_area_name == home)
            .unwrap_or_else(|| panic!("no {name} of {home}"))
            .row
            .clone()
    };
    assert_eq!(
        of("保洁组", "锦绣花园").parent_id,
        Some(of("物业服务中心", "锦绣花园").id),
        "the parent of the row's own compound"
    );

    // Again, with one more compound's row: the two kept are left, a parent that fits
    // both compounds is refused, and nothing is written.
    let again = "单位名称,单位类型,所属区域,上级单位
物业服务中心,物业,锦绣花园,
物业服务中心,物业,翠竹苑,
社区保洁队,物业,青石社区,物业服务中心
";
    let r = d
        .svc
        .import_agencies(Caller::System, "a.csv", again.as_bytes(), None, false)
        .await
        .unwrap();
    assert_eq!(r.unchanged, 2);
    let got: Vec<(usize, &str, &str)> = r
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(got, vec![(4, "上级单位", "物业服务中心")]);
    assert!(r.errors[0].zh.contains("2个单位"), "{}", r.errors[0].zh);
    assert_eq!(d.svc.agencies_for(&admin).await.unwrap().len(), 3);

    // A handler of 翠竹苑's 物业服务中心 is told apart by the area served.
    let staff = "登录名,姓名,角色,负责区域,所属单位
cz.wuye,陈工,承办人员,翠竹苑,物业服务中心
qs.wuye,钱工,承办人员,青石社区,物业服务中心
";
    let r = d
        .svc
        .import_users(Caller::System, "s.csv", staff.as_bytes(), None, false)
        .await
        .unwrap();
    let got: Vec<(usize, &str)> = r
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str()))
        .collect();
    assert_eq!(got, vec![(3, "所属单位")], "{:?}", r.errors);
    let r = d
        .svc
        .import_users(
            Caller::System,
            "s.csv",
            staff
                .lines()
                .take(2)
                .collect::<Vec<_>>()
                .join("\n")
                .as_bytes(),
            None,
            false,
        )
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let chen = user(&d.svc, "cz.wuye").await;
    assert_eq!(
        chen.agency_id.map(|a| a.0),
        Some(of("物业服务中心", "翠竹苑").id)
    );
}
