//! One-time codes, whatever they confirm (a sign-up, a password reset, an address): where one
//! went, how many guesses it allows, and what a redemption's outcome answers.

use super::Warden;
use crate::error::{CoreError, CoreResult, Refusal};
use crate::model::{CodeOutcome, User};

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

impl Warden {
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
}
