//! The one place where errors become Cognito's wire dialect: `{"__type", "message"}`, the
//! `x-amzn-ErrorType` header, and HTTP 400 for every client mistake (botocore retries 5xx).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use warden_core::error::{Invalid, Limit, Missing, Refusal, Taken};
use warden_core::CoreError;

/// An error of this door: the core's, or one of the protocol's own.
#[derive(Debug)]
pub enum DoorError {
    Core(CoreError),
    /// Body is not JSON, or a member has the wrong JSON type.
    Serialization(String),
    /// A required member is missing or a value is out of range.
    InvalidParameter(String),
    UnknownOperation(String),
    MissingAuthenticationToken,
    UnrecognizedClient,
    InvalidSignature(String),
    IncompleteSignature(String),
    TooLarge,
}

impl From<CoreError> for DoorError {
    fn from(e: CoreError) -> Self {
        Self::Core(e)
    }
}

pub type DoorResult<T> = Result<T, DoorError>;

impl DoorError {
    /// (`__type`, message, status)
    pub fn parts(&self) -> (&'static str, String, StatusCode) {
        use CoreError as C;
        let bad = StatusCode::BAD_REQUEST;
        match self {
            Self::Serialization(m) => ("SerializationException", m.clone(), bad),
            Self::InvalidParameter(m) => ("InvalidParameterException", m.clone(), bad),
            Self::UnknownOperation(m) => ("UnknownOperationException", m.clone(), bad),
            Self::MissingAuthenticationToken => {
                ("MissingAuthenticationTokenException", "Missing Authentication Token".into(), bad)
            }
            Self::UnrecognizedClient => {
                ("UnrecognizedClientException", "The security token included in the request is invalid.".into(), bad)
            }
            Self::InvalidSignature(m) => ("InvalidSignatureException", m.clone(), bad),
            Self::IncompleteSignature(m) => ("IncompleteSignatureException", m.clone(), bad),
            Self::TooLarge => (
                "InvalidParameterException",
                "Request body is too large (limit 1 MiB).".into(),
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            Self::Core(e) => {
                let t = match e {
                    C::NotFound(Missing::User, _) => "UserNotFoundException",
                    C::NotFound(Missing::Record, _) => "ResourceNotFoundException",
                    C::Exists(Taken::Username, _) => "UsernameExistsException",
                    C::Exists(Taken::Alias, _) => "AliasExistsException",
                    C::Exists(Taken::Group, _) => "GroupExistsException",
                    C::Refused(why, _) => refusal(*why),
                    C::Invalid(what, _) => match what {
                        Invalid::Password => "InvalidPasswordException",
                        Invalid::PoolConfiguration => "InvalidUserPoolConfigurationException",
                        Invalid::IdentityPoolConfiguration => "InvalidIdentityPoolConfigurationException",
                        Invalid::ClientFlows => "InvalidOAuthFlowException",
                        Invalid::UnknownScope => "ScopeDoesNotExistException",
                        Invalid::Unsupported => "UnsupportedOperationException",
                        Invalid::TokenType => "UnsupportedTokenTypeException",
                        Invalid::Parameter
                        | Invalid::Request
                        | Invalid::Scope
                        | Invalid::GrantType
                        | Invalid::ResponseType
                        | Invalid::RequestObject
                        | Invalid::RequestUri => "InvalidParameterException",
                    },
                    C::Throttled(Limit::Exceeded, _) => "LimitExceededException",
                    C::Throttled(Limit::Busy, _) => "TooManyRequestsException",
                    C::Conflict(_) => "ConcurrentModificationException",
                    C::Internal(_) | C::Store(_) => "InternalErrorException",
                };
                if e.is_server_fault() {
                    (t, "Internal server error.".into(), StatusCode::INTERNAL_SERVER_ERROR)
                } else {
                    (t, e.to_string(), bad)
                }
            }
        }
    }
}

impl IntoResponse for DoorError {
    fn into_response(self) -> Response {
        let (kind, message, status) = self.parts();
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        } else {
            tracing::info!(error_type = kind, "request refused");
        }
        let body = json!({ "__type": kind, "message": message }).to_string();
        let mut resp = (status, body).into_response();
        let h = resp.headers_mut();
        h.insert("content-type", HeaderValue::from_static("application/x-amz-json-1.1"));
        h.insert("x-amzn-errortype", HeaderValue::from_str(&format!("{kind}:")).expect("ascii"));
        if let Ok(v) = HeaderValue::from_str(&message) {
            h.insert("x-amzn-errormessage", v);
        }
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body was not read: this connection cannot carry another request.
            h.insert("connection", HeaderValue::from_static("close"));
        }
        resp
    }
}

/// Cognito's exception for each reason of refusal. Most are NotAuthorized, as on Cognito; the
/// token endpoint's refusals met through GetTokensFromRefreshToken (a bad refresh token or client
/// credential) are too.
fn refusal(why: Refusal) -> &'static str {
    use Refusal as R;
    match why {
        R::NotConfirmed => "UserNotConfirmedException",
        R::ResetRequired => "PasswordResetRequiredException",
        R::CodeMismatch => "CodeMismatchException",
        R::CodeExpired => "ExpiredCodeException",
        R::UserState => "UnsupportedUserStateException",
        R::MfaNotSetUp => "SoftwareTokenMFANotFoundException",
        R::MfaSetupFailed => "EnableSoftwareTokenMFAException",
        R::ClientNotOwner => "UnauthorizedException",
        R::WrongCredentials
        | R::Disabled
        | R::AttemptsExceeded
        | R::TokenInvalid
        | R::SessionExpired
        | R::ClientCredentials
        | R::ClientNotAllowed
        | R::NotPermitted
        | R::GrantInvalid => "NotAuthorizedException",
        R::BearerInvalid
        | R::InsufficientScope
        | R::AccessDenied
        | R::LoginRequired
        | R::ConsentRequired
        | R::InteractionRequired => "InvalidParameterException",
    }
}
