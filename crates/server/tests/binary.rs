//! The `warden` binary itself: operator commands, `serve` on the zero-config SQLite default,
//! kill -9 and restart without losing acknowledged writes, and graceful SIGTERM.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_warden");

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("warden-bin-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn warden(dir: &Path, args: &[&str]) -> Value {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("WARDEN_ARGON2_MEMORY_KIB", "1024")
        .env("WARDEN_ARGON2_ITERATIONS", "1")
        .env_remove("WARDEN_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "warden {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&out.stdout).into_owned()))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve(dir: &Path, port: u16) -> Child {
    Command::new(BIN)
        .arg("serve")
        .current_dir(dir)
        .env("WARDEN_LISTEN", format!("127.0.0.1:{port}"))
        .env("WARDEN_ARGON2_MEMORY_KIB", "1024")
        .env("WARDEN_ARGON2_ITERATIONS", "1")
        .env_remove("WARDEN_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("{base}/ready")).await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server at {base} never became ready");
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
async fn commands_serve_kill_restart_and_sigterm() {
    let dir = temp_dir();
    let pool = warden(&dir, &["pool", "create", "--name", "main", "--json"]);
    let pool_id = pool["Id"].as_str().unwrap().to_owned();
    assert!(dir.join("warden-data/warden.db").exists(), "zero-config SQLite in ./warden-data");
    assert!(dir.join("warden-data/master.key").exists());
    let client = warden(&dir, &["client", "create", "--pool-id", &pool_id, "--name", "app", "--json"]);
    let client_id = client["ClientId"].as_str().unwrap().to_owned();
    assert!(client.get("ClientSecret").is_none(), "public client by default");
    let svc = warden(&dir, &["client", "create", "--pool-id", &pool_id, "--name", "svc", "--secret", "--json"]);
    assert_eq!(svc["ClientSecret"].as_str().unwrap().len(), 51);
    let user = warden(
        &dir,
        &[
            "user",
            "create",
            "--pool-id",
            &pool_id,
            "--username",
            "olga",
            "--temporary-password",
            "Temp-Pass-1",
            "--json",
        ],
    );
    assert_eq!(user["UserStatus"], "FORCE_CHANGE_PASSWORD");
    let listed = warden(&dir, &["user", "list", "--pool-id", &pool_id, "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let key = warden(&dir, &["access-key", "create", "--json"]);
    assert!(key["AccessKeyId"].as_str().unwrap().starts_with("AKIA"));
    let keys = warden(&dir, &["access-key", "list", "--json"]);
    assert!(keys.to_string().find("SecretAccessKey").is_none(), "list never shows secrets");

    let shown = Command::new(BIN)
        .arg("config")
        .env("WARDEN_ADMIN_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE")
        .env("WARDEN_ADMIN_SECRET_ACCESS_KEY", "very-secret-value")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains("**redacted**") && !shown.contains("very-secret-value"), "{shown}");

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(&dir, port);
    wait_ready(&base).await;
    let auth = json!({ "ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": "olga", "PASSWORD": "Temp-Pass-1" } });
    let (s, ch) = call(&base, "InitiateAuth", auth).await;
    assert_eq!(s, 200, "{ch}");
    assert_eq!(ch["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let (s, done) = call(
        &base,
        "RespondToAuthChallenge",
        json!({ "ClientId": client_id, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": ch["Session"],
                "ChallengeResponses": { "USERNAME": "olga", "NEW_PASSWORD": "Final-Passw0rd!" } }),
    )
    .await;
    assert_eq!(s, 200, "{done}");
    let refresh = done["AuthenticationResult"]["RefreshToken"].as_str().unwrap().to_owned();

    // kill -9, then restart: the acknowledged password change and refresh token survive.
    server.kill().unwrap();
    server.wait().unwrap();
    let mut server = serve(&dir, port);
    wait_ready(&base).await;
    let (s, r) = call(&base, "InitiateAuth", json!({ "ClientId": client_id, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": refresh } })).await;
    assert_eq!(s, 200, "{r}");
    let (s, me) = call(&base, "GetUser", json!({ "AccessToken": r["AuthenticationResult"]["AccessToken"] })).await;
    assert_eq!((s, me["Username"].as_str()), (200, Some("olga")));
    let (s, _) = call(&base, "InitiateAuth", json!({ "ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": "olga", "PASSWORD": "Final-Passw0rd!" } })).await;
    assert_eq!(s, 200);

    // SIGTERM: a graceful, successful exit.
    let pid = server.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = server.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_configuration_is_refused_with_a_message() {
    let out = Command::new(BIN).arg("config").env("WARDEN_ARGON2_ITERATIONS", "lots").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("WARDEN_ARGON2_ITERATIONS"));
}

/// Serves `body` as JSON to each connection, `times` times.
fn serve_json_once(body: &'static str, times: usize) -> u16 {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for _ in 0..times {
            let Ok((mut s, _)) = listener.accept() else { return };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(s, "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
        }
    });
    port
}

#[test]
fn issuer_keys_are_fetched_from_a_jwks_url() {
    let dir = temp_dir();
    let jwks = r#"{"keys":[{"kty":"RSA","kid":"k1","alg":"RS256","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB"}]}"#;
    let port = serve_json_once(jwks, 1);
    let added = warden(
        &dir,
        &[
            "issuer",
            "add",
            "--iss",
            "https://c.example",
            "--jwks-url",
            &format!("http://127.0.0.1:{port}/jwks"),
            "--sub",
            "acct-1",
            "--scope",
            "read=read",
            "--json",
        ],
    );
    assert_eq!(added["Keys"], 1);
    let listed = warden(&dir, &["issuer", "list", "--json"]);
    assert_eq!(listed[0]["Issuer"], "https://c.example");
    let bad_port = serve_json_once(r#"{"nope":[]}"#, 1);
    let out = Command::new(BIN)
        .args([
            "issuer",
            "add",
            "--iss",
            "https://d.example",
            "--jwks-url",
            &format!("http://127.0.0.1:{bad_port}/"),
            "--sub",
            "s",
            "--scope",
            "r=r",
        ])
        .current_dir(&dir)
        .env_remove("WARDEN_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no `keys` array"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[allow(unsafe_code)]
fn the_files_warden_creates_are_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let dir = temp_dir();
    let mut cmd = Command::new(BIN);
    cmd.args(["pool", "create", "--name", "main", "--json"])
        .current_dir(&dir)
        .env("WARDEN_ARGON2_MEMORY_KIB", "1024")
        .env("WARDEN_ARGON2_ITERATIONS", "1")
        .env_remove("WARDEN_DATABASE_URL")
        .env_remove("WARDEN_DATA_DIR");
    // SAFETY: umask is async-signal-safe. The usual permissive mask, whatever the test runner's:
    // warden must narrow it itself.
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0o022);
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let data = dir.join("warden-data");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&data).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{name} is {mode:o}, open to others");
        names.push(name);
    }
    assert!(names.iter().any(|n| n == "warden.db"), "{names:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_issuer_names_one_pool() {
    let dir = temp_dir();
    let first = warden(&dir, &["pool", "create", "--name", "a", "--issuer", "https://id.example/a", "--json"]);
    let again = Command::new(BIN)
        .args(["pool", "create", "--name", "b", "--issuer", "https://id.example/a/", "--json"])
        .current_dir(&dir)
        .env_remove("WARDEN_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!again.status.success(), "a second pool took the issuer");
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already pool") && stderr.contains(first["Id"].as_str().unwrap()), "{stderr}");
    let pools = warden(&dir, &["pool", "list", "--json"]);
    assert_eq!(pools.as_array().unwrap().len(), 1, "nothing created");
    std::fs::remove_dir_all(&dir).unwrap();
}
