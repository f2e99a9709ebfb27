//! Wiring: store, core and doors into one router on one listener.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use warden_core::delivery::Delivery;
use warden_core::{Clock, SystemClock, Warden};
use warden_store::SqlStore;

use crate::config::Config;
use crate::delivery::{Outbox, Smtp};
use crate::jwks::HttpJwksFetcher;

/// A wired-up Warden, ready to serve.
pub struct App {
    pub warden: Arc<Warden>,
    pub store: SqlStore,
}

/// Opens the store (migrating it) and the core. `listen` is the address the server will use,
/// for the default public URL.
pub async fn build(config: &Config, listen: &str) -> Result<App, String> {
    build_with_clock(config, listen, Arc::new(SystemClock)).await
}

/// `build` with a given clock (tests move time with a `ManualClock`).
pub async fn build_with_clock(config: &Config, listen: &str, clock: Arc<dyn Clock>) -> Result<App, String> {
    config.create_data_dir()?;
    let store = SqlStore::connect(&config.database_url()).await.map_err(|e| format!("database: {e}"))?;
    store.migrate().await.map_err(|e| format!("database: {e}"))?;
    // Signing keys are the first secrets sealed: a database holding some needs its own key.
    let sealed = !warden_core::store::SigningKeyStore::list_signing_keys(&store)
        .await
        .map_err(|e| format!("database: {e}"))?
        .is_empty();
    let master = crate::master_key::load_or_create(&config.data_dir, std::env::var("WARDEN_MASTER_KEY").ok(), sealed)?;
    let delivery: Arc<dyn Delivery> = match &config.smtp_url {
        Some(url) => Arc::new(Smtp::new(url, &config.smtp_from)?),
        None => Arc::new(Outbox::new(config.data_dir.join("outbox.jsonl"))),
    };
    let jwks = Arc::new(HttpJwksFetcher::new()?);
    let warden = Warden::new(Arc::new(store.clone()), clock, config.core(listen), master, delivery, jwks)
        .await
        .map_err(|e| format!("startup: {e}"))?;
    if let (Some(id), Some(secret)) = (&config.admin_access_key_id, &config.admin_secret_access_key) {
        warden.directory.ensure_access_key(id, secret).await.map_err(|e| format!("bootstrap access key: {e}"))?;
    }
    Ok(App { warden: Arc::new(warden), store })
}

/// Every door on one router, with request ids and request logging.
pub fn router(warden: Arc<Warden>) -> Router {
    let ops = Router::new()
        .route("/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/ready", get(ready))
        .with_state(warden.clone());
    Router::new()
        .merge(ops)
        .merge(warden_cognito::router(warden.clone()))
        .merge(warden_oidc::router(warden))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path(), operation = tracing::field::Empty)
                })
                .on_request(())
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

async fn ready(State(warden): State<Arc<Warden>>) -> (StatusCode, Json<serde_json::Value>) {
    match warden.kernel.ready().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(e) => {
            tracing::warn!(error = %e, "store not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable" })))
        }
    }
}

/// Serves until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    listener: TcpListener,
    app: &App,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = router(app.warden.clone());
    let reload = spawn_key_reload(app.warden.clone());
    let sweeper = spawn_sweeper(app.warden.clone());
    // Issuers registered with a JWKS URL rotate their keys on their own schedule.
    let refresh = crate::jwks::spawn_refresh(app.warden.clone());
    let served = axum::serve(no_delay(listener), router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    reload.abort();
    sweeper.abort();
    refresh.abort();
    // Codes already promised to users (SMTP sends after the API answered).
    if tokio::time::timeout(std::time::Duration::from_secs(30), app.warden.kernel.flush_delivery()).await.is_err() {
        tracing::warn!("codes still being delivered after 30 s were dropped at shutdown");
    }
    served
}

/// Re-reads the signing keys every minute: another process (`warden keys rotate`, another
/// instance) may rotate or withdraw them, and a scheduled handover must reach every instance.
pub fn spawn_key_reload(warden: Arc<Warden>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = warden.tokens.reload_signing_keys().await {
                tracing::warn!(error = %e, "could not reload signing keys");
            }
        }
    })
}

/// Deletes what has expired every hour (the first time a minute after start).
fn spawn_sweeper(warden: Arc<Warden>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match warden.kernel.sweep_expired().await {
                Ok(swept) => tracing::debug!(swept, "expired rows deleted"),
                Err(e) => tracing::warn!(error = %e, "could not delete expired rows"),
            }
        }
    })
}

/// Accepted connections send small answers at once: without TCP_NODELAY, an answer written in
/// two parts waits for the client's delayed ACK.
pub fn no_delay(listener: TcpListener) -> axum::serve::TapIo<TcpListener, fn(&mut tokio::net::TcpStream)> {
    use axum::serve::ListenerExt;
    fn set(tcp: &mut tokio::net::TcpStream) {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    }
    listener.tap_io(set as fn(&mut tokio::net::TcpStream))
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
