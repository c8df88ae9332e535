//! Words for the timeline: what each kind of event is called, and the human part of its
//! payload (notes, reasons, results, the callback's answers).

use std::collections::HashMap;
use yihaotai_domain::ticket::{Closure, Event, EventKind, REOPEN_AFTER_CALLBACK};
use yihaotai_domain::vocab::Lang;

/// (event code, 中文, English)
const EVENT_LABELS: &[(&str, &str, &str)] = &[
    ("registered", "登记", "Registered"),
    ("dispatched", "派单", "Dispatched"),
    ("accepted", "签收", "Accepted"),
    ("contact_recorded", "联系居民", "Resident contacted"),
    ("return_requested", "申请退单", "Return requested"),
    ("return_approved", "同意退单", "Return approved"),
    ("return_refused", "驳回退单", "Return refused"),
    ("extension_requested", "申请延期", "Extension requested"),
    ("extension_approved", "同意延期", "Extension approved"),
    ("extension_refused", "驳回延期", "Extension refused"),
    ("resolved", "办结反馈", "Resolved"),
    ("callback_recorded", "回访", "Callback"),
    ("reopened", "重办", "Reopened"),
    ("escalated", "提级办理", "Escalated"),
    ("supervised", "督办", "Supervised"),
    ("breach_recorded", "超期", "Deadline missed"),
    ("merged", "合并", "Merged"),
    ("cancelled", "撤销", "Cancelled"),
    ("note_added", "备注", "Note"),
    (
        "urgency_raised",
        "分诊提升紧急程度",
        "Urgency raised by triage",
    ),
    (
        "downgrade_confirmed",
        "确认降低紧急程度",
        "Lower urgency confirmed",
    ),
    ("closed", "归档", "Closed"),
];

pub fn event_label(code: &str, lang: Lang) -> String {
    EVENT_LABELS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, en)| lang.pick(zh, en).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// The readable part of an event, with agency ids turned into names.
pub fn event_detail(e: &Event, agencies: &HashMap<i64, String>, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let name = |id: i64| {
        agencies
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    };
    let with_note = |head: String, note: &str| {
        if note.is_empty() {
            head
        } else if head.is_empty() {
            note.to_string()
        } else {
            format!("{head}{}{note}", lang.pick("；", "; "))
        }
    };
    let time = |t: jiff::Timestamp| crate::pages::admin_areas::format_ms(t.as_millisecond());
    match &e.kind {
        EventKind::Registered {
            channel,
            urgency,
            epidemic_related,
            ..
        } => {
            let mut s = format!("{} · {}", channel.label(lang), urgency.label(lang));
            if *epidemic_related {
                s.push_str(lang.pick(" · 涉疫", " · epidemic-related"));
            }
            s
        }
        EventKind::Dispatched {
            agency,
            mode,
            assisting,
            note,
            ..
        } => {
            let mut s = if zh {
                format!("{}至 {}", mode.label(lang), name(agency.0))
            } else {
                format!("{} to {}", mode.label(lang), name(agency.0))
            };
            if !assisting.is_empty() {
                let names: Vec<String> = assisting.iter().map(|a| name(a.0)).collect();
                s.push_str(&if zh {
                    format!("；协办：{}", names.join("、"))
                } else {
                    format!("; assisting: {}", names.join(", "))
                });
            }
            with_note(s, note)
        }
        EventKind::Accepted => String::new(),
        EventKind::ContactRecorded { note }
        | EventKind::ReturnApproved { note }
        | EventKind::ReturnRefused { note }
        | EventKind::ExtensionRefused { note } => note.clone(),
        EventKind::ReturnRequested { reason } | EventKind::Cancelled { reason } => reason.clone(),
        EventKind::ExtensionRequested { until, reason } => with_note(
            if zh {
                format!("延至 {}", time(*until))
            } else {
                format!("until {}", time(*until))
            },
            reason,
        ),
        EventKind::ExtensionApproved { resolve_by } => {
            if zh {
                format!("办结期限延至 {}", time(*resolve_by))
            } else {
                format!("resolve by {}", time(*resolve_by))
            }
        }
        EventKind::Resolved { result } => result.clone(),
        EventKind::CallbackRecorded {
            contacted,
            solved,
            satisfaction,
            note,
        } => with_note(
            format!(
                "{} · {} · {}",
                if *contacted {
                    lang.pick("已联系", "reached")
                } else {
                    lang.pick("未联系上", "not reached")
                },
                solved.label(lang),
                satisfaction.label(lang)
            ),
            note,
        ),
        EventKind::Reopened { reason, .. } => {
            if reason == REOPEN_AFTER_CALLBACK {
                lang.pick(
                    "回访未解决或不满意",
                    "the callback found it unsolved or unsatisfactory",
                )
                .to_string()
            } else {
                reason.clone()
            }
        }
        EventKind::Escalated { to, reason, .. } => with_note(
            if zh {
                format!("提级至 {}", name(to.0))
            } else {
                format!("to {}", name(to.0))
            },
            reason,
        ),
        EventKind::Supervised { level, note } => {
            let head = match (level, zh) {
                (1, true) => "重点督办".to_string(),
                (_, true) => "二次督办".to_string(),
                (l, false) => format!("level {l}"),
            };
            // The scheduler's notes already name the level.
            if note.contains(&head) {
                note.clone()
            } else {
                with_note(head, note)
            }
        }
        EventKind::BreachRecorded { clock } => {
            if zh {
                format!("{}超期", clock.label(lang))
            } else {
                format!("{} deadline missed", clock.label(lang))
            }
        }
        EventKind::Merged { into } => {
            if zh {
                format!("并入工单 #{}", into.0)
            } else {
                format!("merged into ticket #{}", into.0)
            }
        }
        EventKind::NoteAdded { text } => text.clone(),
        EventKind::UrgencyRaised { from, to, reasons } => {
            let why = reasons.join("、");
            if zh {
                format!(
                    "分诊发现危急迹象（{why}），紧急程度由“{}”提升为“{}”",
                    from.label(lang),
                    to.label(lang)
                )
            } else {
                format!(
                    "triage found danger signs ({why}): urgency raised from {} to {}",
                    from.label(lang),
                    to.label(lang)
                )
            }
        }
        EventKind::DowngradeConfirmed {
            suggested,
            chosen,
            reason,
        } => {
            if zh {
                format!(
                    "坐席确认按“{}”办理（分诊建议“{}”）：{reason}",
                    chosen.label(lang),
                    suggested.label(lang)
                )
            } else {
                format!(
                    "the agent kept {} (triage suggested {}): {reason}",
                    chosen.label(lang),
                    suggested.label(lang)
                )
            }
        }
        EventKind::Closed { closure } => match closure {
            Closure::AnsweredOnSpot { answer } => with_note(
                lang.pick("当场答复", "answered on the call").to_string(),
                answer,
            ),
            Closure::TransferredEmergency { service, note } => with_note(
                if zh {
                    format!("转{}", service.label(lang))
                } else {
                    format!("handed to {}", service.label(lang))
                },
                note,
            ),
            Closure::AfterCallback => lang
                .pick("回访满意，归档", "closed after the callback")
                .to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_kind_has_a_label() {
        for code in [
            "registered",
            "dispatched",
            "accepted",
            "contact_recorded",
            "return_requested",
            "return_approved",
            "return_refused",
            "extension_requested",
            "extension_approved",
            "extension_refused",
            "resolved",
            "callback_recorded",
            "reopened",
            "escalated",
            "supervised",
            "breach_recorded",
            "merged",
            "cancelled",
            "note_added",
            "urgency_raised",
            "downgrade_confirmed",
            "closed",
        ] {
            assert_ne!(event_label(code, Lang::Zh), code, "{code} has no label");
            assert_ne!(event_label(code, Lang::En), code, "{code} has no label");
        }
    }
}
