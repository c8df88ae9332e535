//! Finds the compound, building, entrance and room in what people type, and matches them to
//! the household registry (一户一卡).

use super::text::{cn_run_value, is_cn_numeral, normalize};
use crate::{AreaId, HouseholdId};
use serde::{Deserialize, Serialize};

/// A compound (小区) the desk serves, with the short names residents use for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompoundEntry {
    pub id: AreaId,
    pub name: String,
    pub aliases: Vec<String>,
}

/// One household's address as the registry holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdAddress {
    pub id: HouseholdId,
    pub compound_id: AreaId,
    pub building: String,
    pub entrance: Option<String>,
    pub room: String,
}

/// The address found in a text, normalised: building "3" or "B", entrance "2", room "501";
/// the compound is its canonical name when it was recognised through an alias.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressParts {
    pub compound: Option<String>,
    pub building: Option<String>,
    pub entrance: Option<String>,
    pub room: Option<String>,
}

impl AddressParts {
    pub fn is_empty(&self) -> bool {
        self.compound.is_none()
            && self.building.is_none()
            && self.entrance.is_none()
            && self.room.is_none()
    }
}

/// The household an address most likely names.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HouseholdMatch {
    pub id: HouseholdId,
    pub confidence: f32,
    pub exact: bool,
}

/// The four compounds of the demo street the desk ships with (ids 101–104).
pub fn demo_compounds() -> Vec<CompoundEntry> {
    [
        (101, "锦绣花园", &["锦绣", "锦绣小区"][..]),
        (102, "翠竹苑", &["翠竹", "翠竹小区"][..]),
        (103, "和平里", &["和平小区", "和平里小区"][..]),
        (104, "金桂小区", &["金桂", "金桂园"][..]),
    ]
    .into_iter()
    .map(|(id, name, aliases)| CompoundEntry {
        id: AreaId(id),
        name: name.to_string(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
    })
    .collect()
}

pub fn parse_address(text: &str, compounds: &[CompoundEntry]) -> AddressParts {
    parse_address_with_id(text, compounds).0
}

/// Like [`parse_address`], also returning the id of the registered compound it names.
pub fn parse_address_with_id(
    text: &str,
    compounds: &[CompoundEntry],
) -> (AddressParts, Option<AreaId>) {
    let norm = normalize(text);
    let (compound, compound_id) = match find_registered(&norm, compounds) {
        Some(c) => (Some(c.name.clone()), Some(c.id)),
        None => (find_unregistered(&norm), None),
    };
    let digits = numerals_to_digits(&english_markers(&norm));
    let tokens = tokenize(&digits);
    let (building, entrance, mut room) = best_unit(&tokens);
    if building.is_some() {
        room = loose_room(&digits, room);
    }
    let parts = AddressParts {
        compound,
        building,
        entrance,
        room,
    };
    (parts, compound_id)
}

/// English puts the word before the number ("building 3, unit 2, room 501", "Bldg 12 Rm
/// 1101"): rewritten as the Chinese order the parser reads ("3栋,2单元,501室"). Works on
/// normalised text (lower case, spaces gone, so word starts are unknown); a word counts
/// only when digits follow it at once, so "community 2" is not a "unit".
fn english_markers(norm: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("building", "栋"),
        ("bldg", "栋"),
        ("block", "栋"),
        ("entrance", "单元"),
        ("unit", "单元"),
        ("room", "室"),
        ("flat", "室"),
        ("apartment", "室"),
        ("apt", "室"),
        ("rm", "室"),
    ];
    if !norm.bytes().any(|b| b.is_ascii_alphabetic()) {
        return norm.to_string();
    }
    let mut out = String::with_capacity(norm.len() + 8);
    let mut rest = norm;
    'scan: while !rest.is_empty() {
        for (word, marker) in WORDS {
            if let Some(after) = rest.strip_prefix(word) {
                let after = after.trim_start_matches(['#', '.', ':', '：']);
                let after = after.strip_prefix("no").unwrap_or(after);
                let after = after.trim_start_matches(['.', '#']);
                let digits = after.bytes().take_while(u8::is_ascii_digit).count();
                if digits > 0 {
                    out.push_str(&after[..digits]);
                    out.push_str(marker);
                    rest = &after[digits..];
                    continue 'scan;
                }
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The registered compound named earliest in the text; at one place, the longest name wins
/// so "锦绣小区" is not read as the alias "锦绣" followed by noise.
fn find_registered<'a>(norm: &str, compounds: &'a [CompoundEntry]) -> Option<&'a CompoundEntry> {
    let mut best: Option<(usize, usize, &CompoundEntry)> = None;
    for c in compounds {
        for name in std::iter::once(&c.name).chain(&c.aliases) {
            let n = normalize(name);
            if n.is_empty() {
                continue;
            }
            if let Some(pos) = norm.find(&n) {
                let better = match best {
                    None => true,
                    Some((bp, bl, _)) => pos < bp || (pos == bp && n.len() > bl),
                };
                if better {
                    best = Some((pos, n.len(), c));
                }
            }
        }
    }
    best.map(|(_, _, c)| c)
}

const COMPOUND_SUFFIXES: &[&str] = &["小区", "花园", "家园", "新村", "公寓", "大厦", "苑"];
const NAME_STOPS: &str = "在住是的我们家到了和与跟从这那个本全整各该此隔壁你他她请帮";

/// A compound the registry does not know, named by its suffix ("阳光小区"): worth showing
/// the agent even though it cannot be matched to a household.
/// Endings that are also ordinary words ("楼道里", "花园城", "港湾"): a compound name only
/// when a building number follows at once ("春晖里5号楼", "枫林湾3-2-501").
const WEAK_SUFFIXES: &[&str] = &[
    "新城", "华庭", "名苑", "公馆", "湾", "里", "城", "府", "庭", "园", "居",
];

/// Tries first every ending with a building number after it ("春晖里6栋"), then the strong
/// endings alone, so "放小区门口" later in the text does not hide the address before it.
fn find_unregistered(norm: &str) -> Option<String> {
    let numbered = COMPOUND_SUFFIXES
        .iter()
        .chain(WEAK_SUFFIXES)
        .map(|s| (*s, true));
    let strong = COMPOUND_SUFFIXES.iter().map(|s| (*s, false));
    for (suffix, needs_number) in numbered.chain(strong) {
        let mut from = 0;
        while let Some(rel) = norm[from..].find(suffix) {
            let at = from + rel;
            let next = norm[at + suffix.len()..].chars().next();
            let before = norm[..at].chars().next_back();
            let place_word = before.is_some_and(|c| {
                "道面头边屋房厅间院内外上下这那哪城乡村堆群手心车箱店".contains(c)
            });
            let numbered = next.is_some_and(|c| c.is_ascii_digit() || is_cn_numeral(c));
            // "小区" alone is the ordinary word ("小区封着", "回小区要看") unless the
            // name ends there.
            let generic = suffix == "小区" && next.is_some_and(is_ideograph);
            if (needs_number && (place_word || !numbered)) || (!numbered && generic) {
                from = at + suffix.len();
                continue;
            }
            let run: String = norm[..at]
                .chars()
                .rev()
                .take_while(|c| is_ideograph(*c) && !NAME_STOPS.contains(*c))
                .take(6)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let name = name_from_run(&run);
            if !name.is_empty() {
                return Some(format!("{name}{suffix}"));
            }
            from = at + suffix.len();
        }
    }
    None
}

/// The compound's own name at the end of the characters before its ending. Typed without
/// punctuation, the words before run into it ("嘴唇发紫春晖里", "快来枫林湾"): the run is
/// cut into words and the name is its last word, with the one before when the last is a
/// single character ("东湖雅苑").
fn name_from_run(run: &str) -> String {
    if run.chars().count() <= 2 {
        return run.to_string();
    }
    let words = super::cluster::jieba().cut(run, false);
    let mut name = String::new();
    for w in words.iter().rev() {
        name.insert_str(0, w);
        if name.chars().count() >= 2 {
            break;
        }
    }
    name
}

/// The room of an address whose building was found without one, or with the writer's own
/// room beside the one that needs help: "阳光新城4栋2单元，她家是402", "10号楼…1801那个小伙子",
/// "我是春晖里2号楼501，他是隔壁502". A room is a 3–4 digit number with a floor and a door
/// (last two digits 01–12), standing alone, that is not a hotline number.
fn loose_room(digits: &str, found: Option<String>) -> Option<String> {
    const THIRD: &[&str] = &[
        "他家", "她家", "他是", "她是", "他住", "她住", "对门", "隔壁", "那家",
    ];
    const MARKS: &[&str] = &["家", "是", "住", "户", "门"];
    let chars: Vec<char> = digits.chars().collect();
    let mut first: Option<String> = None;
    let mut third: Option<String> = None;
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let n: String = chars[start..i].iter().collect();
        let before =
            |k: usize| -> String { chars[start.saturating_sub(k)..start].iter().collect() };
        let after = chars.get(i).copied();
        let glued = start > 0 && !is_ideograph(chars[start - 1]) && chars[start - 1] != '，';
        let door: u32 = n[n.len().saturating_sub(2)..].parse().unwrap_or(0);
        let is_room = (3..=4).contains(&n.len())
            && !n.starts_with('0')
            && (1..=12).contains(&door)
            && !["110", "119", "120", "122"].contains(&n.as_str())
            && !glued
            && !after.is_some_and(|c| {
                c.is_ascii_alphanumeric() || "度岁元块斤克分秒天次个片周号栋幢单门层-".contains(c)
            });
        if !is_room {
            continue;
        }
        let marked =
            MARKS.iter().any(|m| before(1) == *m) || after.is_some_and(|c| "那的家室".contains(c));
        if THIRD.iter().any(|m| before(3).contains(m)) && third.is_none() {
            third = Some(n.clone());
        }
        if marked && first.is_none() {
            first = Some(n);
        }
    }
    match found {
        // The found room is the writer's own ("我住15栋603，她是对门604"): the other's wins.
        Some(r) => {
            let at = digits.find(r.as_str()).unwrap_or(0);
            let own = ["我是", "我住", "我家", "我们是", "我们住"]
                .iter()
                .any(|m| digits[..at].rfind(m).is_some_and(|p| at - p <= 30));
            match third {
                Some(t) if own && t != r => Some(t),
                _ => Some(r),
            }
        }
        None => third.or(first),
    }
}

fn is_ideograph(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) && !is_cn_numeral(c)
}

/// Rewrites Chinese numerals that sit next to an address word ("三栋二单元五零一") as
/// digits; elsewhere ("一直", "一下") they are left alone.
fn numerals_to_digits(norm: &str) -> String {
    let chars: Vec<char> = norm.chars().collect();
    let mut out = String::with_capacity(norm.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_cn_numeral(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_cn_numeral(chars[i]) {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        let before = start.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i).copied();
        let near_marker = after.is_some_and(|c| "栋幢座号楼单门室层".contains(c))
            || before.is_some_and(|c| "栋幢座元门楼号#-".contains(c));
        match cn_run_value(&run) {
            Some(v) if near_marker => out.push_str(&v.to_string()),
            _ => out.push_str(&run),
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(String),
    Letter(char),
    /// 栋, 幢, 座, 号楼, #
    Bldg,
    /// 楼: a building before an entrance or room, a floor otherwise.
    Lou,
    Hao,
    Ent,
    Door,
    Room,
    Floor,
    Dash,
    /// A comma between parts: "13栋，1单元702".
    Comma,
    Other,
}

fn tokenize(s: &str) -> Vec<Tok> {
    let chars: Vec<char> = s.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let (tok, len) = match c {
            '0'..='9' => {
                let n = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                (Tok::Num(chars[i..i + n].iter().take(12).collect()), n)
            }
            'a'..='z' | 'A'..='Z' => {
                let in_word = next.is_some_and(|n| n.is_ascii_alphabetic())
                    || (i > 0 && chars[i - 1].is_ascii_alphabetic());
                let alone = !in_word;
                if alone {
                    (Tok::Letter(c.to_ascii_uppercase()), 1)
                } else {
                    (Tok::Other, 1)
                }
            }
            '号' if next == Some('楼') => (Tok::Bldg, 2),
            '单' if next == Some('元') => (Tok::Ent, 2),
            '栋' | '幢' | '座' | '#' => (Tok::Bldg, 1),
            '楼' => (Tok::Lou, 1),
            '号' => (Tok::Hao, 1),
            '门' => (Tok::Door, 1),
            '室' | '房' | '户' => (Tok::Room, 1),
            '层' => (Tok::Floor, 1),
            '-' | '—' | '–' | '_' | '/' => (Tok::Dash, 1),
            ',' | '，' | '、' => (Tok::Comma, 1),
            _ => (Tok::Other, 1),
        };
        toks.push(tok);
        i += len;
    }
    toks
}

fn trim_zeros(s: &str) -> String {
    let t = s.trim_start_matches('0');
    if t.is_empty() { "0" } else { t }.to_string()
}

fn num(t: Option<&Tok>, lens: std::ops::RangeInclusive<usize>) -> Option<String> {
    match t {
        Some(Tok::Num(n)) if lens.contains(&n.len()) => Some(trim_zeros(n)),
        _ => None,
    }
}

fn building_id(t: Option<&Tok>) -> Option<String> {
    match t {
        Some(Tok::Letter(c)) => Some(c.to_string()),
        other => num(other, 1..=3),
    }
}

type Unit = (Option<String>, Option<String>, Option<String>);

/// Tries every starting token and keeps the fullest address (ties: the earliest).
fn best_unit(toks: &[Tok]) -> Unit {
    let mut best: (usize, Unit) = (0, (None, None, None));
    for i in 0..toks.len() {
        let glued = i > 0 && matches!(toks[i - 1], Tok::Num(_) | Tok::Dash | Tok::Letter(_));
        if glued {
            continue;
        }
        if let Some(u) = unit_at(toks, i) {
            let score = [&u.0, &u.1, &u.2].iter().filter(|p| p.is_some()).count()
                + usize::from(u.0.is_some() && u.2.is_some());
            if score > best.0 {
                best = (score, u);
            }
        }
    }
    best.1
}

fn unit_at(toks: &[Tok], i: usize) -> Option<Unit> {
    let t = |k: usize| toks.get(k);
    let free_after = |k: usize| !matches!(t(k), Some(Tok::Num(_) | Tok::Dash));
    // 3-2-501, B-2-501, 3-501
    if let Some(b) = building_id(t(i)) {
        if t(i + 1) == Some(&Tok::Dash) {
            if let (Some(e), Some(Tok::Dash), Some(r)) =
                (num(t(i + 2), 1..=2), t(i + 3), num(t(i + 4), 3..=4))
            {
                if free_after(i + 5) {
                    return Some((Some(b), Some(e), Some(r)));
                }
            }
            if let Some(r) = num(t(i + 2), 3..=4) {
                if free_after(i + 3) {
                    return Some((Some(b), None, Some(r)));
                }
            }
        }
    }
    let (building, mut k) = building_at(toks, i)?;
    let mut entrance = None;
    if building.is_some() && matches!(t(k), Some(Tok::Dash | Tok::Comma)) {
        k += 1;
    }
    if let Some(e) = num(t(k), 1..=2) {
        match (t(k + 1), t(k + 2)) {
            (Some(Tok::Ent | Tok::Door), _) => {
                entrance = Some(e);
                k += 2;
            }
            (Some(Tok::Hao), Some(Tok::Door)) => {
                entrance = Some(e);
                k += 3;
            }
            // 3栋2-501
            (Some(Tok::Dash), Some(Tok::Num(r))) if (3..=4).contains(&r.len()) => {
                entrance = Some(e);
                k += 2;
            }
            _ => {}
        }
    }
    if matches!(t(k), Some(Tok::Dash | Tok::Comma)) && (building.is_some() || entrance.is_some()) {
        k += 1;
    }
    // "5楼501" / "5层501": the floor is implied by the room number.
    if num(t(k), 1..=2).is_some() && matches!(t(k + 1), Some(Tok::Lou | Tok::Floor)) {
        if let Some(Tok::Num(_)) = t(k + 2) {
            k += 2;
        }
    }
    let room = num(t(k), 3..=4).filter(|_| free_after(k + 1) || t(k + 1) == Some(&Tok::Dash));
    if building.is_none() && room.is_none() {
        return None;
    }
    if building.is_none() && entrance.is_none() && t(k + 1) != Some(&Tok::Room) {
        return None;
    }
    Some((building, entrance, room))
}

/// The building at token `i` and the index after it. `Some((None, i))` means the address
/// starts without one ("2单元501", "501室").
fn building_at(toks: &[Tok], i: usize) -> Option<(Option<String>, usize)> {
    let t = |k: usize| toks.get(k);
    let b = building_id(t(i));
    match (b, t(i + 1)) {
        (Some(b), Some(Tok::Bldg)) => Some((Some(b), i + 2)),
        (Some(b), Some(Tok::Hao | Tok::Lou)) => {
            // "3号2单元", "3楼2单元501", "3楼1102": a building only when more follows and
            // the room's floor is not the same number (then "5楼501" is the 5th floor).
            let then_entrance = num(t(i + 2), 1..=2).is_some()
                && matches!(t(i + 3), Some(Tok::Ent | Tok::Door | Tok::Hao));
            let room_floor_differs = match t(i + 2) {
                Some(Tok::Num(r)) if (3..=4).contains(&r.len()) => {
                    !r.starts_with(b.as_str()) || r.len() - b.len() != 2
                }
                _ => false,
            };
            if then_entrance || room_floor_differs {
                Some((Some(b), i + 2))
            } else {
                None
            }
        }
        (Some(_), Some(Tok::Ent | Tok::Door)) => Some((None, i)),
        (Some(_), _) if matches!(t(i), Some(Tok::Num(n)) if (3..=4).contains(&n.len())) => {
            Some((None, i))
        }
        _ => None,
    }
}

/// Matches a parsed address to a household: exactly when every given part agrees with one
/// household, otherwise the nearest one (a typo in the room, a missing entrance).
pub fn match_household(
    parts: &AddressParts,
    compound_id: Option<AreaId>,
    households: &[HouseholdAddress],
) -> Option<HouseholdMatch> {
    let room = parts.room.as_deref()?;
    let pool = households
        .iter()
        .filter(|h| compound_id.is_none_or(|c| h.compound_id == c));
    let agrees = |h: &HouseholdAddress| {
        parts.building.as_deref().is_none_or(|b| b == h.building)
            && parts
                .entrance
                .as_deref()
                .is_none_or(|e| h.entrance.as_deref() == Some(e))
            && h.room == room
    };
    let exact: Vec<&HouseholdAddress> = pool.clone().filter(|h| agrees(h)).collect();
    // The text names a compound this desk does not know (another community's, or a typo):
    // a household elsewhere with the same building and room is a guess, never exact.
    let foreign_compound = parts.compound.is_some() && compound_id.is_none();
    if exact.len() == 1 && foreign_compound {
        return Some(HouseholdMatch {
            id: exact[0].id,
            confidence: 0.5,
            exact: false,
        });
    }
    if exact.len() == 1 {
        let h = exact[0];
        let missing = [
            compound_id.is_none(),
            parts.building.is_none(),
            parts.entrance.is_none() && h.entrance.is_some(),
        ]
        .iter()
        .filter(|m| **m)
        .count();
        return Some(HouseholdMatch {
            id: h.id,
            confidence: 1.0 - 0.1 * missing as f32,
            exact: true,
        });
    }
    let mut best: Option<(f32, &HouseholdAddress)> = None;
    for h in pool {
        let mut score = room_closeness(room, &h.room) * 0.5;
        score += match parts.building.as_deref() {
            Some(b) if b == h.building => 0.35,
            Some(_) => 0.0,
            None => 0.15,
        };
        score += match (parts.entrance.as_deref(), h.entrance.as_deref()) {
            (Some(a), Some(b)) if a == b => 0.15,
            (Some(_), _) => 0.0,
            (None, _) => 0.07,
        };
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, h));
        }
    }
    // Several households agree with a partial address: the nearest is a guess, not a match.
    let cap = if exact.len() > 1 { 0.6 } else { 0.85 };
    best.filter(|(s, _)| *s >= 0.6)
        .map(|(s, h)| HouseholdMatch {
            id: h.id,
            confidence: (s * cap).min(cap),
            exact: false,
        })
}

/// 1 for the same room, partial credit for one typed digit wrong or one digit missing or
/// doubled ("5011" for "501"), 0 otherwise.
fn room_closeness(a: &str, b: &str) -> f32 {
    if a == b {
        return 1.0;
    }
    let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if x.len() == y.len() {
        let diff = x.iter().zip(&y).filter(|(p, q)| p != q).count();
        return if diff == 1 { 0.6 } else { 0.0 };
    }
    let (short, long) = if x.len() < y.len() {
        (&x, &y)
    } else {
        (&y, &x)
    };
    if long.len() - short.len() != 1 {
        return 0.0;
    }
    let drops_one = (0..long.len()).any(|skip| {
        long.iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, c)| c)
            .eq(short.iter())
    });
    if drops_one {
        0.5
    } else {
        0.0
    }
}

#[cfg(test)]
#[path = "address_tests.rs"]
mod tests;
