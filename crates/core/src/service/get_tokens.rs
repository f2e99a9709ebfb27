//! A refresh by a client that presents its secret itself (no keyed hash), for any client and the
//! only one for a client whose refresh tokens rotate. It is the one refresh rule
//! (`refresh_grant`), so a rotation and its reuse detection (a rotated-out token that comes back
//! ends its whole family) are the same for every door.

use super::oauth::PresentedClient;
use super::refresh::ClientProof;
use super::signin::{require_flow, AuthResult};
use crate::error::CoreResult;
use crate::model::AuthFlow;
use crate::secret::Secret;
use crate::service::services::OAuth;

impl OAuth {
    /// New tokens for `refresh_token`; a rotating client's token is replaced by the one returned.
    pub async fn refresh_with_client_secret(
        &self,
        client_id: &str,
        client_secret: Option<Secret<String>>,
        refresh_token: &str,
    ) -> CoreResult<AuthResult> {
        let client = self.kernel.client(client_id).await?;
        require_flow(&client, AuthFlow::RefreshToken)?;
        let presented = PresentedClient {
            post_id: Some(client.id.clone()),
            post_secret: client_secret,
            ..PresentedClient::default()
        };
        let client = self.authenticate_client(&presented).await?;
        let answer = self.tokens.refresh_grant(&client, refresh_token, None, ClientProof::Authenticated).await?;
        Ok(AuthResult {
            access_token: answer.access_token,
            // None for a grant made at the hosted pages without `openid`: nothing to refuse after
            // the rotation is written (that would retire the token the caller never got).
            id_token: answer.id_token,
            refresh_token: answer.refresh_token,
            expires_in: answer.expires_in,
        })
    }
}
