//! Operator commands. They open the data dir/database directly and call the same core services
//! the API calls: one code path for the rules.

mod access_keys;
mod clients;
mod groups;
mod issuers;
mod keys;
mod pools;
mod resource_servers;
mod token;
mod users;

use serde_json::Value;
use tokio::net::TcpListener;

pub use access_keys::{access_key, AccessKeyCmd};
pub use clients::{client, ClientCmd};
pub use groups::{group, GroupCmd};
pub use issuers::{issuer, IssuerCmd};
pub use keys::{keys, KeysCmd};
pub use pools::{pool, PoolCmd};
pub use resource_servers::{resource_server, ResourceServerCmd};
pub use token::{token, TokenArgs};
pub use users::{user, UserCmd};

use crate::app::{self, App};
use crate::config::Config;

pub type CmdResult = Result<(), String>;

pub async fn serve(config: &Config) -> CmdResult {
    let listener =
        TcpListener::bind(&config.listen).await.map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let app = app::build(config, &advertised_listen(&config.listen, addr)).await?;
    if config.public_url.is_none() && addr.ip().is_unspecified() {
        tracing::warn!(
            listen = %config.listen,
            "no public_url is set and the listen address names no host: issuers and links name {}, \
             which clients cannot reach; set WARDEN_PUBLIC_URL",
            config.listen
        );
    }
    tracing::info!(
        listen = %addr,
        public_url = %app.warden.kernel.config().public_url,
        database = %warden_store::redact_url(&config.database_url()),
        data_dir = %config.data_dir.display(),
        "warden listening"
    );
    app::serve(listener, &app, app::shutdown_signal()).await.map_err(|e| format!("server error: {e}"))?;
    app.store.close().await;
    Ok(())
}

/// The listen address as configured, with an ephemeral port (`:0`) replaced by the one bound:
/// the default public URL (the issuer) is made from it, and `warden gateway` and the one-shot
/// commands make theirs from the configured address too, so all name the same issuer
/// (`localhost:8080` stays `localhost`, not the address it resolved to).
fn advertised_listen(configured: &str, bound: std::net::SocketAddr) -> String {
    match configured.rsplit_once(':') {
        Some((host, "0")) => format!("{host}:{}", bound.port()),
        Some(_) => configured.to_owned(),
        None => bound.to_string(),
    }
}

/// `warden gateway`: verifies requests against this deployment and forwards them upstream.
pub async fn gateway(config: &Config) -> CmdResult {
    let listen = &config.gateway.listen;
    let listener = TcpListener::bind(listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let app = app::build(config, &config.listen).await?;
    let verifier = warden_gateway::Verifier::new(app.warden.clone(), config.gateway.clone());
    tracing::info!(listen = %addr, upstream = %config.gateway.upstream, routes = config.gateway.routes.len(), "warden gateway listening");
    // The gateway verifies self-signed tokens too: it keeps JWKS-URL issuers' keys current.
    let refresh = crate::jwks::spawn_refresh(app.warden.clone());
    let reload = app::spawn_key_reload(app.warden.clone());
    let router = warden_gateway::router(verifier)?;
    let served = axum::serve(crate::app::no_delay(listener), router)
        .with_graceful_shutdown(app::shutdown_signal())
        .await
        .map_err(|e| format!("gateway error: {e}"));
    refresh.abort();
    reload.abort();
    served?;
    app.store.close().await;
    Ok(())
}

pub async fn migrate(config: &Config) -> CmdResult {
    config.create_data_dir()?;
    let store = warden_store::SqlStore::connect(&config.database_url()).await.map_err(|e| e.to_string())?;
    store.migrate().await.map_err(|e| e.to_string())?;
    println!("migrations applied to {}", warden_store::redact_url(&config.database_url()));
    Ok(())
}

pub fn show_config(config: &Config, env: bool) -> CmdResult {
    if !env {
        print!("{}", toml::to_string(config).map_err(|e| e.to_string())?);
        return Ok(());
    }
    // Secrets are redacted by the configuration's own serialisation.
    let shown = serde_json::to_value(config).map_err(|e| e.to_string())?;
    for key in Config::env_keys() {
        let value = key.path.iter().try_fold(&shown, |v, k| v.get(k)).cloned().unwrap_or_default();
        let also = if key.legacy == key.name { String::new() } else { format!(" (or {})", key.legacy) };
        println!("{}{also} = {value}", key.name);
    }
    Ok(())
}

/// The core over the configured store, for a one-shot command.
async fn open(config: &Config) -> Result<App, String> {
    app::build(config, &config.listen).await
}

/// Every item of a keyset-paged listing: `page(after)` answers up to `size` items after the key
/// `after` (`key` of the last one); a shorter page is the last.
async fn every<T, Fut>(
    size: usize,
    key: impl Fn(&T) -> String,
    page: impl Fn(Option<String>) -> Fut,
) -> Result<Vec<T>, String>
where
    Fut: std::future::Future<Output = Result<Vec<T>, warden_core::CoreError>>,
{
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let items = page(after).await.map_err(|e| e.to_string())?;
        let done = items.len() < size;
        after = items.last().map(&key);
        all.extend(items);
        if done {
            return Ok(all);
        }
    }
}

/// Prints `value` as JSON, or as `key: value` lines.
fn emit(json: bool, value: &Value) {
    if json {
        println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
        return;
    }
    match value {
        Value::Array(items) => {
            for item in items {
                emit(false, item);
                println!();
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::String(s) => println!("{k}: {s}"),
                    other => println!("{k}: {other}"),
                }
            }
        }
        other => println!("{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::advertised_listen;

    #[test]
    fn the_issuer_keeps_the_configured_host_and_takes_the_bound_port_for_0() {
        let bound = "127.0.0.1:54321".parse().unwrap();
        assert_eq!(advertised_listen("localhost:8080", bound), "localhost:8080", "not the address it resolved to");
        assert_eq!(advertised_listen("127.0.0.1:8080", bound), "127.0.0.1:8080");
        assert_eq!(advertised_listen("127.0.0.1:0", bound), "127.0.0.1:54321");
        assert_eq!(advertised_listen("localhost:0", bound), "localhost:54321");
        assert_eq!(advertised_listen("[::1]:0", "[::1]:5000".parse().unwrap()), "[::1]:5000");
    }
}
