//! Work orders: intake, the commands of their lifecycle, who may issue which, and the
//! notices that follow. The rules of the lifecycle itself live in the domain.

pub(crate) mod access;
mod intake;
mod query;
pub mod scheduler;

pub use access::{is_desk, CommandKindExt};
pub(crate) use intake::numbered;
pub use intake::{IntakeInput, IntakeResult, PreparedIntake, UrgencyRaise};
pub(crate) use query::mask_row;
pub use query::{Queue, QueuePage, SearchQuery, TicketView};

use crate::bus::Notice;
use crate::{Result, Service, ServiceError, User};
use yihaotai_domain::ticket::{apply, decide, Actor, Command, Event, Status, Ticket};
use yihaotai_domain::vocab::{Lang, Urgency};
use yihaotai_domain::TicketId;
use yihaotai_store::tickets::TicketRecord;

pub(crate) fn ts(ms: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// A refusal from the domain: bad text is invalid input naming its field (422); a
/// command the ticket's state does not allow is a conflict (409).
pub(crate) fn ticket_err(e: yihaotai_domain::ticket::TicketError) -> ServiceError {
    use yihaotai_domain::ticket::TicketError as E;
    match &e {
        E::Empty { field } | E::TooLong { field, .. } | E::InvalidText { field } => {
            ServiceError::Invalid {
                field: field.code().to_string(),
                zh: e.localized(Lang::Zh),
                en: e.localized(Lang::En),
            }
        }
        _ => ServiceError::Conflict {
            zh: e.localized(Lang::Zh),
            en: e.localized(Lang::En),
        },
    }
}

pub(crate) fn actor_of(user: &User) -> Actor {
    Actor {
        user: Some(user.id),
        agency: user.agency_id,
        roles: user.roles.clone(),
    }
}

impl Service {
    /// Publishes after commit: locally at once, and to other processes via the database.
    /// The notice was queued in the outbox by the transaction that stored the change; it
    /// is taken from there here, or, if this process stops first, by a relay later.
    pub(crate) async fn publish(&self, rec: &TicketRecord, events: &[Event]) {
        let Some(last) = events.last() else { return };
        if self.config.halt_after_commit {
            return;
        }
        let seq = rec.ticket.version as i64;
        match self.store.take_outbox(rec.id, seq).await {
            Ok(false) => return, // a relay delivered it already
            Ok(true) => {}
            Err(e) => tracing::warn!(error = %e, "could not take a notice from the outbox"),
        }
        let n = self.notice(rec, last.kind.code()).await;
        self.deliver(n).await;
    }

    /// What screens are told of a ticket's change, `event` being the kind of its last event.
    async fn notice(&self, rec: &TicketRecord, event: &str) -> Notice {
        let t = &rec.ticket;
        let critical_unaccepted =
            t.urgency == Urgency::Critical && t.accepted_at.is_none() && !t.is_terminal();
        // Only an alarm shows the agency's name; other notices spare the lookup.
        let agency_name = match t.assigned {
            Some(a) if critical_unaccepted => self.store.agency(a).await.ok().map(|a| a.row.name),
            _ => None,
        };
        Notice {
            ticket_id: rec.id.0,
            number: rec.number.clone(),
            status: t.status.code().to_string(),
            urgency: t.urgency.code().to_string(),
            title: t.content.chars().take(60).collect(),
            area_path: rec.area_path.clone(),
            agency_id: t.assigned.map(|a| a.0),
            event: event.to_string(),
            critical_unaccepted,
            critical_overdue: critical_unaccepted
                && t.deadlines.accept_by.is_some_and(|d| d <= ts(self.now())),
            registered_at: t.registered_at.as_millisecond(),
            accept_by: t.deadlines.accept_by.map(|d| d.as_millisecond()),
            agency_name,
            origin: self.bus.origin().to_string(),
        }
    }

    /// To this process's screens, and to the other processes' through the database.
    async fn deliver(&self, n: Notice) {
        if let Ok(payload) = serde_json::to_string(&n) {
            if let Err(e) = self.store.notify(crate::bus::CHANNEL, &payload).await {
                tracing::warn!(error = %e, "could not notify other processes");
            }
        }
        self.bus.send_local(n);
    }

    /// Delivers the notices still in the outbox that were queued at least `min_age_ms` ago:
    /// those whose process stopped between its commit and its notice. Run at start (with
    /// no minimum age) and every few seconds. A ticket changed again since is announced as
    /// it is now, which is what its screens need. Returns how many were delivered.
    pub async fn deliver_outbox(&self, min_age_ms: i64) -> Result<usize> {
        let mut delivered = 0;
        loop {
            let claimed = self
                .store
                .claim_outbox(self.now() - min_age_ms, 200)
                .await?;
            if claimed.is_empty() {
                return Ok(delivered);
            }
            for (id, seq) in claimed {
                let rec = match self.store.ticket(id).await {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::warn!(ticket = id.0, error = %e, "queued notice of an unreadable ticket dropped");
                        continue;
                    }
                };
                let events = self.store.ticket_events(id).await?;
                let kind = events
                    .iter()
                    .find(|e| e.seq == seq)
                    .map_or("changed", |e| e.kind.as_str())
                    .to_string();
                let n = self.notice(&rec, &kind).await;
                self.deliver(n).await;
                delivered += 1;
            }
        }
    }

    /// Relays notices from other app processes (PostgreSQL only) until the process ends:
    /// ticket notices into this process's bus, and cache notices (a user, token, area or
    /// category changed) into forgetting this process's copies. Reconnects after a lost
    /// connection, and then forgets every copy, since notices sent meanwhile are gone.
    pub async fn relay_notices(&self) {
        let channels = [crate::bus::CHANNEL, yihaotai_store::cache::CHANNEL];
        loop {
            match self.store.listen(&channels).await {
                Ok(None) => return,
                Ok(Some(mut l)) => {
                    // Listening from here on: whatever changed before is read afresh.
                    self.store.forget_caches();
                    loop {
                        match l.recv().await {
                            Ok(Some(h)) if h.channel == yihaotai_store::cache::CHANNEL => {
                                self.store.on_cache_notice(&h.payload);
                            }
                            Ok(Some(h)) => {
                                if let Ok(n) = serde_json::from_str::<Notice>(&h.payload) {
                                    if n.origin != self.bus.origin() {
                                        self.bus.send_local(n);
                                    }
                                }
                            }
                            Ok(None) => {
                                tracing::warn!("notice relay lost its connection");
                                break;
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "notice relay lost its connection");
                                break;
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "notice relay cannot listen"),
            }
            // Until listening again, copies may miss a change: forget them now, and the
            // ones made meanwhile live at most `yihaotai_store::cache::TTL`.
            self.store.forget_caches();
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
    }

    /// Loads, checks access, decides, appends and publishes one command; retries when
    /// another writer changed the ticket in between.
    #[tracing::instrument(skip(self, user, cmd), fields(user = %user.id, ticket = %id))]
    pub async fn command(&self, user: &User, id: TicketId, cmd: Command) -> Result<TicketRecord> {
        let kind = cmd.kind();
        access::check_role(user, kind)?;
        self.check_references(user, &cmd).await?;
        for _ in 0..3 {
            let rec = self.load_for(user, id).await?;
            access::check_command(user, &rec, kind)?;
            self.check_forward(user, &rec, &cmd).await?;
            match self
                .decide_and_append(rec, cmd.clone(), &actor_of(user))
                .await
            {
                // Only a version clash is worth deciding again; a constraint would refuse
                // the same write every time.
                Err(ServiceError::Store(e)) if e.is_version_conflict() => continue,
                other => return other,
            }
        }
        Err(ServiceError::Conflict {
            zh: "工单正被他人同时修改，请刷新后重试".into(),
            en: "the ticket is being changed by someone else; reload and try again".into(),
        })
    }

    /// May this user issue this kind of command at all? Asked before a body is parsed.
    pub fn may_issue(&self, user: &User, kind: yihaotai_domain::ticket::CommandKind) -> Result<()> {
        access::check_role(user, kind)
    }

    /// May this user record requests? Asked before an intake body is parsed.
    pub fn may_record(&self, user: &User) -> Result<()> {
        if access::is_desk(user) {
            Ok(())
        } else {
            Err(intake::not_desk())
        }
    }

    /// Every ticket and agency a command names must exist, be in use and, for a ticket,
    /// be open and one the caller may see; otherwise the command is refused as invalid,
    /// naming the field, and nothing changes. (A missing agency used to reach the
    /// database as a foreign-key failure and read as "being changed by someone else".)
    async fn check_references(&self, user: &User, cmd: &Command) -> Result<()> {
        let agencies: Vec<(&str, yihaotai_domain::AgencyId)> = match cmd {
            Command::Dispatch {
                agency, assisting, ..
            } => std::iter::once(("agency_id", *agency))
                .chain(assisting.iter().map(|a| ("assisting_agency_ids", *a)))
                .collect(),
            Command::Escalate { to, .. } => vec![("agency_id", *to)],
            Command::ApproveReturn {
                redispatch_to: Some(a),
                ..
            } => vec![("redispatch_agency_id", *a)],
            _ => Vec::new(),
        };
        for (field, a) in agencies {
            match self.store.agency(a).await {
                Ok(g) if g.row.active != 0 => {}
                Ok(_) | Err(yihaotai_store::StoreError::NotFound) => {
                    return Err(ServiceError::invalid(
                        field,
                        format!("承办单位 {} 不存在或已停用", a.0),
                        format!("agency {} does not exist or is not in use", a.0),
                    ))
                }
                Err(e) => return Err(e.into()),
            }
        }
        if let Command::Merge { into } = cmd {
            let refused = || {
                ServiceError::invalid(
                    "into_ticket_id",
                    format!("目标工单 {} 不存在、已办结或不在您负责的区域内", into.0),
                    format!(
                        "ticket {} does not exist, is no longer open, or is outside the areas you serve",
                        into.0
                    ),
                )
            };
            let target = match self.load_for(user, *into).await {
                Ok(t) => t,
                Err(ServiceError::NotFound) => return Err(refused()),
                Err(e) => return Err(e),
            };
            if !Self::is_open(&target) {
                return Err(refused());
            }
        }
        Ok(())
    }

    /// An agency's own staff pass on (分转) only a ticket their agency holds, and only to
    /// the agencies beneath it: a forwarding centre's forward rule is its own tree.
    async fn check_forward(&self, user: &User, rec: &TicketRecord, cmd: &Command) -> Result<()> {
        let Command::Dispatch { agency, .. } = cmd else {
            return Ok(());
        };
        if access::is_desk(user) {
            return Ok(());
        }
        let mine = user.agency_id.filter(|_| access::may_dispatch(user, rec));
        let Some(mine) = mine else {
            return Err(ServiceError::forbidden(
                "只有坐席、派单员、负责人或管理员可以派发新工单；承办单位只能转派本单位承办的工单",
                "only desk staff dispatch new tickets; an agency forwards only the tickets it holds",
            ));
        };
        let target = self.store.agency(*agency).await?;
        if target.row.parent_id != Some(mine.0) {
            return Err(ServiceError::invalid(
                "agency_id",
                "只能转派给本单位下属的承办单位",
                "a ticket can be forwarded only to an agency beneath yours",
            ));
        }
        Ok(())
    }

    /// Decides a command as `actor` and stores its events; no access check (callers do it).
    pub(crate) async fn decide_and_append(
        &self,
        mut rec: TicketRecord,
        cmd: Command,
        actor: &Actor,
    ) -> Result<TicketRecord> {
        let now = ts(self.now());
        let events = decide(&rec.ticket, cmd, actor, now, &self.policy()).map_err(ticket_err)?;
        if events.is_empty() {
            return Ok(rec);
        }
        let version = rec.ticket.version;
        let mut next: Ticket = rec.ticket.clone();
        for e in &events {
            apply(&mut next, e);
        }
        self.store
            .append_events(rec.id, version, &events, &next)
            .await?;
        rec.ticket = next;
        self.publish(&rec, &events).await;
        Ok(rec)
    }

    /// A ticket the user may see: in their areas, or involving their agency.
    pub async fn load_for(&self, user: &User, id: TicketId) -> Result<TicketRecord> {
        let rec = self.store.ticket(id).await?;
        if access::may_see(user, &rec) {
            Ok(rec)
        } else {
            Err(ServiceError::out_of_scope())
        }
    }

    /// Is the ticket open for work (not closed, cancelled or merged)?
    pub fn is_open(rec: &TicketRecord) -> bool {
        !matches!(
            rec.ticket.status,
            Status::Closed | Status::Cancelled | Status::Merged
        )
    }
}
