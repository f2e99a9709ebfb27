//! Ping and migrations.

use super::*;

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
