//! `yihaotai crosscheck [--xlsx FILE]`: 三方数据核查 of the household lists imported so far,
//! door by door: the counts per outcome, then each door that needs an officer (conflicting,
//! or in one list only) with what the lists disagree on; `--xlsx` writes the whole report,
//! one sheet per outcome, every pairing with its reasons.

use crate::settings::Settings;
use yihaotai_domain::vocab::Lang;
use yihaotai_service::admin::Caller;

#[derive(clap::Args)]
pub struct Opts {
    /// Write the report to this XLSX file (one sheet per outcome).
    #[arg(long)]
    xlsx: Option<std::path::PathBuf>,
    /// The language of the report: zh or en.
    #[arg(long, default_value = "zh", value_parser = parse_lang)]
    lang: Lang,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("'{s}' is not a language here: use zh or en"))
}

pub async fn run(s: &Settings, o: Opts) -> anyhow::Result<()> {
    let service = super::open_service(s).await?;
    let result = service.cross_check(Caller::System).await;
    service.store.close().await;
    let r = result.map_err(|e| anyhow::anyhow!("{}", e.localized(Lang::En)))?;
    let lang = o.lang;
    println!(
        "{}: {} · {}: {} · {}: {} · {}: {} ({} {})",
        lang.pick("三方一致", "all three"),
        r.counts.all_three,
        lang.pick("两方一致", "two"),
        r.counts.two,
        lang.pick("存在冲突", "conflicting"),
        r.counts.conflicting,
        lang.pick("仅一方", "one only"),
        r.counts.only_one,
        r.records,
        lang.pick("行", "rows")
    );
    for d in &r.doors {
        use yihaotai_domain::crosscheck::Outcome;
        if !matches!(d.outcome, Outcome::Conflicting | Outcome::OnlyOne(_)) {
            continue;
        }
        println!("{}  {}", d.address, d.outcome.label(lang));
        for c in &d.conflicts {
            let values: Vec<String> = c
                .values
                .iter()
                .map(|(s, v)| format!("{} {v}", s.label(lang)))
                .collect();
            println!("    {} ({})", lang.pick(&c.zh, &c.en), values.join("; "));
        }
    }
    if let Some(path) = o.xlsx {
        let bytes = r
            .to_xlsx(lang)
            .map_err(|e| anyhow::anyhow!("{}", e.localized(Lang::En)))?;
        std::fs::write(&path, bytes)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        println!(
            "{} {}",
            lang.pick("报告已写入", "report written to"),
            path.display()
        );
    }
    Ok(())
}
