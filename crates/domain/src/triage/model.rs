//! The learned half of triage: multinomial naive Bayes over character n-grams (each gram
//! counted once per text; grams never seen in training ignored), trained
//! once per process from the labelled requests shipped in the repository (the corpus's
//! training part and the first set; never its held-out part). Character n-grams need no
//! word segmentation, so dialect, typos ("心藏") and unseen phrasings still share most of
//! their grams with what was learned — which is where the hand-written rules fail.
//!
//! Written by hand: the model is forty lines of counting, and the crates that offer naive
//! Bayes either tokenise by whitespace (useless for Chinese) or bring a dataframe stack.

use rustc_hash::FxHashMap as HashMap;

/// Orders of the character n-grams used as features.
const ORDERS: [usize; 3] = [1, 2, 3];
/// Additive smoothing of the per-class gram counts.
const ALPHA: f64 = 0.1;

/// One trained classifier: a label for a text, with a probability per label.
#[derive(Debug, Clone)]
pub struct NaiveBayes {
    labels: Vec<String>,
    log_prior: Vec<f32>,
    /// Row of each gram seen in training in `log_lik`.
    index: HashMap<u64, u32>,
    /// log P(gram | label), one row of `labels.len()` floats per gram, rows side by side so
    /// that judging a text walks one table instead of a vector per gram.
    log_lik: Vec<f32>,
}

/// A text as the model reads it, made once and judged by every model: its symbols and
/// its distinct grams as (hash, start, length), sorted by hash.
#[derive(Debug, Clone)]
pub struct Features {
    symbols: Vec<char>,
    grams: Vec<(u64, u32, u32)>,
}

impl Features {
    pub fn of(text: &str) -> Features {
        let symbols = symbols(text);
        let mut grams: Vec<(u64, u32, u32)> = Vec::with_capacity(symbols.len() * ORDERS.len());
        for &n in &ORDERS {
            for i in 0..symbols.len().saturating_sub(n - 1) {
                grams.push((gram_hash(&symbols[i..i + n]), i as u32, n as u32));
            }
        }
        grams.sort_unstable_by_key(|g| g.0);
        grams.dedup_by_key(|g| g.0);
        Features { symbols, grams }
    }
}

/// What the model thinks of a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Opinion {
    /// Labels with their probabilities, most likely first.
    pub ranked: Vec<(String, f32)>,
    /// The grams that pushed hardest towards the top label.
    pub evidence: Vec<String>,
}

impl Opinion {
    pub fn top(&self) -> (&str, f32) {
        self.ranked
            .first()
            .map(|(l, p)| (l.as_str(), *p))
            .unwrap_or(("", 0.0))
    }
    pub fn runner_up(&self) -> Option<(&str, f32)> {
        self.ranked.get(1).map(|(l, p)| (l.as_str(), *p))
    }
    pub fn probability(&self, label: &str) -> f32 {
        self.ranked
            .iter()
            .find(|(l, _)| l == label)
            .map_or(0.0, |(_, p)| *p)
    }
}

/// The characters a gram is made of: CJK and letters (lower-cased), digits folded to one
/// symbol (a room number says nothing about urgency); spaces and punctuation dropped;
/// traditional characters folded to simplified, as the rules read them.
fn symbols(text: &str) -> Vec<char> {
    let mut last_digit = false;
    fast2s::convert(text)
        .chars()
        .filter_map(|c| {
            let c = match c {
                '０'..='９' => '0',
                'Ａ'..='Ｚ' => char::from_u32(c as u32 - 'Ａ' as u32 + 'a' as u32)?,
                'ａ'..='ｚ' => char::from_u32(c as u32 - 'ａ' as u32 + 'a' as u32)?,
                _ => c,
            };
            let digit = c.is_ascii_digit();
            let run = digit && last_digit;
            last_digit = digit;
            if digit {
                (!run).then_some('0')
            } else if c.is_alphabetic() {
                Some(c.to_lowercase().next().unwrap_or(c))
            } else {
                None
            }
        })
        .collect()
}

/// FNV-1a over the gram's characters, so features need no allocation.
fn gram_hash(chars: &[char]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ chars.len() as u64;
    for c in chars {
        for b in (*c as u32).to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

impl NaiveBayes {
    /// Trains on (text, label) pairs; labels are taken in order of first appearance
    /// unless `labels` fixes them.
    pub fn train<'a>(
        labels: &[&str],
        examples: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> NaiveBayes {
        let labels: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
        let k = labels.len();
        let mut docs = vec![0f64; k];
        let mut totals = vec![0f64; k];
        let mut counts: HashMap<u64, Vec<f64>> = HashMap::default();
        for (text, label) in examples {
            let Some(j) = labels.iter().position(|l| l == label) else {
                continue;
            };
            docs[j] += 1.0;
            for &(h, _, _) in &Features::of(text).grams {
                counts.entry(h).or_insert_with(|| vec![0.0; k])[j] += 1.0;
                totals[j] += 1.0;
            }
        }
        let vocab = counts.len() as f64;
        let n_docs: f64 = docs.iter().sum::<f64>().max(1.0);
        let log_prior = docs
            .iter()
            .map(|d| (((d + 1.0) / (n_docs + k as f64)).ln()) as f32)
            .collect();
        let denom: Vec<f64> = totals.iter().map(|t| t + ALPHA * (vocab + 1.0)).collect();
        let mut index = HashMap::with_capacity_and_hasher(counts.len(), Default::default());
        let mut log_lik = Vec::with_capacity(counts.len() * k);
        for (h, c) in counts {
            index.insert(h, (log_lik.len() / k.max(1)) as u32);
            log_lik.extend(
                c.iter()
                    .zip(&denom)
                    .map(|(n, d)| (((n + ALPHA) / d).ln()) as f32),
            );
        }
        NaiveBayes {
            labels,
            log_prior,
            index,
            log_lik,
        }
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The labels ranked by probability, and the grams that favoured the top one most.
    pub fn judge(&self, text: &str) -> Opinion {
        self.judge_features(&Features::of(text))
    }

    /// As `judge`, for a text already read (`Features::of`), so that several models
    /// share one reading.
    pub fn judge_features(&self, f: &Features) -> Opinion {
        let s = &f.symbols;
        let k = self.labels.len();
        let mut score: Vec<f64> = self.log_prior.iter().map(|p| f64::from(*p)).collect();
        // (gram start, length, its row): grams of two characters or more, for the evidence.
        let mut seen: Vec<(usize, usize, &[f32])> = Vec::with_capacity(f.grams.len());
        for &(h, i, n) in &f.grams {
            // A gram never seen in training says nothing about the label.
            if let Some(&row) = self.index.get(&h) {
                let at = row as usize * k;
                let v = &self.log_lik[at..at + k];
                for (s, x) in score.iter_mut().zip(v) {
                    *s += f64::from(*x);
                }
                if n >= 2 {
                    seen.push((i as usize, n as usize, v));
                }
            }
        }
        let max = score.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let exp: Vec<f64> = score.iter().map(|x| (x - max).exp()).collect();
        let sum: f64 = exp.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        let mut ranked: Vec<(String, f32)> = self
            .labels
            .iter()
            .cloned()
            .zip(exp.iter().map(|e| (e / sum) as f32))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let top = self
            .labels
            .iter()
            .position(|l| *l == ranked[0].0)
            .unwrap_or(0);
        let mut lift: Vec<(f32, usize, usize)> = seen
            .into_iter()
            .map(|(i, n, v)| {
                let others = (v.iter().sum::<f32>() - v[top]) / (k.max(2) - 1) as f32;
                (v[top] - others, i, n)
            })
            .filter(|(l, _, _)| *l > 0.0)
            .collect();
        lift.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut evidence: Vec<String> = Vec::new();
        for (_, i, n) in lift {
            let g: String = s[i..i + n].iter().collect();
            // A gram inside one already listed adds nothing for the agent.
            if evidence
                .iter()
                .any(|e| e.contains(&g) || g.contains(e.as_str()))
            {
                continue;
            }
            evidence.push(g);
            if evidence.len() == 4 {
                break;
            }
        }
        Opinion { ranked, evidence }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_learns_which_grams_go_with_which_label_and_says_which_it_used() {
        let m = NaiveBayes::train(
            &["hot", "cold"],
            [
                ("烫伤了好疼", "hot"),
                ("开水烫到手", "hot"),
                ("被火烫伤", "hot"),
                ("冻得发抖", "cold"),
                ("好冷冻僵了", "cold"),
                ("冷得说不出话", "cold"),
            ],
        );
        let o = m.judge("孩子被开水烫了");
        assert_eq!(o.top().0, "hot");
        assert!(o.top().1 > 0.5);
        assert!(
            o.evidence.iter().any(|e| e.contains('烫')),
            "{:?}",
            o.evidence
        );
        assert_eq!(m.judge("屋里太冷了").top().0, "cold");
        // Probabilities sum to one; unseen text falls back to the priors.
        let total: f32 = m.judge("完全无关").ranked.iter().map(|r| r.1).sum();
        assert!((total - 1.0).abs() < 1e-4);
        assert!(m.judge("").runner_up().is_some());
    }

    #[test]
    fn digits_and_width_do_not_matter() {
        assert_eq!(symbols("３栋2单元501 ＡB!"), symbols("9栋9单元999 ab"));
    }
}
