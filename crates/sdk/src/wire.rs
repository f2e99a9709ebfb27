//! AWS JSON 1.1 calls to `cognito-idp`, and error parsing and retries as botocore does them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::error::Error;

/// The user-pool service's target prefix.
pub const USER_POOLS: &str = "AWSCognitoIdentityProviderService";
/// The identity service's target prefix.
pub const IDENTITY: &str = "AWSCognitoIdentityService";

/// botocore's default `connect_timeout` and `read_timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest answer read (Cognito's are a few KiB); a larger one is refused, not buffered.
pub const MAX_BODY: usize = 1 << 20;
/// botocore's standard retry mode: three attempts in all.
const MAX_ATTEMPTS: u32 = 3;
/// The first retry waits 50-100 ms, the second 100-200 ms...; never more than `BACKOFF_CAP` (botocore's).
const BACKOFF_BASE: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(20);
/// The error codes botocore's standard mode retries (its throttling and transient codes).
const RETRYABLE_CODES: [&str; 16] = [
    "TooManyRequestsException",
    "LimitExceededException",
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestThrottledException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "RequestTimeout",
    "RequestTimeoutException",
];
/// The statuses botocore's standard mode retries, whatever the error code.
const RETRYABLE_STATUSES: [u16; 4] = [500, 502, 503, 504];

#[derive(Debug, Clone)]
pub struct Wire {
    endpoint: String,
    prefix: &'static str,
    http: reqwest::Client,
}

/// botocore's reading of `__type` (`parsers.py`): cut at the first `:`, then keep what follows the
/// last `#`, in that order.
pub fn error_code(raw: &str) -> String {
    let before_colon = raw.split(':').next().unwrap_or(raw);
    before_colon.rsplit('#').next().unwrap_or(before_colon).to_owned()
}

/// An error answer (status >= 300) read as botocore reads it: the code from `__type`, else the
/// status; the message from `message` or `Message`. An empty body gives the reason phrase, a body
/// that is not JSON gives itself as the message.
pub fn parse_error(status: reqwest::StatusCode, text: &str) -> Error {
    let fallback_code = status.as_u16().to_string();
    if text.trim().is_empty() {
        return Error::Service { code: fallback_code, message: status.canonical_reason().unwrap_or_default().into() };
    }
    let Ok(parsed) = serde_json::from_str::<Value>(text) else {
        return Error::Service { code: fallback_code, message: text.chars().take(200).collect() };
    };
    let code = parsed.get("__type").and_then(Value::as_str).map(error_code).unwrap_or(fallback_code);
    let message =
        parsed.get("message").or_else(|| parsed.get("Message")).and_then(Value::as_str).unwrap_or_default().to_owned();
    Error::Service { code, message }
}

/// Whether botocore's standard mode would try again after this error answer.
pub fn is_retryable(status: reqwest::StatusCode, error: &Error) -> bool {
    RETRYABLE_STATUSES.contains(&status.as_u16()) || error.code().is_some_and(|c| RETRYABLE_CODES.contains(&c))
}

/// The wait before retry number `retry` (1, 2...): exponential from `BACKOFF_BASE`, capped at
/// `BACKOFF_CAP`, the lower half of it jittered away at random.
fn backoff(retry: u32) -> Duration {
    let ceiling = BACKOFF_BASE.saturating_mul(1u32 << retry.saturating_sub(1).min(16)).min(BACKOFF_CAP);
    let half = ceiling / 2;
    half + half.mul_f64(jitter())
}

/// A number in [0, 1), different on each call: std's per-`RandomState` random keys hash the clock.
/// Jitter only spreads retries apart; it needs no cryptographic randomness.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Why one attempt failed, and whether another may follow.
struct Failed {
    error: Error,
    retryable: bool,
}

impl Failed {
    fn fatal(error: Error) -> Self {
        Self { error, retryable: false }
    }
}

/// The body, or a transport error once it passes `MAX_BODY` bytes (by its `Content-Length` or
/// as it is read), so a hostile or broken server cannot make the client buffer without end.
async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, Error> {
    let status = resp.status();
    let too_large = || Error::Transport(format!("HTTP {status}: the answer is larger than {MAX_BODY} bytes"));
    if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| Error::Transport(e.to_string()))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl Wire {
    pub fn new(endpoint: String, prefix: &'static str) -> Self {
        Self::with_timeouts(endpoint, prefix, CONNECT_TIMEOUT, READ_TIMEOUT)
    }

    /// `connect`: to open a connection; `read`: the longest wait for the next bytes of an answer
    /// (its head or its body), so a stalled server fails the call instead of hanging it.
    pub(crate) fn with_timeouts(endpoint: String, prefix: &'static str, connect: Duration, read: Duration) -> Self {
        // botocore never follows redirects: a 3xx is an error answer, not a hop.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect)
            .read_timeout(read)
            .build()
            // As `reqwest::Client::new()` does: only a TLS backend that cannot start fails here.
            .expect("the HTTP client cannot be built (TLS backend)");
        Self { endpoint, prefix, http }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// One unsigned operation, tried up to `MAX_ATTEMPTS` times as botocore's standard retry mode
    /// does: again after a throttling or transient error code or a 500/502/503/504 answer, and
    /// after a failure to connect (the request was not sent), with a jittered exponential wait
    /// between attempts. An answer with status >= 300 becomes `Error::Service` (see
    /// `parse_error`); the last attempt's error is returned.
    pub async fn call(&self, op: &str, body: &Value) -> Result<Value, Error> {
        let body = body.to_string();
        let mut attempt = 1;
        loop {
            match self.attempt(op, &body).await {
                Ok(value) => return Ok(value),
                Err(Failed { retryable: true, .. }) if attempt < MAX_ATTEMPTS => {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                Err(failed) => return Err(failed.error),
            }
        }
    }

    async fn attempt(&self, op: &str, body: &str) -> Result<Value, Failed> {
        let resp = self
            .http
            .post(format!("{}/", self.endpoint))
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", format!("{}.{op}", self.prefix))
            .body(body.to_owned())
            .send()
            .await
            .map_err(|e| Failed { retryable: e.is_connect(), error: Error::Transport(e.to_string()) })?;
        let status = resp.status();
        let bytes = read_capped(resp).await.map_err(Failed::fatal)?;
        let text = String::from_utf8_lossy(&bytes);
        if status.as_u16() >= 300 {
            let error = parse_error(status, &text);
            return Err(Failed { retryable: is_retryable(status, &error), error });
        }
        if text.trim().is_empty() {
            return Ok(Value::Object(Default::default()));
        }
        serde_json::from_str(&text)
            .map_err(|_| Failed::fatal(Error::Transport(format!("HTTP {status}: the answer is not JSON"))))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use reqwest::StatusCode;
    use serde_json::json;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    use super::{backoff, error_code, is_retryable, parse_error, Error, Wire, MAX_BODY, USER_POOLS};
    use crate::canned::Canned;

    fn wire(url: &str) -> Wire {
        Wire::new(url.to_owned(), USER_POOLS)
    }

    fn error(code: &str) -> String {
        json!({ "__type": code, "message": "m" }).to_string()
    }

    /// Accepts one connection, reads the request, writes `reply` as it is (a write error is
    /// ignored: the client may hang up first) and closes.
    async fn serve_raw(reply: Vec<u8>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            crate::canned::read_request(&mut stream).await;
            stream.write_all(&reply).await.ok();
            stream.shutdown().await.ok();
        });
        url
    }

    #[test]
    fn codes_are_read_as_botocore_reads_them() {
        assert_eq!(error_code("NotAuthorizedException"), "NotAuthorizedException");
        assert_eq!(
            error_code("aws.protocol#NotAuthorizedException:http://internal.amazon.com/"),
            "NotAuthorizedException"
        );
        assert_eq!(error_code("com.amazonaws#CodeMismatchException"), "CodeMismatchException");
        // botocore cuts at ':' before looking for '#'.
        assert_eq!(error_code("TooManyRequestsException:http://x#y"), "TooManyRequestsException");
    }

    #[test]
    fn error_bodies_are_read_as_botocore_reads_them() {
        let bad = StatusCode::BAD_REQUEST;
        let service = |code: &str, message: &str| Error::Service { code: code.into(), message: message.into() };
        assert_eq!(
            parse_error(
                bad,
                r#"{"__type":"aws.protocol#NotAuthorizedException:http://internal.amazon.com/","message":"Incorrect username or password."}"#
            ),
            service("NotAuthorizedException", "Incorrect username or password.")
        );
        assert_eq!(
            parse_error(bad, r#"{"__type":"LimitExceededException","Message":"Attempt limit exceeded"}"#),
            service("LimitExceededException", "Attempt limit exceeded")
        );
        assert_eq!(parse_error(bad, r#"{"message":"no type"}"#), service("400", "no type"));
        assert_eq!(parse_error(StatusCode::INTERNAL_SERVER_ERROR, ""), service("500", "Internal Server Error"));
        assert_eq!(parse_error(StatusCode::BAD_GATEWAY, "<html>oops</html>"), service("502", "<html>oops</html>"));
        assert_eq!(parse_error(StatusCode::FOUND, ""), service("302", "Found"));
    }

    #[test]
    fn retries_what_botocore_standard_mode_retries() {
        let service = |code: &str| Error::Service { code: code.into(), message: String::new() };
        let bad = StatusCode::BAD_REQUEST;
        for code in ["TooManyRequestsException", "LimitExceededException", "ThrottlingException"] {
            assert!(is_retryable(bad, &service(code)), "{code}");
        }
        for status in [500, 502, 503, 504] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(is_retryable(status, &parse_error(status, "")), "{status}");
            // Whatever the body says.
            assert!(is_retryable(status, &service("InternalErrorException")), "{status}");
        }
        assert!(!is_retryable(bad, &service("NotAuthorizedException")));
        assert!(!is_retryable(bad, &service("CodeMismatchException")));
        assert!(!is_retryable(StatusCode::NOT_IMPLEMENTED, &parse_error(StatusCode::NOT_IMPLEMENTED, "")));
        assert!(!is_retryable(StatusCode::FOUND, &parse_error(StatusCode::FOUND, "")));
    }

    #[test]
    fn backoff_grows_is_jittered_and_capped() {
        let ms = Duration::from_millis;
        for _ in 0..50 {
            let first = backoff(1);
            assert!((ms(50)..=ms(100)).contains(&first), "{first:?}");
            let second = backoff(2);
            assert!((ms(100)..=ms(200)).contains(&second), "{second:?}");
            let late = backoff(40);
            assert!((ms(10_000)..=ms(20_000)).contains(&late), "{late:?}");
        }
        let waits: std::collections::HashSet<Duration> = (0..20).map(|_| backoff(1)).collect();
        assert!(waits.len() > 1, "no jitter: {waits:?}");
    }

    #[tokio::test]
    async fn throttling_and_5xx_are_retried_with_the_same_request() {
        let throttled = error("TooManyRequestsException");
        let server = Canned::serve(vec![(400, &throttled), (503, ""), (200, r#"{"Done":true}"#)]).await;
        let body = json!({ "ClientId": "c", "AuthFlow": "USER_PASSWORD_AUTH" });
        assert_eq!(wire(&server.url).call("InitiateAuth", &body).await.unwrap(), json!({ "Done": true }));
        let seen = server.requests().await;
        assert_eq!(seen.len(), 3);
        for r in &seen {
            assert_eq!(r.header("x-amz-target"), "AWSCognitoIdentityProviderService.InitiateAuth");
            assert_eq!(r.body, body);
        }
    }

    #[tokio::test]
    async fn three_attempts_at_most_and_the_last_error_is_returned() {
        let limited = error("aws.protocol#LimitExceededException:http://internal.amazon.com/");
        let server = Canned::serve(vec![(500, ""), (502, "<html/>"), (400, &limited), (200, "{}")]).await;
        let wire = wire(&server.url);
        let err = wire.call("ForgotPassword", &json!({})).await.unwrap_err();
        assert_eq!(err, Error::Service { code: "LimitExceededException".into(), message: "m".into() });
        // The fourth answer is left for the next call: the first made exactly three requests.
        assert_eq!(wire.call("ForgotPassword", &json!({})).await.unwrap(), json!({}));
        assert_eq!(server.requests().await.len(), 4);
    }

    #[tokio::test]
    async fn client_errors_are_not_retried() {
        let wrong = error("NotAuthorizedException");
        let server = Canned::serve(vec![(400, &wrong), (501, ""), (200, "{}")]).await;
        let wire = wire(&server.url);
        assert_eq!(wire.call("InitiateAuth", &json!({})).await.unwrap_err().code(), Some("NotAuthorizedException"));
        assert_eq!(wire.call("InitiateAuth", &json!({})).await.unwrap_err().code(), Some("501"));
        assert_eq!(wire.call("InitiateAuth", &json!({})).await.unwrap(), json!({}));
        assert_eq!(server.requests().await.len(), 3);
    }

    #[tokio::test]
    async fn an_answer_of_exactly_the_limit_is_read() {
        // `{"a":"..."}` is 8 bytes around the string.
        let body = format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_BODY - 8));
        assert_eq!(body.len(), MAX_BODY);
        let server = Canned::serve(vec![(200, body.as_str())]).await;
        let value = wire(&server.url).call("GetUser", &json!({})).await.unwrap();
        assert_eq!(value["a"].as_str().map(str::len), Some(MAX_BODY - 8));
    }

    #[tokio::test]
    async fn a_larger_answer_is_refused_by_its_content_length() {
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{{}}", MAX_BODY + 1);
        let url = serve_raw(head.into_bytes()).await;
        let err = wire(&url).call("GetUser", &json!({})).await.unwrap_err();
        assert!(matches!(&err, Error::Transport(m) if m.contains("larger than")), "{err:?}");
    }

    #[tokio::test]
    async fn a_larger_answer_is_refused_as_it_is_read() {
        // No Content-Length: the body runs until the server closes the connection.
        let mut reply = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
        reply.extend_from_slice(format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_BODY)).as_bytes());
        let url = serve_raw(reply).await;
        let err = wire(&url).call("GetUser", &json!({})).await.unwrap_err();
        assert!(matches!(&err, Error::Transport(m) if m.contains("larger than")), "{err:?}");
    }

    #[tokio::test]
    async fn a_stalled_server_times_out_and_is_not_retried() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        let server = tokio::spawn(async move {
            // Accepts and never answers.
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                held.push(stream);
            }
        });
        let wire = Wire::with_timeouts(url, USER_POOLS, Duration::from_secs(5), Duration::from_millis(300));
        let started = Instant::now();
        let err = wire.call("InitiateAuth", &json!({})).await.unwrap_err();
        assert!(matches!(err, Error::Transport(_)), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        // The request may have been processed: botocore would retry it, this port does not.
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
        server.abort();
    }
}
