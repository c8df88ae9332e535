//! The household lists a street has, from a spreadsheet: the grid workers' list (网格员摸排:
//! who actually lives there, their care needs), the police household register (派出所户籍:
//! ID numbers, who is registered) and the property manager's owner list (物业业主: the
//! owner, who may live elsewhere, and the owner's phone). Every row is read into one form
//! (`yihaotai_domain::linkage`): its door placed in the caller's territory by triage's
//! address parser, its phone to 11 digits, its ID number checked, its name folded with a
//! pinyin side key. A row that cannot be placed or has no name is an error, and a file with
//! any error changes nothing; what is doubtful but usable (a mistyped ID number, a phone
//! that is no number, a room written without its entrance) is kept with a flag that says
//! so, never guessed silently.
//!
//! The rows are kept for the three-source cross-check, each naming the card of its door.
//! A door on the grid workers' list that has no card gets one, registered from its rows
//! (the grid list is who actually lives there); the police and property lists never make
//! cards, and an import never rewrites a card: what differs is for the cross-check to
//! show and an officer to decide.

use super::table::{self, Row, Table};
use super::RowError;
use crate::admin::Caller;
use crate::{Result, Service, ServiceError};
use std::collections::HashMap;
use yihaotai_domain::area::AreaKind;
use yihaotai_domain::household::{self as hh, CareSince, Member};
use yihaotai_domain::linkage::{self, Source};
use yihaotai_domain::person::{mask_id_number, Phone};
use yihaotai_domain::role::Role;
use yihaotai_domain::triage::CompoundEntry;
use yihaotai_domain::vocab::CareTag;
use yihaotai_store::areas::Area;
use yihaotai_store::sources::{CardRef, NewCard, NewSourceImport, NewSourceRecord};

/// The fields a list may have, each with the headers people give it.
const COLUMNS: &[(&str, &[&str])] = &[
    (
        "姓名",
        &[
            "住户姓名",
            "居民姓名",
            "人员姓名",
            "业主姓名",
            "业主",
            "产权人",
            "户主姓名",
            "名字",
            "name",
        ],
    ),
    (
        "身份证号",
        &[
            "身份证号码",
            "证件号码",
            "证件号",
            "公民身份号码",
            "身份证",
            "id_number",
        ],
    ),
    (
        "联系电话",
        &[
            "手机号",
            "手机号码",
            "电话",
            "电话号码",
            "联系方式",
            "手机",
            "业主电话",
            "phone",
        ],
    ),
    (
        "住址",
        &[
            "地址",
            "现住址",
            "居住地址",
            "户籍地址",
            "门牌号",
            "房屋地址",
            "房屋坐落",
            "详细地址",
            "address",
        ],
    ),
    ("小区", &["小区名称", "所在小区", "小区名", "compound"]),
    ("楼栋", &["楼号", "楼栋号", "栋", "幢", "楼", "building"]),
    ("单元", &["单元号", "entrance"]),
    ("房号", &["房间号", "室", "户室号", "房号室", "room"]),
    (
        "与户主关系",
        &["关系", "家庭关系", "与户主的关系", "relation"],
    ),
    ("性别", &["sex", "gender"]),
    ("出生日期", &["出生年月", "出生年份", "birth"]),
    ("年龄", &["age"]),
    (
        "人员类别",
        &[
            "特殊人群",
            "重点人群",
            "人群类别",
            "关怀类型",
            "标签",
            "care",
        ],
    ),
    ("备注", &["说明", "notes"]),
];

const NAME: usize = 0;
const ID: usize = 1;
const PHONE: usize = 2;
const ADDRESS: usize = 3;
const COMPOUND: usize = 4;
const BUILDING: usize = 5;
const ENTRANCE: usize = 6;
const ROOM: usize = 7;
const RELATION: usize = 8;
const SEX: usize = 9;
const BIRTH: usize = 10;
const AGE: usize = 11;
const CARE: usize = 12;
const NOTES: usize = 13;

/// A doubt about one row, kept with it: its code and what it says.
pub const FLAGS: &[(&str, &str, &str)] = &[
    (
        "bad_phone",
        "电话号码无效，未作为联系号码",
        "not a phone number; not kept as one",
    ),
    (
        "bad_id",
        "身份证号格式不对，未作为身份证号",
        "not an ID number; not kept as one",
    ),
    (
        "id_checksum",
        "身份证号校验位不符，可能有错字，不用于比对",
        "the ID number's check digit disagrees (a typo?); not used to link",
    ),
    (
        "id_converted",
        "15位旧身份证号已转为18位",
        "an old 15-digit ID number, converted to 18",
    ),
    (
        "entrance_inferred",
        "未写单元：按楼栋和房号对应到唯一一户",
        "no entrance written: placed by building and room, where only one door has that room",
    ),
    (
        "sex_mismatch",
        "性别与身份证号不符",
        "the sex disagrees with the ID number",
    ),
    (
        "duplicate_row",
        "与前面一行重复（同一门牌同一姓名）",
        "repeats an earlier row (same door, same name)",
    ),
];

fn flag_text(code: &str) -> (&'static str, &'static str) {
    FLAGS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, en)| (*zh, *en))
        .unwrap_or(("", ""))
}

/// One row as read, for the preview.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PreviewRow {
    pub row: usize,
    pub address: String,
    pub name: String,
    /// Masked.
    pub phone: Option<String>,
    /// Masked.
    pub id_number: Option<String>,
    pub relation: String,
    pub care_tags: Vec<CareTag>,
    /// Whether the door already has a card.
    pub has_card: bool,
}

/// What an import did, or (`dry_run`) would do.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HouseholdImport {
    pub source: Source,
    pub dry_run: bool,
    /// Rows read (empty rows not counted).
    pub rows: usize,
    /// Each field and the header it was read from, in the file's order.
    pub mapping: Vec<(String, String)>,
    /// Rows whose door has a card.
    pub linked: usize,
    /// The cards registered for doors that had none (grid list only), by address.
    pub registered: Vec<String>,
    /// Rows whose door has no card (police and property lists).
    pub without_card: usize,
    /// Doubts kept with their rows: the row, the column, the value (masked) and what.
    pub flags: Vec<RowError>,
    /// Every problem found; when there is any, nothing was written.
    pub errors: Vec<RowError>,
    /// The first rows as read.
    pub preview: Vec<PreviewRow>,
    /// The import's number once written.
    pub import_id: Option<i64>,
}

/// Where a door is: its areas and its unit key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Door {
    compound: i64,
    building: String,
    entrance: Option<String>,
    room: String,
}

/// The caller's territory as a list places doors in it.
struct Territory {
    compounds: Vec<CompoundEntry>,
    areas: HashMap<i64, Area>,
    /// compound → its buildings (label, area).
    buildings: HashMap<i64, Vec<(String, i64)>>,
    /// building area → its entrances (label, area).
    entrances: HashMap<i64, Vec<(String, i64)>>,
    /// The cards on file: door → household id.
    cards: HashMap<Door, i64>,
    /// (compound, building, room) → the entrances that have that room on file.
    rooms: HashMap<(i64, String, String), Vec<Option<String>>>,
}

impl Territory {
    fn compound_names(&self) -> String {
        self.compounds
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// The rows read so far and the row being read.
struct Reader<'a> {
    t: &'a Table,
    cols: Vec<Option<usize>>,
}

impl Reader<'_> {
    fn cell<'r>(&self, row: &'r Row, field: usize) -> &'r str {
        self.cols[field].map_or("", |c| row.get(c))
    }
    fn header(&self, field: usize) -> String {
        self.cols[field]
            .and_then(|c| self.t.headers.get(c).cloned())
            .unwrap_or_else(|| COLUMNS[field].0.to_string())
    }
}

impl Caller<'_> {
    /// Household lists are imported by the desk staff of the areas they serve.
    pub fn require_household_import(&self) -> Result<()> {
        match self {
            Caller::System => Ok(()),
            Caller::User(u) if u.roles.any(&[Role::Admin, Role::Leader, Role::Agent]) => Ok(()),
            Caller::User(_) => Err(ServiceError::forbidden(
                "只有管理员、负责人和坐席可以导入住户名单",
                "only administrators, leaders and agents may import household lists",
            )),
        }
    }
}

impl Service {
    async fn territory(&self, caller: Caller<'_>) -> Result<Territory> {
        let all = self.store.all_areas().await?;
        let mine: Vec<Area> = all.into_iter().filter(|a| caller.covers(&a.path)).collect();
        let compounds: Vec<CompoundEntry> = mine
            .iter()
            .filter(|a| a.kind == AreaKind::Compound)
            .map(|a| CompoundEntry {
                id: a.id,
                name: a.name.clone(),
                aliases: a.aliases.clone(),
            })
            .collect();
        let areas: HashMap<i64, Area> = mine.iter().map(|a| (a.id.0, a.clone())).collect();
        // Each building under its compound (through any control zone between them), each
        // entrance under its building.
        let compound_of = |a: &Area| -> Option<i64> {
            a.path
                .ids()
                .into_iter()
                .find(|id| {
                    areas
                        .get(&id.0)
                        .is_some_and(|x| x.kind == AreaKind::Compound)
                })
                .map(|id| id.0)
        };
        let mut buildings: HashMap<i64, Vec<(String, i64)>> = HashMap::new();
        let mut entrances: HashMap<i64, Vec<(String, i64)>> = HashMap::new();
        for a in &mine {
            match a.kind {
                AreaKind::Building => {
                    if let Some(c) = compound_of(a) {
                        let e = buildings.entry(c).or_default();
                        e.push((linkage::building_label(&a.name), a.id.0));
                        for alias in &a.aliases {
                            e.push((linkage::building_label(alias), a.id.0));
                        }
                    }
                }
                AreaKind::Entrance => {
                    if let Some(b) = a.parent_id {
                        entrances
                            .entry(b.0)
                            .or_default()
                            .push((linkage::entrance_label(&a.name), a.id.0));
                    }
                }
                _ => {}
            }
        }
        let scope = self.scope_of(caller).await?;
        let mut cards = HashMap::new();
        let mut rooms: HashMap<(i64, String, String), Vec<Option<String>>> = HashMap::new();
        if !scope.is_empty() {
            for h in self.store.households_within(&scope).await? {
                rooms
                    .entry((h.compound_id, h.building.clone(), h.room.clone()))
                    .or_default()
                    .push(h.entrance.clone());
                cards.insert(
                    Door {
                        compound: h.compound_id,
                        building: h.building,
                        entrance: h.entrance,
                        room: h.room,
                    },
                    h.id,
                );
            }
        }
        Ok(Territory {
            compounds,
            areas,
            buildings,
            entrances,
            cards,
            rooms,
        })
    }

    /// Imports a household list from `file_name`'s `bytes` as `caller`: every row read
    /// and checked first (`progress` is told how many of how many), then, unless
    /// `dry_run` or any row is wrong, the rows kept and the grid list's new cards
    /// registered in one transaction with an audit entry.
    #[allow(clippy::too_many_arguments)]
    pub async fn import_households(
        &self,
        caller: Caller<'_>,
        source: Source,
        file_name: &str,
        bytes: &[u8],
        sheet: Option<&str>,
        dry_run: bool,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<HouseholdImport> {
        caller.require_household_import()?;
        let t: Table = table::read(file_name, bytes, sheet)?;
        let cols = table::columns(&t.headers, COLUMNS);
        let has_address = cols[ADDRESS].is_some();
        // A 房号 column alone may hold the whole unit ("12-2-502"), as owners' lists do.
        let has_unit = cols[ROOM].is_some();
        table::require(&t.headers, &[(COLUMNS[NAME].0, cols[NAME])])?;
        if !has_address && !has_unit {
            return Err(ServiceError::invalid(
                "file",
                format!(
                    "表头缺少地址：需要“住址”列，或“楼栋”和“房号”列（找到的表头：{}）",
                    t.headers.join("、")
                ),
                format!(
                    "the header row has no address: it needs an address column (住址), or building and room columns (楼栋, 房号) (found: {})",
                    t.headers.join(", ")
                ),
            ));
        }
        let reader = Reader { t: &t, cols };
        let terr = self.territory(caller).await?;
        let now = self.now();
        let year = jiff::Timestamp::from_millisecond(now)
            .map(|t| {
                t.to_zoned(yihaotai_domain::ticket::CST.to_time_zone())
                    .year() as i64
            })
            .unwrap_or(2026);
        let mut out = HouseholdImport {
            source,
            dry_run,
            rows: t.rows.len(),
            mapping: reader
                .cols
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.map(|c| (i, c)))
                .map(|(i, c)| (COLUMNS[i].0.to_string(), t.headers[c].clone()))
                .collect(),
            linked: 0,
            registered: Vec::new(),
            without_card: 0,
            flags: Vec::new(),
            errors: Vec::new(),
            preview: Vec::new(),
            import_id: None,
        };
        out.mapping.sort_by_key(|(f, _)| {
            COLUMNS
                .iter()
                .position(|(n, _)| n == f)
                .and_then(|i| reader.cols[i])
        });
        let mut records: Vec<NewSourceRecord> = Vec::with_capacity(t.rows.len());
        // New cards (grid list): door → (index in `cards`, the rows' members).
        let mut new_cards: HashMap<Door, usize> = HashMap::new();
        let mut cards: Vec<NewCard> = Vec::new();
        let mut seen: HashMap<(Door, String), usize> = HashMap::new();
        let total = t.rows.len();
        for (i, row) in t.rows.iter().enumerate() {
            if i % 500 == 0 {
                progress(i, total);
            }
            let before = out.errors.len();
            let err = |field: usize, value: &str, zh: String, en: String| RowError {
                row: row.number,
                column: reader.header(field),
                value: value.chars().take(60).collect(),
                zh,
                en,
            };
            let mut flags: Vec<&'static str> = Vec::new();
            let mut flag =
                |out: &mut HouseholdImport, field: usize, value: &str, code: &'static str| {
                    let (zh, en) = flag_text(code);
                    flags.push(code);
                    out.flags.push(RowError {
                        row: row.number,
                        column: reader.header(field),
                        value: value.chars().take(60).collect(),
                        zh: zh.to_string(),
                        en: en.to_string(),
                    });
                };
            // The name.
            let raw_name = reader.cell(row, NAME);
            let name = match yihaotai_domain::person::parse_person_name(raw_name) {
                Some(n) => linkage::clean_name(&n),
                None => {
                    out.errors.push(err(
                        NAME,
                        raw_name,
                        if raw_name.is_empty() {
                            "姓名为空".into()
                        } else {
                            "姓名应为1到32个字".into()
                        },
                        if raw_name.is_empty() {
                            "the name is empty".into()
                        } else {
                            "a name has 1 to 32 characters".into()
                        },
                    ));
                    String::new()
                }
            };
            // The door.
            let door = match self.place(&reader, row, &terr) {
                Ok((door, area, inferred)) => {
                    if inferred {
                        let field = if reader.cols[ENTRANCE].is_some() {
                            ENTRANCE
                        } else {
                            ADDRESS
                        };
                        flag(
                            &mut out,
                            field,
                            reader.cell(row, field),
                            "entrance_inferred",
                        );
                    }
                    Some((door, area))
                }
                Err(e) => {
                    out.errors.push(e);
                    None
                }
            };
            // The phone: the first number the cell holds.
            let raw_phone = reader.cell(row, PHONE);
            let phone = if raw_phone.is_empty() {
                None
            } else {
                let found = raw_phone
                    .split(['、', ',', '，', ';', '；', '/', '\n'])
                    .find_map(|p| Phone::parse(p).ok());
                if found.is_none() {
                    flag(&mut out, PHONE, raw_phone, "bad_phone");
                }
                found.map(|p| p.as_str().to_string())
            };
            // The ID number, and the birth year and sex it gives.
            let raw_id = reader.cell(row, ID);
            let id = if raw_id.is_empty() {
                None
            } else {
                match linkage::parse_id_number(raw_id) {
                    Ok(id) => {
                        if !id.checksum_ok {
                            flag(&mut out, ID, &mask_id_number(&id.number), "id_checksum");
                        }
                        if id.converted {
                            flag(&mut out, ID, &mask_id_number(&id.number), "id_converted");
                        }
                        Some(id)
                    }
                    Err(_) => {
                        flag(&mut out, ID, &mask_id_number(raw_id), "bad_id");
                        None
                    }
                }
            };
            let raw_sex = reader.cell(row, SEX);
            let sex = match raw_sex {
                "" => id.as_ref().map(|i| i.sex.to_string()),
                "男" | "男性" | "M" | "m" | "male" => Some("男".to_string()),
                "女" | "女性" | "F" | "f" | "female" => Some("女".to_string()),
                other => {
                    out.errors.push(err(
                        SEX,
                        other,
                        "性别应为“男”或“女”".into(),
                        "the sex is 男 or 女".into(),
                    ));
                    None
                }
            };
            if let (Some(s), Some(i)) = (&sex, &id) {
                if !raw_sex.is_empty() && s != i.sex && i.checksum_ok {
                    flag(&mut out, SEX, raw_sex, "sex_mismatch");
                }
            }
            let birth_year = match id.as_ref().filter(|i| i.checksum_ok) {
                Some(i) => Some(i64::from(i.birth.year())),
                None => {
                    let b = yihaotai_domain::person::normalize_digits(reader.cell(row, BIRTH));
                    let a = yihaotai_domain::person::normalize_digits(reader.cell(row, AGE));
                    let from_birth = b
                        .get(..4)
                        .and_then(|y| y.parse::<i64>().ok())
                        .filter(|y| (1880..=year).contains(y));
                    let from_age = a
                        .trim_end_matches(['岁', '周'])
                        .trim()
                        .parse::<i64>()
                        .ok()
                        .filter(|a| (0..=130).contains(a))
                        .map(|a| year - a);
                    if !b.is_empty() && from_birth.is_none() {
                        out.errors.push(err(
                            BIRTH,
                            &b,
                            "出生日期应写成 1950-01-01 或 1950年1月".into(),
                            "write the birth date as 1950-01-01".into(),
                        ));
                    }
                    if !a.is_empty() && from_age.is_none() {
                        out.errors.push(err(
                            AGE,
                            &a,
                            "年龄应为0到130之间的整数".into(),
                            "the age is a whole number from 0 to 130".into(),
                        ));
                    }
                    from_birth.or(from_age)
                }
            };
            // Care needs.
            let raw_care = reader.cell(row, CARE);
            let mut care: Vec<CareTag> = Vec::new();
            for w in table::split_list(raw_care) {
                match linkage::care_tag_of(&w) {
                    Some(t) if !care.contains(&t) => care.push(t),
                    Some(_) => {}
                    None => out.errors.push(err(
                        CARE,
                        &w,
                        format!(
                            "不是认识的人员类别，可用：{}",
                            CareTag::ALL
                                .iter()
                                .map(|t| t.label(yihaotai_domain::vocab::Lang::Zh))
                                .collect::<Vec<_>>()
                                .join("、")
                        ),
                        format!(
                            "not a care need known here; use one of: {}",
                            CareTag::ALL
                                .iter()
                                .map(|t| t.code())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )),
                }
            }
            care.sort();
            let mut relation = reader.cell(row, RELATION).to_string();
            let owner = source == Source::Property
                || relation.contains("业主")
                || relation.contains("产权人");
            if relation.is_empty() && source == Source::Property {
                relation = "业主".to_string();
            }
            let notes = reader.cell(row, NOTES).to_string();
            if notes.chars().count() > hh::MAX_TEXT {
                out.errors.push(err(
                    NOTES,
                    &notes,
                    format!("备注过长（最多 {} 字）", hh::MAX_TEXT),
                    format!("the notes are too long (at most {})", hh::MAX_TEXT),
                ));
            }
            if out.errors.len() > before {
                continue;
            }
            let Some((door, area)) = door else { continue };
            let name_key = linkage::name_key(&name);
            match seen.get(&(door.clone(), name_key.clone())) {
                Some(first) => {
                    let first = *first;
                    flag(&mut out, NAME, &name, "duplicate_row");
                    if let Some(f) = out.flags.last_mut() {
                        f.zh = format!("与第 {first} 行重复（同一门牌同一姓名）");
                        f.en = format!("repeats row {first} (same door, same name)");
                    }
                }
                None => {
                    seen.insert((door.clone(), name_key.clone()), row.number);
                }
            }
            // The card of the door: on file, registered by this import, or none.
            let card = match terr.cards.get(&door) {
                Some(id) => {
                    out.linked += 1;
                    CardRef::Existing(*id)
                }
                None if source == Source::Grid => {
                    let n = match new_cards.get(&door) {
                        Some(n) => *n,
                        None => {
                            let address = address_of(&terr, &door, area);
                            out.registered.push(address.clone());
                            cards.push(NewCard {
                                area_id: area,
                                compound_id: door.compound,
                                building: door.building.clone(),
                                entrance: door.entrance.clone(),
                                room: door.room.clone(),
                                address,
                                state: hh::Household::default(),
                                registered: String::new(),
                            });
                            new_cards.insert(door.clone(), cards.len() - 1);
                            cards.len() - 1
                        }
                    };
                    let duplicate = flags.contains(&"duplicate_row");
                    if !duplicate {
                        let state = &mut cards[n].state;
                        let key = state.members.len() as u32 + 1;
                        state.members.push(Member {
                            key,
                            name: name.clone(),
                            phone: phone.clone(),
                            id_number: id.as_ref().map(|i| i.number.clone()),
                            birth_year,
                            gender: sex.clone(),
                            relation: relation.clone(),
                            care: care
                                .iter()
                                .map(|t| CareSince {
                                    tag: *t,
                                    since: now,
                                })
                                .collect(),
                            registered_at: Some(now),
                        });
                    }
                    CardRef::New(n)
                }
                None => {
                    out.without_card += 1;
                    CardRef::None
                }
            };
            if out.preview.len() < 5 {
                out.preview.push(PreviewRow {
                    row: row.number,
                    address: match card {
                        CardRef::Existing(_) | CardRef::None => address_of(&terr, &door, area),
                        CardRef::New(n) => cards[n].address.clone(),
                    },
                    name: name.clone(),
                    phone: phone
                        .as_deref()
                        .map(|p| yihaotai_domain::person::mask_middle(p, 3, 4)),
                    id_number: id.as_ref().map(|i| mask_id_number(&i.number)),
                    relation: relation.clone(),
                    care_tags: care.clone(),
                    has_card: !matches!(card, CardRef::None),
                });
            }
            let raw: serde_json::Map<String, serde_json::Value> = t
                .headers
                .iter()
                .enumerate()
                .filter(|(c, h)| !h.is_empty() && !row.get(*c).is_empty())
                .map(|(c, h)| (h.clone(), serde_json::Value::String(row.get(c).to_string())))
                .collect();
            let address = match card {
                CardRef::New(n) => cards[n].address.clone(),
                _ => address_of(&terr, &door, area),
            };
            records.push(NewSourceRecord {
                address,
                row_number: row.number as i64,
                area_id: area,
                compound_id: door.compound,
                building: door.building.clone(),
                entrance: door.entrance.clone(),
                room: door.room.clone(),
                card,
                name_pinyin: linkage::name_pinyin(&name),
                name_key,
                name,
                phone,
                id_valid: id.as_ref().map(|i| i.checksum_ok),
                id_number: id.map(|i| i.number),
                birth_year,
                gender: sex,
                relation,
                care_tags: care.iter().map(|t| t.code()).collect::<Vec<_>>().join(","),
                owner,
                notes,
                flags: flags.join(","),
                raw: serde_json::Value::Object(raw).to_string(),
            });
        }
        progress(total, total);
        if t.rows.is_empty() {
            out.errors.push(RowError {
                row: 1,
                column: String::new(),
                value: String::new(),
                zh: "表头下面没有数据行".into(),
                en: "there are no rows under the header".into(),
            });
        }
        if !out.errors.is_empty() || dry_run {
            return Ok(out);
        }
        let reason = format!(
            "{}导入：{file_name} / imported from the {}",
            source.label(yihaotai_domain::vocab::Lang::Zh),
            source.label(yihaotai_domain::vocab::Lang::En)
        );
        for c in &mut cards {
            c.state = hh::replay(&[hh::Event::Registered {
                members: c.state.members.clone(),
            }]);
            c.registered = serde_json::to_string(&hh::Stored {
                event: hh::Event::Registered {
                    members: c.state.members.clone(),
                },
                reason: reason.clone(),
            })
            .map_err(|e| ServiceError::Store(yihaotai_store::StoreError::Corrupt(e.to_string())))?;
        }
        let mapping = serde_json::to_string(&out.mapping)
            .map_err(|e| ServiceError::Store(yihaotai_store::StoreError::Corrupt(e.to_string())))?;
        let detail = format!(
            "{} {file_name}: {} rows, {} linked, {} cards registered, {} without a card, {} flagged",
            source.code(),
            records.len(),
            out.linked,
            cards.len(),
            out.without_card,
            out.flags.len()
        );
        let import_id = self
            .store
            .import_source(
                &NewSourceImport {
                    source: source.code(),
                    file_name,
                    sheet,
                    mapping: &mapping,
                    actor: caller.user_id(),
                    at: now,
                },
                &cards,
                &records,
                &yihaotai_store::audit::NewAudit {
                    at: now,
                    actor: caller.user_id(),
                    action: "household.import",
                    target_kind: "source_import",
                    target_id: None,
                    area_path: None,
                    detail: &detail,
                    before: None,
                    after: None,
                },
            )
            .await?;
        out.import_id = Some(import_id);
        Ok(out)
    }

    /// Places a row's door in the territory: (the door, the area it is in, whether its
    /// entrance was inferred from a unique room), or the row's error.
    fn place(
        &self,
        reader: &Reader<'_>,
        row: &Row,
        terr: &Territory,
    ) -> std::result::Result<(Door, i64, bool), RowError> {
        let address_cell = reader.cell(row, ADDRESS);
        let unit = if reader.cols[BUILDING].is_some() {
            linkage::unit_text(
                "",
                reader.cell(row, BUILDING),
                reader.cell(row, ENTRANCE),
                reader.cell(row, ROOM),
            )
        } else {
            // No building column: the room cell is the unit as written ("12-2-502").
            format!(
                "{}{}",
                reader.cell(row, ROOM),
                linkage::unit_text("", "", reader.cell(row, ENTRANCE), "")
            )
        };
        let text = format!("{}{}{}", reader.cell(row, COMPOUND), address_cell, unit);
        let field = if reader.cols[ADDRESS].is_some() && reader.cols[BUILDING].is_none() {
            ADDRESS
        } else if reader.cols[BUILDING].is_some() {
            BUILDING
        } else {
            ROOM
        };
        let shown: String = [reader.cell(row, COMPOUND), address_cell, &unit]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let err = |zh: String, en: String| RowError {
            row: row.number,
            column: reader.header(field),
            value: shown.chars().take(60).collect(),
            zh,
            en,
        };
        let (parts, compound_id) =
            yihaotai_domain::triage::parse_address_with_id(&text, &terr.compounds);
        let compound = match (compound_id, &parts.compound) {
            (Some(id), _) => id.0,
            (None, Some(named)) => {
                return Err(err(
                    format!(
                        "小区“{named}”不在您负责的区域（有：{}）",
                        terr.compound_names()
                    ),
                    format!("the compound '{named}' is not one of your areas"),
                ))
            }
            (None, None) if terr.compounds.len() == 1 => terr.compounds[0].id.0,
            (None, None) => {
                return Err(err(
                    format!("请写明小区（您负责的有：{}）", terr.compound_names()),
                    "name the compound: you serve more than one".into(),
                ))
            }
        };
        let (Some(building), Some(room)) = (parts.building.clone(), parts.room.clone()) else {
            return Err(err(
                "读不出楼栋和房号（可写成 12栋2单元502、12-2-502 或 12号楼2单元502室）".into(),
                "no building and room can be read (write 12栋2单元502 or 12-2-502)".into(),
            ));
        };
        let compound_area = &terr.areas[&compound];
        // The building's area, where the territory lists buildings.
        let building_area = match terr.buildings.get(&compound) {
            None => None,
            Some(bs) => match bs.iter().find(|(l, _)| *l == building) {
                Some((_, id)) => Some(*id),
                None => {
                    return Err(err(
                        format!("{}没有{}栋", compound_area.name, building),
                        format!("{} has no building {}", compound_area.name, building),
                    ))
                }
            },
        };
        let entrances = building_area.and_then(|b| terr.entrances.get(&b));
        let mut inferred = false;
        let entrance = match (&parts.entrance, entrances) {
            (Some(e), Some(es)) => match es.iter().find(|(l, _)| l == e) {
                Some(_) => Some(e.clone()),
                None => {
                    return Err(err(
                        format!("{}{}栋没有{}单元", compound_area.name, building, e),
                        format!(
                            "building {} of {} has no entrance {}",
                            building, compound_area.name, e
                        ),
                    ))
                }
            },
            (Some(e), None) => Some(e.clone()),
            (None, Some(es)) if es.len() == 1 => Some(es[0].0.clone()),
            (None, Some(_)) => {
                // Never guessed: placed only where one door of the building has the room.
                let on_file = terr
                    .rooms
                    .get(&(compound, building.clone(), room.clone()))
                    .cloned()
                    .unwrap_or_default();
                match on_file.as_slice() {
                    [one] => {
                        inferred = true;
                        one.clone()
                    }
                    [] => {
                        return Err(err(
                            format!("请写明单元：{}{}栋有几个单元", compound_area.name, building),
                            format!("write the entrance: building {building} has several"),
                        ))
                    }
                    _ => {
                        return Err(err(
                            format!(
                                "请写明单元：{}{}栋有几个单元都有{}室",
                                compound_area.name, building, room
                            ),
                            format!(
                                "write the entrance: several entrances of building {building} have a room {room}"
                            ),
                        ))
                    }
                }
            }
            (None, None) => None,
        };
        let area = match (&entrance, entrances) {
            (Some(e), Some(es)) => es
                .iter()
                .find(|(l, _)| l == e)
                .map(|(_, id)| *id)
                .or(building_area),
            _ => building_area,
        }
        .unwrap_or(compound);
        Ok((
            Door {
                compound,
                building,
                entrance,
                room,
            },
            area,
            inferred,
        ))
    }
}

/// A door's address as a card shows it: "锦绣花园12栋2单元502".
fn address_of(terr: &Territory, door: &Door, area: i64) -> String {
    let compound = terr
        .areas
        .get(&door.compound)
        .map_or("", |a| a.name.as_str());
    // The area names when the territory has them ("A座", "2单元"), else the labels.
    let area = terr.areas.get(&area);
    let (building_name, entrance_name) = match area {
        Some(a) if a.kind == AreaKind::Entrance => (
            a.parent_id
                .and_then(|p| terr.areas.get(&p.0))
                .map(|b| b.name.clone()),
            Some(a.name.clone()),
        ),
        Some(a) if a.kind == AreaKind::Building => (Some(a.name.clone()), None),
        _ => (None, None),
    };
    let building = building_name.unwrap_or_else(|| format!("{}栋", door.building));
    let entrance = match (&door.entrance, entrance_name) {
        (_, Some(n)) => n,
        (Some(e), None) => format!("{e}单元"),
        (None, None) => String::new(),
    };
    format!("{compound}{building}{entrance}{}", door.room)
}
