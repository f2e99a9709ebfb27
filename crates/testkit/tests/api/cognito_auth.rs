//! Sign-in, refresh, revocation, challenges and codes through the Cognito door, on both stores.

use crate::common::*;
use serde_json::json;

const PW: &str = "Correct-Horse-1";

both_backends!(password_then_refresh_then_get_user, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    c.user(&pool, "alice", PW, "alice@example.com").await;

    let r = c.sign_in(&client, "Alice", PW).await;
    assert!(r.request_id.is_some(), "x-amzn-RequestId on every response");
    assert_eq!(r.cache_control.as_deref(), Some("no-store"), "tokens are never cached");
    let auth = r.ok()["AuthenticationResult"].clone();
    assert_eq!(auth["ExpiresIn"], 1800);
    assert_eq!(auth["TokenType"], "Bearer");
    let access = auth["AccessToken"].as_str().unwrap();
    let refresh = auth["RefreshToken"].as_str().unwrap();
    let claims = verified_claims(&app.url, &pool, access).await;
    assert_eq!(claims["token_use"], "access");
    assert_eq!(claims["client_id"], client.as_str());
    assert_eq!(claims["username"], "alice");
    assert_eq!(claims["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 1800);
    let id = verified_claims(&app.url, &pool, auth["IdToken"].as_str().unwrap()).await;
    assert_eq!(id["aud"], client.as_str());
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["origin_jti"], claims["origin_jti"]);

    let refreshed = c
        .call("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": refresh } }))
        .await
        .ok();
    let r2 = &refreshed["AuthenticationResult"];
    assert!(r2.get("RefreshToken").is_none(), "no rotation on REFRESH_TOKEN_AUTH");
    let c2 = verified_claims(&app.url, &pool, r2["AccessToken"].as_str().unwrap()).await;
    assert_eq!(c2["origin_jti"], claims["origin_jti"]);
    assert_eq!(c2["auth_time"], claims["auth_time"], "auth_time is the original sign-in");
    assert_ne!(c2["jti"], claims["jti"]);

    let me = c.call("GetUser", json!({ "AccessToken": access })).await.ok();
    assert_eq!(me["Username"], "alice");
    assert!(me["UserAttributes"].as_array().unwrap().iter().any(|a| a["Name"] == "sub" && a["Value"] == claims["sub"]));
    app.stop().await;
});

both_backends!(revoke_kills_the_whole_family, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    c.user(&pool, "bob", PW, "bob@example.com").await;
    let a = c.sign_in(&client, "bob", PW).await.ok()["AuthenticationResult"].clone();
    let b = c.sign_in(&client, "bob", PW).await.ok()["AuthenticationResult"].clone();
    let refresh = a["RefreshToken"].as_str().unwrap();

    c.call("RevokeToken", json!({ "ClientId": client, "Token": "refresh_token" })).await.ok();
    c.call("RevokeToken", json!({ "ClientId": client, "Token": refresh })).await.ok();
    c.call("RevokeToken", json!({ "ClientId": client, "Token": refresh })).await.ok();

    let again = c
        .call("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": refresh } }))
        .await
        .err("NotAuthorizedException");
    assert_eq!(again["message"], "Refresh Token has been revoked");
    let gone = c.call("GetUser", json!({ "AccessToken": a["AccessToken"] })).await.err("NotAuthorizedException");
    assert_eq!(gone["message"], "Access Token has been revoked");
    // The other session is untouched.
    c.call("GetUser", json!({ "AccessToken": b["AccessToken"] })).await.ok();
    // Another client cannot revoke it.
    let other = c
        .admin(
            "CreateUserPoolClient",
            json!({ "UserPoolId": pool, "ClientName": "other", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"] }),
        )
        .await
        .ok()["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    c.call("RevokeToken", json!({ "ClientId": other, "Token": b["RefreshToken"] })).await.err("UnauthorizedException");
    c.call("GetUser", json!({ "AccessToken": b["AccessToken"] })).await.ok();

    c.call("GlobalSignOut", json!({ "AccessToken": b["AccessToken"] })).await.ok();
    c.call("GetUser", json!({ "AccessToken": b["AccessToken"] })).await.err("NotAuthorizedException");
    app.stop().await;
});

both_backends!(temporary_password_forces_a_new_one, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    c.admin("AdminCreateUser", json!({ "UserPoolId": pool, "Username": "carol", "TemporaryPassword": "Temp-Pass-1", "MessageAction": "SUPPRESS" }))
        .await
        .ok();
    let got = c.admin("AdminGetUser", json!({ "UserPoolId": pool, "Username": "carol" })).await.ok();
    assert_eq!(got["UserStatus"], "FORCE_CHANGE_PASSWORD");

    let ch = c.sign_in(&client, "carol", "Temp-Pass-1").await.ok();
    assert_eq!(ch["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    assert_eq!(ch["ChallengeParameters"]["USER_ID_FOR_SRP"], "carol");
    let session = ch["Session"].as_str().unwrap();
    assert!(session.len() >= 20);

    let respond = |pw: &str| {
        json!({ "ClientId": client, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": session,
                "ChallengeResponses": { "USERNAME": "carol", "NEW_PASSWORD": pw, "USER_ID_FOR_SRP": "" } })
    };
    c.call("RespondToAuthChallenge", respond("weak")).await.err("InvalidPasswordException");
    let done = c.call("RespondToAuthChallenge", respond(PW)).await.ok();
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
    c.call("RespondToAuthChallenge", respond(PW)).await.err("NotAuthorizedException");

    let got = c.admin("AdminGetUser", json!({ "UserPoolId": pool, "Username": "carol" })).await.ok();
    assert_eq!(got["UserStatus"], "CONFIRMED");
    c.sign_in(&client, "carol", "Temp-Pass-1").await.err("NotAuthorizedException");
    c.sign_in(&client, "carol", PW).await.ok();
    app.stop().await;
});

both_backends!(change_password_needs_the_old_one, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    c.user(&pool, "dave", PW, "dave@example.com").await;
    let access = c.sign_in(&client, "dave", PW).await.ok()["AuthenticationResult"]["AccessToken"].clone();
    let change =
        |old: &str, new: &str| json!({ "AccessToken": access, "PreviousPassword": old, "ProposedPassword": new });
    c.call("ChangePassword", change("Wrong-Pass-1", "New-Passw0rd!")).await.err("NotAuthorizedException");
    c.call("ChangePassword", change(PW, "short")).await.err("InvalidPasswordException");
    c.sign_in(&client, "dave", PW).await.ok();
    c.call("ChangePassword", change(PW, "New-Passw0rd!")).await.ok();
    c.sign_in(&client, "dave", PW).await.err("NotAuthorizedException");
    c.sign_in(&client, "dave", "New-Passw0rd!").await.ok();
    app.stop().await;
});

both_backends!(forgot_password_code_is_single_use, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    c.user(&pool, "erin", PW, "erin@example.com").await;
    let session = c.sign_in(&client, "erin", PW).await.ok()["AuthenticationResult"].clone();

    let sent = c.call("ForgotPassword", json!({ "ClientId": client, "Username": "erin" })).await.ok();
    assert_eq!(sent["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    assert_eq!(sent["CodeDeliveryDetails"]["Destination"], "e***@e***");
    let outbox = app.outbox().await;
    let msg = outbox.iter().rev().find(|m| m["template"] == "forgot_password").expect("code in the outbox");
    assert_eq!(msg["to"], "erin@example.com");
    let code = msg["code"].as_str().unwrap().to_owned();
    assert!(msg["sent_at"].is_number());

    let confirm = |code: &str, pw: &str| json!({ "ClientId": client, "Username": "erin", "ConfirmationCode": code, "Password": pw });
    let wrong = if code == "000000" { "111111" } else { "000000" };
    c.call("ConfirmForgotPassword", confirm(wrong, "Reset-Passw0rd!")).await.err("CodeMismatchException");
    c.call("ConfirmForgotPassword", confirm(&code, "weak")).await.err("InvalidPasswordException");
    c.sign_in(&client, "erin", PW).await.ok();
    c.call("ConfirmForgotPassword", confirm(&code, "Reset-Passw0rd!")).await.ok();
    c.call("ConfirmForgotPassword", confirm(&code, "Other-Passw0rd!")).await.err("ExpiredCodeException");
    c.sign_in(&client, "erin", "Reset-Passw0rd!").await.ok();
    c.sign_in(&client, "erin", PW).await.err("NotAuthorizedException");
    // A reset signs the user out everywhere.
    c.call("GetUser", json!({ "AccessToken": session["AccessToken"] })).await.err("NotAuthorizedException");
    // Unknown users get the same answer (PreventUserExistenceErrors).
    c.call("ForgotPassword", json!({ "ClientId": client, "Username": "nobody" })).await.ok();
    app.stop().await;
});

both_backends!(totp_mfa_enrolment_and_sign_in, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OPTIONAL").await;
    c.user(&pool, "frank", PW, "frank@example.com").await;
    let access = c.sign_in(&client, "frank", PW).await.ok()["AuthenticationResult"]["AccessToken"].clone();
    let secret = c.call("AssociateSoftwareToken", json!({ "AccessToken": access })).await.ok()["SecretCode"]
        .as_str()
        .unwrap()
        .to_owned();
    c.call(
        "SetUserMFAPreference",
        json!({ "AccessToken": access, "SoftwareTokenMfaSettings": { "Enabled": true, "PreferredMfa": true } }),
    )
    .await
    .err("InvalidParameterException");
    c.call("VerifySoftwareToken", json!({ "AccessToken": access, "UserCode": "000000x" }))
        .await
        .err("EnableSoftwareTokenMFAException");
    let now = app.warden.kernel.now();
    let code = warden_core::crypto::totp::code_for_base32(&secret, now).unwrap();
    assert_eq!(
        c.call("VerifySoftwareToken", json!({ "AccessToken": access, "UserCode": code })).await.ok()["Status"],
        "SUCCESS"
    );
    c.call(
        "SetUserMFAPreference",
        json!({ "AccessToken": access, "SoftwareTokenMfaSettings": { "Enabled": true, "PreferredMfa": true } }),
    )
    .await
    .ok();

    let ch = c.sign_in(&client, "frank", PW).await.ok();
    assert_eq!(ch["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let session = ch["Session"].as_str().unwrap();
    let respond = |code: &str| {
        json!({ "ClientId": client, "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": session,
                "ChallengeResponses": { "USERNAME": "frank", "SOFTWARE_TOKEN_MFA_CODE": code } })
    };
    c.call("RespondToAuthChallenge", respond("123456x")).await.err("CodeMismatchException");
    // The code used for enrolment cannot be used again.
    c.call("RespondToAuthChallenge", respond(&code)).await.err("ExpiredCodeException");
    let next = warden_core::crypto::totp::code_for_base32(&secret, now + 30).unwrap();
    let done = c.call("RespondToAuthChallenge", respond(&next)).await.ok();
    let claims = verified_claims(&app.url, &pool, done["AuthenticationResult"]["AccessToken"].as_str().unwrap()).await;
    assert_eq!(claims["username"], "frank");
    c.call("RespondToAuthChallenge", respond(&next)).await.err("NotAuthorizedException");
    let me = c.admin("AdminGetUser", json!({ "UserPoolId": pool, "Username": "frank" })).await.ok();
    assert_eq!(me["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");
    app.stop().await;
});

both_backends!(one_totp_code_signs_in_once_even_when_answers_race, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OPTIONAL").await;
    c.user(&pool, "hana", PW, "hana@example.com").await;
    let now = app.warden.kernel.now();
    let secret = enrol_totp(&c, &client, "hana", now).await;

    // Several sign-ins wait at the TOTP step; one code answers all of them at once. Each answer
    // read the user before any wrote it back, so only the user row's version stops the same
    // code from being accepted twice.
    // Five: the per-user limit on MFA answers in flight (a sixth would be refused unread).
    let mut sessions = Vec::new();
    for _ in 0..5 {
        let ch = c.sign_in(&client, "hana", PW).await.ok();
        sessions.push(ch["Session"].as_str().unwrap().to_owned());
    }
    let code = warden_core::crypto::totp::code_for_base32(&secret, now + 30).unwrap();
    let answers = sessions.iter().map(|session| {
        c.call(
            "RespondToAuthChallenge",
            json!({ "ClientId": client, "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": session,
                    "ChallengeResponses": { "USERNAME": "hana", "SOFTWARE_TOKEN_MFA_CODE": code } }),
        )
    });
    let replies = futures_util::future::join_all(answers).await;
    let mut signed_in = 0;
    for reply in replies {
        if reply.status == 200 {
            assert!(reply.body["AuthenticationResult"]["AccessToken"].is_string(), "{}", reply.body);
            signed_in += 1;
        } else {
            assert_eq!(reply.status, 400, "{}", reply.body);
            assert!(
                matches!(reply.error_type(), "ExpiredCodeException" | "ConcurrentModificationException"),
                "{}",
                reply.body
            );
        }
    }
    assert_eq!(signed_in, 1, "a TOTP code signs in exactly once");
    app.stop().await;
});

both_backends!(sign_up_and_confirm, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    let up = c
        .call("SignUp", json!({ "ClientId": client, "Username": "gina", "Password": PW, "UserAttributes": [{ "Name": "email", "Value": "gina@example.com" }] }))
        .await
        .ok();
    assert_eq!(up["UserConfirmed"], false);
    c.call("SignUp", json!({ "ClientId": client, "Username": "GINA", "Password": PW }))
        .await
        .err("UsernameExistsException");
    // "Not confirmed" only to whoever knows the password: a wrong one is wrong, as for anyone.
    c.sign_in(&client, "gina", "Wrong-Pass-1").await.err("NotAuthorizedException");
    c.sign_in(&client, "gina", PW).await.err("UserNotConfirmedException");
    let code = app.outbox().await.iter().rev().find(|m| m["template"] == "sign_up").unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    c.call("ConfirmSignUp", json!({ "ClientId": client, "Username": "gina", "ConfirmationCode": code })).await.ok();
    // Preventing user-existence errors (the default): a confirmed user is answered as an unknown
    // name is, so neither call tells that gina is a user; nothing more is sent.
    c.call("ConfirmSignUp", json!({ "ClientId": client, "Username": "gina", "ConfirmationCode": code }))
        .await
        .err("CodeMismatchException");
    let codes = app.outbox().await.len();
    let again = c.call("ResendConfirmationCode", json!({ "ClientId": client, "Username": "gina" })).await.ok();
    assert_eq!(again["CodeDeliveryDetails"]["Destination"], "g***@e***");
    assert_eq!(app.outbox().await.len(), codes, "no code for a confirmed user");
    // A LEGACY client says what happened.
    let legacy = c.legacy_client(&pool).await;
    c.call("ConfirmSignUp", json!({ "ClientId": legacy, "Username": "gina", "ConfirmationCode": code }))
        .await
        .err("NotAuthorizedException");
    c.call("ResendConfirmationCode", json!({ "ClientId": legacy, "Username": "gina" }))
        .await
        .err("InvalidParameterException");
    let id = c.sign_in(&client, "gina", PW).await.ok()["AuthenticationResult"]["IdToken"].clone();
    assert!(id.is_string());
    app.stop().await;
});

both_backends!(pool_issuer_override, |app| {
    use warden_core::model::PoolSettings;
    use warden_core::service::{ClientSpec, PoolSpec};
    let c = Cognito::new(&app);
    let settings = PoolSettings {
        issuer: Some("https://cognito-idp.eu-west-2.amazonaws.com/custom".into()),
        ..PoolSettings::default()
    };
    let pool = app.warden.directory.create_pool(PoolSpec { name: "iss".into(), settings }).await.unwrap();
    let mut spec = ClientSpec { pool_id: pool.id.clone(), name: "c".into(), ..ClientSpec::default() };
    spec.settings.explicit_auth_flows = vec![warden_core::model::AuthFlow::UserPassword];
    let client = app.warden.directory.create_client(spec).await.unwrap().client.id;
    c.user(&pool.id, "max", PW, "max@example.com").await;
    let auth = c.sign_in(&client, "max", PW).await.ok()["AuthenticationResult"].clone();
    let token = auth["AccessToken"].as_str().unwrap();
    let payload = token.split('.').nth(1).unwrap();
    use base64::Engine;
    let claims: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["iss"], "https://cognito-idp.eu-west-2.amazonaws.com/custom");
    let doc: serde_json::Value = reqwest::get(format!("{}/{}/.well-known/openid-configuration", app.url, pool.id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["issuer"], claims["iss"]);
    assert_eq!(doc["jwks_uri"], format!("{}/{}/.well-known/jwks.json", app.url, pool.id));
    c.call("GetUser", json!({ "AccessToken": token })).await.ok();
    let missing = reqwest::get(format!("{}/eu-west-2_nope/.well-known/jwks.json", app.url)).await.unwrap();
    assert_eq!(missing.status(), 404);
    app.stop().await;
});

/// Signs the user in, enrols a TOTP authenticator with the code of `now` and makes it the
/// preferred MFA; returns the base32 secret.
async fn enrol_totp(c: &Cognito, client: &str, username: &str, now: i64) -> String {
    let access = c.sign_in(client, username, PW).await.ok()["AuthenticationResult"]["AccessToken"].clone();
    let secret = c.call("AssociateSoftwareToken", json!({ "AccessToken": access })).await.ok()["SecretCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let enrol = warden_core::crypto::totp::code_for_base32(&secret, now).unwrap();
    c.call("VerifySoftwareToken", json!({ "AccessToken": access, "UserCode": enrol })).await.ok();
    c.call(
        "SetUserMFAPreference",
        json!({ "AccessToken": access, "SoftwareTokenMfaSettings": { "Enabled": true, "PreferredMfa": true } }),
    )
    .await
    .ok();
    secret
}

/// Wrong TOTP codes count against the user over every session: a caller who holds the password
/// cannot open session after session to guess codes. Past the limit even the right code is
/// refused; a right password does not clear the count.
async fn totp_guesses_are_limited_across_sessions(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |cfg| cfg.throttle.per_user = 3).await else {
        return;
    };
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OPTIONAL").await;
    c.user(&pool, "ines", PW, "ines@example.com").await;
    let now = app.warden.kernel.now();
    let secret = enrol_totp(&c, &client, "ines", now).await;
    let respond = |session: &str, code: &str| {
        json!({ "ClientId": client, "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": session,
                "ChallengeResponses": { "USERNAME": "ines", "SOFTWARE_TOKEN_MFA_CODE": code } })
    };
    // Three sessions, one wrong guess each (fewer than a session's own limit).
    for guess in ["000001", "000002", "000003"] {
        let ch = c.sign_in(&client, "ines", PW).await.ok();
        let session = ch["Session"].as_str().unwrap().to_owned();
        c.call("RespondToAuthChallenge", respond(&session, guess)).await.err("CodeMismatchException");
    }
    // A fourth session: the password is right, but the code step is locked, even for the right code.
    let ch = c.sign_in(&client, "ines", PW).await.ok();
    let session = ch["Session"].as_str().unwrap().to_owned();
    let next = warden_core::crypto::totp::code_for_base32(&secret, now + 30).unwrap();
    let locked = c.call("RespondToAuthChallenge", respond(&session, &next)).await.err("NotAuthorizedException");
    assert!(locked["message"].as_str().unwrap().contains("Too many invalid credentials attempts"), "{locked}");
    app.stop().await;
}

warden_testkit::on_both_stores!(totp_guesses_are_limited_across_sessions);
