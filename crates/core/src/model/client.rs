use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::model::{OAuthFlow, SigningAlg};

/// The sign-in flows a client may use. Stored by the snake_case codes serde gives them; each door
/// has its own names for them (the Cognito door: ExplicitAuthFlows' `ALLOW_*`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum AuthFlow {
    /// A username and a password, by anyone who knows the client id.
    UserPassword,
    /// A username and a password, by an administrator's signed call.
    AdminUserPassword,
    /// A refresh token for new access and id tokens.
    RefreshToken,
    /// SRP (not yet implemented).
    UserSrp,
    /// Custom challenges (not implemented).
    Custom,
    /// Choice-based sign-in (not implemented).
    UserAuth,
}

/// Token lifetimes in seconds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenValidity {
    pub access_secs: i64,
    pub id_secs: i64,
    pub refresh_secs: i64,
}

impl Default for TokenValidity {
    /// Scribe's contract: access and id 30 minutes, refresh 30 days.
    fn default() -> Self {
        Self { access_secs: 30 * 60, id_secs: 30 * 60, refresh_secs: 30 * 24 * 3600 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ClientSettings {
    pub explicit_auth_flows: Vec<AuthFlow>,
    pub token_validity: TokenValidity,
    /// The units the operator used, echoed back by DescribeUserPoolClient.
    pub token_validity_units: Option<serde_json::Value>,
    pub prevent_user_existence_errors: bool,
    pub enable_token_revocation: bool,
    pub read_attributes: Vec<String>,
    pub write_attributes: Vec<String>,
    /// The OAuth grants the client may use on the OIDC door (Cognito's AllowedOAuthFlows).
    pub allowed_oauth_flows: Vec<OAuthFlow>,
    /// Scopes the client may request: `openid`, `email`, `phone`, `profile`,
    /// `aws.cognito.signin.user.admin` and resource-server scopes `<server>/<scope>`.
    pub allowed_oauth_scopes: Vec<String>,
    /// Cognito's AllowedOAuthFlowsUserPoolClient: the OAuth settings are in force.
    pub allowed_oauth_flows_user_pool_client: bool,
    /// Redirect URIs, matched exactly.
    pub callback_urls: Vec<String>,
    pub logout_urls: Vec<String>,
    pub default_redirect_uri: Option<String>,
    pub supported_identity_providers: Vec<String>,
    /// Refresh tokens rotate on every use and a reused one revokes its family (the OIDC
    /// default). Off, they are reused as Cognito does by default.
    pub refresh_token_rotation: bool,
    /// The algorithm of the ID and access tokens the OIDC door issues to this client (OIDC
    /// registration's id_token_signed_response_alg); RS256 when unset. The Cognito API's
    /// tokens are always RS256.
    pub id_token_signed_response_alg: Option<SigningAlg>,
    /// Public keys (JWKs) for private_key_jwt client authentication (RFC 7523): a client
    /// with keys signs an assertion instead of sending a secret.
    pub jwks: Vec<serde_json::Value>,
    /// A third-party client: the hosted pages ask the user to consent to the scopes it
    /// requests (remembered per user and client). First-party clients (the default) skip it.
    pub require_consent: bool,
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            explicit_auth_flows: vec![AuthFlow::UserSrp, AuthFlow::RefreshToken, AuthFlow::Custom],
            token_validity: TokenValidity::default(),
            token_validity_units: None,
            prevent_user_existence_errors: true,
            enable_token_revocation: true,
            read_attributes: Vec::new(),
            write_attributes: Vec::new(),
            allowed_oauth_flows: Vec::new(),
            allowed_oauth_scopes: Vec::new(),
            allowed_oauth_flows_user_pool_client: false,
            callback_urls: Vec::new(),
            logout_urls: Vec::new(),
            default_redirect_uri: None,
            supported_identity_providers: Vec::new(),
            refresh_token_rotation: false,
            id_token_signed_response_alg: None,
            jwks: Vec::new(),
            require_consent: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Client {
    pub id: String,
    pub pool_id: String,
    pub name: String,
    /// The client secret, encrypted under the master key; `None` for a public client.
    pub secret_enc: Option<Vec<u8>>,
    pub settings: ClientSettings,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Client {
    pub fn allows(&self, flow: AuthFlow) -> bool {
        self.settings.explicit_auth_flows.contains(&flow)
    }

    /// Whether the OIDC door lets this client use `flow`.
    pub fn allows_oauth(&self, flow: OAuthFlow) -> bool {
        self.settings.allowed_oauth_flows_user_pool_client && self.settings.allowed_oauth_flows.contains(&flow)
    }

    /// The algorithm of the OIDC door's tokens for this client.
    pub fn signing_alg(&self) -> SigningAlg {
        self.settings.id_token_signed_response_alg.unwrap_or(SigningAlg::RS256)
    }

    /// A client that can authenticate: with a secret, or with keys (private_key_jwt).
    pub fn is_confidential(&self) -> bool {
        self.secret_enc.is_some() || !self.settings.jwks.is_empty()
    }
}
