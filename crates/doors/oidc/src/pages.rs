//! The hosted pages: server-rendered HTML that works without JavaScript, with labelled fields
//! in a natural focus order, and headers that forbid framing and any script or style but the
//! page's own (a CSP with hashes).

use std::sync::OnceLock;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use warden_core::model::ChallengeKind;

use crate::error::OAuthErrorKind;

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2330;margin:0}\
main{max-width:24rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:.5rem;box-shadow:0 1px 4px #0002}\
h1{font-size:1.4rem;margin-top:0}label{display:block;margin:.8rem 0 .3rem;font-weight:600}\
input{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #8a94a6;border-radius:.3rem;font-size:1rem}\
input:focus,button:focus{outline:3px solid #2f6fec;outline-offset:1px}\
button{margin-top:1.2rem;width:100%;padding:.65rem;border:0;border-radius:.3rem;background:#2f5fd0;color:#fff;font-size:1rem;cursor:pointer}\
.secondary{background:#5b6578}.error{color:#a4161a;background:#fde8e8;padding:.6rem;border-radius:.3rem}.muted{color:#5b6578}";

const AUTOSUBMIT: &str = "document.forms[0].submit();";

fn csp_hash(text: &str) -> String {
    format!("'sha256-{}'", STANDARD.encode(Sha256::digest(text.as_bytes())))
}

fn style_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| csp_hash(STYLE))
}

fn script_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| csp_hash(AUTOSUBMIT))
}

/// HTML-escapes text for element content and double-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The origin a form on the page may submit (or be redirected) to besides this server: the
/// client's redirect URI after a sign-in.
pub fn origin_of(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    match url.origin() {
        url::Origin::Tuple(..) => Some(url.origin().ascii_serialization()),
        url::Origin::Opaque(_) => Some(format!("{}:", url.scheme())),
    }
}

/// A page response with the security headers.
pub struct Page {
    pub status: StatusCode,
    pub title: String,
    pub body: String,
    /// Allowed besides 'self' in `form-action`.
    pub form_target: Option<String>,
    pub script: bool,
    pub cookies: Vec<HeaderValue>,
}

impl Page {
    pub fn new(title: &str, body: String) -> Self {
        Self {
            status: StatusCode::OK,
            title: title.to_owned(),
            body,
            form_target: None,
            script: false,
            cookies: vec![],
        }
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let script = if self.script { format!("<script>{AUTOSUBMIT}</script>") } else { String::new() };
        let html = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
             <title>{}</title><style>{STYLE}</style></head><body><main>{}</main>{script}</body></html>",
            esc(&self.title),
            self.body
        );
        let form_action = match &self.form_target {
            Some(o) => format!("'self' {o}"),
            None => "'self'".into(),
        };
        let script_src = if self.script { script_hash().to_owned() } else { "'none'".into() };
        let csp = format!(
            "default-src 'none'; style-src {}; script-src {script_src}; form-action {form_action}; \
             frame-ancestors 'none'; base-uri 'none'",
            style_hash()
        );
        let mut resp = (self.status, html).into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert("x-frame-options", HeaderValue::from_static("DENY"));
        h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
        h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
        if let Ok(v) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
        for c in self.cookies {
            h.append(header::SET_COOKIE, c);
        }
        resp
    }
}

/// An error shown to the user, never redirected (no trustworthy redirect URI).
pub fn error_page(status: StatusCode, kind: OAuthErrorKind, description: &str) -> Page {
    let body = format!(
        "<h1>Something went wrong</h1><p id=\"error\">{}</p><p id=\"error_description\">{}</p>",
        kind.as_str(),
        esc(description)
    );
    Page { status, ..Page::new("Error", body) }
}

/// What every step of the sign-in form carries.
pub struct LoginForm<'a> {
    pub request: &'a str,
    pub csrf: &'a str,
    pub client_name: &'a str,
    pub error: Option<&'a str>,
}

fn error_block(error: Option<&str>) -> String {
    error.map(|e| format!("<p class=\"error\" role=\"alert\" id=\"login_error\">{}</p>", esc(e))).unwrap_or_default()
}

fn hidden(form: &LoginForm<'_>) -> String {
    format!(
        "<input type=\"hidden\" name=\"request\" value=\"{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(form.request),
        esc(form.csrf)
    )
}

pub fn login(form: &LoginForm<'_>, login_hint: Option<&str>) -> String {
    format!(
        "<h1>Sign in</h1><p class=\"muted\">to continue to {}</p>{}\
         <form method=\"post\" action=\"/login\">{}\
         <label for=\"username\">Username or email</label>\
         <input id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus value=\"{}\">\
         <label for=\"password\">Password</label>\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
         <button type=\"submit\">Sign in</button></form>",
        esc(form.client_name),
        error_block(form.error),
        hidden(form),
        esc(login_hint.unwrap_or("")),
    )
}

/// The form's names of the steps after the password (the hidden `challenge` field).
pub const NEW_PASSWORD_STEP: &str = "NEW_PASSWORD_REQUIRED";
pub const TOTP_STEP: &str = "SOFTWARE_TOKEN_MFA";

/// The form's name of a step.
pub fn step_name(kind: ChallengeKind) -> &'static str {
    match kind {
        ChallengeKind::NewPasswordRequired => NEW_PASSWORD_STEP,
        ChallengeKind::SoftwareTokenMfa | ChallengeKind::MfaSetup => TOTP_STEP,
    }
}

/// The steps after the password: a new password, or a TOTP code.
pub fn challenge(form: &LoginForm<'_>, kind: &str, session: &str, username: &str) -> String {
    let fields = if kind == NEW_PASSWORD_STEP {
        "<h1>Choose a new password</h1><p class=\"muted\">Your temporary password must be replaced.</p>__ERR__\
         <label for=\"new_password\">New password</label>\
         <input id=\"new_password\" name=\"new_password\" type=\"password\" autocomplete=\"new-password\" required autofocus>\
         <label for=\"confirm_password\">Confirm the new password</label>\
         <input id=\"confirm_password\" name=\"confirm_password\" type=\"password\" autocomplete=\"new-password\" required>\
         <button type=\"submit\">Set password and sign in</button>"
    } else {
        "<h1>Enter your code</h1><p class=\"muted\">Open your authenticator app.</p>__ERR__\
         <label for=\"code\">Six-digit code</label>\
         <input id=\"code\" name=\"code\" inputmode=\"numeric\" pattern=\"[0-9]{6}\" autocomplete=\"one-time-code\" required autofocus>\
         <button type=\"submit\">Verify</button>"
    };
    format!(
        "<form method=\"post\" action=\"/login/challenge\">{}\
         <input type=\"hidden\" name=\"challenge\" value=\"{}\"><input type=\"hidden\" name=\"session\" value=\"{}\">\
         <input type=\"hidden\" name=\"username\" value=\"{}\">{}</form>",
        hidden(form),
        esc(kind),
        esc(session),
        esc(username),
        fields.replace("__ERR__", &error_block(form.error)),
    )
}

/// The authorization response as a self-submitting form (response_mode=form_post); the button
/// serves browsers without JavaScript.
pub fn form_post(redirect_uri: &str, params: &[(String, String)]) -> Page {
    let inputs: String = params
        .iter()
        .map(|(k, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", esc(k), esc(v)))
        .collect();
    let body = format!(
        "<h1>Signing you in…</h1><form method=\"post\" action=\"{}\">{inputs}<button type=\"submit\">Continue</button></form>",
        esc(redirect_uri)
    );
    Page { form_target: origin_of(redirect_uri), script: true, ..Page::new("Signing in", body) }
}

/// What a scope lets a client do, in words.
fn scope_words(scope: &str) -> String {
    match scope {
        "openid" => "Know who you are".into(),
        "email" => "See your email address".into(),
        "phone" => "See your phone number".into(),
        "profile" => "See your profile (name and other details)".into(),
        "aws.cognito.signin.user.admin" => "Manage your account".into(),
        other => format!("Use the API permission {other}"),
    }
}

pub fn consent(request: &str, csrf: &str, client_name: &str, scopes: &[String]) -> String {
    let items: String = scopes.iter().map(|s| format!("<li>{}</li>", esc(&scope_words(s)))).collect();
    format!(
        "<h1>Allow access?</h1><p><strong>{}</strong> would like to:</p><ul id=\"scopes\">{items}</ul>\
         <form method=\"post\" action=\"/consent\"><input type=\"hidden\" name=\"request\" value=\"{}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <button type=\"submit\" name=\"decision\" value=\"allow\" autofocus>Allow</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\" class=\"secondary\">Deny</button></form>",
        esc(client_name),
        esc(request),
        esc(csrf)
    )
}

pub fn logout_confirm(request: &str, csrf: &str) -> String {
    format!(
        "<h1>Sign out?</h1><p class=\"muted\">You will be signed out of this identity provider.</p>\
         <form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"request\" value=\"{}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\" autofocus>Sign out</button></form>",
        esc(request),
        esc(csrf)
    )
}

pub fn signed_out() -> Page {
    Page::new("Signed out", "<h1>You are signed out</h1><p id=\"signed_out\">You can close this window.</p>".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(esc("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn origins_of_redirect_uris() {
        assert_eq!(origin_of("https://app.example:8443/cb?x=1").as_deref(), Some("https://app.example:8443"));
        assert_eq!(origin_of("http://127.0.0.1:9/cb").as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(origin_of("myapp:/callback").as_deref(), Some("myapp:"));
    }
}
