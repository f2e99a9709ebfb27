//! App clients: public programmatic clients and confidential ones with a secret, and the OAuth
//! settings the OIDC door honours (validated here, as Cognito validates them).

use super::oauth::STANDARD_SCOPES;
use crate::crypto::random;
use crate::error::Invalid;
use crate::error::{CoreError, CoreResult};
use crate::model::{Client, ClientSettings, OAuthFlow};
use crate::secret::Secret;
use crate::service::services::Directory;

#[derive(Debug, Clone, Default)]
pub struct ClientSpec {
    pub pool_id: String,
    pub name: String,
    pub generate_secret: bool,
    pub settings: ClientSettings,
}

/// A new client; the secret is shown here and by DescribeUserPoolClient, never logged.
#[derive(Debug, Clone)]
pub struct CreatedClient {
    pub client: Client,
    pub secret: Option<Secret<String>>,
}

fn validate_name(name: &str) -> CoreResult<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 128 {
        return Err(CoreError::invalid("ClientName must be 1 to 128 characters"));
    }
    Ok(name)
}

/// Cognito's bounds: access and id tokens 5 minutes to 1 day, refresh 1 hour to 10 years, and
/// refresh longer than access and id.
fn validate_token_validity(s: &ClientSettings) -> CoreResult<()> {
    let v = s.token_validity;
    let day = 86_400;
    if !(300..=day).contains(&v.access_secs) {
        return Err(CoreError::invalid("AccessTokenValidity must be between 5 minutes and 1 day"));
    }
    if !(300..=day).contains(&v.id_secs) {
        return Err(CoreError::invalid("IdTokenValidity must be between 5 minutes and 1 day"));
    }
    if !(3600..=3650 * day).contains(&v.refresh_secs) {
        return Err(CoreError::invalid("RefreshTokenValidity must be between 60 minutes and 10 years"));
    }
    if v.refresh_secs <= v.access_secs || v.refresh_secs <= v.id_secs {
        return Err(CoreError::invalid(
            "RefreshTokenValidity must be longer than AccessTokenValidity and IdTokenValidity",
        ));
    }
    Ok(())
}

/// Cognito's ScopeType: `[\x21\x23-\x5B\x5D-\x7E]+`, 1 to 256 characters.
fn well_formed_scope(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.chars().all(|c| c == '!' || ('\u{23}'..='\u{5B}').contains(&c) || ('\u{5D}'..='\u{7E}').contains(&c))
}

/// The OAuth rules that need no lookup: flags, flows, their combinations, and redirect URLs.
fn validate_oauth_shape(s: &ClientSettings, confidential: bool) -> CoreResult<()> {
    let flows = &s.allowed_oauth_flows;
    if s.allowed_oauth_scopes.len() > 50 {
        return Err(CoreError::invalid("AllowedOAuthScopes has at most 50 scopes"));
    }
    if let Some(bad) = s.allowed_oauth_scopes.iter().find(|sc| !well_formed_scope(sc)) {
        return Err(CoreError::invalid(format!("Invalid scope: {bad}")));
    }
    if s.allowed_oauth_flows_user_pool_client {
        if flows.is_empty() || s.allowed_oauth_scopes.is_empty() {
            return Err(CoreError::invalid(
                "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.",
            ));
        }
    } else if !flows.is_empty() {
        return Err(CoreError::invalid(
            "AllowedOAuthFlowsUserPoolClient must be true when AllowedOAuthFlows are given.",
        ));
    }
    let interactive = flows.iter().any(|f| matches!(f, OAuthFlow::Code | OAuthFlow::Implicit));
    if flows.contains(&OAuthFlow::ClientCredentials) {
        if interactive {
            return Err(CoreError::invalid_as(
                Invalid::ClientFlows,
                "client_credentials flow can not be selected along with code flow or implicit flow.",
            ));
        }
        if !confidential {
            return Err(CoreError::invalid_as(
                Invalid::ClientFlows,
                "client_credentials flow can not be selected if client does not have a client secret.",
            ));
        }
        if let Some(standard) = s.allowed_oauth_scopes.iter().find(|sc| STANDARD_SCOPES.contains(&sc.as_str())) {
            return Err(CoreError::invalid_as(
                Invalid::ClientFlows,
                format!("{standard} is not supported with client_credentials flow"),
            ));
        }
    }
    for (member, urls) in [("CallbackURLs", &s.callback_urls), ("LogoutURLs", &s.logout_urls)] {
        if urls.len() > 100 {
            return Err(CoreError::invalid(format!("{member} has at most 100 URLs")));
        }
        for url in urls {
            check_redirect_url(member, url)?;
        }
    }
    if interactive && s.callback_urls.is_empty() {
        return Err(CoreError::invalid_as(
            Invalid::ClientFlows,
            "CallbackUrls can not be empty when code flow or implicit flow is selected",
        ));
    }
    if let Some(default) = &s.default_redirect_uri {
        check_redirect_url("DefaultRedirectURI", default)?;
        if !s.callback_urls.contains(default) {
            return Err(CoreError::invalid("DefaultRedirectURI must be one of the CallbackURLs"));
        }
    }
    if let Some(other) = s.supported_identity_providers.iter().find(|p| p.as_str() != "COGNITO") {
        return Err(CoreError::invalid(format!("The provider {other} does not exist for this user pool.")));
    }
    Ok(())
}

/// A redirect URL Cognito would accept: absolute, at most 1024 characters, no fragment, and
/// HTTPS unless it points at this machine (`http://localhost`, `http://127.0.0.1`).
fn check_redirect_url(member: &str, url: &str) -> CoreResult<()> {
    let refuse = |why: &str| Err(CoreError::invalid(format!("{member}: {url} {why}")));
    if url.is_empty() || url.chars().count() > 1024 {
        return refuse("must be 1 to 1024 characters");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return refuse("contains whitespace or control characters");
    }
    if url.contains('#') {
        return refuse("must not contain a fragment");
    }
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => return refuse("must be an absolute URL"),
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, port)) if port.is_empty() || port.strip_prefix(':').is_some_and(valid_port) => h,
            _ => return refuse("has an invalid host"),
        },
        None => match host_port.rsplit_once(':') {
            Some((h, port)) if valid_port(port) => h,
            Some(_) => return refuse("has an invalid port"),
            None => host_port,
        },
    };
    if host.is_empty() {
        return refuse("must name a host");
    }
    match scheme.as_str() {
        "https" => Ok(()),
        "http" if host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" => Ok(()),
        "http" => refuse("must use HTTPS (http is allowed for localhost and 127.0.0.1 only)"),
        _ => refuse("must be an https URL"),
    }
}

fn valid_port(p: &str) -> bool {
    !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
}

impl Directory {
    pub async fn create_client(&self, spec: ClientSpec) -> CoreResult<CreatedClient> {
        let pool = self.kernel.pool(&spec.pool_id).await?;
        let name = validate_name(&spec.name)?;
        let can_authenticate = spec.generate_secret || !spec.settings.jwks.is_empty();
        self.validate_settings(&pool.id, &spec.settings, can_authenticate).await?;
        let secret = spec.generate_secret.then(random::client_secret);
        let now = self.kernel.clock.now();
        let client = Client {
            id: random::client_id(),
            pool_id: pool.id,
            name: name.to_owned(),
            secret_enc: secret.as_ref().map(|s| self.kernel.master.seal(s.as_bytes())),
            settings: spec.settings,
            created_at: now,
            updated_at: now,
        };
        self.kernel.store.insert_client(&client).await?;
        Ok(CreatedClient { client, secret: secret.map(Secret::new) })
    }

    pub async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: u32) -> CoreResult<Vec<Client>> {
        self.kernel.pool(pool_id).await?;
        if !(1..=60).contains(&limit) {
            return Err(CoreError::invalid("MaxResults must be between 1 and 60"));
        }
        Ok(self.kernel.store.list_clients(pool_id, after, limit).await?)
    }

    /// Writes the client's name and settings after the same checks as `create_client`; nothing
    /// is written when they fail.
    pub async fn update_client(&self, mut client: Client) -> CoreResult<Client> {
        client.name = validate_name(&client.name)?.to_owned();
        self.validate_settings(&client.pool_id, &client.settings, client.is_confidential()).await?;
        client.updated_at = self.kernel.clock.now();
        self.kernel.store.update_client(&client).await?;
        self.kernel.forget_client(&client.id);
        Ok(client)
    }

    pub async fn delete_client(&self, pool_id: &str, client_id: &str) -> CoreResult<()> {
        let client = self.kernel.pool_client(pool_id, client_id).await?;
        self.kernel.store.delete_client(&client.id).await?;
        self.kernel.forget_client(&client.id);
        Ok(())
    }

    /// Cognito's rules for a client's settings; `confidential` says whether it has a secret.
    async fn validate_settings(&self, pool_id: &str, s: &ClientSettings, confidential: bool) -> CoreResult<()> {
        validate_token_validity(s)?;
        validate_oauth_shape(s, confidential)?;
        for scope in &s.allowed_oauth_scopes {
            if STANDARD_SCOPES.contains(&scope.as_str()) {
                continue;
            }
            // Scope names cannot contain `/`; identifiers can (`https://api.example.com`).
            let known = match scope.rsplit_once('/') {
                Some((server, name)) if !server.is_empty() && !name.is_empty() => self
                    .kernel
                    .store
                    .get_resource_server(pool_id, server)
                    .await?
                    .is_some_and(|rs| rs.scopes.iter().any(|sc| sc.name == name)),
                _ => false,
            };
            if !known {
                return Err(CoreError::invalid_as(Invalid::UnknownScope, format!("Invalid scope requested: {scope}")));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth(flows: &[OAuthFlow], scopes: &[&str], callbacks: &[&str]) -> ClientSettings {
        ClientSettings {
            allowed_oauth_flows: flows.to_vec(),
            allowed_oauth_scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            allowed_oauth_flows_user_pool_client: true,
            callback_urls: callbacks.iter().map(|s| (*s).to_owned()).collect(),
            ..ClientSettings::default()
        }
    }

    fn kind(r: CoreResult<()>) -> &'static str {
        match r {
            Ok(()) => "ok",
            Err(CoreError::Invalid(Invalid::Parameter, _)) => "Parameter",
            Err(CoreError::Invalid(Invalid::ClientFlows, _)) => "ClientFlows",
            Err(e) => panic!("unexpected {e:?}"),
        }
    }

    #[test]
    fn redirect_urls() {
        for ok in [
            "https://app.example/cb",
            "https://app.example:8443/cb?x=1",
            "HTTPS://APP.EXAMPLE",
            "http://localhost/cb",
            "http://localhost:3000/cb",
            "http://127.0.0.1:8080",
            "https://[2001:db8::1]:443/cb",
        ] {
            assert!(check_redirect_url("CallbackURLs", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/relative",
            "app.example/cb",
            "http://app.example/cb",
            "http://localhost.evil.example/cb",
            "http://localhost@evil.example/cb",
            "https://app.example/cb#frag",
            "https://app example/cb",
            "https:///cb",
            "https://app.example:port/cb",
            "myapp://callback",
            "javascript://alert(1)",
        ] {
            assert!(check_redirect_url("CallbackURLs", bad).is_err(), "{bad}");
        }
        assert!(check_redirect_url("CallbackURLs", &format!("https://a.example/{}", "x".repeat(1024))).is_err());
    }

    #[test]
    fn oauth_rules() {
        let cb = ["https://app.example/cb"];
        assert_eq!(kind(validate_oauth_shape(&ClientSettings::default(), false)), "ok", "no OAuth at all");
        assert_eq!(kind(validate_oauth_shape(&oauth(&[OAuthFlow::Code], &["openid"], &cb), false)), "ok");
        let cc = oauth(&[OAuthFlow::ClientCredentials], &["api/read"], &[]);
        assert_eq!(kind(validate_oauth_shape(&cc, true)), "ok");
        assert_eq!(kind(validate_oauth_shape(&cc, false)), "ClientFlows", "client_credentials needs a secret");
        let mixed = oauth(&[OAuthFlow::ClientCredentials, OAuthFlow::Code], &["api/read"], &cb);
        assert_eq!(kind(validate_oauth_shape(&mixed, true)), "ClientFlows");
        let std = oauth(&[OAuthFlow::ClientCredentials], &["api/read", "openid"], &[]);
        assert_eq!(kind(validate_oauth_shape(&std, true)), "ClientFlows", "custom scopes only");
        assert_eq!(kind(validate_oauth_shape(&oauth(&[OAuthFlow::Implicit], &["openid"], &[]), false)), "ClientFlows");
        assert_eq!(kind(validate_oauth_shape(&oauth(&[], &["openid"], &cb), false)), "Parameter");
        assert_eq!(kind(validate_oauth_shape(&oauth(&[OAuthFlow::Code], &[], &cb), false)), "Parameter");
        let mut off = oauth(&[OAuthFlow::Code], &["openid"], &cb);
        off.allowed_oauth_flows_user_pool_client = false;
        assert_eq!(kind(validate_oauth_shape(&off, false)), "Parameter", "flows need the flag");
        let mut default = oauth(&[OAuthFlow::Code], &["openid"], &cb);
        default.default_redirect_uri = Some("https://elsewhere.example/cb".into());
        assert_eq!(kind(validate_oauth_shape(&default, false)), "Parameter");
        default.default_redirect_uri = Some(cb[0].into());
        assert_eq!(kind(validate_oauth_shape(&default, false)), "ok");
        let mut idp = oauth(&[OAuthFlow::Code], &["openid"], &cb);
        idp.supported_identity_providers = vec!["Google".into()];
        assert_eq!(kind(validate_oauth_shape(&idp, false)), "Parameter");
        assert_eq!(kind(validate_oauth_shape(&oauth(&[OAuthFlow::Code], &["a b"], &cb), false)), "Parameter");
    }
}
