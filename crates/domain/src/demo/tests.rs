use super::*;
use crate::area::check_nesting;
use crate::linkage::id_check_char;
use crate::vocab::BUILTIN_CATEGORIES;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// Generated once: the street is deterministic, so every test may share it.
fn street() -> &'static DemoStreet {
    static STREET: OnceLock<DemoStreet> = OnceLock::new();
    STREET.get_or_init(demo_street)
}

fn area<'a>(s: &'a DemoStreet, key: &str) -> &'a DemoArea {
    &s.areas[area_index(&s.areas, key)]
}

fn residents(s: &DemoStreet) -> impl Iterator<Item = &DemoResident> {
    s.households.iter().flat_map(|h| &h.residents)
}

fn count_tag(s: &DemoStreet, t: CareTag) -> usize {
    residents(s).filter(|r| r.care_tags.contains(&t)).count()
}

#[test]
fn is_deterministic() {
    assert_eq!(demo_street(), demo_street());
}

#[test]
fn has_exactly_2216_households_and_about_6000_residents() {
    let s = street();
    assert_eq!(s.households.len(), 2_216);
    let n = residents(s).count();
    assert!((5_700..=6_300).contains(&n), "{n} residents");
    assert!(s.households.iter().all(|h| !h.residents.is_empty()));
}

#[test]
fn has_about_60_buildings_each_with_1_to_3_entrances() {
    let s = street();
    let buildings: Vec<usize> = (0..s.areas.len())
        .filter(|&i| s.areas[i].kind == AreaKind::Building)
        .collect();
    assert!(
        (55..=65).contains(&buildings.len()),
        "{} buildings",
        buildings.len()
    );
    for b in buildings {
        let entrances = s.areas.iter().filter(|a| a.parent == Some(b)).count();
        assert!(
            (1..=3).contains(&entrances),
            "{}: {entrances}",
            s.areas[b].key
        );
    }
}

#[test]
fn tree_is_ordered_and_well_nested() {
    let s = street();
    assert_eq!(s.areas[0].kind, AreaKind::City);
    assert_eq!(s.areas[0].parent, None);
    for (i, a) in s.areas.iter().enumerate().skip(1) {
        let p = a
            .parent
            .unwrap_or_else(|| panic!("{} has no parent", a.key));
        assert!(p < i, "{} refers forward", a.key);
        check_nesting(s.areas[p].kind, a.kind).unwrap();
        if a.control.is_some() {
            assert!(a.kind.takes_control_level(), "{}", a.key);
        }
    }
}

#[test]
fn keys_are_unique_and_names_unique_among_siblings() {
    let s = street();
    let keys: BTreeSet<&str> = s.areas.iter().map(|a| a.key.as_str()).collect();
    assert_eq!(keys.len(), s.areas.len());
    let mut siblings = BTreeSet::new();
    for a in &s.areas {
        assert!(
            siblings.insert((a.parent, a.name.as_str())),
            "duplicate {}",
            a.name
        );
    }
    let agency_keys: BTreeSet<&str> = s.agencies.iter().map(|a| a.key.as_str()).collect();
    assert_eq!(agency_keys.len(), s.agencies.len());
}

#[test]
fn fixed_names_and_aliases_are_present() {
    let s = street();
    assert_eq!(area(s, "yunjiang").name, "云江市");
    assert_eq!(area(s, "guihu").name, "桂湖区");
    assert_eq!(area(s, "wangjiang").name, "望江街道");
    let expected = [
        (
            "jinxiu",
            "锦绣花园",
            "qingshi",
            ControlLevel::Sealed,
            &["锦绣", "锦绣小区"],
            20,
        ),
        (
            "cuizhu",
            "翠竹苑",
            "qingshi",
            ControlLevel::Controlled,
            &["翠竹", "翠竹小区"],
            16,
        ),
        (
            "heping",
            "和平里",
            "liuan",
            ControlLevel::Precaution,
            &["和平小区", "和平里小区"],
            12,
        ),
        (
            "jingui",
            "金桂小区",
            "liuan",
            ControlLevel::Precaution,
            &["金桂", "金桂园"],
            12,
        ),
    ];
    for (key, name, community, control, aliases, buildings) in expected {
        let a = area(s, key);
        assert_eq!(a.name, name);
        assert_eq!(a.kind, AreaKind::Compound);
        assert_eq!(a.control, Some(control));
        assert_eq!(a.aliases, aliases.to_vec());
        assert_eq!(a.parent, Some(area_index(&s.areas, community)));
        let n = s
            .areas
            .iter()
            .filter(|b| b.kind == AreaKind::Building && b.key.starts_with(&format!("{key}/")))
            .count();
        assert_eq!(n, buildings, "{name}");
        let zones = s
            .areas
            .iter()
            .filter(|z| z.kind == AreaKind::Zone && z.key.starts_with(&format!("{key}/")))
            .count();
        assert!((2..=3).contains(&zones), "{name}: {zones} zones");
    }
    assert_eq!(area(s, "qingshi").name, "青石社区");
    assert_eq!(area(s, "liuan").name, "柳岸社区");
    assert_eq!(area(s, "jinxiu/z1").name, "锦绣花园一区");
    assert_eq!(area(s, "jinxiu/b3").name, "3栋");
    assert_eq!(area(s, "jinxiu/b3/e2").name, "2单元");
    assert_eq!(area(s, "jingui/bA").name, "A座");
    assert_eq!(area(s, "jingui/bB").name, "B座");
}

#[test]
fn one_sealed_one_controlled_two_precaution_compounds() {
    let s = street();
    let levels: Vec<ControlLevel> = s
        .areas
        .iter()
        .filter(|a| a.kind == AreaKind::Compound)
        .filter_map(|a| a.control)
        .collect();
    let count = |l| levels.iter().filter(|&&x| x == l).count();
    assert_eq!(levels.len(), 4);
    assert_eq!(count(ControlLevel::Sealed), 1);
    assert_eq!(count(ControlLevel::Controlled), 1);
    assert_eq!(count(ControlLevel::Precaution), 2);
}

#[test]
fn households_sit_on_entrances_with_consistent_addresses() {
    let s = street();
    let mut addresses = BTreeSet::new();
    for h in &s.households {
        let entrance = &s.areas[h.area];
        assert_eq!(entrance.kind, AreaKind::Entrance);
        assert_eq!(
            Some(format!("{}单元", h.entrance.as_deref().unwrap_or(""))),
            Some(entrance.name.clone())
        );
        let building = &s.areas[entrance.parent.unwrap()];
        let zone = &s.areas[building.parent.unwrap()];
        let compound = &s.areas[zone.parent.unwrap()];
        let expected = format!(
            "{}{}{}{}",
            compound.name, building.name, entrance.name, h.room
        );
        assert_eq!(h.address, expected);
        let floor: u32 = h.room[..h.room.len() - 2].parse().unwrap();
        assert!((1..=18).contains(&floor), "{}", h.address);
        assert!(
            addresses.insert(h.address.as_str()),
            "duplicate {}",
            h.address
        );
    }
    assert!(s
        .households
        .iter()
        .any(|h| h.address.starts_with("金桂小区A座") && h.room.len() == 4));
}

#[test]
fn phones_and_id_numbers_are_unique_and_well_formed() {
    let s = street();
    let phones: Vec<&str> = residents(s)
        .filter_map(|r| r.phone.as_ref())
        .map(|p| p.as_str())
        .collect();
    let unique: BTreeSet<&str> = phones.iter().copied().collect();
    assert_eq!(unique.len(), phones.len());
    assert!(phones
        .iter()
        .all(|p| p.len() == 11 && p.starts_with("1990")));
    let adults = residents(s)
        .filter(|r| REFERENCE_YEAR - r.birth_year >= 18)
        .count();
    assert!(
        phones.len() * 10 > adults * 8,
        "{} phones for {adults} adults",
        phones.len()
    );
    assert!(residents(s)
        .filter(|r| r.care_tags.contains(&CareTag::Infant))
        .all(|r| r.phone.is_none()));

    let ids: Vec<&str> = residents(s)
        .filter_map(|r| r.id_number.as_deref())
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len());
    for r in residents(s) {
        let Some(id) = &r.id_number else { continue };
        assert_eq!(id.len(), 18);
        assert_eq!(id[6..10].parse::<i16>().unwrap(), r.birth_year);
        let seq_last = id[16..17].parse::<u8>().unwrap();
        assert_eq!(seq_last % 2 == 1, r.gender == '男', "{id}");
        assert_eq!(id.chars().last(), Some(id_check_char(&id[..17])));
    }
    // A published example 身份证号 checks the checksum itself.
    assert_eq!(id_check_char("11010519491231002"), 'X');
}

#[test]
fn every_care_tag_occurs_and_age_tags_match_birth_years() {
    let s = street();
    for &t in CareTag::ALL {
        assert!(count_tag(s, t) > 0, "no resident tagged {t}");
    }
    for r in residents(s) {
        assert_eq!(
            r.care_tags.contains(&CareTag::Aged70Plus),
            r.birth_year <= 1956,
            "{}",
            r.name
        );
        assert_eq!(
            r.care_tags.contains(&CareTag::Infant),
            r.birth_year >= 2024,
            "{}",
            r.name
        );
        if r.care_tags.contains(&CareTag::Pregnant) {
            assert!(
                (20..=45).contains(&(REFERENCE_YEAR - r.birth_year)),
                "{}",
                r.name
            );
            assert_eq!(r.gender, '女');
        }
    }
}

#[test]
fn names_differ_within_a_household_and_heads_come_first() {
    for h in &street().households {
        let names: BTreeSet<&str> = h.residents.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names.len(), h.residents.len(), "{}", h.address);
        assert!(h
            .residents
            .iter()
            .all(|r| (2..=4).contains(&r.name.chars().count())));
        let heads = h.residents.iter().filter(|r| r.relation == "户主").count();
        let rented = h.residents.iter().all(|r| r.relation == "租户");
        assert!(
            heads == 1 && h.residents[0].relation == "户主" || heads == 0 && rented,
            "{}",
            h.address
        );
    }
}

#[test]
fn elderly_living_alone_live_alone() {
    let s = street();
    let alone: Vec<&DemoHousehold> = s
        .households
        .iter()
        .filter(|h| {
            h.residents
                .iter()
                .any(|r| r.care_tags.contains(&CareTag::ElderlyAlone))
        })
        .collect();
    assert!(!alone.is_empty());
    for h in alone {
        assert_eq!(h.residents.len(), 1, "{}", h.address);
        assert!(REFERENCE_YEAR - h.residents[0].birth_year >= 60);
    }
}

#[test]
fn age_pyramid_and_tag_rates_are_realistic() {
    let s = street();
    let n = residents(s).count() as f64;
    let share =
        |f: &dyn Fn(&DemoResident) -> bool| residents(s).filter(|r| f(r)).count() as f64 / n;
    let over_60 = share(&|r| REFERENCE_YEAR - r.birth_year >= 60);
    let over_70 = share(&|r| REFERENCE_YEAR - r.birth_year >= 70);
    assert!((0.17..=0.24).contains(&over_60), "60+: {over_60}");
    assert!((0.06..=0.11).contains(&over_70), "70+: {over_70}");
    let households = s.households.len() as f64;
    let alone = count_tag(s, CareTag::ElderlyAlone) as f64 / households;
    assert!((0.02..=0.04).contains(&alone), "elderly alone: {alone}");
    for (tag, lo, hi) in [
        (CareTag::SeriousIllness, 0.01, 0.03),
        (CareTag::Disabled, 0.008, 0.025),
        (CareTag::Pregnant, 0.003, 0.012),
        (CareTag::Distressed, 0.005, 0.02),
    ] {
        let rate = count_tag(s, tag) as f64 / n;
        assert!((lo..=hi).contains(&rate), "{tag}: {rate}");
    }
}

#[test]
fn agencies_refer_backwards_to_known_areas_and_categories() {
    let s = street();
    let codes: BTreeSet<&str> = BUILTIN_CATEGORIES.iter().map(|c| c.0).collect();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, a) in s.agencies.iter().enumerate() {
        *kinds.entry(a.kind.as_str()).or_default() += 1;
        if let Some(p) = a.parent {
            assert!(p < i, "{} refers forward", a.key);
        }
        assert!(a.home_area < s.areas.len());
        assert!(!a.serves_areas.is_empty());
        assert!(a.serves_areas.iter().all(|&x| x < s.areas.len()));
        assert!(!a.categories.is_empty());
        assert!(a.categories.iter().all(|c| codes.contains(c)), "{}", a.key);
    }
    let expected = [
        ("desk", 1),
        ("community_committee", 2),
        ("medical_team", 1),
        ("supply_team", 1),
        ("logistics_team", 9),
        ("property_manager", 4),
        ("district_department", 1),
        ("operations_centre", 1),
    ];
    assert_eq!(kinds, expected.into_iter().collect());
    assert_eq!(
        s.agencies[agency_index(&s.agencies, "desk")].name,
        "望江街道一号台"
    );
    let forwarding: Vec<&str> = s
        .agencies
        .iter()
        .filter(|a| a.is_forwarding_centre)
        .map(|a| a.key.as_str())
        .collect();
    assert_eq!(forwarding, ["district-ops", "desk"]);
}

#[test]
fn nine_logistics_teams_share_out_the_zones() {
    let s = street();
    let teams: Vec<&DemoAgency> = s
        .agencies
        .iter()
        .filter(|a| a.kind == "logistics_team")
        .collect();
    assert_eq!(teams.len(), 9);
    let served: BTreeSet<usize> = teams
        .iter()
        .flat_map(|t| t.serves_areas.iter().copied())
        .collect();
    let zones: BTreeSet<usize> = (0..s.areas.len())
        .filter(|&i| s.areas[i].kind == AreaKind::Zone)
        .collect();
    assert_eq!(served, zones);
    assert!(teams.iter().all(|t| t.serves_areas.len() == 1));
}

#[test]
fn users_cover_every_role_and_secretaries_are_scoped_to_their_community() {
    let s = street();
    for &role in Role::ALL {
        assert!(
            s.users.iter().any(|u| u.roles.contains(&role)),
            "no user with {role}"
        );
    }
    let user = |login: &str| s.users.iter().find(|u| u.login == login).unwrap();
    for (login, community) in [("qingshi", "qingshi"), ("liuan", "liuan")] {
        let u = user(login);
        assert_eq!(u.roles, vec![Role::Admin]);
        assert_eq!(u.areas, vec![area_index(&s.areas, community)]);
        assert_eq!(s.areas[u.areas[0]].kind, AreaKind::Community);
    }
    assert_eq!(user("admin").areas, vec![0]);
    assert_eq!(user("gate").areas, vec![area_index(&s.areas, "jinxiu")]);
    assert_eq!(
        user("logistics").agency,
        Some(agency_index(&s.agencies, "logistics-1"))
    );
    assert_eq!(
        user("handler").agency,
        Some(agency_index(&s.agencies, "medical-team"))
    );
    for u in &s.users {
        assert!(u.password.len() >= 12, "{}", u.login);
        assert!(u.agency.is_none_or(|a| a < s.agencies.len()));
    }
    let logins: BTreeSet<&str> = s.users.iter().map(|u| u.login).collect();
    assert_eq!(logins.len(), s.users.len());
}

#[test]
fn rng_streams_differ_and_repeat() {
    let draw = |n| {
        let mut r = Rng::stream(n);
        (0..4).map(|_| r.next_u64()).collect::<Vec<_>>()
    };
    assert_eq!(draw(1), draw(1));
    assert_ne!(draw(1), draw(2));
    let mut r = Rng::stream(9);
    assert!((0..1_000).all(|_| (3..=5).contains(&r.range(3, 5))));
}

/// Every category asked anywhere on the street finds an agency in the catalogue, and every
/// rule names an area and an agency that exist.
#[test]
fn the_dispatch_catalogue_covers_every_category_in_every_compound() {
    let s = street();
    for r in &s.dispatch_rules {
        area(s, &r.area_key);
        agency_index(&s.agencies, &r.agency_key);
        assert!(
            BUILTIN_CATEGORIES.iter().any(|(c, ..)| *c == r.category),
            "{}",
            r.category
        );
    }
    for (i, a) in s.areas.iter().enumerate() {
        if a.kind != AreaKind::Compound {
            continue;
        }
        let mut chain = BTreeSet::new();
        let mut at = Some(i);
        while let Some(j) = at {
            chain.insert(s.areas[j].key.clone());
            at = s.areas[j].parent;
        }
        for (c, ..) in BUILTIN_CATEGORIES {
            assert!(
                s.dispatch_rules
                    .iter()
                    .any(|r| r.category == *c && chain.contains(&r.area_key)),
                "no rule for {c} in {}",
                a.key
            );
        }
    }
}
