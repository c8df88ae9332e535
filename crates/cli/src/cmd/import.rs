//! `yihaotai import areas|agencies|users FILE [--sheet NAME] [--dry-run]`: the territory,
//! the agencies or the staff accounts from a spreadsheet (XLSX, or CSV in UTF-8 or GBK). Every row is checked
//! first; any bad row is printed with its row number, column and value, and nothing is
//! written.

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
    /// The agencies tickets go to, one row each, with columns 名称 (name), 类型 (kind:
    /// 医疗保障组, 物业…), 所属区域 (home area) and optionally 服务区域 (areas served),
    /// 服务类别 (categories), 上级单位 (parent) and 转办中心 (是/否).
    Agencies {
        file: std::path::PathBuf,
        /// The sheet of a workbook to read (the first unless given).
        #[arg(long)]
        sheet: Option<String>,
        /// Check every row and say what would be added, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Staff accounts, one row each, with columns 登录名 (login), 姓名 (name), 角色
    /// (roles: 坐席、派单员…), 负责区域 (areas served) and optionally 所属单位 (agency).
    /// Each new account's initial password is printed once.
    Users {
        file: std::path::PathBuf,
        /// The sheet of a workbook to read (the first unless given).
        #[arg(long)]
        sheet: Option<String>,
        /// Check every row and say what would be added, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// What an import reports, whichever records it added.
struct Report {
    added: Vec<String>,
    /// (login, initial password) of each account added.
    passwords: Vec<(String, String)>,
    unchanged: usize,
    errors: Vec<yihaotai_service::import::RowError>,
    what: &'static str,
}

pub async fn run(s: &Settings, cmd: ImportCmd) -> anyhow::Result<()> {
    let (file, sheet, dry_run) = match &cmd {
        ImportCmd::Areas {
            file,
            sheet,
            dry_run,
        }
        | ImportCmd::Agencies {
            file,
            sheet,
            dry_run,
        }
        | ImportCmd::Users {
            file,
            sheet,
            dry_run,
        } => (file.clone(), sheet.clone(), *dry_run),
    };
    let unreadable = |e: std::io::Error| anyhow::anyhow!("cannot read {}: {e}", file.display());
    let size = std::fs::metadata(&file).map_err(unreadable)?.len();
    yihaotai_service::import::table::check_size(size)
        .map_err(|e| anyhow::anyhow!("{}: {}", file.display(), e.localized(Lang::En)))?;
    let bytes = std::fs::read(&file).map_err(unreadable)?;
    let service = super::open_service(s).await?;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let sheet = sheet.as_deref();
    let result = match cmd {
        ImportCmd::Areas { .. } => service
            .import_areas(Caller::System, name, &bytes, sheet, dry_run)
            .await
            .map(|r| Report {
                added: r.added,
                passwords: Vec::new(),
                unchanged: r.unchanged,
                errors: r.errors,
                what: "area(s)",
            }),
        ImportCmd::Agencies { .. } => service
            .import_agencies(Caller::System, name, &bytes, sheet, dry_run)
            .await
            .map(|r| Report {
                added: r.added,
                passwords: Vec::new(),
                unchanged: r.unchanged,
                errors: r.errors,
                what: "agency(ies)",
            }),
        ImportCmd::Users { .. } => service
            .import_users(Caller::System, name, &bytes, sheet, dry_run)
            .await
            .map(|r| Report {
                added: r.added,
                passwords: r.passwords,
                unchanged: r.unchanged,
                errors: r.errors,
                what: "account(s)",
            }),
    }
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
    let verb = if dry_run { "would add" } else { "added" };
    for a in &report.added {
        match report.passwords.iter().find(|(l, _)| l == a) {
            Some((_, pw)) => println!("{verb} {a}   password: {pw}"),
            None => println!("{verb} {a}"),
        }
    }
    if !report.passwords.is_empty() {
        println!("(each password is shown once; hand it over in person and have it changed after signing in)");
    }
    println!(
        "{verb} {} {}; {} already there",
        report.added.len(),
        report.what,
        report.unchanged
    );
    Ok(())
}
