//! One-time codes, whatever they confirm (a sign-up, a password reset, an address): where one
//! went, how many guesses it allows, and what a redemption's outcome answers.

use crate::error::{CoreError, CoreResult, Refusal};
use crate::model::CodeOutcome;

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
