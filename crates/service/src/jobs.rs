//! The job registry: every timed job declared once, with its period and whether one
//! process at a time runs it (a lease on the database's clock, renewed while the job runs).
//! Each run is timed, counted in the metrics (`yihaotai_job_seconds`,
//! `yihaotai_job_failures_total`) and recorded in `job_status`, which the admin page
//! `/admin/jobs` lists. `yihaotai serve` starts one loop per entry of [`JOBS`].

use crate::{Result, Service};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use yihaotai_domain::vocab::Lang;
use yihaotai_store::leases::{JobRunRecord, JobStatus};

/// The timed jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Breaches, supervision and escalation of the open tickets.
    Deadlines,
    /// Scheduled control levels take effect; expired sessions and stale throttle rows go.
    Housekeeping,
    /// Notices a stopped process left in the outbox are delivered.
    OutboxRelay,
    /// The deadline policy saved by any process is read into this one.
    PolicyReload,
}

/// One job as the registry declares it.
#[derive(Debug, Clone, Copy)]
pub struct JobSpec {
    pub job: Job,
    /// The name in the lease, the status row, the metrics and the logs.
    pub name: &'static str,
    pub period: Duration,
    /// `Some(ttl)`: one process at a time, holding a lease of `ttl` (renewed every
    /// third of it while running); `None`: every process runs it for itself.
    pub lease: Option<Duration>,
    pub zh: &'static str,
    pub en: &'static str,
}

/// Every timed job, in one place.
pub const JOBS: &[JobSpec] = &[
    JobSpec {
        job: Job::Deadlines,
        name: "deadlines",
        period: Duration::from_secs(30),
        lease: Some(Duration::from_secs(120)),
        zh: "时限检查：超期、督办、提级",
        en: "Deadlines: breaches, supervision, escalation",
    },
    JobSpec {
        job: Job::Housekeeping,
        name: "housekeeping",
        period: Duration::from_secs(60),
        lease: Some(Duration::from_secs(90)),
        zh: "例行维护：管控生效、清理过期会话",
        en: "Housekeeping: control levels, expired sessions",
    },
    JobSpec {
        job: Job::OutboxRelay,
        name: "outbox_relay",
        period: Duration::from_secs(5),
        lease: None,
        zh: "补发提醒：投递中断后留下的通知",
        en: "Outbox relay: notices left by a stopped process",
    },
    JobSpec {
        job: Job::PolicyReload,
        name: "policy_reload",
        period: Duration::from_secs(60),
        lease: None,
        zh: "重读时限规则",
        en: "Policy reload: the deadline rules saved anywhere",
    },
];

impl Job {
    pub fn spec(self) -> &'static JobSpec {
        JOBS.iter()
            .find(|s| s.job == self)
            .expect("every job is in JOBS")
    }
}

impl JobSpec {
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }
}

/// What one call of [`Service::run_job`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobRun {
    /// False when another process holds the lease: nothing was done here.
    pub ran: bool,
    pub summary: String,
}

/// A job's registry entry with its last recorded run, for the admin page.
#[derive(Debug, Clone)]
pub struct JobView {
    pub spec: &'static JobSpec,
    pub status: Option<JobStatus>,
    /// The lease's holder and expiry (database clock), for leased jobs.
    pub lease: Option<(String, i64)>,
}

impl Service {
    /// Runs `spec`'s body under its lease (when it has one), renewing the lease while the
    /// body runs, and records the run: its duration, its summary or error, in the metrics
    /// and in `job_status`. `Ok(None)` when another process holds the lease.
    pub(crate) async fn leased<T, F>(
        &self,
        spec: &JobSpec,
        holder: &str,
        body: F,
        summary: impl FnOnce(&T) -> String,
    ) -> Result<Option<T>>
    where
        F: Future<Output = Result<T>>,
    {
        if let Some(ttl) = spec.lease {
            if !self
                .store
                .try_lease(spec.name, holder, ttl.as_millis() as i64)
                .await?
            {
                return Ok(None);
            }
        }
        let renewal = spec.lease.map(|ttl| {
            let (store, name, holder) = (self.store.clone(), spec.name, holder.to_string());
            let lost = Arc::new(AtomicBool::new(false));
            let flag = lost.clone();
            let task = tokio::spawn(async move {
                let mut tick = tokio::time::interval(ttl / 3);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    match store.try_lease(name, &holder, ttl.as_millis() as i64).await {
                        Ok(true) => {}
                        Ok(false) => {
                            flag.store(true, Ordering::Relaxed);
                            tracing::warn!(job = name, "the lease passed to another process");
                        }
                        Err(e) => tracing::warn!(job = name, error = %e, "cannot renew the lease"),
                    }
                }
            });
            (task, lost)
        });
        let started_at = self.now();
        let clock = Instant::now();
        let out = body.await;
        let took = clock.elapsed();
        if let Some((task, lost)) = renewal {
            task.abort();
            if lost.load(Ordering::Relaxed) {
                tracing::warn!(job = spec.name, "ran past its lease");
            }
        }
        metrics::histogram!("yihaotai_job_seconds", "job" => spec.name).record(took.as_secs_f64());
        let (error, text) = match &out {
            Ok(v) => (None, summary(v)),
            Err(e) => {
                metrics::counter!("yihaotai_job_failures_total", "job" => spec.name).increment(1);
                tracing::warn!(job = spec.name, error = %e, "job failed");
                (Some(e.to_string()), String::new())
            }
        };
        let record = JobRunRecord {
            name: spec.name,
            holder,
            started_at,
            finished_at: started_at + took.as_millis() as i64,
            duration_ms: took.as_millis() as i64,
            error: error.as_deref(),
            summary: &text,
        };
        if let Err(e) = self.store.record_job_run(&record).await {
            tracing::warn!(job = spec.name, error = %e, "cannot record the job's run");
        }
        out.map(Some)
    }

    /// Runs one registered job now, as `yihaotai serve`'s loops do every period.
    /// `first` is the process's first run of it (the outbox relay then takes every row,
    /// not only those older than a delivery takes).
    pub async fn run_job(&self, job: Job, holder: &str, first: bool) -> Result<JobRun> {
        let spec = job.spec();
        let summary = match job {
            Job::Deadlines => self.deadline_pass(holder).await?.ran.then(String::new),
            Job::Housekeeping => self.housekeeping(holder).await?.then(String::new),
            Job::OutboxRelay => {
                let min_age = if first { 0 } else { 5_000 };
                self.leased(spec, holder, self.deliver_outbox(min_age), |n| {
                    format!("{n} notices")
                })
                .await?
                .map(|_| String::new())
            }
            Job::PolicyReload => self
                .leased(spec, holder, self.load_policy(), |_| String::new())
                .await?
                .map(|_| String::new()),
        };
        Ok(JobRun {
            ran: summary.is_some(),
            summary: summary.unwrap_or_default(),
        })
    }

    /// The registry with each job's last run and lease, for administrators.
    pub async fn jobs_for(&self, user: &crate::User) -> Result<Vec<JobView>> {
        crate::admin::Caller::User(user).require_admin()?;
        let statuses = self.store.job_statuses().await?;
        let mut out = Vec::new();
        for spec in JOBS {
            let lease = match spec.lease {
                Some(_) => self.store.lease_holder(spec.name).await?,
                None => None,
            };
            out.push(JobView {
                spec,
                status: statuses.iter().find(|s| s.name == spec.name).cloned(),
                lease,
            });
        }
        Ok(out)
    }
}
