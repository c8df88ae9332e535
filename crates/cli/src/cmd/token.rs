//! `yihaotai token create --user LOGIN`: a bearer token for `/api/v1/*`.

use crate::settings::Settings;

#[derive(clap::Subcommand)]
pub enum TokenCmd {
    /// Create a token for an account and print it (only its hash is stored).
    Create {
        #[arg(long)]
        user: String,
        /// A note saying what the token is for.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

pub async fn run(s: &Settings, cmd: TokenCmd) -> anyhow::Result<()> {
    let service = super::open_service(s).await?;
    let r = match cmd {
        TokenCmd::Create { user, name } => service
            .create_api_token(&user, &name)
            .await
            .map_err(super::err)
            .map(|t| println!("{}", t.expose())),
    };
    service.store.close().await;
    r
}
