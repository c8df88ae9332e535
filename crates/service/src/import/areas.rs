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
use yihaotai_store::areas::{Area, PlannedArea, PlannedParent};

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

fn split_aliases(s: &str) -> Vec<String> {
    s.split(['、', ',', '，', ';', '；', ' ', '\u{3000}'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
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
        let missing: Vec<&str> = ["上级", "类型", "名称"]
            .iter()
            .zip([cols[0], cols[1], cols[2]])
            .filter(|(_, c)| c.is_none())
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            return Err(ServiceError::invalid(
                "file",
                format!(
                    "表头缺少“{}”列（找到的表头：{}）",
                    missing.join("”“"),
                    t.headers.join("、")
                ),
                format!(
                    "the header row has no {} column (found: {})",
                    missing.join(", "),
                    t.headers.join(", ")
                ),
            ));
        }
        let (c_parent, c_kind, c_name) = (
            cols[0].unwrap_or(0),
            cols[1].unwrap_or(0),
            cols[2].unwrap_or(0),
        );
        let c_alias = cols[3];
        let header = |c: usize| t.headers.get(c).cloned().unwrap_or_default();

        // What exists, as the caller may see it: each area by its full name.
        let existing: Vec<Area> = self.store.all_areas().await?;
        let full_name = |a: &Area| -> String {
            a.path
                .ids()
                .iter()
                .filter_map(|id| existing.iter().find(|x| x.id == *id))
                .map(|x| x.name.as_str())
                .collect::<Vec<_>>()
                .join("/")
        };
        let mut known: Vec<(
            String,
            AreaKind,
            PlannedParent,
            Option<yihaotai_domain::AreaId>,
        )> = existing
            .iter()
            .map(|a| {
                (
                    full_name(a),
                    a.kind,
                    PlannedParent::Existing(a.id),
                    Some(a.id),
                )
            })
            .collect();
        let mut out = AreaImport {
            dry_run,
            ..AreaImport::default()
        };
        let mut planned: Vec<PlannedArea> = Vec::new();
        for row in &t.rows {
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
            if let Err(e) = &name {
                out.errors.push(err(
                    c_name,
                    name_s,
                    e.localized(yihaotai_domain::vocab::Lang::Zh),
                    e.localized(yihaotai_domain::vocab::Lang::En),
                ));
            }
            // The parent: a full name ("望江街道/青石社区") or a name only one area has.
            let wanted = parent_s.replace(['>', '＞', '／', '\\'], "/");
            let matches: Vec<&(
                String,
                AreaKind,
                PlannedParent,
                Option<yihaotai_domain::AreaId>,
            )> = known
                .iter()
                .filter(|(full, ..)| {
                    !wanted.is_empty()
                        && (full == &wanted || full.rsplit('/').next() == Some(wanted.as_str()))
                })
                .collect();
            let parent = match matches.as_slice() {
                [one] => Some((*one).clone()),
                [] => {
                    out.errors.push(err(
                        c_parent,
                        parent_s,
                        "没有这个上级区域：它须已存在，或在文件中更早的一行".into(),
                        "no such parent area: it must exist already or come on an earlier row"
                            .into(),
                    ));
                    None
                }
                many => {
                    out.errors.push(err(
                        c_parent,
                        parent_s,
                        format!(
                            "有 {} 个区域叫这个名字，请写完整路径，如“{}”",
                            many.len(),
                            many[0].0
                        ),
                        format!(
                            "{} areas have this name: write its full path, such as '{}'",
                            many.len(),
                            many[0].0
                        ),
                    ));
                    None
                }
            };
            let (Some(kind), Ok(name), Some((parent_full, parent_kind, parent_ref, parent_id))) =
                (kind, name, parent)
            else {
                continue;
            };
            if let Err(e) = check_nesting(parent_kind, kind) {
                out.errors.push(err(
                    c_kind,
                    kind_s,
                    e.localized(yihaotai_domain::vocab::Lang::Zh),
                    e.localized(yihaotai_domain::vocab::Lang::En),
                ));
                continue;
            }
            if let Some(id) = parent_id {
                if self.area_in_scope(caller, id).await.is_err() {
                    out.errors.push(err(
                        c_parent,
                        parent_s,
                        "不在您负责的区域内".into(),
                        "outside the areas you serve".into(),
                    ));
                    continue;
                }
            }
            let full = format!("{parent_full}/{}", name.as_str());
            if let Some((_, k, _, id)) = known.iter().find(|(f, ..)| *f == full) {
                if id.is_some() && *k == kind {
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
            let aliases = c_alias
                .map(|c| split_aliases(row.get(c)))
                .unwrap_or_default();
            let index = planned.len();
            planned.push(PlannedArea {
                parent: parent_ref,
                kind,
                name: name.as_str().to_string(),
                aliases,
            });
            known.push((full.clone(), kind, PlannedParent::Planned(index), None));
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
