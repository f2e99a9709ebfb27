//! Which of a user's attributes a token or userinfo response releases, by scope (Cognito's
//! rule): `openid` alone, or `aws.cognito.signin.user.admin`, releases every attribute; with
//! `email`, `phone` or `profile` beside it, only the claims those scopes name. `*_verified` are
//! booleans, and `email_verified`/`phone_number_verified` are always present with their address.

use super::attributes::known;
use crate::model::User;
use crate::service::oauth::scopes::COGNITO_ADMIN_SCOPE;
use serde_json::Value;
use std::collections::BTreeMap;

/// The OIDC standard claims each scope releases (OIDC Core §5.4).
fn scope_claims(scope: &str) -> &'static [&'static str] {
    match scope {
        "email" => &["email", "email_verified"],
        "phone" => &["phone_number", "phone_number_verified"],
        "profile" => &[
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
        ],
        _ => &[],
    }
}

/// The attribute claims released for `scope` (space-separated; `None` for a Cognito API
/// sign-in, which releases all) to a client that may read `readable` (its ReadAttributes; empty
/// means every attribute, as Cognito does).
pub(crate) fn released_claims(user: &User, scope: Option<&str>, readable: &[String]) -> BTreeMap<String, Value> {
    let scopes: Vec<&str> = scope.map(|s| s.split(' ').filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    let narrowing: Vec<&str> = scopes.iter().copied().filter(|s| matches!(*s, "email" | "phone" | "profile")).collect();
    let all = scope.is_none() || scopes.contains(&COGNITO_ADMIN_SCOPE) || narrowing.is_empty();
    let allowed: Vec<&str> = narrowing.iter().flat_map(|s| scope_claims(s).iter().copied()).collect();
    let mut out: BTreeMap<String, Value> = user
        .attributes
        .iter()
        .filter(|(k, _)| known(k) && (readable.is_empty() || readable.contains(k)))
        .filter(|(k, _)| all || allowed.contains(&k.as_str()))
        .map(|(k, v)| {
            let value = match (k.ends_with("_verified"), v.as_str()) {
                (true, "true") => Value::Bool(true),
                (true, "false") => Value::Bool(false),
                _ => Value::String(v.clone()),
            };
            (k.clone(), value)
        })
        .collect();
    let readable_name = |k: &str| readable.is_empty() || readable.iter().any(|r| r == k);
    for (address, verified) in super::attributes::ADDRESS_FLAGS {
        if out.contains_key(address) && !out.contains_key(verified) && readable_name(verified) {
            out.insert(verified.to_owned(), Value::Bool(false));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        let mut u: User = serde_json::from_value(serde_json::json!({
            "id": "u", "pool_id": "p", "username": "alice", "status": "CONFIRMED", "enabled": true,
            "password_hash": null, "temporary_password_expires_at": null, "attributes": {},
            "totp_secret_enc": null, "totp_verified": false, "totp_enabled": false, "totp_last_step": 0,
            "created_at": 0, "updated_at": 0
        }))
        .unwrap();
        for (k, v) in [("email", "a@x"), ("name", "Alice"), ("custom:tier", "gold"), ("phone_number", "+1")] {
            u.attributes.insert(k.into(), v.into());
        }
        u.attributes.insert("phone_number_verified".into(), "true".into());
        u
    }

    #[test]
    fn openid_alone_and_cognito_release_everything() {
        for scope in [None, Some("openid"), Some("openid email aws.cognito.signin.user.admin")] {
            let c = released_claims(&user(), scope, &[]);
            assert_eq!(c["email"], "a@x");
            assert_eq!(c["email_verified"], false, "absent means not verified");
            assert_eq!(c["custom:tier"], "gold");
            assert_eq!(c["phone_number_verified"], true);
        }
    }

    #[test]
    fn stored_names_that_are_no_attribute_are_never_released() {
        let mut u = user();
        for k in ["cognito:groups", "cognito:username", "origin_jti", "sub", "iss", "token_use"] {
            u.attributes.insert(k.into(), "forged".into());
        }
        let c = released_claims(&u, None, &[]);
        assert!(c.values().all(|v| v != "forged"), "{c:?}");
        assert_eq!(c["custom:tier"], "gold");
    }

    #[test]
    fn a_client_reads_only_its_read_attributes() {
        let c = released_claims(&user(), None, &["email".to_owned(), "custom:tier".to_owned()]);
        assert_eq!(c.keys().collect::<Vec<_>>(), vec!["custom:tier", "email"], "email_verified is not readable");
    }

    #[test]
    fn standard_scopes_narrow() {
        let c = released_claims(&user(), Some("openid email"), &[]);
        assert_eq!(c.keys().collect::<Vec<_>>(), vec!["email", "email_verified"]);
        let c = released_claims(&user(), Some("openid profile"), &[]);
        assert_eq!(c.keys().collect::<Vec<_>>(), vec!["name"]);
    }
}
