//! 三方数据核查: the grid workers' list, the police register and the property owners' list
//! linked into doors and persons, every pairing explained field by field.
//!
//! Records are blocked on their door (the unit key the import gave them), then paired
//! across lists within a door. Each field is compared in discrete levels, as Fellegi and
//! Sunter's record linkage does (exact, alike, different, missing), each level with a
//! weight: a valid ID number that agrees all but settles it, a mistyped one (bad check
//! digit) is never a key; a name that agrees counts for less when many doors have it (王芳
//! is common, 麦尔旦·买买提 is not); a name said alike (toneless pinyin) or one character
//! off counts for less than an exact one. Pairs at or above [`MATCH`] are the same person,
//! best pairs first, each record joined to at most one of every other list.
//!
//! A door is then matched in all three lists, in two (which), in one only, or conflicting:
//! the same person with two ID numbers or two phones, a name written two ways, or the grid
//! list and the register disagreeing on who lives there. An owner on the property list
//! who is nobody on the grid list is told apart as an owner living elsewhere, not a
//! conflict. Every conclusion carries its reasons, in Chinese and English.

use crate::linkage::Source;
use crate::person::mask_middle;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The score at or above which two records are the same person.
pub const MATCH: f64 = 3.0;

/// One kept row, as the cross-check compares it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rec {
    pub id: i64,
    pub source: Source,
    pub row: i64,
    /// The door's unit key; records of one door share it.
    pub door: String,
    pub name: String,
    pub name_key: String,
    pub name_pinyin: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub id_valid: bool,
    pub birth_year: Option<i64>,
    pub sex: Option<String>,
    pub owner: bool,
}

/// How one field of a pair compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Exact,
    Alike,
    Different,
    Missing,
}

/// One field's comparison: its level, its weight and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldScore {
    pub field: &'static str,
    pub level: Level,
    pub weight: f64,
    pub zh: String,
    pub en: String,
}

/// Two records compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pairing {
    pub a: i64,
    pub b: i64,
    pub score: f64,
    pub matched: bool,
    pub fields: Vec<FieldScore>,
}

impl Pairing {
    /// The explanation in one line: "身份证号一致 +8.0；姓名一致 +3.2 … = 12.2，同一人".
    pub fn explain(&self, lang: crate::vocab::Lang) -> String {
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|f| format!("{} {:+.1}", lang.pick(&f.zh, &f.en), f.weight))
            .collect();
        let verdict = if self.matched {
            lang.pick("同一人", "the same person")
        } else {
            lang.pick("不是同一人", "not the same person")
        };
        format!(
            "{} = {:.1}，{verdict}",
            parts.join(lang.pick("；", "; ")),
            self.score
        )
    }
}

/// One person as the lists know them: at most one record from each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    /// The name as the first list that has the person writes it (grid, police, property).
    pub name: String,
    /// (list, record id, row) of each record.
    pub records: Vec<(Source, i64, i64)>,
    /// On the property list as its owner.
    pub owner: bool,
    /// On the grid list, that is, living there.
    pub resident: bool,
}

impl Person {
    pub fn sources(&self) -> Vec<Source> {
        self.records.iter().map(|(s, _, _)| *s).collect()
    }
}

/// What a door's lists disagree on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// id_number, phone, name or members.
    pub field: &'static str,
    /// The person it concerns, by name; `None` for the door's members.
    pub person: Option<String>,
    /// Each list's value (phones and ID numbers masked).
    pub values: Vec<(Source, String)>,
    pub zh: String,
    pub en: String,
}

/// The outcome for one door.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "sources")]
pub enum Outcome {
    /// In all three lists, and they agree.
    AllThree,
    /// In two lists (these), and they agree.
    Two(Vec<Source>),
    /// The lists disagree on who lives there or how to reach them.
    Conflicting,
    /// In this list only.
    OnlyOne(Source),
}

impl Outcome {
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::AllThree => "all_three",
            Outcome::Two(_) => "two",
            Outcome::Conflicting => "conflicting",
            Outcome::OnlyOne(_) => "only_one",
        }
    }
    pub fn label(&self, lang: crate::vocab::Lang) -> String {
        match self {
            Outcome::AllThree => lang.pick("三方一致", "all three agree").into(),
            Outcome::Two(s) => {
                let names: Vec<&str> = s.iter().map(|s| s.label(lang)).collect();
                match lang {
                    crate::vocab::Lang::Zh => format!("两方一致（{}）", names.join("、")),
                    crate::vocab::Lang::En => format!("two agree ({})", names.join(", ")),
                }
            }
            Outcome::Conflicting => lang.pick("存在冲突", "conflicting").into(),
            Outcome::OnlyOne(s) => match lang {
                crate::vocab::Lang::Zh => format!("仅一方（{}）", s.label(lang)),
                crate::vocab::Lang::En => format!("one only ({})", s.label(lang)),
            },
        }
    }
}

/// One door's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoorReport {
    pub door: String,
    pub outcome: Outcome,
    pub sources: Vec<Source>,
    pub persons: Vec<Person>,
    pub conflicts: Vec<Conflict>,
    /// Every pair compared, best first.
    pub pairings: Vec<Pairing>,
    /// Owners on the property list who are nobody on the grid list (living elsewhere).
    pub owners_elsewhere: Vec<String>,
}

/// How many doors have a name, for weighting names that agree.
pub struct NameFrequency {
    doors_with: HashMap<String, usize>,
}

impl NameFrequency {
    pub fn of(recs: &[Rec]) -> NameFrequency {
        let mut seen: HashSet<(&str, &str)> = HashSet::new();
        let mut doors_with: HashMap<String, usize> = HashMap::new();
        for r in recs {
            if seen.insert((r.name_key.as_str(), r.door.as_str())) {
                *doors_with.entry(r.name_key.clone()).or_default() += 1;
            }
        }
        NameFrequency { doors_with }
    }
    /// An agreeing name's weight: 5 for a name one door has, less the more doors have it
    /// (half a point for every doubling), never under 3.5: within one door the same name
    /// alone is still the same person, unless something else disagrees.
    fn exact_weight(&self, key: &str) -> f64 {
        let n = self.doors_with.get(key).copied().unwrap_or(1).max(1) as f64;
        (5.0 - n.log2() * 0.5).max(3.5)
    }
}

fn masked_phone(p: &str) -> String {
    mask_middle(p, 3, 4)
}

fn masked_id(n: &str) -> String {
    mask_middle(n, 6, 4)
}

fn fs(field: &'static str, level: Level, weight: f64, zh: String, en: String) -> FieldScore {
    FieldScore {
        field,
        level,
        weight,
        zh,
        en,
    }
}

/// Compares two records field by field.
pub fn compare(a: &Rec, b: &Rec, names: &NameFrequency) -> Pairing {
    let mut fields = Vec::new();
    // The ID number: only valid ones are keys.
    let ids = (
        a.id_number.as_deref().filter(|_| a.id_valid),
        b.id_number.as_deref().filter(|_| b.id_valid),
    );
    fields.push(match ids {
        (Some(x), Some(y)) if x == y => fs(
            "id_number",
            Level::Exact,
            8.0,
            "身份证号一致".into(),
            "the ID numbers agree".into(),
        ),
        (Some(x), Some(y)) => fs(
            "id_number",
            Level::Different,
            -6.0,
            format!("身份证号不同（{} / {}）", masked_id(x), masked_id(y)),
            format!(
                "the ID numbers differ ({} / {})",
                masked_id(x),
                masked_id(y)
            ),
        ),
        _ => fs(
            "id_number",
            Level::Missing,
            0.0,
            "身份证号缺一方或校验不通过，不作比对".into(),
            "an ID number missing or failing its check; not compared".into(),
        ),
    });
    // The name: exact, said alike, one character off, or different.
    let name = if a.name_key == b.name_key {
        let w = names.exact_weight(&a.name_key);
        fs(
            "name",
            Level::Exact,
            w,
            format!("姓名一致（{}）", a.name_key),
            format!("the names agree ({})", a.name_key),
        )
    } else if !a.name_pinyin.is_empty() && a.name_pinyin == b.name_pinyin {
        fs(
            "name",
            Level::Alike,
            2.5,
            format!("姓名同音不同字（{} / {}）", a.name_key, b.name_key),
            format!("the names sound alike ({} / {})", a.name_key, b.name_key),
        )
    } else if strsim::levenshtein(&a.name_key, &b.name_key) == 1 && a.name_key.chars().count() >= 2
    {
        fs(
            "name",
            Level::Alike,
            1.5,
            format!("姓名差一个字（{} / {}）", a.name_key, b.name_key),
            format!(
                "the names differ by one character ({} / {})",
                a.name_key, b.name_key
            ),
        )
    } else {
        fs(
            "name",
            Level::Different,
            -4.0,
            format!("姓名不同（{} / {}）", a.name_key, b.name_key),
            format!("the names differ ({} / {})", a.name_key, b.name_key),
        )
    };
    fields.push(name);
    // The phone.
    fields.push(match (a.phone.as_deref(), b.phone.as_deref()) {
        (Some(x), Some(y)) if x == y => fs(
            "phone",
            Level::Exact,
            3.0,
            "电话一致".into(),
            "the phones agree".into(),
        ),
        (Some(x), Some(y)) => fs(
            "phone",
            Level::Different,
            -0.5,
            format!("电话不同（{} / {}）", masked_phone(x), masked_phone(y)),
            format!(
                "the phones differ ({} / {})",
                masked_phone(x),
                masked_phone(y)
            ),
        ),
        _ => fs(
            "phone",
            Level::Missing,
            0.0,
            "电话缺一方".into(),
            "a phone missing".into(),
        ),
    });
    // Birth year and sex, where both lists give them.
    if let (Some(x), Some(y)) = (a.birth_year, b.birth_year) {
        fields.push(if (x - y).abs() <= 1 {
            fs(
                "birth_year",
                Level::Exact,
                1.0,
                format!("出生年份相符（{x}）"),
                format!("the birth years agree ({x})"),
            )
        } else {
            fs(
                "birth_year",
                Level::Different,
                -3.0,
                format!("出生年份不同（{x} / {y}）"),
                format!("the birth years differ ({x} / {y})"),
            )
        });
    }
    if let (Some(x), Some(y)) = (a.sex.as_deref(), b.sex.as_deref()) {
        if x != y {
            fields.push(fs(
                "sex",
                Level::Different,
                -3.0,
                format!("性别不同（{x} / {y}）"),
                format!("the sexes differ ({x} / {y})"),
            ));
        }
    }
    let score = fields.iter().map(|f| f.weight).sum::<f64>();
    Pairing {
        a: a.id,
        b: b.id,
        score,
        matched: score >= MATCH,
        fields,
    }
}

/// Links the records into doors and persons and reports each door, in door order.
pub fn cross_check(recs: &[Rec]) -> Vec<DoorReport> {
    let names = NameFrequency::of(recs);
    let mut doors: BTreeMap<&str, Vec<&Rec>> = BTreeMap::new();
    for r in recs {
        doors.entry(r.door.as_str()).or_default().push(r);
    }
    doors
        .into_iter()
        .map(|(door, rs)| door_report(door, &rs, &names))
        .collect()
}

fn door_report(door: &str, rs: &[&Rec], names: &NameFrequency) -> DoorReport {
    let by_id: HashMap<i64, &Rec> = rs.iter().map(|r| (r.id, *r)).collect();
    // Every pair across lists, best first (ties by record order, for a stable report).
    let mut pairings: Vec<Pairing> = Vec::new();
    for (i, a) in rs.iter().enumerate() {
        for b in &rs[i + 1..] {
            if a.source != b.source {
                pairings.push(compare(a, b, names));
            }
        }
    }
    pairings.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    // Persons: each record starts alone; a matched pair joins two persons when neither
    // already has a record from the other's lists.
    let mut person_of: HashMap<i64, usize> = HashMap::new();
    let mut members: Vec<Vec<i64>> = Vec::new();
    for r in rs {
        person_of.insert(r.id, members.len());
        members.push(vec![r.id]);
    }
    for p in pairings.iter().filter(|p| p.matched) {
        let (pa, pb) = (person_of[&p.a], person_of[&p.b]);
        if pa == pb {
            continue;
        }
        let sources =
            |m: &Vec<i64>| -> HashSet<Source> { m.iter().map(|id| by_id[id].source).collect() };
        if !sources(&members[pa]).is_disjoint(&sources(&members[pb])) {
            continue;
        }
        let moved = std::mem::take(&mut members[pb]);
        for id in &moved {
            person_of.insert(*id, pa);
        }
        members[pa].extend(moved);
    }
    let mut persons: Vec<(Person, Vec<&Rec>)> = members
        .into_iter()
        .filter(|m| !m.is_empty())
        .map(|m| {
            let mut recs: Vec<&Rec> = m.iter().map(|id| by_id[id]).collect();
            recs.sort_by_key(|r| (r.source, r.row));
            let person = Person {
                name: recs[0].name.clone(),
                records: recs.iter().map(|r| (r.source, r.id, r.row)).collect(),
                owner: recs.iter().any(|r| r.source == Source::Property || r.owner),
                resident: recs.iter().any(|r| r.source == Source::Grid),
            };
            (person, recs)
        })
        .collect();
    persons.sort_by_key(|(p, _)| p.records.first().map(|(s, _, row)| (*s, *row)));
    let mut sources: Vec<Source> = rs.iter().map(|r| r.source).collect();
    sources.sort();
    sources.dedup();
    // What the lists disagree on.
    let mut conflicts = Vec::new();
    for (p, recs) in &persons {
        let distinct = |f: &dyn Fn(&Rec) -> Option<String>| -> Vec<(Source, String)> {
            recs.iter()
                .filter_map(|r| f(r).map(|v| (r.source, v)))
                .collect()
        };
        let ids = distinct(&|r| r.id_number.clone().filter(|_| r.id_valid));
        if ids.iter().map(|(_, v)| v).collect::<HashSet<_>>().len() > 1 {
            conflicts.push(Conflict {
                field: "id_number",
                person: Some(p.name.clone()),
                values: ids.iter().map(|(s, v)| (*s, masked_id(v))).collect(),
                zh: format!("{}的身份证号各方不一致", p.name),
                en: format!("the lists give {} different ID numbers", p.name),
            });
        }
        let phones = distinct(&|r| r.phone.clone());
        if phones.iter().map(|(_, v)| v).collect::<HashSet<_>>().len() > 1 {
            conflicts.push(Conflict {
                field: "phone",
                person: Some(p.name.clone()),
                values: phones.iter().map(|(s, v)| (*s, masked_phone(v))).collect(),
                zh: format!("{}的电话各方不一致", p.name),
                en: format!("the lists give {} different phones", p.name),
            });
        }
        let written = distinct(&|r| Some(r.name_key.clone()));
        if written.iter().map(|(_, v)| v).collect::<HashSet<_>>().len() > 1 {
            conflicts.push(Conflict {
                field: "name",
                person: Some(p.name.clone()),
                values: written,
                zh: format!("{}的姓名写法各方不同", p.name),
                en: format!("the lists write {}'s name differently", p.name),
            });
        }
    }
    // Who lives there: the grid list and the register should name the same people.
    if sources.contains(&Source::Grid) && sources.contains(&Source::Police) {
        let only = |s: Source, not: Source| -> Vec<String> {
            persons
                .iter()
                .filter(|(p, _)| {
                    let ss = p.sources();
                    ss.contains(&s) && !ss.contains(&not)
                })
                .map(|(p, _)| p.name.clone())
                .collect()
        };
        let grid_only = only(Source::Grid, Source::Police);
        let police_only = only(Source::Police, Source::Grid);
        if !grid_only.is_empty() || !police_only.is_empty() {
            let count = |s: Source| rs.iter().filter(|r| r.source == s).count();
            let mut zh = format!(
                "人员不一致：网格 {} 人，户籍 {} 人",
                count(Source::Grid),
                count(Source::Police)
            );
            let mut en = format!(
                "who lives there differs: {} on the grid list, {} registered",
                count(Source::Grid),
                count(Source::Police)
            );
            if !grid_only.is_empty() {
                zh.push_str(&format!("；仅网格有：{}", grid_only.join("、")));
                en.push_str(&format!("; grid list only: {}", grid_only.join(", ")));
            }
            if !police_only.is_empty() {
                zh.push_str(&format!("；仅户籍有：{}", police_only.join("、")));
                en.push_str(&format!("; register only: {}", police_only.join(", ")));
            }
            conflicts.push(Conflict {
                field: "members",
                person: None,
                values: vec![
                    (Source::Grid, count(Source::Grid).to_string()),
                    (Source::Police, count(Source::Police).to_string()),
                ],
                zh,
                en,
            });
        }
    }
    let owners_elsewhere: Vec<String> = if sources.contains(&Source::Grid) {
        persons
            .iter()
            .filter(|(p, _)| p.owner && !p.resident)
            .map(|(p, _)| p.name.clone())
            .collect()
    } else {
        Vec::new()
    };
    let outcome = if !conflicts.is_empty() {
        Outcome::Conflicting
    } else {
        match sources.as_slice() {
            [one] => Outcome::OnlyOne(*one),
            [_, _] => Outcome::Two(sources.clone()),
            _ => Outcome::AllThree,
        }
    };
    DoorReport {
        door: door.to_string(),
        outcome,
        sources,
        persons: persons.into_iter().map(|(p, _)| p).collect(),
        conflicts,
        pairings,
        owners_elsewhere,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linkage::{name_key, name_pinyin};

    fn rec(id: i64, source: Source, door: &str, name: &str) -> Rec {
        Rec {
            id,
            source,
            row: id,
            door: door.into(),
            name: name.into(),
            name_key: name_key(name),
            name_pinyin: name_pinyin(name),
            phone: None,
            id_number: None,
            id_valid: false,
            birth_year: None,
            sex: None,
            owner: source == Source::Property,
        }
    }

    fn with_id(mut r: Rec, id: &str, valid: bool) -> Rec {
        r.id_number = Some(id.into());
        r.id_valid = valid;
        r
    }

    fn with_phone(mut r: Rec, p: &str) -> Rec {
        r.phone = Some(p.into());
        r
    }

    #[test]
    fn a_door_in_all_three_lists_that_agree() {
        let recs = vec![
            with_phone(rec(1, Source::Grid, "d1", "金桂凤"), "13912345678"),
            with_id(
                rec(2, Source::Police, "d1", "金桂凤"),
                "11010519491231002X",
                true,
            ),
            with_phone(rec(3, Source::Property, "d1", "金桂凤"), "13912345678"),
        ];
        let r = cross_check(&recs);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].outcome, Outcome::AllThree);
        assert_eq!(r[0].persons.len(), 1);
        assert!(r[0].owners_elsewhere.is_empty());
        let best = &r[0].pairings[0];
        assert!(best.matched);
        assert!(
            best.explain(crate::vocab::Lang::Zh)
                .contains("姓名一致（金桂凤） +5.0；电话一致 +3.0"),
            "{}",
            best.explain(crate::vocab::Lang::Zh)
        );
    }

    #[test]
    fn homophones_and_traditional_characters_link_and_are_shown_as_a_conflict_to_decide() {
        let recs = vec![
            with_phone(rec(1, Source::Grid, "d1", "王方"), "13800001111"),
            with_phone(rec(2, Source::Property, "d1", "王芳"), "13800001111"),
            rec(3, Source::Grid, "d2", "陳淑華"),
            rec(4, Source::Police, "d2", "陈淑华"),
        ];
        let r = cross_check(&recs);
        assert_eq!(r[0].outcome, Outcome::Conflicting);
        assert_eq!(r[0].persons.len(), 1, "said alike, same phone: one person");
        assert_eq!(r[0].conflicts[0].field, "name");
        assert!(r[0].pairings[0].fields[1].zh.contains("同音不同字"));
        // Traditional and simplified are one writing: no conflict at all.
        assert_eq!(
            r[1].outcome,
            Outcome::Two(vec![Source::Grid, Source::Police])
        );
    }

    #[test]
    fn two_valid_id_numbers_keep_two_people_apart_and_a_mistyped_one_is_no_key() {
        let recs = vec![
            with_id(
                rec(1, Source::Grid, "d1", "李强"),
                "510104195001011013",
                true,
            ),
            with_id(
                rec(2, Source::Police, "d1", "李强"),
                "11010519491231002X",
                true,
            ),
            with_id(
                rec(3, Source::Grid, "d2", "张伟"),
                "110105194912310021",
                false,
            ),
            with_id(
                rec(4, Source::Police, "d2", "张伟"),
                "11010519491231002X",
                true,
            ),
        ];
        let r = cross_check(&recs);
        assert_eq!(r[0].persons.len(), 2, "{:?}", r[0].pairings);
        assert_eq!(r[0].outcome, Outcome::Conflicting);
        assert_eq!(r[0].conflicts[0].field, "members");
        assert!(
            r[0].conflicts[0].zh.contains("仅网格有：李强"),
            "{}",
            r[0].conflicts[0].zh
        );
        assert_eq!(r[1].persons.len(), 1, "the mistyped ID is not compared");
        assert_eq!(r[1].pairings[0].fields[0].level, Level::Missing);
    }

    #[test]
    fn an_owner_living_elsewhere_is_told_apart_and_common_names_count_for_less() {
        let mut recs = vec![
            rec(1, Source::Grid, "d1", "任霞"),
            rec(2, Source::Property, "d1", "任建国"),
        ];
        for i in 0..16 {
            recs.push(rec(10 + i, Source::Grid, &format!("x{i}"), "王芳"));
        }
        let r = cross_check(&recs);
        assert_eq!(
            r[0].outcome,
            Outcome::Two(vec![Source::Grid, Source::Property])
        );
        assert_eq!(r[0].owners_elsewhere, vec!["任建国".to_string()]);
        let names = NameFrequency::of(&recs);
        assert_eq!(names.exact_weight("任霞"), 5.0);
        assert_eq!(names.exact_weight("王芳"), 3.5);
        // A common name is one person in one door, unless the birth years disagree (a
        // grandmother and the granddaughter named after her).
        let a = rec(100, Source::Grid, "y", "王芳");
        let mut b = rec(101, Source::Police, "y", "王芳");
        assert!(compare(&a, &b, &names).matched);
        let mut a = a;
        a.birth_year = Some(1948);
        b.birth_year = Some(2016);
        assert!(!compare(&a, &b, &names).matched);
        assert_eq!(
            cross_check(&[rec(1, Source::Police, "z", "赵六")])[0].outcome,
            Outcome::OnlyOne(Source::Police)
        );
    }
}
