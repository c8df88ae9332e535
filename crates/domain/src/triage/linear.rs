//! The second learned classifier: multinomial logistic regression over the same character
//! n-grams as the naive Bayes model ([`super::model`]), trained by stochastic gradient
//! descent once per process from the shipped training data. Naive Bayes counts each gram
//! as independent evidence, so a long message full of everyday words drowns one alarming
//! phrase, and overlapping grams are counted three times over; a linear model learns
//! weights jointly and is the better judge of category and of the levels below critical.
//! Naive Bayes stays the second opinion on critical (see [`super::blend`]), where its
//! eagerness is the safe side.
//!
//! Written by hand for the same reason as the naive Bayes model: the linear-model crates
//! (linfa, smartcore) want dense matrices and a tokenised vocabulary, and bring an ndarray
//! stack for what is sixty lines of arithmetic over sparse binary features.

use super::model::{grams, symbols, Opinion};
use std::collections::HashMap;

/// Passes over the training data.
const EPOCHS: usize = 12;
/// Learning rate at the first step; it decays as 1 / (1 + t / DECAY).
const RATE: f32 = 0.5;
const DECAY: f32 = 20_000.0;
/// L2 shrinkage per step, applied to the weights a step touches.
const L2: f32 = 1e-5;

/// A trained softmax classifier over binary gram features.
#[derive(Debug, Clone)]
pub struct Logistic {
    labels: Vec<String>,
    /// Feature index of each gram seen in training.
    index: HashMap<u64, u32>,
    /// `weights[f * k + j]`: the weight of feature `f` for label `j`.
    weights: Vec<f32>,
    bias: Vec<f32>,
    /// The gram text of each feature, for the reasons shown to the agent.
    names: Vec<String>,
}

/// The distinct features of a text, each with weight 1/sqrt(n) so long and short texts
/// speak equally loudly.
fn features(index: &HashMap<u64, u32>, s: &[char]) -> (Vec<(u32, usize, usize)>, f32) {
    let mut f: Vec<(u32, usize, usize)> = grams(s)
        .filter_map(|(h, i, n)| index.get(&h).map(|&x| (x, i, n)))
        .collect();
    f.sort_unstable_by_key(|x| x.0);
    f.dedup_by_key(|x| x.0);
    let scale = 1.0 / (f.len().max(1) as f32).sqrt();
    (f, scale)
}

fn softmax(z: &mut [f32]) {
    let max = z.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for x in z.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    for x in z.iter_mut() {
        *x /= sum.max(f32::MIN_POSITIVE);
    }
}

impl Logistic {
    /// Trains on (text, label) pairs; pairs whose label is not in `labels` are skipped.
    /// Deterministic: the same data gives the same model.
    pub fn train<'a>(
        labels: &[&str],
        examples: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Logistic {
        let labels: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
        let k = labels.len();
        let mut index: HashMap<u64, u32> = HashMap::new();
        let mut names: Vec<String> = Vec::new();
        let mut docs: Vec<(Vec<char>, usize)> = Vec::new();
        for (text, label) in examples {
            let Some(j) = labels.iter().position(|l| l == label) else {
                continue;
            };
            let s = symbols(text);
            for (h, i, n) in grams(&s) {
                index.entry(h).or_insert_with(|| {
                    names.push(s[i..i + n].iter().collect());
                    (names.len() - 1) as u32
                });
            }
            docs.push((s, j));
        }
        let mut m = Logistic {
            labels,
            weights: vec![0.0; index.len() * k],
            bias: vec![0.0; k],
            index,
            names,
        };
        let encoded: Vec<(Vec<u32>, f32, usize)> = docs
            .iter()
            .map(|(s, j)| {
                let (f, scale) = features(&m.index, s);
                (f.into_iter().map(|x| x.0).collect(), scale, *j)
            })
            .collect();
        let mut order: Vec<usize> = (0..encoded.len()).collect();
        // A fixed-seed shuffle (xorshift), so training is reproducible.
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut t = 0f32;
        let mut z = vec![0f32; k];
        for _ in 0..EPOCHS {
            for i in (1..order.len()).rev() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                order.swap(i, (seed % (i as u64 + 1)) as usize);
            }
            for &d in &order {
                let (f, scale, y) = &encoded[d];
                m.scores(f, *scale, &mut z);
                softmax(&mut z);
                let rate = RATE / (1.0 + t / DECAY);
                t += 1.0;
                for (j, p) in z.iter().enumerate() {
                    let g = p - if j == *y { 1.0 } else { 0.0 };
                    m.bias[j] -= rate * g * 0.1;
                    for &x in f {
                        let w = &mut m.weights[x as usize * k + j];
                        *w -= rate * (g * scale + L2 * *w);
                    }
                }
            }
        }
        m
    }

    fn scores(&self, f: &[u32], scale: f32, z: &mut [f32]) {
        let k = self.labels.len();
        z.copy_from_slice(&self.bias);
        for &x in f {
            let row = &self.weights[x as usize * k..x as usize * k + k];
            for (s, w) in z.iter_mut().zip(row) {
                *s += w * scale;
            }
        }
    }

    /// The labels ranked by probability, and the grams that pushed hardest to the top one.
    pub fn judge(&self, text: &str) -> Opinion {
        let s = symbols(text);
        let k = self.labels.len();
        let (f, scale) = features(&self.index, &s);
        let mut z = vec![0f32; k];
        let ids: Vec<u32> = f.iter().map(|x| x.0).collect();
        self.scores(&ids, scale, &mut z);
        softmax(&mut z);
        let mut ranked: Vec<(String, f32)> =
            self.labels.iter().cloned().zip(z.iter().cloned()).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let top = self
            .labels
            .iter()
            .position(|l| *l == ranked[0].0)
            .unwrap_or(0);
        let mut lift: Vec<(f32, u32)> = ids
            .iter()
            .filter(|&&x| self.names[x as usize].chars().count() >= 2)
            .map(|&x| {
                let row = &self.weights[x as usize * k..x as usize * k + k];
                let others = (row.iter().sum::<f32>() - row[top]) / (k.max(2) - 1) as f32;
                (row[top] - others, x)
            })
            .filter(|(l, _)| *l > 0.0)
            .collect();
        lift.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut evidence: Vec<String> = Vec::new();
        for (_, x) in lift {
            let g = &self.names[x as usize];
            if evidence
                .iter()
                .any(|e| e.contains(g.as_str()) || g.contains(e.as_str()))
            {
                continue;
            }
            evidence.push(g.clone());
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
    fn it_learns_weights_and_names_the_grams_it_used() {
        let data = [
            ("烫伤了好疼", "hot"),
            ("开水烫到手", "hot"),
            ("被火烫伤", "hot"),
            ("冻得发抖", "cold"),
            ("好冷冻僵了", "cold"),
            ("冷得说不出话", "cold"),
        ];
        let m = Logistic::train(&["hot", "cold"], data);
        let o = m.judge("孩子被开水烫了");
        assert_eq!(o.top().0, "hot");
        assert!(o.top().1 > 0.5, "{o:?}");
        assert!(o.evidence.iter().any(|e| e.contains('烫')), "{o:?}");
        assert_eq!(m.judge("屋里太冷了").top().0, "cold");
        let total: f32 = m.judge("完全无关").ranked.iter().map(|r| r.1).sum();
        assert!((total - 1.0).abs() < 1e-4);
        assert!(m.judge("").runner_up().is_some());
        // Reproducible: the same data, the same model.
        let again = Logistic::train(&["hot", "cold"], data);
        assert_eq!(again.judge("孩子被开水烫了"), o);
    }
}
