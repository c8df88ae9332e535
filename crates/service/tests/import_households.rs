//! Household lists imported onto a street stood up from nothing: the grid workers' list,
//! saved by Excel as GBK, registers the cards of its doors, addresses written in every
//! form; the police register is linked to those cards, its doubts kept as flags (a
//! mistyped ID number, a room without its entrance); a bad file names every problem by
//! row, column and value and writes nothing. On SQLite, or PostgreSQL when
//! YIHAOTAI_TEST_DATABASE_URL is set.

mod support;

use support::*;
use yihaotai_domain::linkage::Source;
use yihaotai_service::admin::Caller;
use yihaotai_service::import::households::HouseholdImport;

const TERRITORY: &str = "上级,类型,名称
望江街道,社区,青石社区
青石社区,小区,锦绣花园
锦绣花园,楼栋,12栋
12栋,单元,1单元
12栋,单元,2单元
锦绣花园,楼栋,3栋
3栋,单元,1单元
青石社区,小区,翠竹苑
";

const GRID: &str = "姓名,性别,年龄,联系电话,小区,楼栋,单元,房号,与户主关系,人员类别,备注
金桂凤,女,77,139 1234 5678,锦绣花园,12号楼,二单元,502室,户主,独居、高龄,儿子在外地
王 芳,女,35,+86 138-0000-1111,锦绣花园,12,1,301,户主,孕妇,
李强,男,37,13800001112,锦绣花园,12,1,301,配偶,,
李强,男,37,13800001112,锦绣花园,12,1,301,配偶,,
张伟,男,70,12345,锦绣花园,3,,101,户主,,
";

const POLICE: &str = "姓名,公民身份号码,户籍地址,与户主关系
金桂凤,11010519491231002X,锦绣花园12-2-502,户主
王芳,110105198912310021,锦绣花园12栋1单元301,户主
陳淑華,310115193802140029,锦绣花园12栋2单元601,户主
李强,110105198901010011,锦绣花园12栋301,配偶
";

async fn street() -> Desk {
    street_with(TERRITORY).await
}

async fn import(d: &Desk, source: Source, name: &str, bytes: &[u8], dry: bool) -> HouseholdImport {
    d.svc
        .import_households(Caller::System, source, name, bytes, None, dry, &|_, _| {})
        .await
        .unwrap()
}

async fn households(d: &Desk) -> Vec<(String, Vec<String>)> {
    let street = area_named(&d.svc, "望江街道").await;
    let mut out = Vec::new();
    for h in d.svc.store.households_within(&[street.path]).await.unwrap() {
        let residents = d
            .svc
            .store
            .residents_of(yihaotai_domain::HouseholdId(h.id))
            .await
            .unwrap()
            .into_iter()
            .map(|r| format!("{}:{}:{}", r.name, r.relation, r.care_tags))
            .collect();
        out.push((h.address, residents));
    }
    out
}

fn gbk(s: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(s).0.into_owned()
}

#[tokio::test]
async fn the_grid_list_registers_its_doors_and_the_police_register_links_to_them() {
    let d = street().await;
    // A dry run reads everything and writes nothing.
    let dry = import(&d, Source::Grid, "网格.csv", &gbk(GRID), true).await;
    assert!(dry.errors.is_empty(), "{:?}", dry.errors);
    assert_eq!(dry.registered.len(), 3);
    assert!(households(&d).await.is_empty());

    let grid = import(&d, Source::Grid, "网格.csv", &gbk(GRID), false).await;
    assert!(grid.errors.is_empty(), "{:?}", grid.errors);
    assert_eq!(grid.rows, 5);
    assert_eq!(
        grid.registered,
        vec![
            "锦绣花园12栋2单元502",
            "锦绣花园12栋1单元301",
            "锦绣花园3栋1单元101"
        ]
    );
    // The columns as the file names them.
    assert!(grid
        .mapping
        .contains(&("联系电话".to_string(), "联系电话".to_string())));
    // Doubts are kept with their rows, never guessed away.
    let flags: Vec<String> = grid
        .flags
        .iter()
        .map(|f| format!("{}:{}:{}", f.row, f.column, f.en))
        .collect();
    assert_eq!(
        flags,
        vec![
            "5:姓名:repeats row 4 (same door, same name)",
            "6:联系电话:not a phone number; not kept as one",
        ]
    );
    let mut cards = households(&d).await;
    cards.sort();
    assert_eq!(
        cards,
        vec![
            (
                "锦绣花园12栋1单元301".to_string(),
                vec!["王芳:户主:pregnant".to_string(), "李强:配偶:".to_string()]
            ),
            (
                "锦绣花园12栋2单元502".to_string(),
                vec!["金桂凤:户主:elderly_alone,aged_70_plus".to_string()]
            ),
            (
                "锦绣花园3栋1单元101".to_string(),
                vec!["张伟:户主:".to_string()]
            ),
        ]
    );
    // Each card's history begins with the import, and the card reads its phone.
    let admin = user(&d.svc, "admin").await;
    let found = d
        .svc
        .search_households(
            &admin,
            &yihaotai_service::households::HouseholdSearch {
                q: "12-2-502".into(),
                care: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let card = d
        .svc
        .household_card(&admin, yihaotai_domain::HouseholdId(found[0].id))
        .await
        .unwrap();
    assert_eq!(card.residents[0].phone.as_deref(), Some("139****5678"));
    assert_eq!(card.residents[0].age, Some(77));
    assert_eq!(card.history.len(), 1);
    assert!(
        card.history[0].reason.contains("网格员摸排导入"),
        "{}",
        card.history[0].reason
    );

    // The police register: linked to those cards, a door with no card left for the
    // cross-check, a mistyped ID flagged, a room without its entrance placed where only
    // one door of the building has it, and flagged.
    let police = import(&d, Source::Police, "户籍.csv", POLICE.as_bytes(), false).await;
    assert!(police.errors.is_empty(), "{:?}", police.errors);
    assert!(
        police.registered.is_empty(),
        "the police register makes no card"
    );
    assert_eq!((police.linked, police.without_card), (3, 1));
    let flags: Vec<String> = police
        .flags
        .iter()
        .map(|f| format!("{}:{}:{}", f.row, f.column, f.value))
        .collect();
    assert_eq!(
        flags,
        vec![
            "3:公民身份号码:110105********0021".to_string(),
            "5:户籍地址:锦绣花园12栋301".to_string()
        ]
    );
    let kept = d
        .svc
        .store
        .source_records_of_import(police.import_id.unwrap())
        .await
        .unwrap();
    let summary: Vec<String> = kept
        .iter()
        .map(|r| {
            format!(
                "{}|{}-{}-{}|{}|{:?}|{:?}|{}",
                r.name,
                r.building,
                r.entrance.as_deref().unwrap_or("?"),
                r.room,
                r.name_pinyin,
                r.id_valid,
                r.birth_year,
                r.flags
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            "金桂凤|12-2-502|jinguifeng|Some(1)|Some(1949)|",
            "王芳|12-1-301|wangfang|Some(0)|None|id_checksum",
            "陈淑华|12-2-601|chenshuhua|Some(1)|Some(1938)|",
            "李强|12-1-301|liqiang|Some(1)|Some(1989)|entrance_inferred",
        ]
    );
    assert_eq!(kept[2].household_id, None);
    assert_eq!(
        kept[2].gender.as_deref(),
        Some("女"),
        "read from the ID number"
    );
    // The cards were not rewritten by the register.
    assert_eq!(households(&d).await.len(), 3);
}

#[tokio::test]
async fn the_three_lists_are_cross_checked_door_by_door_with_reasons() {
    let d = street().await;
    import(&d, Source::Grid, "网格.csv", &gbk(GRID), false).await;
    import(&d, Source::Police, "户籍.csv", POLICE.as_bytes(), false).await;
    let property = "业主姓名,业主电话,小区,楼栋,单元,房号
金桂凤,13912340000,锦绣花园,12,2,502
任建国,13700000000,锦绣花园,12,1,301
";
    let p = import(&d, Source::Property, "物业.csv", property.as_bytes(), false).await;
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    // A later grid list of one more door adds to what the first said.
    let more = "姓名,住址\n陳淑華,锦绣花园12栋2单元601\n";
    import(&d, Source::Grid, "网格补充.csv", more.as_bytes(), false).await;

    let admin = user(&d.svc, "admin").await;
    let r = d.svc.cross_check(Caller::User(&admin)).await.unwrap();
    let doors: Vec<String> = r
        .doors
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d.address,
                d.outcome.label(yihaotai_domain::vocab::Lang::Zh)
            )
        })
        .collect();
    assert_eq!(
        doors,
        vec![
            "锦绣花园12栋2单元502 存在冲突",
            "锦绣花园3栋1单元101 仅一方（网格员摸排）",
            "锦绣花园12栋2单元601 两方一致（网格员摸排、派出所户籍）",
            "锦绣花园12栋1单元301 三方一致",
        ]
    );
    assert_eq!(
        (
            r.counts.conflicting,
            r.counts.only_one,
            r.counts.two,
            r.counts.all_three
        ),
        (1, 1, 1, 1)
    );
    let conflict = &r.doors[0].conflicts[0];
    assert_eq!(conflict.field, "phone");
    assert_eq!(
        conflict.values,
        vec![
            (Source::Grid, "139****5678".to_string()),
            (Source::Property, "139****0000".to_string())
        ]
    );
    let all = &r.doors[3];
    assert_eq!(all.owners_elsewhere, vec!["任建国".to_string()]);
    let persons: Vec<String> = all
        .persons
        .iter()
        .map(|p| format!("{}:{:?}", p.name, p.rows))
        .collect();
    assert_eq!(
        persons,
        vec![
            "王芳:[(Grid, 3), (Police, 3)]",
            "李强:[(Grid, 4), (Police, 5)]",
            "任建国:[(Property, 3)]",
        ]
    );
    // Every pairing says why, field by field, in Chinese.
    let (a, b, best) = &all.pairings[0];
    assert_eq!((a.as_str(), b.as_str()), ("李强", "李强"));
    let why = best.explain(yihaotai_domain::vocab::Lang::Zh);
    assert!(
        why.contains("姓名一致（李强）")
            && why.contains("出生年份相符（1989）")
            && why.ends_with("同一人"),
        "{why}"
    );
    // The workbook: one sheet per outcome, the conflicting door on its sheet.
    let xlsx = r.to_xlsx(yihaotai_domain::vocab::Lang::Zh).unwrap();
    let t = yihaotai_service::import::table::read("r.xlsx", &xlsx, Some("存在冲突")).unwrap();
    assert_eq!(t.headers[0], "门牌");
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.rows[0].cells[0], "锦绣花园12栋2单元502");
    assert!(
        t.rows[0].cells[4].contains("电话各方不一致"),
        "{}",
        t.rows[0].cells[4]
    );
    // Nobody outside the desk reads it.
    let staff = "登录名,姓名,角色,负责区域\nlook,唐静,只读,青石社区\n";
    d.svc
        .import_users(Caller::System, "u.csv", staff.as_bytes(), None, false)
        .await
        .unwrap();
    let viewer = user(&d.svc, "look").await;
    assert!(d.svc.cross_check(Caller::User(&viewer)).await.is_err());
}

#[tokio::test]
async fn every_bad_row_is_named_and_nothing_is_written() {
    let d = street().await;
    let bad = "姓名,性别,住址,人员类别,年龄
金桂凤,女,金桂小区3栋1单元101,,
,女,锦绣花园12栋1单元101,,
李强,男,锦绣花园99栋1单元101,,
王芳,女,锦绣花园12栋3单元101,,
张伟,不详,锦绣花园12栋1单元101,会计,二百
赵六,男,锦绣花园12栋101,,
";
    let r = d
        .svc
        .import_households(
            Caller::System,
            Source::Grid,
            "bad.csv",
            bad.as_bytes(),
            None,
            false,
            &|_, _| {},
        )
        .await
        .unwrap();
    let errors: Vec<String> = r
        .errors
        .iter()
        .map(|e| format!("{}:{}:{}", e.row, e.column, e.value))
        .collect();
    assert_eq!(
        errors,
        vec![
            "2:住址:金桂小区3栋1单元101",
            "3:姓名:",
            "4:住址:锦绣花园99栋1单元101",
            "5:住址:锦绣花园12栋3单元101",
            "6:性别:不详",
            "6:年龄:二百",
            "6:人员类别:会计",
            "7:住址:锦绣花园12栋101",
        ]
    );
    assert!(r.errors[0].zh.contains("金桂小区"), "{}", r.errors[0].zh);
    assert!(r.errors[2].zh.contains("没有99栋"), "{}", r.errors[2].zh);
    assert!(r.errors[3].zh.contains("没有3单元"), "{}", r.errors[3].zh);
    assert!(r.errors[7].zh.contains("请写明单元"), "{}", r.errors[7].zh);
    assert!(r.import_id.is_none());
    assert!(households(&d).await.is_empty());
    // Headers that name no address: the file is refused before any row.
    let e = d
        .svc
        .import_households(
            Caller::System,
            Source::Police,
            "x.csv",
            "姓名,身份证号\n王芳,11010519491231002X\n".as_bytes(),
            None,
            false,
            &|_, _| {},
        )
        .await
        .unwrap_err();
    assert!(e
        .localized(yihaotai_domain::vocab::Lang::Zh)
        .contains("表头缺少地址"));
}

#[tokio::test]
async fn a_viewer_cannot_import_and_an_agent_only_into_their_areas() {
    let d = street().await;
    let staff = "登录名,姓名,角色,负责区域
cuizhu,刘敏,坐席,翠竹苑
look,唐静,只读,青石社区
";
    let r = d
        .svc
        .import_users(Caller::System, "u.csv", staff.as_bytes(), None, false)
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let file = "姓名,住址\n王芳,锦绣花园12栋2单元502\n".as_bytes();
    let viewer = user(&d.svc, "look").await;
    let e = d
        .svc
        .import_households(
            Caller::User(&viewer),
            Source::Grid,
            "g.csv",
            file,
            None,
            true,
            &|_, _| {},
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, yihaotai_service::ServiceError::Forbidden { .. }),
        "{e:?}"
    );
    let agent = user(&d.svc, "cuizhu").await;
    let r = d
        .svc
        .import_households(
            Caller::User(&agent),
            Source::Grid,
            "g.csv",
            file,
            None,
            false,
            &|_, _| {},
        )
        .await
        .unwrap();
    assert_eq!(r.errors.len(), 1);
    assert!(
        r.errors[0].zh.contains("不在您负责的区域"),
        "{}",
        r.errors[0].zh
    );
    assert!(households(&d).await.is_empty());
}
