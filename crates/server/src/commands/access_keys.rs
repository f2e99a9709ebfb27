use clap::Subcommand;
use serde_json::json;

use super::{emit, open, CmdResult};
use crate::config::Config;

#[derive(Subcommand)]
pub enum AccessKeyCmd {
    /// Create an access key; the secret is printed once.
    Create {
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long)]
        json: bool,
    },
    /// List access keys (never their secrets).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Delete an access key.
    Delete {
        #[arg(long)]
        access_key_id: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn access_key(config: &Config, cmd: AccessKeyCmd) -> CmdResult {
    let app = open(config).await?;
    let w = &app.warden;
    match cmd {
        AccessKeyCmd::Create { description, json } => {
            let (key, secret) = w.directory.create_access_key(&description).await.map_err(|e| e.to_string())?;
            emit(
                json,
                &json!({ "AccessKeyId": key.id, "SecretAccessKey": secret.expose(), "Description": key.description }),
            );
        }
        AccessKeyCmd::List { json } => {
            let keys = w.directory.list_access_keys().await.map_err(|e| e.to_string())?;
            let out: Vec<_> = keys
                .iter()
                .map(|k| json!({ "AccessKeyId": k.id, "Description": k.description, "CreationDate": k.created_at }))
                .collect();
            emit(json, &serde_json::Value::Array(out));
        }
        AccessKeyCmd::Delete { access_key_id, json } => {
            w.directory.delete_access_key(&access_key_id).await.map_err(|e| e.to_string())?;
            emit(json, &json!({ "Deleted": access_key_id }));
        }
    }
    Ok(())
}
