use clap::Subcommand;
use serde_json::json;
use warden_core::model::{MfaConfiguration, Pool, PoolSettings};
use warden_core::service::PoolSpec;

use super::{emit, open, CmdResult};
use crate::config::Config;

#[derive(Subcommand)]
pub enum PoolCmd {
    /// Create a user pool.
    Create {
        #[arg(long)]
        name: String,
        /// off or optional (TOTP).
        #[arg(long, default_value = "off")]
        mfa: String,
        /// Users sign in with their email instead of a username.
        #[arg(long)]
        email_as_username: bool,
        /// The tokens' `iss` (default `<public url>/<poolId>`).
        #[arg(long)]
        issuer: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List user pools.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Delete a user pool and everything in it.
    Delete {
        #[arg(long)]
        pool_id: String,
        #[arg(long)]
        json: bool,
    },
}

fn shape(p: &Pool) -> serde_json::Value {
    json!({ "Id": p.id, "Name": p.name, "MfaConfiguration": p.settings.mfa_configuration.as_str(), "CreationDate": p.created_at })
}

/// Every pool, page by page.
async fn all_pools(w: &warden_core::Warden) -> Result<Vec<warden_core::model::Pool>, String> {
    super::every(60, |p: &Pool| p.id.clone(), |after| async move { w.directory.list_pools(after.as_deref(), 60).await })
        .await
}

pub async fn pool(config: &Config, cmd: PoolCmd) -> CmdResult {
    let app = open(config).await?;
    let w = &app.warden;
    match cmd {
        PoolCmd::Create { name, mfa, email_as_username, issuer, json } => {
            let mfa_configuration = match mfa.to_ascii_uppercase().as_str() {
                "OFF" => MfaConfiguration::Off,
                "OPTIONAL" => MfaConfiguration::Optional,
                other => return Err(format!("--mfa must be off or optional, not {other}")),
            };
            if issuer.as_deref().is_some_and(|i| !(i.starts_with("https://") || i.starts_with("http://"))) {
                return Err("--issuer must be an http(s) URL".into());
            }
            // An issuer names one pool: a token's `iss` must tell which pool signed it.
            if let Some(wanted) = issuer.as_deref().map(|i| i.trim_end_matches('/')) {
                if let Some(taken) =
                    all_pools(w).await?.into_iter().find(|p| w.kernel.issuer(p).trim_end_matches('/') == wanted)
                {
                    return Err(format!("--issuer {wanted} is already pool {}'s issuer", taken.id));
                }
            }
            let mut settings = PoolSettings { mfa_configuration, issuer, ..PoolSettings::default() };
            if email_as_username {
                settings.username_attributes = vec!["email".into()];
            }
            let p = w.directory.create_pool(PoolSpec { name, settings }).await.map_err(|e| e.to_string())?;
            emit(json, &shape(&p));
        }
        PoolCmd::List { json } => {
            let all = all_pools(w).await?;
            emit(json, &serde_json::Value::Array(all.iter().map(shape).collect()));
        }
        PoolCmd::Delete { pool_id, json } => {
            w.directory.delete_pool(&pool_id).await.map_err(|e| e.to_string())?;
            emit(json, &json!({ "Deleted": pool_id }));
        }
    }
    Ok(())
}
