use clap::Subcommand;
use serde_json::json;
use warden_cognito::names::{auth_flow_name, parse_auth_flow};
use warden_core::model::{Client, ClientSettings, OAuthFlow, SigningAlg};
use warden_core::service::ClientSpec;
use warden_core::Warden;

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
        /// Allowed sign-in flows, comma-separated [default: ALLOW_USER_PASSWORD_AUTH,
        /// ALLOW_REFRESH_TOKEN_AUTH; with --service: ALLOW_REFRESH_TOKEN_AUTH].
        #[arg(long, value_delimiter = ',')]
        flows: Option<Vec<String>>,
        /// OAuth grants on the OIDC door, comma-separated: code, implicit, client_credentials.
        #[arg(long, value_delimiter = ',', conflicts_with = "service")]
        oauth_flows: Vec<String>,
        /// Scopes the client may be granted, space- or comma-separated: openid, email, phone,
        /// profile, aws.cognito.signin.user.admin, or a resource server's `<identifier>/<scope>`.
        #[arg(long)]
        oauth_scopes: Vec<String>,
        /// Redirect URIs for the code and implicit grants, comma-separated.
        #[arg(long, value_delimiter = ',')]
        callback_urls: Vec<String>,
        /// Where sign-out may redirect, comma-separated.
        #[arg(long, value_delimiter = ',')]
        logout_urls: Vec<String>,
        /// Refresh tokens rotate on every use on the OIDC door; a reused one ends its session.
        /// The default for a public client with the code grant (RFC 9700 §4.14.2: a public
        /// client's refresh tokens rotate or are sender-constrained).
        #[arg(long, conflicts_with = "no_rotate_refresh_tokens")]
        rotate_refresh_tokens: bool,
        /// Cognito's non-rotating refresh tokens even for a public code-grant client.
        #[arg(long)]
        no_rotate_refresh_tokens: bool,
        /// A service client: confidential, client_credentials only; needs --oauth-scopes with
        /// resource-server scopes.
        #[arg(long)]
        service: bool,
        /// A third-party client: the hosted pages ask users to consent to its scopes.
        #[arg(long)]
        third_party: bool,
        /// The algorithm of the ID and access tokens the OIDC door issues to it: RS256 or ES256.
        #[arg(long)]
        signing_alg: Option<String>,
        /// A JWK Set (JSON file) of the client's public keys, for private_key_jwt
        /// authentication instead of a secret.
        #[arg(long)]
        jwks_file: Option<std::path::PathBuf>,
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

/// What `client create` asked for, beyond the pool and the name.
struct CreateOptions {
    secret: bool,
    flows: Option<Vec<String>>,
    oauth_flows: Vec<String>,
    oauth_scopes: Vec<String>,
    callback_urls: Vec<String>,
    logout_urls: Vec<String>,
    /// `--rotate-refresh-tokens` (Some(true)), `--no-rotate-refresh-tokens` (Some(false)), or
    /// neither: rotation for public code-grant clients only.
    rotate_refresh_tokens: Option<bool>,
    service: bool,
    third_party: bool,
    signing_alg: Option<String>,
    jwks: Vec<serde_json::Value>,
}

/// Turns the flags into settings and whether to generate a secret. The rules on their
/// combination are the core's (as for CreateUserPoolClient); only what is the CLI's own is
/// checked here.
fn settings(o: CreateOptions) -> Result<(ClientSettings, bool), String> {
    let default_flows: &[&str] = if o.service {
        &["ALLOW_REFRESH_TOKEN_AUTH"]
    } else {
        &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    };
    let flows = o.flows.unwrap_or_else(|| default_flows.iter().map(|f| (*f).to_owned()).collect());
    let explicit_auth_flows = flows
        .iter()
        .filter(|f| !f.trim().is_empty())
        .map(|f| parse_auth_flow(f.trim()).ok_or_else(|| format!("unknown auth flow {f}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut oauth_flows = o
        .oauth_flows
        .iter()
        .filter(|f| !f.trim().is_empty())
        .map(|f| {
            OAuthFlow::parse(f.trim())
                .ok_or_else(|| format!("unknown OAuth flow {f} (code, implicit or client_credentials)"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let scopes: Vec<String> =
        o.oauth_scopes.iter().flat_map(|s| s.split([' ', ','])).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    if o.service {
        if scopes.is_empty() {
            return Err("--service needs --oauth-scopes with resource-server scopes (<identifier>/<scope>)".into());
        }
        oauth_flows = vec![OAuthFlow::ClientCredentials];
    }
    let oauth = o.service
        || !oauth_flows.is_empty()
        || !scopes.is_empty()
        || !o.callback_urls.is_empty()
        || !o.logout_urls.is_empty();
    let mut settings = ClientSettings {
        explicit_auth_flows,
        allowed_oauth_flows: Vec::new(),
        allowed_oauth_scopes: Vec::new(),
        allowed_oauth_flows_user_pool_client: oauth,
        callback_urls: o.callback_urls,
        logout_urls: o.logout_urls,
        refresh_token_rotation: o.rotate_refresh_tokens.unwrap_or_else(|| {
            let public = !o.secret && o.jwks.is_empty() && !o.service;
            public && oauth_flows.contains(&OAuthFlow::Code)
        }),
        require_consent: o.third_party,
        id_token_signed_response_alg: match o.signing_alg.as_deref() {
            None => None,
            Some(a) => {
                Some(SigningAlg::parse(a).ok_or_else(|| format!("unknown signing algorithm {a} (RS256 or ES256)"))?)
            }
        },
        jwks: o.jwks,
        ..ClientSettings::default()
    };
    for f in oauth_flows {
        if !settings.allowed_oauth_flows.contains(&f) {
            settings.allowed_oauth_flows.push(f);
        }
    }
    for s in scopes {
        if !settings.allowed_oauth_scopes.contains(&s) {
            settings.allowed_oauth_scopes.push(s);
        }
    }
    Ok((settings, o.secret || o.service))
}

fn shape(c: &Client) -> serde_json::Value {
    let s = &c.settings;
    json!({
        "ClientId": c.id,
        "UserPoolId": c.pool_id,
        "ClientName": c.name,
        "ExplicitAuthFlows": s.explicit_auth_flows.iter().map(|f| auth_flow_name(*f)).collect::<Vec<_>>(),
        "AllowedOAuthFlowsUserPoolClient": s.allowed_oauth_flows_user_pool_client,
        "AllowedOAuthFlows": s.allowed_oauth_flows.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        "AllowedOAuthScopes": s.allowed_oauth_scopes,
        "CallbackURLs": s.callback_urls,
        "LogoutURLs": s.logout_urls,
        "RefreshTokenRotation": if s.refresh_token_rotation { "ENABLED" } else { "DISABLED" },
        "ThirdParty": s.require_consent,
        "SigningAlg": c.signing_alg().as_str(),
        "PrivateKeyJwt": !s.jwks.is_empty(),
    })
}

pub async fn client(config: &Config, cmd: ClientCmd) -> CmdResult {
    let app = open(config).await?;
    let w = &app.warden;
    match cmd {
        ClientCmd::Create {
            pool_id,
            name,
            secret,
            flows,
            oauth_flows,
            oauth_scopes,
            callback_urls,
            logout_urls,
            rotate_refresh_tokens,
            no_rotate_refresh_tokens,
            service,
            third_party,
            signing_alg,
            jwks_file,
            json,
        } => {
            let jwks = match jwks_file {
                None => Vec::new(),
                Some(path) => {
                    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                    let set: serde_json::Value =
                        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
                    set["keys"]
                        .as_array()
                        .cloned()
                        .ok_or_else(|| format!("{}: not a JWK Set (no \"keys\")", path.display()))?
                }
            };
            let (settings, generate_secret) = settings(CreateOptions {
                secret,
                flows,
                oauth_flows,
                oauth_scopes,
                callback_urls,
                logout_urls,
                rotate_refresh_tokens: match (rotate_refresh_tokens, no_rotate_refresh_tokens) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
                service,
                third_party,
                signing_alg,
                jwks,
            })?;
            let created = w
                .directory
                .create_client(ClientSpec { pool_id, name, generate_secret, settings })
                .await
                .map_err(|e| e.to_string())?;
            let mut out = shape(&created.client);
            if let Some(s) = &created.secret {
                out["ClientSecret"] = json!(s.expose());
            }
            emit(json, &out);
        }
        ClientCmd::List { pool_id, json } => {
            let clients = all_clients(w, &pool_id).await?;
            let out: Vec<_> = clients
                .iter()
                .map(|c| json!({ "ClientId": c.id, "ClientName": c.name, "Confidential": c.secret_enc.is_some() }))
                .collect();
            emit(json, &serde_json::Value::Array(out));
        }
        ClientCmd::Delete { pool_id, client_id, json } => {
            w.directory.delete_client(&pool_id, &client_id).await.map_err(|e| e.to_string())?;
            emit(json, &json!({ "Deleted": client_id }));
        }
    }
    Ok(())
}

/// Every client of the pool, a page (at most 60) at a time, in id order.
async fn all_clients(w: &Warden, pool_id: &str) -> Result<Vec<Client>, String> {
    let page = |after: Option<String>| async move { w.directory.list_clients(pool_id, after.as_deref(), 60).await };
    super::every(60, |c: &Client| c.id.clone(), page).await
}

#[cfg(test)]
mod tests {
    use warden_core::config::Argon2Params;
    use warden_core::model::{AuthFlow, PoolSettings};
    use warden_core::service::PoolSpec;

    use super::*;

    fn options() -> CreateOptions {
        CreateOptions {
            secret: false,
            flows: None,
            oauth_flows: Vec::new(),
            oauth_scopes: Vec::new(),
            callback_urls: Vec::new(),
            logout_urls: Vec::new(),
            rotate_refresh_tokens: None,
            service: false,
            third_party: false,
            signing_alg: None,
            jwks: Vec::new(),
        }
    }

    #[test]
    fn public_code_clients_rotate_refresh_tokens_unless_told_not_to() {
        let code = || CreateOptions {
            oauth_flows: vec!["code".into()],
            callback_urls: vec!["https://app.example/cb".into()],
            ..options()
        };
        assert!(settings(code()).unwrap().0.refresh_token_rotation, "public + code: RFC 9700");
        assert!(
            !settings(CreateOptions { rotate_refresh_tokens: Some(false), ..code() }).unwrap().0.refresh_token_rotation
        );
        assert!(!settings(CreateOptions { secret: true, ..code() }).unwrap().0.refresh_token_rotation, "confidential");
        let asked = CreateOptions { secret: true, rotate_refresh_tokens: Some(true), ..code() };
        assert!(settings(asked).unwrap().0.refresh_token_rotation);
        assert!(!settings(options()).unwrap().0.refresh_token_rotation, "no OAuth grant: Cognito's refresh");
    }

    #[test]
    fn plain_client_has_no_oauth() {
        let (s, secret) = settings(options()).unwrap();
        assert!(!secret && !s.allowed_oauth_flows_user_pool_client);
        assert_eq!(s.explicit_auth_flows, [AuthFlow::UserPassword, AuthFlow::RefreshToken]);
    }

    #[test]
    fn oauth_flags_turn_oauth_on_and_scopes_split_on_spaces_and_commas() {
        let (s, _) = settings(CreateOptions {
            oauth_flows: vec!["code".into()],
            oauth_scopes: vec!["openid email,profile".into(), "openid".into()],
            callback_urls: vec!["https://app.example/cb".into()],
            ..options()
        })
        .unwrap();
        assert!(s.allowed_oauth_flows_user_pool_client);
        assert_eq!(s.allowed_oauth_flows, [OAuthFlow::Code]);
        assert_eq!(s.allowed_oauth_scopes, ["openid", "email", "profile"]);
        let (s, _) = settings(CreateOptions { logout_urls: vec!["https://a.example".into()], ..options() }).unwrap();
        assert!(s.allowed_oauth_flows_user_pool_client, "any OAuth flag");
        assert!(settings(CreateOptions { oauth_flows: vec!["password".into()], ..options() }).is_err());
    }

    #[test]
    fn service_is_confidential_client_credentials() {
        assert!(settings(CreateOptions { service: true, ..options() }).is_err(), "needs scopes");
        let (s, secret) =
            settings(CreateOptions { service: true, oauth_scopes: vec!["api/read,api/write".into()], ..options() })
                .unwrap();
        assert!(secret);
        assert_eq!(s.allowed_oauth_flows, [OAuthFlow::ClientCredentials]);
        assert!(s.allowed_oauth_flows_user_pool_client);
        assert_eq!(s.allowed_oauth_scopes, ["api/read", "api/write"]);
        assert_eq!(s.explicit_auth_flows, [AuthFlow::RefreshToken], "no password sign-in by default");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn list_pages_through_every_client() {
        let dir = std::env::temp_dir().join(format!("warden-clients-{}", uuid::Uuid::new_v4()));
        let config = Config {
            data_dir: dir.clone(),
            argon2: Argon2Params { memory_kib: 1024, iterations: 1, parallelism: 1 },
            ..Config::default()
        };
        let app = crate::app::build(&config, &config.listen).await.unwrap();
        let w = &app.warden;
        let pool =
            w.directory.create_pool(PoolSpec { name: "many".into(), settings: PoolSettings::default() }).await.unwrap();
        // Two full pages exactly: the third page asked for is empty.
        let mut ids = Vec::new();
        for i in 0..120 {
            let spec = ClientSpec {
                pool_id: pool.id.clone(),
                name: format!("app-{i}"),
                generate_secret: false,
                settings: ClientSettings::default(),
            };
            ids.push(w.directory.create_client(spec).await.unwrap().client.id);
        }
        let other = w
            .directory
            .create_pool(PoolSpec { name: "other".into(), settings: PoolSettings::default() })
            .await
            .unwrap();
        let spec = ClientSpec {
            pool_id: other.id.clone(),
            name: "elsewhere".into(),
            generate_secret: false,
            settings: ClientSettings::default(),
        };
        w.directory.create_client(spec).await.unwrap();
        let listed: Vec<String> = all_clients(w, &pool.id).await.unwrap().into_iter().map(|c| c.id).collect();
        ids.sort();
        assert_eq!(listed.len(), 120, "not just the first page");
        assert_eq!(listed, ids, "each client once, in id order");
        let spec = ClientSpec {
            pool_id: pool.id.clone(),
            name: "one-more".into(),
            generate_secret: false,
            settings: ClientSettings::default(),
        };
        w.directory.create_client(spec).await.unwrap();
        assert_eq!(all_clients(w, &pool.id).await.unwrap().len(), 121);
        app.store.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }
}
