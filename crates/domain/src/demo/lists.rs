//! The demo street's three household lists, as 锦绣花园's grid workers, police station and
//! property manager would hand them over: written from the demo households, each door
//! given at most one of the faults real lists have (a name typed as a homophone, in
//! traditional characters or with a space; a changed phone, a mistyped one, none; a
//! mistyped ID number; a row typed twice; a member registered who no longer lives there;
//! a door missing from a list, or on one list only; an owner who lets the flat), and the
//! address written a different way in each list. Beside them, the answer the cross-check
//! must give for each door, kept so a test can assert the exact report.
//!
//! Pure and deterministic, like the street itself: the files in `data/demo/` are these
//! rows, written by the service's `demo_lists` test.

use super::{DemoHousehold, DemoResident, DemoStreet};
use crate::linkage::Source;

/// The year the lists were drawn up (ages in the grid list are as of it).
pub const LIST_YEAR: i16 = 2026;

/// One list: its headers and rows, as the spreadsheet has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoList {
    pub source: Source,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// What the cross-check must say about one door.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExpectedDoor {
    pub address: String,
    /// all_three, two, conflicting or only_one.
    pub outcome: String,
    /// The lists that have the door, by code.
    pub sources: Vec<String>,
    /// The fault the door was given ("clean" for none).
    pub fault: String,
    /// Owners on the property list who do not live there.
    pub owners_elsewhere: Vec<String>,
}

/// The three lists and the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLists {
    pub grid: DemoList,
    pub police: DemoList,
    pub property: DemoList,
    pub answer: Vec<ExpectedDoor>,
    /// Data-quality notes the imports must raise: (source, flag code, count).
    pub flags: Vec<(Source, &'static str, usize)>,
}

/// The faults, in the order doors take them.
const FAULTS: &[&str] = &[
    "clean",
    "homophone",
    "no_police",
    "clean",
    "no_property",
    "traditional",
    "member_moved_out",
    "phone_changed",
    "clean",
    "no_phone",
    "bad_id",
    "duplicate_row",
    "spaced_name",
    "grid_only",
    "phone_typo",
    "police_only",
];

/// Characters people type for one another (same toneless pinyin).
const HOMOPHONES: &[(char, char)] = &[
    ('霞', '夏'),
    ('芳', '方'),
    ('丽', '莉'),
    ('伟', '卫'),
    ('静', '晶'),
    ('敏', '民'),
    ('军', '君'),
    ('华', '化'),
    ('明', '鸣'),
    ('红', '宏'),
    ('英', '鹰'),
    ('玲', '灵'),
    ('涛', '滔'),
    ('梅', '玫'),
    ('兰', '岚'),
    ('秀', '绣'),
    ('国', '帼'),
    ('建', '健'),
    ('平', '萍'),
    ('文', '雯'),
    ('强', '蔷'),
    ('杰', '洁'),
    ('林', '琳'),
    ('燕', '艳'),
    ('娟', '鹃'),
    ('刚', '钢'),
    ('勇', '涌'),
    ('波', '博'),
    ('辉', '晖'),
    ('云', '芸'),
];

/// Simplified → traditional, for the characters the demo's names use most.
const TRADITIONAL: &[(char, char)] = &[
    ('陈', '陳'),
    ('张', '張'),
    ('刘', '劉'),
    ('杨', '楊'),
    ('赵', '趙'),
    ('黄', '黃'),
    ('吴', '吳'),
    ('郑', '鄭'),
    ('孙', '孫'),
    ('马', '馬'),
    ('罗', '羅'),
    ('许', '許'),
    ('邓', '鄧'),
    ('冯', '馮'),
    ('韩', '韓'),
    ('叶', '葉'),
    ('华', '華'),
    ('国', '國'),
    ('兰', '蘭'),
    ('凤', '鳳'),
    ('丽', '麗'),
    ('红', '紅'),
    ('军', '軍'),
    ('伟', '偉'),
    ('涛', '濤'),
    ('娟', '娟'),
];

fn homophone(name: &str) -> Option<String> {
    // The given name, never the surname: a surname typed wrong is another family.
    let mut chars: Vec<char> = name.chars().collect();
    for c in chars.iter_mut().skip(1) {
        if let Some((_, h)) = HOMOPHONES.iter().find(|(a, _)| a == c) {
            *c = *h;
            return Some(chars.into_iter().collect());
        }
    }
    None
}

fn traditional(name: &str) -> Option<String> {
    let mut changed = false;
    let out: String = name
        .chars()
        .map(
            |c| match TRADITIONAL.iter().find(|(s, t)| *s == c && *t != c) {
                Some((_, t)) => {
                    changed = true;
                    *t
                }
                None => c,
            },
        )
        .collect();
    changed.then_some(out)
}

/// The address as the police register writes it: each door a different way.
fn police_address(h: &DemoHousehold, i: usize) -> String {
    let e = h.entrance.as_deref().unwrap_or("1");
    match i % 4 {
        0 => h.address.clone(),
        1 => format!("锦绣花园{}-{}-{}", h.building, e, h.room),
        2 => format!("锦绣花园{}号楼{}单元{}室", h.building, e, h.room),
        _ => format!("青石街道锦绣花园{}幢{}门{}", h.building, e, h.room),
    }
}

/// A phone written as a grid worker types it.
fn typed_phone(p: &str, i: usize) -> String {
    match i % 3 {
        0 => p.to_string(),
        1 => format!("{} {} {}", &p[..3], &p[3..7], &p[7..]),
        _ => format!("{}-{}-{}", &p[..3], &p[3..7], &p[7..]),
    }
}

fn head(h: &DemoHousehold) -> &DemoResident {
    h.residents
        .iter()
        .find(|r| r.relation == "户主")
        .unwrap_or(&h.residents[0])
}

/// Whether the flat is let: its head is a tenant, and the owner lives elsewhere.
fn let_out(h: &DemoHousehold) -> bool {
    h.residents.iter().all(|r| r.relation == "租户")
}

/// The owner of a let flat: someone of another family, with a phone of their own.
fn absent_owner(i: usize) -> (String, String) {
    const NAMES: &[&str] = &["欧阳建国", "司马文静", "诸葛明远", "上官秀英", "东方志强"];
    (
        NAMES[i % NAMES.len()].to_string(),
        format!("1770000{:04}", i % 10_000),
    )
}

/// Builds the three lists of 锦绣花园 from the demo street, with the answer.
pub fn demo_lists(street: &DemoStreet) -> DemoLists {
    let homes: Vec<&DemoHousehold> = street
        .households
        .iter()
        .filter(|h| h.address.starts_with("锦绣花园"))
        .collect();
    let mut grid = DemoList {
        source: Source::Grid,
        headers: vec![
            "姓名",
            "性别",
            "年龄",
            "联系电话",
            "小区",
            "楼栋",
            "单元",
            "房号",
            "与户主关系",
            "人员类别",
            "备注",
        ],
        rows: Vec::new(),
    };
    let mut police = DemoList {
        source: Source::Police,
        headers: vec!["姓名", "公民身份号码", "性别", "户籍地址", "与户主关系"],
        rows: Vec::new(),
    };
    let mut property = DemoList {
        source: Source::Property,
        headers: vec!["业主姓名", "业主电话", "小区", "房号", "备注"],
        rows: Vec::new(),
    };
    let mut answer = Vec::new();
    let mut flags: Vec<(Source, &'static str, usize)> = Vec::new();
    let mut flag = |s: Source, code: &'static str| match flags
        .iter_mut()
        .find(|(fs, fc, _)| *fs == s && *fc == code)
    {
        Some(f) => f.2 += 1,
        None => flags.push((s, code, 1)),
    };
    for (i, h) in homes.iter().enumerate() {
        let hd = head(h);
        let mut fault = FAULTS[i % FAULTS.len()];
        // A fault the door cannot take falls back to none.
        let fits = match fault {
            // Linked in spite of the spelling only by what else agrees: the phone and the
            // birth year the ID number gives.
            "homophone" => {
                homophone(&hd.name).is_some()
                    && hd.phone.is_some()
                    && hd.id_number.is_some()
                    && !let_out(h)
            }
            "traditional" => traditional(&hd.name).is_some(),
            "phone_changed" | "no_phone" | "phone_typo" => hd.phone.is_some() && !let_out(h),
            "bad_id" => hd.id_number.is_some(),
            "spaced_name" => hd.name.chars().count() >= 2,
            _ => true,
        };
        if !fits {
            fault = "clean";
        }
        let e = h.entrance.clone().unwrap_or_default();
        let in_grid = fault != "police_only";
        let in_police = !matches!(fault, "no_police" | "grid_only");
        let in_property = !matches!(fault, "no_property" | "grid_only" | "police_only");
        if in_grid {
            for r in &h.residents {
                let is_head = std::ptr::eq(r, hd);
                let name = match fault {
                    "homophone" if is_head => homophone(&r.name).unwrap_or(r.name.clone()),
                    "spaced_name" if is_head => {
                        let mut cs = r.name.chars();
                        let first: String = cs.next().into_iter().collect();
                        format!("{first} {}", cs.collect::<String>())
                    }
                    _ => r.name.clone(),
                };
                let phone = match (&r.phone, fault) {
                    (Some(_), "no_phone") if is_head => String::new(),
                    (Some(p), "phone_typo") if is_head => {
                        flag(Source::Grid, "bad_phone");
                        p.as_str()[..10].to_string()
                    }
                    (Some(p), _) => typed_phone(p.as_str(), i),
                    (None, _) => String::new(),
                };
                let tags: Vec<&str> = r
                    .care_tags
                    .iter()
                    .map(|t| t.label(crate::vocab::Lang::Zh))
                    .collect();
                let row = vec![
                    name,
                    r.gender.to_string(),
                    (LIST_YEAR - r.birth_year).to_string(),
                    phone,
                    "锦绣花园".to_string(),
                    format!("{}号楼", h.building),
                    e.clone(),
                    h.room.clone(),
                    r.relation.to_string(),
                    tags.join("、"),
                    String::new(),
                ];
                if fault == "duplicate_row" && is_head {
                    grid.rows.push(row.clone());
                    flag(Source::Grid, "duplicate_row");
                }
                grid.rows.push(row);
            }
        }
        if in_police {
            let address = police_address(h, i);
            for r in &h.residents {
                let is_head = std::ptr::eq(r, hd);
                let name = match fault {
                    "traditional" if is_head => traditional(&r.name).unwrap_or(r.name.clone()),
                    _ => r.name.clone(),
                };
                let id = match (&r.id_number, fault) {
                    (Some(id), "bad_id") if is_head => {
                        flag(Source::Police, "id_checksum");
                        // The check digit typed wrong.
                        let last = id.chars().last().unwrap_or('0');
                        let wrong = if last == '1' { '2' } else { '1' };
                        format!("{}{wrong}", &id[..17])
                    }
                    (Some(id), _) => id.clone(),
                    (None, _) => String::new(),
                };
                police.rows.push(vec![
                    name,
                    id,
                    r.gender.to_string(),
                    address.clone(),
                    r.relation.to_string(),
                ]);
            }
            if fault == "member_moved_out" {
                debug_assert!(h.residents.iter().all(|r| !r.name.ends_with("淑珍")));
                // Registered here, moved to a care home last year.
                police.rows.push(vec![
                    format!("{}淑珍", hd.name.chars().next().unwrap_or('王')),
                    String::new(),
                    "女".to_string(),
                    address.clone(),
                    "母亲".to_string(),
                ]);
            }
        }
        let mut owners_elsewhere = Vec::new();
        if in_property {
            let (owner, phone) = if let_out(h) {
                let (n, p) = absent_owner(i);
                if in_grid {
                    owners_elsewhere.push(n.clone());
                }
                (n, p)
            } else {
                let phone = match (&hd.phone, fault) {
                    (Some(_), "phone_changed") => format!("1880000{:04}", i % 10_000),
                    (Some(p), _) => p.as_str().to_string(),
                    (None, _) => String::new(),
                };
                (hd.name.clone(), phone)
            };
            property.rows.push(vec![
                owner,
                phone,
                "锦绣花园".to_string(),
                format!(
                    "{}-{}-{}",
                    h.building,
                    h.entrance.as_deref().unwrap_or("1"),
                    h.room
                ),
                if let_out(h) {
                    "出租".to_string()
                } else {
                    String::new()
                },
            ]);
        }
        let mut sources: Vec<Source> = Vec::new();
        if in_grid {
            sources.push(Source::Grid);
        }
        if in_police {
            sources.push(Source::Police);
        }
        if in_property {
            sources.push(Source::Property);
        }
        let conflicting = matches!(fault, "homophone" | "member_moved_out" | "phone_changed");
        let outcome = if conflicting {
            "conflicting"
        } else {
            match sources.len() {
                1 => "only_one",
                2 => "two",
                _ => "all_three",
            }
        };
        answer.push(ExpectedDoor {
            address: h.address.clone(),
            outcome: outcome.to_string(),
            sources: sources.iter().map(|s| s.code().to_string()).collect(),
            fault: fault.to_string(),
            owners_elsewhere,
        });
    }
    answer.sort_by(|a, b| a.address.cmp(&b.address));
    DemoLists {
        grid,
        police,
        property,
        answer,
        flags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_cover_every_fault_and_the_answer_every_door() {
        let street = super::super::demo_street();
        let l = demo_lists(&street);
        let doors = street
            .households
            .iter()
            .filter(|h| h.address.starts_with("锦绣花园"))
            .count();
        assert_eq!(l.answer.len(), doors);
        for f in FAULTS {
            assert!(
                l.answer.iter().any(|d| d.fault == *f),
                "no door has the fault {f}"
            );
        }
        for o in ["all_three", "two", "conflicting", "only_one"] {
            assert!(l.answer.iter().any(|d| d.outcome == o), "no door is {o}");
        }
        assert!(l.answer.iter().any(|d| !d.owners_elsewhere.is_empty()));
        // Equal on every call.
        assert_eq!(demo_lists(&street), l);
        assert_eq!(l.grid.headers.len(), l.grid.rows[0].len());
    }
}
