//! The authorization endpoint's rules (RFC 6749 §4.1, OIDC Core §3.1.2, RFC 7636, RFC 9700):
//! which requests are refused on a page (no trustworthy redirect URI), which are answered with
//! an error at the redirect URI, and the code issued once the browser is signed in.

use serde::{Deserialize, Serialize};

use super::present;
use super::scopes::Scopes;
use super::sessions::SignedInBrowser;
use crate::crypto::random;
use crate::error::{CoreError, CoreResult, Invalid, Refusal};
use crate::model::{AuthorizationCode, Client, OAuthFlow, Pool};
use crate::service::services::OAuth;
use crate::service::tokens::IdClaims;

/// The authorization request's parameters as received; unknown ones are dropped by the door.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub response_type: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<String>,
    pub login_hint: Option<String>,
    pub id_token_hint: Option<String>,
    pub response_mode: Option<String>,
    pub request: Option<String>,
    pub request_uri: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseMode {
    Query,
    FormPost,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
}

/// A request that passed every check: what the login pages and the code carry forward.
#[derive(Debug, Clone)]
pub struct ValidAuthorize {
    pub client: Client,
    pub pool: Pool,
    pub redirect_uri: String,
    pub response_mode: ResponseMode,
    pub state: Option<String>,
    pub scope: Scopes,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// The `sub` of a valid `id_token_hint`.
    pub hinted_sub: Option<String>,
    /// The request as received, for the login form to carry (sealed).
    pub request: AuthorizeRequest,
}

/// Why an authorization request was refused.
#[derive(Debug, Clone)]
pub enum AuthorizeFailure {
    /// No client or no registered redirect URI to answer at: show an error page, never redirect.
    Page(CoreError),
    /// An error response at the client's redirect URI (RFC 6749 §4.1.2.1).
    Redirect(AuthorizeRedirect),
}

/// Where and how to send an authorization response (a code or an error).
#[derive(Debug, Clone)]
pub struct AuthorizeRedirect {
    pub redirect_uri: String,
    pub response_mode: ResponseMode,
    /// The response parameters, `state` and `iss` included (the error's, if any, are the door's
    /// to word).
    pub params: Vec<(String, String)>,
    /// The refusal to report, for an error response.
    pub error: Option<CoreError>,
}

impl ValidAuthorize {
    /// The refusal `error` sent back to the client.
    pub fn error(&self, error: CoreError, issuer: String) -> AuthorizeRedirect {
        AuthorizeRedirect { error: Some(error), ..self.respond(vec![], issuer) }
    }

    fn respond(&self, mut params: Vec<(String, String)>, issuer: String) -> AuthorizeRedirect {
        if let Some(state) = &self.state {
            params.push(("state".into(), state.clone()));
        }
        params.push(("iss".into(), issuer));
        AuthorizeRedirect {
            redirect_uri: self.redirect_uri.clone(),
            response_mode: self.response_mode,
            params,
            error: None,
        }
    }

    /// Whether a signed-in browser may skip the login page for this request.
    pub fn session_suffices(&self, browser: &SignedInBrowser, now: i64) -> bool {
        if self.prompt.login {
            return false;
        }
        if self.max_age.is_some_and(|max| now - browser.auth_time > max) {
            return false;
        }
        self.hinted_sub.as_ref().is_none_or(|sub| *sub == browser.user.id)
    }
}

impl OAuth {
    /// Checks an authorization request. The client and redirect URI are checked first: until
    /// both are known good, a failure is a page; after, an error at the redirect URI.
    pub async fn validate_authorize(&self, req: AuthorizeRequest) -> Result<ValidAuthorize, AuthorizeFailure> {
        let page = AuthorizeFailure::Page;
        let client_id = present(&req.client_id)
            .ok_or_else(|| page(CoreError::invalid_as(Invalid::Request, "client_id is missing")))?;
        let client = match self.kernel.client(client_id).await {
            Ok(c) => c,
            Err(CoreError::NotFound(..)) => {
                return Err(page(CoreError::refused(Refusal::ClientCredentials, "The client does not exist")));
            }
            Err(e) if e.is_server_fault() => {
                return Err(page(CoreError::invalid_as(Invalid::Request, "Try again later")))
            }
            Err(_) => return Err(page(CoreError::refused(Refusal::ClientCredentials, "The client does not exist"))),
        };
        let redirect_uri = present(&req.redirect_uri)
            .ok_or_else(|| page(CoreError::invalid_as(Invalid::Request, "redirect_uri is missing")))?;
        if !client.settings.callback_urls.iter().any(|u| u == redirect_uri) {
            return Err(page(CoreError::invalid_as(
                Invalid::Request,
                "redirect_uri is not registered for this client",
            )));
        }
        let pool = self
            .kernel
            .pool(&client.pool_id)
            .await
            .map_err(|_| page(CoreError::refused(Refusal::ClientCredentials, "No such pool")))?;
        let response_mode = match present(&req.response_mode) {
            None | Some("query") => ResponseMode::Query,
            Some("form_post") => ResponseMode::FormPost,
            Some(_) => ResponseMode::Query,
        };
        let mut valid = ValidAuthorize {
            client,
            pool,
            redirect_uri: redirect_uri.to_owned(),
            response_mode,
            state: present(&req.state).map(str::to_owned),
            scope: Scopes::default(),
            nonce: present(&req.nonce).map(str::to_owned),
            code_challenge: None,
            prompt: Prompt::default(),
            max_age: None,
            login_hint: present(&req.login_hint).map(str::to_owned),
            hinted_sub: None,
            request: req.clone(),
        };
        let fail = |valid: &ValidAuthorize, error: CoreError| {
            AuthorizeFailure::Redirect(valid.error(error, self.kernel.issuer(&valid.pool)))
        };
        if present(&req.response_mode).is_some_and(|m| m != "query" && m != "form_post") {
            return Err(fail(&valid, CoreError::invalid_as(Invalid::Request, "Unsupported response_mode")));
        }
        if present(&req.request).is_some() {
            return Err(fail(
                &valid,
                CoreError::invalid_as(Invalid::RequestObject, "Request objects are not supported"),
            ));
        }
        if present(&req.request_uri).is_some() {
            return Err(fail(&valid, CoreError::invalid_as(Invalid::RequestUri, "request_uri is not supported")));
        }
        match present(&req.response_type) {
            None => return Err(fail(&valid, CoreError::invalid_as(Invalid::Request, "response_type is missing"))),
            Some("code") => {}
            Some(_) => {
                return Err(fail(
                    &valid,
                    CoreError::invalid_as(Invalid::ResponseType, "Only response_type=code is supported"),
                ));
            }
        }
        if !valid.client.allows_oauth(OAuthFlow::Code) {
            return Err(fail(
                &valid,
                CoreError::refused(Refusal::ClientNotAllowed, "The client may not use the code grant"),
            ));
        }
        let requested = Scopes::parse(present(&req.scope).unwrap_or(""))
            .map_err(|e| fail(&valid, CoreError::invalid_as(Invalid::Scope, e.to_string())))?;
        valid.scope = Scopes::grant(&valid.client, &requested)
            .map_err(|e| fail(&valid, CoreError::invalid_as(Invalid::Scope, e.to_string())))?;
        if valid.scope.is_empty() {
            return Err(fail(&valid, CoreError::invalid_as(Invalid::Scope, "No scope was requested or allowed")));
        }
        let undefined = match self.kernel.undefined_custom_scopes(&valid.pool.id, valid.scope.custom()).await {
            Ok(u) => u.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
            Err(e) => {
                tracing::error!(error = ?e, "resource server lookup failed");
                return Err(AuthorizeFailure::Page(CoreError::invalid_as(Invalid::Request, "Try again later")));
            }
        };
        if let Some(unknown) = undefined.first() {
            // The client may still list it, but its resource server is gone or no longer has it.
            return Err(fail(&valid, CoreError::invalid_as(Invalid::Scope, format!("Unknown scope {unknown}"))));
        }
        match (present(&req.code_challenge), present(&req.code_challenge_method)) {
            (None, Some(_)) => {
                return Err(fail(
                    &valid,
                    CoreError::invalid_as(Invalid::Request, "code_challenge_method without code_challenge"),
                ));
            }
            (None, None) if !valid.client.is_confidential() => {
                return Err(fail(
                    &valid,
                    CoreError::invalid_as(Invalid::Request, "PKCE (code_challenge, S256) is required"),
                ));
            }
            (None, None) => {}
            (Some(challenge), method) => {
                if method != Some("S256") {
                    return Err(fail(
                        &valid,
                        CoreError::invalid_as(Invalid::Request, "code_challenge_method must be S256"),
                    ));
                }
                let well_formed = (43..=128).contains(&challenge.len())
                    && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
                if !well_formed {
                    return Err(fail(&valid, CoreError::invalid_as(Invalid::Request, "code_challenge is malformed")));
                }
                valid.code_challenge = Some(challenge.to_owned());
            }
        }
        for p in present(&req.prompt).unwrap_or("").split(' ').filter(|p| !p.is_empty()) {
            match p {
                "none" => valid.prompt.none = true,
                "login" => valid.prompt.login = true,
                "consent" => valid.prompt.consent = true,
                "select_account" => {}
                _ => return Err(fail(&valid, CoreError::invalid_as(Invalid::Request, "Unknown prompt value"))),
            }
        }
        if valid.prompt.none && (valid.prompt.login || valid.prompt.consent) {
            return Err(fail(&valid, CoreError::invalid_as(Invalid::Request, "prompt=none cannot be combined")));
        }
        if let Some(max_age) = present(&req.max_age) {
            let max_age: i64 = max_age.parse().ok().filter(|m| *m >= 0).ok_or_else(|| {
                fail(&valid, CoreError::invalid_as(Invalid::Request, "max_age must be a number of seconds"))
            })?;
            valid.max_age = Some(max_age);
        }
        if let Some(hint) = present(&req.id_token_hint) {
            let verified = self.tokens.verify_own::<IdClaims>(hint).await.map_err(|e| {
                tracing::error!(error = ?e, "signing key reload failed");
                AuthorizeFailure::Page(CoreError::invalid_as(Invalid::Request, "Try again later"))
            })?;
            let claims = verified.ok_or_else(|| {
                fail(&valid, CoreError::invalid_as(Invalid::Request, "id_token_hint is not a valid ID token"))
            })?;
            if claims.iss != self.kernel.issuer(&valid.pool) || claims.token_use != "id" {
                return Err(fail(
                    &valid,
                    CoreError::invalid_as(Invalid::Request, "id_token_hint was not issued by this pool"),
                ));
            }
            valid.hinted_sub = Some(claims.sub);
        }
        Ok(valid)
    }

    /// Issues a single-use code for a signed-in browser and returns the redirect carrying it.
    pub async fn issue_authorization_code(
        &self,
        valid: &ValidAuthorize,
        browser: &SignedInBrowser,
    ) -> CoreResult<AuthorizeRedirect> {
        let code = random::opaque_token();
        let now = self.kernel.clock.now();
        let record = AuthorizationCode {
            code_hash: random::sha256(code.as_bytes()),
            pool_id: valid.pool.id.clone(),
            client_id: valid.client.id.clone(),
            user_id: browser.user.id.clone(),
            redirect_uri: valid.redirect_uri.clone(),
            scope: valid.scope.to_string_sorted(),
            nonce: valid.nonce.clone(),
            code_challenge: valid.code_challenge.clone(),
            auth_time: browser.auth_time,
            amr: browser.amr.clone(),
            family_id: random::uuid(),
            expires_at: now + self.kernel.config.authorization_code_ttl_secs,
            redeemed_at: None,
            user_epoch: browser.user_epoch,
        };
        self.kernel.store.insert_authorization_code(&record).await?;
        Ok(valid.respond(vec![("code".into(), code)], self.kernel.issuer(&valid.pool)))
    }
}
