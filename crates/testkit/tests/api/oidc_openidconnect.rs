//! The OIDC door driven by an independent relying party, the `openidconnect` crate (4.x, async
//! reqwest), on both stores: discovery, the authorization URL with PKCE, nonce and state built by
//! the crate, the code exchange, the ID token checked by the crate's verifier (signature, iss,
//! aud, nonce, expiry) and `at_hash` by `AccessTokenHash`, refresh with and without rotation,
//! userinfo, client_credentials, and the crate's introspection and revocation helpers with the
//! endpoints taken from discovery. Only the login itself is the test's (`oidc::Browser`).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use crate::common::{verified_claims, Backend, TestApp};
use crate::oidc::*;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod,
    CoreGrantType, CoreIdToken, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreProviderMetadata, CoreResponseMode, CoreResponseType, CoreRevocableToken, CoreSubjectIdentifierType,
    CoreTokenResponse, CoreUserInfoClaims,
};
use openidconnect::{
    AccessToken, AccessTokenHash, AdditionalProviderMetadata, AsyncHttpClient, AuthType, AuthorizationCode,
    ClaimsVerificationError, ClientId, ClientSecret, ConfigurationError, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, HttpClientError, HttpRequest, HttpResponse, IntrospectionUrl, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, ProviderMetadata, RedirectUrl, RefreshToken, RequestTokenError, RevocationUrl, Scope,
    SubjectIdentifier, TokenIntrospectionResponse, TokenResponse, UserInfoError,
};
use serde::{Deserialize, Serialize};

/// The RFC 7662 / RFC 7009 endpoints of the discovery document, which `CoreProviderMetadata`
/// does not model (the crate's documented way to read extra metadata).
#[derive(Clone, Debug, Deserialize, Serialize)]
struct ManagementEndpoints {
    introspection_endpoint: String,
    revocation_endpoint: String,
}
impl AdditionalProviderMetadata for ManagementEndpoints {}

type WardenProviderMetadata = ProviderMetadata<
    ManagementEndpoints,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// A client made from discovery: authorization endpoint set, token and userinfo endpoints
/// "maybe set" (they are optional in the metadata).
type Rp = CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;
/// The same with the introspection and revocation endpoints set.
type ManagingRp = CoreClient<EndpointSet, EndpointNotSet, EndpointSet, EndpointSet, EndpointMaybeSet, EndpointMaybeSet>;

/// One request as the crate sent it.
#[derive(Debug, Clone)]
struct Sent {
    uri: String,
    authorization: Option<String>,
    body: String,
}

impl Sent {
    fn form(&self) -> std::collections::BTreeMap<String, String> {
        reqwest::Url::parse(&format!("http://x/?{}", self.body)).unwrap().query_pairs().into_owned().collect()
    }
}

/// The crate's reqwest client (no redirects followed, as the crate asks), recording what it
/// sends. The crate refuses a non-HTTPS revocation endpoint (`ConfigurationError::InsecureUrl`,
/// RFC 7009 §2 requires TLS) and the test server speaks plain HTTP, so the revocation URL is given
/// to the crate as `https://127.0.0.1:...` and this client sends such requests over HTTP: the
/// crate still builds the request and parses the answer itself.
#[derive(Clone)]
struct Http {
    inner: reqwest::Client,
    sent: Arc<Mutex<Vec<Sent>>>,
}

impl Http {
    fn new() -> Self {
        let inner = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { inner, sent: Arc::default() }
    }

    fn last(&self) -> Sent {
        self.sent.lock().unwrap().last().cloned().expect("a request was sent")
    }
}

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpClientError<reqwest::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, mut request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let authorization = request.headers().get("authorization").map(|v| v.to_str().unwrap().to_owned());
            let body = String::from_utf8(request.body().clone()).unwrap();
            self.sent.lock().unwrap().push(Sent { uri: request.uri().to_string(), authorization, body });
            if request.uri().scheme_str() == Some("https") && request.uri().host() == Some("127.0.0.1") {
                let plain = request.uri().to_string().replacen("https://", "http://", 1);
                *request.uri_mut() = plain.parse().unwrap();
            }
            self.inner.call(request).await
        })
    }
}

fn issuer(app: &TestApp, s: &Setup) -> IssuerUrl {
    IssuerUrl::new(format!("{}/{}", app.url, s.pool_id)).unwrap()
}

async fn discover(app: &TestApp, s: &Setup, http: &Http) -> CoreProviderMetadata {
    CoreProviderMetadata::discover_async(issuer(app, s), http).await.expect("discovery")
}

/// A relying party for `client` (id, secret; an empty secret is a public client) from discovery.
async fn rp(app: &TestApp, s: &Setup, http: &Http, client: (&str, &str)) -> Rp {
    let secret = (!client.1.is_empty()).then(|| ClientSecret::new(client.1.to_owned()));
    CoreClient::from_provider_metadata(discover(app, s, http).await, ClientId::new(client.0.to_owned()), secret)
        .set_redirect_uri(RedirectUrl::new(CALLBACK.to_owned()).unwrap())
}

/// The same, with the introspection and revocation endpoints of the discovery document.
async fn managing_rp(app: &TestApp, s: &Setup, http: &Http, client: (&str, &str)) -> ManagingRp {
    let meta = WardenProviderMetadata::discover_async(issuer(app, s), http).await.expect("discovery");
    let extra = meta.additional_metadata().clone();
    assert_eq!(extra.introspection_endpoint, format!("{}/oauth2/introspect", app.url));
    assert_eq!(extra.revocation_endpoint, format!("{}/oauth2/revoke", app.url));
    let secret = (!client.1.is_empty()).then(|| ClientSecret::new(client.1.to_owned()));
    let base = CoreClient::from_provider_metadata(meta, ClientId::new(client.0.to_owned()), secret)
        .set_redirect_uri(RedirectUrl::new(CALLBACK.to_owned()).unwrap())
        .set_introspection_url(IntrospectionUrl::new(extra.introspection_endpoint).unwrap());
    // The crate refuses the discovered (http) revocation endpoint; see `Http`.
    let insecure = base.clone().set_revocation_url(RevocationUrl::new(extra.revocation_endpoint.clone()).unwrap());
    let refused = insecure.revoke_token(CoreRevocableToken::from(AccessToken::new("x".into())));
    assert!(matches!(refused, Err(ConfigurationError::InsecureUrl("revocation"))), "{:?}", refused.err());
    let tls = extra.revocation_endpoint.replacen("http://", "https://", 1);
    base.set_revocation_url(RevocationUrl::new(tls).unwrap())
}

/// The `error` of a refused token, introspection or revocation request.
fn oauth_error<RE: std::error::Error + 'static, T: openidconnect::ErrorResponse + 'static>(
    e: RequestTokenError<RE, T>,
) -> String {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let v = serde_json::to_value(&r).unwrap();
            v["error"].as_str().expect("an error code").to_owned()
        }
        other => panic!("expected an OAuth error response, got {other:?}"),
    }
}

/// What one authorization request needs afterwards.
struct Authorization {
    code: String,
    pkce_verifier: openidconnect::PkceCodeVerifier,
    nonce: Nonce,
}

/// The crate builds the authorization URL (PKCE S256, state, nonce); the test's browser signs
/// alice in; the redirect is checked (state, RFC 9207 iss) but not followed.
async fn authorize(app: &TestApp, s: &Setup, client: &Rp, browser: &mut Browser, scopes: &[&str]) -> Authorization {
    let (challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request =
        client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
    for scope in scopes {
        request = request.add_scope(Scope::new((*scope).to_owned()));
    }
    let (url, state, nonce) = request.set_pkce_challenge(challenge.clone()).url();
    assert!(url.as_str().starts_with(&format!("{}/oauth2/authorize?", app.url)), "{url}");
    let q: std::collections::BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"], challenge.as_str());
    assert_eq!(q["nonce"], *nonce.secret());
    assert!(q["scope"].split(' ').any(|s| s == "openid"), "the crate asks for openid itself");

    let page = browser.get(url.as_str()).await;
    let params = if page.status == 302 {
        page.redirect_params() // signed in already: single sign-on
    } else {
        assert_eq!(page.status, 200, "{}", page.body);
        let done = browser.login(&page, "alice", PASSWORD).await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert!(done.location.as_deref().unwrap().starts_with(&format!("{CALLBACK}?")));
        done.redirect_params()
    };
    assert_eq!(params["state"], *state.secret(), "the state comes back unchanged");
    assert_eq!(params["iss"], format!("{}/{}", app.url, s.pool_id));
    Authorization { code: params["code"].clone(), pkce_verifier, nonce }
}

async fn exchange(client: &Rp, http: &Http, a: Authorization) -> (CoreTokenResponse, Nonce) {
    let tokens = client
        .exchange_code(AuthorizationCode::new(a.code))
        .unwrap()
        .set_pkce_verifier(a.pkce_verifier)
        .request_async(http)
        .await
        .expect("the code is redeemed");
    (tokens, a.nonce)
}

/// Checks the response's ID token with the crate: signature (JWKS from discovery), iss, aud,
/// expiry, the nonce (when given) and at_hash. Returns the subject.
fn check_id_token(client: &Rp, tokens: &CoreTokenResponse, nonce: Option<&Nonce>) -> SubjectIdentifier {
    let id_token = tokens.id_token().expect("an ID token");
    let verifier = client.id_token_verifier();
    let claims = match nonce {
        Some(n) => id_token.claims(&verifier, n),
        // A refreshed ID token: there is no authentication request's nonce to compare.
        None => id_token.claims(&verifier, |_: Option<&Nonce>| Ok(())),
    }
    .expect("the ID token verifies");
    let expected = claims.access_token_hash().expect("at_hash");
    let actual = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(*expected, actual, "at_hash binds the access token");
    assert_eq!(claims.audiences(), &[openidconnect::Audience::new(client.client_id().to_string())]);
    claims.subject().clone()
}

both_backends!(discovery_code_flow_pkce_nonce_at_hash_and_userinfo, |app| {
    let s = setup(&app).await;
    let http = Http::new();
    let meta = discover(&app, &s, &http).await;
    assert_eq!(meta.issuer().as_str(), format!("{}/{}", app.url, s.pool_id));
    assert_eq!(meta.authorization_endpoint().as_str(), format!("{}/oauth2/authorize", app.url));
    assert_eq!(meta.token_endpoint().unwrap().as_str(), format!("{}/oauth2/token", app.url));
    assert_eq!(meta.userinfo_endpoint().unwrap().as_str(), format!("{}/oauth2/userInfo", app.url));
    assert!(meta.jwks().keys().len() >= 2, "RS256 and ES256 keys from jwks_uri");
    assert!(meta.response_types_supported().iter().any(|r| r.as_ref() == [CoreResponseType::Code]));

    let client = rp(&app, &s, &http, (&s.confidential.0, &s.confidential.1)).await;
    let mut browser = Browser::new(&app.url);
    let a = authorize(&app, &s, &client, &mut browser, &["email"]).await;
    let code = a.code.clone();
    let (tokens, nonce) = exchange(&client, &http, a).await;
    let sent = http.last();
    assert!(sent.authorization.as_deref().unwrap().starts_with("Basic "), "client_secret_basic");
    assert!(sent.form().contains_key("code_verifier"));
    let scopes: Vec<&str> = tokens.scopes().unwrap().iter().map(|s| s.as_str()).collect();
    assert_eq!(scopes, ["email", "openid"]);
    assert!(tokens.refresh_token().is_some());
    let subject = check_id_token(&client, &tokens, Some(&nonce));
    let id_token = tokens.id_token().unwrap();
    let claims = id_token.claims(&client.id_token_verifier(), &nonce).unwrap();
    assert_eq!(claims.issuer().as_str(), format!("{}/{}", app.url, s.pool_id));
    assert_eq!(claims.email().map(|e| e.as_str()), Some("alice@example.com"));
    assert_eq!(claims.email_verified(), Some(true));
    assert!(claims.auth_time().is_some());
    let amr: Vec<&str> = claims.auth_method_refs().unwrap().iter().map(|m| m.as_str()).collect();
    assert_eq!(amr, ["pwd"]);

    // The crate's checks are live: another nonce, another audience, a forged signature.
    let wrong_nonce = id_token.claims(&client.id_token_verifier(), &Nonce::new("other".into()));
    assert!(matches!(wrong_nonce, Err(ClaimsVerificationError::InvalidNonce(_))), "{wrong_nonce:?}");
    let spa = rp(&app, &s, &http, (&s.public, "")).await;
    let other_aud = id_token.claims(&spa.id_token_verifier(), &nonce);
    assert!(matches!(other_aud, Err(ClaimsVerificationError::InvalidAudience(_))), "{other_aud:?}");
    let raw = id_token.to_string();
    let (head, sig) = raw.rsplit_once('.').unwrap();
    let forged: CoreIdToken = format!("{head}.{}", sig.chars().rev().collect::<String>()).parse().unwrap();
    let forged = forged.claims(&client.id_token_verifier(), &nonce);
    assert!(matches!(forged, Err(ClaimsVerificationError::SignatureVerification(_))), "{forged:?}");

    // userinfo, with the crate checking the subject.
    let info: CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), Some(subject.clone()))
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.subject(), &subject);
    assert_eq!(info.email().map(|e| e.as_str()), Some("alice@example.com"));
    assert_eq!(info.email_verified(), Some(true));
    let mismatch: Result<CoreUserInfoClaims, _> = client
        .user_info(tokens.access_token().clone(), Some(SubjectIdentifier::new("someone-else".into())))
        .unwrap()
        .request_async(&http)
        .await;
    assert!(matches!(mismatch, Err(UserInfoError::ClaimsVerification(ClaimsVerificationError::InvalidSubject(_)))));

    // The code is single-use: replayed, it is invalid_grant and what it issued is revoked.
    let replay = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(openidconnect::PkceCodeVerifier::new("x".repeat(43)))
        .request_async(&http)
        .await
        .unwrap_err();
    assert_eq!(oauth_error(replay), "invalid_grant");
    let dead: Result<CoreUserInfoClaims, _> =
        client.user_info(tokens.access_token().clone(), None).unwrap().request_async(&http).await;
    match dead {
        Err(UserInfoError::Response(status, _, _)) => assert_eq!(status.as_u16(), 401),
        other => panic!("expected a 401 from userinfo, got {other:?}"),
    }
    app.stop().await;
});

both_backends!(public_client_pkce_is_checked_and_refresh_keeps_its_token, |app| {
    let s = setup(&app).await;
    let http = Http::new();
    let client = rp(&app, &s, &http, (&s.public, "")).await;
    let mut browser = Browser::new(&app.url);

    // A wrong verifier: invalid_grant.
    let a = authorize(&app, &s, &client, &mut browser, &[]).await;
    let wrong = client
        .exchange_code(AuthorizationCode::new(a.code))
        .unwrap()
        .set_pkce_verifier(openidconnect::PkceCodeVerifier::new("w".repeat(64)))
        .request_async(&http)
        .await
        .unwrap_err();
    assert_eq!(oauth_error(wrong), "invalid_grant");
    let sent = http.last();
    assert!(sent.authorization.is_none(), "a public client sends no credentials");
    assert_eq!(sent.form()["client_id"], s.public);

    // The right one (the browser's session signs in at once this time).
    let a = authorize(&app, &s, &client, &mut browser, &["email"]).await;
    let (tokens, nonce) = exchange(&client, &http, a).await;
    let subject = check_id_token(&client, &tokens, Some(&nonce));
    let refresh = tokens.refresh_token().unwrap().clone();
    // Not rotating: the refresh answer has no refresh token, and the same one works again.
    for _ in 0..2 {
        let r = client.exchange_refresh_token(&refresh).unwrap().request_async(&http).await.expect("refresh");
        assert!(r.refresh_token().is_none());
        assert_ne!(r.access_token().secret(), tokens.access_token().secret());
        assert_eq!(check_id_token(&client, &r, None), subject);
    }
    // More scope than was granted: invalid_scope.
    let wider = client
        .exchange_refresh_token(&refresh)
        .unwrap()
        .add_scope(Scope::new("api/read".into()))
        .request_async(&http)
        .await
        .unwrap_err();
    assert_eq!(oauth_error(wider), "invalid_scope");
    app.stop().await;
});

both_backends!(refresh_rotation_and_client_secret_post, |app| {
    let s = setup(&app).await;
    let http = Http::new();
    let mut browser = Browser::new(&app.url);

    // A rotating client: each refresh returns a new refresh token; the old one is invalid_grant,
    // and its reuse ends the session (the new one is refused too).
    let client = rp(&app, &s, &http, (&s.rotating.0, &s.rotating.1)).await;
    let a = authorize(&app, &s, &client, &mut browser, &[]).await;
    let (tokens, nonce) = exchange(&client, &http, a).await;
    let subject = check_id_token(&client, &tokens, Some(&nonce));
    let first = tokens.refresh_token().unwrap().clone();
    let r = client.exchange_refresh_token(&first).unwrap().request_async(&http).await.expect("refresh");
    let second = r.refresh_token().expect("rotated").clone();
    assert_ne!(second.secret(), first.secret());
    assert_eq!(check_id_token(&client, &r, None), subject);
    let reuse = client.exchange_refresh_token(&first).unwrap().request_async(&http).await.unwrap_err();
    assert_eq!(oauth_error(reuse), "invalid_grant");
    let after = client.exchange_refresh_token(&second).unwrap().request_async(&http).await.unwrap_err();
    assert_eq!(oauth_error(after), "invalid_grant");

    // A non-rotating confidential client authenticating with client_secret_post.
    let client = rp(&app, &s, &http, (&s.confidential.0, &s.confidential.1)).await.set_auth_type(AuthType::RequestBody);
    let a = authorize(&app, &s, &client, &mut browser, &[]).await;
    let (tokens, nonce) = exchange(&client, &http, a).await;
    let sent = http.last();
    assert!(sent.authorization.is_none());
    assert_eq!(sent.form()["client_secret"], s.confidential.1);
    check_id_token(&client, &tokens, Some(&nonce));
    let refresh = tokens.refresh_token().unwrap().clone();
    let r = client.exchange_refresh_token(&refresh).unwrap().request_async(&http).await.expect("refresh");
    assert!(r.refresh_token().is_none(), "no rotation for this client");
    check_id_token(&client, &r, None);
    // The rotating client cannot use it; a token never issued is invalid_grant.
    let rotating = rp(&app, &s, &http, (&s.rotating.0, &s.rotating.1)).await;
    let stolen = rotating.exchange_refresh_token(&refresh).unwrap().request_async(&http).await.unwrap_err();
    assert_eq!(oauth_error(stolen), "invalid_grant");
    let unknown = RefreshToken::new("never-issued".into());
    let unknown = client.exchange_refresh_token(&unknown).unwrap().request_async(&http).await.unwrap_err();
    assert_eq!(oauth_error(unknown), "invalid_grant");
    // A wrong secret is invalid_client.
    let wrong = rp(&app, &s, &http, (&s.confidential.0, "wrong")).await;
    let wrong = wrong.exchange_refresh_token(&refresh).unwrap().request_async(&http).await.unwrap_err();
    assert_eq!(oauth_error(wrong), "invalid_client");
    app.stop().await;
});

both_backends!(client_credentials_introspection_and_revocation, |app| {
    let s = setup(&app).await;
    let http = Http::new();
    let svc = managing_rp(&app, &s, &http, (&s.service.0, &s.service.1)).await;

    // client_credentials, with client_secret_basic and with client_secret_post.
    for auth in [AuthType::BasicAuth, AuthType::RequestBody] {
        let client = svc.clone().set_auth_type(auth.clone());
        let t = client
            .exchange_client_credentials()
            .unwrap()
            .add_scope(Scope::new("api/read".into()))
            .request_async(&http)
            .await
            .expect("client_credentials");
        let sent = http.last();
        assert_eq!(sent.authorization.is_some(), matches!(auth, AuthType::BasicAuth), "{sent:?}");
        assert_eq!(t.scopes().unwrap(), &vec![Scope::new("api/read".into())]);
        assert!(t.refresh_token().is_none() && t.id_token().is_none());
        assert!(t.expires_in().unwrap().as_secs() > 0);
        let claims = verified_claims(&app.url, &s.pool_id, t.access_token().secret()).await;
        assert_eq!(claims["client_id"], s.service.0.as_str());
        // Introspected by the crate.
        let i = client.introspect(t.access_token()).request_async(&http).await.expect("introspection");
        assert!(i.active());
        assert_eq!(i.client_id().map(|c| c.as_str()), Some(s.service.0.as_str()));
        assert_eq!(i.scopes().unwrap(), &vec![Scope::new("api/read".into())]);
        assert_eq!(i.sub(), Some(s.service.0.as_str()));
        assert_eq!(i.iss(), Some(format!("{}/{}", app.url, s.pool_id).as_str()));
        assert_eq!(i.aud(), Some(&vec!["api".to_owned()]));
        assert!(i.exp().is_some());
        // It cannot be revoked: it only expires.
        let r = client.revoke_token(t.access_token().into()).unwrap().request_async(&http).await.unwrap_err();
        assert_eq!(oauth_error(r), "unsupported_token_type");
    }
    let cc = |client: ManagingRp, scope: &'static str| {
        let http = http.clone();
        async move {
            let mut req = client.exchange_client_credentials().unwrap();
            if !scope.is_empty() {
                req = req.add_scope(Scope::new(scope.into()));
            }
            oauth_error(req.request_async(&http).await.unwrap_err())
        }
    };
    let wrong_secret = managing_rp(&app, &s, &http, (&s.service.0, "wrong")).await;
    assert_eq!(cc(wrong_secret, "").await, "invalid_client");
    assert_eq!(cc(svc.clone(), "api/write").await, "invalid_scope");
    assert_eq!(cc(svc.clone(), "openid").await, "invalid_scope");
    let web = managing_rp(&app, &s, &http, (&s.confidential.0, &s.confidential.1)).await;
    assert_eq!(cc(web.clone(), "").await, "unauthorized_client");

    // A user's tokens: introspected by the service client, revoked by their own client.
    let mut browser = Browser::new(&app.url);
    let web_rp = rp(&app, &s, &http, (&s.confidential.0, &s.confidential.1)).await;
    let a = authorize(&app, &s, &web_rp, &mut browser, &["email"]).await;
    let (tokens, _) = exchange(&web_rp, &http, a).await;
    let refresh = tokens.refresh_token().unwrap().clone();
    let as_token = AccessToken::new(refresh.secret().clone());
    let i = svc.introspect(tokens.access_token()).set_token_type_hint("access_token").request_async(&http).await;
    let i = i.expect("introspection");
    assert!(i.active());
    assert_eq!(i.client_id().map(|c| c.as_str()), Some(s.confidential.0.as_str()));
    assert_eq!(i.username(), Some("alice"));
    let i = svc.introspect(&as_token).set_token_type_hint("refresh_token").request_async(&http).await.unwrap();
    assert!(i.active());
    assert_eq!(http.last().form()["token_type_hint"], "refresh_token");
    let i = svc.introspect(&AccessToken::new("abc.def.ghi".into())).request_async(&http).await.unwrap();
    assert!(!i.active());

    // Revocation: an unknown token is fine; another client's is refused.
    let unknown = CoreRevocableToken::from(RefreshToken::new("never-issued".into()));
    web.revoke_token(unknown).unwrap().request_async(&http).await.expect("unknown tokens revoke quietly");
    let tls_revoke = format!("{}/oauth2/revoke", app.url.replacen("http://", "https://", 1));
    assert_eq!(http.last().uri, tls_revoke, "the crate's request, sent over plain HTTP by `Http`");
    let foreign = svc.revoke_token((&refresh).into()).unwrap().request_async(&http).await.unwrap_err();
    assert_eq!(oauth_error(foreign), "unauthorized_client");
    assert!(svc.introspect(&as_token).request_async(&http).await.unwrap().active(), "still active");
    let wrong = managing_rp(&app, &s, &http, (&s.confidential.0, "wrong")).await;
    let wrong = wrong.revoke_token((&refresh).into()).unwrap().request_async(&http).await.unwrap_err();
    assert_eq!(oauth_error(wrong), "invalid_client");
    // The owner revokes the refresh token (the crate sends token_type_hint=refresh_token): it and
    // the session's access token go inactive, and the refresh grant is refused.
    web.revoke_token((&refresh).into()).unwrap().request_async(&http).await.expect("revoked");
    assert_eq!(http.last().form()["token_type_hint"], "refresh_token");
    assert!(!svc.introspect(&as_token).request_async(&http).await.unwrap().active());
    assert!(!svc.introspect(tokens.access_token()).request_async(&http).await.unwrap().active());
    let again = web_rp.exchange_refresh_token(&refresh).unwrap().request_async(&http).await.unwrap_err();
    assert_eq!(oauth_error(again), "invalid_grant");

    // Revoking an access token (hint access_token) ends its session too.
    let a = authorize(&app, &s, &web_rp, &mut browser, &[]).await;
    let (tokens, _) = exchange(&web_rp, &http, a).await;
    web.revoke_token(tokens.access_token().into()).unwrap().request_async(&http).await.expect("revoked");
    assert_eq!(http.last().form()["token_type_hint"], "access_token");
    let rt = AccessToken::new(tokens.refresh_token().unwrap().secret().clone());
    assert!(!svc.introspect(&rt).request_async(&http).await.unwrap().active());
    app.stop().await;
});

both_backends!(introspection_requires_client_authentication, |app| {
    let s = setup(&app).await;
    let http = Http::new();
    let web_rp = rp(&app, &s, &http, (&s.confidential.0, &s.confidential.1)).await;
    let mut browser = Browser::new(&app.url);
    let a = authorize(&app, &s, &web_rp, &mut browser, &[]).await;
    let (tokens, _) = exchange(&web_rp, &http, a).await;
    // No credentials at all: invalid_client.
    let r = reqwest::Client::new()
        .post(format!("{}/oauth2/introspect", app.url))
        .form(&[("token", tokens.access_token().secret().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"], "invalid_client");
    app.stop().await;
});

/// Server bug: `/oauth2/introspect` answers a public client that presents only its `client_id`
/// (auth method `none`), about any token of the pool, another client's included. RFC 7662 §2.1:
/// "the endpoint MUST also require some form of authorization to access this endpoint"; §4: the
/// server MUST authenticate callers to prevent token scanning. A public client's id is no
/// credential: the answer should be 401 `invalid_client`. (Written out rather than with
/// `both_backends!`, which takes no attributes.)
mod introspection_refuses_public_clients {
    use super::*;

    const BUG: &str = "server bug: /oauth2/introspect answers public clients (client_id only) about any token of the pool; RFC 7662 §2.1/§4 require caller authentication (expected 401 invalid_client)";

    async fn run(app: TestApp) {
        let s = setup(&app).await;
        let http = Http::new();
        let web_rp = rp(&app, &s, &http, (&s.confidential.0, &s.confidential.1)).await;
        let mut browser = Browser::new(&app.url);
        let a = authorize(&app, &s, &web_rp, &mut browser, &[]).await;
        let (tokens, _) = exchange(&web_rp, &http, a).await;
        let public = managing_rp(&app, &s, &http, (&s.public, "")).await;
        let answer = public.introspect(tokens.access_token()).request_async(&http).await;
        let sent = http.last();
        assert!(sent.authorization.is_none() && sent.form()["client_id"] == s.public, "client_id only: {sent:?}");
        match answer {
            Err(e) => assert_eq!(oauth_error(e), "invalid_client"),
            Ok(i) => panic!("{BUG}: a public client learned about another client's token: {i:?}"),
        }
        app.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run(TestApp::spawn(Backend::Sqlite).await.expect("sqlite app")).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        match TestApp::spawn(Backend::Postgres).await {
            Some(app) => run(app).await,
            None => eprintln!("skipped: WARDEN_TEST_POSTGRES_URL is not set"),
        }
    }
}
