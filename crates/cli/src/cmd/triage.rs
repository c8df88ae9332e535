//! `yihaotai triage eval [FILE]`: measure the classifier and address parser against a
//! labelled set (the shipped one by default) and print per-class precision and recall.

use crate::settings::Settings;
use yihaotai_domain::triage::{demo_compounds, evaluate, parse_eval_jsonl, Triage, SHIPPED_EVAL};

#[derive(clap::Subcommand)]
pub enum TriageCmd {
    /// Print precision, recall and confusion matrices; exit 1 when a goal is missed.
    Eval {
        /// A JSON-lines file of labelled requests; the shipped set when omitted.
        file: Option<std::path::PathBuf>,
        /// A lexicon TOML file to evaluate instead of the configured one.
        #[arg(long)]
        lexicon: Option<std::path::PathBuf>,
    },
}

pub fn run(s: &Settings, cmd: TriageCmd) -> anyhow::Result<()> {
    match cmd {
        TriageCmd::Eval { file, lexicon } => {
            let src = match &file {
                Some(f) => std::fs::read_to_string(f)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", f.display()))?,
                None => SHIPPED_EVAL.to_string(),
            };
            let name = file
                .as_ref()
                .map(|f| f.display().to_string())
                .unwrap_or_else(|| "the shipped set".into());
            let cases = parse_eval_jsonl(&src).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            let lexicon = lexicon.or_else(|| {
                s.triage_lexicon
                    .clone()
                    .filter(|p| !p.as_os_str().is_empty())
            });
            let triage = match &lexicon {
                Some(path) => {
                    let text = std::fs::read_to_string(path).map_err(|e| {
                        super::lexicon_error(path, &format!("cannot read the file: {e}"))
                    })?;
                    Triage::from_toml(&text)
                        .map_err(|e| super::lexicon_error(path, &e.to_string()))?
                }
                None => Triage::builtin(),
            };
            let report = evaluate(&triage, &demo_compounds(), &cases);
            println!("{} labelled requests from {name}\n", cases.len());
            println!("{report}");
            match report.meets_goals() {
                Ok(()) => {
                    println!("all goals met");
                    Ok(())
                }
                Err(missed) => {
                    for m in &missed {
                        println!("goal missed: {m}");
                    }
                    anyhow::bail!("{} triage goal(s) missed", missed.len())
                }
            }
        }
    }
}
