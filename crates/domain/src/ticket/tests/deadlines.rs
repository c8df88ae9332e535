//! Deadline arithmetic: the default rules, working days on the 2026 calendar, and
//! policies read from TOML.

use super::support::*;
use crate::ticket::*;
use crate::vocab::{RequestType, Urgency};
use jiff::civil::{date, Weekday};

fn deadlines(urgency: Urgency, epidemic: bool, rt: RequestType, from: &str) -> Deadlines {
    let policy = Policy::default();
    let rule = policy.rule(urgency, epidemic, rt).expect("a rule");
    rule.deadlines(at(from), &policy.calendar)
}

fn plus_working_days(from: &str, n: u32) -> jiff::Timestamp {
    Calendar::china_2026().add_working_days(at(from), n)
}

#[test]
fn critical_and_urgent_run_in_natural_minutes_and_hours() {
    let d = deadlines(
        Urgency::Critical,
        false,
        RequestType::Help,
        "2026-03-07T23:58",
    );
    assert_eq!(d.accept_by, Some(at("2026-03-08T00:03")));
    assert_eq!(d.contact_by, None);
    assert_eq!(d.resolve_by, Some(at("2026-03-08T00:58")));
    let d = deadlines(Urgency::Urgent, true, RequestType::Help, "2026-03-02T21:00");
    assert_eq!(d.accept_by, Some(at("2026-03-02T21:30")));
    assert_eq!(d.resolve_by, Some(at("2026-03-03T03:00")));
}

#[test]
fn epidemic_related_normal_tickets_answer_in_two_hours_and_close_in_a_day() {
    for rt in [RequestType::Help, RequestType::Complaint] {
        let d = deadlines(Urgency::Normal, true, rt, "2026-03-06T17:00");
        assert_eq!(d.accept_by, Some(at("2026-03-06T17:30")));
        assert_eq!(d.contact_by, Some(at("2026-03-06T19:00")));
        assert_eq!(d.resolve_by, Some(at("2026-03-07T17:00")));
    }
}

#[test]
fn complaints_and_reports_get_fifteen_working_days() {
    for rt in [RequestType::Complaint, RequestType::Report] {
        let d = deadlines(Urgency::Normal, false, rt, "2026-03-02T09:00");
        assert_eq!(d.accept_by, Some(at("2026-03-02T11:00")));
        assert_eq!(d.contact_by, Some(at("2026-03-03T09:00")));
        assert_eq!(d.resolve_by, Some(at("2026-03-23T09:00")));
    }
    let d = deadlines(
        Urgency::Normal,
        false,
        RequestType::Suggestion,
        "2026-03-02T09:00",
    );
    assert_eq!(d.resolve_by, Some(at("2026-03-11T09:00")));
}

#[test]
fn consultations_close_within_a_natural_day() {
    let by_urgency = deadlines(
        Urgency::Consult,
        false,
        RequestType::Help,
        "2026-03-06T10:00",
    );
    let by_type = deadlines(
        Urgency::Normal,
        false,
        RequestType::Consult,
        "2026-03-06T10:00",
    );
    for d in [by_urgency, by_type] {
        assert_eq!(d.accept_by, Some(at("2026-03-06T10:30")));
        assert_eq!(d.resolve_by, Some(at("2026-03-07T10:00")));
    }
}

#[test]
fn working_days_skip_weekends() {
    assert_eq!(
        plus_working_days("2026-03-06T16:00", 1),
        at("2026-03-09T16:00")
    );
    assert_eq!(
        plus_working_days("2026-03-07T10:00", 1),
        at("2026-03-09T10:00")
    );
    assert_eq!(
        plus_working_days("2026-03-02T09:00", 0),
        at("2026-03-02T09:00")
    );
}

#[test]
fn working_days_skip_holidays() {
    // 清明节 4-6 April.
    assert_eq!(
        plus_working_days("2026-04-03T10:00", 1),
        at("2026-04-07T10:00")
    );
    // 国庆节 1-7 October.
    assert_eq!(
        plus_working_days("2026-09-30T09:00", 1),
        at("2026-10-08T09:00")
    );
    let weekdays = Calendar::weekdays_only();
    assert_eq!(
        weekdays.add_working_days(at("2026-04-03T10:00"), 1),
        at("2026-04-06T10:00")
    );
}

#[test]
fn make_up_workdays_count() {
    // Saturday 14 February is worked before the Spring Festival (15-23 February).
    assert_eq!(
        plus_working_days("2026-02-13T10:00", 1),
        at("2026-02-14T10:00")
    );
    assert_eq!(
        plus_working_days("2026-02-13T10:00", 2),
        at("2026-02-24T10:00")
    );
    // Sunday 4 January is worked after New Year.
    assert_eq!(
        plus_working_days("2026-01-02T10:00", 1),
        at("2026-01-04T10:00")
    );
}

#[test]
fn working_days_count_china_dates_not_utc_dates() {
    // Friday 16:30 UTC is already Saturday 00:30 in China.
    let from: jiff::Timestamp = "2026-03-06T16:30Z".parse().expect("instant");
    assert_eq!(
        Calendar::china_2026().add_working_days(from, 1),
        at("2026-03-09T00:30")
    );
}

#[test]
fn the_2026_calendar_reads_like_the_notice() {
    let cal = Calendar::china_2026();
    assert_eq!(cal.holidays.len(), 3 + 9 + 3 + 5 + 3 + 3 + 7);
    assert_eq!(cal.makeup_workdays.len(), 6);
    for d in &cal.makeup_workdays {
        assert!(
            matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday),
            "{d} is not a weekend day"
        );
        assert!(cal.is_working_day(*d));
    }
    assert!(!cal.is_working_day(date(2026, 2, 16)));
    assert!(cal.is_working_day(date(2026, 2, 24)));
    assert!(!cal.is_working_day(date(2026, 3, 7)));
}

#[test]
fn format_local_shows_china_time() {
    assert_eq!(format_local(at("2026-03-02T09:05")), "2026-03-02 09:05");
}

#[test]
fn the_default_policy_round_trips_through_toml() {
    let policy = Policy::default();
    let text = policy.to_toml();
    assert!(text.contains("[[rules]]"), "{text}");
    assert_eq!(Policy::from_toml(&text), Ok(policy));
}

#[test]
fn a_policy_must_give_every_kind_of_ticket_its_deadlines() {
    let only_critical = Policy::from_toml(
        r#"
        [[rules]]
        urgency = "critical"
        accept_within = { amount = 5, unit = "minutes" }
        resolve_within = { amount = 1, unit = "hours" }
        "#,
    )
    .expect_err("urgent tickets would have no deadlines");
    assert_eq!(
        only_critical,
        PolicyError::Uncovered {
            urgency: Urgency::Urgent,
            epidemic_related: false,
            request_type: RequestType::Consult,
        }
    );
    let zh = only_critical.localized(crate::vocab::Lang::Zh);
    assert!(zh.contains("紧急") && zh.contains("非涉疫"), "{zh}");
    assert!(Policy::default().check().is_ok());
}

#[test]
fn a_city_policy_is_read_from_toml() {
    let policy = Policy::from_toml(
        r#"
        resupervise_after = { amount = 2, unit = "hours" }

        [[rules]]
        urgency = "critical"
        accept_within = { amount = 3, unit = "minutes" }
        resolve_within = { amount = 30, unit = "minutes" }

        [[rules]]
        request_types = ["complaint"]
        accept_within = { amount = 1, unit = "hours" }
        contact_within = { amount = 1, unit = "working_days" }
        resolve_within = { amount = 10, unit = "working_days" }

        [[rules]]
        accept_within = { amount = 1, unit = "hours" }
        resolve_within = { amount = 3, unit = "natural_days" }

        [calendar]
        holidays = ["2026-03-09"]
        "#,
    )
    .expect("policy");
    let r = policy
        .rule(Urgency::Normal, false, RequestType::Complaint)
        .expect("complaint rule");
    assert_eq!(r.resolve_within.amount(), 10);
    assert_eq!(r.resolve_within.label(crate::vocab::Lang::Zh), "10个工作日");
    let any = policy
        .rule(Urgency::Urgent, true, RequestType::Help)
        .expect("catch-all");
    assert_eq!(any.resolve_within.unit(), SpanUnit::NaturalDays);
    // The city's own calendar replaces the built-in one: Monday 9 March is off.
    assert_eq!(
        policy.calendar.add_working_days(at("2026-03-06T10:00"), 1),
        at("2026-03-10T10:00")
    );
}

#[test]
fn bad_policies_are_refused_with_a_reason() {
    let span_err = Policy::from_toml(
        r#"
        [[rules]]
        accept_within = { amount = 5000, unit = "working_days" }
        resolve_within = { amount = 1, unit = "hours" }
        "#,
    )
    .expect_err("too long");
    assert!(span_err.to_string().contains("5000"), "{span_err}");
    let typo = Policy::from_toml(
        r#"
        [[rules]]
        accept_within = { amount = 5, unit = "minutes" }
        resolve_within = { amount = 1, unit = "hours" }
        resolve_whithin = { amount = 1, unit = "hours" }
        "#,
    );
    assert!(matches!(typo, Err(PolicyError::Toml(_))), "{typo:?}");
    assert_eq!(Policy::from_toml("rules = []"), Err(PolicyError::NoRules));
    assert_eq!(
        Calendar::from_toml(
            r#"
            holidays = ["2026-02-14"]
            makeup_workdays = ["2026-02-14"]
            "#
        ),
        Err(PolicyError::HolidayAndWorkday(date(2026, 2, 14)))
    );
    assert!(Span::new(1_000, SpanUnit::WorkingDays).is_ok());
    assert!(Span::new(1_001, SpanUnit::WorkingDays).is_err());
}

#[test]
fn a_calendar_is_read_from_toml() {
    let cal = Calendar::from_toml(
        r#"
        holidays = ["2026-03-09", "2026-03-10"]
        makeup_workdays = ["2026-03-07"]
        "#,
    )
    .expect("calendar");
    assert!(cal.is_working_day(date(2026, 3, 7)));
    assert!(!cal.is_working_day(date(2026, 3, 9)));
    assert_eq!(
        cal.add_working_days(at("2026-03-06T10:00"), 2),
        at("2026-03-11T10:00")
    );
}
