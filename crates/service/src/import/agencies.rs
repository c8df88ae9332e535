//! The agencies tickets go to, from a spreadsheet: one row per agency with its kind, the
//! area it belongs to, the areas and categories it serves, and its parent. Every row is
//! checked first and the agencies are added in one transaction, each with its audit entry:
//! a file with any bad row changes nothing. An agency already there (same name, in the
//! caller's areas) is left as it is, so a file can be imported again after rows were added.
//!
//! Columns (recognised by the headers people use, in any order): 名称, 类型 (医疗保障组,
//! 物业…, or the codes), 所属区域 (by name when unique, or by path "青石社区/锦绣花园"),
//! optionally 服务区域 (a list; the home area when empty), 服务类别 (category names or
//! codes), 上级单位 (an agency already there or on an earlier row) and 转办中心 (是/否).

use super::table::{self, Table};
use super::RowError;
use crate::admin::Caller;
use crate::{Result, Service};
use yihaotai_domain::area::AreaPath;
use yihaotai_domain::AreaId;
use yihaotai_store::agencies::{AgencyInput, PlannedAgency};
use yihaotai_store::areas::Area;

const COLUMNS: &[(&str, &[&str])] = &[
    ("名称", &["单位名称", "机构名称", "name"]),
    ("类型", &["单位类型", "机构类型", "kind", "type"]),
    (
        "所属区域",
        &["驻地", "所在区域", "归属区域", "home_area", "home"],
    ),
    (
        "服务区域",
        &["负责区域", "服务范围", "areas", "served_areas"],
    ),
    (
        "服务类别",
        &["负责类别", "承办类别", "诉求类别", "categories"],
    ),
    ("上级单位", &["上级", "上级机构", "parent"]),
    ("转办中心", &["是否转办中心", "forwarding_centre"]),
];

/// What an import did, or (`dry_run`) would do.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AgencyImport {
    /// The agencies added (or that would be), in the file's order.
    pub added: Vec<String>,
    /// Rows naming an agency that is already there.
    pub unchanged: usize,
    /// Every problem found; when there is any, nothing was written.
    pub errors: Vec<RowError>,
    pub dry_run: bool,
}

/// The caller's areas by full name ("望江街道/青石社区/锦绣花园"), for finding an area a
/// cell names by its path or by a name only one area has.
pub(crate) struct AreaNames {
    areas: Vec<(String, Area)>,
}

impl AreaNames {
    pub(crate) fn new(all: &[Area], caller: Caller<'_>) -> AreaNames {
        let full = |a: &Area| -> String {
            a.path
                .ids()
                .iter()
                .filter_map(|id| all.iter().find(|x| x.id == *id))
                .map(|x| x.name.as_str())
                .collect::<Vec<_>>()
                .join("/")
        };
        AreaNames {
            areas: all
                .iter()
                .filter(|a| caller.covers(&a.path))
                .map(|a| (full(a), a.clone()))
                .collect(),
        }
    }

    /// Every area the caller serves, with its full name.
    pub(crate) fn entries(&self) -> &[(String, Area)] {
        &self.areas
    }

    /// The one area `s` names, or what is wrong, in both languages.
    pub(crate) fn find(&self, s: &str) -> std::result::Result<&Area, (String, String)> {
        let wanted = s.trim().replace(['>', '＞', '／', '\\'], "/");
        if wanted.is_empty() {
            return Err(("请填写区域".into(), "an area is required".into()));
        }
        let found: Vec<&(String, Area)> = self
            .areas
            .iter()
            .filter(|(full, a)| {
                *full == wanted || full.ends_with(&format!("/{wanted}")) || a.name == wanted
            })
            .collect();
        match found.as_slice() {
            [(_, a)] => Ok(a),
            [] => Err((
                "您负责的区域中没有这个区域".into(),
                "no such area in the areas you serve".into(),
            )),
            many => {
                let example = &many[0].0;
                Err((
                    format!(
                        "有 {} 个区域叫这个名字，请写完整路径，如“{example}”",
                        many.len()
                    ),
                    format!(
                        "{} areas have this name: write its path, such as '{example}'",
                        many.len()
                    ),
                ))
            }
        }
    }
}

/// 是/否 as people write it.
fn parse_yes_no(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "" | "否" | "不是" | "no" | "n" | "false" | "0" => Some(false),
        "是" | "yes" | "y" | "true" | "1" | "√" => Some(true),
        _ => None,
    }
}

impl Service {
    /// The agencies of the areas the caller serves (every agency for the operator).
    pub(crate) async fn agencies_of(
        &self,
        caller: Caller<'_>,
    ) -> Result<Vec<yihaotai_store::agencies::Agency>> {
        let scope = self.scope_of(caller).await?;
        Ok(self.store.agencies_within(&scope).await?)
    }

    /// Imports agencies from `file_name`'s `bytes` as `caller` (an administrator, or the
    /// operator at the command line). With `dry_run`, checks and reports without writing.
    pub async fn import_agencies(
        &self,
        caller: Caller<'_>,
        file_name: &str,
        bytes: &[u8],
        sheet: Option<&str>,
        dry_run: bool,
    ) -> Result<AgencyImport> {
        caller.require_admin()?;
        let t: Table = table::read(file_name, bytes, sheet)?;
        let cols = table::columns(&t.headers, COLUMNS);
        table::require(
            &t.headers,
            &[("名称", cols[0]), ("类型", cols[1]), ("所属区域", cols[2])],
        )?;
        let (c_name, c_kind, c_home) = (
            cols[0].unwrap_or(0),
            cols[1].unwrap_or(0),
            cols[2].unwrap_or(0),
        );
        let header = |c: usize| t.headers.get(c).cloned().unwrap_or_default();
        let areas = AreaNames::new(&self.store.all_areas().await?, caller);
        let existing = self.agencies_of(caller).await?;
        let categories = self.store.categories().await?;
        let mut out = AgencyImport {
            dry_run,
            ..AgencyImport::default()
        };
        let mut planned: Vec<(PlannedAgency<'static>, AreaPath)> = Vec::new();
        let mut names_in_file: Vec<(String, Option<AreaId>)> = Vec::new();
        for row in &t.rows {
            let err = |column: usize, value: &str, zh: String, en: String| RowError {
                row: row.number,
                column: header(column),
                value: value.to_string(),
                zh,
                en,
            };
            let before = out.errors.len();
            let name = row.get(c_name).trim().to_string();
            if name.is_empty() || name.chars().count() > 64 {
                out.errors.push(err(
                    c_name,
                    &name,
                    "单位名称须为1到64个字符".into(),
                    "the agency name must be 1-64 characters".into(),
                ));
            }
            let home = match areas.find(row.get(c_home)) {
                Ok(a) => Some(a.clone()),
                Err((zh, en)) => {
                    out.errors.push(err(c_home, row.get(c_home), zh, en));
                    None
                }
            };
            // An agency is the same one when its name and home area are: two compounds
            // may each have a 物业服务中心.
            let home_id = home.as_ref().map(|h| h.id);
            if existing
                .iter()
                .any(|a| a.row.name == name && Some(AreaId(a.row.home_area_id)) == home_id)
            {
                out.unchanged += 1;
                continue;
            }
            if names_in_file.contains(&(name.clone(), home_id)) {
                out.errors.push(err(
                    c_name,
                    &name,
                    "与文件中更早的一行重复".into(),
                    "repeats an earlier row".into(),
                ));
            }
            let kind = yihaotai_domain::agency::parse_kind(row.get(c_kind));
            if kind.is_none() {
                let choices: Vec<&str> = yihaotai_domain::agency::AGENCY_KINDS
                    .iter()
                    .map(|k| k.1)
                    .collect();
                out.errors.push(err(
                    c_kind,
                    row.get(c_kind),
                    format!("不是单位类型：请填 {}", choices.join("、")),
                    "not an agency kind: use one of the kinds the agency page offers".into(),
                ));
            }
            let mut served: Vec<AreaId> = Vec::new();
            if let Some(c) = cols[3] {
                for part in table::split_list(row.get(c)) {
                    match areas.find(&part) {
                        Ok(a) => served.push(a.id),
                        Err((zh, en)) => out.errors.push(err(c, &part, zh, en)),
                    }
                }
            }
            let mut cats: Vec<String> = Vec::new();
            if let Some(c) = cols[4] {
                for part in table::split_list(row.get(c)) {
                    match categories.iter().find(|k| {
                        k.code == part || k.name_zh == part || k.name_en.eq_ignore_ascii_case(&part)
                    }) {
                        Some(k) => cats.push(k.code.clone()),
                        None => {
                            let names: Vec<&str> =
                                categories.iter().map(|k| k.name_zh.as_str()).collect();
                            out.errors.push(err(
                                c,
                                &part,
                                format!("不是诉求类别：可填 {}", names.join("、")),
                                "not a request category of the catalogue".into(),
                            ))
                        }
                    }
                }
            }
            let (mut parent, mut parent_row) = (None, None);
            if let Some(c) = cols[5] {
                let p = row.get(c).trim();
                if !p.is_empty() {
                    // Of the agencies with that name, already there or on an earlier row,
                    // the one whose home area holds this row's; a name that still fits
                    // several is refused rather than guessed.
                    let named: Vec<(Option<i64>, Option<usize>, &str)> = existing
                        .iter()
                        .filter(|a| a.row.name == p)
                        .map(|a| (Some(a.row.id), None, a.row.home_area_path.as_str()))
                        .chain(
                            planned
                                .iter()
                                .enumerate()
                                .filter(|(_, (x, _))| x.input.name == p)
                                .map(|(i, (_, path))| (None, Some(i), path.as_str())),
                        )
                        .collect();
                    let fits: Vec<&(Option<i64>, Option<usize>, &str)> = if named.len() > 1 {
                        named
                            .iter()
                            .filter(|(_, _, path)| {
                                home.as_ref()
                                    .is_some_and(|h| h.path.as_str().starts_with(path))
                            })
                            .collect()
                    } else {
                        named.iter().collect()
                    };
                    if let [(id, i, _)] = fits.as_slice() {
                        parent = id.map(yihaotai_domain::AgencyId);
                        parent_row = *i;
                    } else if named.len() > 1 {
                        out.errors.push(err(
                            c,
                            p,
                            format!(
                                "有{}个单位叫这个名字，无法确定上级：请先改名使其唯一",
                                named.len()
                            ),
                            format!(
                                "{} agencies have this name and none is above this row's home area alone: rename them to tell them apart",
                                named.len()
                            ),
                        ));
                    } else {
                        out.errors.push(err(
                            c,
                            p,
                            "没有这个上级单位：它须已存在，或在文件中更早的一行".into(),
                            "no such parent agency: it must exist already or come on an earlier row"
                                .into(),
                        ));
                    }
                }
            }
            let forwarding = match cols[6] {
                None => Some(false),
                Some(c) => {
                    let v = parse_yes_no(row.get(c));
                    if v.is_none() {
                        out.errors.push(err(
                            c,
                            row.get(c),
                            "请填“是”或“否”".into(),
                            "write 是 (yes) or 否 (no)".into(),
                        ));
                    }
                    v
                }
            };
            names_in_file.push((name.clone(), home_id));
            let (Some(kind), Some(home), Some(forwarding)) = (kind, home, forwarding) else {
                continue;
            };
            if out.errors.len() > before {
                continue;
            }
            if served.is_empty() {
                served.push(home.id);
            }
            served.dedup();
            let input = AgencyInput {
                name: name.clone(),
                kind: kind.to_string(),
                parent,
                home_area: home.id,
                is_forwarding_centre: forwarding,
                areas: served,
                categories: cats,
                active: true,
            };
            let after = serde_json::to_value(&input).ok().map(|v| v.to_string());
            planned.push((
                PlannedAgency {
                    input,
                    parent_row,
                    audit: yihaotai_store::audit::NewAudit {
                        at: self.now(),
                        actor: caller.user_id(),
                        action: "agency.create",
                        target_kind: "agency",
                        target_id: None,
                        area_path: None,
                        detail: "import",
                        before: None,
                        after,
                    },
                },
                home.path.clone(),
            ));
            out.added.push(name);
        }
        if !out.errors.is_empty() || dry_run || planned.is_empty() {
            if !out.errors.is_empty() {
                out.added.clear();
            }
            return Ok(out);
        }
        let paths: Vec<String> = planned
            .iter()
            .map(|(_, p)| p.as_str().to_string())
            .collect();
        let batch: Vec<PlannedAgency<'_>> = planned
            .into_iter()
            .zip(&paths)
            .map(|((mut p, _), path)| {
                p.audit.area_path = Some(path.as_str());
                p
            })
            .collect();
        self.store.insert_agency_batch(&batch, self.now()).await?;
        Ok(out)
    }
}
