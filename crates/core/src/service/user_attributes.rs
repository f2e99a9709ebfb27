//! Changing a user's attributes after sign-up, by an administrator (AdminUpdateUserAttributes,
//! AdminDeleteUserAttributes) or by the user (UpdateUserAttributes, DeleteUserAttributes,
//! GetUserAttributeVerificationCode, VerifyUserAttribute); AdminConfirmSignUp; and DeleteUser.
//!
//! A new address is unverified until proven: changing `email` (`phone_number`) sets
//! `email_verified` (`phone_number_verified`) to false unless an administrator sets it in the
//! same call. A verification code is bound to the address it was sent to, so a code sent to one
//! address never verifies another the user changed to meanwhile.

use std::collections::BTreeMap;

use super::attributes::{check_writable, known, sanitise_attributes, ADDRESS_FLAGS};
use super::codes::{redeemed, CodeDelivery, MAX_CODE_ATTEMPTS};
use crate::error::{CoreError, CoreResult};
use crate::error::{Refusal, Taken};
use crate::model::{CodePurpose, Pool, User, UserStatus};
use crate::service::services::Directory;
use crate::store::CodeRedemption;

/// Sets `changes` on `user`; an address that changes loses its verified flag unless `changes`
/// sets the flag itself. Returns the addresses that changed and are now unverified.
fn apply_changes(user: &mut User, changes: BTreeMap<String, String>) -> Vec<&'static str> {
    let mut unverified = Vec::new();
    for (attribute, flag) in ADDRESS_FLAGS {
        let Some(value) = changes.get(attribute) else { continue };
        if user.attributes.get(attribute) != Some(value) && !changes.contains_key(flag) {
            user.attributes.insert(flag.to_owned(), "false".to_owned());
            unverified.push(attribute);
        }
    }
    user.attributes.extend(changes);
    unverified
}

/// UserAttributes is required and may not be empty, as on Cognito.
fn required(attributes: BTreeMap<String, String>) -> CoreResult<BTreeMap<String, String>> {
    if attributes.is_empty() {
        return Err(CoreError::invalid("Missing required parameter UserAttributes"));
    }
    Ok(attributes)
}

/// The names a caller may delete: known ones, never `sub`, never an address the pool signs users
/// in with; deleting an address deletes its verified flag too.
fn deletable(pool: &Pool, names: &[String], admin: bool) -> CoreResult<Vec<String>> {
    let mut out = Vec::new();
    for name in names {
        if name == "sub" {
            return Err(CoreError::invalid("Cannot modify an immutable attribute: sub"));
        }
        if !known(name) {
            return Err(CoreError::invalid(format!("Invalid attribute name: {name}")));
        }
        if !admin && name.ends_with("_verified") {
            return Err(CoreError::invalid(format!("Cannot modify the attribute {name}")));
        }
        if pool.settings.username_attributes.contains(name) {
            return Err(CoreError::invalid(format!("Cannot delete {name}: the user signs in with it")));
        }
        out.push(name.clone());
        if let Some((_, flag)) = ADDRESS_FLAGS.iter().find(|(a, _)| a == name) {
            out.push((*flag).to_owned());
        }
    }
    Ok(out)
}

impl Directory {
    /// Writes a changed user; an address another user holds is taken (an alias).
    async fn write_attributes(&self, user: &mut User) -> CoreResult<()> {
        match self.kernel.check_aliases_free(user).await {
            Err(CoreError::Exists(Taken::Username, m)) => return Err(CoreError::exists(Taken::Alias, m)),
            other => other?,
        }
        user.updated_at = self.kernel.clock.now();
        Ok(self.kernel.store.update_user(user).await?)
    }

    /// Sends a code for the user's (new) email when the pool verifies email automatically. The
    /// change is written by then, so a code that cannot be sent (the hour's quota spent, the
    /// mail server down) is logged and left out of the answer, not answered as an error: the
    /// user asks for one with GetUserAttributeVerificationCode.
    async fn maybe_send_verification(
        &self,
        pool: &Pool,
        user: &User,
        unverified: &[&str],
        attempt_id: &str,
    ) -> Vec<CodeDelivery> {
        if !unverified.contains(&"email") || !pool.settings.auto_verified_attributes.iter().any(|a| a == "email") {
            return Vec::new();
        }
        match self.kernel.send_code(user, CodePurpose::VerifyEmail, attempt_id).await {
            Ok(sent) => sent.into_iter().collect(),
            Err(e) => {
                tracing::warn!(pool = %pool.id, error = %e, "no verification code sent for a changed email");
                Vec::new()
            }
        }
    }

    /// When the user's recovery email was `before` and is no longer, tells that address so:
    /// whoever changed it held the user's access token, and may be someone else. A notice that
    /// cannot be sent is logged.
    async fn notify_if_recovery_changed(&self, user: &User, before: Option<String>) {
        let Some(old) = before.filter(|old| user.email() != Some(old.as_str())) else { return };
        if let Err(e) = self.kernel.deliver(user, &old, "email_changed", String::new()).await {
            tracing::warn!(pool = %user.pool_id, error = %e, "the former email was not told of its change");
        }
    }

    /// AdminUpdateUserAttributes.
    pub async fn admin_update_user_attributes(
        &self,
        pool_id: &str,
        username: &str,
        attributes: BTreeMap<String, String>,
        attempt_id: &str,
    ) -> CoreResult<()> {
        let pool = self.kernel.pool(pool_id).await?;
        let mut user = self.kernel.existing_user(&pool, username).await?;
        let changes = sanitise_attributes(required(attributes)?, true)?;
        let unverified = apply_changes(&mut user, changes);
        self.write_attributes(&mut user).await?;
        self.maybe_send_verification(&pool, &user, &unverified, attempt_id).await;
        Ok(())
    }

    /// AdminDeleteUserAttributes.
    pub async fn admin_delete_user_attributes(
        &self,
        pool_id: &str,
        username: &str,
        names: &[String],
    ) -> CoreResult<()> {
        let pool = self.kernel.pool(pool_id).await?;
        let mut user = self.kernel.existing_user(&pool, username).await?;
        for name in deletable(&pool, names, true)? {
            user.attributes.remove(&name);
        }
        self.write_attributes(&mut user).await
    }

    /// AdminConfirmSignUp: an UNCONFIRMED user becomes CONFIRMED without a code.
    pub async fn admin_confirm_sign_up(&self, pool_id: &str, username: &str) -> CoreResult<()> {
        let pool = self.kernel.pool(pool_id).await?;
        let mut user = self.kernel.existing_user(&pool, username).await?;
        if user.status != UserStatus::Unconfirmed {
            return Err(CoreError::refused(
                Refusal::NotPermitted,
                format!("User cannot be confirmed. Current status is {}", user.status.as_str()),
            ));
        }
        user.status = UserStatus::Confirmed;
        user.updated_at = self.kernel.clock.now();
        Ok(self.kernel.store.update_user(&mut user).await?)
    }

    /// UpdateUserAttributes: the signed-in user changes their own attributes (not the verified
    /// flags); a new email is sent a code when the pool verifies email automatically.
    pub async fn update_user_attributes(
        &self,
        access_token: &str,
        attributes: BTreeMap<String, String>,
        attempt_id: &str,
    ) -> CoreResult<Vec<CodeDelivery>> {
        let (claims, pool, mut user) = self.tokens.verify_self_service_token(access_token).await?;
        let changes = sanitise_attributes(required(attributes)?, false)?;
        check_writable(&self.kernel.client(&claims.client_id).await?, &changes)?;
        let recovery = user.recovery_email().map(str::to_owned);
        let unverified = apply_changes(&mut user, changes);
        self.write_attributes(&mut user).await?;
        self.notify_if_recovery_changed(&user, recovery).await;
        Ok(self.maybe_send_verification(&pool, &user, &unverified, attempt_id).await)
    }

    /// DeleteUserAttributes: the signed-in user deletes some of their attributes.
    pub async fn delete_user_attributes(&self, access_token: &str, names: &[String]) -> CoreResult<()> {
        let (claims, pool, mut user) = self.tokens.verify_self_service_token(access_token).await?;
        let deleted = deletable(&pool, names, false)?;
        // The names asked for: a verified flag deleted with its address is not the caller's.
        let named: BTreeMap<String, String> = names.iter().map(|n| (n.clone(), String::new())).collect();
        check_writable(&self.kernel.client(&claims.client_id).await?, &named)?;
        let recovery = user.recovery_email().map(str::to_owned);
        for name in deleted {
            user.attributes.remove(&name);
        }
        self.write_attributes(&mut user).await?;
        self.notify_if_recovery_changed(&user, recovery).await;
        Ok(())
    }

    /// GetUserAttributeVerificationCode: a code sent to the user's email.
    pub async fn get_user_attribute_verification_code(
        &self,
        access_token: &str,
        attribute: &str,
        attempt_id: &str,
    ) -> CoreResult<CodeDelivery> {
        let (_, _, user) = self.tokens.verify_self_service_token(access_token).await?;
        match attribute {
            "email" => self
                .kernel
                .send_code(&user, CodePurpose::VerifyEmail, attempt_id)
                .await?
                .ok_or_else(|| CoreError::invalid("The user has no email to verify.")),
            "phone_number" => Err(CoreError::invalid("Warden sends no SMS: phone_number cannot be verified by code.")),
            other => Err(CoreError::invalid(format!("Attribute {other} cannot be verified."))),
        }
    }

    /// VerifyUserAttribute: the code sent to the user's current email proves it.
    pub async fn verify_user_attribute(&self, access_token: &str, attribute: &str, code: &str) -> CoreResult<()> {
        let (_, _, mut user) = self.tokens.verify_self_service_token(access_token).await?;
        if attribute != "email" {
            return Err(CoreError::invalid(format!("Attribute {attribute} cannot be verified by code.")));
        }
        if user.email().is_none() {
            return Err(CoreError::invalid("The user has no email to verify."));
        }
        let code_hash = self.kernel.code_digest(&user, code);
        let now = self.kernel.clock.now();
        user.attributes.insert("email_verified".into(), "true".into());
        user.updated_at = now;
        let outcome = self
            .kernel
            .store
            .redeem_code(&CodeRedemption {
                purpose: CodePurpose::VerifyEmail,
                code_hash,
                now,
                max_attempts: MAX_CODE_ATTEMPTS,
                then: user,
                ends_sessions: false,
            })
            .await?;
        redeemed(outcome)
    }

    /// DeleteUser: the signed-in user deletes themselves, with their sessions.
    pub async fn delete_self(&self, access_token: &str) -> CoreResult<()> {
        let (_, pool, user) = self.tokens.verify_self_service_token(access_token).await?;
        self.kernel.store.delete_user(&pool.id, &user.id).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(attributes: &[(&str, &str)]) -> User {
        User {
            id: "u1".into(),
            pool_id: "p1".into(),
            username: "kim".into(),
            status: UserStatus::Confirmed,
            enabled: true,
            password_hash: None,
            temporary_password_expires_at: None,
            attributes: attributes.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            totp_secret_enc: None,
            totp_verified: false,
            totp_enabled: false,
            totp_last_step: 0,
            created_at: 0,
            updated_at: 0,
            version: 0,
            session_epoch: 0,
        }
    }

    fn changes(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn only_an_address_not_known_to_be_unproven_recovers_the_account() {
        let email = ("email", "a@example.com");
        assert_eq!(user(&[email]).recovery_email(), Some("a@example.com"), "an administrator's address");
        assert_eq!(user(&[email, ("email_verified", "true")]).recovery_email(), Some("a@example.com"));
        assert_eq!(user(&[email, ("email_verified", "false")]).recovery_email(), None);
        assert_eq!(user(&[("email_verified", "true")]).recovery_email(), None);
    }

    #[test]
    fn a_changed_address_is_unverified_unless_the_call_verifies_it() {
        let mut u = user(&[("email", "a@example.com"), ("email_verified", "true")]);
        assert_eq!(apply_changes(&mut u, changes(&[("email", "b@example.com")])), vec!["email"]);
        assert_eq!(u.attributes["email_verified"], "false");

        let mut u = user(&[("email", "a@example.com"), ("email_verified", "true")]);
        assert!(apply_changes(&mut u, changes(&[("email", "a@example.com"), ("name", "Kim")])).is_empty());
        assert_eq!(u.attributes["email_verified"], "true", "the same address stays verified");

        let mut u = user(&[("email", "a@example.com")]);
        let set = changes(&[("email", "b@example.com"), ("email_verified", "true")]);
        assert!(apply_changes(&mut u, set).is_empty());
        assert_eq!(u.attributes["email_verified"], "true");
    }
}
