//! `yihaotai import areas|agencies|users FILE [--sheet NAME] [--dry-run]`: the territory,
//! the agencies or the staff accounts from a spreadsheet (XLSX, or CSV in UTF-8 or GBK);
//! `yihaotai import households FILE --source grid|police|property`: a household list. Every
//! row is checked first; any bad row is printed with its row number, column and value, and
//! nothing is written.

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
    /// A household list, one resident per row, with columns 姓名 (name) and an address
    /// (住址, or 楼栋 and 房号 with 单元), and optionally 小区, 身份证号, 联系电话, 与户主关系,
    /// 性别, 出生日期 or 年龄, 人员类别 (care needs) and 备注. Rows are kept for the
    /// three-source cross-check; a door on the grid list with no card gets one.
    Households {
        file: std::path::PathBuf,
        /// Whose list it is: grid (网格员摸排), police (派出所户籍) or property (物业业主).
        #[arg(long, value_parser = parse_source)]
        source: yihaotai_domain::linkage::Source,
        /// The sheet of a workbook to read (the first unless given).
        #[arg(long)]
        sheet: Option<String>,
        /// Check every row and say what would be imported, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn parse_source(s: &str) -> Result<yihaotai_domain::linkage::Source, String> {
    yihaotai_domain::linkage::Source::parse(s).ok_or_else(|| {
        format!("'{s}' is not a list this desk reads: use grid (网格员摸排), police (派出所户籍) or property (物业业主)")
    })
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
        }
        | ImportCmd::Households {
            file,
            sheet,
            dry_run,
            ..
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
    if let ImportCmd::Households { source, .. } = cmd {
        let result = households(&service, source, name, &bytes, sheet, dry_run).await;
        service.store.close().await;
        return result.map_err(|e| anyhow::anyhow!("{}: {e}", file.display()));
    }
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
        ImportCmd::Households { .. } => unreachable!("imported above"),
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

/// Imports a household list with a progress bar, then prints what was found: the columns
/// read, each doubt kept with its row, and the counts.
async fn households(
    service: &yihaotai_service::Service,
    source: yihaotai_domain::linkage::Source,
    name: &str,
    bytes: &[u8],
    sheet: Option<&str>,
    dry_run: bool,
) -> anyhow::Result<()> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} rows")
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .progress_chars("=> "),
    );
    bar.set_message("checking");
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let result = service
        .import_households(
            Caller::System,
            source,
            name,
            bytes,
            sheet,
            dry_run,
            &progress,
        )
        .await;
    bar.finish_and_clear();
    let r = result.map_err(|e| anyhow::anyhow!("{}", e.localized(Lang::En)))?;
    let mapping: Vec<String> = r
        .mapping
        .iter()
        .map(|(field, header)| format!("{field} <- {header}"))
        .collect();
    println!("columns: {}", mapping.join(", "));
    if !r.errors.is_empty() {
        for e in &r.errors {
            eprintln!("{}", e.localized(Lang::En));
        }
        anyhow::bail!(
            "{} problem(s) in the file; nothing was imported",
            r.errors.len()
        );
    }
    for f in &r.flags {
        println!("note: {}", f.localized(Lang::En));
    }
    let verb = if dry_run { "would keep" } else { "kept" };
    println!(
        "{verb} {} row(s) of the {}: {} on a card already there, {} on {} new card(s), {} with no card; {} note(s)",
        r.rows,
        source.label(Lang::En),
        r.linked,
        r.rows - r.linked - r.without_card,
        r.registered.len(),
        r.without_card,
        r.flags.len()
    );
    if let Some(id) = r.import_id {
        println!("import #{id}");
    }
    Ok(())
}
