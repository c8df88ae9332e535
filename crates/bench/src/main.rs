//! Load generators and measurements. Each subcommand prints its figures; none asserts a
//! timing (goals are compared by a person, in docs/benchmarks.md).

mod app;
mod corpus;
mod intake;
mod loader;
mod logins;
mod queue;
mod stats;
mod triage;
mod triage_cv;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "yihaotai-bench",
    about = "Measure yihaotai: intake throughput, queue latency at scale, triage speed"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Concurrent API clients recording requests; throughput, latency, durability check.
    Intake(intake::Opts),
    /// Bulk-load tickets, then time the dispatcher queue, an agency inbox and a search.
    Queue(queue::Opts),
    /// Texts classified per second on one core.
    Triage(triage::Opts),
    /// Cross-validate the rules + model blend on the training data (never the held-out part).
    TriageCv(triage_cv::Opts),
    /// `/api/v1/me` latency on a quiet desk and during a storm of logins.
    Logins(logins::Opts),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        // Triage measures one core: no runtime, no other threads.
        Cmd::Triage(o) => triage::run(o),
        Cmd::TriageCv(o) => triage_cv::run(o),
        Cmd::Intake(o) => runtime()?.block_on(intake::run(o)),
        Cmd::Queue(o) => runtime()?.block_on(queue::run(o)),
        Cmd::Logins(o) => runtime()?.block_on(logins::run(o)),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
