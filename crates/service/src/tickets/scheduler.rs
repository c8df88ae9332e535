//! The deadline watcher: records every breach (accept, contact, resolve) as an event, puts
//! priority and overdue tickets under supervision (重点督办), gives a second supervision
//! (二次督办) to those still open and escalates them one level up. With several app
//! processes on one PostgreSQL, a lease makes one of them do it.

use super::ts;
use crate::{Result, Service};
use yihaotai_domain::ticket::{due_breaches, needs_supervision, Actor, Command};
use yihaotai_domain::AgencyId;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassReport {
    pub ran: bool,
    pub breaches: usize,
    pub supervised: usize,
    pub escalated: usize,
}

impl Service {
    /// One pass over the open tickets, as the registered job `deadlines` (under its lease;
    /// `holder` names this process). Nothing is done while another process holds it.
    pub async fn deadline_pass(&self, holder: &str) -> Result<PassReport> {
        let spec = crate::jobs::Job::Deadlines.spec();
        Ok(self
            .leased(spec, holder, self.deadline_body(), |r: &PassReport| {
                format!(
                    "breaches {}, supervised {}, escalated {}",
                    r.breaches, r.supervised, r.escalated
                )
            })
            .await?
            .unwrap_or_default())
    }

    async fn deadline_body(&self) -> Result<PassReport> {
        let now_ms = self.now();
        let now = ts(now_ms);
        let system = Actor::system();
        let mut report = PassReport {
            ran: true,
            ..Default::default()
        };
        for id in self.store.tickets_due_for_breach(now_ms, 2_000).await? {
            let rec = self.store.ticket(id).await?;
            for clock in due_breaches(&rec.ticket, now) {
                let rec = self.store.ticket(id).await?;
                match self
                    .decide_and_append(rec, Command::RecordBreach { clock }, &system)
                    .await
                {
                    Ok(_) => report.breaches += 1,
                    Err(e) => tracing::warn!(ticket = %id, error = %e, "could not record breach"),
                }
            }
        }
        let priority: Vec<String> = self
            .store
            .categories()
            .await?
            .into_iter()
            .filter(|c| c.priority != 0)
            .map(|c| c.code)
            .collect();
        for id in self.store.open_dispatched_tickets(&priority, 5_000).await? {
            let rec = self.store.ticket(id).await?;
            let is_priority = priority.iter().any(|c| c == rec.ticket.category.as_str());
            let Some(level) = needs_supervision(&rec.ticket, now, is_priority, &self.policy())
            else {
                continue;
            };
            let note = if level == 1 {
                "重点督办：请加快办理并反馈"
            } else {
                "二次督办：仍未办结，提级办理"
            };
            let rec = match self
                .decide_and_append(
                    rec,
                    Command::Supervise {
                        level,
                        note: note.into(),
                    },
                    &system,
                )
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(ticket = %id, error = %e, "could not supervise");
                    continue;
                }
            };
            report.supervised += 1;
            if level >= 2 {
                if let Some(parent) = self.parent_agency(rec.ticket.assigned).await? {
                    let cmd = Command::Escalate {
                        to: parent,
                        reason: "二次督办后仍未办结".into(),
                    };
                    match self.decide_and_append(rec, cmd, &system).await {
                        Ok(_) => report.escalated += 1,
                        Err(e) => tracing::warn!(ticket = %id, error = %e, "could not escalate"),
                    }
                }
            }
        }
        Ok(report)
    }

    async fn parent_agency(&self, agency: Option<AgencyId>) -> Result<Option<AgencyId>> {
        match agency {
            Some(a) => Ok(self.store.agency(a).await?.row.parent_id.map(AgencyId)),
            None => Ok(None),
        }
    }
}
