//! Client authentication at the token, introspection and revocation endpoints:
//! client_secret_basic, client_secret_post, and none for public clients (RFC 6749 §2.3).

use subtle::ConstantTimeEq;

use crate::error::{CoreError, CoreResult, OAuthErrorKind};
use crate::model::Client;
use crate::secret::Secret;
use crate::service::Warden;

/// The credentials a request presented, as the door found them.
#[derive(Debug, Clone, Default)]
pub struct PresentedClient {
    /// From `Authorization: Basic` (already form-decoded).
    pub basic: Option<(String, Secret<String>)>,
    /// `client_id` in the body.
    pub post_id: Option<String>,
    /// `client_secret` in the body.
    pub post_secret: Option<Secret<String>>,
}

fn invalid_client(msg: &str) -> CoreError {
    CoreError::oauth(OAuthErrorKind::InvalidClient, msg)
}

impl Warden {
    /// Authenticates the client. A confidential client must present its secret by exactly one
    /// method; a public client presents only its id. Every failure is `invalid_client`.
    pub async fn authenticate_client(&self, presented: &PresentedClient) -> CoreResult<Client> {
        let (id, secret) = match (&presented.basic, &presented.post_id, &presented.post_secret) {
            (Some(_), _, Some(_)) => {
                return Err(CoreError::oauth(OAuthErrorKind::InvalidRequest, "Use one client authentication method"))
            }
            (Some((id, _)), Some(post_id), None) if post_id != id => {
                return Err(CoreError::oauth(
                    OAuthErrorKind::InvalidRequest,
                    "client_id does not match the credentials",
                ));
            }
            (Some((id, secret)), _, None) => (id.as_str(), Some(secret)),
            (None, Some(id), secret) => (id.as_str(), secret.as_ref()),
            (None, None, _) => return Err(invalid_client("Client authentication is required")),
        };
        let client = match self.client(id).await {
            Ok(c) => c,
            Err(e) if e.is_server_fault() => return Err(e),
            Err(_) => return Err(invalid_client("Client authentication failed")),
        };
        match (self.client_secret(&client)?, secret) {
            (Some(expected), Some(given))
                if bool::from(expected.expose().as_bytes().ct_eq(given.expose().as_bytes())) =>
            {
                Ok(client)
            }
            (None, None) => Ok(client),
            _ => Err(invalid_client("Client authentication failed")),
        }
    }
}
