//! Text clean-up shared by the address parser and the classifier: full-width forms, stray
//! control characters, Chinese numerals and the quantities people give ("只剩两天").

/// Folds what a phone keyboard or a pasted export produces into one form: full-width ASCII
/// to ASCII, ASCII to lower case, spaces dropped (people put them where a comma belongs,
/// and also inside phrases: "羊水 破了"), line breaks kept as clause breaks, control and
/// zero-width characters removed, and traditional characters folded to simplified ones
/// (a relative in Hong Kong or Taiwan types "羊水破了，馬上要生了"), by `fast2s`'s table.
pub(crate) fn normalize(s: &str) -> String {
    let s = fast2s::convert(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{FF01}'..='\u{FF5E}' => {
                let a = char::from_u32(c as u32 - 0xFEE0).unwrap_or(c);
                out.push(a.to_ascii_lowercase());
            }
            '\n' | '\r' => out.push('\n'),
            '\u{200B}'..='\u{200D}' | '\u{FEFF}' | '\u{FFFD}' => {}
            c if c.is_whitespace() || c.is_control() => {}
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

/// Characters that end a clause: negation and quantities never reach across them.
pub(crate) fn is_clause_break(c: char) -> bool {
    matches!(
        c,
        ',' | '.' | '!' | '?' | ';' | '\n' | '，' | '。' | '！' | '？' | '；' | '…' | '~' | '、'
    )
}

pub(crate) fn cn_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' | '幺' | '壹' => 1,
        '二' | '两' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

pub(crate) fn is_cn_numeral(c: char) -> bool {
    cn_digit(c).is_some() || matches!(c, '十' | '百' | '千')
}

/// Reads a run of Chinese numerals: "五零一" is spoken digit by digit (501), "十二" and
/// "一千一百零二" positionally (12, 1102).
pub(crate) fn cn_run_value(run: &str) -> Option<u64> {
    if run.is_empty() || !run.chars().all(is_cn_numeral) {
        return None;
    }
    if !run.contains(['十', '百', '千']) {
        let mut v: u64 = 0;
        for c in run.chars().take(12) {
            v = v * 10 + u64::from(cn_digit(c)?);
        }
        return Some(v);
    }
    let (mut total, mut cur) = (0u64, None::<u64>);
    for c in run.chars().take(12) {
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            d => {
                cur = Some(u64::from(cn_digit(d)?));
                continue;
            }
        };
        total += cur.unwrap_or(1) * unit;
        cur = None;
    }
    Some(total + cur.unwrap_or(0))
}

/// A number at the start of `s`: ASCII digits with an optional decimal part, a run of
/// Chinese numerals, or 半 (half). A spoken range ("两三天", "一两个") counts as its first
/// figure. Returns the value and the number of bytes read.
pub(crate) fn leading_number(s: &str) -> Option<(f64, usize)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        let mut end = digits;
        let rest = &s.as_bytes()[digits..];
        if rest.first() == Some(&b'.') && rest.get(1).is_some_and(u8::is_ascii_digit) {
            end += 1 + rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        }
        return s[..end.min(12)].parse().ok().map(|v| (v, end));
    }
    if let Some(rest) = s.strip_prefix('半') {
        return Some((0.5, s.len() - rest.len()));
    }
    let run: String = s
        .chars()
        .take_while(|c| is_cn_numeral(*c))
        .take(8)
        .collect();
    if run.is_empty() {
        return None;
    }
    let chars: Vec<char> = run.chars().collect();
    // "两三" / "一两": two adjacent small digits are a range, not 23 or 12.
    let value = if chars.len() == 2 && chars.iter().all(|c| cn_digit(*c).is_some_and(|d| d > 0)) {
        f64::from(cn_digit(chars[0])?)
    } else {
        cn_run_value(&run)? as f64
    };
    let mut len = run.len();
    // "一个半月": the half belongs to the number.
    if s[len..].starts_with("个半") {
        len += "个".len();
        return Some((value + 0.5, len + "半".len()));
    }
    Some((value, len))
}

/// How many days a quantity lasts: "两天" 2, "一个月" 30, "三顿" 1, "今天" 0.
/// Doses (片, 粒, 针) are taken twice a day, the common prescription, so that "只剩三片"
/// reads as running out tomorrow.
pub(crate) fn leading_days(s: &str) -> Option<f64> {
    for (word, days) in [
        ("今天", 0.0),
        ("今晚", 0.0),
        ("今日", 0.0),
        ("明天", 1.0),
        ("明早", 1.0),
        ("明晚", 1.0),
        ("后天", 2.0),
    ] {
        if s.starts_with(word) {
            return Some(days);
        }
    }
    let s = s.strip_prefix("最后").unwrap_or(s);
    let (n, used) = leading_number(s)?;
    let rest = s[used..].trim_start_matches('个');
    let per = [
        ("天", 1.0),
        ("日", 1.0),
        ("顿", 1.0 / 3.0),
        ("餐", 1.0 / 3.0),
        ("周", 7.0),
        ("星期", 7.0),
        ("礼拜", 7.0),
        ("月", 30.0),
        ("片", 0.5),
        ("粒", 0.5),
        ("颗", 0.5),
        ("针", 0.5),
        ("支", 0.5),
        ("次", 1.0),
        ("盒", 7.0),
        ("瓶", 7.0),
    ]
    .into_iter()
    .find(|(u, _)| rest.starts_with(u))
    .map(|(_, d)| d)?;
    Some(n * per)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_what_phones_type() {
        assert_eq!(normalize("３栋 ２单元\u{3000}５０１"), "3栋2单元501");
        assert_eq!(normalize("Ｂ座\0\u{200B}12"), "b座12");
        assert_eq!(normalize("羊水 破了\r\n快"), "羊水破了\n\n快");
    }

    #[test]
    fn reads_chinese_numerals() {
        assert_eq!(cn_run_value("五零一"), Some(501));
        assert_eq!(cn_run_value("十二"), Some(12));
        assert_eq!(cn_run_value("二十"), Some(20));
        assert_eq!(cn_run_value("一千一百零二"), Some(1102));
        assert_eq!(cn_run_value("一百零一"), Some(101));
        assert_eq!(cn_run_value("幺幺零幺"), Some(1101));
        assert_eq!(cn_run_value("栋"), None);
    }

    #[test]
    fn reads_quantities_as_days() {
        assert_eq!(leading_days("一天了"), Some(1.0));
        assert_eq!(leading_days("两三天"), Some(2.0));
        assert_eq!(leading_days("一个月"), Some(30.0));
        assert_eq!(leading_days("半个月"), Some(15.0));
        assert_eq!(leading_days("3天"), Some(3.0));
        assert_eq!(leading_days("明天的"), Some(1.0));
        assert_eq!(leading_days("一周"), Some(7.0));
        assert_eq!(leading_days("两顿"), Some(2.0 / 3.0));
        assert_eq!(leading_days("三片"), Some(1.5));
        assert_eq!(leading_days("最后一支"), Some(0.5));
        assert_eq!(leading_days("很多"), None);
        assert_eq!(leading_number("39.5度"), Some((39.5, 4)));
        assert_eq!(leading_number("三十九度"), Some((39.0, 9)));
    }
}
