//! The territory from a spreadsheet: one row per area under the street `init` created —
//! communities, compounds, control zones, buildings, entrances — each naming its parent.
//! Every row is checked before anything is written, and the rows are added in one
//! transaction, each with its audit entry: a file with any bad row changes nothing. An
//! area already there (same name and level under the same parent) is left as it is, so a
//! file can be imported again after rows were added to it.
//!
//! Columns (the header names people use are recognised, in any order): 上级 (the parent,
//! by its name when that is unique, or by its path "望江街道/青石社区"), 类型 (街道,
//! 社区, 小区, 分控区域, 楼栋, 单元, or the codes street, community…), 名称, 别名
//! (optional, separated by 、 , ; or spaces).

use super::table::{self, Table};
use super::RowError;
use crate::admin::Caller;
use crate::{Result, Service, ServiceError};
use yihaotai_domain::area::{check_nesting, AreaKind, AreaName};
use yihaotai_store::areas::{PlannedArea, PlannedParent};

const COLUMNS: &[(&str, &[&str])] = &[
    (
        "上级",
        &["上级区域", "所属", "所属区域", "上级名称", "parent"],
    ),
    ("类型", &["层级", "级别", "区域类型", "kind", "level"]),
    ("名称", &["区域名称", "名字", "name"]),
    ("别名", &["又称", "别称", "aliases", "alias"]),
];

/// What an import did, or (`dry_run`) would do.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AreaImport {
    /// The areas added (or that would be), in the file's order, as "上级/名称".
    pub added: Vec<String>,
    /// Rows naming an area that is already there.
    pub unchanged: usize,
    /// Every problem found; when there is any, nothing was written.
    pub errors: Vec<RowError>,
    pub dry_run: bool,
}

/// A level as people write it: the code, the label, or a common word for it.
fn parse_kind(s: &str) -> Option<AreaKind> {
    if let Ok(k) = AreaKind::parse(s) {
        return Some(k);
    }
    let s = s.trim();
    let word = match s {
        "市" => AreaKind::City,
        "区" | "区县" => AreaKind::District,
        "街道" | "镇" | "乡镇" => AreaKind::Street,
        "社区" | "村" | "居委会" => AreaKind::Community,
        "小区" | "小区院落" | "院落" | "院" => AreaKind::Compound,
        "分控区域" | "分区" | "管控区" | "片区" => AreaKind::Zone,
        "楼栋" | "楼" | "栋" | "幢" => AreaKind::Building,
        "单元" | "门" => AreaKind::Entrance,
        _ => return None,
    };
    Some(word)
}

/// The characters that separate the parts of a parent's path.
const SEPARATORS: [char; 5] = ['/', '>', '＞', '／', '\\'];

/// An area a row may name as its parent: one the caller serves, or one an earlier row adds.
#[derive(Clone)]
struct Known {
    /// "望江街道/青石社区/锦绣花园".
    full: String,
    kind: AreaKind,
    /// How the batch refers to it.
    parent: PlannedParent,
    /// Already in the database (not added by this file).
    stored: bool,
}

/// An error that says what is wrong in either language.
trait Localized {
    fn text(&self, lang: yihaotai_domain::vocab::Lang) -> String;
}

impl Localized for yihaotai_domain::area::AreaError {
    fn text(&self, lang: yihaotai_domain::vocab::Lang) -> String {
        self.localized(lang)
    }
}

impl Localized for ServiceError {
    fn text(&self, lang: yihaotai_domain::vocab::Lang) -> String {
        self.localized(lang)
    }
}

/// Whether a row naming the parent `parent` adds the one area in `found` again.
fn same_area(found: &[&Known], parent: &str) -> bool {
    let last = |p: &str| {
        p.replace(SEPARATORS, "/")
            .rsplit('/')
            .next()
            .map(str::to_string)
    };
    match found {
        [one] => {
            let mut parts = one.full.rsplit('/');
            parts.next();
            parts.next().map(str::to_string) == last(parent)
        }
        _ => false,
    }
}

fn zh(e: &impl Localized) -> String {
    e.text(yihaotai_domain::vocab::Lang::Zh)
}

fn en(e: &impl Localized) -> String {
    e.text(yihaotai_domain::vocab::Lang::En)
}

impl Service {
    /// Imports the territory from `file_name`'s `bytes` as `caller` (an administrator, or
    /// the operator at the command line): every row's parent must be an area the caller
    /// serves. With `dry_run`, checks and reports without writing.
    pub async fn import_areas(
        &self,
        caller: Caller<'_>,
        file_name: &str,
        bytes: &[u8],
        sheet: Option<&str>,
        dry_run: bool,
    ) -> Result<AreaImport> {
        caller.require_admin()?;
        let t: Table = table::read(file_name, bytes, sheet)?;
        let cols = table::columns(&t.headers, COLUMNS);
        table::require(
            &t.headers,
            &[("上级", cols[0]), ("类型", cols[1]), ("名称", cols[2])],
        )?;
        let (c_parent, c_kind, c_name) = (
            cols[0].unwrap_or(0),
            cols[1].unwrap_or(0),
            cols[2].unwrap_or(0),
        );
        let c_alias = cols[3];
        let header = |c: usize| t.headers.get(c).cloned().unwrap_or_default();

        // What exists: each area by its full name ("望江街道/青石社区/锦绣花园"). Parents
        // are looked up among the areas the caller serves only, so another street's areas
        // are neither matched nor named in an error.
        let existing = super::agencies::AreaNames::new(&self.store.all_areas().await?, caller);
        let mut known: Vec<Known> = existing
            .entries()
            .iter()
            .map(|(full, a)| Known {
                full: full.clone(),
                kind: a.kind,
                parent: PlannedParent::Existing(a.id),
                stored: true,
            })
            .collect();
        // Every name the file adds: a parent named by a name that a later row also adds is
        // ambiguous, not silently the one that came first.
        let file_rows: Vec<(&str, &str)> = t
            .rows
            .iter()
            .map(|r| (r.get(c_parent), r.get(c_name)))
            .collect();
        let mut out = AreaImport {
            dry_run,
            ..AreaImport::default()
        };
        let mut planned: Vec<PlannedArea> = Vec::new();
        for (at, row) in t.rows.iter().enumerate() {
            let err = |column: usize, value: &str, zh: String, en: String| RowError {
                row: row.number,
                column: header(column),
                value: value.to_string(),
                zh,
                en,
            };
            let (parent_s, kind_s, name_s) = (row.get(c_parent), row.get(c_kind), row.get(c_name));
            let before = out.errors.len();
            let kind = parse_kind(kind_s);
            if kind.is_none() {
                out.errors.push(err(
                    c_kind,
                    kind_s,
                    "不是区域层级：请填 社区、小区、分控区域、楼栋 或 单元".into(),
                    "not a level: use 社区 (community), 小区 (compound), 分控区域 (zone), 楼栋 (building) or 单元 (entrance)".into(),
                ));
            }
            let name = AreaName::parse(name_s);
            match &name {
                Err(e) => out.errors.push(err(c_name, name_s, zh(e), en(e))),
                Ok(_) if name_s.contains(SEPARATORS) => out.errors.push(err(
                    c_name,
                    name_s,
                    "名称中不能有 / 或 >：它们用来分隔上级的路径".into(),
                    "a name cannot contain / or >: they separate the parts of a parent's path"
                        .into(),
                )),
                Ok(_) => {}
            }
            let aliases = match c_alias {
                None => Vec::new(),
                Some(c) => match crate::admin::clean_aliases(&table::split_list(row.get(c))) {
                    Ok(a) => a,
                    Err(e) => {
                        out.errors.push(err(c, row.get(c), zh(&e), en(&e)));
                        Vec::new()
                    }
                },
            };
            // The parent: its path ("望江街道/青石社区"), or a name only one area has.
            let wanted = parent_s.replace(SEPARATORS, "/");
            let by_path = wanted.contains('/');
            let matches: Vec<&Known> = known
                .iter()
                .filter(|k| {
                    !wanted.is_empty()
                        && (k.full == wanted
                            || (!by_path && k.full.rsplit('/').next() == Some(wanted.as_str())))
                })
                .collect();
            // Later rows adding an area of this name count, unless they repeat the one
            // found (same name under a parent of the same name).
            let later = if by_path {
                0
            } else {
                file_rows[at + 1..]
                    .iter()
                    .filter(|(p, n)| *n == wanted && !same_area(&matches, p))
                    .count()
            };
            let parent = match (matches.as_slice(), later) {
                ([one], 0) => Some((*one).clone()),
                ([], 0) => {
                    out.errors.push(err(
                        c_parent,
                        parent_s,
                        "没有这个上级区域：它须已存在，或在文件中更早的一行".into(),
                        "no such parent area in the areas you serve: it must exist already or come on an earlier row"
                            .into(),
                    ));
                    None
                }
                (found, later) => {
                    let example = found.first().map_or(wanted.clone(), |k| k.full.clone());
                    let n = found.len() + later;
                    out.errors.push(err(
                        c_parent,
                        parent_s,
                        format!("有 {n} 个区域叫这个名字（含文件中后面的行），请写完整路径，如“{example}”"),
                        format!(
                            "{n} areas have this name (rows further down included): write its full path, such as '{example}'"
                        ),
                    ));
                    None
                }
            };
            let (Some(kind), Ok(name), Some(parent)) = (kind, name, parent) else {
                continue;
            };
            if let Err(e) = check_nesting(parent.kind, kind) {
                out.errors.push(err(c_kind, kind_s, zh(&e), en(&e)));
                continue;
            }
            let full = format!("{}/{}", parent.full, name.as_str());
            if let Some(k) = known.iter().find(|k| k.full == full) {
                if k.stored && k.kind == kind {
                    out.unchanged += 1;
                } else {
                    out.errors.push(err(
                        c_name,
                        name_s,
                        "与文件中更早的一行重复，或已有同名而层级不同的区域".into(),
                        "repeats an earlier row, or an area of another level has this name here"
                            .into(),
                    ));
                }
                continue;
            }
            if out.errors.len() > before {
                continue;
            }
            let index = planned.len();
            planned.push(PlannedArea {
                parent: parent.parent,
                kind,
                name: name.as_str().to_string(),
                aliases,
            });
            known.push(Known {
                full: full.clone(),
                kind,
                parent: PlannedParent::Planned(index),
                stored: false,
            });
            out.added.push(full);
        }
        if !out.errors.is_empty() || dry_run || planned.is_empty() {
            if !out.errors.is_empty() {
                out.added.clear();
            }
            return Ok(out);
        }
        self.store
            .insert_area_batch(&planned, self.now(), caller.user_id())
            .await?;
        Ok(out)
    }
}
