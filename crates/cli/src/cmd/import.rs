//! `yihaotai import areas FILE [--sheet NAME] [--dry-run]`: the territory from a
//! spreadsheet (XLSX, or CSV in UTF-8 or GBK). Every row is checked first; any bad row is
//! printed with its row number, column and value, and nothing is written.

use crate::settings::Settings;
use yihaotai_domain::vocab::Lang;
use yihaotai_service::admin::Caller;

#[derive(clap::Subcommand)]
pub enum ImportCmd {
    /// Communities, compounds, zones, buildings and entrances, one row each, with columns
    /// 上级 (parent), 类型 (level), 名称 (name) and optionally 别名 (aliases).
    Areas {
        file: std::path::PathBuf,
        /// The sheet of a workbook to read (the first unless given).
        #[arg(long)]
        sheet: Option<String>,
        /// Check every row and say what would be added, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn run(s: &Settings, cmd: ImportCmd) -> anyhow::Result<()> {
    let ImportCmd::Areas {
        file,
        sheet,
        dry_run,
    } = cmd;
    let unreadable = |e: std::io::Error| anyhow::anyhow!("cannot read {}: {e}", file.display());
    let size = std::fs::metadata(&file).map_err(unreadable)?.len();
    yihaotai_service::import::table::check_size(size)
        .map_err(|e| anyhow::anyhow!("{}: {}", file.display(), e.localized(Lang::En)))?;
    let bytes = std::fs::read(&file).map_err(unreadable)?;
    let service = super::open_service(s).await?;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let result = service
        .import_areas(Caller::System, name, &bytes, sheet.as_deref(), dry_run)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", file.display(), e.localized(Lang::En)));
    service.store.close().await;
    let report = result?;
    if !report.errors.is_empty() {
        for e in &report.errors {
            eprintln!("{}", e.localized(Lang::En));
        }
        anyhow::bail!(
            "{}: {} problem(s) in the file; nothing was imported",
            file.display(),
            report.errors.len()
        );
    }
    for a in &report.added {
        println!("{} {a}", if dry_run { "would add" } else { "added" });
    }
    println!(
        "{} {} area(s); {} already there",
        if dry_run { "would add" } else { "added" },
        report.added.len(),
        report.unchanged
    );
    Ok(())
}
