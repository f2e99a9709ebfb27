//! GetTokensFromRefreshToken: the Cognito API's refresh for any client, and the only one for a
//! client whose refresh tokens rotate (REFRESH_TOKEN_AUTH refuses those, as Cognito does). It is
//! the token endpoint's refresh grant answered in the Cognito dialect, so a rotation and its
//! reuse detection (a rotated-out token that comes back ends its whole family) are one rule.

use super::oauth::{PresentedClient, TokenRequest};
use super::signin::{require_flow, AuthResult};
use super::Warden;
use crate::error::CoreResult;
use crate::model::AuthFlow;
use crate::secret::Secret;

impl Warden {
    /// New tokens for `refresh_token`; a rotating client's token is replaced by the one returned.
    /// A confidential client presents its secret itself (`ClientSecret`, not a SECRET_HASH).
    pub async fn get_tokens_from_refresh_token(
        &self,
        client_id: &str,
        client_secret: Option<Secret<String>>,
        refresh_token: &str,
    ) -> CoreResult<AuthResult> {
        let client = self.client(client_id).await?;
        require_flow(&client, AuthFlow::RefreshToken)?;
        let request = TokenRequest {
            grant_type: Some("refresh_token".into()),
            code: None,
            redirect_uri: None,
            code_verifier: None,
            refresh_token: Some(refresh_token.to_owned()),
            scope: None,
            client: PresentedClient {
                post_id: Some(client.id),
                post_secret: client_secret,
                ..PresentedClient::default()
            },
        };
        // Its refusals are OAuth errors; the Cognito door words them as Cognito does.
        let answer = self.token(request).await?;
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
