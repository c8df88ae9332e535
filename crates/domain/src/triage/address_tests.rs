use super::*;
use proptest::prelude::*;

type Want = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

const JX: Option<&str> = Some("锦绣花园");
const CZ: Option<&str> = Some("翠竹苑");
const HP: Option<&str> = Some("和平里");
const JG: Option<&str> = Some("金桂小区");
const N: Option<&str> = None;

fn s(v: &'static str) -> Option<&'static str> {
    Some(v)
}

/// The forms agents and residents actually type, each with the parts it must yield.
fn forms() -> Vec<Want> {
    vec![
        ("3栋2单元501", N, s("3"), s("2"), s("501")),
        // Typed without punctuation: the words before do not join the compound's name.
        (
            "嘴唇发紫春晖里4-2-501",
            s("春晖里"),
            s("4"),
            s("2"),
            s("501"),
        ),
        (
            "门被封着 枫林湾8幢3门202",
            s("枫林湾"),
            s("8"),
            s("3"),
            s("202"),
        ),
        (
            "一直说冷东湖雅苑9栋2单元101",
            s("东湖雅苑"),
            s("9"),
            s("2"),
            s("101"),
        ),
        // The generic word later in the text does not hide the compound before it.
        (
            "她住春晖里6栋1单元402，快递员说只能放小区门口",
            s("春晖里"),
            s("6"),
            s("1"),
            s("402"),
        ),
        ("120说小区封着进不来 3-2-501", N, s("3"), s("2"), s("501")),
        // The room said apart from the building, and a neighbour's beside the writer's.
        (
            "阳光新城4栋2单元，她家是402",
            s("阳光新城"),
            s("4"),
            s("2"),
            s("402"),
        ),
        (
            "10号楼顶楼有个人坐在栏杆外，是1801那个小伙子",
            N,
            s("10"),
            N,
            s("1801"),
        ),
        (
            "我是春晖里2号楼501，他是隔壁502",
            s("春晖里"),
            s("2"),
            N,
            s("502"),
        ),
        ("我是5栋的楼长，今天早上量是170，打了120", N, s("5"), N, N),
        ("3-2-501", N, s("3"), s("2"), s("501")),
        ("3号楼2单元501室", N, s("3"), s("2"), s("501")),
        ("12幢1单元1101", N, s("12"), s("1"), s("1101")),
        ("三栋二单元五零一", N, s("3"), s("2"), s("501")),
        ("B座", N, s("B"), N, N),
        ("b座1201", N, s("B"), N, s("1201")),
        ("Ａ座２单元８０３", N, s("A"), s("2"), s("803")),
        ("３栋２单元５０１", N, s("3"), s("2"), s("501")),
        ("３－２－５０１", N, s("3"), s("2"), s("501")),
        ("锦绣花园3栋2单元501", JX, s("3"), s("2"), s("501")),
        ("锦绣3-2-501", JX, s("3"), s("2"), s("501")),
        ("锦绣小区5栋1单元302", JX, s("5"), s("1"), s("302")),
        (
            "我是锦绣花园18栋3单元1502的住户",
            JX,
            s("18"),
            s("3"),
            s("1502"),
        ),
        ("翠竹苑7号楼1单元601", CZ, s("7"), s("1"), s("601")),
        ("翠竹小区16栋2单元1102室", CZ, s("16"), s("2"), s("1102")),
        ("翠竹9-3-402", CZ, s("9"), s("3"), s("402")),
        ("和平里3号楼2门501", HP, s("3"), s("2"), s("501")),
        ("和平小区11栋1单元201", HP, s("11"), s("1"), s("201")),
        ("和平里小区4栋3单元602", HP, s("4"), s("3"), s("602")),
        ("金桂小区2栋2单元202", JG, s("2"), s("2"), s("202")),
        ("金桂园10幢1单元901", JG, s("10"), s("1"), s("901")),
        ("金桂8-1-703", JG, s("8"), s("1"), s("703")),
        ("锦绣花园B座1805", JX, s("B"), N, s("1805")),
        ("翠竹苑A座2单元1001", CZ, s("A"), s("2"), s("1001")),
        ("3栋501", N, s("3"), N, s("501")),
        ("3栋", N, s("3"), N, N),
        ("3栋2单元", N, s("3"), s("2"), N),
        ("3-501", N, s("3"), N, s("501")),
        ("3#501", N, s("3"), N, s("501")),
        ("3#2-501", N, s("3"), s("2"), s("501")),
        ("3栋2-501", N, s("3"), s("2"), s("501")),
        ("3栋-2单元-501", N, s("3"), s("2"), s("501")),
        ("3号2单元501", N, s("3"), s("2"), s("501")),
        ("3楼2单元501", N, s("3"), s("2"), s("501")),
        ("3楼1102", N, s("3"), N, s("1102")),
        ("3号楼501号", N, s("3"), N, s("501")),
        ("3号楼501房", N, s("3"), N, s("501")),
        ("3号楼2单元5楼501", N, s("3"), s("2"), s("501")),
        ("3栋2单元5层501", N, s("3"), s("2"), s("501")),
        ("十二栋一单元一一零一", N, s("12"), s("1"), s("1101")),
        ("二十栋三单元三零二", N, s("20"), s("3"), s("302")),
        ("十栋二单元幺零幺", N, s("10"), s("2"), s("101")),
        ("五号楼一单元六零二", N, s("5"), s("1"), s("602")),
        (
            "锦绣花园十五栋二单元一千一百零二",
            JX,
            s("15"),
            s("2"),
            s("1102"),
        ),
        ("2单元501", N, N, s("2"), s("501")),
        ("501室", N, N, N, s("501")),
        ("03栋02单元0501", N, s("3"), s("2"), s("501")),
        ("3 栋 2 单元 501", N, s("3"), s("2"), s("501")),
        ("3栋　2单元　501", N, s("3"), s("2"), s("501")),
        ("3—2—501", N, s("3"), s("2"), s("501")),
        ("3/2/501", N, s("3"), s("2"), s("501")),
        ("3_2_501", N, s("3"), s("2"), s("501")),
        ("锦绣花园，3栋2单元501", JX, s("3"), s("2"), s("501")),
        ("锦绣花园 3-2-501", JX, s("3"), s("2"), s("501")),
        (
            "麻烦帮忙看下翠竹苑5栋1单元302，老人没药了",
            CZ,
            s("5"),
            s("1"),
            s("302"),
        ),
        (
            "羊水破了！！和平里6栋2单元401",
            HP,
            s("6"),
            s("2"),
            s("401"),
        ),
        (
            "我家老人胸口疼，金桂小区7-2-1203，快",
            JG,
            s("7"),
            s("2"),
            s("1203"),
        ),
        (
            "住在锦绣13栋，1单元702，孩子发烧",
            JX,
            s("13"),
            s("1"),
            s("702"),
        ),
        (
            "你好，我这边是翠竹苑的，12号楼3单元1601",
            CZ,
            s("12"),
            s("3"),
            s("1601"),
        ),
        ("12号楼3单元1601，翠竹苑", CZ, s("12"), s("3"), s("1601")),
        (
            "电话13812345678，锦绣花园3栋2单元501",
            JX,
            s("3"),
            s("2"),
            s("501"),
        ),
        (
            "4月5号锦绣花园3栋2单元501要做核酸",
            JX,
            s("3"),
            s("2"),
            s("501"),
        ),
        ("2022-04-05 翠竹苑4-1-301", CZ, s("4"), s("1"), s("301")),
        ("体温39.5度，金桂6栋1单元502", JG, s("6"), s("1"), s("502")),
        ("药只剩一天了 和平里2-3-101", HP, s("2"), s("3"), s("101")),
        ("锦绣花园20栋3单元1802", JX, s("20"), s("3"), s("1802")),
        ("锦绣花园1栋1单元101", JX, s("1"), s("1"), s("101")),
        ("翠竹苑1栋1单元101", CZ, s("1"), s("1"), s("101")),
        ("翠竹苑16幢3单元2602", CZ, s("16"), s("3"), s("2602")),
        ("和平里12号楼3门1202", HP, s("12"), s("3"), s("1202")),
        ("和平里1号楼1门102", HP, s("1"), s("1"), s("102")),
        ("金桂小区12栋3单元1502", JG, s("12"), s("3"), s("1502")),
        ("金桂小区1-1-101", JG, s("1"), s("1"), s("101")),
        ("金桂园B座903", JG, s("B"), N, s("903")),
        ("锦绣花园a座2单元1201", JX, s("A"), s("2"), s("1201")),
        ("翠竹苑C栋1单元801", CZ, s("C"), s("1"), s("801")),
        ("锦绣花园C-1-801", JX, s("C"), s("1"), s("801")),
        ("锦绣花园3栋2单元501室", JX, s("3"), s("2"), s("501")),
        ("锦绣花园3栋2单元501号", JX, s("3"), s("2"), s("501")),
        ("锦绣花园3幢2单元501", JX, s("3"), s("2"), s("501")),
        ("锦绣花园3号楼2单元501", JX, s("3"), s("2"), s("501")),
        ("锦绣花园三号楼二单元五零一", JX, s("3"), s("2"), s("501")),
        ("锦绣花园三栋二单元501", JX, s("3"), s("2"), s("501")),
        ("锦绣花园3栋二单元五零一室", JX, s("3"), s("2"), s("501")),
        ("翠竹苑八栋一单元三零三", CZ, s("8"), s("1"), s("303")),
        ("和平里九号楼二门四零二", HP, s("9"), s("2"), s("402")),
        ("金桂十一栋三单元九零一", JG, s("11"), s("3"), s("901")),
        ("锦绣花园", JX, N, N, N),
        ("锦绣", JX, N, N, N),
        ("翠竹小区", CZ, N, N, N),
        ("和平里小区", HP, N, N, N),
        ("金桂园", JG, N, N, N),
        (
            "阳光小区5栋2单元301",
            s("阳光小区"),
            s("5"),
            s("2"),
            s("301"),
        ),
        (
            "我住在幸福家园3-1-201",
            s("幸福家园"),
            s("3"),
            s("1"),
            s("201"),
        ),
        ("住在碧水苑8栋", s("碧水苑"), s("8"), N, N),
        ("我们小区3栋2单元501", N, s("3"), s("2"), s("501")),
        ("整个小区都没人管", N, N, N, N),
        ("孩子发烧39度怎么办", N, N, N, N),
        ("电话13812345678", N, N, N, N),
        ("4月5日8点做核酸", N, N, N, N),
        ("住5楼", N, N, N, N),
        ("5楼501", N, N, N, N),
        ("12楼1201", N, N, N, N),
        ("", N, N, N, N),
        ("请问什么时候解封", N, N, N, N),
        ("A4纸用完了", N, N, N, N),
        ("2022-04-05 08:31:12", N, N, N, N),
        ("138-1234-5678", N, N, N, N),
        ("三栋二单元五零一的老人没人管", N, s("3"), s("2"), s("501")),
        (
            "锦绣花园3栋2单元501和502都没菜了",
            JX,
            s("3"),
            s("2"),
            s("501"),
        ),
        ("翠竹苑 5 栋 1 单元 302", CZ, s("5"), s("1"), s("302")),
        ("翠竹苑5栋1单元302\n老人独居", CZ, s("5"), s("1"), s("302")),
        ("【锦绣花园】3栋2单元501", JX, s("3"), s("2"), s("501")),
        ("（翠竹苑6-2-702）", CZ, s("6"), s("2"), s("702")),
        (
            "锦绣花园3栋2单元501，电话13900001111",
            JX,
            s("3"),
            s("2"),
            s("501"),
        ),
        ("和平里3号楼二门501", HP, s("3"), s("2"), s("501")),
        ("和平里3号楼2号门501", HP, s("3"), s("2"), s("501")),
        ("金桂小区7栋1102", JG, s("7"), N, s("1102")),
        ("金桂小区7栋1单元", JG, s("7"), s("1"), N),
        // Spaces where commas belong: the parts stay apart.
        (
            "东湖里 八栋 二单元 三零五 一家人都烧",
            s("东湖里"),
            s("8"),
            s("2"),
            s("305"),
        ),
        (
            "清河一号 七栋 2单元 1203",
            s("清河一号"),
            s("7"),
            s("2"),
            s("1203"),
        ),
        (
            "和平里7栋2单元 302 一楼也有水",
            HP,
            s("7"),
            s("2"),
            s("302"),
        ),
        ("枫叶湾 3-1-201 78岁", s("枫叶湾"), s("3"), s("1"), s("201")),
        // The compound after the address, or said as where the writer is from.
        ("九栋 六零二 那个 银杏湾", s("银杏湾"), s("9"), N, s("602")),
        ("我们是松鹤里的 五栋", s("松鹤里"), s("5"), N, N),
        // A room said on its own, before the building or with a spoken number.
        (
            "家里没人 七零二 在那个 翠竹苑 三栋",
            CZ,
            s("3"),
            N,
            s("702"),
        ),
        (
            "金桂小区四号楼，他家一单元二零三",
            JG,
            s("4"),
            s("1"),
            s("203"),
        ),
        ("502室B间 锦绣花园8号楼", JX, s("8"), N, s("502")),
        ("楼栋：和平里9号楼 房号：603", HP, s("9"), N, s("603")),
        // The writer's own door beside the one that needs help.
        ("对门一直没动静 1201 我是1202", N, N, N, s("1201")),
        ("我是1105 菜放错了", N, N, N, s("1105")),
        // Said alike, typed with other characters, or in pinyin.
        ("金贵小区6栋1单元401", JG, s("6"), s("1"), s("401")),
        ("锦秀花园2-1-302", JX, s("2"), s("1"), s("302")),
        (
            "wo zhu jingui xiaoqu 8 hao lou 302",
            JG,
            s("8"),
            N,
            s("302"),
        ),
        // An entrance alone; "一直" after a name is not a building number.
        ("另外2单元那个老太太摔了", N, N, s("2"), N),
        ("楼上邻居一直在吵 5栋301", N, s("5"), N, s("301")),
        ("孩子在澡盆里，4号楼1单元602", N, s("4"), s("1"), s("602")),
        // Schools, workplaces and hotels: a dormitory is a building of its owner, a
        // quarantine hotel is not a name, and a name is its nouns, not the verbs before.
        (
            "东湖师范学院5号宿舍楼412",
            s("东湖师范学院"),
            s("5"),
            N,
            s("412"),
        ),
        ("被拉去隔离酒店716房", N, N, N, s("716")),
        ("华润中心B座1203", s("华润中心"), s("B"), N, s("1203")),
        ("快来枫林湾3-2-501", s("枫林湾"), s("3"), s("2"), s("501")),
        ("地址白云小区7栋302", s("白云小区"), s("7"), N, s("302")),
    ]
}

#[test]
fn parses_at_least_a_hundred_address_forms() {
    let compounds = demo_compounds();
    let cases = forms();
    assert!(cases.len() >= 100, "only {} forms", cases.len());
    let mut failures = Vec::new();
    for (text, c, b, e, r) in cases {
        let got = parse_address(text, &compounds);
        let want = AddressParts {
            compound: c.map(str::to_string),
            building: b.map(str::to_string),
            entrance: e.map(str::to_string),
            room: r.map(str::to_string),
        };
        if got != want {
            failures.push(format!("{text}: got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn alias_resolves_to_the_compound_id() {
    let compounds = demo_compounds();
    let (parts, id) = parse_address_with_id("和平小区3-2-501", &compounds);
    assert_eq!(parts.compound.as_deref(), Some("和平里"));
    assert_eq!(id, Some(AreaId(103)));
    assert_eq!(parse_address_with_id("阳光小区3-2-501", &compounds).1, None);
}

fn registry() -> Vec<HouseholdAddress> {
    let mut v = Vec::new();
    let mut id = 1;
    for compound in [101, 102] {
        for b in ["3", "4", "B"] {
            for e in ["1", "2"] {
                for r in ["501", "502", "1102"] {
                    v.push(HouseholdAddress {
                        id: HouseholdId(id),
                        compound_id: AreaId(compound),
                        building: b.to_string(),
                        entrance: Some(e.to_string()),
                        room: r.to_string(),
                    });
                    id += 1;
                }
            }
        }
    }
    v
}

fn find(h: &[HouseholdAddress], c: i64, b: &str, e: &str, r: &str) -> HouseholdId {
    h.iter()
        .find(|x| {
            x.compound_id == AreaId(c)
                && x.building == b
                && x.entrance.as_deref() == Some(e)
                && x.room == r
        })
        .map(|x| x.id)
        .unwrap()
}

#[test]
fn matches_exactly_then_nearest() {
    let compounds = demo_compounds();
    let reg = registry();
    let (p, c) = parse_address_with_id("锦绣花园3栋2单元501", &compounds);
    let m = match_household(&p, c, &reg).unwrap();
    assert_eq!(m.id, find(&reg, 101, "3", "2", "501"));
    assert!(m.exact);
    assert!(m.confidence > 0.99);

    // The entrance is missing and building 4 has a 1102 in both entrances: a guess.
    let (p, c) = parse_address_with_id("翠竹苑4栋1102", &compounds);
    let m = match_household(&p, c, &reg).unwrap();
    assert!(!m.exact);
    assert!(m.confidence <= 0.6);

    // A typo in the room ("5011") still finds the household, with lower confidence.
    let (p, c) = parse_address_with_id("翠竹苑B座1单元5011", &compounds);
    let m = match_household(&p, c, &reg).unwrap();
    assert_eq!(m.id, find(&reg, 102, "B", "1", "501"));
    assert!(!m.exact && m.confidence < 0.9);

    // Without the compound, an address that exists in two compounds is not exact.
    let p = parse_address("3栋2单元501", &compounds);
    let m = match_household(&p, None, &reg).unwrap();
    assert!(!m.exact);

    // A compound this desk does not know (another community's) is never an exact match
    // for a household elsewhere with the same building and room.
    let only_one = vec![HouseholdAddress {
        id: HouseholdId(9),
        compound_id: AreaId(104),
        building: "8".into(),
        entrance: Some("1".into()),
        room: "101".into(),
    }];
    let (p, c) = parse_address_with_id("幸福小区8栋1单元101", &compounds);
    assert_eq!(c, None);
    let m = match_household(&p, c, &only_one).unwrap();
    assert!(!m.exact, "{m:?}");
    assert!(m.confidence <= 0.5);

    // A room nobody lives in, in a building that does not exist: no match.
    let (p, c) = parse_address_with_id("锦绣花园9栋3单元909", &compounds);
    assert_eq!(match_household(&p, c, &reg), None);
    assert_eq!(match_household(&AddressParts::default(), None, &reg), None);
}

#[test]
fn exact_match_without_entrance_when_unique() {
    let reg = vec![HouseholdAddress {
        id: HouseholdId(7),
        compound_id: AreaId(104),
        building: "7".into(),
        entrance: Some("1".into()),
        room: "1102".into(),
    }];
    let (p, c) = parse_address_with_id("金桂小区7栋1102", &demo_compounds());
    let m = match_household(&p, c, &reg).unwrap();
    assert_eq!(m.id, HouseholdId(7));
    assert!(m.exact);
    assert!((m.confidence - 0.9).abs() < 1e-6);
}

proptest! {
    #[test]
    fn never_panics(s in "\\PC{0,200}", bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let compounds = demo_compounds();
        let reg = registry();
        let p = parse_address(&s, &compounds);
        let _ = match_household(&p, None, &reg);
        let lossy = String::from_utf8_lossy(&bytes);
        let (p, c) = parse_address_with_id(&lossy, &compounds);
        let _ = match_household(&p, c, &reg);
    }

    #[test]
    fn never_panics_on_address_like_noise(s in "[0-9一二三五十栋单元号楼门室座#\\-A-Za-z锦绣花园 ]{0,60}") {
        let _ = parse_address(&s, &demo_compounds());
    }
}

#[test]
fn english_addresses_put_the_word_before_the_number() {
    for (text, b, e, r) in [
        (
            "We live in Building 3, Unit 2, Room 501",
            "3",
            Some("2"),
            "501",
        ),
        (
            "Heping Li bldg 12 rm 1101, please hurry",
            "12",
            None,
            "1101",
        ),
        ("block 7 entrance 1 flat 302", "7", Some("1"), "302"),
        ("building #15, apt. 602", "15", None, "602"),
    ] {
        let a = parse_address(text, &[]);
        assert_eq!(a.building.as_deref(), Some(b), "{text}: {a:?}");
        assert_eq!(a.entrance.as_deref(), e, "{text}: {a:?}");
        assert_eq!(a.room.as_deref(), Some(r), "{text}: {a:?}");
    }
    // "community" holds "unit" but is no unit; a word without a number is no address.
    let a = parse_address("our community 2 has no food, which room?", &[]);
    assert_eq!(a.entrance, None, "{a:?}");
    assert_eq!(a.room, None, "{a:?}");
}

#[test]
fn unregistered_compounds_are_named_by_their_ending_when_a_number_follows() {
    let compounds = demo_compounds();
    for (text, want) in [
        ("阳光新城5栋2单元301，老人摔了", Some("阳光新城")),
        ("我住枫林湾3-2-501", Some("枫林湾")),
        ("春晖里十二号楼1单元101", Some("春晖里")),
        ("楼道里3个人在吵架", None),
        ("家里3天没菜了", None),
        ("港湾的风景很好", None),
    ] {
        let (parts, id) = parse_address_with_id(text, &compounds);
        assert_eq!(parts.compound.as_deref(), want, "{text}");
        assert_eq!(id, None, "{text}");
    }
}
