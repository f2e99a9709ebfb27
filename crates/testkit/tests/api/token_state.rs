//! The in-memory token state (`warden_core::service::token_state`): what a process changes, it
//! sees at once; what another instance sharing the store changes, it sees within a second on
//! the clock. Both stores, on a manual clock.

use std::sync::Arc;

use warden_core::clock::ManualClock;
use warden_core::model::{AuthFlow, ClientSettings, PoolSettings};
use warden_core::service::{AuthOutcome, ClientSpec, Credential, PoolSpec, SignIn};
use warden_core::{Secret, Warden};
use warden_testkit::{Backend, TestApp};

use crate::oidc;

async fn spawn(backend: Backend) -> Option<(TestApp, Arc<ManualClock>)> {
    let clock = Arc::new(ManualClock::new(1_800_000_000));
    Some((TestApp::spawn_with_clock(backend, clock.clone()).await?, clock))
}

/// A pool with a password client and the user `alice`; the pool, the client and her access token.
async fn signed_in(app: &TestApp, w: &Warden) -> (String, String, String) {
    let pool = w.directory.create_pool(PoolSpec { name: "p".into(), settings: PoolSettings::default() }).await.unwrap();
    let client = w
        .directory
        .create_client(ClientSpec {
            pool_id: pool.id.clone(),
            name: "c".into(),
            generate_secret: false,
            settings: ClientSettings {
                explicit_auth_flows: vec![AuthFlow::UserPassword, AuthFlow::RefreshToken],
                ..ClientSettings::default()
            },
        })
        .await
        .unwrap()
        .client;
    oidc::user(app, &pool.id, "alice", "alice@example.com").await;
    let access = sign_in(w, &client.id).await;
    (pool.id, client.id, access)
}

async fn sign_in(w: &Warden, client_id: &str) -> String {
    let outcome = w
        .accounts
        .sign_in(SignIn {
            client_id: client_id.into(),
            credential: Credential::Password { username: "alice".into(), password: Secret::new(oidc::PASSWORD.into()) },
            secret_hash: None,
            source: "test".into(),
            attempt_id: uuid::Uuid::new_v4().to_string(),
            remembered: None,
        })
        .await
        .unwrap();
    let AuthOutcome::Tokens(tokens) = outcome else { panic!("tokens expected") };
    tokens.access_token
}

async fn this_instance_sees_its_own_changes_at_once(backend: Backend) {
    let Some((app, _clock)) = spawn(backend).await else { return };
    let w = &app.warden;
    let (pool_id, client_id, access) = signed_in(&app, w).await;
    assert_eq!(w.oauth.userinfo(&access).await.unwrap()["email"], "alice@example.com");

    // Disabled (which signs the user out, as Cognito does): refused at once, within the second.
    w.directory.admin_set_enabled(&pool_id, "alice", false).await.unwrap();
    assert!(w.oauth.userinfo(&access).await.is_err());
    w.directory.admin_set_enabled(&pool_id, "alice", true).await.unwrap();
    let access = sign_in(w, &client_id).await;
    assert!(w.oauth.userinfo(&access).await.is_ok());
    assert!(w.directory.get_user(&access).await.is_ok(), "the Cognito door reads the same state");

    // Signed out: the token dies at once on every path of this instance.
    w.directory.admin_user_global_sign_out(&pool_id, "alice").await.unwrap();
    assert!(w.oauth.userinfo(&access).await.is_err());
    assert!(w.directory.get_user(&access).await.is_err());
    assert!(w.tokens.verify_bearer_token(&access).await.is_err());
    app.stop().await;
}

async fn another_instance_sees_them_within_a_second(backend: Backend) {
    let Some((app, clock)) = spawn(backend).await else { return };
    let other = app.another_instance(clock.clone()).await;
    let (one, two) = (&app.warden, &other.warden);
    let (pool_id, _, access) = signed_in(&app, one).await;
    assert!(one.oauth.userinfo(&access).await.is_ok());
    if let Err(e) = two.oauth.userinfo(&access).await {
        panic!("instance two reads the same store: {e}");
    }

    one.directory.admin_user_global_sign_out(&pool_id, "alice").await.unwrap();
    assert!(one.oauth.userinfo(&access).await.is_err(), "refused at once where it was revoked");
    assert!(
        two.oauth.userinfo(&access).await.is_ok(),
        "the documented bound: another instance may still answer from memory for the rest of this second"
    );
    clock.advance(1);
    assert!(two.oauth.userinfo(&access).await.is_err(), "no longer than that");
    assert!(two.tokens.verify_bearer_token(&access).await.is_err());
    other.store.close().await;
    app.stop().await;
}

/// A signing key rotated by another instance verifies here at once (the first token with its
/// `kid` re-reads the key ring); a token with a made-up `kid` is refused, and after one re-read
/// in a second, refused without another (the store is not read per request).
async fn keys_rotated_elsewhere_verify_here(backend: Backend) {
    use warden_core::crypto::keys::Handover::Immediate;
    let Some((app, clock)) = spawn(backend).await else { return };
    let other = app.another_instance(clock.clone()).await;
    let (one, two) = (&app.warden, &other.warden);
    let (_, client_id, _) = signed_in(&app, one).await;
    two.tokens.rotate_signing_key(warden_core::model::SigningAlg::RS256, Immediate).await.unwrap();
    let access = sign_in(two, &client_id).await;
    assert!(one.oauth.userinfo(&access).await.is_ok(), "the new key is found on first sight");

    // A header with a kid nobody has, on a copy of a real token.
    let forged_kid = |kid: &str| {
        let (_, rest) = access.split_once('.').unwrap();
        let header = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            format!("{{\"alg\":\"RS256\",\"kid\":\"{kid}\"}}"),
        );
        format!("{header}.{rest}")
    };
    assert!(one.oauth.userinfo(&forged_kid("nobody-1")).await.is_err());
    // Rotated again elsewhere within the same second: this instance has re-read already, so it
    // does not see the new key until the next second.
    two.tokens.rotate_signing_key(warden_core::model::SigningAlg::RS256, Immediate).await.unwrap();
    let newest = sign_in(two, &client_id).await;
    assert!(one.oauth.userinfo(&newest).await.is_err(), "no second re-read within the second");
    clock.advance(1);
    assert!(one.oauth.userinfo(&newest).await.is_ok(), "the next second re-reads");
    other.store.close().await;
    app.stop().await;
}

/// A key withdrawn through another instance stops verifying here at the next re-read of the
/// ring, even for a token this instance verified (and remembered) just before.
async fn a_key_withdrawn_elsewhere_verifies_nothing_after_the_next_reread(backend: Backend) {
    use warden_core::crypto::keys::Handover::Immediate;
    let Some((app, clock)) = spawn(backend).await else { return };
    let other = app.another_instance(clock.clone()).await;
    let (one, two) = (&app.warden, &other.warden);
    let (_, client_id, old_token) = signed_in(&app, one).await;
    assert!(one.oauth.userinfo(&old_token).await.is_ok(), "verified, and remembered");
    let old_kid = jsonwebtoken::decode_header(&old_token).unwrap().kid.unwrap();
    two.tokens.rotate_signing_key(warden_core::model::SigningAlg::RS256, Immediate).await.unwrap();
    two.tokens.withdraw_signing_key(&old_kid).await.unwrap();
    one.tokens.reload_signing_keys().await.unwrap();
    assert!(one.oauth.userinfo(&old_token).await.is_err(), "the remembered claims went with the key");
    assert!(one.oauth.userinfo(&sign_in(two, &client_id).await).await.is_ok(), "the new key's tokens verify");
    other.store.close().await;
    app.stop().await;
}

/// The hourly sweep keeps a family past its refresh token's expiry for as long as an access
/// token refreshed at the last moment lives, then deletes it.
async fn the_sweep_deletes_a_family_once_no_token_of_it_can_live(backend: Backend) {
    let Some((app, clock)) = spawn(backend).await else { return };
    let w = &app.warden;
    signed_in(&app, w).await;
    assert_eq!(w.kernel.sweep_expired().await.unwrap(), 0, "a live sign-in leaves nothing to sweep");
    clock.advance(30 * 86_400 + 60);
    assert_eq!(
        w.kernel.sweep_expired().await.unwrap(),
        0,
        "refresh expired, but a last-moment access token lives a day"
    );
    clock.advance(86_400);
    assert_eq!(w.kernel.sweep_expired().await.unwrap(), 0, "credentials got with that token live an hour more");
    clock.advance(3_600 + 600);
    assert_eq!(w.kernel.sweep_expired().await.unwrap(), 1, "the family");
    app.stop().await;
}

warden_testkit::on_both_stores!(
    this_instance_sees_its_own_changes_at_once,
    another_instance_sees_them_within_a_second,
    keys_rotated_elsewhere_verify_here,
    the_sweep_deletes_a_family_once_no_token_of_it_can_live,
    a_key_withdrawn_elsewhere_verifies_nothing_after_the_next_reread
);
