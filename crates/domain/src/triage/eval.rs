//! Measures triage against a labelled set of requests (`data/triage/eval.jsonl`) and checks
//! the goals the desk relies on: almost no life-critical request may be missed.

use super::{AddressParts, CompoundEntry, Triage};
use crate::vocab::{Category, Urgency, BUILTIN_CATEGORIES};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One request with the answer a senior agent gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelledCase {
    pub text: String,
    pub category: Category,
    pub urgency: Urgency,
    pub epidemic_related: bool,
    /// The address the text contains, or `None` when it gives none.
    pub address: Option<AddressParts>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("eval set line {line}: {message}")]
pub struct EvalParseError {
    pub line: usize,
    pub message: String,
}

/// Reads one JSON object per line; blank lines and lines starting with `#` are skipped.
pub fn parse_eval_jsonl(src: &str) -> Result<Vec<LabelledCase>, EvalParseError> {
    let mut cases = Vec::new();
    for (i, line) in src.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let fail = |message: String| EvalParseError {
            line: i + 1,
            message,
        };
        let case: LabelledCase = serde_json::from_str(t).map_err(|e| fail(e.to_string()))?;
        if !BUILTIN_CATEGORIES
            .iter()
            .any(|(c, ..)| *c == case.category.as_str())
        {
            return Err(fail(format!("unknown category '{}'", case.category)));
        }
        if case.text.trim().is_empty() {
            return Err(fail("text is empty".into()));
        }
        cases.push(case);
    }
    Ok(cases)
}

/// Counts for one class: how often it was the answer, how often predicted, how often both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassStats {
    pub label: String,
    pub support: usize,
    pub predicted: usize,
    pub correct: usize,
}

impl ClassStats {
    /// 1 when the class was never predicted (no false alarms were raised).
    pub fn precision(&self) -> f64 {
        if self.predicted == 0 {
            1.0
        } else {
            self.correct as f64 / self.predicted as f64
        }
    }
    pub fn recall(&self) -> f64 {
        if self.support == 0 {
            1.0
        } else {
            self.correct as f64 / self.support as f64
        }
    }
}

/// A confusion matrix: `counts[truth][predicted]` over `labels`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confusion {
    pub labels: Vec<String>,
    pub counts: Vec<Vec<usize>>,
}

impl Confusion {
    fn new(labels: Vec<String>) -> Confusion {
        let n = labels.len();
        Confusion {
            labels,
            counts: vec![vec![0; n]; n],
        }
    }
    fn add(&mut self, truth: &str, predicted: &str) {
        let t = self.labels.iter().position(|l| l == truth);
        let p = self.labels.iter().position(|l| l == predicted);
        if let (Some(t), Some(p)) = (t, p) {
            self.counts[t][p] += 1;
        }
    }
    fn stats(&self) -> Vec<ClassStats> {
        (0..self.labels.len())
            .map(|i| ClassStats {
                label: self.labels[i].clone(),
                support: self.counts[i].iter().sum(),
                predicted: self.counts.iter().map(|row| row[i]).sum(),
                correct: self.counts[i][i],
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    pub cases: usize,
    pub urgency: Vec<ClassStats>,
    pub urgency_confusion: Confusion,
    pub category: Vec<ClassStats>,
    pub category_confusion: Confusion,
    pub category_accuracy: f64,
    pub urgency_accuracy: f64,
    pub epidemic_accuracy: f64,
    pub address_cases: usize,
    pub address_exact: usize,
    /// The cases triage got wrong, for whoever tunes the lexicon.
    pub misses: Vec<String>,
}

impl EvalReport {
    pub fn address_rate(&self) -> f64 {
        if self.address_cases == 0 {
            1.0
        } else {
            self.address_exact as f64 / self.address_cases as f64
        }
    }

    fn urgency_class(&self, u: Urgency) -> Option<&ClassStats> {
        self.urgency.iter().find(|s| s.label == u.code())
    }

    /// Critical recall ≥ 99 %, critical precision ≥ 85 %, urgency and category accuracy
    /// ≥ 90 %, exact address extraction ≥ 95 % of the cases that contain one (issue 8).
    pub fn meets_goals(&self) -> Result<(), Vec<String>> {
        let mut missed = Vec::new();
        let critical = self.urgency_class(Urgency::Critical);
        let recall = critical.map_or(0.0, ClassStats::recall);
        let precision = critical.map_or(0.0, ClassStats::precision);
        if critical.is_none_or(|c| c.support == 0) {
            missed.push("the set has no critical cases".to_string());
        }
        let mut check = |name: &str, value: f64, goal: f64| {
            if value < goal {
                missed.push(format!(
                    "{name} {:.1}% < {:.0}%",
                    value * 100.0,
                    goal * 100.0
                ));
            }
        };
        check("critical recall", recall, 0.99);
        check("critical precision", precision, 0.85);
        check("urgency accuracy", self.urgency_accuracy, 0.90);
        check("category accuracy", self.category_accuracy, 0.90);
        check("exact address extraction", self.address_rate(), 0.95);
        if missed.is_empty() {
            Ok(())
        } else {
            Err(missed)
        }
    }
}

fn pct(x: f64) -> String {
    format!("{:5.1}%", x * 100.0)
}

fn write_stats(f: &mut fmt::Formatter<'_>, title: &str, stats: &[ClassStats]) -> fmt::Result {
    writeln!(f, "{title}")?;
    writeln!(
        f,
        "  {:<20} {:>7} {:>7} {:>7}",
        "class", "support", "prec", "recall"
    )?;
    for s in stats {
        writeln!(
            f,
            "  {:<20} {:>7} {:>7} {:>7}",
            s.label,
            s.support,
            pct(s.precision()),
            pct(s.recall())
        )?;
    }
    Ok(())
}

fn write_confusion(f: &mut fmt::Formatter<'_>, c: &Confusion) -> fmt::Result {
    let short = |l: &str| l.chars().take(6).collect::<String>();
    write!(f, "  {:<20}", "truth \\ predicted")?;
    for l in &c.labels {
        write!(f, " {:>6}", short(l))?;
    }
    writeln!(f)?;
    for (i, row) in c.counts.iter().enumerate() {
        write!(f, "  {:<20}", c.labels[i])?;
        for n in row {
            write!(f, " {n:>6}")?;
        }
        writeln!(f)?;
    }
    Ok(())
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "triage evaluation over {} cases", self.cases)?;
        write_stats(f, "urgency", &self.urgency)?;
        write_confusion(f, &self.urgency_confusion)?;
        write_stats(f, "category", &self.category)?;
        write_confusion(f, &self.category_confusion)?;
        writeln!(
            f,
            "category accuracy        {}",
            pct(self.category_accuracy)
        )?;
        writeln!(f, "urgency accuracy         {}", pct(self.urgency_accuracy))?;
        writeln!(
            f,
            "epidemic flag accuracy   {}",
            pct(self.epidemic_accuracy)
        )?;
        writeln!(
            f,
            "exact address extraction {} ({} of {})",
            pct(self.address_rate()),
            self.address_exact,
            self.address_cases
        )
    }
}

/// Whether two addresses name the same place: equal parts, with a compound the registry
/// knows compared by what it resolves to (a label that keeps "金桂" as written and one that
/// writes "金桂小区" are the same compound, and the parser names it by the registry).
fn same_address(want: &AddressParts, got: &AddressParts, compounds: &[CompoundEntry]) -> bool {
    let resolve = |name: &Option<String>| -> Option<String> {
        let name = name.as_deref()?;
        Some(
            compounds
                .iter()
                .find(|c| c.name == name || c.aliases.iter().any(|a| a == name))
                .map_or_else(|| name.to_string(), |c| c.name.clone()),
        )
    };
    want.building == got.building
        && want.entrance == got.entrance
        && want.room == got.room
        && resolve(&want.compound) == resolve(&got.compound)
}

pub fn evaluate(
    triage: &Triage,
    compounds: &[CompoundEntry],
    cases: &[LabelledCase],
) -> EvalReport {
    let urgencies: Vec<String> = Urgency::ALL.iter().map(|u| u.code().to_string()).collect();
    let categories: Vec<String> = BUILTIN_CATEGORIES.iter().map(|c| c.0.to_string()).collect();
    let mut uc = Confusion::new(urgencies);
    let mut cc = Confusion::new(categories);
    let (mut cat_ok, mut urg_ok, mut epi_ok) = (0, 0, 0);
    let (mut addr_cases, mut addr_ok) = (0, 0);
    let mut misses = Vec::new();
    for case in cases {
        let a = triage.analyze_with(&case.text, compounds);
        uc.add(case.urgency.code(), a.urgency.code());
        cc.add(case.category.as_str(), a.category.as_str());
        cat_ok += usize::from(a.category == case.category);
        urg_ok += usize::from(a.urgency == case.urgency);
        epi_ok += usize::from(a.epidemic_related == case.epidemic_related);
        let addr_right = match &case.address {
            Some(want) => {
                addr_cases += 1;
                let ok = same_address(want, &a.address, compounds);
                addr_ok += usize::from(ok);
                ok
            }
            None => true,
        };
        if a.category != case.category || a.urgency != case.urgency || !addr_right {
            misses.push(format!(
                "{} | want {}/{} got {}/{}{}",
                case.text,
                case.category,
                case.urgency,
                a.category,
                a.urgency,
                if addr_right {
                    String::new()
                } else {
                    format!(" address {:?}", a.address)
                }
            ));
        }
    }
    let n = cases.len().max(1) as f64;
    EvalReport {
        cases: cases.len(),
        urgency: uc.stats(),
        category: cc.stats(),
        urgency_confusion: uc,
        category_confusion: cc,
        category_accuracy: cat_ok as f64 / n,
        urgency_accuracy: urg_ok as f64 / n,
        epidemic_accuracy: epi_ok as f64 / n,
        address_cases: addr_cases,
        address_exact: addr_ok,
        misses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::demo_compounds;

    const SHIPPED: &str = include_str!("../../../../data/triage/eval.jsonl");

    #[test]
    fn shipped_eval_set_meets_the_goals() {
        let cases = parse_eval_jsonl(SHIPPED).unwrap();
        assert!(cases.len() >= 400, "only {} cases", cases.len());
        for u in Urgency::ALL {
            assert!(cases.iter().any(|c| c.urgency == *u), "no {u} case");
        }
        for (c, ..) in BUILTIN_CATEGORIES {
            assert!(
                cases.iter().any(|k| k.category.as_str() == *c),
                "no {c} case"
            );
        }
        let report = evaluate(&Triage::builtin(), &demo_compounds(), &cases);
        println!("{report}");
        for m in &report.misses {
            println!("miss: {m}");
        }
        assert_eq!(report.meets_goals(), Ok(()), "{report}");
    }

    #[test]
    fn parse_errors_carry_line_numbers() {
        let src = "{\"text\":\"孩子发烧\",\"category\":\"medical\",\"urgency\":\"normal\",\"epidemic_related\":true,\"address\":null}\n\n{\"text\":\"x\",\"category\":\"medical\",\"urgency\":\"soon\",\"epidemic_related\":false,\"address\":null}\n";
        let e = parse_eval_jsonl(src).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("soon"), "{e}");
        let e = parse_eval_jsonl("{\"text\":\"x\",\"category\":\"cats\",\"urgency\":\"normal\",\"epidemic_related\":false,\"address\":null}").unwrap_err();
        assert!(e.message.contains("cats"));
        assert_eq!(parse_eval_jsonl("# comment\n").unwrap(), vec![]);
    }

    #[test]
    fn goals_fail_when_critical_cases_are_missed() {
        let case = |text: &str, u: Urgency| LabelledCase {
            text: text.into(),
            category: Category::parse("medical").unwrap(),
            urgency: u,
            epidemic_related: false,
            address: None,
        };
        let cases = vec![
            case("羊水破了", Urgency::Critical),
            case("今天天气不错", Urgency::Critical),
        ];
        let report = evaluate(&Triage::builtin(), &[], &cases);
        let missed = report.meets_goals().unwrap_err();
        assert!(
            missed.iter().any(|m| m.starts_with("critical recall")),
            "{missed:?}"
        );
        assert!(report.to_string().contains("critical"));
    }
}
