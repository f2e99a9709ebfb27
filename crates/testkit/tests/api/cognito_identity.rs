//! Identity pools: GetId, GetCredentialsForIdentity, GetOpenIdToken, and the credentials'
//! verification and revocation.

use crate::common::*;
use serde_json::{json, Value};

const PW: &str = "Correct-Horse-1";

async fn setup(c: &Cognito) -> (String, String, String) {
    let (pool, client) = c.setup("OFF").await;
    let ip = c
        .identity_admin(
            "CreateIdentityPool",
            json!({ "IdentityPoolName": "fed", "AllowUnauthenticatedIdentities": false,
                    "CognitoIdentityProviders": [{ "ProviderName": format!("cognito-idp.eu-west-2.amazonaws.com/{pool}"), "ClientId": client }] }),
        )
        .await
        .ok();
    (pool, client, ip["IdentityPoolId"].as_str().unwrap().to_owned())
}

fn logins(pool: &str, id_token: &Value) -> Value {
    json!({ format!("cognito-idp.eu-west-2.amazonaws.com/{pool}"): id_token })
}

both_backends!(federated_identity_and_credentials, |app| {
    let c = Cognito::new(&app);
    let (pool, client, ip) = setup(&c).await;
    assert!(ip.starts_with("eu-west-2:"));
    c.user(&pool, "nina", PW, "nina@example.com").await;
    c.user(&pool, "omar", PW, "omar@example.com").await;
    let nina = c.sign_in(&client, "nina", PW).await.ok()["AuthenticationResult"].clone();
    let omar = c.sign_in(&client, "omar", PW).await.ok()["AuthenticationResult"].clone();

    let id1 = c.identity("GetId", json!({ "IdentityPoolId": ip, "Logins": logins(&pool, &nina["IdTokenX"]) })).await;
    assert_eq!(id1.status, 400, "a missing token is refused");
    let id1 =
        c.identity("GetId", json!({ "IdentityPoolId": ip, "Logins": logins(&pool, &nina["IdToken"]) })).await.ok();
    let again = c.sign_in(&client, "nina", PW).await.ok()["AuthenticationResult"]["IdToken"].clone();
    let id2 = c.identity("GetId", json!({ "IdentityPoolId": ip, "Logins": logins(&pool, &again) })).await.ok();
    assert_eq!(id1["IdentityId"], id2["IdentityId"], "same user, same identity");
    let omar_id =
        c.identity("GetId", json!({ "IdentityPoolId": ip, "Logins": logins(&pool, &omar["IdToken"]) })).await.ok();
    assert_ne!(omar_id["IdentityId"], id1["IdentityId"]);
    let identity = id1["IdentityId"].as_str().unwrap();

    // Refusals: garbage token, access token instead of id token, no login, unknown identity.
    c.identity("GetId", json!({ "IdentityPoolId": ip, "Logins": logins(&pool, &json!("id_token")) }))
        .await
        .err("NotAuthorizedException");
    c.identity("GetId", json!({ "IdentityPoolId": ip, "Logins": logins(&pool, &nina["AccessToken"]) }))
        .await
        .err("NotAuthorizedException");
    c.identity("GetId", json!({ "IdentityPoolId": ip })).await.err("NotAuthorizedException");
    c.identity("GetId", json!({ "IdentityPoolId": "eu-west-2:00000000-0000-0000-0000-000000000000", "Logins": logins(&pool, &nina["IdToken"]) }))
        .await
        .err("ResourceNotFoundException");
    c.identity(
        "GetCredentialsForIdentity",
        json!({ "IdentityId": "eu-west-2:00000000-1111-2abc-3def-4444aaaa5555", "Logins": logins(&pool, &nina["IdToken"]) }),
    )
    .await
    .err("ResourceNotFoundException");
    // Omar's login does not open Nina's identity.
    c.identity(
        "GetCredentialsForIdentity",
        json!({ "IdentityId": identity, "Logins": logins(&pool, &omar["IdToken"]) }),
    )
    .await
    .err("NotAuthorizedException");
    // No role yet.
    c.identity(
        "GetCredentialsForIdentity",
        json!({ "IdentityId": identity, "Logins": logins(&pool, &nina["IdToken"]) }),
    )
    .await
    .err("InvalidIdentityPoolConfigurationException");
    c.identity_admin(
        "SetIdentityPoolRoles",
        json!({ "IdentityPoolId": ip, "Roles": { "authenticated": "scribe-read-write" } }),
    )
    .await
    .ok();
    let roles = c.identity_admin("GetIdentityPoolRoles", json!({ "IdentityPoolId": ip })).await.ok();
    assert_eq!(roles["Roles"]["authenticated"], "scribe-read-write");

    let creds = c
        .identity(
            "GetCredentialsForIdentity",
            json!({ "IdentityId": identity, "Logins": logins(&pool, &nina["IdToken"]) }),
        )
        .await
        .ok();
    let cr = &creds["Credentials"];
    let akid = cr["AccessKeyId"].as_str().unwrap();
    assert!(akid.starts_with("ASIA") && akid.len() == 20);
    let expiration = cr["Expiration"].as_i64().unwrap();
    assert!((expiration - app.warden.kernel.now() - 3600).abs() <= 5, "one hour by default");
    let token = cr["SessionToken"].as_str().unwrap();
    let (stored, secret) = app.warden.federation.verify_temporary_credentials(akid, token).await.unwrap();
    assert_eq!(secret.expose(), cr["SecretKey"].as_str().unwrap());
    assert_eq!(stored.role.as_deref(), Some("scribe-read-write"));
    assert!(app.warden.federation.verify_temporary_credentials(akid, "wrong-token").await.is_err());

    let oid = c
        .identity("GetOpenIdToken", json!({ "IdentityId": identity, "Logins": logins(&pool, &nina["IdToken"]) }))
        .await
        .ok();
    let oid = oid["Token"].as_str().unwrap();
    // Its issuer publishes metadata and keys, as any issuer does: the token verifies by them.
    let header = jsonwebtoken::decode_header(oid).unwrap();
    let unverified: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, oid.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    let iss = unverified["iss"].as_str().unwrap();
    let get = |url: String| async move { reqwest::get(url).await.unwrap().json::<serde_json::Value>().await.unwrap() };
    let meta = get(format!("{iss}/.well-known/openid-configuration")).await;
    assert_eq!(meta["issuer"], iss);
    let jwks = get(meta["jwks_uri"].as_str().unwrap().to_owned()).await;
    let jwk = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == header.kid.as_deref().unwrap()).unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(&serde_json::from_value(jwk.clone()).unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_issuer(&[iss]);
    validation.set_audience(&[&ip]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(oid, &key, &validation).unwrap().claims;
    assert_eq!(claims["sub"], identity);

    // A global sign-out revokes the session the credentials came from.
    c.call("GlobalSignOut", json!({ "AccessToken": nina["AccessToken"] })).await.ok();
    assert!(app.warden.federation.verify_temporary_credentials(akid, token).await.is_err());
    c.identity("GetId", json!({ "IdentityPoolId": ip, "Logins": logins(&pool, &nina["IdToken"]) }))
        .await
        .err("NotAuthorizedException");

    let list = c.identity_admin("ListIdentityPools", json!({ "MaxResults": 10 })).await.ok();
    assert_eq!(list["IdentityPools"].as_array().unwrap().len(), 1);
    c.identity_admin("DeleteIdentityPool", json!({ "IdentityPoolId": ip })).await.ok();
    c.identity_admin("DescribeIdentityPool", json!({ "IdentityPoolId": ip })).await.err("ResourceNotFoundException");
    app.stop().await;
});

both_backends!(identity_pool_admin_is_signed_and_validated, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    c.identity("CreateIdentityPool", json!({ "IdentityPoolName": "x", "AllowUnauthenticatedIdentities": false }))
        .await
        .err("MissingAuthenticationTokenException");
    // Signed for the wrong service.
    c.admin("DescribeUserPool", json!({ "UserPoolId": pool })).await.ok();
    let wrong = c
        .signed_for(
            ("cognito-idp", "AWSCognitoIdentityService"),
            "ListIdentityPools",
            json!({ "MaxResults": 5 }),
            (&app.admin_key.0, &app.admin_key.1),
            std::time::SystemTime::now(),
        )
        .await;
    wrong.err("InvalidSignatureException");
    c.identity_admin(
        "CreateIdentityPool",
        json!({ "IdentityPoolName": "bad", "AllowUnauthenticatedIdentities": false,
                "CognitoIdentityProviders": [{ "ProviderName": "cognito-idp.eu-west-2.amazonaws.com/eu-west-2_missing", "ClientId": client }] }),
    )
    .await
    .err("InvalidParameterException");
    c.identity_admin(
        "CreateIdentityPool",
        json!({ "IdentityPoolName": "bad", "AllowUnauthenticatedIdentities": false,
                "CognitoIdentityProviders": [{ "ProviderName": format!("cognito-idp.eu-west-2.amazonaws.com/{pool}"), "ClientId": "notaclient" }] }),
    )
    .await
    .err("InvalidParameterException");
    let ip = c
        .identity_admin(
            "CreateIdentityPool",
            json!({ "IdentityPoolName": "open", "AllowUnauthenticatedIdentities": true }),
        )
        .await
        .ok()["IdentityPoolId"]
        .as_str()
        .unwrap()
        .to_owned();
    c.identity_admin("SetIdentityPoolRoles", json!({ "IdentityPoolId": ip, "Roles": { "admin": "x" } }))
        .await
        .err("InvalidParameterException");
    // Role mappings are not implemented: refused rather than ignored; Roles are required.
    c.identity_admin(
        "SetIdentityPoolRoles",
        json!({ "IdentityPoolId": ip, "Roles": { "unauthenticated": "guest" },
                "RoleMappings": { "p": { "Type": "Token", "AmbiguousRoleResolution": "Deny" } } }),
    )
    .await
    .err("InvalidParameterException");
    c.identity_admin("SetIdentityPoolRoles", json!({ "IdentityPoolId": ip })).await.err("InvalidParameterException");
    c.identity_admin("SetIdentityPoolRoles", json!({ "IdentityPoolId": ip, "Roles": { "unauthenticated": "guest" } }))
        .await
        .ok();
    let guest =
        c.identity("GetId", json!({ "IdentityPoolId": ip })).await.ok()["IdentityId"].as_str().unwrap().to_owned();
    let creds = c.identity("GetCredentialsForIdentity", json!({ "IdentityId": guest })).await.ok();
    let (stored, _) = app
        .warden
        .federation
        .verify_temporary_credentials(
            creds["Credentials"]["AccessKeyId"].as_str().unwrap(),
            creds["Credentials"]["SessionToken"].as_str().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(stored.role.as_deref(), Some("guest"));
    // Each unauthenticated GetId makes an identity that is kept: one address makes a bounded
    // number an hour (botocore retries TooManyRequestsException with backoff).
    for _ in 1..warden_core::service::UNAUTHENTICATED_PER_SOURCE_HOUR {
        c.identity("GetId", json!({ "IdentityPoolId": ip })).await.ok();
    }
    c.identity("GetId", json!({ "IdentityPoolId": ip })).await.err("TooManyRequestsException");
    // Identities already made still get credentials.
    c.identity("GetCredentialsForIdentity", json!({ "IdentityId": guest })).await.ok();
    app.stop().await;
});
