//! Who is calling: SigV4 with Warden temporary credentials, or a Warden access token.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::http::request::Parts;
use axum::http::StatusCode;
use warden_core::crypto::random::sha256;
use warden_core::model::TemporaryCredentials;
use warden_core::service::{BearerError, Federation, Kernel, Tokens};
use warden_core::{CoreError, Secret, Warden};
use warden_sigv4::SigError;

use crate::cache::Recent;
use crate::config::GatewayConfig;

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// `sigv4`, `bearer` (a user's Warden access token), `service` (a client_credentials
    /// token) or `self-signed`.
    pub method: &'static str,
    /// The identity id (SigV4), the user's `sub` (bearer), the client id (service) or the
    /// issuer's account (self-signed).
    pub sub: String,
    /// Who issued the token, for bearer and self-signed callers.
    pub issuer: Option<String>,
    pub role: Option<String>,
    pub scopes: Vec<String>,
    pub permissions: BTreeSet<String>,
}

/// Why a request is refused: 401 (who are you?) or 403 (not allowed), with a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub reason: String,
}

impl Refusal {
    fn unauthorized(reason: impl Into<String>) -> Self {
        Self { status: StatusCode::UNAUTHORIZED, reason: reason.into() }
    }
    fn forbidden(reason: impl Into<String>) -> Self {
        Self { status: StatusCode::FORBIDDEN, reason: reason.into() }
    }
}

fn from_core(e: CoreError) -> Refusal {
    if e.is_server_fault() {
        tracing::error!(error = ?e, "gateway verification failed");
        Refusal { status: StatusCode::SERVICE_UNAVAILABLE, reason: "verification unavailable".into() }
    } else {
        Refusal::unauthorized(e.to_string())
    }
}

type VerifiedCredentials = Arc<(TemporaryCredentials, Secret<String>)>;

const MISSING: &str = "missing credentials: sign the request with SigV4 or send a bearer token";

#[derive(Clone)]
pub struct Verifier {
    /// The clock.
    kernel: Arc<Kernel>,
    /// Warden access tokens.
    tokens: Arc<Tokens>,
    /// Temporary credentials and self-managed issuers' tokens.
    federation: Arc<Federation>,
    config: Arc<GatewayConfig>,
    /// Keyed by SHA-256 of access key id and session token.
    credentials: Arc<Recent<VerifiedCredentials>>,
    /// Keyed by SHA-256 of the bearer token.
    bearers: Arc<Recent<Caller>>,
}

impl Verifier {
    pub fn new(warden: Arc<Warden>, config: GatewayConfig) -> Self {
        Self {
            kernel: warden.kernel.clone(),
            tokens: warden.tokens.clone(),
            federation: warden.federation.clone(),
            config: Arc::new(config),
            credentials: Arc::default(),
            bearers: Arc::default(),
        }
    }

    pub fn config(&self) -> &GatewayConfig {
        &self.config
    }

    /// Identifies the caller and checks the route's permission.
    pub async fn admit(&self, parts: &Parts, body: &[u8]) -> Result<Caller, Refusal> {
        self.precheck(parts)?;
        self.admit_prechecked(parts, body).await
    }

    /// `admit` for a request `precheck` has passed already (the gateway and the layer check the
    /// head before reading the body).
    pub(crate) async fn admit_prechecked(&self, parts: &Parts, body: &[u8]) -> Result<Caller, Refusal> {
        let path = parts.uri.path();
        let caller = self.identify(parts, body).await?;
        let route = self
            .config
            .route(parts.method.as_str(), path)
            .ok_or_else(|| Refusal::forbidden(format!("no route admits {} {path}", parts.method)))?;
        if !caller.permissions.contains(&route.permission) {
            return Err(Refusal::forbidden(format!(
                "{} {path} needs the '{}' permission",
                parts.method, route.permission
            )));
        }
        Ok(caller)
    }

    /// What can be refused from the head alone, before the body is read: a path that is not
    /// canonical, or no credentials at all.
    pub fn precheck(&self, parts: &Parts) -> Result<(), Refusal> {
        if let Some(why) = crate::path::non_canonical(parts.uri.path()) {
            return Err(Refusal { status: StatusCode::BAD_REQUEST, reason: why.into() });
        }
        let auth = parts.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !auth.starts_with("Bearer ") && !auth.starts_with("AWS4-HMAC-SHA256 ") {
            return Err(Refusal::unauthorized(MISSING));
        }
        Ok(())
    }

    async fn identify(&self, parts: &Parts, body: &[u8]) -> Result<Caller, Refusal> {
        let auth = parts.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if let Some(token) = auth.strip_prefix("Bearer ") {
            return self.bearer(token.trim()).await;
        }
        if auth.starts_with("AWS4-HMAC-SHA256 ") {
            return self.sigv4(parts, body).await;
        }
        Err(Refusal::unauthorized(MISSING))
    }

    async fn bearer(&self, token: &str) -> Result<Caller, Refusal> {
        let key = sha256(token.as_bytes());
        if let Some(caller) = self.bearers.get(&key) {
            return Ok(caller);
        }
        let caller = self.verify_bearer(token).await?;
        self.bearers.put(key, caller.clone());
        Ok(caller)
    }

    /// Bearer tokens are checked against a one-second cache first, so their expiry can be up to
    /// a second late; they are short-lived JWTs with whole-second `exp` anyway.
    async fn verify_bearer(&self, token: &str) -> Result<Caller, Refusal> {
        if let Some(s) = self.federation.verify_self_signed(token).await.map_err(from_core)? {
            return Ok(Caller {
                method: "self-signed",
                sub: s.sub,
                issuer: Some(s.iss),
                role: None,
                scopes: s.scopes,
                permissions: s.permissions,
            });
        }
        let id = self.tokens.verify_bearer_token(token).await.map_err(|e| match e {
            BearerError::NotOurs => Refusal::unauthorized("unknown issuer, or not a valid access token"),
            BearerError::Refused(reason) => Refusal::unauthorized(reason),
            BearerError::Internal(e) => from_core(e),
        })?;
        if !self.config.pools.is_empty() && !self.config.pools.contains(&id.pool_id) {
            return Err(Refusal::unauthorized("tokens of this user pool are not accepted here"));
        }
        let permissions = id.scopes.iter().filter_map(|s| self.config.scopes.get(s)).flatten().cloned().collect();
        let method = if id.service { "service" } else { "bearer" };
        Ok(Caller { method, sub: id.sub, issuer: Some(id.issuer), role: None, scopes: id.scopes, permissions })
    }

    async fn sigv4(&self, parts: &Parts, body: &[u8]) -> Result<Caller, Refusal> {
        let refuse = |e: SigError| match e {
            SigError::Mismatch => Refusal::forbidden("the signature does not match the request"),
            SigError::Missing => Refusal::unauthorized("missing signature"),
            SigError::Incomplete(m) | SigError::Invalid(m) => Refusal::unauthorized(m),
        };
        let (auth, signed_at) = warden_sigv4::read(&parts.headers, "execute-api").map_err(refuse)?;
        if !self.config.regions.contains(&auth.region) {
            return Err(Refusal::unauthorized(format!("region {} is not accepted here", auth.region)));
        }
        let token = parts
            .headers
            .get("x-amz-security-token")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| Refusal::unauthorized("a session token (X-Amz-Security-Token) is required"))?;
        let cache_key = sha256(format!("{}\n{token}", auth.access_key_id).as_bytes());
        let verified = match self.credentials.get(&cache_key) {
            Some(v) if v.0.expires_at > self.kernel.now() => v,
            _ => {
                let v = Arc::new(
                    self.federation
                        .verify_temporary_credentials(&auth.access_key_id, token)
                        .await
                        .map_err(from_core)?,
                );
                self.credentials.put(cache_key, v.clone());
                v
            }
        };
        let (creds, secret) = (&verified.0, &verified.1);
        warden_sigv4::check_skew(signed_at, self.kernel.now(), self.config.max_skew_secs).map_err(refuse)?;
        let uri = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        warden_sigv4::check(
            parts.method.as_str(),
            uri,
            &parts.headers,
            warden_sigv4::payload(&parts.headers, body),
            &auth,
            signed_at,
            secret.expose(),
        )
        .map_err(refuse)?;
        let permissions =
            creds.role.as_ref().and_then(|r| self.config.roles.get(r)).into_iter().flatten().cloned().collect();
        Ok(Caller {
            method: "sigv4",
            sub: creds.identity_id.clone(),
            issuer: None,
            role: creds.role.clone(),
            scopes: Vec::new(),
            permissions,
        })
    }
}
