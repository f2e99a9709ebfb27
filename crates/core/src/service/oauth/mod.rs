//! The OAuth 2.0 / OpenID Connect services behind the OIDC door: authorization requests and
//! codes, the hosted-login browser sessions, the token endpoint's grants, introspection,
//! userinfo and revocation, and resource servers. The door parses HTTP; every rule is here.

mod authorize;
mod client_auth;
mod consent;
mod grants;
mod introspect;
mod logout;
pub(crate) mod scopes;
mod sealed;
mod sessions;

pub use crate::service::refresh::TokenResponse;
pub use authorize::{AuthorizeFailure, AuthorizeRedirect, AuthorizeRequest, Prompt, ResponseMode, ValidAuthorize};
pub use client_auth::PresentedClient;
pub use grants::{Grant, TokenRequest};
pub use logout::{LogoutRequest, ValidLogout};
pub use scopes::{Scopes, STANDARD_SCOPES};
pub use sessions::SignedInBrowser;

/// A request parameter that was given and is not empty.
fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}
