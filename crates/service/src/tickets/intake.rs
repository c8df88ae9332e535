//! Intake: a request becomes a ticket, with its area, deadlines and search words, and
//! perhaps a dispatch, in one transaction; open tickets from the same caller are offered
//! as follow-ups.

use super::{actor_of, ticket_err, ts};
use crate::{Result, Service, ServiceError, User};
use yihaotai_domain::area::AreaPath;
use yihaotai_domain::person::Phone;
use yihaotai_domain::ticket::{
    apply, decide, register, Command, DispatchMode, Disposition, NewTicket, Ticket,
};
use yihaotai_domain::vocab::{Category, Channel, Lang, RequestType, Urgency};
use yihaotai_domain::{AgencyId, AreaId, HouseholdId};
use yihaotai_store::tickets::{NewTicketRecord, TicketFilter, TicketRecord, TicketRow};

#[derive(Debug, Clone)]
pub struct IntakeInput {
    pub channel: Channel,
    pub request_type: RequestType,
    pub category: String,
    pub urgency: Urgency,
    pub epidemic_related: bool,
    pub confidential: bool,
    pub caller_name: Option<String>,
    pub caller_phone: Option<String>,
    pub household: Option<HouseholdId>,
    pub area: Option<AreaId>,
    pub content: String,
    pub disposition: Disposition,
    /// Dispatch at once, when the agent already knows the agency.
    pub dispatch_to: Option<(AgencyId, DispatchMode)>,
    /// What triage suggested (JSON), kept beside the agent's choice for review.
    pub suggestion: Option<String>,
    /// Why the agent keeps an urgency below the one triage finds on save; without it, the
    /// ticket takes triage's critical or urgent urgency.
    pub downgrade_reason: Option<String>,
}

impl IntakeInput {
    /// A request as a desk agent types it on the phone and leaves open for dispatch: from
    /// the 12345 hotline, a help request, no caller details, no household, no dispatch yet.
    /// Callers set the rest with struct update syntax.
    pub fn request(content: &str, category: &str, urgency: Urgency) -> IntakeInput {
        IntakeInput {
            channel: Channel::Hotline12345,
            request_type: RequestType::Help,
            category: category.to_string(),
            urgency,
            epidemic_related: false,
            confidential: false,
            caller_name: None,
            caller_phone: None,
            household: None,
            area: None,
            content: content.to_string(),
            disposition: Disposition::Dispatch,
            dispatch_to: None,
            suggestion: None,
            downgrade_reason: None,
        }
    }
}

/// The server's triage raised the urgency the request was sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrgencyRaise {
    pub from: Urgency,
    pub to: Urgency,
    /// The phrases that fired.
    pub reasons: Vec<String>,
}

#[derive(Debug)]
pub struct IntakeResult {
    pub record: TicketRecord,
    /// Set when triage on save raised the urgency that was sent.
    pub raised: Option<UrgencyRaise>,
}

/// A request checked and decided, ready to be stored.
pub struct PreparedIntake {
    ticket: Ticket,
    events: Vec<yihaotai_domain::ticket::Event>,
    area_path: String,
    day: String,
    search_text: String,
    suggestion: Option<String>,
    raised: Option<UrgencyRaise>,
}

/// An error about the `i`th request of a batch (0-based), named by its 1-based position so
/// the agent finds the row. A conflict (a duplicate, say) is that row's fault too.
pub(crate) fn numbered(i: usize, e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Invalid { field, zh, en } => ServiceError::Invalid {
            field: format!("{}#{}", field, i + 1),
            zh: format!("第{}条：{zh}", i + 1),
            en: format!("request {}: {en}", i + 1),
        },
        ServiceError::Conflict { zh, en } => ServiceError::Invalid {
            field: format!("content#{}", i + 1),
            zh: format!("第{}条：{zh}", i + 1),
            en: format!("request {}: {en}", i + 1),
        },
        e => e,
    }
}

pub(super) fn not_desk() -> ServiceError {
    ServiceError::forbidden(
        "只有坐席、派单员、负责人或管理员可以登记诉求",
        "only desk agents, dispatchers, leaders and admins record requests",
    )
}

impl Service {
    #[tracing::instrument(skip(self, user, input), fields(user = %user.id))]
    pub async fn intake(&self, user: &User, input: IntakeInput) -> Result<IntakeResult> {
        let prepared = self.prepare_intake(user, input).await?;
        self.store_intake(prepared).await
    }

    /// Records a batch (a pasted chat export): every request is checked first, and if any
    /// is refused nothing is stored; the error names the request by its position (1-based).
    pub async fn intake_batch(
        &self,
        user: &User,
        inputs: Vec<IntakeInput>,
    ) -> Result<Vec<IntakeResult>> {
        self.intake_rows(user, inputs.into_iter().enumerate().collect())
            .await
    }

    /// A batch whose requests are rows `i` (0-based) of a larger table: errors name the row.
    pub(crate) async fn intake_rows(
        &self,
        user: &User,
        inputs: Vec<(usize, IntakeInput)>,
    ) -> Result<Vec<IntakeResult>> {
        let mut prepared = Vec::with_capacity(inputs.len());
        for (i, input) in inputs {
            let p = self
                .prepare_intake(user, input)
                .await
                .map_err(|e| numbered(i, e))?;
            prepared.push(p);
        }
        let mut out = Vec::with_capacity(prepared.len());
        for p in prepared {
            out.push(self.store_intake(p).await?);
        }
        Ok(out)
    }

    /// Sends a request to the agency the dispatch catalogue names for its category and
    /// place, as the intake form's "by the catalogue" choice does. A request already sent
    /// somewhere, or not kept for dispatch, is left as it is; one the catalogue names no
    /// agency for is refused, so it never waits unseen with no deadline running.
    /// `field` names the choice in the caller's own terms (the form's or the API's) when
    /// the catalogue has no agency.
    pub async fn dispatch_by_catalogue(
        &self,
        user: &User,
        input: &mut IntakeInput,
        field: &str,
    ) -> Result<()> {
        if input.dispatch_to.is_some() || !matches!(input.disposition, Disposition::Dispatch) {
            return Ok(());
        }
        match self
            .suggest_for_intake(user, &input.category, input.household, input.area)
            .await?
        {
            Some(s) => {
                input.dispatch_to = Some((AgencyId(s.agency_id), s.mode));
                Ok(())
            }
            None => Err(ServiceError::invalid(
                field,
                "派单目录中没有该类别在该区域的承办单位，请选择承办单位或留给派单员",
                "the dispatch catalogue has no agency for this category here; choose an agency or leave it for the dispatcher",
            )),
        }
    }

    /// Every check and decision of intake, without storing anything.
    pub async fn prepare_intake(&self, user: &User, input: IntakeInput) -> Result<PreparedIntake> {
        if !super::access::is_desk(user) {
            return Err(not_desk());
        }
        let category = Category::parse(&input.category).map_err(|e| {
            ServiceError::invalid("category", format!("类别代码无效：{}", e.0), e.to_string())
        })?;
        let known = self.store.categories().await?;
        if !known
            .iter()
            .any(|c| c.code == category.as_str() && c.active != 0)
        {
            return Err(ServiceError::invalid(
                "category",
                format!("未知类别“{}”", category.as_str()),
                format!("unknown category '{}'", category.as_str()),
            ));
        }
        let caller_phone = match input.caller_phone.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => Some(Phone::parse(p).map_err(|e| {
                ServiceError::invalid("caller_phone", e.localized(Lang::Zh), e.localized(Lang::En))
            })?),
            _ => None,
        };
        let (area_id, area_path) = self.intake_area(user, input.household, input.area).await?;
        if let Some((agency, _)) = input.dispatch_to {
            self.store.agency(agency).await.map_err(|_| {
                ServiceError::invalid("agency", "承办单位不存在", "the agency does not exist")
            })?;
        }
        let now = ts(self.now());
        let actor = actor_of(user);
        let (urgency, settled) = self.settle_on_save(&input)?;
        if settled.is_some() && matches!(input.disposition, Disposition::AnswerAndClose { .. }) {
            // A danger sign is not answered on the phone and filed away.
            return Err(ServiceError::invalid(
                "disposition",
                format!(
                    "分诊发现“{}”迹象，不能当场答复归档：请派单或转110/119/120，或填写降级原因",
                    urgency.label(Lang::Zh)
                ),
                format!(
                    "triage finds {} danger signs: this cannot be answered and closed on the call; dispatch it, hand it to 110/119/120, or give a reason for the lower urgency",
                    urgency.label(Lang::En)
                ),
            ));
        }
        let raised = match &settled {
            Some(yihaotai_domain::ticket::EventKind::UrgencyRaised { from, to, reasons }) => {
                Some(UrgencyRaise {
                    from: *from,
                    to: *to,
                    reasons: reasons.clone(),
                })
            }
            _ => None,
        };
        let new = NewTicket {
            channel: input.channel,
            request_type: input.request_type,
            category,
            urgency,
            epidemic_related: input.epidemic_related,
            confidential: input.confidential,
            caller_name: input.caller_name.filter(|n| !n.trim().is_empty()),
            caller_phone,
            household: input.household,
            area: Some(area_id),
            content: input.content,
            disposition: input.disposition,
        };
        let mut events = register(new, &actor, now, &self.policy()).map_err(ticket_err)?;
        if let Some(kind) = settled {
            // Right after the registration, before any closure or dispatch.
            let e = yihaotai_domain::ticket::Event {
                at: now,
                actor: actor.user,
                agency: actor.agency,
                kind,
            };
            events.insert(1, e);
        }
        let mut ticket = Ticket::from_events(&events)
            .ok_or_else(|| ServiceError::invalid("content", "无法登记", "cannot register"))?;
        if let Some((agency, mode)) = input.dispatch_to {
            let more = decide(
                &ticket,
                Command::Dispatch {
                    agency,
                    mode,
                    assisting: vec![],
                    note: String::new(),
                },
                &actor,
                now,
                &self.policy(),
            )
            .map_err(ticket_err)?;
            for e in &more {
                apply(&mut ticket, e);
            }
            events.extend(more);
        }
        let day = yihaotai_domain::ticket::china_datetime(now)
            .strftime("%Y%m%d")
            .to_string();
        let search_text = yihaotai_domain::search::index_text(&format!(
            "{} {}",
            ticket.content,
            ticket.caller_name.as_deref().unwrap_or("")
        ));
        Ok(PreparedIntake {
            ticket,
            events,
            area_path,
            day,
            search_text,
            suggestion: input.suggestion,
            raised,
        })
    }

    /// The urgency a request will be stored with, triage on save included.
    pub fn urgency_on_save(&self, input: &IntakeInput) -> Result<Urgency> {
        Ok(self.settle_on_save(input)?.0)
    }

    /// A critical request saved while the same caller or household has open tickets: it
    /// is never held back as a follow-up, but each side says where the other is.
    pub async fn link_to_open(
        &self,
        user: &User,
        new: &TicketRecord,
        open: &[TicketRow],
    ) -> Result<()> {
        if open.is_empty() {
            return Ok(());
        }
        let numbers: Vec<String> = open.iter().map(|r| r.number.clone()).collect();
        let text = format!(
            "同一来电人或住户另有未办结工单：{} / the same caller or household has open tickets: {}",
            numbers.join("、"),
            numbers.join(", ")
        );
        self.command(user, new.id, Command::AddNote { text })
            .await?;
        for r in open {
            let text = format!(
                "同一来电人或住户新登记特急工单 {} / a critical ticket from the same caller or household: {}",
                new.number, new.number
            );
            self.command(
                user,
                yihaotai_domain::TicketId(r.id),
                Command::AddNote { text },
            )
            .await?;
        }
        Ok(())
    }

    /// Triage on save: the server reads the text itself, whatever the form or client
    /// sent, and keeps the higher of the two urgencies unless a lower one is confirmed.
    fn settle_on_save(
        &self,
        input: &IntakeInput,
    ) -> Result<(Urgency, Option<yihaotai_domain::ticket::EventKind>)> {
        let analysis = self.triage.get().analyze(&input.content);
        let reasons: Vec<String> = analysis
            .reasons
            .iter()
            .filter(|r| r.field == "urgency")
            .map(|r| r.phrase.clone())
            .collect();
        yihaotai_domain::ticket::settle_urgency(
            input.urgency,
            analysis.urgency,
            &reasons,
            input.downgrade_reason.as_deref(),
        )
        .map_err(ticket_err)
    }

    /// Where a request comes from decides who sees it: the household's area, the area
    /// given, or else the first area the agent serves.
    pub(crate) async fn intake_area(
        &self,
        user: &User,
        household: Option<HouseholdId>,
        area: Option<AreaId>,
    ) -> Result<(AreaId, String)> {
        let scope = user.scope();
        let found = if let Some(h) = household {
            // A missing household and another community's get the same answer, so a
            // scoped agent cannot learn which ids exist elsewhere.
            let refused = || {
                ServiceError::invalid(
                    "household",
                    "住户不存在或不在您负责的区域内",
                    "no such household in the areas you serve",
                )
            };
            let hh = self.store.household(h).await.map_err(|_| refused())?;
            let p = AreaPath::from_stored(hh.area_path.clone());
            if !scope.covers(&p) {
                return Err(refused());
            }
            (AreaId(hh.area_id), hh.area_path)
        } else if let Some(a) = area {
            let area = self.area_for(user, a).await.map_err(|_| {
                ServiceError::invalid(
                    "area",
                    "区域不存在或不在您负责的范围内",
                    "the area does not exist or is outside the areas you serve",
                )
            })?;
            (area.id, area.path.as_str().to_string())
        } else {
            let first = user.areas.first().ok_or_else(|| {
                ServiceError::forbidden("您的账号没有负责区域", "your account serves no area")
            })?;
            (AreaId(first.id), first.path.clone())
        };
        Ok(found)
    }

    /// The agency the dispatch catalogue suggests for a new request of `category` from
    /// the household or area given (as intake would place it).
    pub async fn suggest_for_intake(
        &self,
        user: &User,
        category: &str,
        household: Option<HouseholdId>,
        area: Option<AreaId>,
    ) -> Result<Option<crate::catalogue::DispatchSuggestion>> {
        let (_, path) = self.intake_area(user, household, area).await?;
        self.suggest_dispatch(category, &path).await
    }

    async fn store_intake(&self, p: PreparedIntake) -> Result<IntakeResult> {
        let PreparedIntake {
            mut ticket,
            events,
            area_path,
            day,
            search_text,
            suggestion,
            raised,
        } = p;
        let (id, number) = self
            .store
            .insert_ticket(&NewTicketRecord {
                ticket: &ticket,
                events: &events,
                area_path: &area_path,
                day: &day,
                search_text: &search_text,
                suggestion: suggestion.as_deref().unwrap_or(""),
            })
            .await?;
        ticket.id = Some(id);
        let record = TicketRecord {
            id,
            number,
            area_path,
            suggestion: suggestion.unwrap_or_default(),
            ticket,
        };
        self.publish(&record, &events).await;
        Ok(IntakeResult { record, raised })
    }

    /// Open tickets from the same phone or household: offered as a follow-up instead of a
    /// new ticket.
    pub async fn open_tickets_of_caller(
        &self,
        user: &User,
        phone: Option<&str>,
        household: Option<HouseholdId>,
    ) -> Result<Vec<TicketRow>> {
        let open = vec![
            "registered",
            "dispatched",
            "accepted",
            "return_requested",
            "resolved",
        ];
        let mut out: Vec<TicketRow> = Vec::new();
        let scope = Some(
            user.scope()
                .paths
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
        );
        if let Some(p) = phone.and_then(|p| Phone::parse(p).ok()) {
            let f = TicketFilter {
                scope: scope.clone(),
                phone: Some(p.as_str().to_string()),
                statuses: open.clone(),
                limit: 20,
                ..Default::default()
            };
            out.extend(self.store.list_tickets(&f).await?);
        }
        if let Some(h) = household {
            let f = TicketFilter {
                scope,
                household: Some(h),
                statuses: open,
                limit: 20,
                ..Default::default()
            };
            for r in self.store.list_tickets(&f).await? {
                if !out.iter().any(|x| x.id == r.id) {
                    out.push(r);
                }
            }
        }
        Ok(out
            .into_iter()
            .map(|r| super::query::mask_row(user, r))
            .collect())
    }
}
