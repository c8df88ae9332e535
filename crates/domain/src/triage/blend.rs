//! Rules and the learned model together. Safety first: a critical danger sign the rules
//! find is always critical; the model may raise a request to critical on its own, and
//! then the agent is asked to check (请核实); where the rules found nothing for a field,
//! the model's answer is taken; where both answered and disagree, the model wins only when
//! it is confident, and the runner-up is always shown.

use super::eval::LabelledCase;
use super::linear::Logistic;
use super::model::{NaiveBayes, Opinion};
use super::Reason;
use crate::ticket::severity;
use crate::vocab::{Category, Urgency, BUILTIN_CATEGORIES};
use std::sync::OnceLock;

/// The classifiers: naive Bayes for urgency and category, and logistic regression for
/// both (see [`super::linear`]).
#[derive(Debug, Clone)]
pub struct Models {
    pub urgency: NaiveBayes,
    pub category: NaiveBayes,
    pub urgency_linear: Logistic,
    pub category_linear: Logistic,
}

/// What the models think of one text, as the blend takes it.
pub struct Opinions {
    /// Naive Bayes on urgency: its probability of critical raises a request.
    pub urgency: Opinion,
    /// The opinion that decides the levels below critical.
    pub urgency_below: Opinion,
    /// The linear model's probability of critical, which may raise a request too.
    pub linear_critical: f32,
    pub category: Opinion,
}

impl Models {
    pub fn train(cases: &[LabelledCase]) -> Models {
        let urgencies: Vec<&str> = Urgency::ALL.iter().map(|u| u.code()).collect();
        let categories: Vec<&str> = BUILTIN_CATEGORIES.iter().map(|c| c.0).collect();
        let urgency = || cases.iter().map(|c| (c.text.as_str(), c.urgency.code()));
        let category = || cases.iter().map(|c| (c.text.as_str(), c.category.as_str()));
        Models {
            urgency: NaiveBayes::train(&urgencies, urgency()),
            category: NaiveBayes::train(&categories, category()),
            urgency_linear: Logistic::train(&urgencies, urgency()),
            category_linear: Logistic::train(&categories, category()),
        }
    }

    /// Asks the models the blend `b` listens to.
    pub fn judge(&self, text: &str, b: Blend) -> Opinions {
        let urgency = self.urgency.judge(text);
        let (urgency_below, linear_critical, category) = if b.linear {
            let u = self.urgency_linear.judge(text);
            let p = u.probability(Urgency::Critical.code());
            (u, p, self.category_linear.judge(text))
        } else {
            (urgency.clone(), 0.0, self.category.judge(text))
        };
        Opinions {
            urgency,
            urgency_below,
            linear_critical,
            category,
        }
    }

    /// Trained once per process from what the repository ships for training: the
    /// corpus's training part and the first set. The held-out part is never read here.
    pub fn shipped() -> &'static Models {
        static MODELS: OnceLock<Models> = OnceLock::new();
        MODELS.get_or_init(|| Models::train(&shipped_training_cases()))
    }
}

/// The labelled requests a model may learn from.
pub fn shipped_training_cases() -> Vec<LabelledCase> {
    let mut cases = super::parse_eval_jsonl(super::SHIPPED_EVAL).unwrap_or_default();
    for b in super::TRAIN {
        cases.extend(super::parse_eval_jsonl(b.text).unwrap_or_default());
    }
    cases
}

/// Where the model's word counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blend {
    /// The model alone makes a request critical from this probability (and asks to check).
    pub raise_critical: f32,
    /// The model's urgency replaces the rules' from this probability.
    pub take_urgency: f32,
    /// The model's category replaces the rules' from this probability.
    pub take_category: f32,
    /// The linear model decides category and the levels below critical; naive Bayes
    /// alone when false.
    pub linear: bool,
    /// The linear model alone makes a request critical from this probability (above 1:
    /// never).
    pub linear_critical: f32,
}

/// Chosen by cross-validation on the training part (`yihaotai-bench triage-cv`), never on
/// the held-out part.
/// On 2026-12-02, 5-fold over 3,655 training cases: rules alone 71.4 % critical recall,
/// 66.2 % urgency, 71.9 % category; naive Bayes alone 98.8 % / 81.8 % / 84.6 % (critical
/// precision 83.6 %); with the linear model below critical 98.8 % / 82.3 % / 84.9 %
/// (precision 83.9 %). The linear model's own word on critical added recall only at the
/// cost of precision, so it is off.
pub const BLEND: Blend = Blend {
    raise_critical: 0.6,
    take_urgency: 0.4,
    take_category: 0.5,
    linear: true,
    linear_critical: 2.0,
};

/// What the rules said, as the blend needs it.
pub struct RuleView {
    pub urgency: Urgency,
    pub category: Category,
    /// A rule phrase decided the urgency (not the default).
    pub urgency_fired: bool,
    pub category_fired: bool,
}

/// The blend's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Blended {
    pub urgency: Urgency,
    pub category: Category,
    /// A critical verdict the rules did not reach, or rules and model far apart on it:
    /// the agent should check with the caller (请核实).
    pub verify: bool,
    /// Reasons to show: what the model relied on, where it disagreed, the runner-up.
    pub reasons: Vec<Reason>,
}

fn urgency_of(code: &str) -> Option<Urgency> {
    Urgency::parse(code).ok()
}

pub fn blend(rules: &RuleView, o: &Opinions, b: Blend) -> Blended {
    let mut reasons = Vec::new();
    let (u, c) = (&o.urgency_below, &o.category);
    // Below critical, the model's level is its best one other than critical: critical is
    // decided by the thresholds alone.
    let (u_top, u_p) = match u.top() {
        (top, _) if top == Urgency::Critical.code() => u.runner_up().unwrap_or(u.top()),
        top => top,
    };
    let model_urgency = urgency_of(u_top).unwrap_or(rules.urgency);
    let p_critical = o.urgency.probability(Urgency::Critical.code());
    let mut verify = false;
    let urgency = if rules.urgency == Urgency::Critical {
        if p_critical < 0.1 && o.linear_critical < 0.1 {
            verify = true;
        }
        Urgency::Critical
    } else if p_critical >= b.raise_critical || o.linear_critical >= b.linear_critical {
        verify = true;
        Urgency::Critical
    } else if u_p >= b.take_urgency
        && (!rules.urgency_fired || severity(model_urgency) > severity(rules.urgency))
    {
        // Where no rule spoke, or to raise (never to lower) what a rule said.
        model_urgency
    } else {
        rules.urgency
    };
    let (c_top, c_p) = c.top();
    let model_category = Category::parse(c_top).unwrap_or_else(|_| rules.category.clone());
    let category =
        if !rules.category_fired || (c_p >= b.take_category && model_category != rules.category) {
            model_category.clone()
        } else {
            rules.category.clone()
        };
    let pct = |p: f32| format!("{:.0}%", p * 100.0);
    reasons.push(Reason {
        field: "model".into(),
        value: format!("urgency:{u_top}"),
        phrase: format!("{} · {}", pct(u_p), u.evidence.join(" ")),
    });
    reasons.push(Reason {
        field: "model".into(),
        value: format!("category:{c_top}"),
        phrase: format!("{} · {}", pct(c_p), c.evidence.join(" ")),
    });
    if model_urgency != rules.urgency || verify {
        if let Some((r, p)) = u.runner_up() {
            reasons.push(Reason {
                field: "runner_up".into(),
                value: format!("urgency:{r}"),
                phrase: pct(p),
            });
        }
    }
    if model_category != rules.category {
        if let Some((r, p)) = c.runner_up() {
            reasons.push(Reason {
                field: "runner_up".into(),
                value: format!("category:{r}"),
                phrase: pct(p),
            });
        }
    }
    if verify {
        reasons.push(Reason {
            field: "verify".into(),
            value: "critical".into(),
            phrase: if rules.urgency == Urgency::Critical {
                "规则判为特急，模型把握不大，请核实 / the rules say critical, the model doubts it: check".into()
            } else {
{
                    let p = p_critical.max(o.linear_critical);
                    format!(
                        "模型判为特急（{}），规则未命中，请核实 / the model says critical ({}), the rules found no sign: check",
                        pct(p),
                        pct(p)
                    )
                }
            },
        });
    }
    Blended {
        urgency,
        category,
        verify,
        reasons,
    }
}
