//! `yihaotai triage eval [FILE] [--set heldout|train|tuning]`: measure the classifier and
//! address parser against labelled requests and print per-class precision and recall. By
//! default the held-out part of the corpus, the only figure that says how triage does on
//! words it was not tuned on.

use crate::settings::Settings;
use yihaotai_domain::triage::{
    demo_compounds, evaluate, parse_eval_jsonl, LabelledCase, Triage, HELDOUT, SHIPPED_EVAL, TRAIN,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Set {
    /// The held-out part of every corpus batch: never tuned on.
    Heldout,
    /// The part of every corpus batch that rules and weights may be tuned on.
    Train,
    /// The desk's first set (`data/triage/eval.jsonl`), which the rules were tuned on.
    Tuning,
}

#[derive(clap::Subcommand)]
pub enum TriageCmd {
    /// Print precision, recall and confusion matrices; exit 1 when a goal is missed.
    Eval {
        /// A JSON-lines file of labelled requests, instead of a shipped set.
        file: Option<std::path::PathBuf>,
        /// Which shipped set to measure when no file is given.
        #[arg(long, value_enum, default_value_t = Set::Heldout)]
        set: Set,
        /// A lexicon TOML file to evaluate instead of the configured one.
        #[arg(long)]
        lexicon: Option<std::path::PathBuf>,
        /// Also print every request triage got wrong (category, urgency or address), to
        /// read while tuning: refused for the held-out set, which nobody reads.
        #[arg(long)]
        misses: bool,
    },
    /// Triage one text and print what was decided and why (rules, model, runner-up), as
    /// JSON: for a supervisor asking why a request got its urgency.
    Explain {
        /// The request text.
        text: String,
        /// A lexicon TOML file to use instead of the configured one.
        #[arg(long)]
        lexicon: Option<std::path::PathBuf>,
    },
}

/// The configured lexicon, or the one named on the command line, or the shipped one.
fn load_triage(s: &Settings, lexicon: Option<std::path::PathBuf>) -> anyhow::Result<Triage> {
    let lexicon = lexicon.or_else(|| {
        s.triage_lexicon
            .clone()
            .filter(|p| !p.as_os_str().is_empty())
    });
    match &lexicon {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| super::lexicon_error(path, &format!("cannot read the file: {e}")))?;
            Triage::from_toml(&text).map_err(|e| super::lexicon_error(path, &e.to_string()))
        }
        None => Ok(Triage::builtin()),
    }
}

/// The cases of a shipped set, batch by batch.
fn shipped(set: Set) -> anyhow::Result<Vec<(&'static str, Vec<LabelledCase>)>> {
    let parse = |name: &'static str, src: &str| {
        parse_eval_jsonl(src)
            .map(|c| (name, c))
            .map_err(|e| anyhow::anyhow!("corpus batch {name}: {e}"))
    };
    match set {
        Set::Tuning => Ok(vec![parse("tuning", SHIPPED_EVAL)?]),
        Set::Heldout => HELDOUT.iter().map(|b| parse(b.name, b.text)).collect(),
        Set::Train => TRAIN.iter().map(|b| parse(b.name, b.text)).collect(),
    }
}

pub fn run(s: &Settings, cmd: TriageCmd) -> anyhow::Result<()> {
    match cmd {
        TriageCmd::Eval {
            file,
            set,
            lexicon,
            misses,
        } => {
            if misses && file.is_none() && set == Set::Heldout {
                anyhow::bail!(
                    "--misses is refused for the held-out set: nobody reads it while tuning \
                     (use --set train, or a file)"
                );
            }
            let (name, batches) = match &file {
                Some(f) => {
                    let src = std::fs::read_to_string(f)
                        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", f.display()))?;
                    let cases = parse_eval_jsonl(&src)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
                    (f.display().to_string(), vec![("file", cases)])
                }
                None => {
                    let name = match set {
                        Set::Heldout => "the HELD-OUT part of the corpus (never tuned on)",
                        Set::Train => "the training part of the corpus (tuned on)",
                        Set::Tuning => "the first set, which the rules were tuned on",
                    };
                    (name.to_string(), shipped(set)?)
                }
            };
            let triage = load_triage(s, lexicon)?;
            let compounds = demo_compounds();
            let all: Vec<LabelledCase> = batches.iter().flat_map(|(_, c)| c.clone()).collect();
            let report = evaluate(&triage, &compounds, &all);
            println!("{} labelled requests from {name}\n", all.len());
            println!("{report}");
            if misses {
                for m in &report.misses {
                    println!("miss: {m}");
                }
                println!();
            }
            if batches.len() > 1 {
                println!("by batch:");
                println!("  batch       cases  critical recall  urgency  category  address");
                for (batch, cases) in &batches {
                    let r = evaluate(&triage, &compounds, cases);
                    let recall = r
                        .urgency
                        .iter()
                        .find(|c| c.label == "critical")
                        .map_or(0.0, |c| c.recall());
                    println!(
                        "  {batch:<10} {:>6}  {:>14.1}%  {:>6.1}%  {:>7.1}%  {:>6.1}%",
                        cases.len(),
                        recall * 100.0,
                        r.urgency_accuracy * 100.0,
                        r.category_accuracy * 100.0,
                        r.address_rate() * 100.0
                    );
                }
                println!();
            }
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
        TriageCmd::Explain { text, lexicon } => {
            let triage = load_triage(s, lexicon)?;
            yihaotai_domain::triage::check_input(&text)
                .map_err(|e| anyhow::anyhow!("the text: {e}"))?;
            let a = triage.analyze_with(&text, &demo_compounds());
            println!("{}", serde_json::to_string_pretty(&a)?);
            Ok(())
        }
    }
}
