//! People's identifying data: phone numbers and ID numbers are parsed once and masked
//! by default; only roles that need the full value may reveal it (and each reveal is logged
//! by the service).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("phone number '{0}' is not an 11-digit mobile number or a landline with area code")]
pub struct BadPhone(pub String);

impl BadPhone {
    pub fn localized(&self, lang: crate::vocab::Lang) -> String {
        match lang {
            crate::vocab::Lang::Zh => {
                format!("电话号码“{}”无效：应为11位手机号或带区号的固定电话", self.0)
            }
            crate::vocab::Lang::En => self.to_string(),
        }
    }
}

/// Converts full-width digits (０-９) to ASCII so numbers typed on a phone keyboard parse.
pub fn normalize_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

impl Phone {
    /// Accepts `13812345678`, `+86 138 1234 5678`, `138-1234-5678`, `028-85551234`.
    pub fn parse(s: &str) -> Result<Phone, BadPhone> {
        let norm = normalize_digits(s.trim());
        let mut digits: String = norm
            .chars()
            .filter(|c| {
                !matches!(
                    c,
                    ' ' | '\u{3000}' | '\t' | '-' | '－' | '—' | '(' | ')' | '（' | '）'
                )
            })
            .collect();
        if let Some(rest) = digits.strip_prefix("+86") {
            digits = rest.to_string();
        } else if digits.len() == 15 && digits.starts_with("0086") {
            digits = digits[4..].to_string();
        } else if digits.len() == 13 && digits.starts_with("86") {
            digits = digits[2..].to_string();
        }
        let bad = || BadPhone(s.trim().chars().take(30).collect());
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let mobile = digits.len() == 11 && digits.starts_with('1');
        let landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
        if mobile || landline {
            Ok(Phone(digits))
        } else {
            Err(bad())
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// `13812345678` → `138****5678`; a landline keeps its area code and last 4 digits.
    pub fn masked(&self) -> String {
        mask_middle(&self.0, 3, 4)
    }
}

/// Masks all but the first `keep_head` and last `keep_tail` characters.
pub fn mask_middle(s: &str, keep_head: usize, keep_tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= keep_head + keep_tail {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..keep_head].iter().collect();
    let tail: String = chars[chars.len() - keep_tail..].iter().collect();
    format!(
        "{head}{}{tail}",
        "*".repeat(chars.len() - keep_head - keep_tail)
    )
}

/// 身份证号 masked as `510104********1234`.
pub fn mask_id_number(s: &str) -> String {
    mask_middle(s, 6, 4)
}

/// A person's name as written: 1–32 characters, no control characters.
pub fn parse_person_name(s: &str) -> Option<String> {
    let t = s.trim();
    let n = t.chars().count();
    if n == 0 || n > 32 || t.chars().any(char::is_control) {
        None
    } else {
        Some(t.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_parse_and_mask() {
        for ok in [
            "13812345678",
            "+86 138 1234 5678",
            "138-1234-5678",
            "８６13812345678",
            "１３８１２３４５６７８",
            "0086 138 1234 5678",
            "138　1234　5678",
        ] {
            assert_eq!(Phone::parse(ok).unwrap().as_str(), "13812345678", "{ok}");
        }
        assert_eq!(
            Phone::parse("028-85551234").unwrap().as_str(),
            "02885551234"
        );
        for bad in ["", "12345", "1381234567x", "23812345678", "abc"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Phone::parse("13812345678").unwrap().masked(), "138****5678");
        assert_eq!(mask_id_number("510104199001011234"), "510104********1234");
        assert_eq!(mask_middle("12", 3, 4), "**");
    }
}
