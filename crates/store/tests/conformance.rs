//! The store conformance suite: every `conformance!` test runs on SQLite (`<name>::sqlite`, always)
//! and on PostgreSQL (`<name>::postgres`, when `WARDEN_TEST_POSTGRES_URL` is set;
//! `WARDEN_REQUIRE_POSTGRES=1` makes its absence a failure), each on a fresh database.
//!
//! The assertions follow the contract in `warden_core::store` (one trait per aggregate), not the SQL behind it.

#[macro_use]
mod support;

use std::collections::{BTreeMap, BTreeSet};

use warden_core::error::StoreError;
use warden_core::model::*;
use warden_core::store::{
    AccessKeyStore, BrowserSessionStore, ChallengeStore, ClientStore, CodeRedemption, CodeStore, FamilyKey,
    FamilyStore, GrantStore, GroupStore, IdentityStore, IssuerStore, Maintenance, PoolStore, ResourceServerStore,
    SigningKeyStore, SweepBefore, ThrottleStore, UserStore,
};
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
// The tests, a file per record type
// ---------------------------------------------------------------------------------------------

#[path = "conformance/attempts.rs"]
mod attempts;
#[path = "conformance/challenges.rs"]
mod challenges;
#[path = "conformance/checked_rotation.rs"]
mod checked_rotation;
#[path = "conformance/clients.rs"]
mod clients;
#[path = "conformance/codes.rs"]
mod codes;
#[path = "conformance/concurrency.rs"]
mod concurrency;
#[path = "conformance/families.rs"]
mod families;
#[path = "conformance/groups.rs"]
mod groups;
#[path = "conformance/identity.rs"]
mod identity;
#[path = "conformance/issuers.rs"]
mod issuers;
#[path = "conformance/keys.rs"]
mod keys;
#[path = "conformance/migrations.rs"]
mod migrations;
#[path = "conformance/oauth.rs"]
mod oauth;
#[path = "conformance/pools.rs"]
mod pools;
#[path = "conformance/sqlite_only.rs"]
mod sqlite_only;
#[path = "conformance/users.rs"]
mod users;

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
