//! The only place errors become OAuth's dialect: `{"error", "error_description"}` JSON with the
//! status RFC 6749 §5.2, RFC 6750 §3.1 and RFC 7662 ask for. Pages (authorize, login, logout)
//! render their errors through `pages::error_page`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use warden_core::error::{Invalid, Missing, Refusal};
use warden_core::CoreError;

use OAuthErrorKind as K;

/// The `error` values of OAuth 2.0 and OpenID Connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorKind {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    InvalidScope,
    AccessDenied,
    LoginRequired,
    ConsentRequired,
    InvalidToken,
    InsufficientScope,
    UnsupportedTokenType,
    InteractionRequired,
    RequestNotSupported,
    RequestUriNotSupported,
}

impl OAuthErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::InteractionRequired => "interaction_required",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
        }
    }
}

/// The OAuth code of a reason that has one of its own, the same at every endpoint.
pub fn oauth_code(e: &CoreError) -> Option<K> {
    use Invalid as I;
    use Refusal as R;
    Some(match e {
        CoreError::Refused(why, _) => match why {
            R::GrantInvalid => K::InvalidGrant,
            R::ClientCredentials => K::InvalidClient,
            R::ClientNotAllowed => K::UnauthorizedClient,
            R::AccessDenied => K::AccessDenied,
            R::LoginRequired => K::LoginRequired,
            R::ConsentRequired => K::ConsentRequired,
            R::InteractionRequired => K::InteractionRequired,
            R::BearerInvalid => K::InvalidToken,
            R::InsufficientScope => K::InsufficientScope,
            _ => return None,
        },
        CoreError::Invalid(what, _) => match what {
            I::Request => K::InvalidRequest,
            I::Scope => K::InvalidScope,
            I::GrantType => K::UnsupportedGrantType,
            I::ResponseType => K::UnsupportedResponseType,
            I::TokenType => K::UnsupportedTokenType,
            I::RequestObject => K::RequestNotSupported,
            I::RequestUri => K::RequestUriNotSupported,
            _ => return None,
        },
        _ => return None,
    })
}

/// The OAuth code of any core error answered at `endpoint`: its own, or the one the endpoint
/// gives a failed check (a protected resource: the token; the token endpoint: the grant).
pub fn kind_of(e: &CoreError, endpoint: Endpoint) -> K {
    use Refusal as R;
    if let Some(kind) = oauth_code(e) {
        return kind;
    }
    match (e, endpoint) {
        (_, Endpoint::Resource) => K::InvalidToken,
        (
            CoreError::Refused(
                R::WrongCredentials
                | R::Disabled
                | R::AttemptsExceeded
                | R::TokenInvalid
                | R::SessionExpired
                | R::NotPermitted,
                _,
            ),
            Endpoint::Token,
        ) => K::InvalidGrant,
        (CoreError::NotFound(Missing::Record, _), _) => K::InvalidClient,
        _ => K::InvalidRequest,
    }
}

/// Which endpoint is answering: the same core error reads differently at each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Token,
    /// A protected resource (userinfo): errors are `WWW-Authenticate: Bearer`.
    Resource,
    /// Introspection and revocation.
    Management,
}

#[derive(Debug)]
pub struct OidcError {
    pub kind: K,
    pub description: String,
    pub endpoint: Endpoint,
    /// A server fault: 500 with no detail.
    pub internal: bool,
    /// The client tried HTTP Basic: a 401 carries `WWW-Authenticate: Basic`.
    pub basic: bool,
}

impl OidcError {
    pub fn new(endpoint: Endpoint, kind: K, description: impl Into<String>) -> Self {
        Self { kind, description: description.into(), endpoint, internal: false, basic: false }
    }

    /// Maps a core error at `endpoint`.
    pub fn from_core(endpoint: Endpoint, e: CoreError) -> Self {
        if e.is_server_fault() {
            tracing::error!(error = ?e, "request failed");
            return Self { internal: true, ..Self::new(endpoint, K::InvalidRequest, "Internal error") };
        }
        Self::new(endpoint, kind_of(&e, endpoint), e.to_string())
    }

    pub fn with_basic(mut self, basic: bool) -> Self {
        self.basic = basic;
        self
    }

    fn status(&self) -> StatusCode {
        if self.internal {
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
        match (self.kind, self.endpoint) {
            (K::InvalidClient, _) => StatusCode::UNAUTHORIZED,
            (K::InvalidToken, Endpoint::Resource) => StatusCode::UNAUTHORIZED,
            (K::InsufficientScope, _) => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl IntoResponse for OidcError {
    fn into_response(self) -> Response {
        let status = self.status();
        if !self.internal {
            tracing::info!(error = self.kind.as_str(), "request refused");
        }
        let body = json!({ "error": if self.internal { "server_error" } else { self.kind.as_str() }, "error_description": self.description });
        let mut resp = (status, axum::Json(body)).into_response();
        let h = resp.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if self.endpoint == Endpoint::Resource && status == StatusCode::UNAUTHORIZED {
            let desc = self.description.replace(['"', '\\'], "'");
            let value = format!("Bearer error=\"{}\", error_description=\"{desc}\"", self.kind.as_str());
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(header::WWW_AUTHENTICATE, v);
            }
        } else if status == StatusCode::UNAUTHORIZED && self.basic {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"warden\""));
        }
        resp
    }
}

/// Metadata and JWKS (no client, no token): a pool that does not exist is a 404, a store that
/// cannot answer a 503 the verifier may retry.
pub fn metadata_error(e: CoreError) -> Response {
    match e {
        CoreError::NotFound(Missing::Record, m) | CoreError::Invalid(Invalid::Parameter, m) => {
            (StatusCode::NOT_FOUND, axum::Json(json!({ "error": "not_found", "error_description": m }))).into_response()
        }
        e => {
            tracing::error!(error = ?e, "pool lookup failed");
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({ "error": "temporarily_unavailable" }))).into_response()
        }
    }
}
