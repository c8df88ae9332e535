//! Why a command was refused, or a policy could not be loaded, in words a user can act on.

use super::{format_local, Clock, CommandKind, Status, TextField};
use crate::vocab::{Lang, RequestType, Urgency};
use jiff::civil::Date;
use jiff::Timestamp;

/// A command that the ticket's current state does not allow. Nothing changes when one is
/// returned. `Display` is the English message; [`TicketError::localized`] picks a language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketError {
    /// Closed, cancelled or merged tickets never change again.
    Finished {
        status: Status,
    },
    /// The command makes no sense in this status (e.g. a callback on a dispatched ticket).
    NotAllowed {
        action: CommandKind,
        status: Status,
    },
    NotDispatched,
    NotAccepted,
    AlreadyAccepted,
    AlreadyContacted,
    NotResolved,
    /// A handler command from someone other than the lead agency currently assigned.
    NotYourAgency,
    /// The agency that asked for a return or extension tried to approve or refuse it.
    OwnRequest,
    ReturnPending,
    NoReturnPending,
    ExtensionPending,
    NoExtensionPending,
    ExtensionNotLater {
        resolve_by: Timestamp,
    },
    ExtensionTooLate {
        resolve_by: Timestamp,
    },
    /// Only a forwarding centre (分转) passes a dispatched ticket on.
    NotForwarded,
    SameAgency,
    LeadAlsoAssisting,
    MergeIntoSelf,
    BadSupervisionLevel {
        level: u8,
    },
    BreachNotDue {
        clock: Clock,
    },
    NoDeadlineRule,
    Empty {
        field: TextField,
    },
    TooLong {
        field: TextField,
        max: usize,
    },
    InvalidText {
        field: TextField,
    },
}

impl TicketError {
    pub fn localized(&self, lang: Lang) -> String {
        use TicketError as E;
        let zh = lang == Lang::Zh;
        let s = |zh_text: &str, en_text: &str| lang.pick(zh_text, en_text).to_string();
        match self {
            E::Finished { status: Status::Cancelled } => s(
                "工单已撤销，不能再操作",
                "the ticket was cancelled and can no longer change",
            ),
            E::Finished { status: Status::Merged } => s(
                "工单已并入其他工单，请在主工单上操作",
                "the ticket was merged into another; act on that ticket instead",
            ),
            E::Finished { .. } => s(
                "工单已归档，不能再操作",
                "the ticket is closed and can no longer change",
            ),
            E::NotAllowed { action, status } if zh => format!(
                "工单当前为“{}”，不能{}",
                status.label(lang),
                action.label(lang)
            ),
            E::NotAllowed { action, status } => format!(
                "“{}” is not possible while the ticket is “{}”",
                action.label(lang),
                status.label(lang)
            ),
            E::NotDispatched => s(
                "工单尚未派单，请先派单",
                "the ticket has not been dispatched yet; dispatch it first",
            ),
            E::NotAccepted => s(
                "承办单位尚未签收，请先签收",
                "the handling agency has not accepted the ticket yet; accept it first",
            ),
            E::AlreadyAccepted => s("工单已签收", "the ticket is already accepted"),
            E::AlreadyContacted => s(
                "已记录首次联系，后续进展请添加备注",
                "first contact is already recorded; add a note for further progress",
            ),
            E::NotResolved => s(
                "工单尚未办结",
                "the ticket has not been resolved yet",
            ),
            E::NotYourAgency => s(
                "只有当前主办单位可以执行此操作，协办单位只能添加备注",
                "only the lead agency currently assigned may do this; assisting agencies may only add notes",
            ),
            E::OwnRequest => s(
                "不能审核本单位提出的申请，请由派单方审核",
                "an agency cannot review its own request; the dispatcher reviews it",
            ),
            E::ReturnPending => s(
                "工单有待审核的退单申请，请先同意或驳回",
                "a return request is waiting for review; approve or refuse it first",
            ),
            E::NoReturnPending => s(
                "没有待审核的退单申请",
                "there is no return request to review",
            ),
            E::ExtensionPending => s(
                "已有待审核的延期申请，请等待审核结果",
                "an extension request is already waiting for review",
            ),
            E::NoExtensionPending => s(
                "没有待审核的延期申请",
                "there is no extension request to review",
            ),
            E::ExtensionNotLater { resolve_by } if zh => format!(
                "申请的期限须晚于当前办结时限（{}）",
                format_local(*resolve_by)
            ),
            E::ExtensionNotLater { resolve_by } => format!(
                "the requested deadline must be later than the current one ({})",
                format_local(*resolve_by)
            ),
            E::ExtensionTooLate { resolve_by } if zh => format!(
                "办结时限（{}）已过，不能再申请延期",
                format_local(*resolve_by)
            ),
            E::ExtensionTooLate { resolve_by } => format!(
                "the resolve deadline ({}) has passed; an extension can no longer be requested",
                format_local(*resolve_by)
            ),
            E::NotForwarded => s(
                "该工单为直派，不能再转派；如不属本单位职责，请申请退单",
                "the ticket was dispatched directly and cannot be passed on; request a return if it is not yours",
            ),
            E::SameAgency => s(
                "所选单位就是当前主办单位，请选择其他单位",
                "that agency is already the lead; choose another one",
            ),
            E::LeadAlsoAssisting => s(
                "主办单位不能同时作为协办单位",
                "the lead agency cannot also be an assisting agency",
            ),
            E::MergeIntoSelf => s(
                "不能把工单并入它自己",
                "a ticket cannot be merged into itself",
            ),
            E::BadSupervisionLevel { level } if zh => format!(
                "督办级别只能是1（重点督办）或2（二次督办），收到的是{level}"
            ),
            E::BadSupervisionLevel { level } => format!(
                "supervision level must be 1 (priority) or 2 (second notice), not {level}"
            ),
            E::BreachNotDue { clock } if zh => {
                format!("{}时限尚未超期，不能记录超期", clock.label(lang))
            }
            E::BreachNotDue { clock } => format!(
                "the {} deadline has not been missed",
                clock.label(lang).to_lowercase()
            ),
            E::NoDeadlineRule => s(
                "时限规则中没有适用于该工单的规则，请管理员补充时限规则",
                "no deadline rule matches this ticket; ask an administrator to complete the policy",
            ),
            E::Empty { field } if zh => format!("{}不能为空", field.label(lang)),
            E::Empty { field } => format!("{} must not be empty", field.label(lang)),
            E::TooLong { field, max } if zh => {
                format!("{}不能超过{max}个字", field.label(lang))
            }
            E::TooLong { field, max } => {
                format!("{} must be at most {max} characters", field.label(lang))
            }
            E::InvalidText { field } if zh => {
                format!("{}含有不可见的控制字符，请删除后重试", field.label(lang))
            }
            E::InvalidText { field } => format!(
                "{} contains invisible control characters; remove them and try again",
                field.label(lang)
            ),
        }
    }
}

impl std::fmt::Display for TicketError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.localized(Lang::En))
    }
}

impl std::error::Error for TicketError {}

/// A deadline policy or calendar that cannot be used. Shown to administrators.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read the policy: {0}")]
    Toml(String),
    #[error("{amount} {unit} is longer than the longest allowed deadline ({max} {unit})")]
    SpanTooLong {
        amount: u32,
        unit: &'static str,
        max: u32,
    },
    #[error("{0} is listed both as a holiday and as a make-up working day")]
    HolidayAndWorkday(Date),
    #[error("the policy has no deadline rules")]
    NoRules,
    #[error("no deadline rule covers {urgency} tickets (epidemic-related: {epidemic_related}, request type: {request_type}); add a rule without these conditions at the end")]
    Uncovered {
        urgency: Urgency,
        epidemic_related: bool,
        request_type: RequestType,
    },
}

impl PolicyError {
    /// The message in the administrator's language, saying what to fix.
    pub fn localized(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (PolicyError::Toml(e), Lang::Zh) => format!("无法读取时限规则：{e}"),
            (PolicyError::SpanTooLong { amount, unit, max }, Lang::Zh) => {
                format!("{amount} {unit} 超过了允许的最长时限（{max} {unit}）")
            }
            (PolicyError::HolidayAndWorkday(d), Lang::Zh) => {
                format!("{d} 同时被列为节假日和调休上班日")
            }
            (PolicyError::NoRules, Lang::Zh) => "时限规则表为空，至少需要一条规则".to_string(),
            (
                PolicyError::Uncovered {
                    urgency,
                    epidemic_related,
                    request_type,
                },
                Lang::Zh,
            ) => format!(
                "没有规则适用于“{}”、{}、“{}”的工单；请在末尾添加一条不限条件的规则",
                urgency.label(Lang::Zh),
                if *epidemic_related {
                    "涉疫"
                } else {
                    "非涉疫"
                },
                request_type.label(Lang::Zh)
            ),
        }
    }
}
