//! `yihaotai`: the desk's one binary. Each subcommand lives in `cmd/`.

mod cmd;
mod settings;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "yihaotai",
    version,
    about = "一号台 — work-order desk for citizen service hotlines and community service desks"
)]
struct Cli {
    /// TOML settings file (also YIHAOTAI_CONFIG).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB (also YIHAOTAI_DATABASE_URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web desk.
    Serve(cmd::serve::Opts),
    /// Apply database migrations and exit.
    Migrate,
    /// Stand up a real street on a new database: the street and its first administrator.
    Init(cmd::init::Opts),
    /// Import from a spreadsheet (XLSX, or CSV in UTF-8 or GBK).
    #[command(subcommand)]
    Import(cmd::import::ImportCmd),
    /// Cross-check the imported household lists (三方数据核查), door by door.
    Crosscheck(cmd::crosscheck::Opts),
    /// Load the fictional demo street (idempotent) and print the demo logins.
    Demo,
    /// Replay every ticket's events and rewrite the projections that differ (--check: compare only).
    RebuildProjections(cmd::rebuild::Opts),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(cmd::user::UserCmd),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(cmd::token::TokenCmd),
    /// Evaluate the request classifier.
    #[command(subcommand)]
    Triage(cmd::triage::TriageCmd),
    /// Print the JSON API's OpenAPI 3.1 document (as served at /api/v1/openapi.json).
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    for warning in settings::unknown_env_warnings(std::env::vars()) {
        eprintln!("{warning}");
    }
    let overrides = settings::Overrides {
        listen: match &cli.command {
            Command::Serve(o) => o.listen.clone(),
            _ => None,
        },
        database_url: cli.database_url.clone(),
    };
    let settings =
        match settings::Settings::load(settings::config_path(cli.config).as_deref(), &overrides) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
    if let Command::Openapi = cli.command {
        println!("{}", yihaotai_web::api::doc::openapi_json());
        return ExitCode::SUCCESS;
    }
    cmd::init_logging(&settings);
    if let Command::Triage(c) = cli.command {
        return exit_code(cmd::triage::run(&settings, c));
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        match cli.command {
            Command::Serve(o) => cmd::serve::run(&settings, o).await,
            Command::Migrate => cmd::migrate::run(&settings).await,
            Command::Demo => cmd::demo::run(&settings).await,
            Command::Init(o) => cmd::init::run(&settings, o).await,
            Command::Import(c) => cmd::import::run(&settings, c).await,
            Command::Crosscheck(o) => cmd::crosscheck::run(&settings, o).await,
            Command::RebuildProjections(o) => cmd::rebuild::run(&settings, o).await,
            Command::User(c) => cmd::user::run(&settings, c).await,
            Command::Token(c) => cmd::token::run(&settings, c).await,
            Command::Triage(_) | Command::Openapi => {
                unreachable!("handled before the runtime starts")
            }
        }
    });
    exit_code(result)
}

/// 0 on success, 2 for a mistake in the configuration (as when loading it), 1 otherwise.
fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            if e.downcast_ref::<settings::ConfigError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
