use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum UserStatus {
    #[serde(rename = "UNCONFIRMED")]
    Unconfirmed,
    #[serde(rename = "CONFIRMED")]
    Confirmed,
    #[serde(rename = "FORCE_CHANGE_PASSWORD")]
    ForceChangePassword,
    #[serde(rename = "RESET_REQUIRED")]
    ResetRequired,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unconfirmed => "UNCONFIRMED",
            Self::Confirmed => "CONFIRMED",
            Self::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            Self::ResetRequired => "RESET_REQUIRED",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "UNCONFIRMED" => Self::Unconfirmed,
            "CONFIRMED" => Self::Confirmed,
            "FORCE_CHANGE_PASSWORD" => Self::ForceChangePassword,
            "RESET_REQUIRED" => Self::ResetRequired,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct User {
    /// The immutable `sub`, a UUID.
    pub id: String,
    pub pool_id: String,
    pub username: String,
    pub status: UserStatus,
    pub enabled: bool,
    /// PHC string of the argon2id hash; `None` before a password is set.
    pub password_hash: Option<String>,
    /// When a temporary password stops working (FORCE_CHANGE_PASSWORD only).
    pub temporary_password_expires_at: Option<Timestamp>,
    /// Standard and custom attributes other than `sub` (`email`, `email_verified`, `custom:x`...).
    pub attributes: BTreeMap<String, String>,
    /// TOTP secret encrypted under the master key, once associated.
    pub totp_secret_enc: Option<Vec<u8>>,
    pub totp_verified: bool,
    pub totp_enabled: bool,
    /// The last TOTP time step accepted, so a code is never accepted twice.
    pub totp_last_step: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The row version this copy was read at; the store refuses to write over a newer one and
    /// bumps it on every write (optimistic concurrency).
    #[serde(default)]
    pub version: i64,
    /// Bumped by every write that ends the user's sessions (`Store::revoke_user_families`,
    /// `update_user_revoking_families`); a sign-in's writes name the epoch it read, and are
    /// refused once it moved. `update_user` never writes it.
    #[serde(default)]
    pub session_epoch: i64,
}

impl User {
    /// The key users are unique by within a pool.
    pub fn normalise_username(username: &str) -> String {
        username.to_lowercase()
    }

    pub fn email(&self) -> Option<&str> {
        self.attributes.get("email").map(String::as_str)
    }

    /// The address a password-reset code may go to: the email, unless it is known to be
    /// unproven (`email_verified` false: changed after sign-up and its code not yet returned).
    /// Otherwise whoever held an access token for an hour could change the address to theirs and
    /// then reset the password, keeping the account for good.
    pub fn recovery_email(&self) -> Option<&str> {
        self.email().filter(|_| self.attributes.get("email_verified").map(String::as_str) != Some("false"))
    }
}
