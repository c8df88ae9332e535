//! The forms in which the household lists a street keeps are compared: the grid workers'
//! list, the police household register and the property manager's owner list (三方数据),
//! each typed by different hands. An ID number is checked by its GB 11643 check digit and
//! gives the birth date and sex; a name is folded to one writing (NFKC, spaces gone,
//! middle dots unified, traditional characters simplified) with its toneless pinyin as a
//! side key for the homophones people type by hand; an address's building, entrance and
//! room cells become one text that triage's address parser reads. Phones are parsed by
//! [`crate::person::Phone`].

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Where a list of households comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// 网格员摸排表: who actually lives there, care needs, the most typing errors.
    Grid,
    /// 派出所户籍登记: ID numbers, who is registered (not always who lives there).
    Police,
    /// 物业业主名单: the owner, who may live elsewhere, and the owner's phone.
    Property,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::Grid, Source::Police, Source::Property];

    pub fn code(self) -> &'static str {
        match self {
            Source::Grid => "grid",
            Source::Police => "police",
            Source::Property => "property",
        }
    }

    pub fn label(self, lang: crate::vocab::Lang) -> &'static str {
        match self {
            Source::Grid => lang.pick("网格员摸排", "grid workers' list"),
            Source::Police => lang.pick("派出所户籍", "police register"),
            Source::Property => lang.pick("物业业主", "property owners' list"),
        }
    }

    /// The code, the Chinese label, or a word people use for the list.
    pub fn parse(s: &str) -> Option<Source> {
        let s = s.trim().to_lowercase();
        Source::ALL.into_iter().find(|src| {
            s == src.code()
                || s == src.label(crate::vocab::Lang::Zh)
                || match src {
                    Source::Grid => matches!(s.as_str(), "网格" | "网格员" | "摸排"),
                    Source::Police => matches!(s.as_str(), "派出所" | "户籍" | "公安"),
                    Source::Property => matches!(s.as_str(), "物业" | "业主"),
                }
        })
    }
}

/// A mainland resident ID number (居民身份证号码), checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdNumber {
    /// 18 characters, a final X in upper case; a 15-digit number converted.
    pub number: String,
    pub birth: jiff::civil::Date,
    /// 男 or 女, from the order code's parity.
    pub sex: &'static str,
    /// Whether the number was written in the old 15-digit form.
    pub converted: bool,
    /// Whether the GB 11643 MOD 11-2 check digit agrees. A number that fails is kept as a
    /// data-quality flag and never used to link records: one mistyped digit would join
    /// two people.
    pub checksum_ok: bool,
}

/// Why a text is not an ID number at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadId {
    pub zh: String,
    pub en: String,
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The check character GB 11643 (ISO 7064 MOD 11-2) gives the first 17 digits.
pub fn id_check_char(first17: &str) -> char {
    let sum: u32 = first17
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    ID_CHECK[(sum % 11) as usize] as char
}

/// Reads an ID number as people type it (spaces, full-width digits, a lower-case x).
pub fn parse_id_number(s: &str) -> Result<IdNumber, BadId> {
    let t: String = crate::person::normalize_digits(s)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\''))
        .map(|c| match c {
            'x' | 'Ｘ' | 'ｘ' => 'X',
            c => c,
        })
        .collect();
    let bad_shape = || BadId {
        zh: "身份证号应为18位（末位可为X）或旧版15位数字".into(),
        en: "an ID number has 18 characters (the last may be X), or 15 digits in the old form"
            .into(),
    };
    let (number, converted) = match t.len() {
        15 if t.bytes().all(|b| b.is_ascii_digit()) => {
            let first17 = format!("{}19{}", &t[..6], &t[6..]);
            let check = id_check_char(&first17);
            (format!("{first17}{check}"), true)
        }
        18 if t.as_bytes()[..17].iter().all(u8::is_ascii_digit)
            && (t.as_bytes()[17].is_ascii_digit() || t.as_bytes()[17] == b'X') =>
        {
            (t.clone(), false)
        }
        _ => return Err(bad_shape()),
    };
    let y: i16 = number[6..10].parse().map_err(|_| bad_shape())?;
    let m: i8 = number[10..12].parse().map_err(|_| bad_shape())?;
    let d: i8 = number[12..14].parse().map_err(|_| bad_shape())?;
    let birth = jiff::civil::Date::new(y, m, d)
        .ok()
        .filter(|_| (1880..=2100).contains(&y))
        .ok_or_else(|| BadId {
            zh: format!("身份证号中的出生日期 {y}-{m:02}-{d:02} 不存在"),
            en: format!("the birth date {y}-{m:02}-{d:02} in the ID number does not exist"),
        })?;
    let order = number.as_bytes()[16] - b'0';
    let checksum_ok = id_check_char(&number[..17]) == number.as_bytes()[17] as char;
    Ok(IdNumber {
        sex: if order % 2 == 1 { "男" } else { "女" },
        number,
        birth,
        converted,
        checksum_ok,
    })
}

/// A name in the one writing records are compared in: NFKC (full-width letters, compatibility
/// forms), whitespace removed ("王 芳"), every middle dot as "·" ("阿依古丽•买买提",
/// "阿依古丽.买买提"), traditional characters as simplified ("陳淑華" → "陈淑华").
pub fn name_key(s: &str) -> String {
    let folded: String = s.nfkc().collect();
    let simplified = fast2s::convert(&folded);
    simplified
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .map(|c| match c {
            '•' | '・' | '‧' | '∙' | '⋅' | '．' | '.' | '･' | '●' | '▪' => '·',
            c => c,
        })
        .collect()
}

/// A name as a card keeps it: a Chinese name as its key ("王 芳" → "王芳", "陳淑華" →
/// "陈淑华"); a name in Latin letters with its spaces kept, one between words.
pub fn clean_name(s: &str) -> String {
    if s.chars().any(|c| c.is_ascii_alphabetic()) {
        let folded: String = s.nfkc().collect();
        folded.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        name_key(s)
    }
}

/// The toneless pinyin of a name's key, syllables joined ("陈淑华" → "chenshuhua"): names
/// said alike ("王芳" and "王方") share it.
pub fn name_pinyin(s: &str) -> String {
    use pinyin::ToPinyin;
    let key = name_key(s);
    let mut out = String::with_capacity(key.len() * 2);
    for (c, p) in key.chars().zip(key.as_str().to_pinyin()) {
        match p {
            Some(p) => out.push_str(p.plain()),
            None if c == '·' => {}
            None => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// One text triage's address parser reads, from a sheet's separate compound, building,
/// entrance and room cells, whatever each holds ("12", "12号楼", "十二栋"; "2", "二单元",
/// "2门"; "502", "502室"): each cell's own marker is dropped and the parser's written in.
pub fn unit_text(compound: &str, building: &str, entrance: &str, room: &str) -> String {
    fn bare<'a>(cell: &'a str, markers: &[&str]) -> &'a str {
        let t = cell.trim();
        markers
            .iter()
            .find_map(|m| t.strip_suffix(m))
            .unwrap_or(t)
            .trim()
    }
    let mut out = compound.trim().to_string();
    let b = bare(building, &["号楼", "栋", "幢", "座", "楼", "号", "#", "＃"]);
    if !b.is_empty() {
        out.push_str(b);
        out.push_str(if b.chars().all(|c| c.is_ascii_alphabetic()) {
            "座"
        } else {
            "栋"
        });
    }
    let e = bare(entrance, &["单元", "门", "号"]);
    if !e.is_empty() {
        out.push_str(e);
        out.push_str("单元");
    }
    let r = bare(room, &["室", "号", "房"]);
    if !r.is_empty() {
        out.push_str(r);
        out.push('室');
    }
    out
}

/// A care need as a list writes it: the code, either label, or a word people use
/// ("独居", "高龄", "孕妇", "残疾人", "老年机").
pub fn care_tag_of(word: &str) -> Option<crate::vocab::CareTag> {
    use crate::vocab::{CareTag, Lang};
    let w = word.trim();
    if let Ok(t) = CareTag::parse(w) {
        return Some(t);
    }
    if let Some(t) = CareTag::ALL
        .iter()
        .find(|t| t.label(Lang::Zh) == w || t.label(Lang::En).eq_ignore_ascii_case(w))
    {
        return Some(*t);
    }
    Some(match w {
        "独居" | "独居老人" | "空巢老人" | "孤寡老人" => CareTag::ElderlyAlone,
        "高龄" | "高龄老人" | "70岁以上" | "七十岁以上" | "80岁以上" | "八十岁以上" => {
            CareTag::Aged70Plus
        }
        "重病" | "重病患者" | "大病" | "重症" | "慢病" | "慢性病" | "透析" | "肿瘤" | "癌症" => {
            CareTag::SeriousIllness
        }
        "突发疾病" | "急病" => CareTag::SuddenIllness,
        "残疾" | "残疾人" | "残障" | "失能" | "半失能" | "卧床" | "行动不便" => {
            CareTag::Disabled
        }
        "无智能手机" | "不会用智能手机" | "老年机" | "不会用手机" => {
            CareTag::NoSmartphone
        }
        "困难" | "困难群众" | "低保" | "低保户" | "特困" | "困境" => {
            CareTag::Distressed
        }
        "孕妇" | "孕产妇" | "怀孕" | "产妇" => CareTag::Pregnant,
        "婴儿" | "婴幼儿" | "新生儿" => CareTag::Infant,
        _ => return None,
    })
}

/// The label an area's name gives its building ("12栋" → "12", "A座" → "A", "十二号楼" →
/// "12"), as the address parser reads a building.
pub fn building_label(name: &str) -> String {
    crate::triage::parse_address(&unit_text("", name, "", "101"), &[])
        .building
        .unwrap_or_else(|| name.trim().to_string())
}

/// The label an area's name gives its entrance ("2单元" → "2", "二单元" → "2").
pub fn entrance_label(name: &str) -> String {
    crate::triage::parse_address(&unit_text("", "1", name, "101"), &[])
        .entrance
        .unwrap_or_else(|| name.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_checked_converted_and_read_for_birth_and_sex() {
        // GB 11643's own example.
        let id = parse_id_number("11010519491231002X").unwrap();
        assert!(id.checksum_ok);
        assert_eq!(id.birth, jiff::civil::date(1949, 12, 31));
        assert_eq!(id.sex, "女");
        assert!(!id.converted);
        // Typed with spaces, full-width digits and a lower-case x.
        let typed = parse_id_number("110105 1949１２31 002x").unwrap();
        assert_eq!(typed.number, "11010519491231002X");
        // One digit mistyped: still read, flagged.
        let typo = parse_id_number("110105194912310021").unwrap();
        assert!(!typo.checksum_ok);
        // The old 15-digit form: the century and the check digit added.
        let old = parse_id_number("110105491231002").unwrap();
        assert_eq!(old.number, "11010519491231002X");
        assert!(old.converted && old.checksum_ok);
        assert_eq!(old.sex, "女");
        let man = parse_id_number("510104195001011015").unwrap();
        assert_eq!(man.sex, "男");
        for bad in [
            "",
            "1101051949123100",
            "11010519491331002X",
            "abc",
            "1101051949123100XX",
        ] {
            assert!(parse_id_number(bad).is_err(), "{bad}");
        }
        assert!(parse_id_number("110105194902300023")
            .unwrap_err()
            .zh
            .contains("1949-02-30"));
    }

    #[test]
    fn names_fold_to_one_writing_with_a_pinyin_side_key() {
        assert_eq!(name_key(" 王 芳 "), "王芳");
        assert_eq!(name_key("陳淑華"), "陈淑华");
        assert_eq!(name_key("阿依古丽•买买提"), "阿依古丽·买买提");
        assert_eq!(name_key("阿依古丽.买买提"), "阿依古丽·买买提");
        assert_eq!(name_key("ＬＩＬＹ"), "LILY");
        assert_eq!(clean_name(" 王 芳 "), "王芳");
        assert_eq!(clean_name("Anna  Müller "), "Anna Müller");
        assert_eq!(name_pinyin("陳淑華"), "chenshuhua");
        assert_eq!(name_pinyin("王芳"), name_pinyin("王方"));
        assert_ne!(name_pinyin("王芳"), name_pinyin("汪洋"));
        assert_eq!(
            name_pinyin("阿依古丽·买买提"),
            "ayiguli".to_string() + "maimaiti"
        );
    }

    #[test]
    fn cells_become_one_address_the_parser_reads() {
        let compounds = crate::triage::demo_compounds();
        for (b, e, r) in [
            ("12", "2", "502"),
            ("12号楼", "2单元", "502室"),
            ("十二栋", "二单元", "502"),
            ("12#", "2门", "502"),
            ("１２", "２", "５０２"),
        ] {
            let (parts, id) =
                crate::triage::parse_address_with_id(&unit_text("锦绣花园", b, e, r), &compounds);
            assert_eq!(id, Some(crate::AreaId(101)), "{b} {e} {r}");
            assert_eq!(
                (
                    parts.building.as_deref(),
                    parts.entrance.as_deref(),
                    parts.room.as_deref()
                ),
                (Some("12"), Some("2"), Some("502")),
                "{b} {e} {r}"
            );
        }
        let parts = crate::triage::parse_address(&unit_text("", "A", "", "1203"), &compounds);
        assert_eq!(parts.building.as_deref(), Some("A"));
        assert_eq!(parts.room.as_deref(), Some("1203"));
    }

    #[test]
    fn area_names_give_the_labels_the_parser_reads() {
        assert_eq!(building_label("12栋"), "12");
        assert_eq!(building_label("十二号楼"), "12");
        assert_eq!(building_label("A座"), "A");
        assert_eq!(entrance_label("2单元"), "2");
        assert_eq!(entrance_label("二单元"), "2");
        assert_eq!(
            care_tag_of("独居"),
            Some(crate::vocab::CareTag::ElderlyAlone)
        );
        assert_eq!(
            care_tag_of("aged_70_plus"),
            Some(crate::vocab::CareTag::Aged70Plus)
        );
        assert_eq!(care_tag_of("孕产妇"), Some(crate::vocab::CareTag::Pregnant));
        assert_eq!(care_tag_of("会计"), None);
    }

    #[test]
    fn sources_are_read_by_code_or_by_the_words_people_use() {
        assert_eq!(Source::parse("grid"), Some(Source::Grid));
        assert_eq!(Source::parse("派出所"), Some(Source::Police));
        assert_eq!(Source::parse(" 物业 "), Some(Source::Property));
        assert_eq!(Source::parse("school"), None);
    }
}
