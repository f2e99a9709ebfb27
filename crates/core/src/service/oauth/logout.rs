//! Logout: Cognito's `/logout?client_id=&logout_uri=` and OIDC RP-initiated logout
//! (`id_token_hint`, `post_logout_redirect_uri`, `state`). The browser is only sent back to a
//! URI registered in the client's LogoutURLs.

use serde::{Deserialize, Serialize};

use super::present;
use crate::error::{CoreError, CoreResult};
use crate::error::{Invalid, Refusal};
use crate::service::services::OAuth;
use crate::service::tokens::IdClaims;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogoutRequest {
    pub client_id: Option<String>,
    /// Cognito's name for the return address.
    pub logout_uri: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub id_token_hint: Option<String>,
    pub state: Option<String>,
}

/// A logout that passed the checks.
#[derive(Debug, Clone)]
pub struct ValidLogout {
    pub pool_id: String,
    /// Where to send the browser afterwards (`state` already appended), if anywhere.
    pub redirect: Option<String>,
}

fn bad(msg: &str) -> CoreError {
    CoreError::invalid_as(Invalid::Request, msg)
}

/// Appends `state` to a URI's query (percent-encoded).
fn url_with_state(uri: &str, state: Option<&str>) -> String {
    let Some(state) = state else {
        return uri.to_owned();
    };
    let encoded: String = state
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let (base, fragment) = match uri.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (uri, None),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let mut out = format!("{base}{sep}state={encoded}");
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

impl OAuth {
    pub async fn validate_logout(&self, req: &LogoutRequest) -> CoreResult<ValidLogout> {
        let hint: Option<IdClaims> = match present(&req.id_token_hint) {
            Some(t) => {
                Some(self.tokens.verify_own(t).await?.ok_or_else(|| bad("id_token_hint is not a valid ID token"))?)
            }
            None => None,
        };
        let client_id = match (present(&req.client_id), &hint) {
            (Some(id), Some(h)) if h.aud != id => return Err(bad("client_id does not match id_token_hint")),
            (Some(id), _) => id.to_owned(),
            (None, Some(h)) => h.aud.clone(),
            (None, None) => return Err(bad("client_id or id_token_hint is required")),
        };
        let client = self.kernel.client(&client_id).await.map_err(|e| match e {
            e if e.is_server_fault() => e,
            _ => CoreError::refused(Refusal::ClientCredentials, "The client does not exist"),
        })?;
        let pool = self.kernel.pool(&client.pool_id).await?;
        if let Some(h) = &hint {
            if h.iss != self.kernel.issuer(&pool) || h.token_use != "id" {
                return Err(bad("id_token_hint was not issued by this pool"));
            }
        }
        let target = match (present(&req.post_logout_redirect_uri), present(&req.logout_uri)) {
            (Some(a), Some(b)) if a != b => return Err(bad("Give one of post_logout_redirect_uri and logout_uri")),
            (Some(uri), _) | (None, Some(uri)) => Some(uri),
            (None, None) => None,
        };
        let redirect = match target {
            Some(uri) if client.settings.logout_urls.iter().any(|u| u == uri) => {
                Some(url_with_state(uri, present(&req.state)))
            }
            Some(_) => return Err(bad("The logout redirect URI is not registered for this client")),
            None => None,
        };
        Ok(ValidLogout { pool_id: pool.id, redirect })
    }
}

#[cfg(test)]
mod tests {
    use super::url_with_state;

    #[test]
    fn state_is_appended_encoded() {
        assert_eq!(url_with_state("https://a/b", Some("x y&z")), "https://a/b?state=x%20y%26z");
        assert_eq!(url_with_state("https://a/b?q=1", Some("s")), "https://a/b?q=1&state=s");
        assert_eq!(url_with_state("https://a/b", None), "https://a/b");
    }
}
