//! TOTP enrolment: AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference.

use crate::crypto::totp;
use crate::error::Refusal;
use crate::error::{CoreError, CoreResult};
use crate::service::services::Accounts;
use crate::Secret;

impl Accounts {
    /// Generates a TOTP secret for the signed-in user; returns it base32-encoded.
    pub async fn associate_software_token(&self, access_token: &str) -> CoreResult<Secret<String>> {
        let (_, _, mut user) = self.tokens.verify_self_service_token(access_token).await?;
        let (secret, b32) = totp::new_secret();
        user.totp_secret_enc = Some(self.kernel.master.seal(secret.expose()));
        user.totp_verified = false;
        user.totp_enabled = false;
        user.updated_at = self.kernel.clock.now();
        self.kernel.store.update_user(&mut user).await?;
        Ok(b32)
    }

    /// Confirms the authenticator works; returns "SUCCESS".
    pub async fn verify_software_token(&self, access_token: &str, code: &str) -> CoreResult<&'static str> {
        let (_, _, mut user) = self.tokens.verify_self_service_token(access_token).await?;
        let sealed = user
            .totp_secret_enc
            .clone()
            .ok_or_else(|| CoreError::refused(Refusal::MfaNotSetUp, "Software token has not been associated"))?;
        let secret = Secret::new(self.kernel.master.open(&sealed)?);
        let now = self.kernel.clock.now();
        match totp::verify(&secret, code, now)? {
            Some(step) if step > user.totp_last_step => {
                user.totp_verified = true;
                user.totp_last_step = step;
                user.updated_at = now;
                self.kernel.store.update_user(&mut user).await?;
                Ok("SUCCESS")
            }
            _ => Err(CoreError::refused(Refusal::MfaSetupFailed, "Code mismatch and fail enable Software Token MFA")),
        }
    }

    /// Turns TOTP sign-in on or off for the signed-in user.
    pub async fn set_software_token_mfa(&self, access_token: &str, enabled: bool) -> CoreResult<()> {
        let (_, pool, mut user) = self.tokens.verify_self_service_token(access_token).await?;
        if enabled {
            if pool.settings.mfa_configuration == crate::model::MfaConfiguration::Off {
                return Err(CoreError::invalid("MFA is not enabled for this user pool"));
            }
            if !user.totp_verified {
                return Err(CoreError::invalid("User has not verified software token mfa"));
            }
        }
        user.totp_enabled = enabled;
        user.updated_at = self.kernel.clock.now();
        self.kernel.store.update_user(&mut user).await?;
        Ok(())
    }
}
