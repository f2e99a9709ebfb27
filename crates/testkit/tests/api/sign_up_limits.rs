//! SignUp as an attacker meets it: each costs a password hash and a stored user, and sends a code
//! to an address the caller names, so sign-ups are counted per source address and sign-up codes
//! per destination address.

use serde_json::json;
use warden_core::service::{CODES_PER_ADDRESS_HOUR, SIGN_UPS_PER_SOURCE_HOUR};

use crate::common::*;

const PW: &str = "Correct-Horse-1";

fn sign_up(name: &str, email: &str, client: &str) -> serde_json::Value {
    json!({ "ClientId": client, "Username": name, "Password": PW, "UserAttributes": [{ "Name": "email", "Value": email }] })
}

both_backends!(sign_ups_are_counted_per_source_address, |app| {
    let c = Cognito::new(&app);
    let (pool, client) = c.setup("OFF").await;
    let flood = Cognito::from_address(&app, [127, 0, 0, 5]);
    for i in 0..SIGN_UPS_PER_SOURCE_HOUR {
        flood.call("SignUp", sign_up(&format!("u{i}"), &format!("u{i}@example.com"), &client)).await.ok();
    }
    flood.call("SignUp", sign_up("one-more", "one-more@example.com", &client)).await.err("TooManyRequestsException");
    let kept = app.warden.directory.list_users(&pool, None, 60, None).await.unwrap();
    assert_eq!(kept.users.len(), SIGN_UPS_PER_SOURCE_HOUR as usize, "the refused sign-up stored nobody");
    // Another address is not held up.
    c.call("SignUp", sign_up("elsewhere", "elsewhere@example.com", &client)).await.ok();
    app.stop().await;
});

both_backends!(sign_up_codes_are_counted_per_destination_address, |app| {
    let c = Cognito::new(&app);
    let (_, client) = c.setup("OFF").await;
    let to_victim = |i: u32| sign_up(&format!("v{i}"), "Victim@Example.com", &client);
    for i in 0..CODES_PER_ADDRESS_HOUR {
        c.call("SignUp", to_victim(i)).await.ok();
    }
    c.call("SignUp", to_victim(99)).await.err("LimitExceededException");
    let sent = app
        .outbox()
        .await
        .iter()
        .filter(|m| m["to"].as_str().unwrap().eq_ignore_ascii_case("victim@example.com"))
        .count();
    assert_eq!(sent, CODES_PER_ADDRESS_HOUR as usize, "no more codes to one mailbox");
    // Other addresses still get theirs.
    c.call("SignUp", sign_up("other", "other@example.com", &client)).await.ok();
    app.stop().await;
});
