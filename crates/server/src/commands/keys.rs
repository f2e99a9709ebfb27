use clap::Subcommand;
use serde_json::json;
use warden_core::crypto::keys::{Handover, NEW_KEY_LEAD_SECS};
use warden_core::model::SigningAlg;

use super::{emit, open, CmdResult};
use crate::config::Config;

#[derive(Subcommand)]
pub enum KeysCmd {
    /// Make a new signing key. It is published in every pool's JWKS at once and signs from ten
    /// minutes later, so verifiers that cache the JWKS hold it before any token carries it; the
    /// key it replaces stays published, and verifies, until the tokens it signed have expired.
    Rotate {
        /// RS256 or ES256.
        #[arg(long, default_value = "RS256")]
        alg: String,
        /// Sign with the new key at once (the old one is compromised; follow with `withdraw`).
        #[arg(long)]
        now: bool,
        #[arg(long)]
        json: bool,
    },
    /// Withdraw a key a rotation has replaced: it leaves the JWKS and verifies nothing more
    /// (running servers within a minute), so tokens it signed stop working at once.
    Withdraw {
        /// The key's id (`kid`).
        kid: String,
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
        KeysCmd::Rotate { alg, now, json } => {
            let alg = SigningAlg::parse(&alg).ok_or_else(|| format!("unknown algorithm {alg} (RS256 or ES256)"))?;
            let handover = if now { Handover::Immediate } else { Handover::Scheduled };
            let kid = app.warden.tokens.rotate_signing_key(alg, handover).await.map_err(|e| e.to_string())?;
            let signs_in = if now { 0 } else { NEW_KEY_LEAD_SECS };
            emit(json, &json!({ "Rotated": alg.as_str(), "NewKeyId": kid, "SignsInSeconds": signs_in }));
        }
        KeysCmd::Withdraw { kid, json } => {
            app.warden.tokens.withdraw_signing_key(&kid).await.map_err(|e| e.to_string())?;
            emit(json, &json!({ "Withdrawn": kid }));
        }
        KeysCmd::List { json } => emit(json, &app.warden.tokens.jwks()),
    }
    Ok(())
}
