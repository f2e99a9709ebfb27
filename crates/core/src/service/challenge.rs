//! Challenges: a new password after a temporary one, a TOTP code after a password when TOTP is
//! on. The session string is random, stored hashed, and single-use.

use std::collections::BTreeMap;

use super::attributes::{check_writable, sanitise_attributes};
use super::signin::{AuthOutcome, ChallengeAnswer, RespondToChallenge};
use crate::crypto::{random, totp};
use crate::error::{CoreError, CoreResult};
use crate::error::{Invalid, Refusal};
use crate::model::{Challenge, ChallengeKind, Client, Pool, User, UserStatus};
use crate::secret::Secret;
use crate::service::services::Accounts;

/// Wrong MFA codes allowed on one session before it is dropped.
const MAX_CHALLENGE_FAILURES: u32 = 3;

fn expired_session() -> CoreError {
    CoreError::refused(Refusal::SessionExpired, "Invalid session for the user, session is expired.")
}

impl Accounts {
    pub(crate) async fn open_challenge(
        &self,
        client: &Client,
        user: &User,
        kind: ChallengeKind,
        auth_time: i64,
        hosted: bool,
    ) -> CoreResult<AuthOutcome> {
        let session = random::opaque_token();
        let challenge = Challenge {
            id_hash: random::sha256(session.as_bytes()),
            pool_id: client.pool_id.clone(),
            client_id: client.id.clone(),
            user_id: user.id.clone(),
            kind,
            failures: 0,
            auth_time,
            expires_at: self.kernel.clock.now() + self.kernel.config.challenge_ttl_secs,
            hosted,
        };
        self.kernel.store.insert_challenge(&challenge, user.session_epoch).await?;
        Ok(AuthOutcome::Challenge {
            kind,
            session,
            username: user.username.clone(),
            attributes: match kind {
                ChallengeKind::NewPasswordRequired => user.attributes.clone(),
                _ => BTreeMap::new(),
            },
        })
    }

    /// RespondToAuthChallenge (unsigned).
    pub async fn respond_to_auth_challenge(&self, req: RespondToChallenge) -> CoreResult<AuthOutcome> {
        let client = self.kernel.client(&req.client_id).await?;
        self.answer_challenge(&client, req).await
    }

    /// AdminRespondToAuthChallenge (signed).
    pub async fn admin_respond_to_auth_challenge(
        &self,
        pool_id: &str,
        req: RespondToChallenge,
    ) -> CoreResult<AuthOutcome> {
        let client = self.kernel.pool_client(pool_id, &req.client_id).await?;
        self.answer_challenge(&client, req).await
    }

    async fn answer_challenge(&self, client: &Client, req: RespondToChallenge) -> CoreResult<AuthOutcome> {
        let kind = req.answer.kind();
        let id_hash = random::sha256(req.session.as_bytes());
        let challenge = self.kernel.store.get_challenge(&id_hash).await?.ok_or_else(expired_session)?;
        if challenge.expires_at <= self.kernel.clock.now()
            || challenge.client_id != client.id
            || challenge.hosted != req.hosted
        {
            return Err(expired_session());
        }
        if challenge.kind != kind {
            return Err(CoreError::invalid("The answer is for another kind of challenge than this session's"));
        }
        let pool = self.kernel.pool(&challenge.pool_id).await?;
        let user = self.kernel.store.get_user(&pool.id, &challenge.user_id).await?.ok_or_else(expired_session)?;
        let username = &req.username;
        let named = User::normalise_username(username) == User::normalise_username(&user.username)
            || *username == user.id
            || user.email().is_some_and(|e| e.eq_ignore_ascii_case(username));
        if !named {
            return Err(CoreError::refused(Refusal::WrongCredentials, "Incorrect username or password."));
        }
        if !req.hosted {
            self.kernel.check_secret_hash(client, req.secret_hash.as_deref(), &[username])?;
        }
        if !user.enabled {
            return Err(CoreError::refused(Refusal::Disabled, "User is disabled."));
        }
        match &req.answer {
            ChallengeAnswer::NewPassword { password, attributes } => {
                self.answer_new_password(&pool, client, &challenge, user, password, attributes.clone()).await
            }
            ChallengeAnswer::Totp { code } => {
                self.answer_totp(&pool, client, &challenge, user, code, &req.attempt_id).await
            }
        }
    }

    async fn answer_new_password(
        &self,
        pool: &Pool,
        client: &Client,
        challenge: &Challenge,
        mut user: User,
        new_password: &Secret<String>,
        attributes: BTreeMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        if user.status != UserStatus::ForceChangePassword {
            // The password was set or reset since this step opened.
            return Err(expired_session());
        }
        pool.settings
            .password_policy
            .check(new_password.expose())
            .map_err(|m| CoreError::invalid_as(Invalid::Password, m))?;
        // Checked before anything is spent: a bad attribute leaves the session usable.
        let attributes = sanitise_attributes(attributes, false)?;
        check_writable(client, &attributes)?;
        if !attributes.is_empty() {
            let mut changed = user.clone();
            changed.attributes.extend(attributes.clone());
            self.kernel.check_aliases_free(&changed).await?;
        }
        let hash = self.hasher.hash(new_password).await?;
        if !self.kernel.store.consume_challenge(&challenge.id_hash).await? {
            return Err(expired_session());
        }
        let now = self.kernel.clock.now();
        user.password_hash = Some(hash);
        user.status = UserStatus::Confirmed;
        user.temporary_password_expires_at = None;
        user.attributes.extend(attributes);
        user.updated_at = now;
        self.kernel.store.update_user(&mut user).await?;
        self.mfa_or_tokens(pool, client, &user, challenge.auth_time, challenge.hosted).await
    }

    async fn answer_totp(
        &self,
        pool: &Pool,
        client: &Client,
        challenge: &Challenge,
        mut user: User,
        code: &str,
        attempt_id: &str,
    ) -> CoreResult<AuthOutcome> {
        let sealed = user
            .totp_secret_enc
            .as_deref()
            .ok_or_else(|| CoreError::refused(Refusal::MfaNotSetUp, "Software token MFA not enabled for the user"))?;
        self.kernel.reserve_mfa_attempt(&user.id, attempt_id).await?;
        let now = self.kernel.clock.now();
        let checked = self.kernel.master.open(sealed).and_then(|secret| totp::verify(&Secret::new(secret), code, now));
        let found = match checked {
            Ok(found) => found,
            Err(e) => {
                self.kernel.release_mfa_attempt(&user.id, attempt_id).await?;
                return Err(e);
            }
        };
        match found {
            Some(step) if step > user.totp_last_step => {
                if !self.kernel.store.consume_challenge(&challenge.id_hash).await? {
                    // Another answer used this session first: not a wrong code.
                    self.kernel.release_mfa_attempt(&user.id, attempt_id).await?;
                    return Err(expired_session());
                }
                self.kernel.clear_mfa_failures(&user.id).await?;
                user.totp_last_step = step;
                user.updated_at = now;
                self.kernel.store.update_user(&mut user).await?;
                self.finish_sign_in(pool, client, &user, challenge.auth_time, "pwd otp", challenge.hosted).await
            }
            found => {
                // A wrong code counts against the user across sessions; a replayed right one
                // (someone who holds a current code) does not.
                if found.is_some() {
                    self.kernel.release_mfa_attempt(&user.id, attempt_id).await?;
                }
                let failures = self.kernel.store.record_challenge_failure(&challenge.id_hash).await?;
                if failures >= MAX_CHALLENGE_FAILURES {
                    self.kernel.store.consume_challenge(&challenge.id_hash).await?;
                }
                Err(match found {
                    Some(_) => {
                        CoreError::refused(Refusal::CodeExpired, "Your software token has already been used once.")
                    }
                    None => CoreError::refused(Refusal::CodeMismatch, "Invalid code received for user"),
                })
            }
        }
    }
}
