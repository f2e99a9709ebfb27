//! The store conformance suite: every test runs on SQLite and on PostgreSQL (when
//! `WARDEN_TEST_POSTGRES_URL` is set; `WARDEN_REQUIRE_POSTGRES=1` makes its absence a failure).

use std::collections::BTreeMap;
use std::sync::Arc;

use sqlx::Connection;
use warden_core::error::StoreError;
use warden_core::model::*;
use warden_core::store::{FamilyKey, Store};
use warden_store::SqlStore;

struct Db {
    store: Arc<SqlStore>,
    cleanup: Option<(String, String)>,
    path: Option<std::path::PathBuf>,
}

impl Db {
    async fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("warden-conf-{}.db", uuid::Uuid::new_v4()));
        let store = SqlStore::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        store.migrate().await.unwrap();
        Self { store: Arc::new(store), cleanup: None, path: Some(path) }
    }

    async fn postgres() -> Option<Self> {
        let base = warden_testkit::postgres_url()?;
        let name = format!("warden_conf_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
        conn.close().await.ok();
        let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
        let store = SqlStore::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        Some(Self { store: Arc::new(store), cleanup: Some((base, name)), path: None })
    }

    async fn drop_it(self) {
        self.store.close().await;
        if let Some((base, name)) = self.cleanup {
            if let Ok(mut conn) = sqlx::PgConnection::connect(&base).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
            }
        }
        if let Some(p) = self.path {
            let _ = std::fs::remove_file(&p);
        }
    }
}

macro_rules! conformance {
    ($name:ident, |$s:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn run($s: Arc<SqlStore>) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = Db::sqlite().await;
                run(db.store.clone()).await;
                db.drop_it().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = Db::postgres().await {
                    run(db.store.clone()).await;
                    db.drop_it().await;
                }
            }
        }
    };
}

fn pool(id: &str) -> Pool {
    Pool { id: id.into(), name: format!("pool {id}"), settings: PoolSettings::default(), created_at: 1, updated_at: 1 }
}

fn client(id: &str, pool_id: &str) -> Client {
    Client {
        id: id.into(),
        pool_id: pool_id.into(),
        name: "c".into(),
        secret_enc: Some(vec![0, 1, 2, 255]),
        settings: ClientSettings::default(),
        created_at: 1,
        updated_at: 1,
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
        created_at: 1,
        updated_at: 1,
    }
}

fn family(id: &str, client_id: &str, user_id: &str, hash: u8) -> RefreshFamily {
    RefreshFamily {
        id: id.into(),
        pool_id: "p1".into(),
        client_id: client_id.into(),
        user_id: user_id.into(),
        token_hash: vec![hash; 32],
        auth_time: 10,
        created_at: 10,
        expires_at: 1_000_000,
        revoked_at: None,
    }
}

/// p1 with client c1 and users u1 (Alice), u2 (Bob).
async fn seed(s: &SqlStore) {
    s.insert_pool(&pool("p1")).await.unwrap();
    s.insert_client(&client("c1", "p1")).await.unwrap();
    s.insert_user(&user("u1", "p1", "Alice")).await.unwrap();
    s.insert_user(&user("u2", "p1", "Bob")).await.unwrap();
}

conformance!(pools_and_clients, |s| {
    s.ping().await.unwrap();
    for id in ["p3", "p1", "p2"] {
        s.insert_pool(&pool(id)).await.unwrap();
    }
    assert!(matches!(s.insert_pool(&pool("p1")).await, Err(StoreError::Conflict(_))));
    let ids: Vec<_> = s.list_pools(None, 2).await.unwrap().into_iter().map(|p| p.id).collect();
    assert_eq!(ids, ["p1", "p2"]);
    let ids: Vec<_> = s.list_pools(Some("p2"), 10).await.unwrap().into_iter().map(|p| p.id).collect();
    assert_eq!(ids, ["p3"]);
    let mut p = s.get_pool("p1").await.unwrap().unwrap();
    assert_eq!(p, pool("p1"));
    p.settings.mfa_configuration = MfaConfiguration::Optional;
    p.settings.password_policy.minimum_length = 12;
    s.update_pool(&p).await.unwrap();
    assert_eq!(s.get_pool("p1").await.unwrap().unwrap(), p);

    s.insert_client(&client("c1", "p1")).await.unwrap();
    s.insert_client(&client("c2", "p1")).await.unwrap();
    s.insert_client(&client("c3", "p2")).await.unwrap();
    assert_eq!(s.get_client("c1").await.unwrap().unwrap().secret_enc, Some(vec![0, 1, 2, 255]));
    let ids: Vec<_> = s.list_clients("p1", None, 10).await.unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(ids, ["c1", "c2"]);
    let mut c = s.get_client("c2").await.unwrap().unwrap();
    c.secret_enc = None;
    c.settings.explicit_auth_flows = vec![AuthFlow::UserPassword];
    s.update_client(&c).await.unwrap();
    assert_eq!(s.get_client("c2").await.unwrap().unwrap(), c);
    assert!(s.delete_client("c2").await.unwrap());
    assert!(!s.delete_client("c2").await.unwrap());
    assert!(s.get_pool("nope").await.unwrap().is_none());
});

conformance!(deleting_a_pool_removes_everything_in_it, |s| {
    seed(&s).await;
    s.insert_family(&family("f1", "c1", "u1", 1)).await.unwrap();
    assert!(s.delete_pool("p1").await.unwrap());
    assert!(!s.delete_pool("p1").await.unwrap());
    assert!(s.get_client("c1").await.unwrap().is_none());
    assert!(s.get_user("p1", "u1").await.unwrap().is_none());
    assert!(s.get_family("f1").await.unwrap().is_none());
});

conformance!(users, |s| {
    seed(&s).await;
    assert!(
        matches!(s.insert_user(&user("u9", "p1", "ALICE")).await, Err(StoreError::Conflict(_))),
        "case-insensitive"
    );
    s.insert_pool(&pool("p2")).await.unwrap();
    s.insert_user(&user("u3", "p2", "Alice")).await.unwrap();
    let alice = s.get_user_by_username("p1", "alice").await.unwrap().unwrap();
    assert_eq!(alice, user("u1", "p1", "Alice"));
    assert_eq!(s.get_user("p1", "u1").await.unwrap().unwrap().username, "Alice");
    assert!(s.get_user("p2", "u1").await.unwrap().is_none(), "scoped by pool");
    let by_mail = s.find_users_by_attribute("p1", "email", "bob@example.com").await.unwrap();
    assert_eq!(by_mail.len(), 1);
    assert_eq!(by_mail[0].id, "u2");
    assert!(s.find_users_by_attribute("p1", "email", "nobody@example.com").await.unwrap().is_empty());

    let mut bob = by_mail[0].clone();
    bob.status = UserStatus::ForceChangePassword;
    bob.enabled = false;
    bob.temporary_password_expires_at = Some(99);
    bob.totp_secret_enc = Some(vec![9; 20]);
    bob.totp_verified = true;
    bob.totp_enabled = true;
    bob.totp_last_step = 12345;
    bob.attributes.insert("custom:tier".into(), "gold".into());
    bob.updated_at = 5;
    s.update_user(&bob).await.unwrap();
    assert_eq!(s.get_user("p1", "u2").await.unwrap().unwrap(), bob);

    for (i, name) in ["carol", "dave", "erin"].iter().enumerate() {
        s.insert_user(&user(&format!("x{i}"), "p1", name)).await.unwrap();
    }
    let page: Vec<_> = s.list_users("p1", None, 2).await.unwrap().into_iter().map(|u| u.username).collect();
    assert_eq!(page, ["Alice", "Bob"]);
    let page: Vec<_> = s.list_users("p1", Some("bob"), 10).await.unwrap().into_iter().map(|u| u.username).collect();
    assert_eq!(page, ["carol", "dave", "erin"]);
    assert!(s.delete_user("p1", "u2").await.unwrap());
    assert!(!s.delete_user("p1", "u2").await.unwrap());
    assert!(s.get_user_by_username("p1", "bob").await.unwrap().is_none());
});

conformance!(families_and_revocation, |s| {
    seed(&s).await;
    s.insert_family(&family("f1", "c1", "u1", 1)).await.unwrap();
    s.insert_family(&family("f2", "c1", "u1", 2)).await.unwrap();
    s.insert_family(&family("f3", "c1", "u2", 3)).await.unwrap();
    assert!(
        matches!(s.insert_family(&family("f4", "c1", "u1", 1)).await, Err(StoreError::Conflict(_))),
        "token hash unique"
    );
    assert_eq!(s.get_family_by_token_hash(&[2; 32]).await.unwrap().unwrap().id, "f2");
    let (f, u) = s.get_family_with_user(FamilyKey::TokenHash(&[3; 32])).await.unwrap().unwrap();
    assert_eq!((f.id.as_str(), u.id.as_str()), ("f3", "u2"));
    assert_eq!(f, family("f3", "c1", "u2", 3));
    let (f, u) = s.get_family_with_user(FamilyKey::Id("f1")).await.unwrap().unwrap();
    assert_eq!((f.id.as_str(), u.username.as_str()), ("f1", "Alice"));
    assert!(s.get_family_with_user(FamilyKey::Id("nope")).await.unwrap().is_none());

    assert!(s.revoke_family("f1", 100).await.unwrap());
    assert!(s.revoke_family("f1", 200).await.unwrap());
    assert_eq!(s.get_family("f1").await.unwrap().unwrap().revoked_at, Some(100), "the first revocation time stays");
    assert!(!s.revoke_family("nope", 1).await.unwrap());
    assert_eq!(s.revoke_user_families("u1", 300).await.unwrap(), 1, "only f2 was still live");
    assert_eq!(s.get_family("f2").await.unwrap().unwrap().revoked_at, Some(300));
    assert_eq!(s.get_family("f3").await.unwrap().unwrap().revoked_at, None);

    let mut bob = s.get_user("p1", "u2").await.unwrap().unwrap();
    bob.enabled = false;
    s.update_user_revoking_families(&bob, 400).await.unwrap();
    assert!(!s.get_user("p1", "u2").await.unwrap().unwrap().enabled);
    assert_eq!(s.get_family("f3").await.unwrap().unwrap().revoked_at, Some(400));
    assert!(s.delete_client("c1").await.unwrap());
    assert!(s.get_family("f3").await.unwrap().is_none(), "a client's families go with it");
});

conformance!(challenges_are_single_use, |s| {
    seed(&s).await;
    let ch = Challenge {
        id_hash: vec![7; 32],
        pool_id: "p1".into(),
        client_id: "c1".into(),
        user_id: "u1".into(),
        kind: ChallengeKind::SoftwareTokenMfa,
        failures: 0,
        auth_time: 5,
        expires_at: 500,
    };
    s.insert_challenge(&ch).await.unwrap();
    assert_eq!(s.get_challenge(&[7; 32]).await.unwrap().unwrap(), ch);
    assert_eq!(s.record_challenge_failure(&[7; 32]).await.unwrap(), 1);
    assert_eq!(s.record_challenge_failure(&[7; 32]).await.unwrap(), 2);
    let mut handles = Vec::new();
    for _ in 0..8 {
        let s = s.clone();
        handles.push(tokio::spawn(async move { s.consume_challenge(&[7; 32]).await.unwrap() }));
    }
    let mut won = 0;
    for h in handles {
        won += usize::from(h.await.unwrap());
    }
    assert_eq!(won, 1, "exactly one consumer wins");
    assert!(s.get_challenge(&[7; 32]).await.unwrap().is_none());
});

conformance!(codes_redeem_once_in_one_transaction, |s| {
    seed(&s).await;
    let code = |hash: u8, expires_at: i64| Code {
        user_id: "u1".into(),
        purpose: CodePurpose::ForgotPassword,
        code_hash: vec![hash; 32],
        attempts: 0,
        expires_at,
    };
    let mut then = s.get_user("p1", "u1").await.unwrap().unwrap();
    then.password_hash = Some("$argon2id$new".into());
    assert_eq!(
        s.redeem_code("u1", CodePurpose::ForgotPassword, &[1; 32], 10, 3, &then).await.unwrap(),
        CodeOutcome::Expired
    );
    s.put_code(&code(1, 100)).await.unwrap();
    s.put_code(&code(2, 100)).await.unwrap();
    assert_eq!(
        s.redeem_code("u1", CodePurpose::ForgotPassword, &[1; 32], 10, 3, &then).await.unwrap(),
        CodeOutcome::Mismatch,
        "replaced"
    );
    assert_eq!(
        s.redeem_code("u1", CodePurpose::SignUp, &[2; 32], 10, 3, &then).await.unwrap(),
        CodeOutcome::Expired,
        "per purpose"
    );
    assert_eq!(
        s.get_user("p1", "u1").await.unwrap().unwrap().password_hash.as_deref(),
        Some("$argon2id$x"),
        "nothing written"
    );
    assert_eq!(
        s.redeem_code("u1", CodePurpose::ForgotPassword, &[2; 32], 10, 3, &then).await.unwrap(),
        CodeOutcome::Redeemed
    );
    assert_eq!(s.get_user("p1", "u1").await.unwrap().unwrap().password_hash.as_deref(), Some("$argon2id$new"));
    assert_eq!(
        s.redeem_code("u1", CodePurpose::ForgotPassword, &[2; 32], 10, 3, &then).await.unwrap(),
        CodeOutcome::Expired
    );

    // Too many wrong guesses drop the code.
    s.put_code(&code(3, 100)).await.unwrap();
    for _ in 0..3 {
        assert_eq!(
            s.redeem_code("u1", CodePurpose::ForgotPassword, &[9; 32], 10, 3, &then).await.unwrap(),
            CodeOutcome::Mismatch
        );
    }
    assert_eq!(
        s.redeem_code("u1", CodePurpose::ForgotPassword, &[3; 32], 10, 3, &then).await.unwrap(),
        CodeOutcome::Expired
    );
    // A stale code is expired.
    s.put_code(&code(4, 100)).await.unwrap();
    assert_eq!(
        s.redeem_code("u1", CodePurpose::ForgotPassword, &[4; 32], 100, 3, &then).await.unwrap(),
        CodeOutcome::Expired
    );

    // Concurrent redemption of one code: exactly one wins.
    s.put_code(&code(5, 100)).await.unwrap();
    let mut handles = Vec::new();
    for _ in 0..6 {
        let (s, then) = (s.clone(), then.clone());
        handles.push(tokio::spawn(async move {
            s.redeem_code("u1", CodePurpose::ForgotPassword, &[5; 32], 10, 3, &then).await.unwrap()
        }));
    }
    let mut redeemed = 0;
    for h in handles {
        redeemed += usize::from(h.await.unwrap() == CodeOutcome::Redeemed);
    }
    assert_eq!(redeemed, 1);
});

conformance!(keys, |s| {
    let key = AccessKey { id: "AKIA1".into(), secret_enc: vec![1, 2, 3], description: "ops".into(), created_at: 3 };
    s.insert_access_key(&key).await.unwrap();
    assert!(matches!(s.insert_access_key(&key).await, Err(StoreError::Conflict(_))));
    assert_eq!(s.get_access_key("AKIA1").await.unwrap().unwrap(), key);
    assert_eq!(s.list_access_keys().await.unwrap(), vec![key]);
    assert!(s.delete_access_key("AKIA1").await.unwrap());
    assert!(!s.delete_access_key("AKIA1").await.unwrap());
    let sk = |kid: &str, at: i64| SigningKeyRecord {
        kid: kid.into(),
        alg: "RS256".into(),
        private_enc: vec![4; 10],
        created_at: at,
        retired_at: None,
    };
    s.insert_signing_key(&sk("k2", 20)).await.unwrap();
    s.insert_signing_key(&sk("k1", 10)).await.unwrap();
    let kids: Vec<_> = s.list_signing_keys().await.unwrap().into_iter().map(|k| k.kid).collect();
    assert_eq!(kids, ["k1", "k2"]);
});

conformance!(failure_counters, |s| {
    assert_eq!(s.record_failure("user:a", "call-1", 100, 0).await.unwrap(), 1);
    assert_eq!(s.record_failure("user:a", "call-1", 101, 0).await.unwrap(), 1, "a retry counts once");
    assert_eq!(s.record_failure("user:a", "call-2", 102, 0).await.unwrap(), 2);
    assert_eq!(s.record_failure("user:b", "call-1", 102, 0).await.unwrap(), 1, "per key");
    assert_eq!(s.count_failures("user:a", 99).await.unwrap(), 2);
    assert_eq!(s.count_failures("user:a", 100).await.unwrap(), 1, "only after the window start");
    assert_eq!(s.record_failure("user:a", "call-3", 500, 200).await.unwrap(), 1, "old rows dropped");
    s.clear_failures("user:a").await.unwrap();
    assert_eq!(s.count_failures("user:a", 0).await.unwrap(), 0);
    assert_eq!(s.count_failures("user:b", 0).await.unwrap(), 1);
});

conformance!(identity_pools, |s| {
    let mut ip = IdentityPool {
        id: "eu-west-2:1".into(),
        name: "fed".into(),
        allow_unauthenticated: false,
        providers: vec![IdentityProvider {
            provider_name: "cognito-idp.eu-west-2.amazonaws.com/p1".into(),
            client_id: "c1".into(),
            server_side_token_check: false,
        }],
        roles: BTreeMap::new(),
        created_at: 1,
        updated_at: 1,
    };
    s.insert_identity_pool(&ip).await.unwrap();
    ip.roles.insert("authenticated".into(), "arn:aws:iam::0:role/x".into());
    s.update_identity_pool(&ip).await.unwrap();
    assert_eq!(s.get_identity_pool("eu-west-2:1").await.unwrap().unwrap(), ip);
    assert_eq!(s.list_identity_pools(None, 10).await.unwrap(), vec![ip.clone()]);
    let candidate =
        |id: &str| Identity { id: id.into(), pool_id: "eu-west-2:1".into(), login: "p1:u1".into(), created_at: 1 };
    let first = s.get_or_create_identity(&candidate("i1")).await.unwrap();
    let second = s.get_or_create_identity(&candidate("i2")).await.unwrap();
    assert_eq!((first.id.as_str(), second.id.as_str()), ("i1", "i1"), "one identity per login");
    let creds = TemporaryCredentials {
        access_key_id: "ASIA1".into(),
        secret_enc: vec![1; 8],
        session_token_hash: vec![2; 32],
        identity_id: "i1".into(),
        user_id: "u1".into(),
        family_id: "f1".into(),
        role: Some("r".into()),
        created_at: 10,
        expires_at: 3610,
    };
    s.insert_credentials(&creds).await.unwrap();
    assert_eq!(s.get_credentials("ASIA1").await.unwrap().unwrap(), creds);
    assert!(s.delete_identity_pool("eu-west-2:1").await.unwrap());
    assert!(s.get_identity("i1").await.unwrap().is_none());
    assert!(s.get_credentials("ASIA1").await.unwrap().is_none());
});

#[tokio::test]
async fn sqlite_survives_reopening_and_migrating_twice() {
    let path = std::env::temp_dir().join(format!("warden-reopen-{}.db", uuid::Uuid::new_v4()));
    let url = format!("sqlite://{}", path.display());
    let s = SqlStore::connect(&url).await.unwrap();
    s.migrate().await.unwrap();
    s.insert_pool(&pool("p1")).await.unwrap();
    s.close().await;
    let s = SqlStore::connect(&url).await.unwrap();
    s.migrate().await.unwrap();
    s.migrate().await.unwrap();
    assert!(s.get_pool("p1").await.unwrap().is_some());
    s.close().await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    assert!(SqlStore::connect("mysql://x").await.is_err());
}
