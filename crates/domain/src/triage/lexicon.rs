//! The triage lexicon: the phrases, rules and thresholds an administrator edits in
//! `data/triage/lexicon.toml`, checked and compiled into one Aho-Corasick automaton.

use super::text::normalize;
use crate::vocab::{CareTag, Category, Lang, Urgency, BUILTIN_CATEGORIES};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use toml::Spanned;

/// Why a lexicon file was refused. Nothing is loaded from a refused file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LexiconError {
    #[error("lexicon line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("lexicon line {line}, {entry}: {problem}")]
    Invalid {
        line: usize,
        entry: String,
        problem: String,
    },
}

impl LexiconError {
    pub fn localized(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (LexiconError::Syntax { line, message }, Lang::Zh) => {
                format!("词库第{line}行格式错误：{message}。请改正后重新加载")
            }
            (
                LexiconError::Invalid {
                    line,
                    entry,
                    problem,
                },
                Lang::Zh,
            ) => format!("词库第{line}行（{entry}）有误：{problem}。请改正后重新加载"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLexicon {
    max_bytes: usize,
    urgent_within_days: f64,
    negation: RawNegation,
    temperature: RawTemperature,
    age: RawAge,
    stock_cues: RawStockCues,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    rule: Vec<RawRule>,
    #[serde(default)]
    stock: Vec<RawStock>,
    #[serde(default)]
    combo: Vec<RawCombo>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNegation {
    before: Vec<String>,
    after: Vec<String>,
    not_negation: Vec<String>,
    window: usize,
    /// Words that make the rest of their sentence a supposition ("万一哪天…打120").
    #[serde(default)]
    hypothetical: Vec<String>,
    /// Words that bring a supposition back to the present ("万一…现在已经昏迷").
    #[serde(default)]
    actual: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemperature {
    fever_at: f64,
    high_at: f64,
    fever_rule: Spanned<String>,
    high_rule: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAge {
    infant_max: f64,
    aged_at: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStockCues {
    remain: Vec<String>,
    out_after: Vec<String>,
    out_before: Vec<String>,
}

/// What a rule or combo does when it fires. Not `#[serde(flatten)]`ed into them, because
/// flattening loses the spans that error messages need.
struct RawEffect {
    category: Option<Spanned<String>>,
    urgency: Option<Spanned<String>>,
    care: Vec<Spanned<String>>,
    epidemic: bool,
    weight: Option<f32>,
    cap_urgency: Option<Spanned<String>>,
    asks: bool,
    acts: bool,
}

macro_rules! with_effect {
    ($(#[$m:meta])* struct $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$m])*
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $name {
            $($(#[$fm])* $field: $ty,)*
            category: Option<Spanned<String>>,
            urgency: Option<Spanned<String>>,
            #[serde(default)]
            care: Vec<Spanned<String>>,
            #[serde(default)]
            epidemic: bool,
            weight: Option<f32>,
            /// Caps an urgent (never a critical) result at this level: "不急", "不是很急".
            cap_urgency: Option<Spanned<String>>,
            /// A question to the desk ("请问", "吗", "？").
            #[serde(default)]
            asks: bool,
            /// A request for action ("帮我", "派人", "用完了"): a question that carries one
            /// is a request, one that does not is answered on the spot.
            #[serde(default)]
            acts: bool,
        }

        impl $name {
            fn effect(&mut self) -> RawEffect {
                RawEffect {
                    category: self.category.take(),
                    urgency: self.urgency.take(),
                    care: std::mem::take(&mut self.care),
                    epidemic: self.epidemic,
                    weight: self.weight,
                    cap_urgency: self.cap_urgency.take(),
                    asks: self.asks,
                    acts: self.acts,
                }
            }
        }
    };
}

with_effect!(
    struct RawRule {
        name: Spanned<String>,
        #[serde(default)]
        phrases: Vec<String>,
        #[serde(default)]
        near: Vec<Vec<String>>,
        gap: Option<usize>,
        /// Near parts may lie in different clauses ("化疗后第7天，发热"): a condition stated,
        /// then the sign. Off by default: a comma usually ends what a phrase is about.
        across: Option<bool>,
        negatable: Option<bool>,
    }
);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStock {
    name: Spanned<String>,
    items: Vec<String>,
    category: Spanned<String>,
    low_urgency: Spanned<String>,
    #[serde(default)]
    care: Vec<Spanned<String>>,
    weight: Option<f32>,
}

with_effect!(
    struct RawCombo {
        name: Spanned<String>,
        when: Vec<String>,
    }
);

/// What a fired rule contributes to the analysis.
#[derive(Debug, Clone, Default)]
pub(crate) struct Effect {
    pub category: Option<Category>,
    pub urgency: Option<Urgency>,
    pub care: Vec<CareTag>,
    pub epidemic: bool,
    pub weight: f32,
    pub cap_urgency: Option<Urgency>,
    pub asks: bool,
    pub acts: bool,
}

#[derive(Debug)]
pub(crate) struct Rule {
    pub name: String,
    pub effect: Effect,
    pub negatable: bool,
    pub near_parts: usize,
    pub gap: usize,
    pub across: bool,
}

#[derive(Debug)]
pub(crate) struct Stock {
    pub name: String,
    pub category: Category,
    pub low_urgency: Urgency,
    pub care: Vec<CareTag>,
    pub weight: f32,
}

#[derive(Debug)]
pub(crate) struct Combo {
    pub name: String,
    pub when: Vec<String>,
    pub effect: Effect,
}

/// How a pattern of the automaton is used; one phrase may serve several rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    Phrase(usize),
    NearPart { rule: usize, part: usize },
    StockItem(usize),
}

/// A checked, compiled lexicon.
#[derive(Debug)]
pub(crate) struct Lexicon {
    pub max_bytes: usize,
    pub urgent_within_days: f64,
    pub neg_before: Vec<String>,
    pub neg_after: Vec<String>,
    pub not_negation: Vec<String>,
    pub neg_window: usize,
    pub hypothetical: Vec<String>,
    pub actual: Vec<String>,
    pub fever_at: f64,
    pub high_at: f64,
    pub fever_rule: usize,
    pub high_rule: usize,
    pub infant_max: f64,
    pub aged_at: f64,
    pub remain: Vec<String>,
    pub out_after: Vec<String>,
    pub out_before: Vec<String>,
    /// Blanked before matching: words that contain a phrase but mean something else
    /// ("中风险区" is not a stroke).
    pub ignore: Vec<String>,
    pub rules: Vec<Rule>,
    pub stocks: Vec<Stock>,
    pub combos: Vec<Combo>,
    pub automaton: AhoCorasick,
    pub uses: Vec<Vec<Use>>,
}

fn line_of(src: &str, offset: usize) -> usize {
    src[..offset.min(src.len())].matches('\n').count() + 1
}

struct Checker<'a> {
    src: &'a str,
}

impl Checker<'_> {
    fn fail(&self, at: &Spanned<String>, entry: &str, problem: String) -> LexiconError {
        LexiconError::Invalid {
            line: line_of(self.src, at.span().start),
            entry: entry.to_string(),
            problem,
        }
    }

    fn category(&self, s: &Spanned<String>, entry: &str) -> Result<Category, LexiconError> {
        let code = s.get_ref().as_str();
        if BUILTIN_CATEGORIES.iter().any(|(c, ..)| *c == code) {
            Category::parse(code).map_err(|e| self.fail(s, entry, e.to_string()))
        } else {
            let allowed: Vec<&str> = BUILTIN_CATEGORIES.iter().map(|c| c.0).collect();
            Err(self.fail(
                s,
                entry,
                format!(
                    "unknown category '{code}' (allowed: {})",
                    allowed.join(", ")
                ),
            ))
        }
    }

    fn urgency(&self, s: &Spanned<String>, entry: &str) -> Result<Urgency, LexiconError> {
        Urgency::parse(s.get_ref()).map_err(|e| self.fail(s, entry, e.to_string()))
    }

    fn effect(&self, raw: RawEffect, entry: &str) -> Result<Effect, LexiconError> {
        Ok(Effect {
            category: raw.category.map(|c| self.category(&c, entry)).transpose()?,
            urgency: raw.urgency.map(|u| self.urgency(&u, entry)).transpose()?,
            care: raw
                .care
                .iter()
                .map(|c| {
                    CareTag::parse(c.get_ref()).map_err(|e| self.fail(c, entry, e.to_string()))
                })
                .collect::<Result<_, _>>()?,
            epidemic: raw.epidemic,
            weight: raw.weight.unwrap_or(1.0),
            cap_urgency: raw
                .cap_urgency
                .map(|u| self.urgency(&u, entry))
                .transpose()?,
            asks: raw.asks,
            acts: raw.acts,
        })
    }
}

impl Lexicon {
    pub(crate) fn from_toml(src: &str) -> Result<Lexicon, LexiconError> {
        let raw: RawLexicon = toml::from_str(src).map_err(|e| LexiconError::Syntax {
            line: e.span().map_or(1, |s| line_of(src, s.start)),
            message: e.message().to_string(),
        })?;
        let ck = Checker { src };
        let mut patterns: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut uses: Vec<Vec<Use>> = Vec::new();
        let mut add = |phrase: &str, u: Use| -> bool {
            let p = normalize(phrase);
            if p.is_empty() {
                return false;
            }
            let id = *index.entry(p.clone()).or_insert_with(|| {
                patterns.push(p);
                uses.push(Vec::new());
                patterns.len() - 1
            });
            uses[id].push(u);
            true
        };
        let mut names: HashSet<String> = HashSet::new();
        let claim = |names: &mut HashSet<String>,
                     n: &Spanned<String>,
                     kind: &str|
         -> Result<String, LexiconError> {
            let entry = format!("{kind} \"{}\"", n.get_ref());
            if n.get_ref().trim().is_empty() {
                return Err(ck.fail(n, &entry, "name must not be empty".into()));
            }
            if !names.insert(n.get_ref().clone()) {
                return Err(ck.fail(n, &entry, "this name is already used".into()));
            }
            Ok(entry)
        };

        let mut rules = Vec::new();
        for (ri, mut r) in raw.rule.into_iter().enumerate() {
            let entry = claim(&mut names, &r.name, "rule")?;
            if r.phrases.is_empty() && r.near.is_empty() {
                return Err(ck.fail(&r.name, &entry, "has neither phrases nor near".into()));
            }
            for p in &r.phrases {
                if !add(p, Use::Phrase(ri)) {
                    return Err(ck.fail(&r.name, &entry, "contains an empty phrase".into()));
                }
            }
            if r.near.len() == 1 {
                return Err(ck.fail(&r.name, &entry, "near needs at least two parts".into()));
            }
            for (part, alts) in r.near.iter().enumerate() {
                if alts.is_empty()
                    || !alts
                        .iter()
                        .all(|a| add(a, Use::NearPart { rule: ri, part }))
                {
                    return Err(ck.fail(
                        &r.name,
                        &entry,
                        format!("near part {} is empty", part + 1),
                    ));
                }
            }
            let effect = r.effect();
            rules.push(Rule {
                name: r.name.get_ref().clone(),
                negatable: r.negatable.unwrap_or(true),
                near_parts: r.near.len(),
                gap: r.gap.unwrap_or(6),
                across: r.across.unwrap_or(false),
                effect: ck.effect(effect, &entry)?,
            });
        }

        let mut stocks = Vec::new();
        for (si, s) in raw.stock.into_iter().enumerate() {
            let entry = claim(&mut names, &s.name, "stock")?;
            for item in &s.items {
                if !add(item, Use::StockItem(si)) {
                    return Err(ck.fail(&s.name, &entry, "contains an empty item".into()));
                }
            }
            stocks.push(Stock {
                name: s.name.get_ref().clone(),
                category: ck.category(&s.category, &entry)?,
                low_urgency: ck.urgency(&s.low_urgency, &entry)?,
                weight: s.weight.unwrap_or(1.0),
                care: s
                    .care
                    .iter()
                    .map(|c| {
                        CareTag::parse(c.get_ref()).map_err(|e| ck.fail(c, &entry, e.to_string()))
                    })
                    .collect::<Result<_, _>>()?,
            });
        }

        let mut combos = Vec::new();
        for mut c in raw.combo {
            for w in &c.when {
                let known = names.contains(w) || CareTag::parse(w).is_ok();
                if !known {
                    let entry = format!("combo \"{}\"", c.name.get_ref());
                    return Err(ck.fail(
                        &c.name,
                        &entry,
                        format!("'{w}' in when is neither a rule, stock or earlier combo name nor a care tag"),
                    ));
                }
            }
            let entry = claim(&mut names, &c.name, "combo")?;
            if c.when.is_empty() {
                return Err(ck.fail(&c.name, &entry, "when must name at least one signal".into()));
            }
            let effect = c.effect();
            combos.push(Combo {
                name: c.name.get_ref().clone(),
                effect: ck.effect(effect, &entry)?,
                when: c.when,
            });
        }

        let rule_index = |n: &Spanned<String>| -> Result<usize, LexiconError> {
            rules
                .iter()
                .position(|r| r.name == *n.get_ref())
                .ok_or_else(|| {
                    ck.fail(
                        n,
                        "temperature",
                        format!("no rule is named '{}'", n.get_ref()),
                    )
                })
        };
        let t = raw.temperature;
        let (fever_rule, high_rule) = (rule_index(&t.fever_rule)?, rule_index(&t.high_rule)?);

        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| LexiconError::Syntax {
                line: 1,
                message: format!("the phrases cannot be compiled: {e}"),
            })?;
        let norm_all = |v: Vec<String>| -> Vec<String> {
            v.iter()
                .map(|s| normalize(s))
                .filter(|s| !s.is_empty())
                .collect()
        };
        Ok(Lexicon {
            max_bytes: raw.max_bytes.max(64),
            urgent_within_days: raw.urgent_within_days,
            neg_before: norm_all(raw.negation.before),
            neg_after: norm_all(raw.negation.after),
            not_negation: norm_all(raw.negation.not_negation),
            neg_window: raw.negation.window,
            hypothetical: norm_all(raw.negation.hypothetical),
            actual: norm_all(raw.negation.actual),
            fever_at: t.fever_at,
            high_at: t.high_at,
            fever_rule,
            high_rule,
            infant_max: raw.age.infant_max,
            aged_at: raw.age.aged_at,
            remain: norm_all(raw.stock_cues.remain),
            out_after: norm_all(raw.stock_cues.out_after),
            out_before: norm_all(raw.stock_cues.out_before),
            ignore: norm_all(raw.ignore),
            rules,
            stocks,
            combos,
            automaton,
            uses,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../../data/triage/lexicon.toml");

    #[test]
    fn shipped_lexicon_loads() {
        let lx = Lexicon::from_toml(SHIPPED).unwrap();
        assert!(lx.rules.len() > 30);
        assert!(lx.automaton.patterns_len() > 300);
    }

    #[test]
    fn errors_name_the_line_and_entry() {
        let bad = SHIPPED.replacen("category = \"medical\"", "category = \"medcal\"", 1);
        let e = Lexicon::from_toml(&bad).unwrap_err();
        let expected_line = line_of(&bad, bad.find("\"medcal\"").unwrap());
        match &e {
            LexiconError::Invalid {
                line,
                entry,
                problem,
            } => {
                assert!(entry.starts_with("rule \""), "{entry}");
                assert!(problem.contains("medcal"), "{problem}");
                assert!(*line <= expected_line && *line + 12 > expected_line);
            }
            other => panic!("{other:?}"),
        }
        assert!(e.localized(Lang::Zh).contains("词库第"));

        let e = Lexicon::from_toml("max_bytes = \n").unwrap_err();
        assert!(matches!(e, LexiconError::Syntax { line: 1, .. }), "{e:?}");

        let dup = format!("{SHIPPED}\n[[rule]]\nname = \"labour\"\nphrases = [\"x\"]\n");
        let e = Lexicon::from_toml(&dup).unwrap_err();
        assert!(e.to_string().contains("already used"), "{e}");
        let line = dup.lines().count() - 1;
        assert!(
            matches!(e, LexiconError::Invalid { line: l, .. } if l == line),
            "{e:?}"
        );

        let combo = format!("{SHIPPED}\n[[combo]]\nname = \"x\"\nwhen = [\"nosuch\"]\n");
        let e = Lexicon::from_toml(&combo).unwrap_err();
        assert!(e.to_string().contains("nosuch"), "{e}");
    }
}
