//! The JSON shapes of a ticket, its timeline and a queue row. Phones are masked here or
//! before; the caller is hidden wherever the viewer may not see them.

use super::super::rfc3339;
use serde_json::{json, Value};
use yihaotai_domain::ticket::{CommandKind, Ticket};
use yihaotai_service::model::{StoredEvent, TicketRecord, TicketRow};
use yihaotai_service::tickets::TicketView;

pub(super) fn ts(t: jiff::Timestamp) -> String {
    rfc3339(t.as_millisecond())
}

fn opt_ts(t: Option<jiff::Timestamp>) -> Value {
    t.map(ts).into()
}

fn opt_ms(t: Option<i64>) -> Value {
    t.map(rfc3339).into()
}

/// A ticket as the caller may see it: the phone masked, the caller hidden when
/// `caller_visible` is false.
pub(super) fn ticket_json(rec: &TicketRecord, caller_visible: bool) -> Value {
    let t: &Ticket = &rec.ticket;
    // Two objects merged: one `json!` this size would pass the macro recursion limit.
    let mut out = json!({
        "id": rec.id.0,
        "number": rec.number,
        "status": t.status.code(),
        "channel": t.channel.code(),
        "request_type": t.request_type.code(),
        "category": t.category.as_str(),
        "urgency": t.urgency.code(),
        "epidemic_related": t.epidemic_related,
        "confidential": t.confidential,
        "caller_visible": caller_visible,
        "caller_name": if caller_visible { t.caller_name.clone() } else { None },
        "caller_phone": if caller_visible { t.caller_phone.as_ref().map(|p| p.masked()) } else { None },
        "household_id": if caller_visible { t.household.map(|h| h.0) } else { None },
        "area_id": t.area.map(|a| a.0),
        "area_path": rec.area_path,
        "content": t.content,
        "registered_at": ts(t.registered_at),
        "registered_by": t.registered_by.map(|u| u.0),
        "updated_at": ts(t.updated_at),
        "version": t.version,
        "suggestion": suggestion_json(&rec.suggestion),
    });
    let handling = json!({
        "assigned_agency_id": t.assigned.map(|a| a.0),
        "assisting_agency_ids": t.assisting.iter().map(|a| a.0).collect::<Vec<_>>(),
        "dispatch_mode": t.dispatch_mode.map(|m| m.code()),
        "dispatched_at": opt_ts(t.dispatched_at),
        "dispatched_by_agency_id": t.dispatched_by.map(|a| a.0),
        "deadlines": {
            "accept_by": opt_ts(t.deadlines.accept_by),
            "contact_by": opt_ts(t.deadlines.contact_by),
            "resolve_by": opt_ts(t.deadlines.resolve_by),
        },
        "accepted_at": opt_ts(t.accepted_at),
        "first_contact_at": opt_ts(t.first_contact_at),
        "resolved_at": opt_ts(t.resolved_at),
        "closed_at": opt_ts(t.closed_at),
        "result": t.result,
        "breaches": t.breaches.iter().map(|c| c.code()).collect::<Vec<_>>(),
        "supervision_level": t.supervision_level,
        "escalation_level": t.escalation_level,
        "reopen_count": t.reopen_count,
    });
    let review = json!({
        "return_pending": t.return_pending,
        "extension_pending": t.extension_pending.as_ref().map(|x| json!({
            "until": ts(x.until), "reason": x.reason, "requested_at": ts(x.requested_at),
        })),
        "callback": t.callback.map(|c| json!({
            "contacted": c.contacted, "solved": c.solved.code(),
            "satisfaction": c.satisfaction.code(), "at": ts(c.at),
        })),
        "closure": t.closure.as_ref().map(|c| {
            let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
            localize_times(&mut v);
            v
        }),
        "cancel_reason": t.cancel_reason,
        "merged_into": t.merged_into.map(|m| m.0),
    });
    if let Value::Object(m) = &mut out {
        for part in [handling, review] {
            if let Value::Object(p) = part {
                m.extend(p);
            }
        }
    }
    out
}

/// The triage suggestion kept at intake: JSON when it is, else the text, else null.
fn suggestion_json(s: &str) -> Value {
    if s.trim().is_empty() {
        return Value::Null;
    }
    serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.to_string()))
}

/// Event payloads store times in UTC; the API speaks China time throughout.
fn localize_times(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                let is_time = matches!(
                    k.as_str(),
                    "at" | "until" | "accept_by" | "contact_by" | "resolve_by" | "requested_at"
                );
                match x {
                    Value::String(s) if is_time => {
                        if let Ok(t) = s.parse::<jiff::Timestamp>() {
                            *s = ts(t);
                        }
                    }
                    _ => localize_times(x),
                }
            }
        }
        Value::Array(xs) => xs.iter_mut().for_each(localize_times),
        _ => {}
    }
}

/// One timeline entry. The payload is the event's own fields; the registration's caller
/// details are masked or hidden exactly as on the ticket.
fn event_json(e: &StoredEvent, caller_visible: bool) -> Value {
    let mut payload = serde_json::from_str::<Value>(&e.payload)
        .ok()
        .and_then(|mut v| v.get_mut("kind").map(Value::take))
        .unwrap_or_else(|| json!({}));
    if let Value::Object(m) = &mut payload {
        m.remove("type");
        if e.kind == "registered" {
            if caller_visible {
                if let Some(Value::String(p)) = m.get("caller_phone") {
                    let masked = match yihaotai_domain::person::Phone::parse(p) {
                        Ok(p) => p.masked(),
                        Err(_) => yihaotai_domain::person::mask_middle(p, 3, 4),
                    };
                    m.insert("caller_phone".into(), Value::String(masked));
                }
            } else {
                for k in ["caller_phone", "caller_name", "household"] {
                    m.insert(k.into(), Value::Null);
                }
            }
        }
    }
    localize_times(&mut payload);
    json!({
        "seq": e.seq,
        "kind": e.kind,
        "at": rfc3339(e.at),
        "actor_id": e.actor_id,
        "actor_name": e.actor_name,
        "agency_id": e.agency_id,
        "agency_name": e.agency_name,
        "payload": payload,
    })
}

pub(super) fn view_json(v: &TicketView) -> Value {
    let mut out = ticket_json(&v.record, v.caller_visible);
    if let Value::Object(m) = &mut out {
        m.insert("caller_phone".into(), v.phone_masked.clone().into());
        m.insert("may_reveal_phone".into(), v.may_reveal.into());
        m.insert(
            "allowed_commands".into(),
            v.allowed
                .iter()
                .filter(|k| **k != CommandKind::RecordBreach)
                .map(|k| k.code())
                .collect::<Vec<_>>()
                .into(),
        );
        m.insert(
            "events".into(),
            v.events
                .iter()
                .map(|e| event_json(e, v.caller_visible))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    out
}

pub(super) fn row_json(r: &TicketRow, desk: bool) -> Value {
    let caller_visible = r.confidential == 0 || desk;
    json!({
        "id": r.id,
        "number": r.number,
        "status": r.status,
        "urgency": r.urgency,
        "category": r.category,
        "request_type": r.request_type,
        "channel": r.channel,
        "epidemic_related": r.epidemic_related != 0,
        "confidential": r.confidential != 0,
        "title": r.title,
        "caller_phone": r.caller_phone,
        "household_id": if caller_visible { r.household_id } else { None },
        "area_id": r.area_id,
        "area_name": r.area_name,
        "area_path": r.area_path,
        "assigned_agency_id": r.assigned_agency_id,
        "agency_name": r.agency_name,
        "deadlines": {
            "accept_by": opt_ms(r.accept_by),
            "contact_by": opt_ms(r.contact_by),
            "resolve_by": opt_ms(r.resolve_by),
        },
        "accepted_at": opt_ms(r.accepted_at),
        "first_contact_at": opt_ms(r.first_contact_at),
        "resolved_at": opt_ms(r.resolved_at),
        "closed_at": opt_ms(r.closed_at),
        "supervision_level": r.supervision_level,
        "escalation_level": r.escalation_level,
        "reopen_count": r.reopen_count,
        "return_pending": r.return_pending != 0,
        "extension_pending": r.extension_pending != 0,
        "breaches": r.breaches.split(',').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
        "overdue": r.overdue != 0,
        "registered_at": rfc3339(r.registered_at),
        "updated_at": rfc3339(r.updated_at),
    })
}
