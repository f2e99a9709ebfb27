use clap::Subcommand;
use serde_json::json;
use warden_core::model::{AuthFlow, ClientSettings};
use warden_core::service::ClientSpec;

use super::{emit, open, CmdResult};
use crate::config::Config;

#[derive(Subcommand)]
pub enum ClientCmd {
    /// Create an app client: public (no secret) by default, or confidential with --secret.
    Create {
        #[arg(long)]
        pool_id: String,
        #[arg(long)]
        name: String,
        /// Generate a client secret (printed once).
        #[arg(long)]
        secret: bool,
        /// Allowed sign-in flows, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "ALLOW_USER_PASSWORD_AUTH,ALLOW_REFRESH_TOKEN_AUTH")]
        flows: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// List a pool's clients.
    List {
        #[arg(long)]
        pool_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete a client and its tokens.
    Delete {
        #[arg(long)]
        pool_id: String,
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn client(config: &Config, cmd: ClientCmd) -> CmdResult {
    let app = open(config).await?;
    let w = &app.warden;
    match cmd {
        ClientCmd::Create { pool_id, name, secret, flows, json } => {
            let explicit_auth_flows = flows
                .iter()
                .map(|f| AuthFlow::parse(f.trim()).ok_or_else(|| format!("unknown auth flow {f}")))
                .collect::<Result<Vec<_>, _>>()?;
            let settings = ClientSettings { explicit_auth_flows, ..ClientSettings::default() };
            let created = w
                .create_client(ClientSpec { pool_id, name, generate_secret: secret, settings })
                .await
                .map_err(|e| e.to_string())?;
            let mut out = json!({
                "ClientId": created.client.id,
                "UserPoolId": created.client.pool_id,
                "ClientName": created.client.name,
                "ExplicitAuthFlows": created.client.settings.explicit_auth_flows.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            });
            if let Some(s) = &created.secret {
                out["ClientSecret"] = json!(s.expose());
            }
            emit(json, &out);
        }
        ClientCmd::List { pool_id, json } => {
            let clients = w.list_clients(&pool_id, None, 60).await.map_err(|e| e.to_string())?;
            let out: Vec<_> = clients
                .iter()
                .map(|c| json!({ "ClientId": c.id, "ClientName": c.name, "Confidential": c.secret_enc.is_some() }))
                .collect();
            emit(json, &serde_json::Value::Array(out));
        }
        ClientCmd::Delete { pool_id, client_id, json } => {
            w.delete_client(&pool_id, &client_id).await.map_err(|e| e.to_string())?;
            emit(json, &json!({ "Deleted": client_id }));
        }
    }
    Ok(())
}
