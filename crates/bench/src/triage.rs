//! Triage speed: the labelled evaluation texts analysed over and over on one thread.

use anyhow::Context;
use std::time::{Duration, Instant};
use yihaotai_domain::triage::{demo_compounds, parse_eval_jsonl, Triage};

#[derive(clap::Args)]
pub struct Opts {
    /// How long to keep classifying.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// The labelled texts, one JSON object a line.
    #[arg(long, default_value = "data/triage/eval.jsonl")]
    eval: std::path::PathBuf,
}

pub fn run(o: Opts) -> anyhow::Result<()> {
    let src = std::fs::read_to_string(&o.eval).with_context(|| {
        format!(
            "reading {} (run from the repository root)",
            o.eval.display()
        )
    })?;
    let cases = parse_eval_jsonl(&src)?;
    anyhow::ensure!(!cases.is_empty(), "{} has no texts", o.eval.display());
    let texts: Vec<&str> = cases.iter().map(|c| c.text.as_str()).collect();
    let compounds = demo_compounds();
    let started = Instant::now();
    let triage = Triage::builtin();
    let build = started.elapsed();
    // Warm up (lazy tables, caches) before the clock starts.
    for t in &texts {
        std::hint::black_box(triage.analyze_with(t, &compounds));
    }
    let budget = Duration::from_secs(o.seconds);
    let start = Instant::now();
    let mut n: u64 = 0;
    let mut bytes: u64 = 0;
    while start.elapsed() < budget {
        for t in &texts {
            std::hint::black_box(triage.analyze_with(t, &compounds));
            bytes += t.len() as u64;
        }
        n += texts.len() as u64;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "triage: {} distinct texts from {}",
        texts.len(),
        o.eval.display()
    );
    println!("lexicon compiled in {:.1} ms", build.as_secs_f64() * 1000.0);
    println!(
        "classified {n} texts in {secs:.2} s on one thread: {:.0} texts/s, {:.1} µs/text, {:.1} MB/s",
        n as f64 / secs,
        secs * 1e6 / n as f64,
        bytes as f64 / secs / 1e6
    );
    Ok(())
}
