//! Which user attributes a caller may set, and what their values must look like. Cognito accepts
//! its standard attributes (OIDC Core §5.1 plus `address`) and `custom:` ones; any other name is
//! refused, so no attribute can pose as a claim Warden issues itself (`cognito:groups`...).

use crate::error::Refusal;
use crate::model::Client;
use std::collections::BTreeMap;

use crate::error::{CoreError, CoreResult};

/// The addresses a code can prove, each with its verified flag.
pub(crate) const ADDRESS_FLAGS: [(&str, &str); 2] =
    [("email", "email_verified"), ("phone_number", "phone_number_verified")];

/// Cognito's standard attributes.
pub const STANDARD_ATTRIBUTES: &[&str] = &[
    "address",
    "birthdate",
    "email",
    "email_verified",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "phone_number_verified",
    "picture",
    "preferred_username",
    "profile",
    "updated_at",
    "website",
    "zoneinfo",
];

/// A `custom:` attribute name: 1 to 20 word characters after the prefix, as Cognito allows.
fn custom(name: &str) -> bool {
    name.strip_prefix("custom:")
        .is_some_and(|n| (1..=20).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

/// A name a caller may give an attribute, and so the only attribute names a token or userinfo
/// releases.
pub(crate) fn known(name: &str) -> bool {
    STANDARD_ATTRIBUTES.contains(&name) || custom(name)
}

fn schema_error(name: &str) -> CoreError {
    CoreError::invalid(format!(
        "Attributes did not conform to the schema: Type for attribute {{{name}}} could not be determined"
    ))
}

/// `local@domain`: no spaces or control characters, a non-empty local part, and a domain of
/// dot-separated labels (letters, digits, hyphens).
pub(crate) fn valid_email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && domain.len() <= 253
        && !local.chars().any(|c| c.is_whitespace() || c.is_control() || c == '@')
        && !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// E.164, as Cognito requires: `+` and up to 15 digits.
fn valid_phone(value: &str) -> bool {
    value.strip_prefix('+').is_some_and(|d| (2..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Attributes a caller may set: known names only, never `sub`, verification flags only for an
/// administrator, and well-formed addresses.
pub(crate) fn sanitise_attributes(
    attributes: BTreeMap<String, String>,
    admin: bool,
) -> CoreResult<BTreeMap<String, String>> {
    for (name, value) in &attributes {
        if name == "sub" {
            return Err(CoreError::invalid("Cannot modify an immutable attribute: sub"));
        }
        if !known(name) {
            return Err(schema_error(name));
        }
        if !admin && name.ends_with("_verified") {
            return Err(CoreError::invalid(format!("Cannot modify the attribute {name}")));
        }
        if value.len() > 2048 || value.contains('\0') {
            return Err(CoreError::invalid(format!("Invalid value for the attribute {name}")));
        }
        if name == "email" && !valid_email(value) {
            return Err(CoreError::invalid("Invalid email address format."));
        }
        if name == "phone_number" && !valid_phone(value) {
            return Err(CoreError::invalid("Invalid phone number format."));
        }
        if name.ends_with("_verified") && !matches!(value.as_str(), "true" | "false") {
            return Err(CoreError::invalid(format!("Invalid value for the attribute {name}: expected true or false")));
        }
    }
    Ok(attributes)
}

/// A client with WriteAttributes may set only those (empty means all, as Cognito does).
pub(crate) fn check_writable(client: &Client, attributes: &BTreeMap<String, String>) -> CoreResult<()> {
    let writable = &client.settings.write_attributes;
    if writable.is_empty() || attributes.keys().all(|name| writable.contains(name)) {
        Ok(())
    } else {
        Err(CoreError::refused(Refusal::NotPermitted, "A client attempted to write unauthorized attribute"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(name: &str, value: &str, admin: bool) -> CoreResult<BTreeMap<String, String>> {
        sanitise_attributes([(name.to_owned(), value.to_owned())].into(), admin)
    }

    #[test]
    fn only_known_names() {
        assert!(one("email", "a@example.com", false).is_ok());
        assert!(one("custom:team_id", "7", false).is_ok());
        assert!(one("email_verified", "true", true).is_ok());
        for name in ["cognito:groups", "cognito:username", "origin_jti", "custom:", "custom:a-b", "iss", "", "Email"] {
            assert!(one(name, "x", true).is_err(), "{name}");
        }
        assert!(one("email_verified", "true", false).is_err(), "only an administrator verifies");
        assert!(one("email_verified", "yes", true).is_err());
        assert!(one("sub", "x", true).is_err());
    }

    #[test]
    fn addresses_are_well_formed() {
        for good in ["a@example.com", "first.last+tag@sub.example.co.uk", "x@localhost"] {
            assert!(valid_email(good), "{good}");
        }
        for bad in
            ["bad address@example.com", "a@", "@example.com", "a@exa mple.com", "a@.com", "a@b..c", "a@-b.com", "nope"]
        {
            assert!(!valid_email(bad), "{bad}");
        }
        assert!(one("phone_number", "+447700900123", false).is_ok());
        assert!(one("phone_number", "07700 900123", false).is_err());
        assert!(one("name", "a\0b", false).is_err());
    }
}
