//! The closed vocabularies of DESIGN.md: each value has a code (used in the API and the
//! database), a Chinese label (shown by default) and an English label.

use serde::{Deserialize, Serialize};

/// The language a message or label is shown in. Chinese is the default everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh_cn" | "cn" => Some(Lang::Zh),
            "en" | "en-us" | "en-gb" | "en_us" => Some(Lang::En),
            _ => None,
        }
    }
    /// Picks the Chinese or English text.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// A value that was not one of the codes a vocabulary allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: '{value}' is not one of: {allowed}")]
pub struct UnknownCode {
    pub field: &'static str,
    pub value: String,
    pub allowed: String,
}

impl UnknownCode {
    pub fn localized(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!(
                "{}：“{}”不是有效取值，可选：{}",
                self.field, self.value, self.allowed
            ),
            Lang::En => self.to_string(),
        }
    }
}

/// Declares a closed vocabulary enum with code, Chinese and English labels.
#[macro_export]
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident => $code:literal, $zh:literal, $en:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }
            pub fn label(self, lang: $crate::vocab::Lang) -> &'static str {
                match self { $($name::$variant => lang.pick($zh, $en)),* }
            }
            pub fn parse(s: &str) -> Result<$name, $crate::vocab::UnknownCode> {
                let t = s.trim();
                match t {
                    $($code => Ok($name::$variant),)*
                    _ => Err($crate::vocab::UnknownCode {
                        field: $field,
                        value: t.chars().take(40).collect(),
                        allowed: [$($code),*].join(", "),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::vocab::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> { $name::parse(s) }
        }
    };
}

vocabulary!(
    /// How a request reached the desk (渠道).
    Channel, "channel" {
        Hotline12345 => "hotline_12345", "12345热线", "12345 hotline";
        CommunityHotline => "community_hotline", "社区热线", "Community hotline";
        Wechat => "wechat", "微信群", "WeChat group";
        QrSelfService => "qr_self_service", "扫码自助", "QR self-service";
        Open311 => "open311", "Open311接口", "Open311";
        WalkIn => "walk_in", "现场来访", "Walk-in";
        ProactiveVisit => "proactive_visit", "主动走访", "Proactive visit";
    }
);

vocabulary!(
    /// 紧急程度: how soon someone must act.
    Urgency, "urgency" {
        Critical => "critical", "特急（危及生命）", "Critical (life at risk)";
        Urgent => "urgent", "紧急（当日）", "Urgent (same day)";
        Normal => "normal", "一般", "Normal";
        Consult => "consult", "咨询（即时答复）", "Consultation";
    }
);

vocabulary!(
    /// 诉求类型: what kind of request it is.
    RequestType, "request_type" {
        Consult => "consult", "咨询", "Consultation";
        Help => "help", "求助", "Request for help";
        Complaint => "complaint", "投诉", "Complaint";
        Report => "report", "举报", "Report";
        Suggestion => "suggestion", "建议", "Suggestion";
    }
);

vocabulary!(
    /// 重点人群: why a resident needs extra attention.
    CareTag, "care_tag" {
        ElderlyAlone => "elderly_alone", "独居老人", "Elderly living alone";
        Aged70Plus => "aged_70_plus", "70岁以上", "Aged 70+";
        SeriousIllness => "serious_illness", "重病患者", "Seriously ill";
        SuddenIllness => "sudden_illness", "突发疾病需就医", "Sudden illness";
        Disabled => "disabled", "残疾/行动不便", "Disabled or immobile";
        NoSmartphone => "no_smartphone", "不会用智能手机", "No smartphone";
        Distressed => "distressed", "困难群众", "In distress";
        Pregnant => "pregnant", "孕产妇", "Pregnant";
        Infant => "infant", "婴幼儿", "Infant";
    }
);

vocabulary!(
    /// 管控等级 of a compound or zone.
    ControlLevel, "control_level" {
        Sealed => "sealed", "封控区", "Sealed (封控)";
        Controlled => "controlled", "管控区", "Controlled (管控)";
        Precaution => "precaution", "防范区", "Precaution (防范)";
        None => "none", "无管控", "No control";
    }
);

/// 类别: configurable, so it is a validated code rather than a closed enum.
/// The built-in catalogue below seeds the `categories` table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Category(String);

/// The categories every installation starts with: code, Chinese, English, priority (重点督办).
pub const BUILTIN_CATEGORIES: &[(&str, &str, &str, bool)] = &[
    ("medical", "就医", "Medical care", true),
    ("medicine", "购药/用药", "Medicine", true),
    ("supplies", "生活物资", "Food and supplies", true),
    (
        "elderly_child_care",
        "一老一小",
        "Elderly and child care",
        true,
    ),
    ("testing", "核酸检测", "Testing", false),
    ("transfer", "转运隔离", "Transfer", false),
    ("pet", "宠物", "Pets", false),
    ("psychological", "心理疏导", "Psychological support", false),
    ("sanitation", "环境卫生", "Sanitation", false),
    ("delivery", "快递外卖", "Parcels and deliveries", false),
    ("consultation", "政策咨询", "Policy questions", false),
    ("other", "其他", "Other", false),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("category code '{0}' must be 1-32 characters of a-z, 0-9 and _ , starting with a letter")]
pub struct BadCategory(pub String);

impl Category {
    pub fn parse(s: &str) -> Result<Category, BadCategory> {
        let t = s.trim();
        let ok = !t.is_empty()
            && t.len() <= 32
            && t.starts_with(|c: char| c.is_ascii_lowercase())
            && t.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if ok {
            Ok(Category(t.to_string()))
        } else {
            Err(BadCategory(t.chars().take(40).collect()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Whether a built-in category is on the priority supervision list (重点督办).
    pub fn is_builtin_priority(&self) -> bool {
        BUILTIN_CATEGORIES
            .iter()
            .any(|(c, _, _, p)| *p && *c == self.0)
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for u in Urgency::ALL {
            assert_eq!(Urgency::parse(u.code()).unwrap(), *u);
        }
        for c in Channel::ALL {
            assert_eq!(c.code().parse::<Channel>().unwrap(), *c);
        }
        assert_eq!(CareTag::parse("aged_70_plus").unwrap(), CareTag::Aged70Plus);
    }

    #[test]
    fn unknown_code_names_field_and_choices() {
        let e = Urgency::parse("asap").unwrap_err();
        assert_eq!(e.field, "urgency");
        assert!(e.to_string().contains("critical"));
        assert!(e.localized(Lang::Zh).contains("不是有效取值"));
    }

    #[test]
    fn category_codes_are_validated() {
        assert!(Category::parse("medical").is_ok());
        assert!(Category::parse("Medical").is_err());
        assert!(Category::parse("").is_err());
        assert!(Category::parse("a b").is_err());
        assert!(Category::parse("medicine").unwrap().is_builtin_priority());
        assert!(!Category::parse("pet").unwrap().is_builtin_priority());
    }
}
