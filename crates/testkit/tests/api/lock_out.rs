//! Wrong passwords as an attacker uses them to lock someone else out: they refuse the address
//! they come from for that user, not the user everywhere; a ceiling over every unfamiliar
//! address bounds a guesser with many addresses, and past it an address or a browser that
//! signed in as the user before still gets in.

use crate::common::*;
use crate::oidc::{authorize_url, setup, Browser, PASSWORD};

const PW: &str = "Correct-Horse-1";
const WRONG: &str = "Wrong-Horse-1";
const EXCEEDED: &str = "Password attempts exceeded";

both_backends!(
    wrong_passwords_lock_their_own_address_out_not_the_user,
    config |cfg: &mut warden_server::Config| {
        cfg.throttle.per_user = 3;
        cfg.throttle.per_user_ceiling = 6;
    },
    |app| {
        let victim = Cognito::new(&app);
        let (pool, client) = victim.setup("OFF").await;
        victim.user(&pool, "kim", PW, "kim@example.com").await;
        victim.sign_in(&client, "kim", PW).await.ok(); // 127.0.0.1 is familiar from now on

        // Three wrong passwords from one address: that address is refused for Kim, even with the
        // right password, with Cognito's words.
        let a = Cognito::from_address(&app, [127, 0, 0, 2]);
        for _ in 0..3 {
            a.sign_in(&client, "kim", WRONG).await.err("NotAuthorizedException");
        }
        let refused = a.sign_in(&client, "kim", PW).await.err("NotAuthorizedException");
        assert_eq!(refused["message"], EXCEEDED);
        // Kim, elsewhere, is not locked out: at a familiar address, and at a new one.
        victim.sign_in(&client, "kim", PW).await.ok();
        let new_place = Cognito::from_address(&app, [127, 0, 0, 3]);
        new_place.sign_in(&client, "kim", PW).await.ok();

        // A second guessing address takes Kim's failures from unfamiliar addresses to the
        // ceiling (3 + 3): now an address Kim never used is refused too, and counts nothing...
        let b = Cognito::from_address(&app, [127, 0, 0, 4]);
        for _ in 0..3 {
            b.sign_in(&client, "kim", WRONG).await.err("NotAuthorizedException");
        }
        let stranger = Cognito::from_address(&app, [127, 0, 0, 5]);
        let refused = stranger.sign_in(&client, "kim", PW).await.err("NotAuthorizedException");
        assert_eq!(refused["message"], EXCEEDED);
        // ...while the addresses Kim signed in from still let Kim in.
        victim.sign_in(&client, "kim", PW).await.ok();
        new_place.sign_in(&client, "kim", PW).await.ok();
        // A familiar address gets its own tries, no more: three wrong ones refuse it as well.
        for _ in 0..3 {
            new_place.sign_in(&client, "kim", WRONG).await.err("NotAuthorizedException");
        }
        assert_eq!(new_place.sign_in(&client, "kim", PW).await.err("NotAuthorizedException")["message"], EXCEEDED);
        victim.sign_in(&client, "kim", PW).await.ok();
        // Another user of the pool is untouched throughout.
        victim.user(&pool, "lee", PW, "lee@example.com").await;
        stranger.sign_in(&client, "lee", PW).await.ok();
        app.stop().await;
    }
);

both_backends!(
    a_browser_that_signed_in_before_gets_past_the_ceiling,
    config |cfg: &mut warden_server::Config| {
        cfg.throttle.per_user = 3;
        cfg.throttle.per_user_ceiling = 3;
    },
    |app| {
        let s = setup(&app).await;
        let client = s.confidential.0.as_str();
        // Alice signs in once in her browser (at 127.0.0.6), which keeps a remembered-browser
        // cookie for the pool.
        let mut home = Browser::from_address(&app.url, [127, 0, 0, 6]);
        let page = home.get(&authorize_url(client, &[])).await;
        let signed_in = home.login(&page, "alice", PASSWORD).await;
        assert_eq!(signed_in.status, 303, "{}", signed_in.body);
        let name = format!("warden_known_{}", s.pool_id);
        let remembered = home.cookies.get(&name).cloned().expect("a remembered-browser cookie");

        // Someone guesses Alice's password from another address up to the ceiling.
        let mut guesser = Browser::from_address(&app.url, [127, 0, 0, 7]);
        for _ in 0..3 {
            let page = guesser.get(&authorize_url(client, &[])).await;
            let wrong = guesser.login(&page, "alice", "Wrong-passw0rd!").await;
            assert_eq!(wrong.status, 401);
        }
        // A browser Alice never used is refused now, even with the right password...
        let mut fresh = Browser::from_address(&app.url, [127, 0, 0, 8]);
        let page = fresh.get(&authorize_url(client, &[])).await;
        let refused = fresh.login(&page, "alice", PASSWORD).await;
        assert_eq!(refused.status, 401);
        assert!(refused.body.contains(EXCEEDED), "{}", refused.body);
        // ...but her own browser, at an address it never signed in from, gets in: its cookie
        // vouches for it.
        let mut travelling = Browser::from_address(&app.url, [127, 0, 0, 9]);
        travelling.cookies.insert(name.clone(), remembered.clone());
        let page = travelling.get(&authorize_url(client, &[])).await;
        let again = travelling.login(&page, "alice", PASSWORD).await;
        assert_eq!(again.status, 303, "{}", again.body);
        let location = again.location.clone().unwrap_or_default();
        assert!(location.contains("code="), "{location}");
        // An altered cookie vouches for nobody.
        let mut forged = Browser::from_address(&app.url, [127, 0, 0, 10]);
        let (at, mac) = remembered.split_once('.').unwrap();
        let later: i64 = at.parse::<i64>().unwrap() + 1;
        forged.cookies.insert(name.clone(), format!("{later}.{mac}"));
        let page = forged.get(&authorize_url(client, &[])).await;
        let refused = forged.login(&page, "alice", PASSWORD).await;
        assert!(refused.body.contains(EXCEEDED), "{}", refused.body);
        app.stop().await;
    }
);
