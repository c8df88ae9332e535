//! 三方数据核查 for the caller's areas: the kept rows of the household lists linked into
//! doors and persons by `yihaotai_domain::crosscheck`, each door with its outcome, its
//! persons, what the lists disagree on and why each pair was or was not taken for one
//! person; as a report and as an XLSX workbook with one sheet per outcome.
//!
//! For each door and list, the rows of the latest import that has the door are compared:
//! a list imported again replaces what it said about the doors it covers, and a list of
//! one compound does not erase what an earlier list said about another.

use crate::admin::Caller;
use crate::{Result, Service, ServiceError};
use std::collections::HashMap;
use yihaotai_domain::crosscheck::{self as cc, Conflict, Outcome, Pairing};
use yihaotai_domain::linkage::Source;
use yihaotai_domain::vocab::Lang;
use yihaotai_store::sources::SourceRecordRow;

/// One person of a door, as the report shows them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PersonCheck {
    pub name: String,
    /// Each list that has the person, with the row.
    pub rows: Vec<(Source, i64)>,
    pub owner: bool,
    pub resident: bool,
}

/// One door's result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DoorCheck {
    pub address: String,
    pub household_id: Option<i64>,
    pub outcome: Outcome,
    pub sources: Vec<Source>,
    pub persons: Vec<PersonCheck>,
    pub conflicts: Vec<Conflict>,
    pub owners_elsewhere: Vec<String>,
    /// Every pair compared, best first, with the names of its two records.
    pub pairings: Vec<(String, String, Pairing)>,
}

/// Doors per outcome.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct OutcomeCounts {
    pub all_three: usize,
    pub two: usize,
    pub conflicting: usize,
    pub only_one: usize,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CrossCheck {
    /// Rows compared.
    pub records: usize,
    pub counts: OutcomeCounts,
    /// Conflicting doors first, then one list only, two, all three; each by address.
    pub doors: Vec<DoorCheck>,
}

fn door_key(r: &SourceRecordRow) -> String {
    format!(
        "{}|{}|{}|{}",
        r.compound_id,
        r.building,
        r.entrance.as_deref().unwrap_or(""),
        r.room
    )
}

/// The rows the cross-check compares: for each door and list, those of the latest import
/// that has the door, less the rows that repeat an earlier row of their file.
fn latest(rows: Vec<SourceRecordRow>) -> Vec<SourceRecordRow> {
    let rows: Vec<SourceRecordRow> = rows
        .into_iter()
        .filter(|r| !r.flags.split(',').any(|f| f == "duplicate_row"))
        .collect();
    let mut newest: HashMap<(String, String), i64> = HashMap::new();
    for r in &rows {
        let e = newest.entry((door_key(r), r.source.clone())).or_insert(0);
        *e = (*e).max(r.import_id);
    }
    rows.into_iter()
        .filter(|r| newest.get(&(door_key(r), r.source.clone())) == Some(&r.import_id))
        .collect()
}

impl Service {
    /// Cross-checks the household lists kept for the caller's areas.
    pub async fn cross_check(&self, caller: Caller<'_>) -> Result<CrossCheck> {
        caller.require_household_import()?;
        let scope = self.scope_of(caller).await?;
        let rows = latest(self.store.source_records_within(&scope).await?);
        let mut recs = Vec::with_capacity(rows.len());
        for r in &rows {
            let source = Source::parse(&r.source).ok_or_else(|| {
                ServiceError::Store(yihaotai_store::StoreError::Corrupt(format!(
                    "source record {}: source '{}'",
                    r.id, r.source
                )))
            })?;
            recs.push(cc::Rec {
                id: r.id,
                source,
                row: r.row_number,
                door: door_key(r),
                name: r.name.clone(),
                name_key: r.name_key.clone(),
                name_pinyin: r.name_pinyin.clone(),
                phone: r.phone.clone(),
                id_number: r.id_number.clone(),
                id_valid: r.id_valid == Some(1),
                birth_year: r.birth_year,
                sex: r.gender.clone(),
                owner: r.owner != 0,
            });
        }
        let by_id: HashMap<i64, &SourceRecordRow> = rows.iter().map(|r| (r.id, r)).collect();
        let name_of = |id: i64| by_id.get(&id).map_or(String::new(), |r| r.name.clone());
        let mut counts = OutcomeCounts::default();
        let mut doors: Vec<DoorCheck> = cc::cross_check(&recs)
            .into_iter()
            .map(|d| {
                match d.outcome {
                    Outcome::AllThree => counts.all_three += 1,
                    Outcome::Two(_) => counts.two += 1,
                    Outcome::Conflicting => counts.conflicting += 1,
                    Outcome::OnlyOne(_) => counts.only_one += 1,
                }
                let first = d
                    .persons
                    .first()
                    .and_then(|p| p.records.first())
                    .and_then(|(_, id, _)| by_id.get(id));
                DoorCheck {
                    address: first.map_or(String::new(), |r| r.address.clone()),
                    household_id: rows
                        .iter()
                        .filter(|r| door_key(r) == d.door)
                        .find_map(|r| r.household_id),
                    outcome: d.outcome,
                    sources: d.sources,
                    persons: d
                        .persons
                        .into_iter()
                        .map(|p| PersonCheck {
                            rows: p.records.iter().map(|(s, _, row)| (*s, *row)).collect(),
                            name: p.name,
                            owner: p.owner,
                            resident: p.resident,
                        })
                        .collect(),
                    conflicts: d.conflicts,
                    owners_elsewhere: d.owners_elsewhere,
                    pairings: d
                        .pairings
                        .into_iter()
                        .map(|p| (name_of(p.a), name_of(p.b), p))
                        .collect(),
                }
            })
            .collect();
        let rank = |o: &Outcome| match o {
            Outcome::Conflicting => 0,
            Outcome::OnlyOne(_) => 1,
            Outcome::Two(_) => 2,
            Outcome::AllThree => 3,
        };
        doors.sort_by(|a, b| {
            rank(&a.outcome)
                .cmp(&rank(&b.outcome))
                .then_with(|| a.address.cmp(&b.address))
        });
        Ok(CrossCheck {
            records: recs.len(),
            counts,
            doors,
        })
    }
}

impl CrossCheck {
    /// The report as an XLSX workbook: one sheet per outcome (三方一致, 两方一致, 存在冲突,
    /// 仅一方), a row per door with its lists, persons, conflicts and the reasons.
    pub fn to_xlsx(&self, lang: Lang) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook};
        let fail = |e: rust_xlsxwriter::XlsxError| {
            ServiceError::invalid(
                "xlsx",
                format!("无法生成表格：{e}"),
                format!("cannot write the workbook: {e}"),
            )
        };
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let wrap = Format::new().set_text_wrap();
        let sheets = [
            ("三方一致", "All three", "all_three"),
            ("两方一致", "Two", "two"),
            ("存在冲突", "Conflicting", "conflicting"),
            ("仅一方", "One only", "only_one"),
        ];
        let headers = [
            lang.pick("门牌", "Door"),
            lang.pick("核查结果", "Outcome"),
            lang.pick("来源", "Lists"),
            lang.pick("人员", "Persons"),
            lang.pick("冲突", "Conflicts"),
            lang.pick("业主不在此居住", "Owners living elsewhere"),
            lang.pick("比对说明", "Why"),
        ];
        for (zh, en, wanted) in sheets {
            let sheet = book.add_worksheet();
            sheet.set_name(lang.pick(zh, en)).map_err(fail)?;
            for (c, h) in headers.iter().enumerate() {
                sheet
                    .write_with_format(0, c as u16, *h, &bold)
                    .map_err(fail)?;
            }
            for (c, w) in [24.0, 16.0, 22.0, 30.0, 40.0, 16.0, 80.0]
                .iter()
                .enumerate()
            {
                sheet.set_column_width(c as u16, *w).map_err(fail)?;
            }
            let doors = self.doors.iter().filter(|d| d.outcome.code() == wanted);
            for (r, d) in (1u32..).zip(doors) {
                let lists: Vec<&str> = d.sources.iter().map(|s| s.label(lang)).collect();
                let persons: Vec<String> = d
                    .persons
                    .iter()
                    .map(|p| {
                        let rows: Vec<String> = p
                            .rows
                            .iter()
                            .map(|(s, row)| format!("{}#{row}", s.label(lang)))
                            .collect();
                        format!("{}（{}）", p.name, rows.join("、"))
                    })
                    .collect();
                let conflicts: Vec<String> = d
                    .conflicts
                    .iter()
                    .map(|c| {
                        let values: Vec<String> = c
                            .values
                            .iter()
                            .map(|(s, v)| format!("{}：{v}", s.label(lang)))
                            .collect();
                        format!("{}（{}）", lang.pick(&c.zh, &c.en), values.join("；"))
                    })
                    .collect();
                let why: Vec<String> = d
                    .pairings
                    .iter()
                    .map(|(a, b, p)| format!("{a} ~ {b}：{}", p.explain(lang)))
                    .collect();
                let cells = [
                    d.address.clone(),
                    d.outcome.label(lang),
                    lists.join("、"),
                    persons.join("\n"),
                    conflicts.join("\n"),
                    d.owners_elsewhere.join("、"),
                    why.join("\n"),
                ];
                for (c, v) in cells.iter().enumerate() {
                    sheet
                        .write_with_format(r, c as u16, v.as_str(), &wrap)
                        .map_err(fail)?;
                }
            }
        }
        book.save_to_buffer().map_err(fail)
    }
}
