//! One-time codes (confirmation, reset, attribute verification).

use async_trait::async_trait;

use crate::clock::Timestamp;
use crate::model::{Code, CodeOutcome, CodePurpose, User};

use super::StoreResult;

/// A one-time code presented for redemption (`Store::redeem_code`): `then.id`'s code for
/// `purpose`.
#[derive(Debug, Clone)]
pub struct CodeRedemption {
    pub purpose: CodePurpose,
    pub code_hash: Vec<u8>,
    pub now: Timestamp,
    pub max_attempts: u32,
    /// What the user becomes on a match.
    pub then: User,
    /// On a match, also end every session of the user.
    pub ends_sessions: bool,
}

#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Stores the user's code for `code.purpose`, replacing any earlier one.
    async fn put_code(&self, code: &Code) -> StoreResult<()>;
    /// Checks and redeems a code in one transaction. On a match the code is deleted and
    /// `then` is written (version-checked as `update_user`: `StoreError::Stale` undoes the
    /// redemption); on a mismatch the attempt is counted and, past `max_attempts`, the code is
    /// deleted. With `ends_sessions`, a match also ends every session of the user, in the same
    /// transaction (as `revoke_user_families`: a reset password leaves no session behind, even
    /// when the revocation would have failed on its own).
    async fn redeem_code(&self, redemption: &CodeRedemption) -> StoreResult<CodeOutcome>;
}
