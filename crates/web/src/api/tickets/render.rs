//! The JSON shapes of a ticket, its timeline and a queue row. Phones are masked here or
//! before; the caller is hidden wherever the viewer may not see them.

use super::super::rfc3339;
use super::super::schema::{
    deadlines_ms, deadlines_ts, opt_ms, opt_ts, ts, CallbackOut, EventOut, ExtensionOut, TicketOut,
    TicketRowOut, TicketViewOut,
};
use serde_json::{json, Value};
use yihaotai_domain::ticket::{CommandKind, Ticket};
use yihaotai_service::model::{StoredEvent, TicketRecord, TicketRow};
use yihaotai_service::tickets::TicketView;

/// A ticket as the caller may see it: the phone masked, the caller hidden when
/// `caller_visible` is false.
pub(super) fn ticket_out(rec: &TicketRecord, caller_visible: bool) -> TicketOut {
    let t: &Ticket = &rec.ticket;
    TicketOut {
        id: rec.id.0,
        number: rec.number.clone(),
        status: t.status.code().into(),
        channel: t.channel.code().into(),
        request_type: t.request_type.code().into(),
        category: t.category.as_str().into(),
        urgency: t.urgency.code().into(),
        epidemic_related: t.epidemic_related,
        confidential: t.confidential,
        caller_visible,
        caller_name: t.caller_name.clone().filter(|_| caller_visible),
        caller_phone: t
            .caller_phone
            .as_ref()
            .filter(|_| caller_visible)
            .map(|p| p.masked()),
        household_id: t.household.map(|h| h.0).filter(|_| caller_visible),
        area_id: t.area.map(|a| a.0),
        area_path: rec.area_path.clone(),
        content: t.content.clone(),
        registered_at: ts(t.registered_at),
        registered_by: t.registered_by.map(|u| u.0),
        updated_at: ts(t.updated_at),
        version: t.version,
        suggestion: suggestion_json(&rec.suggestion),
        assigned_agency_id: t.assigned.map(|a| a.0),
        assisting_agency_ids: t.assisting.iter().map(|a| a.0).collect(),
        dispatch_mode: t.dispatch_mode.map(|m| m.code().into()),
        dispatched_at: opt_ts(t.dispatched_at),
        dispatched_by_agency_id: t.dispatched_by.map(|a| a.0),
        deadlines: deadlines_ts(&t.deadlines),
        accepted_at: opt_ts(t.accepted_at),
        first_contact_at: opt_ts(t.first_contact_at),
        resolved_at: opt_ts(t.resolved_at),
        closed_at: opt_ts(t.closed_at),
        result: t.result.clone(),
        breaches: t.breaches.iter().map(|c| c.code().into()).collect(),
        supervision_level: t.supervision_level,
        escalation_level: t.escalation_level,
        reopen_count: t.reopen_count,
        return_pending: t.return_pending.clone(),
        extension_pending: t.extension_pending.as_ref().map(|x| ExtensionOut {
            until: ts(x.until),
            reason: x.reason.clone(),
            requested_at: ts(x.requested_at),
        }),
        callback: t.callback.map(|c| CallbackOut {
            contacted: c.contacted,
            solved: c.solved.code().into(),
            satisfaction: c.satisfaction.code().into(),
            at: ts(c.at),
        }),
        closure: t
            .closure
            .as_ref()
            .map(|c| {
                let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
                localize_times(&mut v);
                v
            })
            .unwrap_or(Value::Null),
        cancel_reason: t.cancel_reason.clone(),
        merged_into: t.merged_into.map(|m| m.0),
        urgency_raised: None,
    }
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
fn event_out(e: &StoredEvent, caller_visible: bool) -> EventOut {
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
    EventOut {
        seq: e.seq,
        kind: e.kind.clone(),
        at: rfc3339(e.at),
        actor_id: e.actor_id,
        actor_name: e.actor_name.clone(),
        agency_id: e.agency_id,
        agency_name: e.agency_name.clone(),
        payload,
    }
}

pub(super) fn view_out(v: &TicketView) -> TicketViewOut {
    let mut ticket = ticket_out(&v.record, v.caller_visible);
    ticket.caller_phone = v.phone_masked.clone();
    TicketViewOut {
        ticket,
        may_reveal_phone: v.may_reveal,
        allowed_commands: v
            .allowed
            .iter()
            .filter(|k| **k != CommandKind::RecordBreach)
            .map(|k| k.code().into())
            .collect(),
        events: v
            .events
            .iter()
            .map(|e| event_out(e, v.caller_visible))
            .collect(),
    }
}

pub(super) fn row_out(r: &TicketRow, desk: bool) -> TicketRowOut {
    let caller_visible = r.confidential == 0 || desk;
    TicketRowOut {
        id: r.id,
        number: r.number.clone(),
        status: r.status.clone(),
        urgency: r.urgency.clone(),
        category: r.category.clone(),
        request_type: r.request_type.clone(),
        channel: r.channel.clone(),
        epidemic_related: r.epidemic_related != 0,
        confidential: r.confidential != 0,
        title: r.title.clone(),
        caller_phone: r.caller_phone.clone(),
        household_id: r.household_id.filter(|_| caller_visible),
        area_id: r.area_id,
        area_name: r.area_name.clone(),
        area_path: r.area_path.clone(),
        assigned_agency_id: r.assigned_agency_id,
        agency_name: r.agency_name.clone(),
        deadlines: deadlines_ms(r.accept_by, r.contact_by, r.resolve_by),
        accepted_at: opt_ms(r.accepted_at),
        first_contact_at: opt_ms(r.first_contact_at),
        resolved_at: opt_ms(r.resolved_at),
        closed_at: opt_ms(r.closed_at),
        supervision_level: r.supervision_level,
        escalation_level: r.escalation_level,
        reopen_count: r.reopen_count,
        return_pending: r.return_pending != 0,
        extension_pending: r.extension_pending != 0,
        breaches: r
            .breaches
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        overdue: r.overdue != 0,
        registered_at: rfc3339(r.registered_at),
        updated_at: rfc3339(r.updated_at),
    }
}
