//! Cross-validation of the rules + model blend on the training data only (the first set
//! and the corpus's training part): the thresholds in `blend::BLEND` are chosen from this
//! table, never from the held-out part.

use yihaotai_domain::triage::blend::{shipped_training_cases, Blend, Models};
use yihaotai_domain::triage::{demo_compounds, LabelledCase, Triage};
use yihaotai_domain::vocab::Urgency;

#[derive(clap::Args)]
pub struct Opts {
    /// Folds.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Also print the shipped blend's misses (critical missed and false alarms first, then
    /// every other urgency or category miss as OTHER), to read while tuning the rules:
    /// training texts only.
    #[arg(long)]
    misses: bool,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    n: usize,
    crit_true: usize,
    crit_pred: usize,
    crit_hit: usize,
    urg_ok: usize,
    cat_ok: usize,
}

impl Tally {
    fn add(&mut self, want: &LabelledCase, urgency: Urgency, category: &str) {
        self.n += 1;
        let wc = want.urgency == Urgency::Critical;
        let pc = urgency == Urgency::Critical;
        self.crit_true += usize::from(wc);
        self.crit_pred += usize::from(pc);
        self.crit_hit += usize::from(wc && pc);
        self.urg_ok += usize::from(want.urgency == urgency);
        self.cat_ok += usize::from(want.category.as_str() == category);
    }
    fn line(&self, name: &str) -> String {
        let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
        format!(
            "{name:<34} crit recall {:>5.1}%  precision {:>5.1}%  urgency {:>5.1}%  category {:>5.1}%",
            pct(self.crit_hit, self.crit_true),
            pct(self.crit_hit, self.crit_pred),
            pct(self.urg_ok, self.n),
            pct(self.cat_ok, self.n)
        )
    }
}

pub fn run(o: Opts) -> anyhow::Result<()> {
    let cases = shipped_training_cases();
    println!(
        "{} training cases, {} folds (held-out part not read)",
        cases.len(),
        o.folds
    );
    let triage = Triage::builtin();
    let compounds = demo_compounds();
    let grid: Vec<Blend> = [0.3f32, 0.4, 0.5, 0.6, 0.7]
        .iter()
        .flat_map(|&rc| {
            [0.5f32, 0.6, 0.7, 0.8, 0.9].iter().flat_map(move |&tu| {
                [0.5f32, 0.6, 0.7, 0.8].iter().map(move |&tc| Blend {
                    raise_critical: rc,
                    take_urgency: tu,
                    take_category: tc,
                })
            })
        })
        .collect();
    let mut rules_only = Tally::default();
    let mut tallies = vec![Tally::default(); grid.len()];
    for f in 0..o.folds {
        let (test, train): (Vec<_>, Vec<_>) = cases
            .iter()
            .enumerate()
            .partition(|(i, _)| i % o.folds == f);
        let train: Vec<LabelledCase> = train.into_iter().map(|(_, c)| c.clone()).collect();
        let models = Models::train(&train);
        for (_, c) in &test {
            if o.misses {
                let a = triage.analyze_blended(
                    &c.text,
                    &compounds,
                    Some(&models),
                    yihaotai_domain::triage::blend::BLEND,
                );
                let (want, got) = (
                    c.urgency == Urgency::Critical,
                    a.urgency == Urgency::Critical,
                );
                if want != got {
                    println!(
                        "{} want {} got {} ({}): {}",
                        if want { "MISSED" } else { "FALSE" },
                        c.urgency.code(),
                        a.urgency.code(),
                        a.category.as_str(),
                        c.text
                    );
                } else if c.urgency != a.urgency || c.category != a.category {
                    let rules = triage.analyze_blended(&c.text, &compounds, None, grid[0]);
                    println!(
                        "OTHER want {}/{} got {}/{} (rules {}/{}): {}",
                        c.category.as_str(),
                        c.urgency.code(),
                        a.category.as_str(),
                        a.urgency.code(),
                        rules.category.as_str(),
                        rules.urgency.code(),
                        c.text
                    );
                }
            }
            let a = triage.analyze_blended(&c.text, &compounds, None, grid[0]);
            rules_only.add(c, a.urgency, a.category.as_str());
            for (g, t) in grid.iter().zip(tallies.iter_mut()) {
                let a = triage.analyze_blended(&c.text, &compounds, Some(&models), *g);
                t.add(c, a.urgency, a.category.as_str());
            }
        }
    }
    println!("{}", rules_only.line("rules only"));
    for (g, t) in grid.iter().zip(&tallies) {
        let name = format!(
            "crit≥{:.1} urg≥{:.1} cat≥{:.1}",
            g.raise_critical, g.take_urgency, g.take_category
        );
        println!("{}", t.line(&name));
    }
    Ok(())
}
