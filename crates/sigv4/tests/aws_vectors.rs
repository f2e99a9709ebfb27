//! The verifier against the v4 test vectors bundled with the aws-sigv4 crate (its
//! `aws-signing-test-suite`): each signed request verifies, and changing its body, a signed
//! header or the path makes it fail.

use std::path::PathBuf;

use http::{HeaderMap, HeaderName, HeaderValue};
use warden_sigv4::{check, read, Payload};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// All but the multi-line header value (obs-fold, which an HTTP header map cannot hold).
const VECTORS: &[&str] = &[
    "get-header-key-duplicate",
    "get-header-value-order",
    "get-vanilla",
    "get-vanilla-query",
    "get-vanilla-query-order-key-case",
    "get-vanilla-query-unreserved",
    "get-vanilla-empty-query-key",
    "get-unreserved",
    "get-header-value-trim",
    "get-vanilla-with-session-token",
    "post-vanilla",
    "post-vanilla-query",
    "post-header-key-case",
    "post-header-key-sort",
    "post-header-value-case",
    "post-x-www-form-urlencoded",
    "post-x-www-form-urlencoded-parameters",
];

fn suite() -> PathBuf {
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cargo"));
    let src = home.join("registry/src");
    for index in std::fs::read_dir(&src).expect("cargo registry sources") {
        let index = index.unwrap().path();
        let mut versions: Vec<PathBuf> = std::fs::read_dir(&index)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("aws-sigv4-1."))
            .collect();
        versions.sort();
        if let Some(v) = versions.pop() {
            return v.join("aws-signing-test-suite/v4");
        }
    }
    panic!("the aws-sigv4 crate's test suite was not found under {}", src.display());
}

struct Signed {
    method: String,
    uri: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

fn load(name: &str) -> Signed {
    let text = std::fs::read_to_string(suite().join(name).join("header-signed-request.txt")).unwrap();
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let request_line = lines.next().unwrap();
    let method = request_line.split(' ').next().unwrap().to_owned();
    let uri = request_line[method.len() + 1..request_line.rfind(" HTTP/").unwrap()].to_owned();
    let mut headers = HeaderMap::new();
    for line in lines {
        let (k, v) = line.split_once(':').unwrap();
        headers.append(
            HeaderName::from_bytes(k.trim().to_ascii_lowercase().as_bytes()).unwrap(),
            HeaderValue::from_str(v.trim()).unwrap(),
        );
    }
    Signed { method, uri, headers, body: body.as_bytes().to_vec() }
}

fn verify(s: &Signed) -> bool {
    let (auth, at) = read(&s.headers, "service").expect("authorization parses");
    check(&s.method, &s.uri, &s.headers, Payload::Bytes(&s.body), &auth, at, SECRET).is_ok()
}

#[test]
fn bundled_vectors_verify_and_tampering_fails() {
    for name in VECTORS {
        let signed = load(name);
        assert!(verify(&signed), "{name} should verify");

        let mut body = Signed { body: b"tampered".to_vec(), ..load(name) };
        body.body.extend_from_slice(&signed.body);
        assert!(!verify(&body), "{name}: a changed body must fail");

        let mut path = load(name);
        path.uri = format!("/x{}", path.uri);
        assert!(!verify(&path), "{name}: a changed path must fail");

        let mut header = load(name);
        header.headers.insert("x-amz-date", HeaderValue::from_static("20150830T123601Z"));
        assert!(!verify(&header), "{name}: a changed signed header must fail");

        // A value added to a signed header in transit (appended after the signed ones).
        let mut added = load(name);
        added.headers.append("host", HeaderValue::from_static("elsewhere.example"));
        assert!(!verify(&added), "{name}: a repeated signed header must fail");

        let wrong = load(name);
        let (auth, at) = read(&wrong.headers, "service").unwrap();
        assert!(check(
            &wrong.method,
            &wrong.uri,
            &wrong.headers,
            Payload::Bytes(&wrong.body),
            &auth,
            at,
            "not-the-secret"
        )
        .is_err());
    }
}

/// SignedHeaders without `host` is refused before any signing (the signer would have no host to
/// put in the canonical request), as AWS refuses it.
#[test]
fn host_must_be_signed() {
    let mut s = load("get-vanilla");
    let auth =
        s.headers.get("authorization").unwrap().to_str().unwrap().replace("SignedHeaders=host;", "SignedHeaders=");
    s.headers.insert("authorization", HeaderValue::from_str(&auth).unwrap());
    assert!(matches!(read(&s.headers, "service"), Err(warden_sigv4::SigError::Incomplete(_))));
}
