//! Triage: pre-fills household, category and urgency from what a resident said, so that
//! "羊水破了" never waits in the normal queue. Pure: no I/O, no clock.
//!
//! The rules live in `data/triage/lexicon.toml`; [`Triage::from_toml`] reloads an edited
//! copy without a rebuild and [`Triage::builtin`] uses the shipped one.

mod address;
pub mod blend;
mod chat;
mod classify;
mod cluster;
mod eval;
mod group;
mod lexicon;
pub mod model;
mod text;

pub use address::{
    demo_compounds, match_household, parse_address, parse_address_with_id, AddressParts,
    CompoundEntry, HouseholdAddress, HouseholdMatch,
};
pub use chat::{split_chat_export, ChatMessage};
pub use cluster::{find_clusters, similarity, ClusterItem, ClusterRule};
pub use eval::{evaluate, parse_eval_jsonl, ClassStats, EvalParseError, EvalReport, LabelledCase};
pub use group::{
    read_group, CoRequester, GroupItem, GroupReading, NotARequest, MERGE_WINDOW_MINUTES,
};
pub use lexicon::LexiconError;

use crate::vocab::{CareTag, Category, Lang, Urgency};
use crate::AreaId;
use serde::Serialize;

/// The lexicon the desk ships with.
pub const BUILTIN_LEXICON: &str = include_str!("../../../../data/triage/lexicon.toml");
/// The labelled evaluation set shipped with the desk (`yihaotai triage eval` uses it by default).
pub const SHIPPED_EVAL: &str = include_str!("../../../../data/triage/eval.jsonl");

/// One batch of the labelled corpus (`data/triage/corpus/`), written from its own brief by
/// writers who never saw the lexicon. Batches are either training batches, which rules and
/// weights may be tuned on, or held-out batches that nobody tunes on or reads while tuning
/// (see `data/triage/corpus/README.md`).
#[derive(Debug, Clone, Copy)]
pub struct Batch {
    pub name: &'static str,
    pub text: &'static str,
}

macro_rules! batches {
    ($dir:literal: $($name:literal),* $(,)?) => {
        &[$(Batch {
            name: $name,
            text: include_str!(concat!("../../../../data/triage/corpus/", $dir, "/", $name, ".jsonl")),
        }),*]
    };
}

/// The training part: what the model learns from and rules may be tuned on.
pub const TRAIN: &[Batch] = batches!("train":
    "elders", "relatives", "wechat", "hotline", "dialect", "extremes", "seeds",
    "night_desk", "relay", "tone", "call_transcripts", "forms_mixed", "sealed_days",
    "message_board", "bystanders", "typed_in_haste", "young_voices", "voice_text", "chasing_up",
    "grid_notes", "handwriting_elders", "closed_loop", "fever_wave", "mothers_babies",
    "winter_nights", "carers_disabled");

/// The held-out part: only ever measured. A batch that was read while tuning moves to
/// `TRAIN` and a fresh one is written in its place.
pub const HELDOUT: &[Batch] =
    batches!("heldout": "stranded_workers", "chronic_patients", "day_forty");

/// Words for a person, so that a pet's emergency is told from a person's beside a pet.
const PERSON_WORDS: &[&str] = &[
    "人", "孩子", "小孩", "宝宝", "婴儿", "老公", "老婆", "丈夫", "妻子", "媳妇", "儿子", "女儿",
    "闺女", "爸", "妈", "爷", "奶", "姥", "外婆", "外公", "老伴", "邻居", "孕妇", "老头", "老太",
    "person", "child", "baby", "mother", "father", "husband", "wife",
];

fn names_a_person(text: &str) -> bool {
    let folded = fast2s::convert(text);
    PERSON_WORDS.iter().any(|w| folded.contains(w))
}

/// A compiled lexicon, ready to analyse texts. Build it once and share it.
#[derive(Debug)]
pub struct Triage {
    lexicon: lexicon::Lexicon,
}

/// What triage makes of one text. Every field is a suggestion the agent can change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub category: Category,
    pub urgency: Urgency,
    pub epidemic_related: bool,
    pub care_signals: Vec<CareTag>,
    pub address: AddressParts,
    pub compound_id: Option<AreaId>,
    pub confidence: f32,
    pub reasons: Vec<Reason>,
    /// Critical on the model's word alone, or rules and model far apart on a critical
    /// verdict: the agent should check with the caller (请核实).
    pub verify: bool,
}

/// Why a field got its value: the phrase that fired. `field` is one of "urgency",
/// "category", "care", "epidemic", "negated" (a phrase that was found but denied:
/// "不发烧"), "input" (the text was cut before analysis), "model" (the learned model's
/// answer, `value` "urgency:critical" or "category:medical", `phrase` its probability and
/// the character grams it relied on), "runner_up" (its second choice where it matters) and
/// "verify" (why the agent should check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub field: String,
    pub value: String,
    pub phrase: String,
}

/// Text that cannot become a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TriageInputError {
    #[error("the request text is empty")]
    Empty,
    #[error("the request text contains no readable characters")]
    Unreadable,
}

impl TriageInputError {
    pub fn localized(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => format!("{self}; please type what the resident needs"),
            (TriageInputError::Empty, Lang::Zh) => "诉求内容为空，请填写居民的具体诉求".into(),
            (TriageInputError::Unreadable, Lang::Zh) => {
                "诉求内容无法识别（只有乱码或控制字符），请重新输入".into()
            }
        }
    }
}

/// Checks that a text can become a request and returns it trimmed.
pub fn check_input(text: &str) -> Result<&str, TriageInputError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(TriageInputError::Empty);
    }
    let readable = t
        .chars()
        .any(|c| !c.is_control() && !c.is_whitespace() && c != '\u{FFFD}' && c != '\u{FEFF}');
    if readable {
        Ok(t)
    } else {
        Err(TriageInputError::Unreadable)
    }
}

impl Triage {
    /// Compiles a lexicon; an error names the line and entry at fault.
    pub fn from_toml(src: &str) -> Result<Triage, LexiconError> {
        lexicon::Lexicon::from_toml(src).map(|lexicon| Triage { lexicon })
    }

    /// The shipped lexicon (checked by a unit test, so this cannot fail in a release).
    pub fn builtin() -> Triage {
        Triage::from_toml(BUILTIN_LEXICON).expect("the shipped lexicon is valid")
    }

    /// How many bytes of a text are analysed; the rest is ignored and a reason says so.
    pub fn max_bytes(&self) -> usize {
        self.lexicon.max_bytes
    }

    pub fn analyze(&self, text: &str) -> Analysis {
        self.analyze_with(text, &[])
    }

    /// Analyses a text and finds its address among the given compounds: the rules, then
    /// the shipped model blended in (see [`blend`]).
    pub fn analyze_with(&self, text: &str, compounds: &[CompoundEntry]) -> Analysis {
        self.analyze_blended(
            text,
            compounds,
            Some(blend::Models::shipped()),
            blend::BLEND,
        )
    }

    /// The rules alone, or blended with the given models (cross-validation trains its own).
    pub fn analyze_blended(
        &self,
        text: &str,
        compounds: &[CompoundEntry],
        models: Option<&blend::Models>,
        mix: blend::Blend,
    ) -> Analysis {
        let mut a = self.analyze_rules(text, compounds);
        let Some(m) = models else {
            return a;
        };
        // Nothing readable: the model would only repeat its priors.
        if !text.chars().any(char::is_alphanumeric) {
            return a;
        }
        // The model learned from Chinese; on a text mostly in another script (a foreign
        // resident writing English) its sharp probabilities mean nothing, so the rules,
        // which carry English phrases for the danger signs, decide alone.
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        let cjk = text
            .chars()
            .filter(|c| matches!(*c as u32, 0x3400..=0x9FFF | 0xF900..=0xFAFF))
            .count();
        if cjk * 10 < letters * 3 {
            a.reasons.push(Reason {
                field: "model".into(),
                value: "skipped".into(),
                phrase:
                    "模型只读中文，本条由规则判断 / the model reads Chinese only: the rules decided"
                        .into(),
            });
            return a;
        }
        let head = &text[..self.cut(text)];
        let view = blend::RuleView {
            urgency: a.urgency,
            category: a.category.clone(),
            urgency_fired: a.reasons.iter().any(|r| r.field == "urgency"),
            category_fired: a.reasons.iter().any(|r| r.field == "category"),
            symbols: cjk + text.chars().filter(char::is_ascii_digit).count(),
        };
        let read = model::Features::of(head);
        let b = blend::blend(
            &view,
            &m.urgency.judge_features(&read),
            &m.category.judge_features(&read),
            mix,
        );
        a.urgency = b.urgency;
        a.category = b.category;
        a.verify = b.verify;
        a.reasons.extend(b.reasons);
        if a.urgency == Urgency::Critical && a.category.as_str() == "pet" && !names_a_person(head) {
            // A cat that will not eat or a dog in labour is urgent for the owner, never a
            // call for an ambulance; a person hurt by or beside an animal stays critical.
            a.urgency = Urgency::Urgent;
            a.verify = false;
            a.reasons.push(Reason {
                field: "urgency".into(),
                value: "urgent".into(),
                phrase: "宠物，不是人 / a pet, not a person".into(),
            });
        }
        a
    }

    /// Where the analysed part of a text ends: `max_bytes`, on a character boundary.
    fn cut(&self, text: &str) -> usize {
        let mut cut = text.len().min(self.lexicon.max_bytes);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        cut
    }

    fn analyze_rules(&self, text: &str, compounds: &[CompoundEntry]) -> Analysis {
        let cut = self.cut(text);
        let head = &text[..cut];
        let norm = text::normalize(head);
        let out = classify::classify(&self.lexicon, &norm);
        let (address, compound_id) = parse_address_with_id(head, compounds);
        let mut reasons = out.reasons;
        let mut confidence = out.confidence;
        if cut < text.len() {
            confidence *= 0.9;
            reasons.push(Reason {
                field: "input".into(),
                value: "truncated".into(),
                phrase: format!("analysed the first {cut} of {} bytes", text.len()),
            });
        }
        if norm.is_empty() {
            confidence = 0.0;
        }
        Analysis {
            category: out.category,
            urgency: out.urgency,
            epidemic_related: out.epidemic,
            care_signals: out.care,
            address,
            compound_id,
            confidence,
            reasons,
            verify: false,
        }
    }
}

#[cfg(test)]
#[path = "triage_tests.rs"]
mod tests;
