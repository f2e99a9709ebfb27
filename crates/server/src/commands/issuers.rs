use std::collections::BTreeMap;

use clap::Subcommand;
use serde_json::json;
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
        /// The issuer's JWKS URL: its keys are fetched now and stored (run `add` again to refresh).
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
            let jwks = match &jwks_url {
                Some(url) => fetch_jwks(url).await?,
                None => Vec::new(),
            };
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
                .add_issuer(IssuerSpec { iss, public_keys_pem, jwks, sub, scopes: mapping, max_ttl_secs: max_ttl })
                .await
                .map_err(|e| e.to_string())?;
            emit(
                json,
                &json!({ "Issuer": i.iss, "Sub": i.sub, "Scopes": i.scopes, "MaxTtlSeconds": i.max_ttl_secs,
                         "Keys": i.public_keys_pem.len() + i.jwks.len() }),
            );
        }
        IssuerCmd::List { json } => {
            let all: Vec<_> = w
                .list_issuers()
                .await
                .map_err(|e| e.to_string())?
                .iter()
                .map(|i| json!({ "Issuer": i.iss, "Sub": i.sub, "Scopes": i.scopes, "Keys": i.public_keys_pem.len() + i.jwks.len() }))
                .collect();
            emit(json, &serde_json::Value::Array(all));
        }
        IssuerCmd::Remove { iss, json } => {
            w.remove_issuer(&iss).await.map_err(|e| e.to_string())?;
            emit(json, &json!({ "Removed": iss }));
        }
    }
    Ok(())
}

/// The `keys` of a JWKS document.
async fn fetch_jwks(url: &str) -> Result<Vec<serde_json::Value>, String> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(format!("--jwks-url {url}: expected an http(s) URL"));
    }
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let resp = client.get(url).send().await.map_err(|e| format!("--jwks-url {url}: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("--jwks-url {url}: HTTP {}", resp.status()));
    }
    let body: serde_json::Value = resp.json().await.map_err(|e| format!("--jwks-url {url}: not a JWKS: {e}"))?;
    match body.get("keys").and_then(|k| k.as_array()) {
        Some(keys) if !keys.is_empty() => Ok(keys.clone()),
        _ => Err(format!("--jwks-url {url}: no keys")),
    }
}
