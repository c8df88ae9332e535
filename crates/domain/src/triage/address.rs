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
    let norm = normalize(&spaces_as_commas(text));
    let registered = find_registered(&norm, compounds);
    let unregistered = find_unregistered(&norm);
    // A name written just before a building ("她住新华里四栋…我住在和平里") is the
    // address's compound, whichever the registry knows.
    let (compound, compound_id) = match (registered, unregistered) {
        (Some((r, false)), Some((u, true))) if !r.name.contains(&u) && u.chars().count() >= 4 => {
            match registered_alike(&u, compounds) {
                Some(c) => (Some(c.name.clone()), Some(c.id)),
                None => (Some(u), None),
            }
        }
        (Some((r, _)), _) => (Some(r.name.clone()), Some(r.id)),
        (None, Some((u, _))) => match registered_alike(&u, compounds) {
            Some(c) => (Some(c.name.clone()), Some(c.id)),
            None => (Some(u), None),
        },
        (None, None) => match registered_in_pinyin(&norm, compounds) {
            Some(c) => (Some(c.name.clone()), Some(c.id)),
            None => (None, None),
        },
    };
    let digits = numerals_to_digits(&english_markers(&norm));
    let tokens = tokenize(&digits);
    let (building, mut entrance, mut room) = best_unit(&tokens);
    room = loose_room(&digits, room);
    if entrance.is_none() && room.is_none() {
        entrance = loose_entrance(&tokens);
    }
    let parts = AddressParts {
        compound,
        building,
        entrance,
        room,
    };
    (parts, compound_id)
}

/// People put a space where a comma belongs ("滨江一号 二栋 一单元 幺七零三", "十四栋 六零一
/// 那个 枫林湾", "2-1-301 80岁"): kept as a comma so the parts do not run together ("五零一
/// 一家三口" is room 501, not 5011). Beside a Latin letter it is dropped as `normalize` does
/// ("Room 1203", "8 hao lou"), and so is every space of a text typed with one between all its
/// characters ("我 是 5 栋 3 单 元 201").
fn spaces_as_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let spaces = chars
        .iter()
        .filter(|c| **c == ' ' || **c == '\u{3000}')
        .count();
    let visible = chars.iter().filter(|c| !c.is_whitespace()).count();
    if spaces * 3 >= visible.max(1) * 2 && visible > 4 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() && c != '\n' && c != '\r' {
            let start = i;
            while i < chars.len() && chars[i].is_whitespace() && chars[i] != '\n' {
                i += 1;
            }
            let word = |c: Option<&char>| {
                c.is_some_and(|c| !c.is_ascii_alphabetic() && !c.is_whitespace())
            };
            // "3 栋 2 单元": a number and its word stay together.
            let numbered_word = chars
                .get(i)
                .is_some_and(|n| "栋幢座号楼单门室层".contains(*n))
                && start > 0
                && (chars[start - 1].is_ascii_digit() || is_cn_numeral(chars[start - 1]));
            if start > 0 && word(chars.get(start - 1)) && word(chars.get(i)) && !numbered_word {
                out.push('，');
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// An entrance said on its own, when no building or room was found with it ("另外3单元那个大哥",
/// "整个三单元都是"): the first "N单元" that is not denied ("我是2单元不是3单元").
fn loose_entrance(toks: &[Tok]) -> Option<String> {
    (0..toks.len()).find_map(|i| match (toks.get(i), toks.get(i + 1)) {
        (Some(Tok::Num(n)), Some(Tok::Ent)) if (1..=2).contains(&n.len()) => {
            let glued = i > 0 && matches!(toks[i - 1], Tok::Num(_) | Tok::Dash);
            (!glued).then(|| trim_zeros(n))
        }
        _ => None,
    })
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
        // Pinyin keeps the Chinese order, the word after the number ("8 hao lou 302",
        // "3 dong 2 dan yuan").
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push_str(&rest[..digits]);
            rest = &rest[digits..];
            const PINYIN: &[(&str, &str)] = &[
                ("haolou", "号楼"),
                ("dong", "栋"),
                ("zhuang", "幢"),
                ("danyuan", "单元"),
                ("shi", "室"),
            ];
            if let Some((word, marker)) = PINYIN.iter().find(|(w, _)| rest.starts_with(w)) {
                out.push_str(marker);
                rest = &rest[word.len()..];
            }
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The registered compound named earliest in the text; at one place, the longest name wins
/// so "锦绣小区" is not read as the alias "锦绣" followed by noise. Also says whether a
/// building number follows the name ("锦绣5栋", "锦绣，5栋").
fn find_registered<'a>(
    norm: &str,
    compounds: &'a [CompoundEntry],
) -> Option<(&'a CompoundEntry, bool)> {
    let mut best: Option<(usize, usize, &CompoundEntry)> = None;
    let mut anchored = false;
    for c in compounds {
        for name in std::iter::once(&c.name).chain(&c.aliases) {
            let n = normalize(name);
            if n.is_empty() {
                continue;
            }
            for (pos, _) in norm.match_indices(&n) {
                let numbered = numbered_after(&norm[pos + n.len()..]);
                anchored |= numbered;
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
    best.map(|(_, _, c)| (c, anchored))
}

/// Whether a building number starts `rest`, after at most one comma ("春晖里8号楼",
/// "滨江一号，二栋", "阳光新城B座"); Chinese numerals only when a building word follows
/// them, so "邻居一直…" is not numbered.
fn numbered_after(rest: &str) -> bool {
    let rest = rest.strip_prefix(',').unwrap_or(rest);
    let rest = skip_dormitory(rest);
    let mut chars = rest.chars();
    match chars.next() {
        Some(c) if c.is_ascii_digit() => true,
        Some(c) if c.is_ascii_alphabetic() => chars
            .next()
            .is_some_and(|n| n.is_ascii_digit() || "座栋幢-".contains(n)),
        Some(c) if is_cn_numeral(c) => {
            let after = rest.chars().find(|c| !is_cn_numeral(*c));
            after.is_some_and(|n| "栋幢座号楼单期区#-杠".contains(n))
        }
        _ => false,
    }
}

/// Words between a workplace's or a school's name and the building number that are not
/// part of the name: "鑫达电子厂宿舍4栋" is building 4 of 鑫达电子厂, "东湖师范学院5号宿舍楼412"
/// building 5 of 东湖师范学院.
const DORMITORY_WORDS: &[&str] = &[
    "员工宿舍",
    "教工宿舍",
    "职工宿舍",
    "宿舍楼",
    "宿舍区",
    "宿舍",
];

fn skip_dormitory(rest: &str) -> &str {
    DORMITORY_WORDS
        .iter()
        .find_map(|w| rest.strip_prefix(w))
        .unwrap_or(rest)
}

/// A hotel named by its kind alone ("隔离酒店", "在酒店"): not a place's name.
fn generic_hotel(before: &str, run: &str, suffix: &str) -> bool {
    matches!(suffix, "酒店" | "宾馆") && (run.chars().count() < 2 || before.ends_with("隔离"))
}

/// Toneless pinyin of the Chinese characters of `s`, other characters kept: "金桂小区" →
/// "jinguixiaoqu". Names said alike are the same compound whatever characters the input
/// method chose ("金贵小区", "锦秀花园", "翠竹园"), and a name typed in pinyin or written in
/// English ("jingui xiaoqu", "Heping Li") is found by it.
fn pinyin_of(s: &str) -> String {
    use pinyin::ToPinyin;
    let mut out = String::with_capacity(s.len() * 2);
    for (c, p) in s.chars().zip(s.to_pinyin()) {
        match p {
            Some(p) => out.push_str(p.plain()),
            None => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

/// The registered compound a name says alike ("金贵小区" → 金桂小区).
fn registered_alike<'a>(name: &str, compounds: &'a [CompoundEntry]) -> Option<&'a CompoundEntry> {
    let key = pinyin_of(name);
    compounds.iter().find(|c| {
        std::iter::once(&c.name)
            .chain(&c.aliases)
            .any(|n| pinyin_of(n) == key)
    })
}

/// A registered compound written in pinyin or English in a text with Latin letters
/// ("wo zhu zai jingui xiaoqu", "Building 12, Heping Li"): the earliest, longest name of six
/// or more letters.
fn registered_in_pinyin<'a>(
    norm: &str,
    compounds: &'a [CompoundEntry],
) -> Option<&'a CompoundEntry> {
    if !norm.bytes().any(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let mut best: Option<(usize, usize, &CompoundEntry)> = None;
    for c in compounds {
        for name in std::iter::once(&c.name).chain(&c.aliases) {
            let key = pinyin_of(name);
            if key.len() < 6 || !key.is_ascii() {
                continue;
            }
            if let Some(pos) = norm.find(&key) {
                if best.is_none_or(|(bp, bl, _)| pos < bp || (pos == bp && key.len() > bl)) {
                    best = Some((pos, key.len(), c));
                }
            }
        }
    }
    best.map(|(_, _, c)| c)
}

const COMPOUND_SUFFIXES: &[&str] = &[
    "小区", "花园", "家园", "新村", "公寓", "大厦", "苑", "酒店", "宾馆", "广场", "大楼",
];
const NAME_STOPS: &str = "在住是的我们家到了和与跟从这那个本全整各该此隔壁你他她请帮不没进出去来";

/// A compound the registry does not know, named by its suffix ("阳光小区"): worth showing
/// the agent even though it cannot be matched to a household.
/// Endings that are also ordinary words ("楼道里", "花园城", "港湾"): a compound name only
/// when a building number follows ("春晖里5号楼", "枫林湾3-2-501", "滨江一号，二栋"), or
/// when the name stands alone between commas or says where the writer is from ("新华里的，",
/// "我们是春晖里的").
const WEAK_SUFFIXES: &[&str] = &[
    "家属院",
    "学院",
    "大学",
    "项目部",
    "厂",
    "新城",
    "华庭",
    "名苑",
    "公馆",
    "中心",
    "一号",
    "湾",
    "里",
    "城",
    "府",
    "庭",
    "园",
    "居",
];

/// What may follow "小区" when it ends a name rather than being the ordinary word
/// ("红旗小区整栋停电", "白云小区东门进来", "梧桐小区的").
const AFTER_NAME: &[&str] = &[
    "整栋", "整个", "东门", "西门", "南门", "北门", "大门", "门口", "的", "有", "这边", "那边",
];

/// A separator between the parts of a message, as `normalize` leaves it.
fn is_separator(c: char) -> bool {
    super::text::is_clause_break(c) || matches!(c, ':' | '：' | '(' | ')' | '（' | '）')
}

/// The unregistered compound the text names and whether a building number follows it.
/// Tries first every ending with a building number after it ("春晖里6栋"), then the names
/// standing alone, then the strong endings alone, so "放小区门口" later in the text does not
/// hide the address before it.
fn find_unregistered(norm: &str) -> Option<(String, bool)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Pass {
        Numbered,
        Alone,
        Strong,
    }
    // Every place an ending occurs, found in one scan, by ending in the order of the lists.
    static ENDINGS: std::sync::OnceLock<(aho_corasick::AhoCorasick, Vec<&'static str>)> =
        std::sync::OnceLock::new();
    let (ac, endings) = ENDINGS.get_or_init(|| {
        let endings: Vec<&str> = COMPOUND_SUFFIXES
            .iter()
            .chain(WEAK_SUFFIXES)
            .copied()
            .collect();
        let ac = aho_corasick::AhoCorasick::new(&endings).unwrap_or_else(|_| unreachable!());
        (ac, endings)
    });
    let mut at_by_ending: Vec<Vec<usize>> = vec![Vec::new(); endings.len()];
    for m in ac.find_overlapping_iter(norm) {
        at_by_ending[m.pattern().as_usize()].push(m.start());
    }
    if at_by_ending.iter().all(Vec::is_empty) {
        return None;
    }
    let strong = COMPOUND_SUFFIXES.len();
    let passes = [Pass::Numbered, Pass::Alone, Pass::Strong];
    let tries = passes.iter().flat_map(|&pass| {
        let upto = if pass == Pass::Strong {
            strong
        } else {
            endings.len()
        };
        (0..upto).map(move |e| (pass, e))
    });
    for (pass, e) in tries {
        let suffix = endings[e];
        for &at in &at_by_ending[e] {
            let rest = &norm[at + suffix.len()..];
            let next = rest.chars().next();
            let before = norm[..at].chars().next_back();
            let place_word = before.is_some_and(|c| {
                "道面头边屋房厅间院内外上下这那哪城乡村堆群手心车箱店楼盆锅".contains(c)
            });
            let run: String = norm[..at]
                .chars()
                .rev()
                .take_while(|c| is_ideograph(*c) && !NAME_STOPS.contains(*c))
                .take(8)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let is_numbered = numbered_after(rest);
            let ok = match pass {
                Pass::Numbered => is_numbered && !place_word,
                Pass::Alone => {
                    // The whole part between separators ("，丽景湾，"), or "X的" at a part's
                    // end ("新华里的，", "枫林湾的"), with a name of two or more characters.
                    // "里", "城", "园", "居", "庭", "中心" are also ordinary words ("公司里",
                    // "检测中心"): alone they need "的" after or "是"/"住" before.
                    let start = at - run.len();
                    let lead = norm[..start].chars().next_back();
                    let said_where = lead.is_some_and(|c| "是住".contains(c));
                    let led = start == 0 || said_where || lead.is_some_and(is_separator);
                    let of = rest.starts_with('的');
                    let rest = rest.strip_prefix('的').unwrap_or(rest);
                    let ends = rest.chars().next().is_none_or(is_separator);
                    let common = ["里", "城", "园", "居", "庭", "中心"].contains(&suffix);
                    !place_word
                        && led
                        && ends
                        && run.chars().count() >= 2
                        && (!common || of || said_where)
                }
                Pass::Strong => {
                    // "小区" alone is the ordinary word ("小区封着", "回小区要看") unless the
                    // name ends there.
                    let generic = suffix == "小区"
                        && next.is_some_and(is_ideograph)
                        && !AFTER_NAME.iter().any(|w| rest.starts_with(w));
                    !generic
                }
            };
            if !ok {
                continue;
            }
            if generic_hotel(&norm[..at], &run, suffix) {
                continue;
            }
            let name = name_from_run(&run);
            let too_short = suffix == "一号" && name.chars().count() < 2;
            if !name.is_empty() && !too_short {
                return Some((format!("{name}{suffix}"), is_numbered));
            }
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
    let words = super::cluster::jieba().tag(run, false);
    let mut name = String::new();
    for w in words.iter().rev() {
        // Past two characters, only nouns, place and organisation names, numerals and
        // unknown words extend the name ("东湖师范学院", "中铁十一局项目部"); a verb or an
        // adverb is the writer's own words ("快来枫林湾", "嘴唇发紫春晖里").
        let nounish = w.tag.starts_with('n') || matches!(w.tag, "m" | "x" | "eng" | "j");
        let said_where = ["地址", "住址", "对面", "旁边", "附近", "楼下", "楼上"].contains(&w.word);
        if name.chars().count() >= 2 && (!nounish || said_where) {
            break;
        }
        name.insert_str(0, w.word);
    }
    name
}

/// The room of an address whose building was found without one, or with the writer's own
/// room beside the one that needs help: "阳光新城4栋2单元，她家是402", "10号楼…1801那个小伙子",
/// "我是春晖里2号楼501，他是隔壁502". A room is a 3–4 digit number with a floor and a door
/// (last two digits 01–12), standing alone, that is not a hotline number.
fn loose_room(digits: &str, found: Option<String>) -> Option<String> {
    const THIRD: &[&str] = &[
        "他家", "她家", "他是", "她是", "他住", "她住", "对门", "隔壁", "那家", "楼下", "他们",
        "她们",
    ];
    const OWN: &[&str] = &["我是", "我住", "我家", "我们是", "我们住", "我在"];
    const MARKS: &[&str] = &["家", "是", "住", "户", "门"];
    let chars: Vec<char> = digits.chars().collect();
    let mut first: Option<String> = None;
    let mut third: Option<String> = None;
    let mut own_room: Option<String> = None;
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
        let glued = start > 0 && !is_ideograph(chars[start - 1]) && !is_separator(chars[start - 1]);
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
        // A room that is a part on its own ("…流血了，301，在望江府6栋").
        let alone = (start == 0 || super::text::is_clause_break(chars[start - 1]))
            && after.is_none_or(super::text::is_clause_break);
        let marked = alone
            || MARKS.iter().any(|m| before(1) == *m)
            || ["房号", "门牌", "房间"]
                .iter()
                .any(|m| before(3).contains(m))
            || after.is_some_and(|c| "那的家室".contains(c));
        // "我是对门502的", "我家1104": the writer's own door, used only when no other is
        // named ("隔壁一直咳…1103，我是1104").
        if OWN.iter().any(|m| before(5).contains(m)) {
            own_room.get_or_insert(n);
            continue;
        }
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
            // The writer's own room: "我住15栋603", "望江府3幢502住户来电".
            let own = OWN
                .iter()
                .any(|m| digits[..at].rfind(m).is_some_and(|p| at - p <= 30))
                || ["住户来电", "来电", "的住户"]
                    .iter()
                    .any(|m| digits[at + r.len()..].starts_with(m));
            match third {
                Some(t) if own && t != r => Some(t),
                _ => Some(r),
            }
        }
        None => third.or(first).or(own_room),
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
        // A marker before, also across a comma ("三栋，五零一"); a dash between numerals
        // ("五杠一杠幺四零二" is 5-1-1402).
        let marker_before = |c: char| "栋幢座元门楼号#-".contains(c);
        let before_comma = start
            .checked_sub(2)
            .is_some_and(|j| chars[j + 1] == ',' && marker_before(chars[j]));
        let dash_then_numeral = after == Some('杠')
            && chars
                .get(i + 1)
                .is_some_and(|c| is_cn_numeral(*c) || c.is_ascii_digit());
        // A door number said digit by digit ("她家是三零一", "九零一"): a run of three or
        // four digits with a zero in it is a number wherever it stands.
        let spoken = (3..=4).contains(&run.chars().count())
            && run.chars().all(|c| super::text::cn_digit(c).is_some())
            && run.contains(['零', '〇']);
        let near_marker = spoken
            || after.is_some_and(|c| "栋幢座号楼单门室层".contains(c))
            || before.is_some_and(|c| marker_before(c) || c == '杠')
            || before_comma
            || dash_then_numeral;
        match cn_run_value(&run) {
            Some(v) if near_marker => {
                out.push_str(&v.to_string());
                if dash_then_numeral {
                    out.push('-');
                    i += 1;
                }
            }
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
            // "5号宿舍楼412": a dormitory block is a building.
            '号' if chars[i + 1..].starts_with(&['宿', '舍', '楼']) => (Tok::Bldg, 4),
            '单' if next == Some('元') => (Tok::Ent, 2),
            '栋' | '幢' | '座' | '#' => (Tok::Bldg, 1),
            '楼' => (Tok::Lou, 1),
            '号' => (Tok::Hao, 1),
            '门' => (Tok::Door, 1),
            '室' | '房' | '户' => (Tok::Room, 1),
            '层' => (Tok::Floor, 1),
            '-' | '—' | '–' | '_' | '/' => (Tok::Dash, 1),
            ',' | '，' | '、' | '…' => (Tok::Comma, 1),
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

/// Tries every starting token and keeps the fullest address (ties: the earliest). A
/// building said apart from its entrance and room ("金桂小区六号楼，她家一单元一零二",
/// "501室B间 春晖里3号楼") completes an address that has none.
fn best_unit(toks: &[Tok]) -> Unit {
    let mut unit = fullest_unit(toks);
    if unit.0.is_none() && (unit.1.is_some() || unit.2.is_some()) {
        let lone = (0..toks.len()).find_map(|i| {
            let glued = i > 0 && matches!(toks[i - 1], Tok::Num(_) | Tok::Dash | Tok::Letter(_));
            match building_at(toks, i) {
                Some((Some(b), _)) if !glued => Some(b),
                _ => None,
            }
        });
        unit.0 = lone;
    }
    unit
}

fn fullest_unit(toks: &[Tok]) -> Unit {
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
