//! Repeats and clusters (集中诉求): many residents of one building asking for the same
//! thing within an hour is one problem to solve once, and a signal for the leader.

use super::text::normalize;
use crate::vocab::Category;
use jieba_rs::Jieba;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The segmenter loads its dictionary once per process (about 0.2 s); it holds no state
/// that changes, so sharing it keeps `similarity` a pure function.
pub(super) fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// Words that every request shares and that say nothing about what is asked.
const STOP_WORDS: &[&str] = &[
    "的",
    "了",
    "吗",
    "呢",
    "吧",
    "啊",
    "呀",
    "哦",
    "嗯",
    "是",
    "在",
    "我",
    "我们",
    "你",
    "你们",
    "他",
    "她",
    "也",
    "都",
    "就",
    "还",
    "又",
    "有",
    "没",
    "和",
    "跟",
    "请问",
    "你好",
    "您好",
    "麻烦",
    "帮忙",
    "一下",
    "谢谢",
    "家",
    "家里",
    "这边",
    "这个",
    "那个",
    "怎么",
    "什么",
    "能",
    "能不能",
    "可以",
    "要",
    "想",
    "给",
    "让",
    "被",
    "把",
    "很",
    "太",
    "已经",
    "现在",
    "今天",
    "一个",
    "个",
    "栋",
    "单元",
    "号",
    "楼",
    "室",
    "小区",
    "同上",
    "加",
    "一",
];

/// The content words of a text: jieba's segmentation, minus stop words, punctuation and
/// numbers (a room number makes two identical requests look different).
fn tokens(text: &str) -> BTreeSet<String> {
    let norm = normalize(text);
    let head: String = norm.chars().take(2000).collect();
    jieba()
        .cut(&head, false)
        .into_iter()
        .filter(|w| {
            w.chars().any(char::is_alphabetic)
                && !w.chars().all(|c| c.is_ascii_alphanumeric())
                && !STOP_WORDS.contains(w)
        })
        .map(str::to_string)
        .collect()
}

/// Character pairs, which still agree when jieba cuts a typo differently ("没米" / "没有米").
fn bigrams(text: &str) -> BTreeSet<(char, char)> {
    let cs: Vec<char> = normalize(text)
        .chars()
        .filter(|c| c.is_alphabetic() && !c.is_ascii())
        .take(2000)
        .collect();
    cs.windows(2).map(|w| (w[0], w[1])).collect()
}

/// What similarity compares: content words and character pairs.
type Features = (BTreeSet<String>, BTreeSet<(char, char)>);

fn features(text: &str) -> Features {
    (tokens(text), bigrams(text))
}

fn jaccard<T: Ord>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> f32 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f32 / union as f32
}

/// How alike two requests are, 0 to 1: mostly shared words, partly shared character pairs.
pub fn similarity(a: &str, b: &str) -> f32 {
    compare(&features(a), &features(b))
}

fn compare(a: &Features, b: &Features) -> f32 {
    (0.7 * jaccard(&a.0, &b.0) + 0.3 * jaccard(&a.1, &b.1)).clamp(0.0, 1.0)
}

/// When a group of requests counts as a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClusterRule {
    pub min_count: usize,
    pub window_ms: i64,
    pub min_similarity: f32,
}

/// A request as the cluster finder sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterItem {
    pub id: i64,
    /// Where it comes from: a building or compound path; only equal keys can cluster.
    pub area_key: String,
    pub category: Category,
    pub at_ms: i64,
    pub text: String,
}

/// Groups of at least `min_count` requests with the same area and category, each within
/// `window_ms` of the group's first request and similar to it. Each request joins at most
/// one group; groups come out in time order, their ids in time order.
pub fn find_clusters(items: &[ClusterItem], rule: &ClusterRule) -> Vec<Vec<i64>> {
    let mut order: Vec<&ClusterItem> = items.iter().collect();
    order.sort_by(|a, b| {
        (&a.area_key, &a.category, a.at_ms, a.id).cmp(&(&b.area_key, &b.category, b.at_ms, b.id))
    });
    let toks: Vec<Features> = order.iter().map(|i| features(&i.text)).collect();
    let sim = |x: usize, y: usize| compare(&toks[x], &toks[y]);
    let mut used = vec![false; order.len()];
    let mut groups: Vec<(i64, Vec<i64>)> = Vec::new();
    for seed in 0..order.len() {
        if used[seed] {
            continue;
        }
        let s = order[seed];
        let mut members = vec![seed];
        for (j, it) in order.iter().enumerate().skip(seed + 1) {
            if it.area_key != s.area_key || it.category != s.category {
                break;
            }
            if it.at_ms - s.at_ms > rule.window_ms {
                break;
            }
            if !used[j] && sim(seed, j) >= rule.min_similarity {
                members.push(j);
            }
        }
        if members.len() >= rule.min_count.max(2) {
            for m in &members {
                used[*m] = true;
            }
            groups.push((s.at_ms, members.iter().map(|m| order[*m].id).collect()));
        }
    }
    groups.sort_by_key(|(at, ids)| (*at, ids.first().copied()));
    groups.into_iter().map(|(_, ids)| ids).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, area: &str, cat: &str, min: i64, text: &str) -> ClusterItem {
        ClusterItem {
            id,
            area_key: area.into(),
            category: Category::parse(cat).unwrap(),
            at_ms: min * 60_000,
            text: text.into(),
        }
    }

    #[test]
    fn similar_texts_score_higher() {
        let same = similarity("3栋垃圾两天没人收了", "我们5栋的垃圾两天没人收");
        let other = similarity("3栋垃圾两天没人收了", "孩子发烧三十九度");
        assert!(same > 0.4, "{same}");
        assert!(other < 0.1, "{other}");
        assert!((similarity("核酸结果还没出来", "核酸结果还没出来") - 1.0).abs() < 1e-6);
        assert_eq!(similarity("", ""), 0.0);
        assert_eq!(similarity("\0\u{FFFD}", "!!!"), 0.0);
    }

    #[test]
    fn clusters_need_area_category_window_and_count() {
        let rule = ClusterRule {
            min_count: 3,
            window_ms: 60 * 60_000,
            min_similarity: 0.3,
        };
        let b3 = "/1/2/3/";
        let items = vec![
            item(1, b3, "sanitation", 0, "楼道垃圾两天没人收了"),
            item(2, b3, "sanitation", 10, "垃圾没人收，楼道里臭了"),
            item(3, b3, "supplies", 12, "家里没菜了"),
            item(4, b3, "sanitation", 20, "我们楼的垃圾好几天没人收"),
            item(5, "/1/2/4/", "sanitation", 21, "楼道垃圾两天没人收了"),
            item(6, b3, "sanitation", 95, "楼道垃圾两天没人收了"),
            item(7, b3, "sanitation", 30, "楼上漏水了"),
        ];
        assert_eq!(find_clusters(&items, &rule), vec![vec![1, 2, 4]]);
        let strict = ClusterRule {
            min_count: 4,
            ..rule
        };
        assert!(find_clusters(&items, &strict).is_empty());
        assert!(find_clusters(&[], &rule).is_empty());
    }
}
