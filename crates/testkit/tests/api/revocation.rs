//! RFC 7009 at `/oauth2/revoke`: a refresh token, or an access token that has not expired, ends
//! its family; an ID token (which travels to backends and into logout URLs) or an expired access
//! token is answered 200 and changes nothing.

use std::sync::Arc;

use warden_core::clock::ManualClock;
use warden_testkit::{Backend, TestApp};

use crate::oidc::{code_for, post_form, redeem, setup, Browser};

async fn only_live_refresh_and_access_tokens_are_revoked(backend: Backend) {
    let clock = Arc::new(ManualClock::new(1_800_000_000));
    let Some(app) = TestApp::spawn_with_clock(backend, clock.clone()).await else { return };
    let s = setup(&app).await;
    let client = &s.confidential;
    let basic = Some((client.0.as_str(), client.1.as_str()));
    let mut b = Browser::new(&app.url);
    let code = code_for(&mut b, &client.0, &[]).await["code"].clone();
    let t = redeem(&app.url, client, &code).await;
    let (access, id, refresh) =
        (t["access_token"].as_str().unwrap(), t["id_token"].as_str().unwrap(), t["refresh_token"].as_str().unwrap());
    let active = |token: String| {
        let url = app.url.clone();
        let basic = (client.0.clone(), client.1.clone());
        async move {
            post_form(&url, "/oauth2/introspect", Some((&basic.0, &basic.1)), &[("token", &token)]).await.json()
                ["active"]
                == true
        }
    };

    // An ID token: 200, and the session lives on.
    let r = post_form(&app.url, "/oauth2/revoke", basic, &[("token", id)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(active(refresh.to_owned()).await, "revoking an ID token ended the session");
    assert!(active(access.to_owned()).await);

    // An access token past its expiry: 200, and the refresh token lives on.
    clock.advance(t["expires_in"].as_i64().unwrap() + 1);
    let r = post_form(&app.url, "/oauth2/revoke", basic, &[("token", access)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(active(refresh.to_owned()).await, "revoking an expired access token ended the session");

    // A live access token ends its family.
    let fresh =
        post_form(&app.url, "/oauth2/token", basic, &[("grant_type", "refresh_token"), ("refresh_token", refresh)])
            .await
            .json();
    let live = fresh["access_token"].as_str().unwrap();
    let r = post_form(&app.url, "/oauth2/revoke", basic, &[("token", live)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!active(refresh.to_owned()).await, "a live access token revokes its family");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_live_refresh_and_access_tokens_are_revoked_sqlite() {
    only_live_refresh_and_access_tokens_are_revoked(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_live_refresh_and_access_tokens_are_revoked_postgres() {
    only_live_refresh_and_access_tokens_are_revoked(Backend::Postgres).await;
}
