//! `yihaotai init --street NAME --name NAME [--login admin] [--password-stdin]`: stands up a
//! real street on a new database — the street, the root of the area tree, and its first
//! administrator — and refuses on a database that already has areas or accounts. The rest
//! (communities, compounds, agencies, staff) the administrator adds at `/admin/areas`,
//! `/admin/agencies` and `/admin/users`.

use crate::settings::Settings;

#[derive(clap::Args)]
pub struct Opts {
    /// The street (街道) the desk serves, e.g. 望江街道.
    #[arg(long)]
    street: String,
    /// The administrator's display name, e.g. 王芳.
    #[arg(long)]
    name: String,
    /// The administrator's login.
    #[arg(long, default_value = "admin")]
    login: String,
    /// Read the password from the first line of standard input (otherwise a strong one is
    /// generated and printed once).
    #[arg(long)]
    password_stdin: bool,
}

pub async fn run(s: &Settings, o: Opts) -> anyhow::Result<()> {
    let service = super::open_service(s).await?;
    let result = async {
        let (password, generated) = super::user::read_password(o.password_stdin)?;
        let (street, admin) = service
            .init_street(&o.street, &o.login, &o.name, &password)
            .await
            .map_err(super::err)?;
        println!(
            "created the street '{}' (area {}) and its administrator '{}' (id {})",
            street.name, street.id.0, admin.login, admin.id
        );
        if generated {
            println!("password: {password}   (shown once; change it after signing in)");
        }
        println!(
            "next: run `yihaotai serve`, sign in as '{}', and add the communities and compounds \
             (区域管理), the agencies (承办单位) and the staff (账号管理)",
            admin.login
        );
        Ok(())
    }
    .await;
    service.store.close().await;
    result
}
