//! `yihaotai rebuild-projections [--check]`: replay every ticket's events and rewrite its
//! projection (the state snapshot and the columns the queues read) where it differs.

use crate::settings::Settings;

#[derive(clap::Args)]
pub struct Opts {
    /// Compare only: change nothing, and exit 1 when a projection differs from its events.
    #[arg(long)]
    check: bool,
}

pub async fn run(s: &Settings, o: Opts) -> anyhow::Result<()> {
    let (service, _) = super::open_and_migrate(s).await?;
    let started = std::time::Instant::now();
    let mut shown = 0;
    let report = service
        .store
        .rebuild_projections(!o.check, |n| {
            if n >= shown + 10_000 {
                shown = n;
                eprintln!("… {n} tickets replayed");
            }
        })
        .await?;
    service.store.close().await;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} tickets replayed in {secs:.1} s; {} projection(s) differed from their events{}",
        report.tickets,
        report.differed,
        if o.check {
            String::new()
        } else {
            format!(", {} rewritten", report.written)
        }
    );
    match (o.check, report.first_differing) {
        (true, Some(id)) => anyhow::bail!(
            "{} projection(s) differ from their events (first: ticket {}); run without --check to rebuild them",
            report.differed,
            id.0
        ),
        _ => Ok(()),
    }
}
