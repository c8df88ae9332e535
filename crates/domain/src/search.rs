//! Words for full-text search: Chinese has no spaces, so text is segmented with jieba
//! (search mode, which also yields the shorter words inside long ones) before it is indexed
//! or queried, and both sides see the same words.

use jieba_rs::Jieba;
use std::sync::OnceLock;

fn jieba() -> &'static Jieba {
    static J: OnceLock<Jieba> = OnceLock::new();
    J.get_or_init(Jieba::new)
}

/// The distinct search words of `text`, lower-cased, without punctuation or spaces.
/// Long input is cut at 20,000 characters: beyond that nobody searches.
pub fn terms(text: &str) -> Vec<String> {
    let text: String = text.chars().take(20_000).collect();
    let mut out: Vec<String> = Vec::new();
    for w in jieba().cut_for_search(&text, true) {
        let w = w.trim().to_lowercase();
        if w.is_empty() || !w.chars().any(|c| c.is_alphanumeric()) {
            continue;
        }
        // Words with quotes would break the query syntax of the full-text engines.
        let w: String = w.chars().filter(|c| *c != '"' && *c != '\'').collect();
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// The indexed form: words separated by single spaces.
pub fn index_text(text: &str) -> String {
    terms(text).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_chinese_and_drops_punctuation() {
        let t = terms("老人胸口疼，需要救护车！Help");
        assert!(t.contains(&"胸口".to_string()), "{t:?}");
        assert!(t.contains(&"救护车".to_string()), "{t:?}");
        assert!(t.contains(&"help".to_string()));
        assert!(!t.iter().any(|w| w == "，" || w == "！"));
        assert!(terms("   ").is_empty());
        assert!(!index_text("他说\"药\"没了").contains('"'));
    }
}
