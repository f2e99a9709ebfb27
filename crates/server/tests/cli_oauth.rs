//! The operator commands for the OAuth side, through the `warden` binary: resource servers,
//! OAuth and service clients, users with a permanent password, and `warden token`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_warden");

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("warden-cli-oauth-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .env("WARDEN_ARGON2_MEMORY_KIB", "1024")
        .env("WARDEN_ARGON2_ITERATIONS", "1")
        .env_remove("WARDEN_DATABASE_URL")
        .env_remove("WARDEN_CLIENT_SECRET");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Runs a command that must succeed and parses its `--json` output.
fn warden(dir: &Path, args: &[&str]) -> Value {
    let out = run(dir, args, &[]);
    assert!(out.status.success(), "warden {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("warden {args:?} printed no JSON ({e})"))
}

/// Runs a command that must fail and returns its stderr.
fn refused(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args, &[]);
    assert!(!out.status.success(), "warden {args:?} should fail: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// base64url without padding, as in a JWS.
fn b64url_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'-' => 62,
            b'_' => 63,
            _ => panic!("not base64url: {c}"),
        }
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        acc = (acc << 6) | value(c);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// The header and the claims of a compact JWS (the signature is checked by the testkit's JWKS
/// tests; here the command's output is under test).
fn jwt_parts(token: &str) -> (Value, Value) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWS has three parts: {token}");
    (
        serde_json::from_slice(&b64url_decode(parts[0])).unwrap(),
        serde_json::from_slice(&b64url_decode(parts[1])).unwrap(),
    )
}

#[test]
fn resource_servers_service_clients_and_tokens() {
    let dir = temp_dir();
    let pool_id = warden(&dir, &["pool", "create", "--name", "main", "--json"])["Id"].as_str().unwrap().to_owned();
    let p = pool_id.as_str();

    // Resource servers: a description defaults to the scope's name.
    let rs = warden(
        &dir,
        &[
            "resource-server",
            "create",
            "--pool-id",
            p,
            "--identifier",
            "api",
            "--name",
            "API",
            "--scopes",
            "read,write",
            "--scope-description",
            "write=Change things",
            "--json",
        ],
    );
    assert_eq!(rs["Identifier"], "api");
    assert_eq!(
        rs["Scopes"],
        json!([{ "ScopeName": "read", "ScopeDescription": "read" }, { "ScopeName": "write", "ScopeDescription": "Change things" }])
    );
    warden(
        &dir,
        &[
            "resource-server",
            "create",
            "--pool-id",
            p,
            "--identifier",
            "files",
            "--name",
            "Files",
            "--scopes",
            "get",
            "--json",
        ],
    );
    let listed = warden(&dir, &["resource-server", "list", "--pool-id", p, "--json"]);
    let ids: Vec<&str> = listed.as_array().unwrap().iter().map(|s| s["Identifier"].as_str().unwrap()).collect();
    assert_eq!(ids, ["api", "files"]);
    let dup = refused(&dir, &["resource-server", "create", "--pool-id", p, "--identifier", "api", "--name", "Again"]);
    assert!(dup.contains("already exists"), "{dup}");
    assert!(refused(
        &dir,
        &[
            "resource-server",
            "create",
            "--pool-id",
            p,
            "--identifier",
            "x",
            "--name",
            "X",
            "--scopes",
            "a",
            "--scope-description",
            "b=B"
        ]
    )
    .contains("no such scope"));
    assert_eq!(
        warden(&dir, &["resource-server", "delete", "--pool-id", p, "--identifier", "files", "--json"])["Deleted"],
        "files"
    );
    assert_eq!(warden(&dir, &["resource-server", "list", "--pool-id", p, "--json"]).as_array().unwrap().len(), 1);

    // A service client: confidential, client_credentials, the scopes given.
    let svc = warden(
        &dir,
        &[
            "client",
            "create",
            "--pool-id",
            p,
            "--name",
            "svc",
            "--service",
            "--oauth-scopes",
            "api/read api/write",
            "--json",
        ],
    );
    let (svc_id, secret) =
        (svc["ClientId"].as_str().unwrap().to_owned(), svc["ClientSecret"].as_str().unwrap().to_owned());
    assert_eq!(svc["AllowedOAuthFlowsUserPoolClient"], true);
    assert_eq!(svc["AllowedOAuthFlows"], json!(["client_credentials"]));
    assert_eq!(svc["AllowedOAuthScopes"], json!(["api/read", "api/write"]));
    assert_eq!(svc["ExplicitAuthFlows"], json!(["ALLOW_REFRESH_TOKEN_AUTH"]));
    let e = refused(&dir, &["client", "create", "--pool-id", p, "--name", "x", "--service"]);
    assert!(e.contains("--oauth-scopes"), "{e}");
    let e = refused(
        &dir,
        &["client", "create", "--pool-id", p, "--name", "x", "--service", "--oauth-scopes", "openid,api/read"],
    );
    assert!(e.contains("openid is not supported with client_credentials flow"), "{e}");
    let e = refused(
        &dir,
        &["client", "create", "--pool-id", p, "--name", "x", "--service", "--oauth-scopes", "api/delete"],
    );
    assert!(e.contains("Invalid scope requested: api/delete"), "{e}");
    let e = refused(
        &dir,
        &[
            "client",
            "create",
            "--pool-id",
            p,
            "--name",
            "x",
            "--service",
            "--oauth-flows",
            "code",
            "--oauth-scopes",
            "api/read",
        ],
    );
    assert!(e.contains("cannot be used with"), "{e}");

    // A web client with the code grant.
    let web = warden(
        &dir,
        &[
            "client",
            "create",
            "--pool-id",
            p,
            "--name",
            "web",
            "--oauth-flows",
            "code",
            "--oauth-scopes",
            "openid,email profile",
            "--callback-urls",
            "https://app.example/cb,http://localhost:3000/cb",
            "--logout-urls",
            "https://app.example/bye",
            "--rotate-refresh-tokens",
            "--json",
        ],
    );
    assert!(web.get("ClientSecret").is_none());
    assert_eq!(web["AllowedOAuthFlowsUserPoolClient"], true);
    assert_eq!(web["AllowedOAuthFlows"], json!(["code"]));
    assert_eq!(web["AllowedOAuthScopes"], json!(["openid", "email", "profile"]));
    assert_eq!(web["CallbackURLs"], json!(["https://app.example/cb", "http://localhost:3000/cb"]));
    assert_eq!(web["LogoutURLs"], json!(["https://app.example/bye"]));
    assert_eq!(web["RefreshTokenRotation"], "ENABLED");
    let e = refused(
        &dir,
        &["client", "create", "--pool-id", p, "--name", "x", "--oauth-flows", "code", "--oauth-scopes", "openid"],
    );
    assert!(e.contains("CallbackUrls can not be empty"), "{e}");
    let e = refused(
        &dir,
        &[
            "client",
            "create",
            "--pool-id",
            p,
            "--name",
            "x",
            "--oauth-flows",
            "code",
            "--oauth-scopes",
            "openid",
            "--callback-urls",
            "http://app.example/cb",
        ],
    );
    assert!(e.contains("HTTPS"), "{e}");
    let clients = warden(&dir, &["client", "list", "--pool-id", p, "--json"]);
    assert_eq!(clients.as_array().unwrap().len(), 2, "refused creates left nothing: {clients}");

    // A public code-grant client rotates its refresh tokens unless told not to (RFC 9700).
    fn public<'a>(pool: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args =
            vec!["client", "create", "--pool-id", pool, "--name", "spa", "--oauth-flows", "code", "--oauth-scopes"];
        args.extend(["openid", "--callback-urls", "https://app.example/cb", "--json"]);
        args.extend(extra);
        args
    }
    assert_eq!(warden(&dir, &public(p, &[]))["RefreshTokenRotation"], "ENABLED");
    assert_eq!(warden(&dir, &public(p, &["--no-rotate-refresh-tokens"]))["RefreshTokenRotation"], "DISABLED");
    let e = refused(&dir, &public(p, &["--rotate-refresh-tokens", "--no-rotate-refresh-tokens"]));
    assert!(e.contains("cannot be used with"), "{e}");

    // warden token: the client_credentials grant, its response as JSON.
    let t =
        warden(&dir, &["token", "--client-id", &svc_id, "--client-secret", &secret, "--scope", "api/read", "--json"]);
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["scope"], "api/read");
    assert!(t["expires_in"].as_i64().unwrap() > 0);
    assert!(t.get("refresh_token").is_none() && t.get("id_token").is_none());
    let (header, claims) = jwt_parts(t["access_token"].as_str().unwrap());
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["scope"], "api/read");
    assert_eq!(claims["client_id"], svc_id.as_str());
    assert_eq!(claims["sub"], svc_id.as_str());
    assert_eq!(claims["token_use"], "access");
    assert!(claims["iss"].as_str().unwrap().ends_with(&format!("/{pool_id}")), "{claims}");
    assert!(claims.get("username").is_none());

    // Without --scope: every scope the client has; the secret may come from the environment.
    let out = run(&dir, &["token", "--client-id", &svc_id, "--json"], &[("WARDEN_CLIENT_SECRET", &secret)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let t: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(t["scope"], "api/read api/write");
    assert_eq!(jwt_parts(t["access_token"].as_str().unwrap()).1["scope"], "api/read api/write");
    let text = run(&dir, &["token", "--client-id", &svc_id, "--client-secret", &secret], &[]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("access_token: ey"), "plain output without --json");

    let e = refused(&dir, &["token", "--client-id", &svc_id, "--client-secret", "wrong"]);
    assert!(e.contains("invalid_client"), "{e}");
    let e = refused(&dir, &["token", "--client-id", &svc_id, "--client-secret", &secret, "--scope", "openid"]);
    assert!(e.contains("invalid_scope"), "{e}");
    let web_id = web["ClientId"].as_str().unwrap();
    let e = refused(&dir, &["token", "--client-id", web_id, "--client-secret", "x"]);
    assert!(e.contains("invalid_client"), "a public client has no secret to present: {e}");
    let _ = std::fs::remove_dir_all(&dir);
}

async fn call(base: &str, op: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/"))
        .header("x-amz-target", format!("AWSCognitoIdentityProviderService.{op}"))
        .header("content-type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn users_with_a_permanent_password_sign_in_directly() {
    let dir = temp_dir();
    let pool_id = warden(&dir, &["pool", "create", "--name", "main", "--json"])["Id"].as_str().unwrap().to_owned();
    let p = pool_id.as_str();
    let client = warden(&dir, &["client", "create", "--pool-id", p, "--name", "app", "--json"]);
    let client_id = client["ClientId"].as_str().unwrap().to_owned();
    let u = warden(
        &dir,
        &[
            "user",
            "create",
            "--pool-id",
            p,
            "--username",
            "ada",
            "--password",
            "Perm-Passw0rd!",
            "--email",
            "ada@example.com",
            "--json",
        ],
    );
    assert_eq!(u["UserStatus"], "CONFIRMED");
    assert!(u.get("TemporaryPassword").is_none(), "nothing generated, nothing printed");
    assert_eq!(u["Attributes"]["email"], "ada@example.com");
    assert_eq!(
        warden(&dir, &["user", "get", "--pool-id", p, "--username", "ada", "--json"])["UserStatus"],
        "CONFIRMED"
    );

    // The pool's password policy applies, and a refused user is not left behind.
    let e = refused(&dir, &["user", "create", "--pool-id", p, "--username", "bob", "--password", "short"]);
    assert!(e.to_lowercase().contains("password"), "{e}");
    refused(&dir, &["user", "get", "--pool-id", p, "--username", "bob"]);
    let e = refused(
        &dir,
        &[
            "user",
            "create",
            "--pool-id",
            p,
            "--username",
            "bob",
            "--password",
            "Perm-Passw0rd!",
            "--temporary-password",
            "Temp-Passw0rd!",
        ],
    );
    assert!(e.contains("cannot be used with"), "{e}");
    assert_eq!(warden(&dir, &["user", "list", "--pool-id", p, "--json"]).as_array().unwrap().len(), 1);

    // Signing in needs no NEW_PASSWORD_REQUIRED challenge.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = Command::new(BIN)
        .arg("serve")
        .current_dir(&dir)
        .env("WARDEN_LISTEN", format!("127.0.0.1:{port}"))
        .env("WARDEN_ARGON2_MEMORY_KIB", "1024")
        .env("WARDEN_ARGON2_ITERATIONS", "1")
        .env_remove("WARDEN_DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/ready")).await {
            if r.status().is_success() {
                break;
            }
        }
        assert!(Instant::now() < deadline, "server never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (s, r) = call(
        &base,
        "InitiateAuth",
        json!({ "ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": "ada", "PASSWORD": "Perm-Passw0rd!" } }),
    )
    .await;
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(s, 200, "{r}");
    assert!(r.get("ChallengeName").is_none(), "{r}");
    assert!(r["AuthenticationResult"]["AccessToken"].is_string(), "{r}");
    let _ = std::fs::remove_dir_all(&dir);
}
