//! Reads a pasted group chat as a desk agent would: which messages are requests, which are
//! the group's noise (its title, pictures, thanks, staff notices, system lines), whose
//! "+1" joins whose need, and where a sender lives when the address is in their name.

use super::address::{parse_address_with_id, AddressParts, CompoundEntry};
use super::chat::ChatMessage;
use crate::vocab::Lang;
use crate::AreaId;
use serde::Serialize;

/// Messages from one sender this close together are one request ("药没了" then "3-2-501").
pub const MERGE_WINDOW_MINUTES: i64 = 5;

/// Why a message is left unticked: it is not a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotARequest {
    /// "锦绣花园3号楼业主群(486)"
    GroupTitle,
    /// "[图片]", "[语音]", an emoji alone.
    Placeholder,
    /// "谢谢", "收到", "辛苦了".
    Thanks,
    /// Sent by the property manager, the residents' committee, a grid worker, a volunteer.
    Staff,
    /// "【通知】…", "温馨提示…", "各位居民…", or posted by the group itself.
    Notice,
    /// "xx撤回了一条消息", "xx加入了群聊", a line with only a time.
    System,
}

impl NotARequest {
    pub const ALL: [NotARequest; 6] = [
        NotARequest::GroupTitle,
        NotARequest::Placeholder,
        NotARequest::Thanks,
        NotARequest::Staff,
        NotARequest::Notice,
        NotARequest::System,
    ];

    pub fn parse(code: &str) -> Option<NotARequest> {
        NotARequest::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            NotARequest::GroupTitle => "group_title",
            NotARequest::Placeholder => "placeholder",
            NotARequest::Thanks => "thanks",
            NotARequest::Staff => "staff",
            NotARequest::Notice => "notice",
            NotARequest::System => "system",
        }
    }

    /// The short reason shown beside an unticked row.
    pub fn label(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            NotARequest::GroupTitle => ("群名", "the group's name"),
            NotARequest::Placeholder => (
                "只有图片、语音或表情，没有文字",
                "a picture, voice or sticker without text",
            ),
            NotARequest::Thanks => ("致谢或回复", "thanks or a reply"),
            NotARequest::Staff => ("工作人员发的通知", "a notice from staff"),
            NotARequest::Notice => ("群通知", "a group notice"),
            NotARequest::System => ("系统消息", "a system line"),
        };
        lang.pick(zh, en)
    }
}

/// Someone who said "+1" (同求, 我家也是) to a need: recorded on that need's ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoRequester {
    pub sender: Option<String>,
    /// The sender without the address written in it.
    pub name: Option<String>,
    pub sent_at: Option<String>,
    /// From the name or the text, as written ("3-2-502").
    pub address: AddressParts,
    pub text: String,
}

/// One row of the group as the desk sees it: a request (perhaps several messages of one
/// sender, with co-requesters) or a message that is not one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupItem {
    /// Index of its first message in the paste.
    pub position: usize,
    pub sender: Option<String>,
    pub name: Option<String>,
    pub sent_at: Option<String>,
    pub text: String,
    /// The address written in the sender's name ("张阿姨-3-2-501").
    pub sender_address: AddressParts,
    /// How many messages of the sender this request joins.
    pub messages: usize,
    pub co_requesters: Vec<CoRequester>,
    pub skip: Option<NotARequest>,
}

/// A whole paste read: its rows, and the place its title names ("锦绣花园3号楼业主群").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupReading {
    pub items: Vec<GroupItem>,
    pub title: Option<String>,
    pub title_address: AddressParts,
    pub title_compound: Option<AreaId>,
}

/// Reads the messages of one group. `stands_alone` says a text must stay a request of its
/// own whatever it looks like (a danger sign): it is never unticked nor folded into
/// another's need as a "+1".
pub fn read_group(
    messages: &[ChatMessage],
    compounds: &[CompoundEntry],
    stands_alone: &dyn Fn(&str) -> bool,
) -> GroupReading {
    let mut items: Vec<GroupItem> = Vec::new();
    let mut title: Option<String> = None;
    // The request the current sender's run of messages adds to, and when it last did.
    let mut open: Option<(usize, Option<i64>)> = None;
    // The latest request, which a "+1" joins.
    let mut last_need: Option<usize> = None;
    let mut prev_sender: Option<&str> = None;
    for (position, m) in messages.iter().enumerate() {
        let sender = m.sender.as_deref();
        let same_sender = sender.is_some() && sender == prev_sender;
        prev_sender = sender;
        if !same_sender {
            open = None;
        }
        let at = m.sent_at.as_deref().and_then(minute_of);
        let (name, sender_address) = read_sender(sender, compounds);
        // What the group shows as structure (its name, a picture, a system line) is never
        // a request; words (thanks, a notice) might hide a danger sign.
        let skip = not_a_request(m).filter(|r| {
            matches!(
                r,
                NotARequest::GroupTitle | NotARequest::Placeholder | NotARequest::System
            ) || !stands_alone(&m.text)
        });
        if let Some(reason) = skip {
            if reason == NotARequest::GroupTitle && title.is_none() {
                title = Some(sender.unwrap_or(&m.text).to_string());
            }
            if reason == NotARequest::Notice && is_group_title(sender.unwrap_or("")) {
                title.get_or_insert_with(|| sender.unwrap_or_default().to_string());
            }
            items.push(GroupItem {
                position,
                sender: m.sender.clone(),
                name,
                sent_at: m.sent_at.clone(),
                text: m.text.clone(),
                sender_address,
                messages: 1,
                co_requesters: Vec::new(),
                skip: Some(reason),
            });
            continue;
        }
        if let Some((i, last_at)) = open {
            let close = match (last_at, at) {
                (Some(a), Some(b)) => (b - a).abs() <= MERGE_WINDOW_MINUTES,
                // Without times, consecutive messages of one sender are one request.
                _ => true,
            };
            if close {
                let item = &mut items[i];
                item.text.push('\n');
                item.text.push_str(&m.text);
                item.messages += 1;
                open = Some((i, at.or(last_at)));
                continue;
            }
        }
        if let Some(need) = last_need.filter(|_| is_me_too(&m.text) && !stands_alone(&m.text)) {
            let address = if sender_address.is_empty() {
                parse_address_with_id(&m.text, compounds).0
            } else {
                sender_address
            };
            items[need].co_requesters.push(CoRequester {
                sender: m.sender.clone(),
                name,
                sent_at: m.sent_at.clone(),
                address,
                text: m.text.clone(),
            });
            continue;
        }
        items.push(GroupItem {
            position,
            sender: m.sender.clone(),
            name,
            sent_at: m.sent_at.clone(),
            text: m.text.clone(),
            sender_address,
            messages: 1,
            co_requesters: Vec::new(),
            skip: None,
        });
        open = Some((items.len() - 1, at));
        last_need = Some(items.len() - 1);
    }
    let (title_address, title_compound) = match &title {
        Some(t) => parse_address_with_id(t, compounds),
        None => (AddressParts::default(), None),
    };
    GroupReading {
        items,
        title,
        title_address,
        title_compound,
    }
}

/// The minute of the day (and of the date, when given) a message was sent.
fn minute_of(at: &str) -> Option<i64> {
    let digits: Vec<i64> = at
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect::<Option<_>>()?;
    // "08:31", "08:31:12", "2022-04-05 08:31(:12)".
    let (date, time) = match digits.len() {
        2 | 3 if !at.contains(['-', '/', '年']) => (None, &digits[..]),
        5 | 6 => (Some(&digits[..3]), &digits[3..]),
        _ => return None,
    };
    let day = date.map_or(0, |d| (d[0] * 12 + d[1]) * 31 + d[2]);
    Some(day * 1440 + time[0] * 60 + time[1])
}

/// The sender's name and the address written in it: "张阿姨-3-2-501", "孙女士 12-1-1101",
/// "3-2-501王", "12栋1102李姐".
fn read_sender(
    sender: Option<&str>,
    compounds: &[CompoundEntry],
) -> (Option<String>, AddressParts) {
    let Some(sender) = sender else {
        return (None, AddressParts::default());
    };
    // "张阿姨-3-2-501": the dash after a name is a separator, not part of the address.
    let chars: Vec<char> = sender.chars().collect();
    let spaced: String = chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let beside_name = [i.checked_sub(1), Some(i + 1)]
                .into_iter()
                .flatten()
                .filter_map(|j| chars.get(j))
                .any(|n| is_han(*n));
            if "-—_·.".contains(*c) && beside_name {
                ' '
            } else {
                *c
            }
        })
        .collect();
    let (mut parts, _) = parse_address_with_id(&spaced, compounds);
    if parts.room.is_none() {
        return (Some(sender.to_string()), AddressParts::default());
    }
    let mut name: String = spaced
        .chars()
        .filter(|c| {
            !c.is_ascii_digit()
                && !('０'..='９').contains(c)
                && !"-—_/#·. ()（）栋幢座号楼单元门室".contains(*c)
        })
        .collect();
    if let Some(compound) = &parts.compound {
        name = name.replace(compound.as_str(), "");
        // Through an alias ("锦绣"): drop whatever the sender wrote for it.
        for c in compounds.iter().filter(|c| &c.name == compound) {
            for a in &c.aliases {
                name = name.replace(a.as_str(), "");
            }
        }
    }
    let name = name.trim().to_string();
    if parts.compound.is_some()
        && compounds
            .iter()
            .all(|c| Some(&c.name) != parts.compound.as_ref())
    {
        // A suffix read as a compound ("李姐花园"?) is the name, not a place.
        parts.compound = None;
    }
    ((!name.is_empty()).then_some(name), parts)
}

fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// "锦绣花园3号楼业主群(486)", "金桂小区业主群": a group's name.
fn is_group_title(s: &str) -> bool {
    let s = s.trim();
    let s = match s.rfind(['(', '（']) {
        Some(i) if s.ends_with([')', '）']) => s[..i].trim_end(),
        _ => s,
    };
    let n = s.chars().count();
    (s.ends_with('群') || s.ends_with("群聊"))
        && (3..=30).contains(&n)
        && !s.contains(['，', '。', '！', '？', ',', '!', '?', '：', ':', ' '])
}

const PLACEHOLDERS: &[&str] = &[
    "图片",
    "语音",
    "视频",
    "表情",
    "动画表情",
    "链接",
    "文件",
    "位置",
    "红包",
    "转账",
    "聊天记录",
    "小程序",
    "名片",
    "音乐",
    "Photo",
    "Voice",
    "Video",
    "Sticker",
    "Link",
    "File",
];

const STAFF_WORDS: &[&str] = &[
    "物业",
    "居委",
    "社区",
    "网格",
    "志愿者",
    "管家",
    "工作人员",
    "街道",
    "客服",
    "业委会",
    "楼长",
    "群主",
];

const NOTICE_STARTS: &[&str] = &[
    "【通知】",
    "【公告】",
    "【温馨提示】",
    "【提醒】",
    "【重要通知】",
    "通知：",
    "通知:",
    "公告：",
    "公告:",
    "温馨提示",
    "重要通知",
    "各位居民",
    "各位业主",
    "各位邻居",
    "各位住户",
    "各位家人",
    "@所有人",
    "＠所有人",
];

const SYSTEM_PARTS: &[&str] = &[
    "撤回了一条消息",
    "加入了群聊",
    "加入群聊",
    "退出了群聊",
    "移出了群聊",
    "移出群聊",
    "修改群名为",
    "拍了拍",
    "以下是新消息",
    "以上是历史消息",
    "开启了朋友验证",
    "与群里其他人都不是朋友关系",
    "群公告已更新",
];

/// Words that make up a thanks or an acknowledgement, and nothing else.
const ACK_WORDS: &[&str] = &[
    "谢谢",
    "多谢",
    "感谢",
    "收到",
    "好的",
    "辛苦",
    "明白",
    "知道",
    "了解",
    "麻烦",
    "ok",
    "OK",
    "Ok",
    "好",
    "嗯",
    "大家",
    "你们",
    "您们",
    "您",
    "你",
    "了",
    "啦",
    "呀",
    "哈",
    "啊",
    "的",
    "哦",
    "喔",
    "已",
    "志愿者",
    "物业",
    "工作人员",
    "老师",
    "师傅",
    "管家",
    "社区",
    "居委",
    "网格员",
    "各位",
    "非常",
    "太",
    "真",
    "很",
];
const ACK_CORE: &[&str] = &[
    "谢", "感谢", "收到", "好的", "辛苦", "明白", "知道", "了解", "ok", "OK", "Ok", "好", "嗯",
];

fn not_a_request(m: &ChatMessage) -> Option<NotARequest> {
    let text = m.text.trim();
    let sender = m.sender.as_deref().unwrap_or("");
    if SYSTEM_PARTS.iter().any(|p| text.contains(p)) || is_time_only(text) {
        return Some(NotARequest::System);
    }
    if m.sender.is_none() && is_group_title(text) {
        return Some(NotARequest::GroupTitle);
    }
    let words = meaningful(text);
    if words.is_empty() {
        return Some(NotARequest::Placeholder);
    }
    if is_ack(&words) {
        return Some(NotARequest::Thanks);
    }
    if is_group_title(sender) {
        return Some(NotARequest::Notice);
    }
    if STAFF_WORDS.iter().any(|w| sender.contains(w)) {
        return Some(NotARequest::Staff);
    }
    if NOTICE_STARTS.iter().any(|p| text.starts_with(p)) {
        return Some(NotARequest::Notice);
    }
    None
}

fn is_time_only(text: &str) -> bool {
    !text.is_empty()
        && text.chars().any(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || " :-/年月日号".contains(c) || c.is_whitespace())
        && text.contains(':')
}

/// The text without WeChat's bracketed placeholders and emoji ("[图片]", "[语音]3\"",
/// "[抱拳]"), punctuation and spaces: what someone actually typed.
fn meaningful(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find(['[', '【']) {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let bracket = after.chars().next().map_or(1, char::len_utf8);
        let after = &after[bracket..];
        match after.find([']', '】']) {
            Some(close) if after[..close].chars().count() <= 6 => {
                let inner = &after[..close];
                let closing = after[close..].chars().next().map_or(1, char::len_utf8);
                let mut tail = &after[close + closing..];
                if PLACEHOLDERS.contains(&inner) {
                    // "[语音]3\"" / "[语音] 12秒": the length of the voice message.
                    tail = tail
                        .trim_start()
                        .trim_start_matches(|c: char| c.is_ascii_digit())
                        .trim_start_matches(['"', '″', '\'', '秒', 's']);
                }
                rest = tail;
            }
            _ => {
                out.push_str(&rest[open..open + bracket]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.chars().filter(|c| c.is_alphanumeric()).collect()
}

fn is_ack(words: &str) -> bool {
    if !ACK_CORE.iter().any(|w| words.contains(w)) || words.chars().count() > 16 {
        return false;
    }
    let mut rest = words;
    while !rest.is_empty() {
        match ACK_WORDS.iter().find(|w| rest.starts_with(**w)) {
            Some(w) => rest = &rest[w.len()..],
            None => return false,
        }
    }
    true
}

const ME_TOO: &[&str] = &[
    "+1",
    "＋1",
    "+１",
    "＋１",
    "加1",
    "加一",
    "同求",
    "同问",
    "同上",
    "同样",
    "我家也是",
    "我家也",
    "我们家也是",
    "我们家也",
    "我也是",
    "我也要",
    "我也",
    "俺家也",
    "一样",
];

/// "+1", "同求", "我家也是 3-2-502": a reply that joins the need before it. A longer text
/// after the "+1" is a need of its own.
fn is_me_too(text: &str) -> bool {
    let mut t = text.trim();
    // "@张阿姨 +1"
    if t.starts_with(['@', '＠']) {
        t = t
            .split_once(|c: char| c.is_whitespace() || c == '\u{2005}')
            .map_or("", |(_, r)| r.trim_start());
    }
    let Some(m) = ME_TOO.iter().find(|m| t.starts_with(**m)) else {
        return false;
    };
    let rest: String = t[m.len()..]
        .chars()
        .filter(|c| c.is_alphabetic() && !"栋幢座号楼单元门室".contains(*c))
        .collect();
    rest.chars().count() <= 12
}

#[cfg(test)]
#[path = "group_tests.rs"]
mod tests;
