//! The hosted login form's steps: `POST /login` (username and password) and
//! `POST /login/challenge` (a new password, or a TOTP code). The rules are the Cognito door's
//! sign-in and challenges (`Accounts::hosted_sign_in`, `respond_to_auth_challenge` with
//! `hosted`); success starts a browser session and sends the code to the client.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use warden_core::crypto::random;
use warden_core::error::{Invalid, Missing, Refusal};
use warden_core::service::oauth::{AuthorizeRequest, SignedInBrowser, ValidAuthorize};
use warden_core::service::{AuthOutcome, ChallengeAnswer, Credential, RespondToChallenge, SignIn};
use warden_core::{CoreError, Secret};

use crate::authorize;
use crate::cookies;
use crate::error::{Endpoint, OAuthErrorKind};
use crate::pages::{self, LoginForm, Page};
use crate::request::{body_bytes, source, Form};
use crate::steps::{self, SEALED_PURPOSE};
use crate::Services;

/// A login form post, checked: CSRF, the sealed request, and the request itself again.
struct Step {
    headers: HeaderMap,
    form: Form,
    source: String,
    sealed: String,
    csrf: String,
    valid: ValidAuthorize,
}

async fn open(warden: &Services, req: Request) -> Result<Step, Response> {
    let src = source(&req);
    let (parts, body) = req.into_parts();
    let bytes = body_bytes(body, Endpoint::Token).await.map_err(|_| {
        pages::error_page(StatusCode::PAYLOAD_TOO_LARGE, OAuthErrorKind::InvalidRequest, "The form is too large")
            .into_response()
    })?;
    let form = Form::parse(&bytes);
    let field = |name: &str| form.one(name).ok().flatten();
    let csrf = field("csrf");
    if !cookies::csrf_ok(warden, &parts.headers, csrf.as_deref()) {
        return Err(pages::error_page(
            StatusCode::FORBIDDEN,
            OAuthErrorKind::InvalidRequest,
            "This form was not sent from this site, or has expired (CSRF check failed). Start the sign-in again.",
        )
        .into_response());
    }
    let sealed = field("request").unwrap_or_default();
    let request: AuthorizeRequest = warden.oauth.open_from_browser(SEALED_PURPOSE, &sealed).map_err(|e| {
        pages::error_page(StatusCode::BAD_REQUEST, OAuthErrorKind::InvalidRequest, &e.to_string()).into_response()
    })?;
    let valid = warden.oauth.validate_authorize(request).await.map_err(|f| steps::failure(f, true))?;
    Ok(Step { headers: parts.headers, form, source: src, sealed, csrf: csrf.unwrap_or_default(), valid })
}

pub async fn password(State(warden): State<Arc<Services>>, req: Request) -> Response {
    let step = match open(&warden, req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let username = step.form.one("username").ok().flatten().unwrap_or_default();
    let password = step.form.one("password").ok().flatten().unwrap_or_default();
    if username.trim().is_empty() || password.is_empty() {
        return authorize::login_page(
            &warden,
            &step.headers,
            &step.valid,
            Some("Enter your username and password."),
            StatusCode::BAD_REQUEST,
        );
    }
    let outcome = warden
        .accounts
        .hosted_sign_in(
            &step.valid.client,
            &SignIn {
                client_id: step.valid.client.id.clone(),
                credential: Credential::Password {
                    username: username.trim().to_owned(),
                    password: Secret::new(password),
                },
                secret_hash: None,
                source: step.source.clone(),
                attempt_id: random::uuid(),
                remembered: cookies::get(&step.headers, &cookies::remembered_name(&warden, &step.valid.pool.id)),
            },
        )
        .await;
    finish(&warden, &step, outcome).await
}

pub async fn challenge(State(warden): State<Arc<Services>>, req: Request) -> Response {
    let step = match open(&warden, req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let field = |name: &str| step.form.one(name).ok().flatten().unwrap_or_default();
    let (kind, session, username) = (field("challenge"), field("session"), field("username"));
    let answer = match kind.as_str() {
        pages::NEW_PASSWORD_STEP => {
            let (new, confirm) = (field("new_password"), field("confirm_password"));
            if new != confirm {
                return challenge_page(&step, &kind, &session, &username, Some("The two passwords do not match."));
            }
            ChallengeAnswer::NewPassword { password: Secret::new(new), attributes: BTreeMap::new() }
        }
        pages::TOTP_STEP => ChallengeAnswer::Totp { code: field("code").trim().to_owned() },
        _ => {
            return pages::error_page(StatusCode::BAD_REQUEST, OAuthErrorKind::InvalidRequest, "Unknown sign-in step")
                .into_response();
        }
    };
    let outcome = warden
        .accounts
        .respond_to_auth_challenge(RespondToChallenge {
            client_id: step.valid.client.id.clone(),
            session: session.clone(),
            username: username.clone(),
            secret_hash: None,
            answer,
            source: step.source.clone(),
            attempt_id: random::uuid(),
            hosted: true,
        })
        .await;
    match outcome {
        // A wrong code or a password the policy refuses: the same step again.
        Err(
            e @ (CoreError::Invalid(Invalid::Password | Invalid::Parameter, _)
            | CoreError::Refused(Refusal::CodeMismatch | Refusal::CodeExpired, _)),
        ) => challenge_page(&step, &kind, &session, &username, Some(&e.to_string())),
        other => finish(&warden, &step, other).await,
    }
}

/// What a sign-in step led to: the code for the client, the next step, or the login page
/// again with the reason.
async fn finish(warden: &Services, step: &Step, outcome: Result<AuthOutcome, CoreError>) -> Response {
    match outcome {
        Ok(AuthOutcome::SignedIn { user, auth_time, amr }) => {
            let pool_id = step.valid.pool.id.clone();
            let cookie = match warden.oauth.start_browser_session(&pool_id, &user, auth_time, &amr).await {
                Ok(c) => c,
                Err(e) => return steps::server_fault(e),
            };
            let browser = SignedInBrowser { user_epoch: user.session_epoch, user: *user, auth_time, amr };
            let set = cookies::set(
                warden,
                &cookies::session_name(warden, &pool_id),
                &cookie,
                "Lax",
                warden.kernel.config().browser_session_ttl_secs,
            );
            // This browser is familiar to the user from now on, whatever its address.
            let remembered = cookies::set(
                warden,
                &cookies::remembered_name(warden, &pool_id),
                &warden.kernel.remember_browser(&pool_id, &browser.user.id),
                "Strict",
                warden_core::service::REMEMBER_SECS,
            );
            if step.valid.hinted_sub.as_ref().is_some_and(|sub| *sub != browser.user.id) {
                // The request's id_token_hint named someone else (OIDC Core §3.1.2.1): the
                // browser stays signed in, but no code goes out for the wrong user.
                let issuer = warden.kernel.issuer(&step.valid.pool);
                let refused = step.valid.error(
                    CoreError::refused(
                        Refusal::LoginRequired,
                        "The signed-in user is not the one the id_token_hint names",
                    ),
                    issuer,
                );
                return crate::respond::authorization_response(refused, true, vec![set, remembered]);
            }
            crate::consent::proceed(warden, &step.headers, &step.valid, &browser, true, vec![set, remembered]).await
        }
        Ok(AuthOutcome::Challenge { kind, session, username, .. }) => {
            challenge_page(step, pages::step_name(kind), &session, &username, None)
        }
        Ok(AuthOutcome::Tokens(_)) => steps::server_fault(CoreError::internal("hosted sign-in issued tokens")),
        Err(e) if e.is_server_fault() => steps::server_fault(e),
        Err(e) => {
            let message = match &e {
                CoreError::Refused(Refusal::NotConfirmed, _) => "Your account is not confirmed yet.".to_owned(),
                CoreError::Refused(Refusal::ResetRequired, _) => {
                    "You must reset your password before signing in.".to_owned()
                }
                CoreError::Invalid(Invalid::Parameter, _) | CoreError::NotFound(Missing::User, _) => {
                    "Incorrect username or password.".to_owned()
                }
                other => other.to_string(),
            };
            authorize::login_page(warden, &step.headers, &step.valid, Some(&message), StatusCode::UNAUTHORIZED)
        }
    }
}

fn challenge_page(step: &Step, kind: &str, session: &str, username: &str, error: Option<&str>) -> Response {
    let form = LoginForm { request: &step.sealed, csrf: &step.csrf, client_name: &step.valid.client.name, error };
    let mut page = Page::new("Sign in", pages::challenge(&form, kind, session, username));
    if error.is_some() {
        page.status = StatusCode::BAD_REQUEST;
    }
    page.form_target = pages::origin_of(&step.valid.redirect_uri);
    page.into_response()
}
