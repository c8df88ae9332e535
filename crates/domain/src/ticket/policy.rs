//! Deadline policy as data: which rule applies to a ticket, and how long each clock runs.
//! Editable by a city (TOML), so nothing here is hard-wired into the state machine.

use super::{Calendar, Deadlines, PolicyError, Ticket};
use crate::vocab::{Lang, RequestType, Urgency};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// How a span is counted: elapsed time, or working days on the [`Calendar`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanUnit {
    Minutes,
    Hours,
    NaturalDays,
    WorkingDays,
}

impl SpanUnit {
    pub fn code(self) -> &'static str {
        match self {
            SpanUnit::Minutes => "minutes",
            SpanUnit::Hours => "hours",
            SpanUnit::NaturalDays => "natural_days",
            SpanUnit::WorkingDays => "working_days",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            SpanUnit::Minutes => lang.pick("分钟", "minutes"),
            SpanUnit::Hours => lang.pick("小时", "hours"),
            SpanUnit::NaturalDays => lang.pick("自然日", "days"),
            SpanUnit::WorkingDays => lang.pick("个工作日", "working days"),
        }
    }

    /// About a thousand days in each unit: any longer deadline is a typo, and the bound
    /// keeps working-day counting cheap.
    fn max(self) -> u32 {
        match self {
            SpanUnit::Minutes => 1_440_000,
            SpanUnit::Hours => 24_000,
            SpanUnit::NaturalDays | SpanUnit::WorkingDays => 1_000,
        }
    }
}

/// A length of time such as 30 minutes or 7 working days. Built only through
/// [`Span::new`] (or deserialisation, which calls it), so its amount is always sane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawSpan", into = "RawSpan")]
pub struct Span {
    amount: u32,
    unit: SpanUnit,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpan {
    amount: u32,
    unit: SpanUnit,
}

impl TryFrom<RawSpan> for Span {
    type Error = PolicyError;
    fn try_from(raw: RawSpan) -> Result<Span, PolicyError> {
        Span::new(raw.amount, raw.unit)
    }
}

impl From<Span> for RawSpan {
    fn from(s: Span) -> RawSpan {
        RawSpan {
            amount: s.amount,
            unit: s.unit,
        }
    }
}

impl Span {
    pub fn new(amount: u32, unit: SpanUnit) -> Result<Span, PolicyError> {
        if amount > unit.max() {
            return Err(PolicyError::SpanTooLong {
                amount,
                unit: unit.code(),
                max: unit.max(),
            });
        }
        Ok(Span { amount, unit })
    }

    /// For the built-in defaults, all far below the bounds.
    const fn of(amount: u32, unit: SpanUnit) -> Span {
        Span { amount, unit }
    }

    pub fn amount(self) -> u32 {
        self.amount
    }

    pub fn unit(self) -> SpanUnit {
        self.unit
    }

    /// `5分钟` / `5 minutes`.
    pub fn label(self, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!("{}{}", self.amount, self.unit.label(lang)),
            Lang::En => format!("{} {}", self.amount, self.unit.label(lang)),
        }
    }

    /// The moment this span ends when it starts at `from`.
    pub fn after(self, from: Timestamp, calendar: &Calendar) -> Timestamp {
        let n = i64::from(self.amount);
        let elapsed = match self.unit {
            SpanUnit::Minutes => SignedDuration::from_mins(n),
            SpanUnit::Hours => SignedDuration::from_hours(n),
            SpanUnit::NaturalDays => SignedDuration::from_hours(n * 24),
            SpanUnit::WorkingDays => return calendar.add_working_days(from, self.amount),
        };
        from.checked_add(elapsed).unwrap_or(Timestamp::MAX)
    }
}

/// One row of the deadline table. Empty keys match anything; the first matching rule of
/// [`Policy::rules`] wins, so specific rules go first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Urgency>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epidemic_related: Option<bool>,
    /// Empty: any request type. Complaints and reports ("complex" tickets) get their own
    /// row this way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_types: Vec<RequestType>,
    pub accept_within: Span,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_within: Option<Span>,
    pub resolve_within: Span,
}

impl DeadlineRule {
    pub fn matches(&self, urgency: Urgency, epidemic_related: bool, rt: RequestType) -> bool {
        self.urgency.is_none_or(|u| u == urgency)
            && self.epidemic_related.is_none_or(|e| e == epidemic_related)
            && (self.request_types.is_empty() || self.request_types.contains(&rt))
    }

    /// All three deadlines, counted from `from` (the dispatch or reopen moment).
    pub fn deadlines(&self, from: Timestamp, calendar: &Calendar) -> Deadlines {
        Deadlines {
            accept_by: Some(self.accept_within.after(from, calendar)),
            contact_by: self.contact_within.map(|s| s.after(from, calendar)),
            resolve_by: Some(self.resolve_within.after(from, calendar)),
        }
    }
}

/// The deadline rules, the calendar they count working days on, and how often an open
/// supervised ticket is supervised again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default = "default_resupervise_after")]
    pub resupervise_after: Span,
    pub rules: Vec<DeadlineRule>,
    #[serde(default)]
    pub calendar: Calendar,
}

/// The city pushes the priority list to districts every hour.
fn default_resupervise_after() -> Span {
    Span::of(1, SpanUnit::Hours)
}

impl Default for Policy {
    fn default() -> Policy {
        use SpanUnit::{Hours, Minutes, NaturalDays, WorkingDays};
        let rule =
            |urgency, epidemic_related, request_types: &[RequestType], a, c, r| DeadlineRule {
                urgency: Some(urgency),
                epidemic_related,
                request_types: request_types.to_vec(),
                accept_within: a,
                contact_within: c,
                resolve_within: r,
            };
        let normal_accept = Span::of(2, Hours);
        let normal_contact = Some(Span::of(1, WorkingDays));
        let rules = vec![
            rule(
                Urgency::Critical,
                None,
                &[],
                Span::of(5, Minutes),
                None,
                Span::of(1, Hours),
            ),
            rule(
                Urgency::Urgent,
                None,
                &[],
                Span::of(30, Minutes),
                None,
                Span::of(6, Hours),
            ),
            rule(
                Urgency::Consult,
                None,
                &[],
                Span::of(30, Minutes),
                None,
                Span::of(1, NaturalDays),
            ),
            rule(
                Urgency::Normal,
                Some(true),
                &[],
                Span::of(30, Minutes),
                Some(Span::of(2, Hours)),
                Span::of(24, Hours),
            ),
            rule(
                Urgency::Normal,
                None,
                &[RequestType::Consult],
                Span::of(30, Minutes),
                None,
                Span::of(1, NaturalDays),
            ),
            rule(
                Urgency::Normal,
                None,
                &[RequestType::Complaint, RequestType::Report],
                normal_accept,
                normal_contact,
                Span::of(15, WorkingDays),
            ),
            rule(
                Urgency::Normal,
                None,
                &[],
                normal_accept,
                normal_contact,
                Span::of(7, WorkingDays),
            ),
        ];
        Policy {
            resupervise_after: default_resupervise_after(),
            rules,
            calendar: Calendar::default(),
        }
    }
}

impl Policy {
    /// Reads a policy file. A missing `[calendar]` means the built-in China calendar.
    pub fn from_toml(s: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(s).map_err(|e| PolicyError::Toml(e.to_string()))?;
        policy.check()?;
        Ok(policy)
    }

    /// A usable policy has a rule for every kind of ticket (a ticket without one could
    /// not be given deadlines) and a consistent calendar.
    pub fn check(&self) -> Result<(), PolicyError> {
        if self.rules.is_empty() {
            return Err(PolicyError::NoRules);
        }
        for &urgency in Urgency::ALL {
            for epidemic_related in [false, true] {
                for &request_type in RequestType::ALL {
                    if self.rule(urgency, epidemic_related, request_type).is_none() {
                        return Err(PolicyError::Uncovered {
                            urgency,
                            epidemic_related,
                            request_type,
                        });
                    }
                }
            }
        }
        self.calendar.check()
    }

    /// The policy as the TOML an administrator edits, one rule to a block with spans as
    /// inline tables (the form the docs show); [`Policy::from_toml`] reads it back. Every
    /// value is a fixed code, a number or a date, so nothing needs escaping.
    pub fn to_toml(&self) -> String {
        use std::fmt::Write;
        let span = |s: Span| {
            format!(
                "{{ amount = {}, unit = \"{}\" }}",
                s.amount(),
                s.unit().code()
            )
        };
        let mut out = String::new();
        let _ = writeln!(out, "resupervise_after = {}", span(self.resupervise_after));
        for r in &self.rules {
            out.push_str("\n[[rules]]\n");
            if let Some(u) = r.urgency {
                let _ = writeln!(out, "urgency = \"{}\"", u.code());
            }
            if let Some(e) = r.epidemic_related {
                let _ = writeln!(out, "epidemic_related = {e}");
            }
            if !r.request_types.is_empty() {
                let codes: Vec<String> = r
                    .request_types
                    .iter()
                    .map(|t| format!("\"{}\"", t.code()))
                    .collect();
                let _ = writeln!(out, "request_types = [{}]", codes.join(", "));
            }
            let _ = writeln!(out, "accept_within = {}", span(r.accept_within));
            if let Some(c) = r.contact_within {
                let _ = writeln!(out, "contact_within = {}", span(c));
            }
            let _ = writeln!(out, "resolve_within = {}", span(r.resolve_within));
        }
        let dates = |ds: &[jiff::civil::Date]| {
            let items: Vec<String> = ds.iter().map(|d| format!("  \"{d}\",\n")).collect();
            format!("[\n{}]", items.concat())
        };
        out.push_str("\n[calendar]\n");
        let _ = writeln!(out, "holidays = {}", dates(&self.calendar.holidays));
        let _ = writeln!(
            out,
            "makeup_workdays = {}",
            dates(&self.calendar.makeup_workdays)
        );
        out
    }

    pub fn rule(
        &self,
        urgency: Urgency,
        epidemic_related: bool,
        request_type: RequestType,
    ) -> Option<&DeadlineRule> {
        self.rules
            .iter()
            .find(|r| r.matches(urgency, epidemic_related, request_type))
    }

    pub fn rule_for(&self, t: &Ticket) -> Option<&DeadlineRule> {
        self.rule(t.urgency, t.epidemic_related, t.request_type)
    }
}
