//! Splits a pasted WeChat group export into messages, so a desk agent can paste forty
//! messages at once and get forty triaged drafts.

use serde::Serialize;

/// One message of a pasted chat export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    pub sender: Option<String>,
    /// As written in the export: "2022-04-05 08:31:12", "08:31".
    pub sent_at: Option<String>,
    pub text: String,
}

/// Words that start a line like "地址：…" inside a message; they are not senders.
const FIELD_WORDS: &[&str] = &[
    "地址",
    "电话",
    "手机",
    "姓名",
    "诉求",
    "时间",
    "备注",
    "联系方式",
    "联系电话",
    "需求",
    "情况",
    "住址",
    "门牌",
    "问题",
    "原因",
    "补充",
    "注意",
    "通知",
    "温馨提示",
    "提醒",
];

/// Reads "08:31" or "8:31:12" at the start of `s`; returns its length in bytes.
fn time_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let h = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&h) || b.get(h) != Some(&b':') {
        return None;
    }
    let m = b[h + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if m != 2 {
        return None;
    }
    let mut len = h + 3;
    if b.get(len) == Some(&b':')
        && b[len + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
            == 2
    {
        len += 3;
    }
    Some(len)
}

/// Reads "2022-04-05", "2022/4/5" or "2022年4月5日" at the start of `s`.
fn date_len(s: &str) -> Option<usize> {
    let mut i = 0;
    for (n, seps) in [
        (4, &["-", "/", ".", "年"][..]),
        (2, &["-", "/", ".", "月"][..]),
    ] {
        let d = s[i..].bytes().take_while(u8::is_ascii_digit).count();
        if d == 0 || d > n || (n == 4 && d != 4) {
            return None;
        }
        i += d;
        let sep = seps.iter().find(|p| s[i..].starts_with(**p))?;
        i += sep.len();
    }
    let d = s[i..].bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=2).contains(&d) {
        return None;
    }
    i += d;
    if s[i..].starts_with('日') {
        i += '日'.len_utf8();
    }
    Some(i)
}

/// Reads an optional date then a time at the start of `s`; returns the text and length.
fn datetime_at(s: &str) -> Option<(String, usize)> {
    if let Some(t) = time_len(s) {
        return Some((s[..t].to_string(), t));
    }
    let d = date_len(s)?;
    let gap = s[d..].len() - s[d..].trim_start().len();
    let t = time_len(&s[d + gap..])?;
    let end = d + gap + t;
    Some((s[..end].to_string(), end))
}

/// "张三 2022-04-05 08:31:12" or "2022-04-05 08:31:12 张三": a header with the body below.
fn header(line: &str) -> Option<(String, String)> {
    if let Some((at, len)) =
        datetime_at(line).filter(|(_, l)| line[*l..].starts_with(char::is_whitespace))
    {
        let name = line[len..].trim();
        if !name.is_empty() && name.chars().count() <= 32 && !name.contains([':', '：']) {
            return Some((name.to_string(), at));
        }
    }
    for (i, c) in line.char_indices().filter(|(_, c)| c.is_whitespace()) {
        let rest = line[i + c.len_utf8()..].trim_start();
        if let Some((at, len)) = datetime_at(rest) {
            let name = line[..i].trim();
            let plausible = !name.is_empty() && name.chars().count() <= 32;
            if rest[len..].trim().is_empty() && plausible && !name.contains([':', '：']) {
                return Some((name.to_string(), at));
            }
        }
    }
    None
}

fn split_sender(s: &str) -> Option<(String, String)> {
    let i = s.find([':', '：'])?;
    let name = s[..i].trim();
    let colon = s[i..].chars().next().map_or(1, char::len_utf8);
    let body = s[i + colon..].trim();
    // A name may end in its address ("张阿姨-3-2-501：…"), but "8:30做核酸吗" and
    // "下午3:00下楼" are times, not senders.
    let time_like = name.ends_with(|c: char| c.is_ascii_digit())
        && (body.starts_with(|c: char| c.is_ascii_digit())
            || !name.chars().any(|c| !c.is_ascii() && !c.is_whitespace())
            || name.chars().count() <= 3);
    let plausible = !name.is_empty()
        && name.chars().count() <= 16
        && !time_like
        && !name.contains(['，', '。', '！', '？', ',', '!', '?', '['])
        && !FIELD_WORDS.contains(&name);
    (plausible && !body.is_empty()).then(|| (name.to_string(), body.to_string()))
}

/// "[08:31] 张三: 消息" or "【2022-04-05 08:31】张三：消息".
fn bracketed(line: &str) -> Option<ChatMessage> {
    let rest = line.strip_prefix('[').or_else(|| line.strip_prefix('【'))?;
    let close = rest.find([']', '】'])?;
    let (at, len) = datetime_at(rest[..close].trim())?;
    if len != rest[..close].trim().len() {
        return None;
    }
    let after = rest[close..].chars().next().map_or(1, char::len_utf8);
    let body = rest[close + after..].trim();
    Some(match split_sender(body) {
        Some((name, text)) => ChatMessage {
            sender: Some(name),
            sent_at: Some(at),
            text,
        },
        None => ChatMessage {
            sender: None,
            sent_at: Some(at),
            text: body.to_string(),
        },
    })
}

pub fn split_chat_export(text: &str) -> Vec<ChatMessage> {
    let mut out: Vec<ChatMessage> = Vec::new();
    // True while the last message came from a header line, whose body may run on.
    let mut open_body = false;
    for raw in text.lines() {
        let line = raw.trim().trim_start_matches('\u{FEFF}');
        if line.is_empty() {
            continue;
        }
        if let Some((sender, at)) = header(line) {
            out.push(ChatMessage {
                sender: Some(sender),
                sent_at: Some(at),
                text: String::new(),
            });
            open_body = true;
            continue;
        }
        if let Some(m) = bracketed(line) {
            out.push(m);
            open_body = false;
            continue;
        }
        let (sender, body) = match split_sender(line) {
            Some((s, b)) => (Some(s), b),
            None => (None, line.to_string()),
        };
        if open_body && sender.is_none() {
            if let Some(last) = out.last_mut() {
                if !last.text.is_empty() {
                    last.text.push('\n');
                }
                last.text.push_str(line);
                continue;
            }
        }
        open_body = false;
        out.push(ChatMessage {
            sender,
            sent_at: None,
            text: body,
        });
    }
    out.retain(|m| !m.text.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
锦绣花园3栋群 2022-04-05 08:31:12
各位邻居早上好，今天九点下楼做核酸

张三 2022-04-05 08:31:40
3栋2单元501，家里老人降压药只剩一天了
能不能帮忙买一下

李四 2022-04-05 08:32:05
羊水破了！！3栋1单元302，救护车进不来

王阿姨 2022-04-05 08:33
请问今天有菜吗
[08:35] 赵六: 宝宝奶粉没了，一岁半
[08:36] 钱七：楼道垃圾两天没人收了
[2022-04-05 08:37] 孙八: 什么时候解封？
【08:38】周九：猫粮快没了
[08:40] 群公告已更新
吴十：请问核酸结果什么时候出
郑一：我家在3-2-601，我爸胸口疼得厉害
冯二: 快递放在门口好几天了没人送
陈三：谢谢志愿者
褚四：药还够一个月，不急
卫五：我是独居老人，不会用手机团购
蒋六：孩子发烧39度
沈七：心情很差，想找人聊聊
韩八：阳性了什么时候转运
杨九：3栋2单元有人在楼道抽烟
2022-04-05 09:01:00 朱十
下水道堵了，一楼都是水
地址：锦绣花园5栋1单元101
秦一 2022/4/5 09:02
我需要透析，明天上午的号
尤二 09:03
家里没米了
许三：+1 我家也没米了
何四：同上
吕五：我妈八十多岁一个人在家，联系不上
施六：能不能送点蔬菜包
张七：门口的狗一直叫
孔八：核酸码打不开
[08:41] 金十一：3栋有人阳性吗
谢谢大家
没有发送人的一行纯文本
";

    #[test]
    fn splits_a_thirty_message_export() {
        let msgs = split_chat_export(SAMPLE);
        assert_eq!(msgs.len(), 31, "{msgs:#?}");
        assert_eq!(msgs[0].sender.as_deref(), Some("锦绣花园3栋群"));
        assert_eq!(msgs[0].sent_at.as_deref(), Some("2022-04-05 08:31:12"));
        assert_eq!(
            msgs[1].text,
            "3栋2单元501，家里老人降压药只剩一天了\n能不能帮忙买一下"
        );
        assert_eq!(msgs[3].sent_at.as_deref(), Some("2022-04-05 08:33"));
        let zhao = &msgs[4];
        assert_eq!(
            (zhao.sender.as_deref(), zhao.sent_at.as_deref()),
            (Some("赵六"), Some("08:35"))
        );
        assert_eq!(msgs[6].sent_at.as_deref(), Some("2022-04-05 08:37"));
        assert_eq!(msgs[7].sender.as_deref(), Some("周九"));
        assert_eq!(
            (msgs[8].sender.as_deref(), msgs[8].text.as_str()),
            (None, "群公告已更新")
        );
        assert_eq!(msgs[9].sender.as_deref(), Some("吴十"));
        let zhu = msgs
            .iter()
            .find(|m| m.sender.as_deref() == Some("朱十"))
            .unwrap();
        assert_eq!(
            zhu.text,
            "下水道堵了，一楼都是水\n地址：锦绣花园5栋1单元101"
        );
        assert_eq!(zhu.sent_at.as_deref(), Some("2022-04-05 09:01:00"));
        let qin = msgs
            .iter()
            .find(|m| m.sender.as_deref() == Some("秦一"))
            .unwrap();
        assert_eq!(qin.sent_at.as_deref(), Some("2022/4/5 09:02"));
        let you = msgs
            .iter()
            .find(|m| m.sender.as_deref() == Some("尤二"))
            .unwrap();
        assert_eq!(
            (you.sent_at.as_deref(), you.text.as_str()),
            (Some("09:03"), "家里没米了")
        );
        let xu = msgs
            .iter()
            .find(|m| m.sender.as_deref() == Some("许三"))
            .unwrap();
        assert_eq!(xu.text, "+1 我家也没米了");
        let last = msgs.last().unwrap();
        assert_eq!(
            (last.sender.as_deref(), last.sent_at.as_deref()),
            (None, None)
        );
        assert_eq!(last.text, "没有发送人的一行纯文本");
        assert!(msgs.iter().all(|m| !m.text.is_empty()));
    }

    #[test]
    fn plain_lines_and_odd_input() {
        let msgs = split_chat_export("孩子发烧了\n\n8:30做核酸吗\n");
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[1].sender, None);
        assert_eq!(msgs[1].text, "8:30做核酸吗");
        assert!(split_chat_export("").is_empty());
        assert!(split_chat_export("\n \n\t").is_empty());
        let _ = split_chat_export("[\u{0}] :\n【】：\n[99:99] a:b\n2022-1");
    }
}
