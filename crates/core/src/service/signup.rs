//! SignUp, ConfirmSignUp, ResendConfirmationCode.

use std::collections::BTreeMap;

use super::attributes::{check_writable, sanitise_attributes, ADDRESS_FLAGS};
use super::codes::{code_mismatch, redeemed, CodeDelivery, MAX_CODE_ATTEMPTS};
use crate::crypto::random;
use crate::error::{CoreError, CoreResult, StoreError};
use crate::error::{Invalid, Refusal, Taken};
use crate::model::{CodePurpose, User, UserStatus};
use crate::secret::Secret;
use crate::service::services::Accounts;
use crate::store::CodeRedemption;

#[derive(Debug, Clone)]
pub struct SignUpOutcome {
    pub user_sub: String,
    pub confirmed: bool,
    pub delivery: Option<CodeDelivery>,
}

/// Sign-ups one source address (an IPv6 /64) may make per hour: each costs a password hash and a
/// stored user, and sends a code to an address the caller names.
pub const SIGN_UPS_PER_SOURCE_HOUR: u32 = 20;

/// A self-service sign-up, as a door parsed it.
#[derive(Debug, Clone)]
pub struct SignUpRequest {
    pub client_id: String,
    pub secret_hash: Option<String>,
    pub username: String,
    pub password: Secret<String>,
    pub attributes: BTreeMap<String, String>,
    /// The caller's address, for the per-source quota.
    pub source: String,
    pub attempt_id: String,
}

pub(crate) fn validate_username(username: &str) -> CoreResult<()> {
    if username.is_empty()
        || username.chars().count() > 128
        || username.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(CoreError::invalid(
            "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
        ));
    }
    Ok(())
}

impl Accounts {
    pub async fn sign_up(&self, req: SignUpRequest) -> CoreResult<SignUpOutcome> {
        let SignUpRequest { client_id, secret_hash, username, password, attributes, source, attempt_id } = req;
        let (username, password, attempt_id) = (username.as_str(), &password, attempt_id.as_str());
        let client = self.kernel.client(&client_id).await?;
        self.kernel.check_secret_hash(&client, secret_hash.as_deref(), &[username])?;
        let pool = self.kernel.pool(&client.pool_id).await?;
        if pool.settings.allow_admin_create_user_only {
            return Err(CoreError::refused(Refusal::NotPermitted, "SignUp is not permitted for this user pool"));
        }
        let too_many = "Too many sign-ups from this address; try again later.";
        self.kernel.spend_source_quota("signup", &source, attempt_id, SIGN_UPS_PER_SOURCE_HOUR, too_many).await?;
        validate_username(username)?;
        pool.settings
            .password_policy
            .check(password.expose())
            .map_err(|m| CoreError::invalid_as(Invalid::Password, m))?;
        let mut attributes = sanitise_attributes(attributes, false)?;
        check_writable(&client, &attributes)?;
        // Self-asserted addresses are unproven until a code comes back from them (ConfirmSignUp):
        // none is a recovery address before (`User::recovery_email`).
        for (address, flag) in ADDRESS_FLAGS {
            if attributes.contains_key(address) {
                attributes.insert(flag.to_owned(), "false".to_owned());
            }
        }
        let now = self.kernel.clock.now();
        let user = User {
            id: random::uuid(),
            pool_id: pool.id.clone(),
            username: username.to_owned(),
            status: UserStatus::Unconfirmed,
            enabled: true,
            password_hash: Some(self.hasher.hash(password).await?),
            temporary_password_expires_at: None,
            attributes,
            totp_secret_enc: None,
            totp_verified: false,
            totp_enabled: false,
            totp_last_step: 0,
            created_at: now,
            updated_at: now,
            version: 0,
            session_epoch: 0,
        };
        self.insert_new_user(&user).await?;
        let delivery = match self.kernel.send_code(&user, CodePurpose::SignUp, attempt_id).await {
            Ok(d) => d,
            Err(e) => {
                // Undone, so the caller (or botocore's retry) can sign up again.
                self.kernel.store.delete_user(&pool.id, &user.id).await?;
                return Err(e);
            }
        };
        Ok(SignUpOutcome { user_sub: user.id, confirmed: false, delivery })
    }

    pub(crate) async fn insert_new_user(&self, user: &User) -> CoreResult<()> {
        self.kernel.check_aliases_free(user).await?;
        match self.kernel.store.insert_user(user).await {
            Err(StoreError::Conflict(_)) => Err(CoreError::exists(Taken::Username, "User already exists")),
            other => Ok(other?),
        }
    }

    pub async fn confirm_sign_up(
        &self,
        client_id: &str,
        secret_hash: Option<&str>,
        username: &str,
        code: &str,
    ) -> CoreResult<()> {
        let client = self.kernel.client(client_id).await?;
        self.kernel.check_secret_hash(&client, secret_hash, &[username])?;
        let pool = self.kernel.pool(&client.pool_id).await?;
        let Some(mut user) = self.kernel.find_user(&pool, username).await? else {
            return self.kernel.answer_unknown_user(&client, Err(code_mismatch()));
        };
        if user.status != UserStatus::Unconfirmed {
            // Preventing user-existence errors: a confirmed user's code is as wrong as an
            // unknown name's, or the status would tell which names are users.
            if client.settings.prevent_user_existence_errors {
                return Err(code_mismatch());
            }
            return Err(CoreError::refused(
                Refusal::NotPermitted,
                format!("User cannot be confirmed. Current status is {}", user.status.as_str()),
            ));
        }
        let now = self.kernel.clock.now();
        user.status = UserStatus::Confirmed;
        if user.email().is_some() {
            user.attributes.insert("email_verified".into(), "true".into());
        }
        user.updated_at = now;
        let outcome = self
            .kernel
            .store
            .redeem_code(&CodeRedemption {
                purpose: CodePurpose::SignUp,
                code_hash: self.kernel.code_digest(&user, code),
                now,
                max_attempts: MAX_CODE_ATTEMPTS,
                then: user,
                ends_sessions: false,
            })
            .await?;
        redeemed(outcome)
    }

    pub async fn resend_confirmation_code(
        &self,
        client_id: &str,
        secret_hash: Option<&str>,
        username: &str,
        attempt_id: &str,
    ) -> CoreResult<CodeDelivery> {
        let client = self.kernel.client(client_id).await?;
        self.kernel.check_secret_hash(&client, secret_hash, &[username])?;
        let pool = self.kernel.pool(&client.pool_id).await?;
        let Some(user) = self.kernel.find_user(&pool, username).await? else {
            return self
                .kernel
                .answer_unknown_user(&client, Ok(self.kernel.apparent_delivery(&pool.id, username, None)));
        };
        // Preventing user-existence errors: a user who gets no code (confirmed already, no
        // address, over quota) is answered as one who did, and nothing is sent.
        let hidden = client.settings.prevent_user_existence_errors;
        let as_sent = || Ok(self.kernel.apparent_delivery(&pool.id, username, Some(&user)));
        if user.status != UserStatus::Unconfirmed {
            return if hidden { as_sent() } else { Err(CoreError::invalid("User is already confirmed.")) };
        }
        match self.kernel.send_code(&user, CodePurpose::SignUp, attempt_id).await {
            Ok(Some(sent)) => Ok(sent),
            Ok(None) if hidden => as_sent(),
            Ok(None) => Err(CoreError::invalid("Auto verification not turned on.")),
            Err(e) if hidden && !e.is_server_fault() => as_sent(),
            Err(e) => Err(e),
        }
    }
}
