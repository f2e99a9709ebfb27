//! SQLite only: durability across reopening, and fresh migrations.

use super::*;

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
