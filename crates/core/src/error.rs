//! The core's errors, in the domain's own words. No vendor's error names are written here: each
//! door words a `CoreError` in its dialect in one place (`doors/*/src/error.rs`), from the variant
//! and its typed reason. The message is plain English, safe to show to the caller.

use thiserror::Error;

#[derive(Debug, Clone, Error)]
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

/// What went wrong. Every variant but `Internal` and `Store` is the caller's doing.
#[derive(Debug, Clone, Error)]
pub enum CoreError {
    /// Something the request names does not exist.
    #[error("{1}")]
    NotFound(Missing, String),
    /// What the request would create exists already.
    #[error("{1}")]
    Exists(Taken, String),
    /// The request was understood and a rule refuses it.
    #[error("{1}")]
    Refused(Refusal, String),
    /// The request is malformed, or asks for something that cannot be.
    #[error("{1}")]
    Invalid(Invalid, String),
    /// A limit that protects the service or an account.
    #[error("{1}")]
    Throttled(Limit, String),
    /// Another request changed the same thing at the same time: the caller may retry.
    #[error("{0}")]
    Conflict(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    Store(StoreError),
}

/// What was not found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    User,
    /// A pool, client, group, identity, issuer or any other record.
    Record,
}

/// What exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    Username,
    /// An address another user of the pool signs in with.
    Alias,
    Group,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The username or the password is wrong (an unknown user is answered so too).
    WrongCredentials,
    /// The user is disabled.
    Disabled,
    /// The user has not confirmed the account.
    NotConfirmed,
    /// An administrator reset the password: it must be reset before signing in.
    ResetRequired,
    /// Too many failed attempts for this account or source.
    AttemptsExceeded,
    /// A token the request presents (refresh, access, identity, session) is not valid, expired or
    /// revoked.
    TokenInvalid,
    /// A sign-in step's session is unknown, used or expired.
    SessionExpired,
    /// The client did not prove itself (client secret, its keyed hash, an assertion).
    ClientCredentials,
    /// The client may not do this to the token it names (not its token, or its secret is wrong
    /// for a revocation).
    ClientNotOwner,
    /// The client is not allowed this grant, flow or token.
    ClientNotAllowed,
    /// A rule of the pool, the client or the account forbids the operation.
    NotPermitted,
    /// A one-time code does not match.
    CodeMismatch,
    /// A one-time code has expired or was used.
    CodeExpired,
    /// The user's state does not allow the operation.
    UserState,
    /// The user has no authenticator set up.
    MfaNotSetUp,
    /// Verifying a new authenticator failed.
    MfaSetupFailed,
    /// An authorization grant (code, refresh token) is unknown, used, expired or revoked.
    GrantInvalid,
    /// A bearer token presented to a protected resource is not valid.
    BearerInvalid,
    /// The token lacks the scope the resource needs.
    InsufficientScope,
    /// The user or the server refused the authorization request.
    AccessDenied,
    /// No signed-in user, and the request forbids asking.
    LoginRequired,
    /// No consent, and the request forbids asking.
    ConsentRequired,
    /// The user must interact, and the request forbids it.
    InteractionRequired,
}

/// What about the request is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// A parameter is missing, malformed or out of range.
    Parameter,
    /// A protocol request (a form, a query) is missing a member or is malformed.
    Request,
    /// A new password does not satisfy the pool's policy.
    Password,
    /// The pool's configuration does not allow the request.
    PoolConfiguration,
    /// The identity pool's configuration does not allow the request.
    IdentityPoolConfiguration,
    /// A client's OAuth flows do not fit together.
    ClientFlows,
    /// A client names a scope no resource server defines.
    UnknownScope,
    /// A scope asked for cannot be granted.
    Scope,
    /// A grant type that is not supported.
    GrantType,
    /// A response type that is not supported.
    ResponseType,
    /// A token type that cannot be handled (revoked, say).
    TokenType,
    /// A request object is not supported.
    RequestObject,
    /// A request URI is not supported.
    RequestUri,
    /// An operation this server does not support.
    Unsupported,
}

/// Which limit was hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A quota of the account or the pool (codes sent, attempts).
    Exceeded,
    /// Too many requests at once or from one source: retry later.
    Busy,
}

impl From<StoreError> for CoreError {
    /// A lost optimistic race is the caller's to retry, not a server fault; every other store
    /// failure is.
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Stale(what) => {
                CoreError::Conflict(format!("{what} was changed by another request at the same time; try again"))
            }
            StoreError::Unstorable(_) => {
                CoreError::invalid("A value in the request holds a NUL character or is too long to be stored.")
            }
            other => CoreError::Store(other),
        }
    }
}

impl CoreError {
    /// A parameter is missing or malformed.
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::Invalid(Invalid::Parameter, msg.into())
    }
    pub fn invalid_as(what: Invalid, msg: impl Into<String>) -> Self {
        Self::Invalid(what, msg.into())
    }
    pub fn refused(why: Refusal, msg: impl Into<String>) -> Self {
        Self::Refused(why, msg.into())
    }
    /// A record other than a user does not exist.
    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::NotFound(Missing::Record, msg.into())
    }
    pub fn user_not_found(msg: impl Into<String>) -> Self {
        Self::NotFound(Missing::User, msg.into())
    }
    pub fn exists(what: Taken, msg: impl Into<String>) -> Self {
        Self::Exists(what, msg.into())
    }
    pub fn throttled(limit: Limit, msg: impl Into<String>) -> Self {
        Self::Throttled(limit, msg.into())
    }
    pub fn internal(msg: impl Into<String>) -> Self {
        Self::Internal(msg.into())
    }
    /// True for faults of the server, not of the caller.
    pub fn is_server_fault(&self) -> bool {
        matches!(self, Self::Internal(_) | Self::Store(_))
    }
    /// The refusal's reason, if this is one.
    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            Self::Refused(why, _) => Some(*why),
            _ => None,
        }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
