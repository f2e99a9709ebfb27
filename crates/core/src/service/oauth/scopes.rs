//! Scope strings: parsing, and which scopes a client may be granted.

use crate::error::Invalid;
use crate::model::Client;
use std::collections::BTreeSet;

use crate::error::{CoreError, CoreResult};

/// The scopes every pool knows, besides its resource servers' `<server>/<scope>`.
pub const COGNITO_ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";
pub const STANDARD_SCOPES: [&str; 5] = ["openid", "email", "phone", "profile", COGNITO_ADMIN_SCOPE];

/// A set of scopes, kept in a stable order for the tokens that carry it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(pub BTreeSet<String>);

impl Scopes {
    /// Parses a space-separated scope parameter (RFC 6749 §3.3). Empty items are not allowed;
    /// the characters are those of `scope-token`.
    pub fn parse(s: &str) -> CoreResult<Self> {
        let mut set = BTreeSet::new();
        for item in s.split(' ') {
            if item.is_empty() {
                continue;
            }
            if !item
                .chars()
                .all(|c| c == '!' || ('\u{23}'..='\u{5B}').contains(&c) || ('\u{5D}'..='\u{7E}').contains(&c))
            {
                return Err(CoreError::invalid_as(Invalid::Scope, "The scope contains invalid characters"));
            }
            set.insert(item.to_owned());
        }
        Ok(Self(set))
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Space-separated.
    pub fn to_string_sorted(&self) -> String {
        self.0.iter().map(String::as_str).collect::<Vec<_>>().join(" ")
    }

    /// The custom (resource-server) scopes: those with a `/`.
    pub fn custom(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str).filter(|s| s.contains('/'))
    }

    /// What the client gets for `requested`: every scope must be allowed to the client, and an
    /// empty request means all the client's allowed scopes (as Cognito does).
    pub fn grant(client: &Client, requested: &Scopes) -> CoreResult<Scopes> {
        let allowed: BTreeSet<&str> = client.settings.allowed_oauth_scopes.iter().map(String::as_str).collect();
        if requested.is_empty() {
            return Ok(Scopes(allowed.iter().map(|s| (*s).to_owned()).collect()));
        }
        if let Some(bad) = requested.0.iter().find(|s| !allowed.contains(s.as_str())) {
            return Err(CoreError::invalid_as(
                Invalid::Scope,
                format!("The scope {bad} is not allowed for this client"),
            ));
        }
        Ok(requested.clone())
    }

    /// A family's granted `scope` as the client may still use it: its administrator can take
    /// scopes away after the grant (UpdateUserPoolClient), and a refresh must not mint them again.
    /// `None` when none is left.
    pub fn still_allowed(client: &Client, granted: &str) -> Option<String> {
        let kept: Vec<&str> = granted
            .split(' ')
            .filter(|s| !s.is_empty() && client.settings.allowed_oauth_scopes.iter().any(|a| a == s))
            .collect();
        (!kept.is_empty()).then(|| kept.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders() {
        let s = Scopes::parse("profile openid  api/read").unwrap();
        assert_eq!(s.to_string_sorted(), "api/read openid profile");
        assert_eq!(s.custom().collect::<Vec<_>>(), vec!["api/read"]);
        assert!(Scopes::parse("a\"b").is_err());
        assert!(Scopes::parse("a\\b").is_err());
    }

    #[test]
    fn grants_only_allowed_scopes() {
        let mut client: Client = serde_json::from_value(serde_json::json!({
            "id": "c", "pool_id": "p", "name": "n", "secret_enc": null,
            "settings": {}, "created_at": 0, "updated_at": 0
        }))
        .unwrap();
        client.settings.allowed_oauth_scopes = vec!["openid".into(), "email".into()];
        let all = Scopes::grant(&client, &Scopes::default()).unwrap();
        assert_eq!(all.to_string_sorted(), "email openid");
        let one = Scopes::grant(&client, &Scopes::parse("openid").unwrap()).unwrap();
        assert_eq!(one.to_string_sorted(), "openid");
        let err = Scopes::grant(&client, &Scopes::parse("openid phone").unwrap()).unwrap_err();
        assert!(matches!(err, CoreError::Invalid(Invalid::Scope, _)));
        assert_eq!(Scopes::still_allowed(&client, "email openid phone").as_deref(), Some("email openid"));
        assert_eq!(Scopes::still_allowed(&client, "api/read"), None);
    }
}
