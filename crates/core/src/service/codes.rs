//! One-time codes, whatever they confirm (a sign-up, a password reset, an address): where one
//! went, how many guesses it allows, and what a redemption's outcome answers.

use crate::crypto::random;
use crate::delivery::Message;
use crate::error::{CoreError, CoreResult, Refusal};
use crate::model::{Code, CodeOutcome, CodePurpose, User};
use crate::service::services::Kernel;

/// Wrong guesses allowed on one code before it is dropped.
pub(crate) const MAX_CODE_ATTEMPTS: u32 = 5;

/// How a code travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryMedium {
    Email,
}

/// Where a code went, the address masked (`a***@e***`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDelivery {
    pub destination: String,
    pub medium: DeliveryMedium,
    /// The user attribute holding the address.
    pub attribute: &'static str,
}

impl CodeDelivery {
    pub fn email(address: &str) -> Self {
        let masked = match address.split_once('@') {
            Some((local, domain)) => {
                format!("{}***@{}***", local.chars().next().unwrap_or('*'), domain.chars().next().unwrap_or('*'))
            }
            None => "***".into(),
        };
        Self { destination: masked, medium: DeliveryMedium::Email, attribute: "email" }
    }
}

/// A wrong one-time code.
pub(crate) fn code_mismatch() -> CoreError {
    CoreError::refused(Refusal::CodeMismatch, "Invalid verification code provided, please try again.")
}

/// A code redemption's outcome as an answer.
pub(crate) fn redeemed(outcome: CodeOutcome) -> CoreResult<()> {
    match outcome {
        CodeOutcome::Redeemed => Ok(()),
        CodeOutcome::Mismatch => Err(code_mismatch()),
        CodeOutcome::Expired => {
            Err(CoreError::refused(Refusal::CodeExpired, "Invalid code provided, please request a code again."))
        }
    }
}

/// Codes a user may be sent per hour (per purpose; reset codes also per source, in `password`).
pub(crate) const CODES_PER_HOUR: u32 = 5;
/// Sign-up and verification codes one address may be sent per hour, whatever accounts name it.
pub const CODES_PER_ADDRESS_HOUR: u32 = 10;

impl Kernel {
    /// Where a code for `username` seems to go when none is sent (user-existence errors
    /// prevented): `user`'s own address masked, as a sent code shows it; for a name no user has
    /// (or a user without an address), an address-like name masked as one, else letters a MAC of
    /// the pool and name decides (no one tell for every name, and the same answer every call).
    pub(crate) fn apparent_delivery(&self, pool_id: &str, username: &str, user: Option<&User>) -> CodeDelivery {
        if let Some(email) = user.and_then(User::email) {
            return CodeDelivery::email(email);
        }
        if username.contains('@') {
            return CodeDelivery::email(username);
        }
        let name = User::normalise_username(username);
        let mac = self.master.mac("simulated destination", format!("{pool_id}\n{name}").as_bytes());
        let letter = |b: u8| char::from(b'a' + b % 26);
        CodeDelivery::email(&format!("{}@{}", letter(mac[0]), letter(mac[1])))
    }

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

    /// Sends a code to the user's email and records its hash.
    pub(crate) async fn send_code(
        &self,
        user: &User,
        purpose: CodePurpose,
        attempt_id: &str,
    ) -> CoreResult<Option<CodeDelivery>> {
        let mut quotas = vec![(format!("code:{}:{}", purpose.as_str(), user.id), CODES_PER_HOUR)];
        // These codes (sign-up, address verification) go to addresses not yet proven: whoever
        // names an address could otherwise fill its mailbox through many accounts.
        if let Some(email) = user.email() {
            let address = self.master.mac("code destination", email.trim().to_lowercase().as_bytes());
            quotas.push((format!("code-to:{}", hex::encode(&address[..16])), CODES_PER_ADDRESS_HOUR));
        }
        self.send_code_within(user, purpose, attempt_id, &quotas).await
    }

    /// `send_code`, counted against each of `quotas` (key, sends per hour) at once.
    pub(crate) async fn send_code_within(
        &self,
        user: &User,
        purpose: CodePurpose,
        attempt_id: &str,
        quotas: &[(String, u32)],
    ) -> CoreResult<Option<CodeDelivery>> {
        let Some(email) = user.email().map(str::to_owned) else {
            return Ok(None);
        };
        let quotas: Vec<(&str, u32)> = quotas.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        self.spend_quotas(&quotas, attempt_id).await?;
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
}
