//! `yihaotai user add|passwd|list|disable|enable`: accounts from the command line, for the
//! first administrator and for recovery. The operator holds the database, so these are not
//! scoped by area; each change is still written to the audit log.

use crate::settings::Settings;
use std::io::BufRead;
use yihaotai_domain::role::Roles;
use yihaotai_domain::vocab::Lang;
use yihaotai_domain::{AgencyId, AreaId};
use yihaotai_service::admin::{Caller, UserInput};
use yihaotai_service::Service;

#[derive(clap::Subcommand)]
pub enum UserCmd {
    /// Create an account. Without --password-stdin a strong password is generated and printed once.
    Add {
        login: String,
        /// Display name, e.g. 王芳.
        #[arg(long)]
        name: String,
        /// Comma-separated roles: admin, agent, dispatcher, handler, leader, gate, logistics, viewer.
        #[arg(long)]
        roles: String,
        /// Areas served, by id or exact name; repeat or comma-separate.
        #[arg(long = "area", required = true, value_delimiter = ',')]
        areas: Vec<String>,
        /// Agency id (required for handlers).
        #[arg(long)]
        agency: Option<i64>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password: ends the account's sessions and revokes its API tokens.
    Passwd {
        login: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
    /// Disable an account: ends its sessions and revokes its API tokens.
    Disable { login: String },
    /// Enable a disabled account.
    Enable { login: String },
}

pub fn read_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let pw = line.trim_end_matches(['\r', '\n']).to_string();
        if pw.is_empty() {
            anyhow::bail!("no password on standard input");
        }
        Ok((pw, false))
    } else {
        Ok((yihaotai_service::auth::random_hex(9), true))
    }
}

async fn resolve_areas(service: &Service, specs: &[String]) -> anyhow::Result<Vec<AreaId>> {
    let all = service.all_areas().await.map_err(super::err)?;
    let mut out = Vec::new();
    for spec in specs.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if let Ok(id) = spec.parse::<i64>() {
            out.push(AreaId(id));
            continue;
        }
        let found: Vec<_> = all.iter().filter(|a| a.name == spec).collect();
        match found.as_slice() {
            [one] => out.push(one.id),
            [] => anyhow::bail!("--area: no area is named '{spec}'"),
            many => anyhow::bail!(
                "--area: {} areas are named '{spec}'; give the id instead ({})",
                many.len(),
                many.iter()
                    .map(|a| a.id.0.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
    Ok(out)
}

pub async fn run(s: &Settings, cmd: UserCmd) -> anyhow::Result<()> {
    let service = super::open_service(s).await?;
    let result = run_with(&service, cmd).await;
    service.store.close().await;
    result
}

async fn run_with(service: &Service, cmd: UserCmd) -> anyhow::Result<()> {
    match cmd {
        UserCmd::Add {
            login,
            name,
            roles,
            areas,
            agency,
            password_stdin,
        } => {
            let roles = Roles::parse_list(&roles)
                .map_err(|e| anyhow::anyhow!("--roles: {}", e.localized(Lang::En)))?;
            let areas = resolve_areas(service, &areas).await?;
            let (password, generated) = read_password(password_stdin)?;
            let input = UserInput {
                login,
                display_name: name,
                password: Some(password.clone()),
                roles,
                areas,
                agency: agency.map(AgencyId),
            };
            let u = service
                .create_user(Caller::System, &input)
                .await
                .map_err(super::err)?;
            println!("created account '{}' (id {})", u.login, u.id);
            if generated {
                println!("password: {password}");
                println!(
                    "(shown once; the user can be given a new one with `yihaotai user passwd`)"
                );
            }
        }
        UserCmd::Passwd {
            login,
            password_stdin,
        } => {
            let u = service.user_by_login(&login).await.map_err(super::err)?;
            let (password, generated) = read_password(password_stdin)?;
            let changed = service
                .set_user_password(Caller::System, u.id, &password)
                .await
                .map_err(super::err)?;
            println!(
                "password changed for '{}'; {} session(s) ended and {} API token(s) revoked (create new tokens with `yihaotai token create` if needed)",
                u.login, changed.sessions_ended, changed.tokens_revoked
            );
            if generated {
                println!("password: {password}");
            }
        }
        UserCmd::List => {
            let users = service.all_users().await.map_err(super::err)?;
            let rows: Vec<[String; 6]> = users
                .iter()
                .map(|u| {
                    let areas: Vec<&str> = u.areas.iter().map(|a| a.name.as_str()).collect();
                    [
                        u.id.to_string(),
                        u.login.clone(),
                        u.display_name.clone(),
                        u.roles.codes(),
                        if u.active { "yes" } else { "no" }.to_string(),
                        areas.join(", "),
                    ]
                })
                .collect();
            let header = ["id", "login", "name", "roles", "active", "areas"].map(String::from);
            print!("{}", table(&header, &rows));
        }
        UserCmd::Disable { login } => {
            let u = service.user_by_login(&login).await.map_err(super::err)?;
            service
                .set_user_active(Caller::System, u.id, false)
                .await
                .map_err(super::err)?;
            println!(
                "account '{}' disabled; its sessions and tokens no longer work",
                u.login
            );
        }
        UserCmd::Enable { login } => {
            let u = service.user_by_login(&login).await.map_err(super::err)?;
            service
                .set_user_active(Caller::System, u.id, true)
                .await
                .map_err(super::err)?;
            println!("account '{}' enabled", u.login);
        }
    }
    Ok(())
}

/// Left-aligned columns one space apart, measured in terminal cells: a Chinese name is
/// two cells a character, so padding by `char` count (as `{:<10}` does) misaligns them.
fn table<const N: usize>(header: &[String; N], rows: &[[String; N]]) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut widths = header.clone().map(|h| h.width());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < N {
                line.push_str(&" ".repeat(widths[i] - cell.width() + 1));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
