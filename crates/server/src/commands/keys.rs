use clap::Subcommand;
use serde_json::json;
use warden_core::model::SigningAlg;

use super::{emit, open, CmdResult};
use crate::config::Config;

#[derive(Subcommand)]
pub enum KeysCmd {
    /// Make a new signing key active. The one it replaces stays in every pool's JWKS until the
    /// tokens it signed have expired, so verifiers keep working; running servers pick the new
    /// key up within a minute.
    Rotate {
        /// RS256 or ES256.
        #[arg(long, default_value = "RS256")]
        alg: String,
        #[arg(long)]
        json: bool,
    },
    /// Show the published keys (the JWKS).
    List {
        #[arg(long)]
        json: bool,
    },
}

pub async fn keys(config: &Config, cmd: KeysCmd) -> CmdResult {
    let app = open(config).await?;
    match cmd {
        KeysCmd::Rotate { alg, json } => {
            let alg = SigningAlg::parse(&alg).ok_or_else(|| format!("unknown algorithm {alg} (RS256 or ES256)"))?;
            let kid = app.warden.rotate_signing_key(alg).await.map_err(|e| e.to_string())?;
            emit(json, &json!({ "Rotated": alg.as_str(), "ActiveKeyId": kid }));
        }
        KeysCmd::List { json } => emit(json, &app.warden.jwks()),
    }
    Ok(())
}
