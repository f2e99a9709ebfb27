//! Administering users (AdminCreateUser, AdminSetUserPassword, ListUsers...) and GetUser.

use std::collections::BTreeMap;

use super::attributes::sanitise_attributes;
use super::signup::validate_username;
use crate::crypto::random;
use crate::error::{CoreError, CoreResult};
use crate::error::{Invalid, Refusal};
use crate::model::{Pool, User, UserStatus};
use crate::secret::Secret;
use crate::service::services::Directory;

#[derive(Debug, Clone, Default)]
pub struct CreateUser {
    pub pool_id: String,
    pub username: String,
    /// Generated (and sent) when absent.
    pub temporary_password: Option<Secret<String>>,
    pub attributes: BTreeMap<String, String>,
    /// `SUPPRESS` sends nothing; `RESEND` is refused for a new user.
    pub message_action: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ListUsersPage {
    pub users: Vec<User>,
    pub next: Option<String>,
}

struct UserFilter {
    attribute: String,
    prefix: bool,
    value: String,
}

impl UserFilter {
    fn parse(text: &str) -> CoreResult<Self> {
        let invalid = || CoreError::invalid("Error while parsing filter.");
        let (attribute, prefix, rest) = if let Some((a, r)) = text.split_once("^=") {
            (a, true, r)
        } else if let Some((a, r)) = text.split_once('=') {
            (a, false, r)
        } else {
            return Err(invalid());
        };
        let attribute = attribute.trim();
        let value = rest.trim().strip_prefix('"').and_then(|v| v.strip_suffix('"')).ok_or_else(invalid)?;
        const ALLOWED: &[&str] = &[
            "username",
            "email",
            "phone_number",
            "name",
            "given_name",
            "family_name",
            "preferred_username",
            "cognito:user_status",
            "status",
            "sub",
        ];
        if !ALLOWED.contains(&attribute) {
            return Err(invalid());
        }
        Ok(Self { attribute: attribute.to_owned(), prefix, value: value.to_owned() })
    }

    fn matches(&self, user: &User) -> bool {
        let actual = match self.attribute.as_str() {
            "username" => Some(user.username.clone()),
            "sub" => Some(user.id.clone()),
            "cognito:user_status" => Some(user.status.as_str().to_owned()),
            "status" => Some(if user.enabled { "Enabled" } else { "Disabled" }.to_owned()),
            other => user.attributes.get(other).cloned(),
        };
        match actual {
            Some(a) if self.prefix => a.starts_with(&self.value),
            Some(a) => a == self.value,
            None => false,
        }
    }
}

impl Directory {
    /// AdminCreateUser: status FORCE_CHANGE_PASSWORD with a temporary password.
    pub async fn admin_create_user(&self, req: CreateUser) -> CoreResult<User> {
        let pool = self.kernel.pool(&req.pool_id).await?;
        validate_username(&req.username)?;
        if req.message_action.as_deref() == Some("RESEND") {
            return self.resend_invitation(&pool, req).await;
        }
        let attributes = sanitise_attributes(req.attributes, true)?;
        let generated = req.temporary_password.is_none();
        let temporary = req.temporary_password.unwrap_or_else(|| Secret::new(random::temporary_password()));
        pool.settings
            .password_policy
            .check(temporary.expose())
            .map_err(|m| CoreError::invalid_as(Invalid::Password, m))?;
        let now = self.kernel.clock.now();
        let user = User {
            id: random::uuid(),
            pool_id: pool.id.clone(),
            username: req.username.clone(),
            status: UserStatus::ForceChangePassword,
            enabled: true,
            password_hash: Some(self.hasher.hash(&temporary).await?),
            temporary_password_expires_at: Some(pool.settings.password_policy.temporary_expiry(now)),
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
        self.accounts.insert_new_user(&user).await?;
        if generated && req.message_action.as_deref() != Some("SUPPRESS") {
            if let Some(email) = user.email() {
                if let Err(e) = self.send_invitation(&user, email, &temporary).await {
                    // Undone: a user whose temporary password reached nobody would be stranded.
                    self.kernel.store.delete_user(&pool.id, &user.id).await?;
                    return Err(CoreError::internal(format!("delivery failed: {e}")));
                }
            }
        }
        Ok(user)
    }

    /// AdminCreateUser with MessageAction RESEND: a user still on their first temporary password
    /// gets a new one (the given one, or one generated), valid anew, and it is sent again.
    async fn resend_invitation(&self, pool: &Pool, req: CreateUser) -> CoreResult<User> {
        let mut user = self.kernel.existing_user(pool, &req.username).await?;
        if user.status != UserStatus::ForceChangePassword {
            return Err(CoreError::refused(
                Refusal::UserState,
                format!("Resend not possible. {} status is {}.", user.username, user.status.as_str()),
            ));
        }
        let email = user
            .email()
            .map(str::to_owned)
            .ok_or_else(|| CoreError::invalid("The user has no email to send the invitation to."))?;
        let temporary = req.temporary_password.unwrap_or_else(|| Secret::new(random::temporary_password()));
        pool.settings
            .password_policy
            .check(temporary.expose())
            .map_err(|m| CoreError::invalid_as(Invalid::Password, m))?;
        let now = self.kernel.clock.now();
        user.password_hash = Some(self.hasher.hash(&temporary).await?);
        user.temporary_password_expires_at = Some(pool.settings.password_policy.temporary_expiry(now));
        user.updated_at = now;
        self.kernel.store.update_user_revoking_families(&mut user, now).await?;
        self.send_invitation(&user, &email, &temporary)
            .await
            .map_err(|e| CoreError::internal(format!("delivery failed: {e}")))?;
        Ok(user)
    }

    /// The username and temporary password, to the user's email.
    async fn send_invitation(&self, user: &User, email: &str, temporary: &Secret<String>) -> Result<(), String> {
        self.kernel.deliver(user, email, "admin_create_user", temporary.expose().clone()).await
    }

    pub async fn admin_get_user(&self, pool_id: &str, username: &str) -> CoreResult<User> {
        let pool = self.kernel.pool(pool_id).await?;
        self.kernel.existing_user(&pool, username).await
    }

    pub async fn admin_delete_user(&self, pool_id: &str, username: &str) -> CoreResult<()> {
        let pool = self.kernel.pool(pool_id).await?;
        let user = self.kernel.existing_user(&pool, username).await?;
        self.kernel.store.delete_user(&pool.id, &user.id).await?;
        Ok(())
    }

    /// Disabling also revokes every token the user holds.
    pub async fn admin_set_enabled(&self, pool_id: &str, username: &str, enabled: bool) -> CoreResult<()> {
        let pool = self.kernel.pool(pool_id).await?;
        let mut user = self.kernel.existing_user(&pool, username).await?;
        let now = self.kernel.clock.now();
        user.enabled = enabled;
        user.updated_at = now;
        if enabled {
            self.kernel.store.update_user(&mut user).await?;
        } else {
            self.kernel.store.update_user_revoking_families(&mut user, now).await?;
        }
        Ok(())
    }

    /// AdminSetUserPassword: permanent (CONFIRMED) or temporary (FORCE_CHANGE_PASSWORD).
    pub async fn admin_set_user_password(
        &self,
        pool_id: &str,
        username: &str,
        password: &Secret<String>,
        permanent: bool,
    ) -> CoreResult<()> {
        let pool = self.kernel.pool(pool_id).await?;
        let mut user = self.kernel.existing_user(&pool, username).await?;
        pool.settings
            .password_policy
            .check(password.expose())
            .map_err(|m| CoreError::invalid_as(Invalid::Password, m))?;
        let now = self.kernel.clock.now();
        user.password_hash = Some(self.hasher.hash(password).await?);
        if permanent {
            user.status = UserStatus::Confirmed;
            user.temporary_password_expires_at = None;
        } else {
            user.status = UserStatus::ForceChangePassword;
            user.temporary_password_expires_at = Some(pool.settings.password_policy.temporary_expiry(now));
        }
        user.updated_at = now;
        self.kernel.store.update_user_revoking_families(&mut user, now).await?;
        Ok(())
    }

    /// AdminResetUserPassword: RESET_REQUIRED, tokens revoked, and a reset code sent.
    pub async fn admin_reset_user_password(&self, pool_id: &str, username: &str, attempt_id: &str) -> CoreResult<()> {
        let pool = self.kernel.pool(pool_id).await?;
        let mut user = self.kernel.existing_user(&pool, username).await?;
        // The code first: a user it cannot reach, or one over the hour's quota, is refused with
        // nothing changed.
        self.accounts.send_reset_code(&user, attempt_id).await?;
        let now = self.kernel.clock.now();
        user.status = UserStatus::ResetRequired;
        user.updated_at = now;
        self.kernel.store.update_user_revoking_families(&mut user, now).await?;
        Ok(())
    }

    pub async fn admin_user_global_sign_out(&self, pool_id: &str, username: &str) -> CoreResult<()> {
        let pool = self.kernel.pool(pool_id).await?;
        let user = self.kernel.existing_user(&pool, username).await?;
        self.kernel.store.revoke_user_families(&user.id, self.kernel.clock.now()).await?;
        Ok(())
    }

    /// GetUser: the user behind a live access token.
    pub async fn get_user(&self, access_token: &str) -> CoreResult<User> {
        Ok(self.tokens.verify_self_service_token(access_token).await?.2)
    }

    /// ListUsers with an optional Cognito filter (`attr = "v"` or `attr ^= "prefix"`).
    pub async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&str>,
        limit: u32,
        after: Option<&str>,
    ) -> CoreResult<ListUsersPage> {
        let pool = self.kernel.pool(pool_id).await?;
        if !(1..=60).contains(&limit) {
            return Err(CoreError::invalid("Limit must be between 1 and 60"));
        }
        let filter = filter.filter(|f| !f.trim().is_empty()).map(UserFilter::parse).transpose()?;
        let mut users = Vec::new();
        let mut cursor = after.map(str::to_owned);
        loop {
            let batch = self.kernel.store.list_users(&pool.id, cursor.as_deref(), 100).await?;
            let exhausted = batch.len() < 100;
            for user in batch {
                cursor = Some(User::normalise_username(&user.username));
                if filter.as_ref().is_none_or(|f| f.matches(&user)) {
                    users.push(user);
                    if users.len() == limit as usize {
                        let next = cursor.clone();
                        return Ok(ListUsersPage { users, next });
                    }
                }
            }
            if exhausted {
                return Ok(ListUsersPage { users, next: None });
            }
        }
    }
}
