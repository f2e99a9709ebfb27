//! Clients.

use super::*;

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
