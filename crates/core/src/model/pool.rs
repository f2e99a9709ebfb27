use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct PasswordPolicy {
    pub minimum_length: u32,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub temporary_password_validity_days: u32,
}

impl Default for PasswordPolicy {
    /// Cognito's default policy.
    fn default() -> Self {
        Self {
            minimum_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
            temporary_password_validity_days: 7,
        }
    }
}

impl PasswordPolicy {
    /// When a temporary password set at `now` stops working.
    pub fn temporary_expiry(&self, now: i64) -> i64 {
        now + i64::from(self.temporary_password_validity_days) * 86_400
    }

    /// `Err` carries Cognito's wording of the first rule the password breaks.
    pub fn check(&self, password: &str) -> Result<(), String> {
        let prefix = "Password does not conform to policy: ";
        if (password.chars().count() as u32) < self.minimum_length {
            return Err(format!("{prefix}Password not long enough"));
        }
        if password.chars().count() > 256 {
            return Err(format!("{prefix}Password too long"));
        }
        if self.require_uppercase && !password.chars().any(|c| c.is_uppercase()) {
            return Err(format!("{prefix}Password must have uppercase characters"));
        }
        if self.require_lowercase && !password.chars().any(|c| c.is_lowercase()) {
            return Err(format!("{prefix}Password must have lowercase characters"));
        }
        if self.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
            return Err(format!("{prefix}Password must have numeric characters"));
        }
        if self.require_symbols && !password.chars().any(is_cognito_symbol) {
            return Err(format!("{prefix}Password must have symbol characters"));
        }
        Ok(())
    }
}

/// Cognito's accepted special characters (and the space).
fn is_cognito_symbol(c: char) -> bool {
    "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ".contains(c)
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum MfaConfiguration {
    #[default]
    Off,
    On,
    Optional,
}

impl MfaConfiguration {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "OFF",
            Self::On => "ON",
            Self::Optional => "OPTIONAL",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "OFF" => Some(Self::Off),
            "ON" => Some(Self::On),
            "OPTIONAL" => Some(Self::Optional),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default)]
pub struct PoolSettings {
    pub password_policy: PasswordPolicy,
    pub mfa_configuration: MfaConfiguration,
    /// `email` and/or `phone_number`: attributes verified automatically by sign-up codes.
    pub auto_verified_attributes: Vec<String>,
    /// `email` and/or `phone_number` when users sign in with them instead of a username.
    pub username_attributes: Vec<String>,
    /// Overrides the issuer `<public url>/<poolId>`.
    pub issuer: Option<String>,
    pub deletion_protection: bool,
    pub allow_admin_create_user_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Pool {
    pub id: String,
    pub name: String,
    pub settings: PoolSettings,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_names_the_broken_rule() {
        let p = PasswordPolicy::default();
        assert!(p.check("Sh0rt!").unwrap_err().ends_with("not long enough"));
        assert!(p.check("alllower1!").unwrap_err().contains("uppercase"));
        assert!(p.check("ALLUPPER1!").unwrap_err().contains("lowercase"));
        assert!(p.check("NoDigits!!").unwrap_err().contains("numeric"));
        assert!(p.check("NoSymbol11").unwrap_err().contains("symbol"));
        assert_eq!(p.check("Good-Passw0rd"), Ok(()));
    }
}
