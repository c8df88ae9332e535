//! The classifier: finds lexicon phrases in a normalised text, drops the negated ones, reads
//! quantities, temperatures and ages, and turns what is left into category, urgency,
//! epidemic flag and care signals, each with the phrases that fired.

use super::lexicon::{Effect, Lexicon, Use};
use super::text::{cn_run_value, is_clause_break, is_cn_numeral, leading_days, leading_number};
use super::Reason;
use crate::vocab::{CareTag, Category, Urgency};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    Rule(usize),
    /// A stock item; `low` when it runs out within the threshold.
    Stock {
        stock: usize,
        low: bool,
        /// A quantity or an "out" word was read: the text reports a situation.
        said: bool,
    },
    Combo(usize),
    Age(CareTag),
}

#[derive(Debug)]
struct Hit {
    source: Source,
    start: usize,
    phrase: String,
    negated_by: Option<String>,
}

pub(crate) struct Outcome {
    pub category: Category,
    pub urgency: Urgency,
    pub epidemic: bool,
    pub care: Vec<CareTag>,
    pub confidence: f32,
    pub reasons: Vec<Reason>,
}

/// Characters from the last clause break before `at` (at most `max`).
fn clause_before(norm: &str, at: usize, max: usize) -> &str {
    let head = &norm[..at];
    let mut start = at;
    for (n, (i, c)) in head.char_indices().rev().enumerate() {
        if n >= max || is_clause_break(c) {
            break;
        }
        start = i;
    }
    &head[start..]
}

/// Characters up to the next clause break after `at` (at most `max`).
fn clause_after(norm: &str, at: usize, max: usize) -> &str {
    let tail = &norm[at..];
    let end = tail
        .char_indices()
        .take(max)
        .find(|(_, c)| is_clause_break(*c))
        .map_or_else(
            || tail.char_indices().nth(max).map_or(tail.len(), |(i, _)| i),
            |(i, _)| i,
        );
    &tail[..end]
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Blanks out words that look like negations but are not ("不停", "是不是"), keeping the
/// character count so distances stay right.
fn mask(s: &str, words: &[String]) -> String {
    let mut out = s.to_string();
    for w in words {
        if out.contains(w.as_str()) {
            out = out.replace(w.as_str(), &"□".repeat(chars(w)));
        }
    }
    out
}

/// The sentence before `at`, back to the last full stop, question mark or line break.
fn sentence_before(norm: &str, at: usize, max: usize) -> &str {
    let head = &norm[..at];
    let mut start = at;
    for (n, (i, c)) in head.char_indices().rev().enumerate() {
        if n >= max || matches!(c, '.' | '!' | '?' | '\n' | '。' | '！' | '？' | ';' | '；') {
            break;
        }
        start = i;
    }
    &head[start..]
}

/// "万一哪天晚上他不舒服，我们是直接打120": a sign inside a supposition is no sign, unless
/// the sentence comes back to now ("万一…现在已经昏迷了").
fn supposition(lx: &Lexicon, norm: &str, start: usize, end: usize) -> Option<String> {
    let before = sentence_before(norm, start, 40);
    let (i, cue) = lx
        .hypothetical
        .iter()
        .filter_map(|cue| before.rfind(cue.as_str()).map(|i| (i, cue)))
        .max_by_key(|(i, _)| *i)?;
    let since = &before[i + cue.len()..];
    if lx.actual.iter().any(|a| since.contains(a.as_str())) {
        return None;
    }
    Some(format!("{}{}", &before[i..], &norm[start..end]))
}

fn negation(lx: &Lexicon, norm: &str, start: usize, end: usize) -> Option<String> {
    if let Some(s) = supposition(lx, norm, start, end) {
        return Some(s);
    }
    // Most phrases have no negation word near them; a character test settles that cheaply.
    let may =
        |s: &str, cues: &[String]| s.chars().any(|c| cues.iter().any(|cue| cue.starts_with(c)));
    let raw_before = clause_before(norm, start, 10);
    let raw_after = clause_after(norm, end, 10);
    if !may(raw_before, &lx.neg_before) && !may(raw_after, &lx.neg_after) {
        return None;
    }
    let before = mask(raw_before, &lx.not_negation);
    let len = chars(&before);
    for cue in &lx.neg_before {
        for (i, _) in before.match_indices(cue.as_str()) {
            let gap = len - chars(&before[..i]) - chars(cue);
            if gap <= lx.neg_window {
                let from = before
                    .char_indices()
                    .nth(chars(&before[..i]))
                    .map_or(0, |(b, _)| b);
                return Some(format!("{}{}", &before[from..], &norm[start..end]));
            }
        }
    }
    let after = mask(raw_after, &lx.not_negation);
    for cue in &lx.neg_after {
        if let Some(i) = after.find(cue.as_str()) {
            if chars(&after[..i]) <= lx.neg_window {
                return Some(format!("{}{}", &norm[start..end], &after[..i + cue.len()]));
            }
        }
    }
    None
}

struct Found {
    pattern: usize,
    start: usize,
    end: usize,
}

pub(crate) fn classify(lx: &Lexicon, norm: &str) -> Outcome {
    let masked = mask(norm, &lx.ignore);
    let norm = masked.as_str();
    let found: Vec<Found> = lx
        .automaton
        .find_overlapping_iter(norm)
        .map(|m| Found {
            pattern: m.pattern().as_usize(),
            start: m.start(),
            end: m.end(),
        })
        .collect();
    let mut hits = Vec::new();
    phrase_hits(lx, norm, &found, &mut hits);
    near_hits(lx, norm, &found, &mut hits);
    temperature_hits(lx, norm, &mut hits);
    age_hits(lx, norm, &mut hits);
    combo_hits(lx, &mut hits);
    aggregate(lx, &hits)
}

/// Phrases and stock items. Within one rule or stock the longest of overlapping phrases
/// counts once ("降压药" is not also "药"); different rules may share text, so "独居老人"
/// is both "living alone" and "elderly".
fn phrase_hits(lx: &Lexicon, norm: &str, found: &[Found], hits: &mut Vec<Hit>) {
    let mut order: Vec<&Found> = found.iter().collect();
    order.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
    let mut rule_end = vec![0; lx.rules.len()];
    let mut stock_end = vec![0; lx.stocks.len()];
    for f in order {
        for u in &lx.uses[f.pattern] {
            match *u {
                Use::Phrase(r) if f.start >= rule_end[r] => {
                    rule_end[r] = f.end;
                    let negated_by = if lx.rules[r].negatable {
                        negation(lx, norm, f.start, f.end)
                    } else {
                        None
                    };
                    hits.push(Hit {
                        source: Source::Rule(r),
                        start: f.start,
                        phrase: norm[f.start..f.end].to_string(),
                        negated_by,
                    });
                }
                Use::StockItem(s) if f.start >= stock_end[s] => {
                    stock_end[s] = f.end;
                    hits.push(stock_hit(lx, norm, s, f));
                }
                _ => {}
            }
        }
    }
}

/// Reads how long a stock lasts around its mention: "药只剩一天", "还有一个月的药",
/// "奶粉喝完了", "没有胰岛素了".
fn stock_hit(lx: &Lexicon, norm: &str, stock: usize, f: &Found) -> Hit {
    let item = &norm[f.start..f.end];
    let after = clause_after(norm, f.end, 14);
    let before = clause_before(norm, f.start, 10);
    // The quantity often sits in the next clause: "奶粉快喝完了，还有一周的".
    let ahead = {
        let tail = &norm[f.end..];
        &tail[..tail.char_indices().nth(14).map_or(tail.len(), |(i, _)| i)]
    };
    let lasts = |s: &str| -> Option<(f64, String)> {
        lx.remain.iter().find_map(|cue| {
            let i = s.find(cue.as_str())?;
            let rest = &s[i + cue.len()..];
            let skip: usize = rest
                .char_indices()
                .take(3)
                .take_while(|(_, c)| "下了吃用喝打够能到有".contains(*c))
                .map(|(_, c)| c.len_utf8())
                .sum();
            let days = leading_days(&rest[skip..])?;
            Some((days, s[i..].chars().take(cue.chars().count() + 5).collect()))
        })
    };
    let mut phrase = item.to_string();
    let mut low = false;
    let mut said = true;
    if let Some((days, said)) = lasts(ahead) {
        low = days <= lx.urgent_within_days;
        phrase = format!("{item}{said}");
    } else if let Some((days, said)) = lasts(before) {
        low = days <= lx.urgent_within_days;
        phrase = format!("{said}…{item}");
    } else if let Some(cue) = lx.out_after.iter().find(|c| {
        after
            .find(c.as_str())
            .is_some_and(|i| chars(&after[..i]) <= 4)
    }) {
        low = true;
        phrase = format!("{item}…{cue}");
    } else if let Some(cue) = lx.out_before.iter().find(|c| {
        before
            .rfind(c.as_str())
            .is_some_and(|i| chars(&before[i + c.len()..]) <= 2)
    }) {
        low = true;
        phrase = format!("{cue}…{item}");
    } else {
        said = false;
    }
    Hit {
        source: Source::Stock { stock, low, said },
        start: f.start,
        phrase,
        negated_by: None,
    }
}

/// Rules written as parts that must appear in order, close together, in one clause
/// ("胸口" … "疼"), so "胸口一阵一阵的疼" is caught without listing every wording.
fn near_hits(lx: &Lexicon, norm: &str, found: &[Found], hits: &mut Vec<Hit>) {
    for (ri, rule) in lx.rules.iter().enumerate() {
        if rule.near_parts == 0 {
            continue;
        }
        let part = |p: usize| {
            found
                .iter()
                .filter(move |f| lx.uses[f.pattern].contains(&Use::NearPart { rule: ri, part: p }))
        };
        let mut best: Option<Hit> = None;
        for first in part(0) {
            let mut end = first.end;
            let mut ok = true;
            for p in 1..rule.near_parts {
                let next = part(p).find(|f| {
                    f.start >= end && {
                        let between = &norm[end..f.start];
                        chars(between) <= rule.gap
                            && (rule.across || !between.chars().any(is_clause_break))
                    }
                });
                // "胸口不疼": a negation between the parts denies the whole.
                let denied = next.is_some_and(|f| {
                    let between = mask(&norm[end..f.start], &lx.not_negation);
                    rule.negatable && lx.neg_before.iter().any(|c| between.contains(c.as_str()))
                });
                let next = next.filter(|_| !denied);
                match next {
                    Some(f) => end = f.end,
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
            if !ok {
                continue;
            }
            let negated_by = if rule.negatable {
                negation(lx, norm, first.start, end)
            } else {
                None
            };
            let done = negated_by.is_none();
            best = Some(Hit {
                source: Source::Rule(ri),
                start: first.start,
                phrase: norm[first.start..end].to_string(),
                negated_by,
            });
            if done {
                break;
            }
        }
        hits.extend(best);
    }
}

/// "39度", "38.5℃", "体温39.2", "烧到四十度".
fn temperature_hits(lx: &Lexicon, norm: &str, hits: &mut Vec<Hit>) {
    let mut prev_numeric = false;
    for (i, c) in norm.char_indices() {
        let numeric = c.is_ascii_digit() || is_cn_numeral(c) || c == '.';
        let starts = numeric && !prev_numeric;
        prev_numeric = numeric;
        if !starts {
            continue;
        }
        let Some((v, used)) = leading_number(&norm[i..]) else {
            continue;
        };
        if !(35.0..=43.0).contains(&v) {
            continue;
        }
        let rest = &norm[i + used..];
        let unit = ["摄氏度", "度", "℃", "°c", "°"]
            .into_iter()
            .find(|u| rest.starts_with(u));
        let lead = clause_before(norm, i, 4);
        let context = ["烧", "体温", "发热", "温度", "量了"]
            .iter()
            .any(|w| lead.contains(w));
        if unit.is_none() && !context {
            continue;
        }
        let rule = if v >= lx.high_at {
            lx.high_rule
        } else if v >= lx.fever_at {
            lx.fever_rule
        } else {
            continue;
        };
        let end = i + used + unit.map_or(0, str::len);
        hits.push(Hit {
            source: Source::Rule(rule),
            start: i,
            phrase: norm[i..end].to_string(),
            negated_by: negation(lx, norm, i, end),
        });
    }
}

/// "八十多岁", "3岁", "九旬", "七十多了": ages name infants and the over-70s.
fn age_hits(lx: &Lexicon, norm: &str, hits: &mut Vec<Hit>) {
    for (unit, scale) in [("岁", 1.0), ("旬", 10.0), ("十多", 1.0)] {
        for (at, _) in norm.match_indices(unit) {
            // "七十多" names an age without 岁; the tens digit must say it.
            let (at, head) = if unit == "十多" {
                let Some(d) = norm[..at]
                    .chars()
                    .next_back()
                    .and_then(super::text::cn_digit)
                else {
                    continue;
                };
                if d < 6 || norm[at + unit.len()..].starts_with('岁') {
                    continue;
                }
                (at + unit.len(), &norm[..at + "十".len()])
            } else {
                (at, norm[..at].trim_end_matches(['多', '几', '来']))
            };
            let unit = if unit == "十多" { "" } else { unit };
            let run: String = head
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit() || is_cn_numeral(*c))
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let value = if run.chars().all(|c| c.is_ascii_digit()) {
                run.parse::<f64>().ok()
            } else {
                cn_run_value(&run).map(|v| v as f64)
            };
            let Some(age) = value.map(|v| v * scale) else {
                continue;
            };
            let tag = if age <= lx.infant_max && scale == 1.0 {
                CareTag::Infant
            } else if age >= lx.aged_at && age < 130.0 {
                CareTag::Aged70Plus
            } else {
                continue;
            };
            let start = head.len() - run.len();
            hits.push(Hit {
                source: Source::Age(tag),
                start,
                phrase: norm[start..at + unit.len()].to_string(),
                negated_by: None,
            });
        }
    }
}

fn effect_of(lx: &Lexicon, s: Source) -> Option<&Effect> {
    match s {
        Source::Rule(r) => Some(&lx.rules[r].effect),
        Source::Combo(c) => Some(&lx.combos[c].effect),
        Source::Stock { .. } | Source::Age(_) => None,
    }
}

fn care_of(lx: &Lexicon, s: Source) -> Vec<CareTag> {
    match s {
        Source::Stock { stock, .. } => lx.stocks[stock].care.clone(),
        Source::Age(t) => vec![t],
        other => effect_of(lx, other)
            .map(|e| e.care.clone())
            .unwrap_or_default(),
    }
}

/// Combos fire on signals already found ("elderly_alone" with "food_out"); each may feed
/// the combos after it.
fn combo_hits(lx: &Lexicon, hits: &mut Vec<Hit>) {
    let mut fired: Vec<String> = Vec::new();
    for h in hits.iter().filter(|h| h.negated_by.is_none()) {
        match h.source {
            Source::Rule(r) => fired.push(lx.rules[r].name.clone()),
            Source::Stock {
                stock, low: true, ..
            } => fired.push(lx.stocks[stock].name.clone()),
            _ => {}
        }
        fired.extend(care_of(lx, h.source).iter().map(|t| t.code().to_string()));
    }
    for (ci, combo) in lx.combos.iter().enumerate() {
        if combo.when.iter().all(|w| fired.contains(w)) {
            fired.push(combo.name.clone());
            fired.extend(combo.effect.care.iter().map(|t| t.code().to_string()));
            // A combo is the most specific reading, so it wins category ties.
            hits.push(Hit {
                source: Source::Combo(ci),
                start: 0,
                phrase: combo.when.join("+"),
                negated_by: None,
            });
        }
    }
}

fn urgency_of(lx: &Lexicon, s: Source) -> Option<Urgency> {
    match s {
        Source::Stock {
            stock, low: true, ..
        } => Some(lx.stocks[stock].low_urgency),
        Source::Stock { said: true, .. } => Some(Urgency::Normal),
        other => effect_of(lx, other).and_then(|e| e.urgency),
    }
}

fn category_of(lx: &Lexicon, s: Source) -> Option<(Category, f32)> {
    match s {
        Source::Stock { stock, .. } => {
            let s = &lx.stocks[stock];
            Some((s.category.clone(), s.weight))
        }
        other => effect_of(lx, other).and_then(|e| e.category.clone().map(|c| (c, e.weight))),
    }
}

fn rank(u: Urgency) -> u8 {
    match u {
        Urgency::Consult => 1,
        Urgency::Normal => 2,
        Urgency::Urgent => 3,
        Urgency::Critical => 4,
    }
}

fn aggregate(lx: &Lexicon, hits: &[Hit]) -> Outcome {
    let live: Vec<&Hit> = hits.iter().filter(|h| h.negated_by.is_none()).collect();
    let mut urgency = live
        .iter()
        .filter_map(|h| urgency_of(lx, h.source))
        .max_by_key(|u| rank(*u))
        .unwrap_or(Urgency::Normal);
    let cap = live
        .iter()
        .filter_map(|h| effect_of(lx, h.source).and_then(|e| e.cap_urgency))
        .min_by_key(|u| rank(*u));
    if let Some(cap) = cap {
        if urgency != Urgency::Critical && rank(cap) < rank(urgency) {
            urgency = cap;
        }
    }
    // A question to the desk that asks for no action is answered on the spot, though it
    // names a thing ("能去社区拿安眠药吗") or a procedure ("要申请什么吗").
    let flag = |f: fn(&Effect) -> bool| live.iter().any(|h| effect_of(lx, h.source).is_some_and(f));
    if urgency == Urgency::Normal && flag(|e| e.asks) && !flag(|e| e.acts) {
        urgency = Urgency::Consult;
    }

    // Signals of a more urgent level weigh more, so the need that brought the call decides
    // the category when a message mixes several.
    let mut scores: Vec<(Category, f32, usize)> = Vec::new();
    for h in &live {
        let Some((cat, weight)) = category_of(lx, h.source) else {
            continue;
        };
        let boost = urgency_of(lx, h.source).map_or(1.0, |u| match u {
            Urgency::Critical => 3.0,
            Urgency::Urgent => 2.0,
            _ => 1.0,
        });
        match scores.iter_mut().find(|(c, ..)| *c == cat) {
            Some(s) => {
                s.1 += weight * boost;
                s.2 = s.2.min(h.start);
            }
            None => scores.push((cat, weight * boost, h.start)),
        }
    }
    let best = scores
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)))
        .cloned();
    let total: f32 = scores.iter().map(|s| s.1).sum();
    let (category, confidence) = match best {
        Some((c, s, _)) => (c, (0.5 + 0.5 * s / total).min(0.99)),
        None => (
            Category::parse("other").unwrap_or_else(|_| unreachable!()),
            0.3,
        ),
    };

    let epidemic = live
        .iter()
        .any(|h| effect_of(lx, h.source).is_some_and(|e| e.epidemic));
    let mut care: Vec<CareTag> = Vec::new();
    for h in &live {
        care.extend(care_of(lx, h.source));
    }
    care.sort();
    care.dedup();

    let mut reasons = Vec::new();
    let mut say = |field: &str, value: &str, phrase: &str| {
        let r = Reason {
            field: field.to_string(),
            value: value.to_string(),
            phrase: phrase.to_string(),
        };
        if !reasons.contains(&r) {
            reasons.push(r);
        }
    };
    for h in &live {
        if urgency_of(lx, h.source) == Some(urgency) {
            say("urgency", urgency.code(), &h.phrase);
        }
        if let Some(c) = effect_of(lx, h.source).and_then(|e| e.cap_urgency) {
            say("urgency", c.code(), &h.phrase);
        }
        if category_of(lx, h.source).is_some_and(|(c, _)| c == category) {
            say("category", category.as_str(), &h.phrase);
        }
        for t in care_of(lx, h.source) {
            say("care", t.code(), &h.phrase);
        }
        if effect_of(lx, h.source).is_some_and(|e| e.epidemic) {
            say("epidemic", "true", &h.phrase);
        }
    }
    for h in hits {
        if let (Some(by), Source::Rule(r)) = (&h.negated_by, h.source) {
            say("negated", &lx.rules[r].name, by);
        }
    }
    Outcome {
        category,
        urgency,
        epidemic,
        care,
        confidence,
        reasons,
    }
}
