use std::collections::BTreeMap;

use clap::Subcommand;
use serde_json::json;
use warden_core::model::Issuer;
use warden_core::service::IssuerSpec;

use super::{emit, open, CmdResult};
use crate::config::Config;

#[derive(Subcommand)]
pub enum IssuerCmd {
    /// Register (or replace) an issuer of self-signed tokens.
    Add {
        /// The tokens' `iss`.
        #[arg(long)]
        iss: String,
        /// A PEM public key file (RSA or P-256); repeat for several keys.
        #[arg(long = "public-key-file")]
        public_key_files: Vec<String>,
        /// The issuer's JWKS URL (http or https): its keys are fetched now, and again every ten
        /// minutes and when a token names an unknown `kid`.
        #[arg(long)]
        jwks_url: Option<String>,
        /// The `sub` (account id) the issuer's tokens must carry.
        #[arg(long)]
        sub: String,
        /// A scope and the permissions it grants, `scope=perm1,perm2`; repeat per scope.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// The longest a token may live, in seconds.
        #[arg(long, default_value_t = 3600)]
        max_ttl: i64,
        #[arg(long)]
        json: bool,
    },
    /// List issuers.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove an issuer.
    Remove {
        #[arg(long)]
        iss: String,
        #[arg(long)]
        json: bool,
    },
    /// Fetch the keys of an issuer registered with a JWKS URL now.
    Refresh {
        /// The issuer's `iss`.
        iss: String,
        #[arg(long)]
        json: bool,
    },
}

/// What `list` and `refresh` show of an issuer (never the keys themselves).
fn summary(i: &Issuer) -> serde_json::Value {
    json!({ "Issuer": i.iss, "Sub": i.sub, "Scopes": i.scopes, "MaxTtlSeconds": i.max_ttl_secs,
            "Keys": i.public_keys_pem.len() + i.jwks.len(), "JwksUrl": i.jwks_url, "JwksFetchedAt": i.jwks_fetched_at })
}

pub async fn issuer(config: &Config, cmd: IssuerCmd) -> CmdResult {
    let app = open(config).await?;
    let w = &app.warden;
    match cmd {
        IssuerCmd::Add { iss, public_key_files, jwks_url, sub, scopes, max_ttl, json } => {
            let public_keys_pem = public_key_files
                .iter()
                .map(|f| std::fs::read_to_string(f).map_err(|e| format!("{f}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            let mut mapping = BTreeMap::new();
            for s in &scopes {
                let (scope, perms) =
                    s.split_once('=').ok_or_else(|| format!("--scope {s}: expected scope=perm1,perm2"))?;
                mapping.insert(
                    scope.to_owned(),
                    perms.split(',').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect(),
                );
            }
            let i = w
                .federation
                .add_issuer(IssuerSpec {
                    iss,
                    public_keys_pem,
                    jwks: Vec::new(),
                    jwks_url,
                    sub,
                    scopes: mapping,
                    max_ttl_secs: max_ttl,
                })
                .await
                .map_err(|e| e.to_string())?;
            emit(json, &summary(&i));
        }
        IssuerCmd::List { json } => {
            let all: Vec<_> =
                w.federation.list_issuers().await.map_err(|e| e.to_string())?.iter().map(summary).collect();
            emit(json, &serde_json::Value::Array(all));
        }
        IssuerCmd::Remove { iss, json } => {
            w.federation.remove_issuer(&iss).await.map_err(|e| e.to_string())?;
            emit(json, &json!({ "Removed": iss }));
        }
        IssuerCmd::Refresh { iss, json } => {
            let i = w.federation.refresh_issuer_keys(&iss).await.map_err(|e| e.to_string())?;
            emit(json, &summary(&i));
        }
    }
    Ok(())
}
