use warden_core::service::oauth::{Grant, PresentedClient, TokenRequest};
use warden_core::{CoreError, Secret};

use super::{emit, open, CmdResult};
use crate::config::Config;

/// `warden token`: a client_credentials access token for a service client, from the same grant
/// the OIDC door's token endpoint runs.
#[derive(clap::Args)]
pub struct TokenArgs {
    #[arg(long)]
    client_id: String,
    /// The client's secret (or WARDEN_CLIENT_SECRET, which keeps it out of the process list).
    #[arg(long, env = "WARDEN_CLIENT_SECRET", hide_env_values = true)]
    client_secret: String,
    /// Space-separated scopes; all the client's scopes when omitted.
    #[arg(long)]
    scope: Option<String>,
    #[arg(long)]
    json: bool,
}

fn describe(e: CoreError) -> String {
    match warden_oidc::error::oauth_code(&e) {
        Some(kind) => format!("{}: {e}", kind.as_str()),
        None => e.to_string(),
    }
}

pub async fn token(config: &Config, args: TokenArgs) -> CmdResult {
    let app = open(config).await?;
    let request = TokenRequest {
        grant: Grant::ClientCredentials { scope: args.scope },
        client: PresentedClient {
            basic: Some((args.client_id, Secret::new(args.client_secret))),
            ..Default::default()
        },
    };
    let response = app.warden.oauth.token(request).await.map_err(describe)?;
    emit(args.json, &serde_json::to_value(&response).map_err(|e| e.to_string())?);
    Ok(())
}
