//! The Rust scribeauth client and its CLI against a live Warden (both stores).

use std::io::Write;
use std::process::{Command, Stdio};

use scribeauth::{Error, PoolConfiguration, ScribeAuth, TokensOrChallenge};
use warden_core::model::{AuthFlow, MfaConfiguration, PoolSettings};
use warden_core::service::{ClientSpec, CreateUser, PoolSpec};
use warden_testkit::{Backend, TestApp};

const PW: &str = "Correct-Horse-1";

struct Fixture {
    app: TestApp,
    pool: String,
    client: String,
}

async fn fixture(backend: Backend) -> Option<Fixture> {
    let app = TestApp::spawn(backend).await?;
    let w = &app.warden;
    let settings = PoolSettings { mfa_configuration: MfaConfiguration::Optional, ..PoolSettings::default() };
    let pool = w.directory.create_pool(PoolSpec { name: "sdk".into(), settings }).await.unwrap().id;
    let mut spec = ClientSpec { pool_id: pool.clone(), name: "app".into(), ..ClientSpec::default() };
    spec.settings.explicit_auth_flows = vec![AuthFlow::UserPassword, AuthFlow::RefreshToken];
    let client = w.directory.create_client(spec).await.unwrap().client.id;
    Some(Fixture { app, pool, client })
}

impl Fixture {
    fn auth(&self) -> ScribeAuth {
        ScribeAuth::with_endpoint(PoolConfiguration::new(&self.client, &self.pool), Some(&self.app.url))
    }

    async fn user(&self, name: &str, temporary: bool) {
        let w = &self.app.warden;
        let mut attributes = std::collections::BTreeMap::new();
        attributes.insert("email".to_owned(), format!("{name}@example.com"));
        w.directory
            .admin_create_user(CreateUser {
                pool_id: self.pool.clone(),
                username: name.into(),
                temporary_password: Some("Temp-Passw0rd!".into()),
                attributes,
                message_action: Some("SUPPRESS".into()),
            })
            .await
            .unwrap();
        if !temporary {
            w.directory.admin_set_user_password(&self.pool, name, &PW.into(), true).await.unwrap();
        }
    }
}

async fn tokens(auth: &ScribeAuth, user: &str, pw: &str) -> scribeauth::Tokens {
    match auth.get_tokens_with_password(user, pw).await.unwrap() {
        TokensOrChallenge::Tokens(t) => t,
        TokensOrChallenge::Challenge(c) => panic!("unexpected challenge {}", c.challenge_name),
    }
}

async fn sdk_flows(f: Fixture) {
    let auth = f.auth();
    f.user("ada", false).await;
    let t = tokens(&auth, "ada", PW).await;
    let r = auth.get_tokens_with_refresh(&t.refresh_token).await.unwrap();
    assert_eq!(r.refresh_token, t.refresh_token);
    assert_ne!(r.access_token, t.access_token);
    assert!(matches!(auth.get_tokens_with_password("ada", "Wrong-Passw0rd!").await, Err(Error::Unauthorized(_))));
    assert!(matches!(auth.get_tokens_with_refresh("garbage").await, Err(Error::Unauthorized(_))));

    // Both change_password paths.
    assert_eq!(auth.change_password("ada", PW, "Changed-Passw0rd!").await.unwrap(), None);
    tokens(&auth, "ada", "Changed-Passw0rd!").await;
    let weak = auth.change_password("ada", "Changed-Passw0rd!", "weak").await.unwrap_err();
    assert_eq!(weak.code(), Some("InvalidPasswordException"));
    f.user("bea", true).await;
    assert!(matches!(
        auth.get_tokens_with_password("bea", "Temp-Passw0rd!").await.unwrap(),
        TokensOrChallenge::Challenge(_)
    ));
    assert_eq!(auth.change_password("bea", "Temp-Passw0rd!", "Chosen-Passw0rd!").await.unwrap(), None);
    tokens(&auth, "bea", "Chosen-Passw0rd!").await;

    // Forgot password, with the code from the dev outbox.
    f.app.warden.accounts.forgot_password(&f.client, None, "bea", "127.0.0.1", "attempt-1").await.unwrap();
    let code = f.app.outbox().await.iter().rev().find(|m| m["username"] == "bea").unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(auth.forgot_password("bea", "Reset-Passw0rd!", &code).await.unwrap());
    assert_eq!(
        auth.forgot_password("bea", "Again-Passw0rd!", &code).await.unwrap_err().code(),
        Some("ExpiredCodeException")
    );
    tokens(&auth, "bea", "Reset-Passw0rd!").await;

    // TOTP: the challenge and its answer.
    let t = tokens(&auth, "bea", "Reset-Passw0rd!").await;
    let secret = f.app.warden.accounts.associate_software_token(&t.access_token).await.unwrap();
    let now = f.app.warden.kernel.now();
    let code = warden_core::crypto::totp::code_for_base32(secret.expose(), now).unwrap();
    f.app.warden.accounts.verify_software_token(&t.access_token, &code).await.unwrap();
    f.app.warden.accounts.set_software_token_mfa(&t.access_token, true).await.unwrap();
    let TokensOrChallenge::Challenge(c) = auth.get_tokens_with_password("bea", "Reset-Passw0rd!").await.unwrap() else {
        panic!("expected an MFA challenge");
    };
    assert_eq!(c.challenge_name, "SOFTWARE_TOKEN_MFA");
    let wrong = auth.respond_to_auth_challenge_mfa("bea", &c.session, "000000x").await.unwrap_err();
    assert_eq!(wrong, Error::Unauthorized("Wrong MFA code".into()));
    let reused = auth.respond_to_auth_challenge_mfa("bea", &c.session, &code).await.unwrap_err();
    assert_eq!(reused, Error::Unauthorized("Expired MFA code".into()));
    let next = warden_core::crypto::totp::code_for_base32(secret.expose(), now + 30).unwrap();
    let mfa = auth.respond_to_auth_challenge_mfa("bea", &c.session, &next).await.unwrap();
    assert!(!mfa.access_token.is_empty() && !mfa.refresh_token.is_empty());

    // Revocation.
    assert!(auth.revoke_refresh_token("refresh_token").await.unwrap());
    assert!(auth.revoke_refresh_token(&mfa.refresh_token).await.unwrap());
    assert!(auth.get_tokens_with_refresh(&mfa.refresh_token).await.is_err());
    assert!(f.app.warden.directory.get_user(&mfa.access_token).await.is_err());
    f.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_against_warden_sqlite() {
    sdk_flows(fixture(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_against_warden_postgres() {
    if let Some(f) = fixture(Backend::Postgres).await {
        sdk_flows(f).await;
    }
}

fn cli(f: &Fixture, args: &[&str], env: &[(&str, &str)], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scribeauth"))
        .args(["--client_id", &f.client, "--user_pool_id", &f.pool])
        .args(args)
        .env("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", &f.app.url)
        .env_remove("SCRIBEAUTH_PASSWORD")
        .env_remove("SCRIBEAUTH_REFRESH_TOKEN")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_three_cli_modes() {
    let f = fixture(Backend::Sqlite).await.unwrap();
    f.user("cal", false).await;
    let (ok, out, err) = tokio::task::block_in_place(|| cli(&f, &["--username", "cal", "--password", PW], &[], ""));
    assert!(ok, "{err}");
    let t: serde_json::Value = serde_json::from_str(&out).unwrap();
    let refresh = t["refresh_token"].as_str().unwrap().to_owned();
    let (ok, out, _) = tokio::task::block_in_place(|| cli(&f, &["--refresh_token", &refresh], &[], ""));
    assert!(ok && out.contains(&refresh));
    let (ok, _, err) = tokio::task::block_in_place(|| cli(&f, &["--username", "cal", "--password", "nope"], &[], ""));
    assert!(!ok && err.contains("Username and/or Password are incorrect"), "{err}");
    // The secrets can come from the environment instead of argv (where `ps` shows them); a flag wins.
    let (ok, out, err) =
        tokio::task::block_in_place(|| cli(&f, &["--username", "cal"], &[("SCRIBEAUTH_PASSWORD", PW)], ""));
    assert!(ok, "{err}");
    assert!(serde_json::from_str::<serde_json::Value>(&out).unwrap()["access_token"].is_string(), "{out}");
    let env = [("SCRIBEAUTH_REFRESH_TOKEN", refresh.as_str())];
    let (ok, out, err) = tokio::task::block_in_place(|| cli(&f, &[], &env, ""));
    assert!(ok && out.contains(&refresh), "{err}");
    let (ok, _, err) = tokio::task::block_in_place(|| {
        cli(&f, &["--username", "cal", "--password", "nope"], &[("SCRIBEAUTH_PASSWORD", PW)], "")
    });
    assert!(!ok && err.contains("Username and/or Password are incorrect"), "{err}");

    let access = t["access_token"].as_str().unwrap().to_owned();
    let secret = f.app.warden.accounts.associate_software_token(&access).await.unwrap();
    let now = f.app.warden.kernel.now();
    f.app
        .warden
        .accounts
        .verify_software_token(&access, &warden_core::crypto::totp::code_for_base32(secret.expose(), now).unwrap())
        .await
        .unwrap();
    f.app.warden.accounts.set_software_token_mfa(&access, true).await.unwrap();
    let next = warden_core::crypto::totp::code_for_base32(secret.expose(), now + 30).unwrap();
    let (ok, out, err) =
        tokio::task::block_in_place(|| cli(&f, &["--username", "cal", "--password", PW], &[], &format!("{next}\n")));
    assert!(ok, "{err}");
    // The prompt goes to stderr: stdout is only the JSON, for scripts that capture it.
    assert!(err.starts_with("Enter MFA code: "), "{err}");
    let t: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert!(t["access_token"].is_string(), "{out}");
    f.app.stop().await;
}

async fn federated_flows(f: Fixture) {
    use warden_core::model::IdentityProvider;
    use warden_core::service::IdentityPoolSpec;
    f.user("dee", false).await;
    let w = &f.app.warden;
    let ip = w
        .federation
        .create_identity_pool(IdentityPoolSpec {
            name: "fed".into(),
            allow_unauthenticated: false,
            providers: vec![IdentityProvider {
                provider_name: format!("cognito-idp.eu-west-2.amazonaws.com/{}", f.pool),
                client_id: f.client.clone(),
                server_side_token_check: false,
            }],
        })
        .await
        .unwrap();
    w.federation
        .set_identity_pool_roles(&ip.id, [("authenticated".to_owned(), "arn:aws:iam::0:role/api".to_owned())].into())
        .await
        .unwrap();
    let mut config = PoolConfiguration::new(&f.client, &f.pool);
    let no_pool = ScribeAuth::with_endpoint(config.clone(), Some(&f.app.url));
    config.identity_pool_id = Some(ip.id.clone());
    let auth = ScribeAuth::with_endpoint(config, Some(&f.app.url));
    let t = tokens(&auth, "dee", PW).await;
    assert!(matches!(no_pool.get_federated_id(&t.id_token).await, Err(Error::MissingId(_))));
    let id = auth.get_federated_id(&t.id_token).await.unwrap();
    assert_eq!(auth.get_federated_id(&t.id_token).await.unwrap(), id);
    assert_eq!(
        auth.get_federated_id("id_token").await.unwrap_err(),
        Error::Unauthorized("Could not retrieve federated id".into())
    );
    let creds = auth.get_federated_credentials(&id, &t.id_token).await.unwrap();
    assert!(creds.expiration > w.kernel.now() + 3000);
    assert_eq!(
        auth.get_federated_credentials("eu-west-2:00000000-1111-2abc-3def-4444aaaa5555", &t.id_token)
            .await
            .unwrap_err(),
        Error::ResourceNotFound("Invalid federated_id".into())
    );
    // The signature verifies against the secret Warden issued, as the gateway checks it.
    let url = "https://api.example.com/v1/things?page=2";
    let signed =
        scribeauth::get_signature_for_request("GET", url, &[("Content-Type", "application/json")], &creds).unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert("host", "api.example.com".parse().unwrap());
    for (k, v) in &signed {
        headers.insert(http::HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).unwrap(), v.parse().unwrap());
    }
    let (auth_header, at) = warden_sigv4::read(&headers, "execute-api").unwrap();
    let (_, secret) = w
        .federation
        .verify_temporary_credentials(&auth_header.access_key_id, headers["x-amz-security-token"].to_str().unwrap())
        .await
        .unwrap();
    let payload = warden_sigv4::payload(&headers, b"");
    warden_sigv4::check("GET", "/v1/things?page=2", &headers, payload, &auth_header, at, secret.expose()).unwrap();
    assert!(warden_sigv4::check("GET", "/v1/other", &headers, payload, &auth_header, at, secret.expose()).is_err());

    // The CLI's --federated mode.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scribeauth"))
        .args(["--client_id", &f.client, "--user_pool_id", &f.pool, "--identity_pool_id", &ip.id, "--federated"])
        .args(["--username", "dee", "--password", PW, "--endpoint", &f.app.url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["IdentityId"], id.as_str());
    assert!(printed["Credentials"]["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    f.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn federated_identity_and_signatures_sqlite() {
    federated_flows(fixture(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn federated_identity_and_signatures_postgres() {
    if let Some(f) = fixture(Backend::Postgres).await {
        federated_flows(f).await;
    }
}
