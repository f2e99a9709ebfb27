//! ChangePassword, ForgotPassword and ConfirmForgotPassword.

use super::codes::{code_mismatch, redeemed, CodeDelivery, MAX_CODE_ATTEMPTS};
use super::Warden;
use crate::crypto::random;
use crate::delivery::Message;
use crate::error::{CoreError, CoreResult};
use crate::error::{Invalid, Refusal};
use crate::model::{Code, CodePurpose, User, UserStatus};
use crate::secret::Secret;
use crate::store::CodeRedemption;

/// Codes a user may be sent per hour.
const CODES_PER_HOUR: u32 = 5;

impl Warden {
    /// What is stored for a one-time code: keyed under the master key, since a six-digit code's
    /// plain hash is undone by trying all million, and bound to the address the code went to,
    /// so it proves that address only (a code sent before the email changed matches nothing).
    pub(crate) fn code_digest(&self, user: &User, code: &str) -> Vec<u8> {
        let address = user.email().unwrap_or_default();
        self.master.mac("one-time code", format!("{}\n{address}", code.trim()).as_bytes())
    }

    /// Hands `code` (a one-time code, a temporary password, or nothing for a notice) to the
    /// delivery for `to`, with the user's pool and username.
    pub(crate) async fn deliver(&self, user: &User, to: &str, template: &str, code: String) -> Result<(), String> {
        let message = Message {
            to: to.to_owned(),
            template: template.to_owned(),
            code,
            pool_id: user.pool_id.clone(),
            username: user.username.clone(),
            sent_at: self.clock.now(),
        };
        self.delivery.send(&message).await
    }

    /// ChangePassword: the signed-in user (access token) proves the old password.
    pub async fn change_password(
        &self,
        access_token: &str,
        previous: &Secret<String>,
        proposed: &Secret<String>,
        source: &str,
        attempt_id: &str,
    ) -> CoreResult<()> {
        let (_, pool, mut user) = self.verify_self_service_token(access_token).await?;
        let throttle_user = format!("{}/{}", pool.id, User::normalise_username(&user.username));
        pool.settings
            .password_policy
            .check(proposed.expose())
            .map_err(|m| CoreError::invalid_as(Invalid::Password, m))?;
        self.reserve_password_attempt(&throttle_user, source, attempt_id).await?;
        match self.hasher.verify(previous, user.password_hash.as_deref()).await {
            Ok(true) => self.password_attempt_succeeded(&throttle_user).await?,
            Ok(false) => {
                self.password_attempt_failed(source, attempt_id).await?;
                return Err(CoreError::refused(Refusal::WrongCredentials, "Incorrect username or password."));
            }
            Err(e) => {
                self.password_attempt_unchecked(&throttle_user, attempt_id).await;
                return Err(e);
            }
        }
        user.password_hash = Some(self.hasher.hash(proposed).await?);
        user.updated_at = self.clock.now();
        self.store.update_user(&mut user).await?;
        Ok(())
    }

    /// Sends a code to the user's email and records its hash.
    pub(crate) async fn send_code(
        &self,
        user: &User,
        purpose: CodePurpose,
        attempt_id: &str,
    ) -> CoreResult<Option<CodeDelivery>> {
        let Some(email) = user.email().map(str::to_owned) else {
            return Ok(None);
        };
        self.spend_quota(&format!("code:{}:{}", purpose.as_str(), user.id), attempt_id, CODES_PER_HOUR).await?;
        let code = random::numeric_code();
        let now = self.clock.now();
        self.store
            .put_code(&Code {
                user_id: user.id.clone(),
                purpose,
                code_hash: self.code_digest(user, &code),
                attempts: 0,
                expires_at: now + self.config.code_ttl_secs,
            })
            .await?;
        self.deliver(user, &email, purpose.as_str(), code)
            .await
            .map_err(|e| CoreError::internal(format!("code delivery failed: {e}")))?;
        Ok(Some(CodeDelivery::email(&email)))
    }

    /// ForgotPassword: sends a reset code. An unknown user gets the same answer when the client
    /// prevents user-existence errors.
    pub async fn forgot_password(
        &self,
        client_id: &str,
        secret_hash: Option<&str>,
        username: &str,
        attempt_id: &str,
    ) -> CoreResult<CodeDelivery> {
        let client = self.client(client_id).await?;
        self.check_secret_hash(&client, secret_hash, &[username])?;
        let pool = self.pool(&client.pool_id).await?;
        let Some(user) = self.find_user(&pool, username).await? else {
            return self.answer_unknown_user(&client, Ok(CodeDelivery::email(&format!("{username}@example.com"))));
        };
        if !user.enabled {
            return Err(CoreError::refused(Refusal::Disabled, "User is disabled."));
        }
        if user.status == UserStatus::ForceChangePassword {
            // Still on the temporary password an administrator set: only they can reset it.
            return Err(CoreError::refused(
                Refusal::NotPermitted,
                "User password cannot be reset in the current state.",
            ));
        }
        self.send_reset_code(&user, attempt_id).await
    }

    /// A password-reset code, to the user's recovery email only (`User::recovery_email`).
    pub(crate) async fn send_reset_code(&self, user: &User, attempt_id: &str) -> CoreResult<CodeDelivery> {
        let unreachable = || {
            CoreError::invalid(
                "Cannot reset password for the user as there is no registered/verified email or phone_number",
            )
        };
        if user.recovery_email().is_none() {
            return Err(unreachable());
        }
        self.send_code(user, CodePurpose::ForgotPassword, attempt_id).await?.ok_or_else(unreachable)
    }

    /// ConfirmForgotPassword: redeems the code and sets the new password in one transaction,
    /// then signs the user out everywhere.
    pub async fn confirm_forgot_password(
        &self,
        client_id: &str,
        secret_hash: Option<&str>,
        username: &str,
        code: &str,
        password: &Secret<String>,
    ) -> CoreResult<()> {
        let client = self.client(client_id).await?;
        self.check_secret_hash(&client, secret_hash, &[username])?;
        let pool = self.pool(&client.pool_id).await?;
        pool.settings
            .password_policy
            .check(password.expose())
            .map_err(|m| CoreError::invalid_as(Invalid::Password, m))?;
        let Some(mut user) = self.find_user(&pool, username).await? else {
            // The same hashing work as for a real user, so the answer's timing tells nothing.
            self.hasher.hash(password).await?;
            return self.answer_unknown_user(&client, Err(code_mismatch()));
        };
        if !user.enabled {
            return Err(CoreError::refused(Refusal::Disabled, "User is disabled."));
        }
        let now = self.clock.now();
        user.password_hash = Some(self.hasher.hash(password).await?);
        user.status = UserStatus::Confirmed;
        user.temporary_password_expires_at = None;
        user.updated_at = now;
        let outcome = self
            .store
            .redeem_code(&CodeRedemption {
                purpose: CodePurpose::ForgotPassword,
                code_hash: self.code_digest(&user, code),
                now,
                max_attempts: MAX_CODE_ATTEMPTS,
                then: user,
                ends_sessions: true,
            })
            .await?;
        redeemed(outcome)
    }
}
