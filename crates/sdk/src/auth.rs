//! `ScribeAuth`: the Scribe Auth operations over Cognito's user-pool API, with the Python
//! library's error mapping.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::endpoint::{resolve_endpoint, resolve_identity_endpoint};
use crate::error::Error;
use crate::wire::Wire;

/// Which pool and app client to sign in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfiguration {
    pub client_id: String,
    pub user_pool_id: String,
    pub identity_pool_id: Option<String>,
}

impl PoolConfiguration {
    pub fn new(client_id: impl Into<String>, user_pool_id: impl Into<String>) -> Self {
        Self { client_id: client_id.into(), user_pool_id: user_pool_id.into(), identity_pool_id: None }
    }
}

/// A signed-in user's tokens (the Python dict's keys).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub refresh_token: String,
    pub access_token: String,
    pub id_token: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(**redacted**)")
    }
}

/// A challenge to answer before tokens are issued.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub challenge_name: String,
    pub session: String,
}

impl std::fmt::Debug for Challenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Challenge").field("challenge_name", &self.challenge_name).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TokensOrChallenge {
    Tokens(Tokens),
    Challenge(Challenge),
}

#[derive(Debug, Clone)]
pub struct ScribeAuth {
    pub(crate) config: PoolConfiguration,
    wire: Wire,
    pub(crate) identity: Wire,
}

fn str_field(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn tokens_from(result: &Value, refresh_fallback: Option<&str>) -> Option<Tokens> {
    let r = result.get("AuthenticationResult")?;
    let refresh = r.get("RefreshToken").and_then(Value::as_str).or(refresh_fallback)?;
    Some(Tokens {
        refresh_token: refresh.to_owned(),
        access_token: r.get("AccessToken")?.as_str()?.to_owned(),
        id_token: r.get("IdToken")?.as_str()?.to_owned(),
    })
}

fn challenge_from(result: &Value) -> Option<Challenge> {
    Some(Challenge {
        challenge_name: result.get("ChallengeName")?.as_str()?.to_owned(),
        session: str_field(result, "Session"),
    })
}

/// change_password's mapping: a missing client and throttling get their own errors.
fn change_password_error(e: Error) -> Error {
    match e.code() {
        Some("ResourceNotFoundException") => Error::MissingId("Missing client ID".into()),
        Some("TooManyRequestsException") => Error::TooManyRequests("Too many requests. Try again later".into()),
        _ => e,
    }
}

impl ScribeAuth {
    /// Targets the endpoint the environment names (as boto3 does), else AWS.
    pub fn new(config: PoolConfiguration) -> Self {
        Self::with_endpoint(config, None)
    }

    /// Targets `endpoint` (both services) when given, else what the environment names.
    pub fn with_endpoint(config: PoolConfiguration, endpoint: Option<&str>) -> Self {
        Self::with_env(config, endpoint, |k| std::env::var(k).ok())
    }

    /// As `with_endpoint`, reading the environment through `env` instead of the process's.
    pub fn with_env(config: PoolConfiguration, endpoint: Option<&str>, env: impl Fn(&str) -> Option<String>) -> Self {
        let wire = Wire::new(resolve_endpoint(endpoint, &env), crate::wire::USER_POOLS);
        let identity = Wire::new(resolve_identity_endpoint(endpoint, &env), crate::wire::IDENTITY);
        Self { config, wire, identity }
    }

    pub fn endpoint(&self) -> &str {
        self.wire.endpoint()
    }

    async fn password_auth(&self, username: &str, password: &str) -> Result<Value, Error> {
        let body = json!({
            "ClientId": self.config.client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": { "USERNAME": username, "PASSWORD": password },
        });
        self.wire.call("InitiateAuth", &body).await
    }

    /// Tokens from a username and password, or the challenge to answer first.
    pub async fn get_tokens_with_password(&self, username: &str, password: &str) -> Result<TokensOrChallenge, Error> {
        let unauthorized =
            || Error::Unauthorized("Username and/or Password are incorrect. Could not get tokens".into());
        let result = self.password_auth(username, password).await.map_err(|_| unauthorized())?;
        if let Some(c) = challenge_from(&result) {
            return Ok(TokensOrChallenge::Challenge(c));
        }
        tokens_from(&result, None).map(TokensOrChallenge::Tokens).ok_or_else(unauthorized)
    }

    /// New access and id tokens from a refresh token; the refresh token itself is kept.
    pub async fn get_tokens_with_refresh(&self, refresh_token: &str) -> Result<Tokens, Error> {
        let unauthorized = || Error::Unauthorized("Refresh_token is incorrect. Could not get tokens".into());
        let body = json!({
            "ClientId": self.config.client_id,
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": { "REFRESH_TOKEN": refresh_token },
        });
        let result = self.wire.call("InitiateAuth", &body).await.map_err(|_| unauthorized())?;
        let mut tokens = tokens_from(&result, Some(refresh_token)).ok_or_else(unauthorized)?;
        tokens.refresh_token = refresh_token.to_owned();
        Ok(tokens)
    }

    /// Changes the password: answers the temporary-password challenge, or calls ChangePassword.
    /// `Ok(None)` when changed; `Ok(Some(challenge))` when another challenge stands first.
    pub async fn change_password(
        &self,
        username: &str,
        password: &str,
        new_password: &str,
    ) -> Result<Option<Challenge>, Error> {
        let result = self.password_auth(username, password).await.map_err(change_password_error)?;
        if let Some(challenge) = challenge_from(&result) {
            if challenge.challenge_name != "NEW_PASSWORD_REQUIRED" {
                return Ok(Some(challenge));
            }
            let user_id = result
                .get("ChallengeParameters")
                .and_then(|p| p.get("USER_ID_FOR_SRP"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let body = json!({
                "ClientId": self.config.client_id,
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": challenge.session,
                "ChallengeResponses": { "USER_ID_FOR_SRP": user_id, "USERNAME": username, "NEW_PASSWORD": new_password },
            });
            self.wire
                .call("RespondToAuthChallenge", &body)
                .await
                .map_err(|_| Error::Unknown("InternalServerError: try again later".into()))?;
            return Ok(None);
        }
        let access_token = result
            .get("AuthenticationResult")
            .and_then(|r| r.get("AccessToken"))
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Unknown("no access token in the sign-in result".into()))?;
        let body =
            json!({ "PreviousPassword": password, "ProposedPassword": new_password, "AccessToken": access_token });
        self.wire.call("ChangePassword", &body).await.map_err(change_password_error)?;
        Ok(None)
    }

    /// Sets a new password with a code from ForgotPassword.
    pub async fn forgot_password(
        &self,
        username: &str,
        new_password: &str,
        confirmation_code: &str,
    ) -> Result<bool, Error> {
        let body = json!({
            "ClientId": self.config.client_id,
            "Username": username,
            "ConfirmationCode": confirmation_code,
            "Password": new_password,
        });
        self.wire.call("ConfirmForgotPassword", &body).await?;
        Ok(true)
    }

    /// Answers a SOFTWARE_TOKEN_MFA challenge with a TOTP code.
    pub async fn respond_to_auth_challenge_mfa(
        &self,
        username: &str,
        session: &str,
        code: &str,
    ) -> Result<Tokens, Error> {
        let body = json!({
            "ClientId": self.config.client_id,
            "ChallengeName": "SOFTWARE_TOKEN_MFA",
            "Session": session,
            "ChallengeResponses": { "SOFTWARE_TOKEN_MFA_CODE": code, "USERNAME": username },
        });
        let result = self.wire.call("RespondToAuthChallenge", &body).await.map_err(|e| match e.code() {
            Some("CodeMismatchException") => Error::Unauthorized("Wrong MFA code".into()),
            Some("ExpiredCodeException") => Error::Unauthorized("Expired MFA code".into()),
            Some("TooManyRequestsException") => Error::TooManyRequests("Too many requests. Try again later".into()),
            _ => e,
        })?;
        let r = result.get("AuthenticationResult").cloned().unwrap_or_default();
        Ok(Tokens {
            refresh_token: str_field(&r, "RefreshToken"),
            access_token: str_field(&r, "AccessToken"),
            id_token: str_field(&r, "IdToken"),
        })
    }

    /// Revokes a refresh token and every token issued from it.
    pub async fn revoke_refresh_token(&self, refresh_token: &str) -> Result<bool, Error> {
        let body = json!({ "Token": refresh_token, "ClientId": self.config.client_id });
        self.wire.call("RevokeToken", &body).await.map_err(|e| match e.code() {
            Some("TooManyRequestsException") => Error::TooManyRequests("Too many requests. Try again later".into()),
            _ => Error::Unknown("InternalServerError: Try again later".into()),
        })?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests;
