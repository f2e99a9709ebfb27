//! Signing in: the typed requests every door parses its wire form into (a password, a refresh
//! token), what follows a verified password (a new-password step, an MFA step, tokens).

use std::collections::BTreeMap;

use crate::error::Refusal;
use crate::error::{CoreError, CoreResult};
use crate::model::{AuthFlow, ChallengeKind, Client, Pool, User, UserStatus};
use crate::secret::Secret;
use crate::service::services::Accounts;

/// The tokens of a completed sign-in. `refresh_token` is absent after a refresh.
#[derive(Debug, Clone)]
pub struct AuthResult {
    pub access_token: String,
    /// None only for a grant made at the hosted pages without `openid` (GetTokensFromRefreshToken).
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
}

/// Either tokens, or a challenge the client must answer, or (hosted pages) a signed-in browser.
#[derive(Debug, Clone)]
pub enum AuthOutcome {
    Tokens(AuthResult),
    Challenge {
        kind: ChallengeKind,
        /// The opaque step id the answer must carry.
        session: String,
        /// The user's username, which the answer names.
        username: String,
        /// The user's attributes, for a new-password step to show.
        attributes: BTreeMap<String, String>,
    },
    /// A hosted-login sign-in completed: the browser is to be signed in (no tokens yet).
    SignedIn {
        user: Box<User>,
        auth_time: i64,
        amr: String,
    },
}

/// How a user proves who they are when signing in.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A username (or an alias the pool signs in with) and a password.
    Password { username: String, password: Secret<String> },
    /// A refresh token, exchanged for new access and id tokens without rotation.
    RefreshToken(Secret<String>),
}

/// A sign-in request, as any door parsed it from its wire form.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub client_id: String,
    pub credential: Credential,
    /// A client with a secret proves it by a keyed hash of the username (Base64 of
    /// HMAC-SHA256 under the secret, over username + client id).
    pub secret_hash: Option<String>,
    /// The caller's address, for per-source throttling.
    pub source: String,
    /// Shared by a client's retries of the same call, so they count once.
    pub attempt_id: String,
    /// A remembered-browser token the caller's browser holds (`Kernel::remember_browser`, set by
    /// the hosted pages after a sign-in): it admits the browser past the user's ceiling of
    /// failures from unfamiliar addresses.
    pub remembered: Option<String>,
}

/// What a challenge is answered with.
#[derive(Debug, Clone)]
pub enum ChallengeAnswer {
    /// A new password after a temporary one, with attributes the user sets at the same time.
    NewPassword { password: Secret<String>, attributes: BTreeMap<String, String> },
    /// A code from the user's authenticator app.
    Totp { code: String },
}

impl ChallengeAnswer {
    /// The kind of challenge this answers.
    pub fn kind(&self) -> ChallengeKind {
        match self {
            Self::NewPassword { .. } => ChallengeKind::NewPasswordRequired,
            Self::Totp { .. } => ChallengeKind::SoftwareTokenMfa,
        }
    }
}

/// An answer to a challenge.
#[derive(Debug, Clone)]
pub struct RespondToChallenge {
    pub client_id: String,
    pub session: String,
    /// Who the answer is for: the username, an alias, or the user's id.
    pub username: String,
    pub secret_hash: Option<String>,
    pub answer: ChallengeAnswer,
    pub source: String,
    pub attempt_id: String,
    /// Answered by the hosted login pages (only hosted challenges may be).
    pub hosted: bool,
}

pub(crate) fn require_flow(client: &Client, flow: AuthFlow) -> CoreResult<()> {
    if client.allows(flow) {
        return Ok(());
    }
    let what = match flow {
        AuthFlow::UserPassword => "Password sign-in",
        AuthFlow::AdminUserPassword => "Password sign-in by an administrator",
        AuthFlow::RefreshToken => "Refresh-token sign-in",
        AuthFlow::UserSrp => "SRP sign-in",
        AuthFlow::Custom => "Custom sign-in",
        AuthFlow::UserAuth => "Choice-based sign-in",
    };
    Err(CoreError::invalid(format!("{what} is not enabled for this client")))
}

impl Accounts {
    /// A sign-in through the public API: anyone who knows the client id (and, for a client
    /// with a secret, proves it).
    pub async fn sign_in(&self, req: SignIn) -> CoreResult<AuthOutcome> {
        let client = self.kernel.client(&req.client_id).await?;
        self.sign_in_with(&client, &req, AuthFlow::UserPassword).await
    }

    /// The same, made by an administrator of `pool_id` for one of its clients.
    pub async fn admin_sign_in(&self, pool_id: &str, req: SignIn) -> CoreResult<AuthOutcome> {
        let client = self.kernel.pool_client(pool_id, &req.client_id).await?;
        self.sign_in_with(&client, &req, AuthFlow::AdminUserPassword).await
    }

    async fn sign_in_with(&self, client: &Client, req: &SignIn, password_flow: AuthFlow) -> CoreResult<AuthOutcome> {
        match &req.credential {
            Credential::Password { username, password } => {
                require_flow(client, password_flow)?;
                self.password_sign_in(client, req, username, password, false).await
            }
            Credential::RefreshToken(token) => {
                require_flow(client, AuthFlow::RefreshToken)?;
                let tokens = self.tokens.refresh(client, token.expose(), req.secret_hash.as_deref()).await?;
                Ok(AuthOutcome::Tokens(tokens))
            }
        }
    }

    /// The hosted login page's password step for a client allowed the code grant: no keyed
    /// hash (the browser holds no secret), and success signs the browser in.
    pub async fn hosted_sign_in(&self, client: &Client, req: &SignIn) -> CoreResult<AuthOutcome> {
        match &req.credential {
            Credential::Password { username, password } => {
                self.password_sign_in(client, req, username, password, true).await
            }
            Credential::RefreshToken(_) => Err(CoreError::invalid("The hosted pages sign in with a password only")),
        }
    }

    async fn password_sign_in(
        &self,
        client: &Client,
        req: &SignIn,
        username: &str,
        password: &Secret<String>,
        hosted: bool,
    ) -> CoreResult<AuthOutcome> {
        if username.is_empty() {
            return Err(CoreError::invalid("A username is required"));
        }
        if !hosted {
            self.kernel.check_secret_hash(client, req.secret_hash.as_deref(), &[username])?;
        }
        let pool = self.kernel.pool(&client.pool_id).await?;
        let throttle_user = format!("{}/{}", pool.id, User::normalise_username(username));
        self.kernel.check_password_source(&req.source).await?;
        // Read first, known user or not: a remembered browser is one that signed in as this user.
        let user = self.kernel.find_user(&pool, username).await?;
        let remembered = match (&user, req.remembered.as_deref()) {
            (Some(user), Some(token)) => self.kernel.is_remembered(&pool.id, &user.id, token),
            _ => false,
        };
        self.kernel.reserve_password_attempt(&throttle_user, &req.source, remembered, &req.attempt_id).await?;

        let verified = match self.hasher.verify(password, user.as_ref().and_then(|u| u.password_hash.as_deref())).await
        {
            Ok(verified) => verified,
            Err(e) => {
                self.kernel.password_attempt_unchecked(&throttle_user, &req.source, &req.attempt_id).await;
                return Err(e);
            }
        };
        let user = match (user, verified) {
            (Some(user), true) => user,
            (user, _) => {
                self.kernel.password_attempt_failed(&req.source, &req.attempt_id).await?;
                // An unconfirmed user is told so only after the right password (below): a wrong
                // one is wrong, or anyone could learn which names are users.
                return Err(match user {
                    None if !client.settings.prevent_user_existence_errors => {
                        CoreError::user_not_found("User does not exist.")
                    }
                    _ => CoreError::refused(Refusal::WrongCredentials, "Incorrect username or password."),
                });
            }
        };
        self.kernel.password_attempt_succeeded(&throttle_user, &req.source, &req.attempt_id).await?;
        if !user.enabled {
            return Err(CoreError::refused(Refusal::Disabled, "User is disabled."));
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
        let now = self.kernel.clock.now();
        match user.status {
            UserStatus::Unconfirmed => return Err(CoreError::refused(Refusal::NotConfirmed, "User is not confirmed.")),
            UserStatus::ResetRequired => {
                return Err(CoreError::refused(Refusal::ResetRequired, "Password reset required for the user"))
            }
            UserStatus::ForceChangePassword => {
                if user.temporary_password_expires_at.is_some_and(|t| t <= now) {
                    return Err(CoreError::refused(
                        Refusal::NotPermitted,
                        "Temporary password has expired and must be reset by an administrator.",
                    ));
                }
                return self.open_challenge(client, &user, ChallengeKind::NewPasswordRequired, now, hosted).await;
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
            return self.open_challenge(client, user, ChallengeKind::SoftwareTokenMfa, auth_time, hosted).await;
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
        Ok(AuthOutcome::Tokens(self.tokens.issue_tokens(pool, client, user, auth_time, None, amr).await?))
    }
}
