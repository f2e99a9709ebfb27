//! The errors the API raises, named as the Python library names them.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum Error {
    /// Wrong credentials, an invalid or revoked token, a wrong MFA code.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("too many requests: {0}")]
    TooManyRequests(String),
    /// A required id (client id, identity pool id) is missing or unknown.
    #[error("missing id: {0}")]
    MissingId(String),
    #[error("resource not found: {0}")]
    ResourceNotFound(String),
    #[error("unknown error: {0}")]
    Unknown(String),
    /// Any other error the service returned, with its Cognito type (`InvalidPasswordException`...).
    #[error("{code}: {message}")]
    Service { code: String, message: String },
    /// The service could not be reached, or answered something that is not the protocol.
    #[error("transport: {0}")]
    Transport(String),
}

impl Error {
    /// The Cognito error type, for a service error.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Service { code, .. } => Some(code),
            _ => None,
        }
    }
}
