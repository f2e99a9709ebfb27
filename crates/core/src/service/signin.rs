//! InitiateAuth and AdminInitiateAuth: password and refresh-token sign-in.

use std::collections::BTreeMap;

use super::Warden;
use crate::error::{CoreError, CoreResult};
use crate::model::{AuthFlow, ChallengeKind, Client, Pool, User, UserStatus};
use crate::secret::Secret;

/// The tokens of a completed sign-in. `refresh_token` is absent after a refresh.
#[derive(Debug, Clone)]
pub struct AuthResult {
    pub access_token: String,
    /// None only for a grant made at the hosted pages without `openid` (GetTokensFromRefreshToken).
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
}

/// Either tokens, or a challenge the client must answer with RespondToAuthChallenge.
#[derive(Debug, Clone)]
pub enum AuthOutcome {
    Tokens(AuthResult),
    Challenge {
        kind: ChallengeKind,
        session: String,
        parameters: BTreeMap<String, String>,
    },
    /// A hosted-login sign-in completed: the browser is to be signed in (no tokens yet).
    SignedIn {
        user: Box<User>,
        auth_time: i64,
        amr: String,
    },
}

/// A sign-in request, as any door received it.
#[derive(Debug, Clone)]
pub struct InitiateAuth {
    pub client_id: String,
    pub flow: String,
    pub parameters: BTreeMap<String, String>,
    /// The caller's address, for per-source throttling.
    pub source: String,
    /// Shared by a client's retries of the same call, so they count once.
    pub attempt_id: String,
}

/// An answer to a challenge.
#[derive(Debug, Clone)]
pub struct RespondToChallenge {
    pub client_id: String,
    pub challenge_name: String,
    pub session: String,
    pub responses: BTreeMap<String, String>,
    pub source: String,
    pub attempt_id: String,
    /// Answered by the hosted login pages (only hosted challenges may be).
    pub hosted: bool,
}

impl Warden {
    /// InitiateAuth (unsigned).
    pub async fn initiate_auth(&self, req: InitiateAuth) -> CoreResult<AuthOutcome> {
        let client = self.client(&req.client_id).await?;
        match req.flow.as_str() {
            "USER_PASSWORD_AUTH" => {
                require_flow(&client, AuthFlow::UserPassword, "USER_PASSWORD_AUTH")?;
                self.password_sign_in(&client, &req, false).await
            }
            "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => self.refresh_sign_in(&client, &req).await,
            "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => Err(CoreError::invalid(format!(
                "Initiate Auth method not supported: {} is only for AdminInitiateAuth",
                req.flow
            ))),
            "USER_SRP_AUTH" | "CUSTOM_AUTH" | "USER_AUTH" => {
                Err(CoreError::invalid(format!("Initiate Auth method not supported: {}", req.flow)))
            }
            other => Err(CoreError::invalid(format!(
                "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set"
            ))),
        }
    }

    /// AdminInitiateAuth (signed): the same, for a client of `pool_id`.
    pub async fn admin_initiate_auth(&self, pool_id: &str, req: InitiateAuth) -> CoreResult<AuthOutcome> {
        let client = self.pool_client(pool_id, &req.client_id).await?;
        match req.flow.as_str() {
            "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
                require_flow(&client, AuthFlow::AdminUserPassword, &req.flow)?;
                self.password_sign_in(&client, &req, false).await
            }
            "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => self.refresh_sign_in(&client, &req).await,
            other => Err(CoreError::invalid(format!("Initiate Auth method not supported: {other}"))),
        }
    }

    async fn refresh_sign_in(&self, client: &Client, req: &InitiateAuth) -> CoreResult<AuthOutcome> {
        require_flow(client, AuthFlow::RefreshToken, "REFRESH_TOKEN_AUTH")?;
        let token = req
            .parameters
            .get("REFRESH_TOKEN")
            .ok_or_else(|| CoreError::invalid("Missing required parameter REFRESH_TOKEN"))?;
        let tokens = self.refresh(client, token, req.parameters.get("SECRET_HASH").map(String::as_str)).await?;
        Ok(AuthOutcome::Tokens(tokens))
    }

    /// The hosted login page's password step for a client allowed the code grant: no
    /// SECRET_HASH (the browser holds no secret), and success signs the browser in.
    pub async fn hosted_sign_in(&self, client: &Client, req: &InitiateAuth) -> CoreResult<AuthOutcome> {
        self.password_sign_in(client, req, true).await
    }

    async fn password_sign_in(&self, client: &Client, req: &InitiateAuth, hosted: bool) -> CoreResult<AuthOutcome> {
        let username = req
            .parameters
            .get("USERNAME")
            .filter(|u| !u.is_empty())
            .ok_or_else(|| CoreError::invalid("Missing required parameter USERNAME"))?;
        let password = Secret::new(
            req.parameters
                .get("PASSWORD")
                .cloned()
                .ok_or_else(|| CoreError::invalid("Missing required parameter PASSWORD"))?,
        );
        if !hosted {
            self.check_secret_hash(client, req.parameters.get("SECRET_HASH").map(String::as_str), &[username])?;
        }
        let pool = self.pool(&client.pool_id).await?;
        let throttle_user = format!("{}/{}", pool.id, User::normalise_username(username));
        self.reserve_password_attempt(&throttle_user, &req.source, &req.attempt_id).await?;

        let checked = async {
            let user = self.find_user(&pool, username).await?;
            let verified =
                self.hasher.verify(&password, user.as_ref().and_then(|u| u.password_hash.as_deref())).await?;
            Ok::<_, CoreError>((user, verified))
        };
        let (user, verified) = match checked.await {
            Ok(checked) => checked,
            Err(e) => {
                self.password_attempt_unchecked(&throttle_user, &req.attempt_id).await;
                return Err(e);
            }
        };
        let user = match (user, verified) {
            (Some(user), true) => user,
            (user, _) => {
                self.password_attempt_failed(&req.source, &req.attempt_id).await?;
                return Err(match user {
                    Some(u) if u.status == UserStatus::Unconfirmed => CoreError::UserNotConfirmed,
                    None if !client.settings.prevent_user_existence_errors => {
                        CoreError::UserNotFound("User does not exist.".into())
                    }
                    _ => CoreError::not_authorized("Incorrect username or password."),
                });
            }
        };
        self.password_attempt_succeeded(&throttle_user).await?;
        if !user.enabled {
            return Err(CoreError::not_authorized("User is disabled."));
        }
        self.after_password(&pool, client, user, hosted).await
    }

    /// What follows a verified password: a forced new password, an MFA step, or tokens.
    pub(crate) async fn after_password(
        &self,
        pool: &Pool,
        client: &Client,
        user: User,
        hosted: bool,
    ) -> CoreResult<AuthOutcome> {
        let now = self.clock.now();
        match user.status {
            UserStatus::Unconfirmed => return Err(CoreError::UserNotConfirmed),
            UserStatus::ResetRequired => return Err(CoreError::PasswordResetRequired),
            UserStatus::ForceChangePassword => {
                if user.temporary_password_expires_at.is_some_and(|t| t <= now) {
                    return Err(CoreError::not_authorized(
                        "Temporary password has expired and must be reset by an administrator.",
                    ));
                }
                let mut parameters = BTreeMap::new();
                parameters.insert("USER_ID_FOR_SRP".into(), user.username.clone());
                parameters.insert("requiredAttributes".into(), "[]".into());
                parameters.insert(
                    "userAttributes".into(),
                    serde_json::to_string(&user.attributes).unwrap_or_else(|_| "{}".into()),
                );
                return self
                    .open_challenge(client, &user, ChallengeKind::NewPasswordRequired, now, parameters, hosted)
                    .await;
            }
            UserStatus::Confirmed => {}
        }
        self.mfa_or_tokens(pool, client, &user, now, hosted).await
    }

    pub(crate) async fn mfa_or_tokens(
        &self,
        pool: &Pool,
        client: &Client,
        user: &User,
        auth_time: i64,
        hosted: bool,
    ) -> CoreResult<AuthOutcome> {
        if user.totp_enabled && pool.settings.mfa_configuration != crate::model::MfaConfiguration::Off {
            let mut parameters = BTreeMap::new();
            parameters.insert("USER_ID_FOR_SRP".into(), user.username.clone());
            return self
                .open_challenge(client, user, ChallengeKind::SoftwareTokenMfa, auth_time, parameters, hosted)
                .await;
        }
        self.finish_sign_in(pool, client, user, auth_time, "pwd", hosted).await
    }

    /// The end of a sign-in: tokens for the API, a signed-in browser for the hosted pages.
    pub(crate) async fn finish_sign_in(
        &self,
        pool: &Pool,
        client: &Client,
        user: &User,
        auth_time: i64,
        amr: &str,
        hosted: bool,
    ) -> CoreResult<AuthOutcome> {
        if hosted {
            return Ok(AuthOutcome::SignedIn { user: Box::new(user.clone()), auth_time, amr: amr.to_owned() });
        }
        Ok(AuthOutcome::Tokens(self.issue_tokens(pool, client, user, auth_time, None, amr).await?))
    }
}

pub(crate) fn require_flow(client: &Client, flow: AuthFlow, name: &str) -> CoreResult<()> {
    if client.allows(flow) {
        Ok(())
    } else {
        Err(CoreError::invalid(format!("{name} flow not enabled for this client")))
    }
}
