//! ChangePassword, ForgotPassword and ConfirmForgotPassword.

use super::codes::{code_mismatch, redeemed, CodeDelivery, CODES_PER_HOUR, MAX_CODE_ATTEMPTS};
use crate::error::{CoreError, CoreResult};
use crate::error::{Invalid, Refusal};
use crate::model::{CodePurpose, User, UserStatus};
use crate::secret::Secret;
use crate::service::services::Accounts;
use crate::store::CodeRedemption;

/// Reset codes one user may be sent per hour to calls from one source address, and to calls from
/// all of them: strangers elsewhere cannot spend the budget the user's own address has, and many
/// addresses together still cannot flood the mailbox.
const RESETS_PER_USER_AND_SOURCE: u32 = 5;
const RESETS_PER_USER: u32 = 20;
/// ForgotPassword calls one source address (an IPv6 /64) may make per hour, whatever they name: a
/// name no user has costs as much as a real one, and is refused alike.
pub const FORGOT_PASSWORD_PER_SOURCE_HOUR: u32 = 30;

/// The hourly quotas a reset code for `user` counts against: asked for from source address
/// `bucket`, per user and source and per user; by an administrator (None), per user apart, since
/// strangers must not be able to block an administrator's resets.
fn reset_quotas(user: &User, bucket: Option<&str>) -> Vec<(String, u32)> {
    let per_user = format!("code:{}:{}", CodePurpose::ForgotPassword.as_str(), user.id);
    match bucket {
        Some(bucket) => vec![
            (format!("{per_user}:{bucket}"), RESETS_PER_USER_AND_SOURCE),
            (format!("{per_user}:all"), RESETS_PER_USER),
        ],
        None => vec![(per_user, CODES_PER_HOUR)],
    }
}

impl Accounts {
    /// ChangePassword: the signed-in user (access token) proves the old password.
    pub async fn change_password(
        &self,
        access_token: &str,
        previous: &Secret<String>,
        proposed: &Secret<String>,
        source: &str,
        attempt_id: &str,
    ) -> CoreResult<()> {
        let (_, pool, mut user) = self.tokens.verify_self_service_token(access_token).await?;
        let throttle_user = format!("{}/{}", pool.id, User::normalise_username(&user.username));
        pool.settings
            .password_policy
            .check(proposed.expose())
            .map_err(|m| CoreError::invalid_as(Invalid::Password, m))?;
        // The caller holds one of the user's live access tokens: familiar, past the ceiling too.
        self.kernel.check_password_source(source).await?;
        self.kernel.reserve_password_attempt(&throttle_user, source, true, attempt_id).await?;
        match self.hasher.verify(previous, user.password_hash.as_deref()).await {
            Ok(true) => self.kernel.password_attempt_succeeded(&throttle_user, source, attempt_id).await?,
            Ok(false) => {
                self.kernel.password_attempt_failed(source, attempt_id).await?;
                return Err(CoreError::refused(Refusal::WrongCredentials, "Incorrect username or password."));
            }
            Err(e) => {
                self.kernel.password_attempt_unchecked(&throttle_user, source, attempt_id).await;
                return Err(e);
            }
        }
        user.password_hash = Some(self.hasher.hash(proposed).await?);
        user.updated_at = self.kernel.clock.now();
        self.kernel.store.update_user(&mut user).await?;
        Ok(())
    }

    /// ForgotPassword: sends a reset code. Every call counts against its source address, whatever
    /// it names. When the client prevents user-existence errors, a name no user has, and a user
    /// who cannot get a code now (disabled, on a temporary password, no proven address, over
    /// quota), are answered as a user sent one: with the destination such a code would go to,
    /// the same on every call, and nothing sent.
    pub async fn forgot_password(
        &self,
        client_id: &str,
        secret_hash: Option<&str>,
        username: &str,
        source: &str,
        attempt_id: &str,
    ) -> CoreResult<CodeDelivery> {
        let client = self.kernel.client(client_id).await?;
        self.kernel.check_secret_hash(&client, secret_hash, &[username])?;
        let pool = self.kernel.pool(&client.pool_id).await?;
        let bucket = self
            .kernel
            .spend_source_quota(
                "forgot",
                source,
                attempt_id,
                FORGOT_PASSWORD_PER_SOURCE_HOUR,
                "Too many password resets from this address; try again later.",
            )
            .await?;
        let Some(user) = self.kernel.find_user(&pool, username).await? else {
            return self
                .kernel
                .answer_unknown_user(&client, Ok(self.kernel.apparent_delivery(&pool.id, username, None)));
        };
        let hidden = client.settings.prevent_user_existence_errors;
        let as_sent = || Ok(self.kernel.apparent_delivery(&pool.id, username, Some(&user)));
        let refused = if !user.enabled {
            Some(CoreError::refused(Refusal::Disabled, "User is disabled."))
        } else if user.status == UserStatus::ForceChangePassword {
            // Still on the temporary password an administrator set: only they can reset it.
            Some(CoreError::refused(Refusal::NotPermitted, "User password cannot be reset in the current state."))
        } else {
            None
        };
        if let Some(e) = refused {
            return if hidden { as_sent() } else { Err(e) };
        }
        if !hidden {
            return self.send_reset_code_from(&user, Some(&bucket), attempt_id).await;
        }
        // The answer is the same whether the code goes out, the user is over quota, or there is
        // no such user; so is its time: the code is counted, stored and sent after the answer.
        if user.recovery_email().is_some() {
            let quotas = reset_quotas(&user, Some(&bucket));
            let (kernel, reset_for, attempt_id) = (self.kernel.clone(), user.clone(), attempt_id.to_owned());
            self.kernel.after_answer(async move {
                // Over quota is no news (nothing is sent); a fault is logged, as the caller cannot hear.
                match kernel.send_code_within(&reset_for, CodePurpose::ForgotPassword, &attempt_id, &quotas).await {
                    Err(e) if e.is_server_fault() => tracing::warn!(error = %e, "a password-reset code was not sent"),
                    _ => {}
                }
            });
        }
        as_sent()
    }

    /// A password-reset code, to the user's recovery email only (`User::recovery_email`).
    pub(crate) async fn send_reset_code(&self, user: &User, attempt_id: &str) -> CoreResult<CodeDelivery> {
        self.send_reset_code_from(user, None, attempt_id).await
    }

    /// A reset code asked for from source address `bucket` (None: by an administrator).
    async fn send_reset_code_from(
        &self,
        user: &User,
        bucket: Option<&str>,
        attempt_id: &str,
    ) -> CoreResult<CodeDelivery> {
        let unreachable = || {
            CoreError::invalid(
                "Cannot reset password for the user as there is no registered/verified email or phone_number",
            )
        };
        if user.recovery_email().is_none() {
            return Err(unreachable());
        }
        let quotas = reset_quotas(user, bucket);
        self.kernel
            .send_code_within(user, CodePurpose::ForgotPassword, attempt_id, &quotas)
            .await?
            .ok_or_else(unreachable)
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
        let client = self.kernel.client(client_id).await?;
        self.kernel.check_secret_hash(&client, secret_hash, &[username])?;
        let pool = self.kernel.pool(&client.pool_id).await?;
        pool.settings
            .password_policy
            .check(password.expose())
            .map_err(|m| CoreError::invalid_as(Invalid::Password, m))?;
        let Some(mut user) = self.kernel.find_user(&pool, username).await? else {
            // The same hashing work as for a real user, so the answer's timing tells nothing.
            self.hasher.hash(password).await?;
            return self.kernel.answer_unknown_user(&client, Err(code_mismatch()));
        };
        if !user.enabled {
            return Err(CoreError::refused(Refusal::Disabled, "User is disabled."));
        }
        let now = self.kernel.clock.now();
        user.password_hash = Some(self.hasher.hash(password).await?);
        user.status = UserStatus::Confirmed;
        user.temporary_password_expires_at = None;
        user.updated_at = now;
        let outcome = self
            .kernel
            .store
            .redeem_code(&CodeRedemption {
                purpose: CodePurpose::ForgotPassword,
                code_hash: self.kernel.code_digest(&user, code),
                now,
                max_attempts: MAX_CODE_ATTEMPTS,
                then: user,
                ends_sessions: true,
            })
            .await?;
        redeemed(outcome)
    }
}
