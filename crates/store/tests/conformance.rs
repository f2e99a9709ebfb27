//! The store conformance suite: every `conformance!` test runs on SQLite (`<name>::sqlite`, always)
//! and on PostgreSQL (`<name>::postgres`, when `WARDEN_TEST_POSTGRES_URL` is set;
//! `WARDEN_REQUIRE_POSTGRES=1` makes its absence a failure), each on a fresh database.
//!
//! The assertions follow the contract in `warden_core::store::Store`, not the SQL behind it.

#[macro_use]
mod support;

use std::collections::{BTreeMap, BTreeSet};

use warden_core::error::StoreError;
use warden_core::model::*;
use warden_core::store::{CodeRedemption, FamilyKey, Store, SweepBefore};
use warden_store::SqlStore;

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

fn pool(id: &str) -> Pool {
    Pool { id: id.into(), name: format!("pool {id}"), settings: PoolSettings::default(), created_at: 1, updated_at: 1 }
}

/// A pool with every setting away from its default, to catch columns that do not round-trip.
fn rich_pool(id: &str) -> Pool {
    Pool {
        id: id.into(),
        name: "Rich \"pool\" – ünïcode ✓".into(),
        settings: PoolSettings {
            password_policy: PasswordPolicy {
                minimum_length: 14,
                require_uppercase: false,
                require_lowercase: true,
                require_numbers: false,
                require_symbols: true,
                temporary_password_validity_days: 3,
            },
            mfa_configuration: MfaConfiguration::On,
            auto_verified_attributes: vec!["email".into()],
            username_attributes: vec!["email".into(), "phone_number".into()],
            issuer: Some("https://id.example.com/x".into()),
            deletion_protection: true,
            allow_admin_create_user_only: true,
        },
        created_at: 1_700_000_000,
        updated_at: 1_700_000_001,
    }
}

fn client(id: &str, pool_id: &str) -> Client {
    Client {
        id: id.into(),
        pool_id: pool_id.into(),
        name: format!("client {id}"),
        secret_enc: Some(vec![0, 1, 2, 255]),
        settings: ClientSettings::default(),
        created_at: 2,
        updated_at: 2,
    }
}

fn user(id: &str, pool_id: &str, username: &str) -> User {
    let mut attributes = BTreeMap::new();
    attributes.insert("email".to_owned(), format!("{}@example.com", username.to_lowercase()));
    User {
        id: id.into(),
        pool_id: pool_id.into(),
        username: username.into(),
        status: UserStatus::Confirmed,
        enabled: true,
        password_hash: Some("$argon2id$x".into()),
        temporary_password_expires_at: None,
        attributes,
        totp_secret_enc: None,
        totp_verified: false,
        totp_enabled: false,
        totp_last_step: 0,
        created_at: 3,
        updated_at: 3,
        version: 0,
        session_epoch: 0,
    }
}

fn family(id: &str, pool_id: &str, client_id: &str, user_id: &str, hash: u8) -> RefreshFamily {
    RefreshFamily {
        id: id.into(),
        pool_id: pool_id.into(),
        client_id: client_id.into(),
        user_id: user_id.into(),
        token_hash: vec![hash; 32],
        auth_time: 10,
        created_at: 11,
        expires_at: 1_000_000,
        revoked_at: None,
        scope: None,
        amr: "pwd".into(),
    }
}

fn challenge(hash: u8, pool_id: &str, client_id: &str, user_id: &str) -> Challenge {
    Challenge {
        id_hash: vec![hash; 32],
        pool_id: pool_id.into(),
        client_id: client_id.into(),
        user_id: user_id.into(),
        kind: ChallengeKind::SoftwareTokenMfa,
        failures: 0,
        auth_time: 5,
        expires_at: 500,
        hosted: false,
    }
}

fn code(user_id: &str, purpose: CodePurpose, hash: u8, expires_at: i64) -> Code {
    Code { user_id: user_id.into(), purpose, code_hash: vec![hash; 32], attempts: 0, expires_at }
}

fn signing_key(kid: &str, created_at: i64) -> SigningKeyRecord {
    SigningKeyRecord { kid: kid.into(), alg: "RS256".into(), private_enc: vec![4; 10], created_at, retired_at: None }
}

fn identity_pool(id: &str) -> IdentityPool {
    IdentityPool {
        id: id.into(),
        name: format!("identity pool {id}"),
        allow_unauthenticated: false,
        providers: vec![IdentityProvider {
            provider_name: "cognito-idp.eu-west-2.amazonaws.com/p1".into(),
            client_id: "c1".into(),
            server_side_token_check: false,
        }],
        roles: BTreeMap::new(),
        created_at: 1,
        updated_at: 1,
    }
}

fn identity(id: &str, pool_id: &str, login: &str) -> Identity {
    Identity { id: id.into(), pool_id: pool_id.into(), login: login.into(), created_at: 7 }
}

fn credentials(access_key_id: &str, identity_id: &str) -> TemporaryCredentials {
    TemporaryCredentials {
        access_key_id: access_key_id.into(),
        secret_enc: vec![1; 8],
        session_token_hash: vec![2; 32],
        identity_id: identity_id.into(),
        user_id: "u1".into(),
        family_id: "f1".into(),
        role: Some("authenticated".into()),
        created_at: 10,
        expires_at: 3610,
    }
}

fn issuer(iss: &str) -> Issuer {
    let mut scopes = BTreeMap::new();
    scopes.insert("read".to_owned(), vec!["files:get".to_owned(), "files:list".to_owned()]);
    Issuer {
        iss: iss.into(),
        public_keys_pem: vec!["-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".into()],
        jwks: vec![serde_json::json!({ "kty": "RSA", "kid": "k1", "n": "AQAB", "e": "AQAB" })],
        jwks_url: Some("https://issuer.example/jwks.json".into()),
        jwks_fetched_at: Some(19),
        sub: "acct-1".into(),
        scopes,
        max_ttl_secs: 3600,
        created_at: 20,
    }
}

/// Every byte value, so BLOB/BYTEA columns are checked for a faithful round trip.
fn all_bytes() -> Vec<u8> {
    (0..=255u8).chain((0..=255u8).rev()).collect()
}

fn is_conflict<T: std::fmt::Debug>(r: &Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Conflict(_)))
}

fn is_stale<T: std::fmt::Debug>(r: &Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Stale(_)))
}

/// p1 with client c1 and users u1 (Alice), u2 (Bob).
async fn seed(s: &SqlStore) {
    s.insert_pool(&pool("p1")).await.unwrap();
    s.insert_client(&client("c1", "p1")).await.unwrap();
    s.insert_user(&user("u1", "p1", "Alice")).await.unwrap();
    s.insert_user(&user("u2", "p1", "Bob")).await.unwrap();
}

fn ids<T>(items: Vec<T>, id: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|t| id(t).to_owned()).collect()
}

async fn pool_ids(s: &SqlStore, after: Option<&str>, limit: u32) -> Vec<String> {
    ids(s.list_pools(after, limit).await.unwrap(), |p| &p.id)
}

async fn client_ids(s: &SqlStore, pool_id: &str, after: Option<&str>, limit: u32) -> Vec<String> {
    ids(s.list_clients(pool_id, after, limit).await.unwrap(), |c| &c.id)
}

async fn usernames(s: &SqlStore, pool_id: &str, after: Option<&str>, limit: u32) -> Vec<String> {
    ids(s.list_users(pool_id, after, limit).await.unwrap(), |u| &u.username)
}

/// Redeems with `then` written over the user as stored now: these tests are about codes, and
/// `users_writes_are_version_checked` covers writes from a stale read.
async fn redeem(s: &SqlStore, user_id: &str, purpose: CodePurpose, hash: u8, now: i64, then: &User) -> CodeOutcome {
    assert_eq!(user_id, then.id, "a code is redeemed for the user it becomes");
    let mut then = then.clone();
    then.version = current_version(s, &then).await;
    s.redeem_code(&CodeRedemption {
        purpose,
        code_hash: vec![hash; 32],
        now,
        max_attempts: 3,
        then: then.clone(),
        ends_sessions: false,
    })
    .await
    .unwrap()
}

async fn current_version(s: &SqlStore, u: &User) -> i64 {
    s.get_user(&u.pool_id, &u.id).await.unwrap().map_or(0, |u| u.version)
}

/// A user as stored, its row version aside.
fn unversioned(u: User) -> User {
    User { version: 0, ..u }
}

// ---------------------------------------------------------------------------------------------
// Ping and migrations
// ---------------------------------------------------------------------------------------------

conformance!(ping_and_migrating_again_is_harmless, |s| {
    s.ping().await.unwrap();
    seed(&s).await;
    s.migrate().await.expect("a second migrate on an up-to-date database");
    s.migrate().await.expect("and a third");
    s.ping().await.unwrap();
    assert_eq!(s.get_pool("p1").await.unwrap().unwrap(), pool("p1"));
    assert_eq!(s.get_user("p1", "u1").await.unwrap().unwrap(), user("u1", "p1", "Alice"));
    // The schema is still whole: a write into every table family works.
    s.insert_family(&family("f1", "p1", "c1", "u1", 1), 0).await.unwrap();
    s.put_code(&code("u1", CodePurpose::SignUp, 1, 100)).await.unwrap();
    s.put_issuer(&issuer("https://iss")).await.unwrap();
    s.insert_identity_pool(&identity_pool("ip")).await.unwrap();
});

// ---------------------------------------------------------------------------------------------
// Pools
// ---------------------------------------------------------------------------------------------

conformance!(pools_crud, |s| {
    assert!(s.get_pool("p1").await.unwrap().is_none());
    s.insert_pool(&rich_pool("p1")).await.unwrap();
    s.insert_pool(&pool("p2")).await.unwrap();
    assert!(is_conflict(&s.insert_pool(&pool("p1")).await), "duplicate pool id is a Conflict");
    assert_eq!(s.get_pool("p1").await.unwrap().unwrap(), rich_pool("p1"), "every setting round-trips");
    assert_eq!(s.get_pool("p2").await.unwrap().unwrap(), pool("p2"));
    assert!(s.get_pool("P1").await.unwrap().is_none(), "ids are exact");

    let mut p = s.get_pool("p2").await.unwrap().unwrap();
    p.name = "renamed".into();
    p.settings.mfa_configuration = MfaConfiguration::Optional;
    p.settings.password_policy.minimum_length = 12;
    p.settings.issuer = Some("https://elsewhere".into());
    p.updated_at = 99;
    s.update_pool(&p).await.unwrap();
    assert_eq!(s.get_pool("p2").await.unwrap().unwrap(), p);
    assert_eq!(s.get_pool("p1").await.unwrap().unwrap(), rich_pool("p1"), "update touches one pool only");

    assert!(s.delete_pool("p2").await.unwrap());
    assert!(!s.delete_pool("p2").await.unwrap(), "second delete reports no such pool");
    assert!(!s.delete_pool("nope").await.unwrap());
    assert!(s.get_pool("p2").await.unwrap().is_none());
    assert!(s.get_pool("p1").await.unwrap().is_some());
});

conformance!(an_update_of_a_record_deleted_meanwhile_is_refused, |s| {
    seed(&s).await;
    let (p, c) = (s.get_pool("p1").await.unwrap().unwrap(), s.get_client("c1").await.unwrap().unwrap());
    s.insert_identity_pool(&identity_pool("ip1")).await.unwrap();
    let ip = s.get_identity_pool("ip1").await.unwrap().unwrap();
    assert!(s.delete_client("c1").await.unwrap());
    assert!(is_stale(&s.update_client(&c).await), "not a silent no-op");
    assert!(s.get_client("c1").await.unwrap().is_none(), "nor a resurrection");
    assert!(s.delete_identity_pool("ip1").await.unwrap());
    assert!(is_stale(&s.update_identity_pool(&ip).await));
    assert!(s.delete_pool("p1").await.unwrap());
    assert!(is_stale(&s.update_pool(&p).await));
    assert!(s.get_pool("p1").await.unwrap().is_none());
});

conformance!(pools_list_is_ordered_and_paginated, |s| {
    assert!(s.list_pools(None, 10).await.unwrap().is_empty());
    let mut all = vec!["p05", "p01", "p07", "p03", "p02", "p06", "p04"];
    for id in &all {
        s.insert_pool(&pool(id)).await.unwrap();
    }
    all.sort();
    assert_eq!(pool_ids(&s, None, 3).await, ["p01", "p02", "p03"]);
    assert_eq!(pool_ids(&s, Some("p03"), 3).await, ["p04", "p05", "p06"], "after is exclusive");
    assert_eq!(pool_ids(&s, Some("p06"), 3).await, ["p07"]);
    assert!(pool_ids(&s, Some("p07"), 3).await.is_empty());
    assert_eq!(pool_ids(&s, Some("p035"), 2).await, ["p04", "p05"], "after need not exist");
    assert!(pool_ids(&s, None, 0).await.is_empty(), "limit 0");
    assert_eq!(pool_ids(&s, None, 100).await, all);
    assert_eq!(s.list_pools(None, 1).await.unwrap(), vec![pool("p01")], "full records");

    // Walking page by page visits every pool once, in order.
    let mut walked = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = pool_ids(&s, after.as_deref(), 2).await;
        assert!(page.len() <= 2);
        if page.is_empty() {
            break;
        }
        after = page.last().cloned();
        walked.extend(page);
    }
    assert_eq!(walked, all);
});

conformance!(deleting_a_pool_removes_everything_in_it, |s| {
    seed(&s).await;
    s.insert_pool(&pool("p2")).await.unwrap();
    s.insert_client(&client("c2", "p2")).await.unwrap();
    s.insert_user(&user("v1", "p2", "Alice")).await.unwrap();
    s.insert_family(&family("f1", "p1", "c1", "u1", 1), 0).await.unwrap();
    s.insert_family(&family("f2", "p1", "c1", "u2", 2), 0).await.unwrap();
    s.insert_family(&family("g1", "p2", "c2", "v1", 3), 0).await.unwrap();
    s.insert_challenge(&challenge(1, "p1", "c1", "u1"), 0).await.unwrap();
    s.insert_challenge(&challenge(2, "p2", "c2", "v1"), 0).await.unwrap();
    s.put_code(&code("u1", CodePurpose::ForgotPassword, 1, 100)).await.unwrap();
    s.put_code(&code("v1", CodePurpose::ForgotPassword, 1, 100)).await.unwrap();

    assert!(s.delete_pool("p1").await.unwrap());
    assert!(!s.delete_pool("p1").await.unwrap());
    assert!(s.get_pool("p1").await.unwrap().is_none());
    assert!(s.get_client("c1").await.unwrap().is_none(), "clients go with the pool");
    assert!(s.list_clients("p1", None, 10).await.unwrap().is_empty());
    assert!(s.get_user("p1", "u1").await.unwrap().is_none(), "users go with the pool");
    assert!(s.get_user("p1", "u2").await.unwrap().is_none());
    assert!(s.get_user_by_username("p1", "alice").await.unwrap().is_none());
    assert!(s.list_users("p1", None, 10).await.unwrap().is_empty());
    assert!(s.get_family("f1").await.unwrap().is_none(), "families go with the pool");
    assert!(s.get_family("f2").await.unwrap().is_none());
    assert!(s.get_family_by_token_hash(&[1; 32]).await.unwrap().is_none());
    assert!(s.get_challenge(&[1; 32]).await.unwrap().is_none(), "challenges go with the pool");

    // The other pool is untouched.
    assert!(s.get_pool("p2").await.unwrap().is_some());
    assert!(s.get_client("c2").await.unwrap().is_some());
    assert!(s.get_user("p2", "v1").await.unwrap().is_some());
    assert!(s.get_family("g1").await.unwrap().is_some());
    assert!(s.get_challenge(&[2; 32]).await.unwrap().is_some());

    // Recreating the same ids finds no leftovers (codes included).
    s.insert_pool(&pool("p1")).await.unwrap();
    s.insert_client(&client("c1", "p1")).await.unwrap();
    s.insert_user(&user("u1", "p1", "Alice")).await.unwrap();
    let u1 = user("u1", "p1", "Alice");
    assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 1, 10, &u1).await, CodeOutcome::Expired, "code gone");
    assert_eq!(
        redeem(&s, "v1", CodePurpose::ForgotPassword, 1, 10, &user("v1", "p2", "Alice")).await,
        CodeOutcome::Redeemed
    );
});

conformance!(pagination_walks_are_complete_for_awkward_keys, |s| {
    // Mixed case, punctuation and non-ASCII keys: whatever order the engine's collation gives,
    // walking pages with `after` = last key must visit every record exactly once, in the same
    // order as one big page.
    let keys = [
        "eu-west-2_AbC",
        "eu-west-2_abc",
        "eu-west-2_ABD",
        "eu_west",
        "eu-west-2_Z",
        "eu-west-10_a",
        "EU",
        "é-pool",
        "z",
        "Z",
        "a b",
        "a-b",
        "a_b",
        "a.b",
        "0",
    ];
    for k in keys {
        s.insert_pool(&pool(k)).await.unwrap();
    }
    for (i, k) in keys.into_iter().enumerate() {
        s.insert_client(&client(&format!("c:{k}"), "EU")).await.unwrap();
        // Usernames must differ case-insensitively: `eu-west-2_AbC` and `eu-west-2_abc` would not.
        s.insert_user(&user(&format!("u:{k}"), "EU", &format!("{k}-{i}"))).await.unwrap();
        s.insert_identity_pool(&identity_pool(k)).await.unwrap();
    }
    let all_pools = pool_ids(&s, None, 100).await;
    let all_clients = client_ids(&s, "EU", None, 100).await;
    let all_users: Vec<String> =
        s.list_users("EU", None, 100).await.unwrap().iter().map(|u| User::normalise_username(&u.username)).collect();
    let all_ips = ids(s.list_identity_pools(None, 100).await.unwrap(), |p| &p.id);
    for (what, all) in
        [("pools", &all_pools), ("clients", &all_clients), ("users", &all_users), ("identity pools", &all_ips)]
    {
        assert_eq!(all.len(), keys.len(), "{what}: one big page holds them all");
        assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), keys.len(), "{what}: no duplicates");
    }
    for limit in 1..=4u32 {
        let (mut pools, mut clients, mut users, mut ips) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut after: Option<String> = None;
        loop {
            let page = pool_ids(&s, after.as_deref(), limit).await;
            assert!(page.len() <= limit as usize);
            let Some(last) = page.last().cloned() else { break };
            after = Some(last);
            pools.extend(page);
        }
        after = None;
        loop {
            let page = client_ids(&s, "EU", after.as_deref(), limit).await;
            let Some(last) = page.last().cloned() else { break };
            after = Some(last);
            clients.extend(page);
        }
        after = None;
        loop {
            let page: Vec<String> = s
                .list_users("EU", after.as_deref(), limit)
                .await
                .unwrap()
                .iter()
                .map(|u| User::normalise_username(&u.username))
                .collect();
            let Some(last) = page.last().cloned() else { break };
            after = Some(last);
            users.extend(page);
        }
        after = None;
        loop {
            let page = ids(s.list_identity_pools(after.as_deref(), limit).await.unwrap(), |p| &p.id);
            let Some(last) = page.last().cloned() else { break };
            after = Some(last);
            ips.extend(page);
        }
        assert_eq!(pools, all_pools, "pools, limit {limit}");
        assert_eq!(clients, all_clients, "clients, limit {limit}");
        assert_eq!(users, all_users, "users, limit {limit}");
        assert_eq!(ips, all_ips, "identity pools, limit {limit}");
    }
});

// ---------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------

conformance!(clients_crud, |s| {
    s.insert_pool(&pool("p1")).await.unwrap();
    s.insert_pool(&pool("p2")).await.unwrap();
    assert!(s.get_client("c1").await.unwrap().is_none());

    let mut c1 = client("c1", "p1");
    c1.secret_enc = Some(all_bytes());
    c1.settings = ClientSettings {
        explicit_auth_flows: vec![AuthFlow::AdminUserPassword, AuthFlow::UserPassword, AuthFlow::RefreshToken],
        token_validity: TokenValidity { access_secs: 300, id_secs: 600, refresh_secs: 86_400 },
        token_validity_units: Some(serde_json::json!({"AccessToken": "minutes", "RefreshToken": "days"})),
        prevent_user_existence_errors: false,
        enable_token_revocation: false,
        read_attributes: vec!["email".into(), "custom:tier".into()],
        write_attributes: vec!["name".into()],
        allowed_oauth_flows: vec![OAuthFlow::Code, OAuthFlow::ClientCredentials],
        allowed_oauth_scopes: vec!["openid".into(), "api/read".into()],
        allowed_oauth_flows_user_pool_client: true,
        callback_urls: vec!["https://app.example/cb".into()],
        logout_urls: vec!["https://app.example/bye".into()],
        default_redirect_uri: Some("https://app.example/cb".into()),
        supported_identity_providers: vec!["COGNITO".into()],
        refresh_token_rotation: true,
        id_token_signed_response_alg: Some(SigningAlg::ES256),
        jwks: vec![serde_json::json!({ "kty": "EC", "crv": "P-256", "x": "x", "y": "y" })],
        require_consent: true,
    };
    s.insert_client(&c1).await.unwrap();
    let mut public = client("c2", "p1");
    public.secret_enc = None;
    s.insert_client(&public).await.unwrap();
    assert!(is_conflict(&s.insert_client(&client("c1", "p2")).await), "client ids are global");

    let got = s.get_client("c1").await.unwrap().unwrap();
    assert_eq!(got.secret_enc.as_deref(), Some(&all_bytes()[..]), "secret bytes round-trip exactly");
    assert_eq!(got, c1);
    assert_eq!(s.get_client("c2").await.unwrap().unwrap(), public, "a public client has no secret");

    let mut c = c1.clone();
    c.name = "renamed".into();
    c.secret_enc = None;
    c.settings.explicit_auth_flows = vec![AuthFlow::UserSrp];
    c.updated_at = 50;
    s.update_client(&c).await.unwrap();
    assert_eq!(s.get_client("c1").await.unwrap().unwrap(), c, "secret removed");
    c.secret_enc = Some(vec![0xde, 0xad, 0x00, 0xbe, 0xef]);
    s.update_client(&c).await.unwrap();
    assert_eq!(s.get_client("c1").await.unwrap().unwrap(), c, "secret set again");
    assert_eq!(s.get_client("c2").await.unwrap().unwrap(), public, "update touches one client only");

    assert!(s.delete_client("c2").await.unwrap());
    assert!(!s.delete_client("c2").await.unwrap());
    assert!(!s.delete_client("nope").await.unwrap());
    assert!(s.get_client("c2").await.unwrap().is_none());
    assert!(s.get_client("c1").await.unwrap().is_some());
});

conformance!(clients_list_is_per_pool_ordered_and_paginated, |s| {
    s.insert_pool(&pool("p1")).await.unwrap();
    s.insert_pool(&pool("p2")).await.unwrap();
    for id in ["c4", "c1", "c3", "c5", "c2"] {
        s.insert_client(&client(id, "p1")).await.unwrap();
    }
    s.insert_client(&client("c0", "p2")).await.unwrap();
    s.insert_client(&client("c9", "p2")).await.unwrap();
    assert_eq!(client_ids(&s, "p1", None, 10).await, ["c1", "c2", "c3", "c4", "c5"]);
    assert_eq!(client_ids(&s, "p1", None, 2).await, ["c1", "c2"]);
    assert_eq!(client_ids(&s, "p1", Some("c2"), 2).await, ["c3", "c4"]);
    assert_eq!(client_ids(&s, "p1", Some("c4"), 2).await, ["c5"]);
    assert!(client_ids(&s, "p1", Some("c5"), 2).await.is_empty());
    assert_eq!(client_ids(&s, "p2", None, 10).await, ["c0", "c9"]);
    assert!(client_ids(&s, "p3", None, 10).await.is_empty());
    assert_eq!(s.list_clients("p2", None, 1).await.unwrap(), vec![client("c0", "p2")]);
});

conformance!(deleting_a_client_removes_its_families, |s| {
    seed(&s).await;
    s.insert_client(&client("c2", "p1")).await.unwrap();
    s.insert_family(&family("f1", "p1", "c1", "u1", 1), 0).await.unwrap();
    s.insert_family(&family("f2", "p1", "c1", "u2", 2), 0).await.unwrap();
    s.insert_family(&family("f3", "p1", "c2", "u1", 3), 0).await.unwrap();
    assert!(s.delete_client("c1").await.unwrap());
    assert!(s.get_family("f1").await.unwrap().is_none());
    assert!(s.get_family("f2").await.unwrap().is_none());
    assert!(s.get_family_by_token_hash(&[2; 32]).await.unwrap().is_none());
    assert!(s.get_family("f3").await.unwrap().is_some(), "another client's family stays");
    assert!(s.get_user("p1", "u1").await.unwrap().is_some(), "users stay");
    assert!(s.get_pool("p1").await.unwrap().is_some());
});

// ---------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------

conformance!(users_insert_and_get, |s| {
    seed(&s).await;
    assert_eq!(s.get_user("p1", "u1").await.unwrap().unwrap(), user("u1", "p1", "Alice"));
    assert!(is_conflict(&s.insert_user(&user("u9", "p1", "ALICE")).await), "usernames are case-insensitive");
    assert!(is_conflict(&s.insert_user(&user("u9", "p1", "alice")).await));
    assert!(is_conflict(&s.insert_user(&user("u9", "p1", "Alice")).await));
    assert!(s.get_user("p1", "u9").await.unwrap().is_none(), "the refused insert left nothing");

    s.insert_pool(&pool("p2")).await.unwrap();
    s.insert_user(&user("u3", "p2", "ALICE")).await.expect("the same username in another pool is fine");

    // Lookups take the normalised key.
    let key = User::normalise_username("ALICE");
    assert_eq!(s.get_user_by_username("p1", &key).await.unwrap().unwrap(), user("u1", "p1", "Alice"));
    assert_eq!(s.get_user_by_username("p2", &key).await.unwrap().unwrap().id, "u3");
    assert_eq!(s.get_user_by_username("p1", "bob").await.unwrap().unwrap().id, "u2");
    assert!(s.get_user_by_username("p1", "carol").await.unwrap().is_none());
    assert!(s.get_user_by_username("p3", "alice").await.unwrap().is_none());

    // Ids are scoped by pool.
    assert!(s.get_user("p2", "u1").await.unwrap().is_none());
    assert!(s.get_user("p1", "u3").await.unwrap().is_none());
    assert_eq!(s.get_user("p2", "u3").await.unwrap().unwrap().username, "ALICE", "the username keeps its case");

    // Non-ASCII usernames are unique by their lowercase form too.
    s.insert_user(&user("u4", "p1", "ÉLODIE")).await.unwrap();
    assert!(is_conflict(&s.insert_user(&user("u5", "p1", "élodie")).await));
    assert_eq!(s.get_user_by_username("p1", &User::normalise_username("Élodie")).await.unwrap().unwrap().id, "u4");
});

conformance!(users_find_by_attribute, |s| {
    seed(&s).await;
    let found = s.find_users_by_attribute("p1", "email", "bob@example.com").await.unwrap();
    assert_eq!(found, vec![user("u2", "p1", "Bob")]);
    assert!(s.find_users_by_attribute("p1", "email", "nobody@example.com").await.unwrap().is_empty());
    assert!(s.find_users_by_attribute("p1", "email", "BOB@example.com").await.unwrap().is_empty(), "exact match");
    s.insert_pool(&pool("p2")).await.unwrap();
    assert!(s.find_users_by_attribute("p2", "email", "bob@example.com").await.unwrap().is_empty(), "per pool");

    // Two users sharing an address are both found (callers treat that as ambiguous).
    let mut carol = user("u3", "p1", "carol");
    carol.attributes.insert("email".into(), "bob@example.com".into());
    s.insert_user(&carol).await.unwrap();
    let found: BTreeSet<_> = ids(s.find_users_by_attribute("p1", "email", "bob@example.com").await.unwrap(), |u| &u.id)
        .into_iter()
        .collect();
    assert_eq!(found, BTreeSet::from(["u2".to_owned(), "u3".to_owned()]));

    // phone_number
    let mut dave = user("u4", "p1", "dave");
    dave.attributes.insert("phone_number".into(), "+447700900123".into());
    s.insert_user(&dave).await.unwrap();
    assert_eq!(ids(s.find_users_by_attribute("p1", "phone_number", "+447700900123").await.unwrap(), |u| &u.id), ["u4"]);
    assert!(s.find_users_by_attribute("p1", "phone_number", "+447700900124").await.unwrap().is_empty());

    // Updates keep the lookup current.
    dave.attributes.insert("email".into(), "dave@new.example".into());
    dave.attributes.remove("phone_number");
    s.update_user(&mut dave).await.unwrap();
    assert!(s.find_users_by_attribute("p1", "email", "dave@example.com").await.unwrap().is_empty(), "old email");
    assert_eq!(ids(s.find_users_by_attribute("p1", "email", "dave@new.example").await.unwrap(), |u| &u.id), ["u4"]);
    assert!(s.find_users_by_attribute("p1", "phone_number", "+447700900123").await.unwrap().is_empty(), "removed");
    carol.attributes.remove("email");
    s.update_user(&mut carol).await.unwrap();
    assert_eq!(ids(s.find_users_by_attribute("p1", "email", "bob@example.com").await.unwrap(), |u| &u.id), ["u2"]);
});

conformance!(users_update, |s| {
    seed(&s).await;
    let mut bob = s.get_user("p1", "u2").await.unwrap().unwrap();
    bob.status = UserStatus::ForceChangePassword;
    bob.enabled = false;
    bob.password_hash = None;
    bob.temporary_password_expires_at = Some(99);
    bob.totp_secret_enc = Some(all_bytes());
    bob.totp_verified = true;
    bob.totp_enabled = true;
    bob.totp_last_step = 56_789_012;
    bob.attributes.insert("custom:tier".into(), "gold \"quoted\" ✓".into());
    bob.attributes.insert("email_verified".into(), "true".into());
    bob.updated_at = 5;
    s.update_user(&mut bob).await.unwrap();
    assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap(), bob, "every field round-trips");
    assert_eq!(s.get_user("p1", "u1").await.unwrap().unwrap(), user("u1", "p1", "Alice"), "one user only");

    for status in [UserStatus::Unconfirmed, UserStatus::ResetRequired, UserStatus::Confirmed] {
        bob.status = status;
        s.update_user(&mut bob).await.unwrap();
        assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap().status, status);
    }
    bob.totp_secret_enc = None;
    bob.temporary_password_expires_at = None;
    s.update_user(&mut bob).await.unwrap();
    assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap(), bob, "optional fields cleared");

    // Renaming moves the username key.
    bob.username = "Robert".into();
    s.update_user(&mut bob).await.unwrap();
    assert!(s.get_user_by_username("p1", "bob").await.unwrap().is_none());
    assert_eq!(s.get_user_by_username("p1", "robert").await.unwrap().unwrap(), bob);
    s.insert_user(&user("u3", "p1", "BOB")).await.expect("the old name is free again");

    // Renaming onto a taken name is a Conflict and changes nothing.
    let mut clash = bob.clone();
    clash.username = "alice".into();
    clash.enabled = true;
    assert!(is_conflict(&s.update_user(&mut clash).await));
    assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap(), bob);
});

conformance!(users_writes_are_version_checked, |s| {
    seed(&s).await;
    s.insert_family(&family("f1", "p1", "c1", "u2", 1), 0).await.unwrap();
    let mut first = s.get_user("p1", "u2").await.unwrap().unwrap();
    let mut second = first.clone();
    first.totp_last_step = 10;
    s.update_user(&mut first).await.unwrap();
    assert_eq!(first.version, 1, "a write bumps the version");
    assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap(), first);

    // A copy read before that write loses, whichever way it writes, and changes nothing.
    second.totp_last_step = 10;
    second.password_hash = Some("$argon2id$racing".into());
    assert!(is_stale(&s.update_user(&mut second).await));
    assert!(is_stale(&s.update_user_revoking_families(&mut second, 70).await));
    assert_eq!(second.version, 0, "a refused write leaves the copy's version alone");
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, None, "nothing revoked");
    s.put_code(&code("u2", CodePurpose::ForgotPassword, 1, 100)).await.unwrap();
    assert!(is_stale(
        &s.redeem_code(&CodeRedemption {
            purpose: CodePurpose::ForgotPassword,
            code_hash: vec![1; 32],
            now: 10,
            max_attempts: 3,
            then: second.clone(),
            ends_sessions: false
        })
        .await
    ));
    assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap(), first, "the first write stands");
    assert_eq!(redeem(&s, "u2", CodePurpose::ForgotPassword, 1, 10, &first).await, CodeOutcome::Redeemed, "code kept");

    // Re-read, the change goes through.
    let mut fresh = s.get_user("p1", "u2").await.unwrap().unwrap();
    assert_eq!(fresh.version, 2);
    fresh.enabled = false;
    s.update_user_revoking_families(&mut fresh, 80).await.unwrap();
    assert_eq!(fresh.version, 3);
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(80));

    // A deleted user cannot be written back.
    assert!(s.delete_user("p1", "u2").await.unwrap());
    assert!(is_stale(&s.update_user(&mut fresh).await));
    assert!(s.get_user("p1", "u2").await.unwrap().is_none());
});

conformance!(users_list_is_ordered_by_normalised_username, |s| {
    s.insert_pool(&pool("p1")).await.unwrap();
    s.insert_pool(&pool("p2")).await.unwrap();
    for (id, name) in [("u1", "erin"), ("u2", "Bob"), ("u3", "alice"), ("u4", "Dave"), ("u5", "CAROL")] {
        s.insert_user(&user(id, "p1", name)).await.unwrap();
    }
    s.insert_user(&user("v1", "p2", "aaron")).await.unwrap();
    assert_eq!(
        usernames(&s, "p1", None, 10).await,
        ["alice", "Bob", "CAROL", "Dave", "erin"],
        "case-insensitive order"
    );
    assert_eq!(usernames(&s, "p1", None, 2).await, ["alice", "Bob"]);
    assert_eq!(usernames(&s, "p1", Some("bob"), 2).await, ["CAROL", "Dave"], "after is exclusive");
    assert_eq!(usernames(&s, "p1", Some("dave"), 2).await, ["erin"]);
    assert!(usernames(&s, "p1", Some("erin"), 2).await.is_empty());
    assert_eq!(usernames(&s, "p1", Some("b"), 1).await, ["Bob"], "after need not exist");
    assert!(usernames(&s, "p1", None, 0).await.is_empty());
    assert_eq!(usernames(&s, "p2", None, 10).await, ["aaron"], "per pool");
    assert_eq!(s.list_users("p1", Some("alice"), 1).await.unwrap(), vec![user("u2", "p1", "Bob")], "full records");

    // The cursor a caller keeps is the normalised username of the last user.
    let mut walked = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = s.list_users("p1", after.as_deref(), 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        after = Some(User::normalise_username(&page.last().unwrap().username));
        walked.extend(page.into_iter().map(|u| u.id));
    }
    assert_eq!(walked, ["u3", "u2", "u5", "u4", "u1"]);
});

conformance!(deleting_a_user_removes_their_families_challenges_and_codes, |s| {
    seed(&s).await;
    s.insert_family(&family("f1", "p1", "c1", "u1", 1), 0).await.unwrap();
    s.insert_family(&family("f2", "p1", "c1", "u2", 2), 0).await.unwrap();
    s.insert_challenge(&challenge(1, "p1", "c1", "u1"), 0).await.unwrap();
    s.insert_challenge(&challenge(2, "p1", "c1", "u2"), 0).await.unwrap();
    s.put_code(&code("u1", CodePurpose::SignUp, 1, 100)).await.unwrap();
    s.put_code(&code("u2", CodePurpose::SignUp, 1, 100)).await.unwrap();

    s.insert_pool(&pool("p2")).await.unwrap();
    assert!(!s.delete_user("p2", "u1").await.unwrap(), "scoped by pool");
    assert!(s.get_user("p1", "u1").await.unwrap().is_some());

    assert!(s.delete_user("p1", "u1").await.unwrap());
    assert!(!s.delete_user("p1", "u1").await.unwrap());
    assert!(s.get_user("p1", "u1").await.unwrap().is_none());
    assert!(s.get_user_by_username("p1", "alice").await.unwrap().is_none());
    assert!(s.find_users_by_attribute("p1", "email", "alice@example.com").await.unwrap().is_empty());
    assert!(s.get_family("f1").await.unwrap().is_none(), "families go with the user");
    assert!(s.get_challenge(&[1; 32]).await.unwrap().is_none(), "challenges go with the user");

    // Bob keeps everything.
    assert!(s.get_family("f2").await.unwrap().is_some());
    assert!(s.get_challenge(&[2; 32]).await.unwrap().is_some());

    // A new user with the same id and name finds no leftover code.
    let alice = user("u1", "p1", "Alice");
    s.insert_user(&alice).await.expect("username free again");
    assert_eq!(redeem(&s, "u1", CodePurpose::SignUp, 1, 10, &alice).await, CodeOutcome::Expired, "codes go too");
    assert_eq!(redeem(&s, "u2", CodePurpose::SignUp, 1, 10, &user("u2", "p1", "Bob")).await, CodeOutcome::Redeemed);
});

conformance!(update_user_revoking_families_is_one_transaction, |s| {
    seed(&s).await;
    s.insert_family(&family("f1", "p1", "c1", "u1", 1), 0).await.unwrap();
    s.insert_family(&family("f2", "p1", "c1", "u1", 2), 0).await.unwrap();
    let mut old = family("f3", "p1", "c1", "u1", 3);
    old.revoked_at = Some(50);
    s.insert_family(&old, 0).await.unwrap();
    s.insert_family(&family("f4", "p1", "c1", "u2", 4), 0).await.unwrap();

    let mut alice = s.get_user("p1", "u1").await.unwrap().unwrap();
    alice.password_hash = Some("$argon2id$reset".into());
    alice.status = UserStatus::Confirmed;
    alice.updated_at = 400;
    s.update_user_revoking_families(&mut alice, 400).await.unwrap();
    assert_eq!(s.get_user("p1", "u1").await.unwrap().unwrap(), alice, "user written");
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(400));
    assert_eq!(s.get_family("f2").await.unwrap().unwrap().revoked_at, Some(400));
    assert_eq!(s.get_family("f3").await.unwrap().unwrap().revoked_at, Some(50), "earlier revocation kept");
    assert_eq!(s.get_family("f4").await.unwrap().unwrap().revoked_at, None, "another user's family untouched");

    // With no live families it still writes the user.
    alice.enabled = false;
    s.update_user_revoking_families(&mut alice, 500).await.unwrap();
    assert!(!s.get_user("p1", "u1").await.unwrap().unwrap().enabled);
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(400));

    // When the user write fails nothing is revoked.
    let mut bob = s.get_user("p1", "u2").await.unwrap().unwrap();
    bob.username = "ALICE".into();
    assert!(is_conflict(&s.update_user_revoking_families(&mut bob, 600).await));
    assert_eq!(s.get_family("f4").await.unwrap().unwrap().revoked_at, None, "rolled back with the user write");
    assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap().username, "Bob");
});

// ---------------------------------------------------------------------------------------------
// Refresh-token families
// ---------------------------------------------------------------------------------------------

conformance!(families_insert_and_get, |s| {
    seed(&s).await;
    assert!(s.get_family("f1").await.unwrap().is_none());
    let mut f1 = family("f1", "p1", "c1", "u1", 1);
    f1.token_hash = all_bytes();
    s.insert_family(&f1, 0).await.unwrap();
    let mut revoked = family("f2", "p1", "c1", "u2", 2);
    revoked.revoked_at = Some(77);
    s.insert_family(&revoked, 0).await.unwrap();

    assert_eq!(s.get_family("f1").await.unwrap().unwrap(), f1);
    assert_eq!(s.get_family("f2").await.unwrap().unwrap(), revoked);
    assert_eq!(s.get_family_by_token_hash(&all_bytes()).await.unwrap().unwrap(), f1);
    assert_eq!(s.get_family_by_token_hash(&[2; 32]).await.unwrap().unwrap(), revoked);
    assert!(s.get_family_by_token_hash(&[9; 32]).await.unwrap().is_none());
    assert!(s.get_family_by_token_hash(&[2; 31]).await.unwrap().is_none(), "whole hash must match");
    assert!(is_conflict(&s.insert_family(&family("f9", "p1", "c1", "u1", 2), 0).await), "token hash is unique");
    assert!(is_conflict(&s.insert_family(&family("f1", "p1", "c1", "u1", 9), 0).await), "id is unique");

    // With its user, by either key; the user is read as it is now.
    let (f, u) = s.get_family_with_user(FamilyKey::Id("f1")).await.unwrap().unwrap();
    assert_eq!(f, f1);
    assert_eq!(u, user("u1", "p1", "Alice"));
    let (f, u) = s.get_family_with_user(FamilyKey::TokenHash(&[2; 32])).await.unwrap().unwrap();
    assert_eq!(f, revoked, "revoked families are still found");
    assert_eq!(u, user("u2", "p1", "Bob"));
    let mut alice = user("u1", "p1", "Alice");
    alice.enabled = false;
    alice.totp_secret_enc = Some(vec![1, 2, 3]);
    s.update_user(&mut alice).await.unwrap();
    let (_, u) = s.get_family_with_user(FamilyKey::TokenHash(&all_bytes())).await.unwrap().unwrap();
    assert_eq!(u, alice);
    assert!(s.get_family_with_user(FamilyKey::Id("nope")).await.unwrap().is_none());
    assert!(s.get_family_with_user(FamilyKey::TokenHash(&[9; 32])).await.unwrap().is_none());
});

conformance!(family_revocation, |s| {
    seed(&s).await;
    s.insert_family(&family("f1", "p1", "c1", "u1", 1), 0).await.unwrap();
    s.insert_family(&family("f2", "p1", "c1", "u1", 2), 0).await.unwrap();
    s.insert_family(&family("f3", "p1", "c1", "u1", 3), 0).await.unwrap();
    s.insert_family(&family("f4", "p1", "c1", "u2", 4), 0).await.unwrap();

    assert!(s.revoke_family("f1", 100).await.unwrap());
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(100));
    assert!(s.revoke_family("f1", 200).await.unwrap(), "idempotent");
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(100), "the first revocation time stays");
    assert!(!s.revoke_family("nope", 1).await.unwrap(), "no such family");
    assert_eq!(s.get_family("f2").await.unwrap().unwrap().revoked_at, None, "one family only");

    assert_eq!(s.revoke_user_families("u1", 300).await.unwrap(), 2, "f2 and f3 were live");
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(100));
    assert_eq!(s.get_family("f2").await.unwrap().unwrap().revoked_at, Some(300));
    assert_eq!(s.get_family("f3").await.unwrap().unwrap().revoked_at, Some(300));
    assert_eq!(s.get_family("f4").await.unwrap().unwrap().revoked_at, None, "another user's family");
    assert_eq!(s.revoke_user_families("u1", 400).await.unwrap(), 0, "nothing live left");
    assert_eq!(s.get_family("f2").await.unwrap().unwrap().revoked_at, Some(300));
    assert_eq!(s.revoke_user_families("nobody", 400).await.unwrap(), 0);
    assert_eq!(s.revoke_user_families("u2", 500).await.unwrap(), 1);
    assert_eq!(s.get_family("f4").await.unwrap().unwrap().revoked_at, Some(500));
});

conformance!(concurrent_revocations_keep_one_time, |s| {
    seed(&s).await;
    s.insert_family(&family("f1", "p1", "c1", "u1", 1), 0).await.unwrap();
    let mut handles = Vec::new();
    for at in 100..116 {
        let s = s.clone();
        handles.push(tokio::spawn(async move { s.revoke_family("f1", at).await.unwrap() }));
    }
    for h in handles {
        assert!(h.await.unwrap(), "every caller sees the family");
    }
    let at = s.get_family("f1").await.unwrap().unwrap().revoked_at.expect("revoked");
    assert!((100..116).contains(&at));
    assert!(s.revoke_family("f1", 999).await.unwrap());
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(at));
});

// ---------------------------------------------------------------------------------------------
// Challenges
// ---------------------------------------------------------------------------------------------

conformance!(challenges_insert_get_fail_consume, |s| {
    seed(&s).await;
    assert!(s.get_challenge(&[7; 32]).await.unwrap().is_none());
    let mut kinds = Vec::new();
    for (i, kind) in [ChallengeKind::NewPasswordRequired, ChallengeKind::SoftwareTokenMfa, ChallengeKind::MfaSetup]
        .into_iter()
        .enumerate()
    {
        let mut ch = challenge(10 + i as u8, "p1", "c1", "u1");
        ch.kind = kind;
        ch.failures = i as u32;
        ch.auth_time = 1_700_000_000 + i as i64;
        s.insert_challenge(&ch, 0).await.unwrap();
        kinds.push(ch);
    }
    for ch in &kinds {
        assert_eq!(&s.get_challenge(&ch.id_hash).await.unwrap().unwrap(), ch);
    }
    let mut ch = challenge(7, "p1", "c1", "u2");
    ch.id_hash = all_bytes();
    s.insert_challenge(&ch, 0).await.unwrap();
    assert!(is_conflict(&s.insert_challenge(&ch, 0).await), "id hash is unique");
    assert_eq!(s.get_challenge(&all_bytes()).await.unwrap().unwrap(), ch);

    assert_eq!(s.record_challenge_failure(&all_bytes()).await.unwrap(), 1);
    assert_eq!(s.record_challenge_failure(&all_bytes()).await.unwrap(), 2);
    assert_eq!(s.record_challenge_failure(&kinds[2].id_hash).await.unwrap(), 3, "counts from the stored value");
    assert_eq!(s.get_challenge(&all_bytes()).await.unwrap().unwrap().failures, 2);
    assert_eq!(s.get_challenge(&kinds[0].id_hash).await.unwrap().unwrap().failures, 0, "one challenge only");

    assert!(s.consume_challenge(&all_bytes()).await.unwrap());
    assert!(!s.consume_challenge(&all_bytes()).await.unwrap(), "single use");
    assert!(s.get_challenge(&all_bytes()).await.unwrap().is_none());
    assert!(!s.consume_challenge(&[99; 32]).await.unwrap(), "unknown");
    assert!(s.get_challenge(&kinds[1].id_hash).await.unwrap().is_some(), "others stay");
});

conformance!(concurrent_consumers_of_a_challenge_win_once, |s| {
    seed(&s).await;
    for round in 0..3u8 {
        let hash = vec![round + 1; 32];
        s.insert_challenge(&challenge(round + 1, "p1", "c1", "u1"), 0).await.unwrap();
        let mut handles = Vec::new();
        for _ in 0..16 {
            let (s, hash) = (s.clone(), hash.clone());
            handles.push(tokio::spawn(async move { s.consume_challenge(&hash).await.unwrap() }));
        }
        let mut won = 0;
        for h in handles {
            won += usize::from(h.await.unwrap());
        }
        assert_eq!(won, 1, "round {round}: exactly one consumer wins");
        assert!(s.get_challenge(&hash).await.unwrap().is_none());
    }
});

conformance!(concurrent_challenge_failures_all_count, |s| {
    seed(&s).await;
    s.insert_challenge(&challenge(1, "p1", "c1", "u1"), 0).await.unwrap();
    let mut handles = Vec::new();
    for _ in 0..12 {
        let s = s.clone();
        handles.push(tokio::spawn(async move { s.record_challenge_failure(&[1; 32]).await.unwrap() }));
    }
    let mut seen = Vec::new();
    for h in handles {
        seen.push(h.await.unwrap());
    }
    seen.sort();
    assert_eq!(seen, (1..=12).collect::<Vec<u32>>(), "each failure sees its own new count");
    assert_eq!(s.get_challenge(&[1; 32]).await.unwrap().unwrap().failures, 12);
});

// ---------------------------------------------------------------------------------------------
// One-time codes
// ---------------------------------------------------------------------------------------------

conformance!(codes_put_replaces_the_earlier_code, |s| {
    seed(&s).await;
    let alice = user("u1", "p1", "Alice");
    s.put_code(&code("u1", CodePurpose::ForgotPassword, 1, 100)).await.unwrap();
    s.put_code(&code("u1", CodePurpose::ForgotPassword, 2, 100)).await.unwrap();
    assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 1, 10, &alice).await, CodeOutcome::Mismatch, "replaced");
    assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 2, 10, &alice).await, CodeOutcome::Redeemed);

    // Replacing also resets the attempts and the expiry.
    s.put_code(&code("u1", CodePurpose::ForgotPassword, 3, 20)).await.unwrap();
    for _ in 0..2 {
        assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 9, 10, &alice).await, CodeOutcome::Mismatch);
    }
    s.put_code(&code("u1", CodePurpose::ForgotPassword, 4, 100)).await.unwrap();
    for _ in 0..2 {
        assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 9, 50, &alice).await, CodeOutcome::Mismatch);
    }
    assert_eq!(
        redeem(&s, "u1", CodePurpose::ForgotPassword, 4, 50, &alice).await,
        CodeOutcome::Redeemed,
        "fresh attempts, later expiry"
    );

    // Stored attempts count towards the limit.
    let mut worn = code("u1", CodePurpose::ForgotPassword, 5, 100);
    worn.attempts = 2;
    s.put_code(&worn).await.unwrap();
    assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 9, 10, &alice).await, CodeOutcome::Mismatch);
    assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 5, 10, &alice).await, CodeOutcome::Expired, "used up");

    // One code per user and purpose.
    s.put_code(&code("u1", CodePurpose::SignUp, 6, 100)).await.unwrap();
    s.put_code(&code("u1", CodePurpose::ForgotPassword, 7, 100)).await.unwrap();
    s.put_code(&code("u2", CodePurpose::SignUp, 8, 100)).await.unwrap();
    assert_eq!(redeem(&s, "u1", CodePurpose::SignUp, 7, 10, &alice).await, CodeOutcome::Mismatch, "per purpose");
    assert_eq!(redeem(&s, "u1", CodePurpose::SignUp, 8, 10, &alice).await, CodeOutcome::Mismatch, "per user");
    assert_eq!(redeem(&s, "u1", CodePurpose::SignUp, 6, 10, &alice).await, CodeOutcome::Redeemed);
    assert_eq!(redeem(&s, "u1", CodePurpose::ForgotPassword, 7, 10, &alice).await, CodeOutcome::Redeemed);
    assert_eq!(redeem(&s, "u2", CodePurpose::SignUp, 8, 10, &user("u2", "p1", "Bob")).await, CodeOutcome::Redeemed);
});

conformance!(codes_redeem_outcomes, |s| {
    seed(&s).await;
    let original = user("u1", "p1", "Alice");
    let mut then = original.clone();
    then.password_hash = Some("$argon2id$new".into());
    then.status = UserStatus::Confirmed;
    then.attributes.insert("email_verified".into(), "true".into());
    then.updated_at = 10;
    let fp = CodePurpose::ForgotPassword;

    // None sent.
    assert_eq!(redeem(&s, "u1", fp, 1, 10, &then).await, CodeOutcome::Expired);
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), original, "nothing written");

    // A wrong guess writes nothing.
    s.put_code(&code("u1", fp, 1, 100)).await.unwrap();
    assert_eq!(redeem(&s, "u1", fp, 2, 10, &then).await, CodeOutcome::Mismatch);
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), original, "nothing written on a mismatch");

    // The right code writes `then` and is gone.
    assert_eq!(redeem(&s, "u1", fp, 1, 10, &then).await, CodeOutcome::Redeemed);
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), then, "then written");
    assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap(), user("u2", "p1", "Bob"), "one user only");
    assert_eq!(redeem(&s, "u1", fp, 1, 11, &original).await, CodeOutcome::Expired, "a code redeems once");
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), then);

    // Too many wrong guesses drop the code: the max_attempts-th one is the last.
    s.put_code(&code("u1", fp, 3, 100)).await.unwrap();
    for i in 0..3 {
        assert_eq!(redeem(&s, "u1", fp, 9, 20, &original).await, CodeOutcome::Mismatch, "guess {i}");
    }
    assert_eq!(redeem(&s, "u1", fp, 3, 20, &original).await, CodeOutcome::Expired, "dropped after max_attempts");
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), then);

    // A stale code is expired, right or wrong, at and after its expiry.
    s.put_code(&code("u1", fp, 4, 100)).await.unwrap();
    assert_eq!(redeem(&s, "u1", fp, 4, 100, &original).await, CodeOutcome::Expired, "at expires_at");
    s.put_code(&code("u1", fp, 4, 100)).await.unwrap();
    assert_eq!(redeem(&s, "u1", fp, 4, 5_000, &original).await, CodeOutcome::Expired, "after expires_at");
    s.put_code(&code("u1", fp, 4, 100)).await.unwrap();
    assert_eq!(redeem(&s, "u1", fp, 8, 100, &original).await, CodeOutcome::Expired, "a wrong guess at a stale code");
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), then, "nothing written for stale codes");
    s.put_code(&code("u1", fp, 4, 100)).await.unwrap();
    assert_eq!(redeem(&s, "u1", fp, 4, 99, &original).await, CodeOutcome::Redeemed, "live just before");
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), original);
});

conformance!(code_redemption_and_user_write_are_one_transaction, |s| {
    seed(&s).await;
    s.put_code(&code("u1", CodePurpose::ForgotPassword, 1, 100)).await.unwrap();
    // A `then` whose write fails (username taken by Bob): the redemption must not happen.
    let mut bad = user("u1", "p1", "Alice");
    bad.username = "bob".into();
    let outcome = s
        .redeem_code(&CodeRedemption {
            purpose: CodePurpose::ForgotPassword,
            code_hash: vec![1; 32],
            now: 10,
            max_attempts: 3,
            then: bad.clone(),
            ends_sessions: false,
        })
        .await;
    assert!(is_conflict(&outcome), "the failed user write surfaces: {outcome:?}");
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), user("u1", "p1", "Alice"));
    let mut good = user("u1", "p1", "Alice");
    good.password_hash = Some("$argon2id$new".into());
    assert_eq!(
        redeem(&s, "u1", CodePurpose::ForgotPassword, 1, 10, &good).await,
        CodeOutcome::Redeemed,
        "the code survived the rolled-back redemption"
    );
    assert_eq!(unversioned(s.get_user("p1", "u1").await.unwrap().unwrap()), good);
});

conformance!(concurrent_redemptions_of_one_code_win_once, |s| {
    seed(&s).await;
    let base = user("u1", "p1", "Alice");
    for round in 0..3u8 {
        s.put_code(&code("u1", CodePurpose::ForgotPassword, round + 1, 100)).await.unwrap();
        let version = current_version(&s, &base).await;
        let mut handles = Vec::new();
        for i in 0..12 {
            let s = s.clone();
            let mut then = User { version, ..base.clone() };
            then.password_hash = Some(format!("winner-{i}"));
            handles.push(tokio::spawn(async move {
                let outcome = s
                    .redeem_code(&CodeRedemption {
                        purpose: CodePurpose::ForgotPassword,
                        code_hash: vec![round + 1; 32],
                        now: 10,
                        max_attempts: 3,
                        then: then.clone(),
                        ends_sessions: false,
                    })
                    .await
                    .unwrap();
                (i, outcome)
            }));
        }
        let mut winners = Vec::new();
        for h in handles {
            let (i, outcome) = h.await.unwrap();
            match outcome {
                CodeOutcome::Redeemed => winners.push(i),
                CodeOutcome::Expired => {}
                CodeOutcome::Mismatch => panic!("round {round}: the right code is never a mismatch"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: exactly one redemption wins, got {winners:?}");
        assert_eq!(
            s.get_user("p1", "u1").await.unwrap().unwrap().password_hash,
            Some(format!("winner-{}", winners[0])),
            "the winner's write is the one stored"
        );
    }
});

conformance!(concurrent_wrong_guesses_are_capped_at_max_attempts, |s| {
    seed(&s).await;
    let alice = user("u1", "p1", "Alice");
    s.put_code(&code("u1", CodePurpose::SignUp, 1, 100)).await.unwrap();
    let mut handles = Vec::new();
    for i in 0..12u8 {
        let (s, alice) = (s.clone(), alice.clone());
        handles.push(tokio::spawn(async move {
            s.redeem_code(&CodeRedemption {
                purpose: CodePurpose::SignUp,
                code_hash: vec![100 + i; 32],
                now: 10,
                max_attempts: 3,
                then: alice.clone(),
                ends_sessions: false,
            })
            .await
            .unwrap()
        }));
    }
    let mut mismatches = 0;
    for h in handles {
        match h.await.unwrap() {
            CodeOutcome::Mismatch => mismatches += 1,
            CodeOutcome::Expired => {}
            CodeOutcome::Redeemed => panic!("a wrong code redeemed"),
        }
    }
    assert_eq!(mismatches, 3, "only max_attempts guesses are ever checked against the code");
    assert_eq!(redeem(&s, "u1", CodePurpose::SignUp, 1, 10, &alice).await, CodeOutcome::Expired);
});

// ---------------------------------------------------------------------------------------------
// The OIDC door's records (authorization codes, rotation, browser sessions, resource servers)
// ---------------------------------------------------------------------------------------------

#[path = "conformance/oauth.rs"]
mod oauth;

#[path = "conformance/checked_rotation.rs"]
mod checked_rotation;

// ---------------------------------------------------------------------------------------------
// User-pool groups and memberships
// ---------------------------------------------------------------------------------------------

#[path = "conformance/groups.rs"]
mod groups;

// ---------------------------------------------------------------------------------------------
// Access keys and signing keys
// ---------------------------------------------------------------------------------------------

conformance!(access_keys_crud, |s| {
    assert!(s.list_access_keys().await.unwrap().is_empty());
    assert!(s.get_access_key("AKIA1").await.unwrap().is_none());
    let k1 = AccessKey { id: "AKIA1".into(), secret_enc: all_bytes(), description: "ops ✓".into(), created_at: 3 };
    let k2 = AccessKey { id: "AKIA2".into(), secret_enc: vec![9; 40], description: String::new(), created_at: 4 };
    s.insert_access_key(&k1).await.unwrap();
    s.insert_access_key(&k2).await.unwrap();
    assert!(is_conflict(&s.insert_access_key(&k1).await));
    assert_eq!(s.get_access_key("AKIA1").await.unwrap().unwrap(), k1);
    assert_eq!(s.get_access_key("AKIA2").await.unwrap().unwrap(), k2);
    assert!(s.get_access_key("akia1").await.unwrap().is_none(), "ids are exact");
    let mut listed = s.list_access_keys().await.unwrap();
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(listed, vec![k1.clone(), k2.clone()]);
    assert!(s.delete_access_key("AKIA1").await.unwrap());
    assert!(!s.delete_access_key("AKIA1").await.unwrap());
    assert!(!s.delete_access_key("nope").await.unwrap());
    assert!(s.get_access_key("AKIA1").await.unwrap().is_none());
    assert_eq!(s.list_access_keys().await.unwrap(), vec![k2]);
});

conformance!(signing_keys_crud, |s| {
    assert!(s.list_signing_keys().await.unwrap().is_empty());
    let mut k1 = signing_key("k1", 10);
    k1.private_enc = all_bytes();
    k1.retired_at = Some(15);
    let mut k2 = signing_key("k2", 20);
    k2.alg = "ES256".into();
    let k3 = signing_key("k3", 30);
    s.insert_signing_key(&k3).await.unwrap();
    s.insert_signing_key(&k1).await.unwrap();
    s.insert_signing_key(&k2).await.unwrap();
    assert!(is_conflict(&s.insert_signing_key(&signing_key("k1", 99)).await), "kid is unique");
    let mut listed = s.list_signing_keys().await.unwrap();
    listed.sort_by(|a, b| a.kid.cmp(&b.kid));
    assert_eq!(listed, vec![k1, k2, k3]);
});

conformance!(signing_keys_retire_only_older_keys_and_withdraw_only_retired_ones, |s| {
    let old = signing_key("k-old", 10);
    let (a, b) = (signing_key("k-a", 20), signing_key("k-b", 20));
    let mut es = signing_key("k-es", 5);
    es.alg = "ES256".into();
    for k in [&old, &a, &b, &es] {
        s.insert_signing_key(k).await.unwrap();
    }
    let store = &*s;
    let retired = |kid: &'static str| async move {
        store.list_signing_keys().await.unwrap().into_iter().find(|k| k.kid == kid).unwrap().retired_at
    };
    // Two rotations at once (k-a and k-b, same second): each retires only what is older than
    // its own key, so the newer (k-b: same second, greater kid) is left signing.
    assert_eq!(s.retire_signing_keys("RS256", "k-b", 20, 700).await.unwrap(), 2, "k-old and k-a");
    assert_eq!(s.retire_signing_keys("RS256", "k-a", 20, 700).await.unwrap(), 0, "retired by then already");
    assert_eq!((retired("k-old").await, retired("k-a").await, retired("k-b").await), (Some(700), Some(700), None));
    // An earlier handover (`--now`) brings a later one forward.
    assert_eq!(s.retire_signing_keys("RS256", "k-b", 20, 650).await.unwrap(), 2);
    assert_eq!((retired("k-old").await, retired("k-a").await, retired("k-b").await), (Some(650), Some(650), None));
    assert_eq!(retired("k-es").await, None, "another algorithm's keys are not touched");

    assert!(s.withdraw_signing_key("k-a", -5).await.unwrap());
    assert_eq!(retired("k-a").await, Some(-5));
    assert!(!s.withdraw_signing_key("k-b", -5).await.unwrap(), "the unretired key cannot be withdrawn");
    assert!(!s.withdraw_signing_key("nope", -5).await.unwrap());
    assert_eq!(retired("k-b").await, None);
});

// ---------------------------------------------------------------------------------------------
// Identity pools, identities, temporary credentials
// ---------------------------------------------------------------------------------------------

conformance!(identity_pools_crud_and_list, |s| {
    assert!(s.get_identity_pool("eu-west-2:1").await.unwrap().is_none());
    let mut ip = identity_pool("eu-west-2:1");
    ip.allow_unauthenticated = true;
    s.insert_identity_pool(&ip).await.unwrap();
    assert!(is_conflict(&s.insert_identity_pool(&ip).await));
    assert_eq!(s.get_identity_pool("eu-west-2:1").await.unwrap().unwrap(), ip);

    ip.name = "renamed".into();
    ip.allow_unauthenticated = false;
    ip.roles.insert("authenticated".into(), "arn:aws:iam::0:role/auth".into());
    ip.roles.insert("unauthenticated".into(), "arn:aws:iam::0:role/unauth".into());
    ip.providers.push(IdentityProvider {
        provider_name: "cognito-idp.eu-west-2.amazonaws.com/p2".into(),
        client_id: "c2".into(),
        server_side_token_check: true,
    });
    ip.updated_at = 9;
    s.update_identity_pool(&ip).await.unwrap();
    assert_eq!(s.get_identity_pool("eu-west-2:1").await.unwrap().unwrap(), ip);

    for id in ["eu-west-2:4", "eu-west-2:2", "eu-west-2:3"] {
        s.insert_identity_pool(&identity_pool(id)).await.unwrap();
    }
    let list = |after: Option<&'static str>, limit| {
        let s = s.clone();
        async move { ids(s.list_identity_pools(after, limit).await.unwrap(), |p| &p.id) }
    };
    assert_eq!(list(None, 10).await, ["eu-west-2:1", "eu-west-2:2", "eu-west-2:3", "eu-west-2:4"]);
    assert_eq!(list(None, 2).await, ["eu-west-2:1", "eu-west-2:2"]);
    assert_eq!(list(Some("eu-west-2:2"), 2).await, ["eu-west-2:3", "eu-west-2:4"]);
    assert!(list(Some("eu-west-2:4"), 2).await.is_empty());
    assert_eq!(s.list_identity_pools(None, 1).await.unwrap(), vec![ip.clone()]);

    assert!(s.delete_identity_pool("eu-west-2:1").await.unwrap());
    assert!(!s.delete_identity_pool("eu-west-2:1").await.unwrap());
    assert!(s.get_identity_pool("eu-west-2:1").await.unwrap().is_none());
    assert_eq!(list(None, 10).await, ["eu-west-2:2", "eu-west-2:3", "eu-west-2:4"]);
});

conformance!(identities_one_per_login, |s| {
    s.insert_identity_pool(&identity_pool("ip1")).await.unwrap();
    s.insert_identity_pool(&identity_pool("ip2")).await.unwrap();
    assert!(s.get_identity("i1").await.unwrap().is_none());
    let first = s.get_or_create_identity(&identity("i1", "ip1", "p1:u1")).await.unwrap();
    assert_eq!(first, identity("i1", "ip1", "p1:u1"));
    let mut later = identity("i2", "ip1", "p1:u1");
    later.created_at = 99;
    assert_eq!(s.get_or_create_identity(&later).await.unwrap(), first, "the existing identity, unchanged");
    assert!(s.get_identity("i2").await.unwrap().is_none(), "the second candidate was not stored");
    assert_eq!(s.get_identity("i1").await.unwrap().unwrap(), first);
    let other_login = s.get_or_create_identity(&identity("i3", "ip1", "p1:u2")).await.unwrap();
    assert_eq!(other_login.id, "i3");
    let other_pool = s.get_or_create_identity(&identity("i4", "ip2", "p1:u1")).await.unwrap();
    assert_eq!(other_pool.id, "i4", "one identity per login per pool");

    // Concurrent first sign-ins of one login agree on one identity.
    let mut handles = Vec::new();
    for i in 0..12 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            s.get_or_create_identity(&identity(&format!("c{i}"), "ip1", "p1:race")).await.unwrap()
        }));
    }
    let mut winners = BTreeSet::new();
    for h in handles {
        winners.insert(h.await.unwrap().id);
    }
    assert_eq!(winners.len(), 1, "one identity for the login, got {winners:?}");
    let id = winners.into_iter().next().unwrap();
    assert_eq!(s.get_identity(&id).await.unwrap().unwrap().login, "p1:race");
});

conformance!(temporary_credentials, |s| {
    s.insert_identity_pool(&identity_pool("ip1")).await.unwrap();
    s.insert_identity_pool(&identity_pool("ip2")).await.unwrap();
    s.get_or_create_identity(&identity("i1", "ip1", "p1:u1")).await.unwrap();
    s.get_or_create_identity(&identity("i2", "ip2", "p1:u1")).await.unwrap();
    assert!(s.get_credentials("ASIA1").await.unwrap().is_none());
    let mut c1 = credentials("ASIA1", "i1");
    c1.secret_enc = all_bytes();
    c1.session_token_hash = all_bytes();
    s.insert_credentials(&c1).await.unwrap();
    let mut c2 = credentials("ASIA2", "i1");
    c2.role = None;
    s.insert_credentials(&c2).await.unwrap();
    let c3 = credentials("ASIA3", "i2");
    s.insert_credentials(&c3).await.unwrap();
    assert!(is_conflict(&s.insert_credentials(&c1).await), "access key ids are unique");
    assert_eq!(s.get_credentials("ASIA1").await.unwrap().unwrap(), c1);
    assert_eq!(s.get_credentials("ASIA2").await.unwrap().unwrap(), c2, "no role");

    // Deleting an identity pool takes its identities and their credentials.
    assert!(s.delete_identity_pool("ip1").await.unwrap());
    assert!(s.get_identity("i1").await.unwrap().is_none());
    assert!(s.get_credentials("ASIA1").await.unwrap().is_none());
    assert!(s.get_credentials("ASIA2").await.unwrap().is_none());
    assert_eq!(s.get_identity("i2").await.unwrap().unwrap().pool_id, "ip2", "other pool untouched");
    assert_eq!(s.get_credentials("ASIA3").await.unwrap().unwrap(), c3);
});

// ---------------------------------------------------------------------------------------------
// Issuers
// ---------------------------------------------------------------------------------------------

conformance!(issuers_put_get_list_delete, |s| {
    assert!(s.list_issuers().await.unwrap().is_empty());
    assert!(s.get_issuer("https://a").await.unwrap().is_none());
    let a = issuer("https://a");
    let mut b = issuer("https://b");
    b.public_keys_pem.push("-----BEGIN PUBLIC KEY-----\nBBBB\n-----END PUBLIC KEY-----\n".into());
    b.scopes.insert("write".into(), vec![]);
    s.put_issuer(&b).await.unwrap();
    s.put_issuer(&a).await.unwrap();
    assert_eq!(s.get_issuer("https://a").await.unwrap().unwrap(), a);
    assert_eq!(s.get_issuer("https://b").await.unwrap().unwrap(), b);

    let mut a2 = a.clone();
    a2.sub = "acct-2".into();
    a2.max_ttl_secs = 60;
    a2.public_keys_pem = vec!["rotated".into()];
    a2.created_at = 30;
    s.put_issuer(&a2).await.unwrap();
    assert_eq!(s.get_issuer("https://a").await.unwrap().unwrap(), a2, "put replaces");
    let mut listed = s.list_issuers().await.unwrap();
    listed.sort_by(|x, y| x.iss.cmp(&y.iss));
    assert_eq!(listed, vec![a2, b.clone()], "one issuer per iss");

    assert!(s.delete_issuer("https://a").await.unwrap());
    assert!(!s.delete_issuer("https://a").await.unwrap());
    assert!(s.get_issuer("https://a").await.unwrap().is_none());
    assert_eq!(s.list_issuers().await.unwrap(), vec![b]);
});

#[path = "conformance/issuers.rs"]
mod issuers;

// ---------------------------------------------------------------------------------------------
// Failure counters
// ---------------------------------------------------------------------------------------------

conformance!(sign_in_writes_and_revocations_run_whole_when_their_caller_gives_up, |s| {
    seed(&s).await;
    for i in 0..20u8 {
        let f = family(&format!("ab{i}"), "p1", "c1", "u1", i);
        let _ = tokio::time::timeout(std::time::Duration::ZERO, s.insert_family(&f, 0)).await;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    for i in 0..20u8 {
        while s.get_family(&format!("ab{i}")).await.unwrap().is_none() {
            assert!(std::time::Instant::now() < deadline, "an abandoned insert never completed");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
    let _ = tokio::time::timeout(std::time::Duration::ZERO, s.revoke_user_families("u1", 70)).await;
    for i in 0..20u8 {
        while s.get_family(&format!("ab{i}")).await.unwrap().unwrap().revoked_at.is_none() {
            assert!(std::time::Instant::now() < deadline, "an abandoned revocation never completed");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
    // Every connection of the pool still commits (none was left inside a transaction).
    for i in 0..24u8 {
        s.insert_family(&family(&format!("after{i}"), "p1", "c1", "u2", 100 + i), 0).await.unwrap();
    }
    for i in 0..24u8 {
        assert!(s.get_family(&format!("after{i}")).await.unwrap().is_some());
    }
});

conformance!(a_change_runs_whole_when_its_caller_gives_up, |s| {
    // Callers dropped at their first await, as a request is when its client hangs up. Each change
    // still commits whole, and on PostgreSQL no connection goes back to the pool inside a
    // transaction nobody ends (sqlx #4393): the counts below read through the whole pool.
    for i in 0..40 {
        let attempt = format!("call-{i}");
        let call = s.record_failure("user:gone", &attempt, 100, 0);
        let _ = tokio::time::timeout(std::time::Duration::ZERO, call).await;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while s.count_failures("user:gone", 0).await.unwrap() < 40 {
        assert!(std::time::Instant::now() < deadline, "abandoned changes never completed");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let calls = (0..24).map(|i| {
        let s = s.clone();
        tokio::spawn(async move { s.record_failure("user:after", &format!("call-{i}"), 100, 0).await.unwrap() })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap();
    }
    for _ in 0..24 {
        assert_eq!(s.count_failures("user:after", 0).await.unwrap(), 24, "every write committed and visible");
    }
});

conformance!(attempts_are_reserved_before_they_are_checked, |s| {
    let limits = [("src:a", 3), ("user:a", 2)];
    assert_eq!(s.reserve_attempt(&limits, "call-1", 100, 0).await.unwrap(), None);
    assert_eq!(s.count_failures("src:a", 0).await.unwrap(), 1);
    assert_eq!(s.count_failures("user:a", 0).await.unwrap(), 1);
    assert_eq!(s.reserve_attempt(&limits, "call-2", 100, 0).await.unwrap(), None);
    assert_eq!(s.reserve_attempt(&limits, "call-3", 100, 0).await.unwrap(), Some(1), "the user is at its limit");
    assert_eq!(s.count_failures("src:a", 0).await.unwrap(), 2, "a refused attempt counts nowhere");
    s.release_attempt("src:a", "call-2").await.unwrap();
    assert_eq!(s.count_failures("src:a", 0).await.unwrap(), 1, "released");
    assert_eq!(s.count_failures("user:a", 0).await.unwrap(), 2, "only where released");
    assert_eq!(s.reserve_attempt(&[("src:a", 1), ("user:b", 9)], "call-4", 100, 0).await.unwrap(), Some(0));
    assert_eq!(s.count_failures("user:b", 0).await.unwrap(), 0);
    assert_eq!(s.reserve_attempt(&limits, "call-5", 200, 100).await.unwrap(), None, "older attempts left the window");

    // A burst: every attempt in flight counts, so exactly the limit passes.
    let calls = (0..24).map(|i| {
        let s = s.clone();
        tokio::spawn(async move {
            s.reserve_attempt(&[("src:burst", 100), ("user:burst", 5)], &format!("call-{i}"), 100, 0).await.unwrap()
        })
    });
    let mut passed = 0;
    for call in calls.collect::<Vec<_>>() {
        passed += u32::from(call.await.unwrap().is_none());
    }
    assert_eq!(passed, 5);
    assert_eq!(s.count_failures("user:burst", 0).await.unwrap(), 5);
    assert_eq!(s.count_failures("src:burst", 0).await.unwrap(), 5);
});

conformance!(concurrent_failures_count_each_other, |s| {
    let calls = (0..16).map(|i| {
        let s = s.clone();
        tokio::spawn(async move { s.record_failure("code:x", &format!("call-{i}"), 100, 0).await.unwrap() })
    });
    let mut counts = Vec::new();
    for call in calls.collect::<Vec<_>>() {
        counts.push(call.await.unwrap());
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=16).collect::<Vec<u32>>(), "each saw those committed before it, and no two the same");
});

conformance!(the_sweep_deletes_what_expired_and_keeps_the_rest, |s| {
    seed(&s).await;
    let mut old = family("f-old", "p1", "c1", "u1", 1);
    old.expires_at = 100;
    let mut live = family("f-live", "p1", "c1", "u1", 2);
    live.expires_at = 1_000;
    for f in [&old, &live] {
        s.insert_family(f, 0).await.unwrap();
    }
    assert!(s.rotate_refresh_token("f-old", &[1; 32], &[9; 32], 50).await.unwrap());
    assert_eq!(s.get_retired_refresh_token(&[1; 32]).await.unwrap().as_deref(), Some("f-old"));
    let mut ch_old = challenge(1, "p1", "c1", "u1");
    ch_old.expires_at = 100;
    let mut ch_live = challenge(2, "p1", "c1", "u1");
    ch_live.expires_at = 1_000;
    s.insert_challenge(&ch_old, 0).await.unwrap();
    s.insert_challenge(&ch_live, 0).await.unwrap();
    s.put_code(&code("u1", CodePurpose::SignUp, 1, 100)).await.unwrap();
    s.put_code(&code("u2", CodePurpose::SignUp, 2, 1_000)).await.unwrap();
    s.insert_identity_pool(&identity_pool("ip1")).await.unwrap();
    s.get_or_create_identity(&identity("i1", "ip1", "p1:u1")).await.unwrap();
    let mut cr_old = credentials("ASIAOLD", "i1");
    cr_old.expires_at = 100;
    s.insert_credentials(&cr_old).await.unwrap();
    s.insert_credentials(&credentials("ASIALIVE", "i1")).await.unwrap();
    assert!(s.record_client_assertion("c1", &[1; 32], 100, 0).await.unwrap());
    assert!(s.record_client_assertion("c1", &[2; 32], 1_000, 0).await.unwrap());
    s.record_failure("user:x", "a", 100, 0).await.unwrap();
    s.record_failure("user:x", "b", 900, 0).await.unwrap();

    let before = SweepBefore { families: 500, authorization_codes: 500, short_lived: 500, failures: 500 };
    let swept = s.sweep(&before).await.unwrap();
    assert_eq!(swept, 6, "a family, a challenge, a code, credentials, an assertion, a failure; nothing live");
    assert!(s.get_family("f-old").await.unwrap().is_none());
    assert!(s.get_retired_refresh_token(&[1; 32]).await.unwrap().is_none(), "retired tokens go with their family");
    assert!(s.get_family("f-live").await.unwrap().is_some());
    assert!(s.get_challenge(&[1; 32]).await.unwrap().is_none());
    assert!(s.get_challenge(&[2; 32]).await.unwrap().is_some());
    assert!(s.get_credentials("ASIAOLD").await.unwrap().is_none());
    assert!(s.get_credentials("ASIALIVE").await.unwrap().is_some());
    assert!(s.record_client_assertion("c1", &[1; 32], 1_000, 0).await.unwrap(), "a swept jti is forgotten");
    assert!(!s.record_client_assertion("c1", &[2; 32], 1_000, 0).await.unwrap(), "a live one is not");
    assert_eq!(s.count_failures("user:x", 0).await.unwrap(), 1);
    assert_eq!(s.sweep(&before).await.unwrap(), 0, "nothing more");
});

conformance!(the_sweep_deletes_a_backlog_batch_by_batch, |s| {
    // More than two batches of expired rows, and some live ones among them.
    for i in 0..1_203 {
        s.record_failure("user:old", &format!("a{i}"), 100, 0).await.unwrap();
        if i % 100 == 0 {
            s.record_failure("user:live", &format!("b{i}"), 900, 0).await.unwrap();
        }
    }
    let before = SweepBefore { families: 500, authorization_codes: 500, short_lived: 500, failures: 500 };
    assert_eq!(s.sweep(&before).await.unwrap(), 1_203, "every expired row, across the batches");
    assert_eq!(s.count_failures("user:old", 0).await.unwrap(), 0);
    assert_eq!(s.count_failures("user:live", 0).await.unwrap(), 13, "the live ones kept");
    assert_eq!(s.sweep(&before).await.unwrap(), 0);
});

conformance!(failure_counters, |s| {
    assert_eq!(s.count_failures("user:a", 0).await.unwrap(), 0);
    assert_eq!(s.record_failure("user:a", "call-1", 100, 0).await.unwrap(), 1);
    assert_eq!(s.record_failure("user:a", "call-1", 101, 0).await.unwrap(), 1, "a retry counts once");
    assert_eq!(s.record_failure("user:a", "call-2", 102, 0).await.unwrap(), 2);
    assert_eq!(s.record_failure("user:a", "call-3", 103, 0).await.unwrap(), 3);
    assert_eq!(s.record_failure("user:b", "call-1", 102, 0).await.unwrap(), 1, "per key");
    assert_eq!(s.count_failures("user:a", 0).await.unwrap(), 3);
    assert_eq!(s.count_failures("user:a", 99).await.unwrap(), 3);
    assert_eq!(s.count_failures("user:a", 100).await.unwrap(), 2, "only after the window start");
    assert_eq!(s.count_failures("user:a", 103).await.unwrap(), 0);

    // Recording with a later window counts only attempts inside it and drops the older rows.
    assert_eq!(s.record_failure("user:a", "call-4", 500, 101).await.unwrap(), 3, "call-2, call-3, call-4");
    assert_eq!(s.count_failures("user:a", 0).await.unwrap(), 3, "call-1 was dropped");
    assert_eq!(s.record_failure("user:a", "call-5", 900, 600).await.unwrap(), 1);
    assert_eq!(s.count_failures("user:a", 0).await.unwrap(), 1, "everything before the window dropped");
    assert_eq!(s.record_failure("user:a", "call-1", 901, 600).await.unwrap(), 2, "a dropped attempt id counts anew");
    assert_eq!(s.count_failures("user:b", 0).await.unwrap(), 1, "another key keeps its rows");

    s.clear_failures("user:a").await.unwrap();
    assert_eq!(s.count_failures("user:a", 0).await.unwrap(), 0);
    assert_eq!(s.count_failures("user:b", 0).await.unwrap(), 1, "clear is per key");
    s.clear_failures("user:a").await.unwrap();
    s.clear_failures("nobody").await.unwrap();
    assert_eq!(s.record_failure("user:a", "call-1", 1000, 0).await.unwrap(), 1, "attempt ids reusable after clear");
});

conformance!(concurrent_failures_are_all_counted, |s| {
    let mut handles = Vec::new();
    for i in 0..20 {
        let s = s.clone();
        handles
            .push(tokio::spawn(async move { s.record_failure("ip:1", &format!("a{i}"), 100 + i, 0).await.unwrap() }));
    }
    for h in handles {
        let n = h.await.unwrap();
        assert!((1..=20).contains(&n), "count {n}");
    }
    assert_eq!(s.count_failures("ip:1", 0).await.unwrap(), 20);

    // Concurrent retries of one call count once.
    let mut handles = Vec::new();
    for _ in 0..10 {
        let s = s.clone();
        handles.push(tokio::spawn(async move { s.record_failure("ip:1", "retried", 200, 0).await.unwrap() }));
    }
    for h in handles {
        let n = h.await.unwrap();
        assert!((1..=21).contains(&n), "count {n}");
    }
    assert_eq!(s.count_failures("ip:1", 0).await.unwrap(), 21);
});

// ---------------------------------------------------------------------------------------------
// Concurrency of ordinary writes, and awkward values
// ---------------------------------------------------------------------------------------------

conformance!(concurrent_user_inserts, |s| {
    s.insert_pool(&pool("p1")).await.unwrap();
    // Racing sign-ups for one name (in different cases): one wins, the rest get Conflict.
    let mut handles = Vec::new();
    for (i, name) in ["zed", "Zed", "ZED", "zEd", "zeD", "ZEd", "zed", "Zed"].into_iter().enumerate() {
        let s = s.clone();
        handles.push(tokio::spawn(async move { s.insert_user(&user(&format!("z{i}"), "p1", name)).await }));
    }
    let (mut ok, mut conflicts) = (0, 0);
    for h in handles {
        match h.await.unwrap() {
            Ok(()) => ok += 1,
            Err(StoreError::Conflict(_)) => conflicts += 1,
            Err(e) => panic!("a racing duplicate must be a Conflict, got {e:?}"),
        }
    }
    assert_eq!((ok, conflicts), (1, 7));
    assert!(s.get_user_by_username("p1", "zed").await.unwrap().is_some());

    // Many distinct users at once all land.
    let mut handles = Vec::new();
    for i in 0..32 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            s.insert_user(&user(&format!("u{i:02}"), "p1", &format!("user{i:02}"))).await
        }));
    }
    for h in handles {
        h.await.unwrap().expect("concurrent distinct inserts succeed");
    }
    let listed = s.list_users("p1", None, 100).await.unwrap();
    assert_eq!(listed.len(), 33);
});

conformance!(awkward_values_round_trip, |s| {
    let mut p = rich_pool("p'; DROP TABLE pools; --");
    p.name = "line\nbreak\ttab \\ back'slash \"quote\" 🦀 %_ ?".into();
    p.created_at = i64::MIN + 1;
    p.updated_at = i64::MAX;
    s.insert_pool(&p).await.unwrap();
    assert_eq!(s.get_pool(&p.id).await.unwrap().unwrap(), p);

    let mut c = client("c'1", &p.id);
    c.secret_enc = Some(Vec::new());
    s.insert_client(&c).await.unwrap();
    assert_eq!(s.get_client("c'1").await.unwrap().unwrap().secret_enc, Some(Vec::new()), "empty secret is not NULL");

    let mut u = user("u-🦀", &p.id, "Ünïcödé_User");
    u.attributes.insert("custom:json".into(), "{\"a\": [1, 2], \"b\": null}".into());
    u.attributes.insert("name".into(), "O'Brien \"Bob\" 名前".into());
    u.attributes.insert("email".into(), "o'brien+tag@example.com".into());
    u.totp_last_step = i64::MAX;
    u.temporary_password_expires_at = Some(-1);
    s.insert_user(&u).await.unwrap();
    assert_eq!(s.get_user(&p.id, "u-🦀").await.unwrap().unwrap(), u);
    assert_eq!(s.get_user_by_username(&p.id, &User::normalise_username("ÜNÏCÖDÉ_user")).await.unwrap().unwrap(), u);
    assert_eq!(
        ids(s.find_users_by_attribute(&p.id, "email", "o'brien+tag@example.com").await.unwrap(), |u| &u.id),
        ["u-🦀"]
    );

    let mut f = family("f'1", &p.id, "c'1", "u-🦀", 0);
    f.expires_at = i64::MAX;
    f.revoked_at = Some(i64::MIN + 1);
    s.insert_family(&f, 0).await.unwrap();
    assert_eq!(s.get_family("f'1").await.unwrap().unwrap(), f);
    assert_eq!(s.get_family_by_token_hash(&[0; 32]).await.unwrap().unwrap(), f);

    assert!(s.delete_pool(&p.id).await.unwrap());
    assert!(s.get_user(&p.id, "u-🦀").await.unwrap().is_none());
});

// ---------------------------------------------------------------------------------------------
// SQLite only: durability across reopening, and fresh migrations
// ---------------------------------------------------------------------------------------------

/// Everything written through one store, checked through another.
async fn write_everything(s: &SqlStore) {
    seed(s).await;
    s.insert_family(&family("f1", "p1", "c1", "u1", 1), 0).await.unwrap();
    s.insert_challenge(&challenge(1, "p1", "c1", "u2"), 0).await.unwrap();
    s.put_code(&code("u1", CodePurpose::SignUp, 1, 100)).await.unwrap();
    s.insert_access_key(&AccessKey {
        id: "AKIA1".into(),
        secret_enc: all_bytes(),
        description: "d".into(),
        created_at: 1,
    })
    .await
    .unwrap();
    s.insert_signing_key(&signing_key("k1", 1)).await.unwrap();
    s.put_issuer(&issuer("https://iss")).await.unwrap();
    s.insert_identity_pool(&identity_pool("ip1")).await.unwrap();
    s.record_failure("k", "a", 100, 0).await.unwrap();
    let mut alice = user("u1", "p1", "Alice");
    alice.password_hash = Some("$argon2id$after".into());
    s.update_user_revoking_families(&mut alice, 50).await.unwrap();
}

async fn check_everything(s: &SqlStore) {
    assert_eq!(s.get_pool("p1").await.unwrap().unwrap(), pool("p1"));
    assert_eq!(s.get_client("c1").await.unwrap().unwrap(), client("c1", "p1"));
    assert_eq!(s.get_user("p1", "u1").await.unwrap().unwrap().password_hash.as_deref(), Some("$argon2id$after"));
    assert_eq!(s.get_user_by_username("p1", "bob").await.unwrap().unwrap(), user("u2", "p1", "Bob"));
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(50));
    assert_eq!(s.get_challenge(&[1; 32]).await.unwrap().unwrap(), challenge(1, "p1", "c1", "u2"));
    assert_eq!(s.get_access_key("AKIA1").await.unwrap().unwrap().secret_enc, all_bytes());
    assert_eq!(s.list_signing_keys().await.unwrap(), vec![signing_key("k1", 1)]);
    assert_eq!(s.get_issuer("https://iss").await.unwrap().unwrap(), issuer("https://iss"));
    assert_eq!(s.get_identity_pool("ip1").await.unwrap().unwrap(), identity_pool("ip1"));
    assert_eq!(s.count_failures("k", 0).await.unwrap(), 1);
    assert_eq!(
        redeem(s, "u1", CodePurpose::SignUp, 1, 10, &user("u1", "p1", "Alice")).await,
        CodeOutcome::Redeemed,
        "the code survived"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_data_survives_close_and_reopen() {
    let path = support::temp_sqlite_path("durable");
    let url = support::sqlite_url(&path);
    let outcome = tokio::spawn({
        let url = url.clone();
        async move {
            let s = SqlStore::connect(&url).await.unwrap();
            s.migrate().await.unwrap();
            write_everything(&s).await;
            s.close().await;
            drop(s);

            let s = SqlStore::connect(&url).await.unwrap();
            s.migrate().await.expect("migrating an existing database");
            check_everything(&s).await;
            s.close().await;
        }
    })
    .await;
    support::remove_sqlite_files(&path);
    outcome.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_data_survives_dropping_the_store_without_close() {
    let path = support::temp_sqlite_path("durable-drop");
    let url = support::sqlite_url(&path);
    let outcome = tokio::spawn({
        let url = url.clone();
        async move {
            {
                let s = SqlStore::connect(&url).await.unwrap();
                s.migrate().await.unwrap();
                write_everything(&s).await;
            }
            let s = SqlStore::connect(&url).await.unwrap();
            check_everything(&s).await;
            s.close().await;
        }
    })
    .await;
    support::remove_sqlite_files(&path);
    outcome.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_fresh_file_migrates_twice() {
    let path = support::temp_sqlite_path("migrate");
    assert!(!path.exists());
    let url = support::sqlite_url(&path);
    let outcome = tokio::spawn({
        let url = url.clone();
        async move {
            let s = SqlStore::connect(&url).await.expect("connect creates the file");
            s.migrate().await.unwrap();
            s.migrate().await.expect("a second migrate is harmless");
            s.ping().await.unwrap();
            seed(&s).await;
            s.close().await;
        }
    })
    .await;
    assert!(path.exists(), "the database file was created");
    support::remove_sqlite_files(&path);
    outcome.unwrap();
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    assert!(SqlStore::connect("mysql://x").await.is_err());
    assert!(SqlStore::connect("nonsense").await.is_err());
}

// ---------------------------------------------------------------------------------------------
// The harness itself
// ---------------------------------------------------------------------------------------------

#[test]
fn harness_fails_instead_of_skipping_when_postgres_is_required() {
    let required = std::panic::catch_unwind(|| support::postgres_url_from(None, Some("1".into())));
    assert!(required.is_err(), "WARDEN_REQUIRE_POSTGRES=1 without a URL must fail");
    let empty = std::panic::catch_unwind(|| support::postgres_url_from(Some(String::new()), Some("1".into())));
    assert!(empty.is_err(), "an empty URL counts as missing");
    assert_eq!(support::postgres_url_from(None, None), None, "skipped when not required");
    assert_eq!(support::postgres_url_from(None, Some("0".into())), None);
    assert_eq!(
        support::postgres_url_from(Some("postgres://h/db".into()), Some("1".into())).as_deref(),
        Some("postgres://h/db")
    );
}

#[test]
fn harness_points_the_url_at_the_test_database() {
    assert_eq!(
        support::with_database("postgres://postgres@127.0.0.1:5432/postgres", "warden_test_x"),
        "postgres://postgres@127.0.0.1:5432/warden_test_x"
    );
    assert_eq!(support::with_database("postgres://u:p@h:1", "d"), "postgres://u:p@h:1/d");
    assert_eq!(support::with_database("postgres://h/db?sslmode=disable", "d"), "postgres://h/d?sslmode=disable");
}
