//! The core's error enum. Each door maps it to its wire dialect in one place.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("record already exists: {0}")]
    Conflict(String),
    /// The record changed (or went) since it was read: an optimistic write lost a race.
    #[error("record changed since it was read: {0}")]
    Stale(String),
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A value the store cannot hold (a NUL character in text, or too long for an index): the
    /// request's fault, refused with nothing written.
    #[error("unstorable value: {0}")]
    Unstorable(String),
    #[error("store error: {0}")]
    Other(String),
}

/// What went wrong, in the domain's own words. Messages are safe to show to the caller.
#[derive(Debug, Error)]
pub enum CoreError {
    #[error("{0}")]
    NotAuthorized(String),
    #[error("{0}")]
    UserNotFound(String),
    #[error("User is not confirmed.")]
    UserNotConfirmed,
    #[error("Password reset required for the user")]
    PasswordResetRequired,
    #[error("{0}")]
    InvalidPassword(String),
    #[error("{0}")]
    CodeMismatch(String),
    #[error("{0}")]
    ExpiredCode(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    InvalidParameter(String),
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("{0}")]
    UsernameExists(String),
    #[error("{0}")]
    AliasExists(String),
    /// The user's status does not allow the operation (Cognito's UnsupportedUserStateException).
    #[error("{0}")]
    UnsupportedUserState(String),
    #[error("{0}")]
    NotSupported(String),
    #[error("{0}")]
    UnsupportedTokenType(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    SoftwareTokenMfaNotFound(String),
    #[error("{0}")]
    EnableSoftwareTokenMfa(String),
    #[error("{0}")]
    InvalidUserPoolConfiguration(String),
    #[error("{0}")]
    InvalidOAuthFlow(String),
    /// An app client named a scope that is neither standard nor one of the pool's resource
    /// servers' (Cognito's ScopeDoesNotExistException).
    #[error("{0}")]
    ScopeDoesNotExist(String),
    /// CreateGroup named a group the pool already has (Cognito's GroupExistsException).
    #[error("{0}")]
    GroupExists(String),
    #[error("{0}")]
    InvalidIdentityPoolConfiguration(String),
    #[error("{0}")]
    Conflict(String),
    /// An OAuth 2.0 error (RFC 6749 §5.2 and its extensions), for the OIDC door.
    #[error("{1}")]
    OAuth(OAuthErrorKind, String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for CoreError {
    /// A lost optimistic race is the caller's to retry (Cognito's ConcurrentModificationException),
    /// not a server fault; every other store failure is.
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Stale(what) => {
                CoreError::Conflict(format!("{what} was changed by another request at the same time; try again"))
            }
            StoreError::Unstorable(_) => CoreError::InvalidParameter(
                "A value in the request holds a NUL character or is too long to be stored.".into(),
            ),
            other => CoreError::Store(other),
        }
    }
}

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

impl CoreError {
    pub fn oauth(kind: OAuthErrorKind, msg: impl Into<String>) -> Self {
        Self::OAuth(kind, msg.into())
    }
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::InvalidParameter(msg.into())
    }
    pub fn not_authorized(msg: impl Into<String>) -> Self {
        Self::NotAuthorized(msg.into())
    }
    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::ResourceNotFound(msg.into())
    }
    pub fn internal(msg: impl Into<String>) -> Self {
        Self::Internal(msg.into())
    }
    /// True for faults of the server, not of the caller.
    pub fn is_server_fault(&self) -> bool {
        matches!(self, Self::Internal(_) | Self::Store(_))
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
