//! The hosted pages' cookies: the browser session (per pool, single sign-on) and the CSRF
//! token the login and logout forms must echo. Both are HttpOnly; `Secure` when the public URL
//! is https.

use crate::Services;
use axum::http::{header, HeaderMap, HeaderValue};
use subtle::ConstantTimeEq;

const CSRF: &str = "warden_csrf";

/// A cookie's name: with `__Host-` in front when the cookies are `Secure`, so a browser refuses
/// the cookie from any other host (a sibling subdomain cannot plant a CSRF token or a session).
fn named(https: bool, base: &str) -> String {
    if https {
        format!("__Host-{base}")
    } else {
        base.to_owned()
    }
}

fn https(warden: &Services) -> bool {
    warden.kernel.config().public_url.starts_with("https://")
}

/// The CSRF cookie's name.
pub fn csrf_name(warden: &Services) -> String {
    named(https(warden), CSRF)
}

/// The session cookie's name for a pool (pool ids are cookie-name safe: `[A-Za-z0-9_-]`).
pub fn session_name(warden: &Services, pool_id: &str) -> String {
    per_pool(warden, "warden_session", pool_id)
}

fn per_pool(warden: &Services, base: &str, pool_id: &str) -> String {
    let safe: String = pool_id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
    named(https(warden), &format!("{base}_{safe}"))
}

/// The remembered-browser cookie's name for a pool: a token the core gave this browser after it
/// signed in (`Kernel::remember_browser`), which admits it past the user's ceiling of failed
/// sign-ins from unfamiliar addresses.
pub fn remembered_name(warden: &Services, pool_id: &str) -> String {
    per_pool(warden, "warden_known", pool_id)
}

/// A cookie's value from the request, if present.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
}

fn secure(warden: &Services) -> &'static str {
    if https(warden) {
        "; Secure"
    } else {
        ""
    }
}

/// `Set-Cookie` for a value; `max_age` 0 deletes it.
pub fn set(warden: &Services, name: &str, value: &str, same_site: &str, max_age: i64) -> HeaderValue {
    let cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}{}", secure(warden));
    HeaderValue::from_str(&cookie).expect("cookie values are base64url")
}

/// Whether the form's CSRF token matches the cookie (both present, equal in constant time).
pub fn csrf_ok(warden: &Services, headers: &HeaderMap, form_value: Option<&str>) -> bool {
    match (get(headers, &csrf_name(warden)), form_value) {
        (Some(cookie), Some(form)) if !form.is_empty() => bool::from(cookie.as_bytes().ct_eq(form.as_bytes())),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::named;

    #[test]
    fn secure_cookies_are_host_only() {
        assert_eq!(named(true, "warden_csrf"), "__Host-warden_csrf");
        assert_eq!(named(false, "warden_csrf"), "warden_csrf");
    }
}
