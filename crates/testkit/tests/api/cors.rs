//! CORS: browser code on another origin may call the Cognito API and the OIDC endpoints a
//! single-page app uses (preflight and actual requests), never with credentials; the hosted
//! pages, which carry the session cookie, answer no CORS request.

use crate::common::{Backend, TestApp};
use crate::oidc::setup;

const ORIGIN: &str = "https://spa.example";

async fn preflight(url: &str, method: &str, headers: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, url)
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", method)
        .header("Access-Control-Request-Headers", headers)
        .send()
        .await
        .unwrap()
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers().get(name).map(|v| v.to_str().unwrap().to_ascii_lowercase()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spa_endpoints_answer_cors_and_the_hosted_pages_do_not() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else { return };
    let s = setup(&app).await;

    // The Cognito API, as Amplify calls it from a page.
    let p = preflight(&format!("{}/", app.url), "POST", "content-type,x-amz-target,x-amz-user-agent").await;
    assert!(p.status().is_success(), "{}", p.status());
    assert_eq!(header(&p, "access-control-allow-origin"), "*");
    assert!(header(&p, "access-control-allow-headers").contains("x-amz-target"));
    assert!(header(&p, "access-control-allow-methods").contains("post"));
    assert_eq!(header(&p, "access-control-allow-credentials"), "", "never with credentials");
    let call = reqwest::Client::new()
        .post(format!("{}/", app.url))
        .header("Origin", ORIGIN)
        .header("Content-Type", "application/x-amz-json-1.1")
        .header("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
        .body(r#"{"ClientId":"nope","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(call.status(), 400, "an error answer carries CORS headers too, so the page can read it");
    assert_eq!(header(&call, "access-control-allow-origin"), "*");
    assert!(header(&call, "access-control-expose-headers").contains("x-amzn-errortype"));

    // The OIDC endpoints an SPA calls.
    for (path, method) in [
        (format!("/{}/.well-known/openid-configuration", s.pool_id), "GET"),
        (format!("/{}/.well-known/jwks.json", s.pool_id), "GET"),
        ("/oauth2/token".to_owned(), "POST"),
        ("/oauth2/userInfo".to_owned(), "GET"),
        ("/oauth2/revoke".to_owned(), "POST"),
    ] {
        let p = preflight(&format!("{}{path}", app.url), method, "authorization,content-type").await;
        assert!(p.status().is_success(), "{path}: {}", p.status());
        assert_eq!(header(&p, "access-control-allow-origin"), "*", "{path}");
        assert!(header(&p, "access-control-allow-headers").contains("authorization"), "{path}");
    }
    let jwks = reqwest::Client::new()
        .get(format!("{}/{}/.well-known/jwks.json", app.url, s.pool_id))
        .header("Origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(jwks.status(), 200);
    assert_eq!(header(&jwks, "access-control-allow-origin"), "*");

    // The hosted pages: no CORS.
    for path in ["/oauth2/authorize", "/login", "/logout"] {
        let p = preflight(&format!("{}{path}", app.url), "POST", "content-type").await;
        assert_eq!(header(&p, "access-control-allow-origin"), "", "{path}");
    }
    app.stop().await;
}
