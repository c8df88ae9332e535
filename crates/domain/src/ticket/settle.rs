//! Triage on every save: whatever urgency the agent picked (or an API client sent), the
//! ticket never silently stays below a critical or urgent danger sign the rules found.
//! The agent may keep a lower urgency only by confirming it with a reason; both outcomes
//! are events on the ticket, so a review can see what triage said and who overrode it.

use super::command::optional_text;
use super::{EventKind, TextField, TicketError};
use crate::vocab::Urgency;

/// How much an urgency demands: higher is sooner.
pub fn severity(u: Urgency) -> u8 {
    match u {
        Urgency::Critical => 3,
        Urgency::Urgent => 2,
        Urgency::Normal => 1,
        Urgency::Consult => 0,
    }
}

/// The urgency a new ticket is stored with, and the event that says why when it is not
/// simply the one chosen.
///
/// - triage found nothing above the choice, or found only normal/consult: the choice;
/// - triage found critical or urgent above it and no reason was given: triage's, recorded
///   as [`EventKind::UrgencyRaised`] with the phrases that fired;
/// - the agent confirmed the lower urgency with a reason: the choice, recorded as
///   [`EventKind::DowngradeConfirmed`].
pub fn settle_urgency(
    chosen: Urgency,
    suggested: Urgency,
    reasons: &[String],
    downgrade_reason: Option<&str>,
) -> Result<(Urgency, Option<EventKind>), TicketError> {
    let binding = matches!(suggested, Urgency::Critical | Urgency::Urgent);
    if !binding || severity(chosen) >= severity(suggested) {
        return Ok((chosen, None));
    }
    let reason = optional_text(TextField::Reason, downgrade_reason.unwrap_or(""))?;
    if reason.is_empty() {
        Ok((
            suggested,
            Some(EventKind::UrgencyRaised {
                from: chosen,
                to: suggested,
                reasons: reasons.to_vec(),
            }),
        ))
    } else {
        Ok((
            chosen,
            Some(EventKind::DowngradeConfirmed {
                suggested,
                chosen,
                reason,
            }),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lower_choice_is_raised_unless_confirmed_with_a_reason() {
        let why = vec!["胸口剧烈疼痛".to_string()];
        let (u, e) = settle_urgency(Urgency::Normal, Urgency::Critical, &why, None).unwrap();
        assert_eq!(u, Urgency::Critical);
        assert!(matches!(
            e,
            Some(EventKind::UrgencyRaised {
                from: Urgency::Normal,
                to: Urgency::Critical,
                ..
            })
        ));
        // A blank reason is no reason.
        let (u, _) = settle_urgency(Urgency::Consult, Urgency::Urgent, &why, Some("  ")).unwrap();
        assert_eq!(u, Urgency::Urgent);
        let (u, e) = settle_urgency(
            Urgency::Normal,
            Urgency::Critical,
            &why,
            Some("来电人说是去年的事，现在不疼"),
        )
        .unwrap();
        assert_eq!(u, Urgency::Normal);
        assert!(matches!(e, Some(EventKind::DowngradeConfirmed { .. })));
    }

    #[test]
    fn the_agent_may_always_choose_higher_and_normal_suggestions_do_not_bind() {
        let (u, e) = settle_urgency(Urgency::Critical, Urgency::Normal, &[], None).unwrap();
        assert_eq!((u, e), (Urgency::Critical, None));
        let (u, e) = settle_urgency(Urgency::Consult, Urgency::Normal, &[], None).unwrap();
        assert_eq!((u, e), (Urgency::Consult, None));
        let (u, e) = settle_urgency(Urgency::Urgent, Urgency::Urgent, &[], None).unwrap();
        assert_eq!((u, e), (Urgency::Urgent, None));
        // A critical choice over an urgent suggestion stays.
        let (u, _) = settle_urgency(Urgency::Critical, Urgency::Urgent, &[], None).unwrap();
        assert_eq!(u, Urgency::Critical);
    }

    #[test]
    fn a_bad_reason_is_refused() {
        let e = settle_urgency(Urgency::Normal, Urgency::Critical, &[], Some("a\u{0}b"));
        assert!(matches!(e, Err(TicketError::InvalidText { .. })));
    }
}
