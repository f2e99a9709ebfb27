//! ForgotPassword as an attacker meets it: with PreventUserExistenceErrors on, no answer tells
//! whether a name is a user's; the reset codes one source address may ask for a user cannot use
//! up the user's own; every call counts against its source address, whatever it names.

use std::collections::BTreeSet;

use serde_json::json;

use crate::common::*;

const PW: &str = "Correct-Horse-1";

async fn codes_to(app: &TestApp, to: &str) -> usize {
    app.outbox().await.iter().filter(|m| m["template"] == "forgot_password" && m["to"] == to).count()
}

async fn destination(c: &Cognito, client: &str, who: &str) -> String {
    let r = c.call("ForgotPassword", json!({ "ClientId": client, "Username": who })).await.ok();
    r["CodeDeliveryDetails"]["Destination"].as_str().unwrap().to_owned()
}

both_backends!(unknown_and_unable_users_are_answered_as_real_ones, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    c.user(&pool, "erin", PW, "erin@example.com").await;
    c.user(&pool, "dora", PW, "dora@example.com").await;
    c.admin("AdminDisableUser", json!({ "UserPoolId": pool, "Username": "dora" })).await.ok();
    c.admin(
        "AdminCreateUser",
        json!({
            "UserPoolId": pool, "Username": "tess", "MessageAction": "SUPPRESS",
            "UserAttributes": [{ "Name": "email", "Value": "tess@example.com" }, { "Name": "email_verified", "Value": "true" }],
        }),
    )
    .await
    .ok();

    // Names no user has: not one destination for all (it was always `@e***`), and the same
    // answer on every call for one name.
    let mut seen = BTreeSet::new();
    for who in ["nobody", "somebody", "anybody", "everybody", "no-one", "zed"] {
        let d = destination(&c, &client, who).await;
        assert_eq!(d, destination(&c, &client, who).await, "{who} answered two ways");
        seen.insert(d);
    }
    assert!(seen.iter().any(|d| !d.ends_with("@e***")), "one tell for every unknown name: {seen:?}");
    assert_eq!(destination(&c, &client, "ghost@example.org").await, "g***@e***", "an address is masked as one");

    // A disabled user and one on a temporary password: answered as sent, nothing sent.
    assert_eq!(destination(&c, &client, "dora").await, "d***@e***");
    assert_eq!(destination(&c, &client, "tess").await, "t***@e***");
    assert_eq!(codes_to(&app, "dora@example.com").await + codes_to(&app, "tess@example.com").await, 0);

    // Over its quota, a real user is answered as before; no more codes go out.
    for _ in 0..5 {
        assert_eq!(destination(&c, &client, "erin").await, "e***@e***");
    }
    assert_eq!(codes_to(&app, "erin@example.com").await, 5);
    assert_eq!(destination(&c, &client, "erin").await, "e***@e***", "the quota is no oracle");
    assert_eq!(codes_to(&app, "erin@example.com").await, 5, "no sixth code");
    app.stop().await;
});

both_backends!(strangers_elsewhere_cannot_spend_a_users_resets, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    c.user(&pool, "erin", PW, "erin@example.com").await;
    let stranger = Cognito::from_address(&app, [127, 0, 0, 2]);
    for _ in 0..6 {
        destination(&stranger, &client, "erin").await;
    }
    assert_eq!(codes_to(&app, "erin@example.com").await, 5);
    // Erin's own address still gets her a code.
    destination(&c, &client, "erin").await;
    assert_eq!(codes_to(&app, "erin@example.com").await, 6);
    app.stop().await;
});

both_backends!(every_call_counts_against_its_source, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    c.user(&pool, "erin", PW, "erin@example.com").await;
    let flood = Cognito::from_address(&app, [127, 0, 0, 3]);
    let limit = warden_core::service::FORGOT_PASSWORD_PER_SOURCE_HOUR;
    for i in 0..limit {
        destination(&flood, &client, &format!("name-{i}")).await;
    }
    // Over the limit, real and unknown names are refused alike.
    for who in ["erin", "name-x"] {
        flood
            .call("ForgotPassword", json!({ "ClientId": client, "Username": who }))
            .await
            .err("TooManyRequestsException");
    }
    assert_eq!(codes_to(&app, "erin@example.com").await, 0);
    // Another address is not held up.
    destination(&c, &client, "erin").await;
    assert_eq!(codes_to(&app, "erin@example.com").await, 1);
    app.stop().await;
});
