//! Households and residents: who lives in each occupied flat, with the care tags the
//! community's 五必联 / 三主联 lists are built from.

use super::territory::Flat;
use super::{names, DemoHousehold, DemoResident, Rng, HOUSEHOLD_COUNT, REFERENCE_YEAR};
use crate::person::Phone;
use crate::vocab::CareTag;
use std::collections::BTreeSet;

/// A resident before names, phones and IDs are drawn.
struct Draft {
    age: i16,
    male: bool,
    relation: &'static str,
    surname: Lineage,
    pregnant: bool,
}

/// Where a resident's surname comes from: children take their father's.
#[derive(Clone, Copy)]
enum Lineage {
    Own,
    Paternal,
    /// The householder's father shares the householder's surname.
    Head,
}

fn person(age: i16, male: bool, relation: &'static str, surname: Lineage) -> Draft {
    Draft {
        age,
        male,
        relation,
        surname,
        pregnant: false,
    }
}

/// The age pyramid of an older residential street leans on this: most people over 60 are
/// in their sixties, a few past 80.
fn elder_age(rng: &mut Rng) -> i16 {
    match rng.below(100) {
        0..60 => rng.range(60, 69),
        60..89 => rng.range(70, 79),
        _ => rng.range(80, 95),
    }
}

/// Householder and spouse; the spouse is a few years either side.
fn couple(rng: &mut Rng, head_age: i16) -> Vec<Draft> {
    let head_male = rng.chance(6_000);
    let spouse_age = (head_age + rng.range(-4, 4)).max(20);
    vec![
        person(head_age, head_male, "户主", Lineage::Own),
        person(spouse_age, !head_male, "配偶", Lineage::Own),
    ]
}

/// A couple with one or two minor children (子女). The eldest child's age is drawn first
/// and the parents' from it, so that children's ages come out evenly spread; fewer are
/// under three because births have fallen every year since 2017.
fn family(rng: &mut Rng) -> Vec<Draft> {
    let mut age = rng.range(0, 17);
    if age < 3 && rng.chance(5_000) {
        age = rng.range(3, 17);
    }
    let parent_age = age + rng.range(24, 34);
    let mut m = couple(rng, parent_age);
    let count = if rng.chance(2_800) { 2 } else { 1 };
    for _ in 0..count {
        m.push(person(age, rng.chance(5_100), "子女", Lineage::Paternal));
        age -= rng.range(1, 8);
        if age < 0 {
            break;
        }
    }
    m
}

/// A pregnant woman of child-bearing age in a couple; a family with a newborn rarely is.
fn maybe_pregnant(rng: &mut Rng, members: &mut [Draft]) {
    let newborn = members.iter().any(|d| d.relation == "子女" && d.age == 0);
    if let Some(w) = members
        .iter_mut()
        .find(|d| !d.male && (22..=42).contains(&d.age))
    {
        w.pregnant = !newborn && rng.chance(420);
    }
}

/// Household compositions, per 1,000 households, chosen so that the street averages about
/// 2.7 residents a household with roughly a fifth of them 60 or older.
fn draft_household(rng: &mut Rng) -> (Vec<Draft>, bool) {
    let roll = rng.below(1_000);
    let mut members = match roll {
        // Elderly living alone: one person, mostly past 70.
        0..30 => {
            let age = match rng.below(10) {
                0..2 => rng.range(65, 69),
                2..7 => rng.range(70, 79),
                _ => rng.range(80, 96),
            };
            return (
                vec![person(age, rng.chance(3_500), "户主", Lineage::Own)],
                true,
            );
        }
        30..130 => vec![person(
            rng.range(22, 59),
            rng.chance(5_500),
            "户主",
            Lineage::Own,
        )],
        130..255 => {
            let head = elder_age(rng);
            couple(rng, head)
        }
        255..400 => {
            let head = rng.range(24, 59);
            couple(rng, head)
        }
        400..710 => family(rng),
        // Three generations: a family and one or two of the householder's parents.
        710..850 => {
            let mut m = family(rng);
            let head = m[0].age;
            let parent = (head + rng.range(24, 32)).min(96);
            if rng.chance(5_500) {
                m.push(person(parent, true, "父母", Lineage::Head));
                let mother = (parent + rng.range(-5, 2)).min(96);
                m.push(person(mother, false, "父母", Lineage::Own));
            } else {
                let father = rng.chance(3_000);
                let surname = if father { Lineage::Head } else { Lineage::Own };
                m.push(person(parent, father, "父母", surname));
            }
            m
        }
        // Grandparents raising a grandchild while the parents work elsewhere (隔代).
        850..880 => {
            let head = rng.range(56, 74);
            let mut m = couple(rng, head);
            m.push(person(
                rng.range(2, 14),
                rng.chance(5_100),
                "孙辈",
                Lineage::Paternal,
            ));
            m
        }
        // A couple with a grown child still at home.
        880..945 => {
            let head = rng.range(48, 66);
            let mut m = couple(rng, head);
            let child = (head - rng.range(24, 32)).max(18);
            m.push(person(child, rng.chance(5_000), "子女", Lineage::Paternal));
            m
        }
        // A rented flat, alone or shared.
        _ => {
            let n = rng.range(1, 3);
            (0..n)
                .map(|_| person(rng.range(20, 38), rng.chance(5_000), "租户", Lineage::Own))
                .collect()
        }
    };
    maybe_pregnant(rng, &mut members);
    (members, false)
}

/// Draws tags per resident at rates that reflect how illness and disability rise with age.
fn care_tags(rng: &mut Rng, d: &Draft, alone: bool) -> Vec<CareTag> {
    let old = d.age >= 60;
    let adult = d.age >= 18;
    let mut tags = Vec::new();
    let mut tag = |t: CareTag, yes: bool| {
        if yes {
            tags.push(t);
        }
    };
    tag(CareTag::ElderlyAlone, alone);
    tag(CareTag::Aged70Plus, d.age >= 70);
    tag(
        CareTag::SeriousIllness,
        rng.chance(if old {
            650
        } else if adult {
            160
        } else {
            30
        }),
    );
    tag(CareTag::SuddenIllness, rng.chance(if old { 60 } else { 8 }));
    tag(CareTag::Disabled, rng.chance(if old { 420 } else { 100 }));
    let no_smartphone = match d.age {
        80.. => 7_500,
        70..80 => 2_500,
        60..70 => 400,
        _ => 0,
    };
    tag(CareTag::NoSmartphone, rng.chance(no_smartphone));
    tag(
        CareTag::Distressed,
        adult && rng.chance(if alone { 600 } else { 130 }),
    );
    tag(CareTag::Pregnant, d.pregnant);
    tag(CareTag::Infant, d.age < 3);
    tags
}

/// Invents 身份证号 and phone numbers, each unique on the street: a draw that is already
/// taken is drawn again.
#[derive(Default)]
struct Registry {
    phones: BTreeSet<u32>,
    ids: BTreeSet<String>,
}

impl Registry {
    /// `1990` and seven random digits; the 1990 block is used by nobody we know of.
    fn phone(&mut self, rng: &mut Rng) -> Phone {
        let n = loop {
            let n = rng.below(10_000_000) as u32;
            if self.phones.insert(n) {
                break n;
            }
        };
        Phone::parse(&format!("1990{n:07}"))
            .expect("an 11-digit number starting with 1 is a mobile number")
    }

    /// Region 990102 (province 99 is unassigned: 云江市 桂湖区), birth date, a sequence
    /// number whose last digit is odd for men, and the ISO 7064 MOD 11-2 check character.
    fn id_number(&mut self, rng: &mut Rng, birth_year: i16, male: bool) -> String {
        loop {
            let month = rng.range(1, 12);
            let day = rng.range(1, 28);
            let seq = rng.below(500) * 2 + u64::from(male);
            let body = format!("990102{birth_year:04}{month:02}{day:02}{seq:03}");
            let id = format!("{body}{}", crate::linkage::id_check_char(&body));
            if self.ids.insert(id.clone()) {
                return id;
            }
        }
    }
}

fn residents(rng: &mut Rng, reg: &mut Registry) -> Vec<DemoResident> {
    let (drafts, alone) = draft_household(rng);
    let head_surname = names::surname(rng);
    let spouse_surname = names::surname(rng);
    let head_male = drafts[0].male;
    let spouse_male = drafts.iter().any(|d| d.relation == "配偶" && d.male);
    let paternal = if !head_male && spouse_male {
        spouse_surname
    } else {
        head_surname
    };
    let mut out: Vec<DemoResident> = Vec::with_capacity(drafts.len());
    for (i, d) in drafts.iter().enumerate() {
        let birth_year = REFERENCE_YEAR - d.age;
        let surname = match (i, d.relation, d.surname) {
            (0, _, _) | (_, _, Lineage::Head) => head_surname,
            (_, "配偶", _) => spouse_surname,
            (_, _, Lineage::Paternal) => paternal,
            _ => names::surname(rng),
        };
        // Names within a household must differ, or a call-taker cannot tell them apart.
        let name = loop {
            let candidate = format!("{surname}{}", names::given_name(rng, birth_year, d.male));
            if out.iter().all(|r| r.name != candidate) {
                break candidate;
            }
        };
        let care_tags = care_tags(rng, d, alone);
        let has_phone = match d.age {
            16.. if care_tags.contains(&CareTag::NoSmartphone) => rng.chance(5_000),
            16.. => rng.chance(9_600),
            12..16 => rng.chance(6_000),
            _ => false,
        };
        let phone = has_phone.then(|| reg.phone(rng));
        // Tenants' cards are often incomplete; the three-source cross-check exists for this.
        let has_id = rng.chance(if d.relation == "租户" { 8_000 } else { 9_800 });
        let id_number = has_id.then(|| reg.id_number(rng, birth_year, d.male));
        out.push(DemoResident {
            name,
            phone,
            birth_year,
            gender: if d.male { '男' } else { '女' },
            relation: d.relation,
            care_tags,
            id_number,
        });
    }
    out
}

/// Fills exactly [`HOUSEHOLD_COUNT`] of the flats; the rest stand empty, as some always do.
pub(super) fn populate(flats: &[Flat], rng: &mut Rng) -> Vec<DemoHousehold> {
    assert!(
        flats.len() >= HOUSEHOLD_COUNT,
        "the demo street has {} flats, fewer than {HOUSEHOLD_COUNT} households",
        flats.len()
    );
    let mut reg = Registry::default();
    let mut needed = HOUSEHOLD_COUNT;
    let mut out = Vec::with_capacity(HOUSEHOLD_COUNT);
    for (i, flat) in flats.iter().enumerate() {
        // Selection sampling (Knuth's algorithm S) picks exactly `needed` of the remaining
        // flats, spread evenly, in one pass.
        let remaining = (flats.len() - i) as u64;
        if rng.below(remaining) >= needed as u64 {
            continue;
        }
        needed -= 1;
        out.push(DemoHousehold {
            area: flat.area,
            building: flat.building.clone(),
            entrance: Some(flat.entrance.clone()),
            room: flat.room.clone(),
            address: format!(
                "{}{}{}单元{}",
                flat.compound, flat.building_name, flat.entrance, flat.room
            ),
            residents: residents(rng, &mut reg),
        });
    }
    out
}
