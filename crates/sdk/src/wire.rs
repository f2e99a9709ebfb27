//! AWS JSON 1.1 calls to `cognito-idp`, and error parsing as botocore does it.

use serde_json::Value;

use crate::error::Error;

/// The user-pool service's target prefix.
pub const USER_POOLS: &str = "AWSCognitoIdentityProviderService";
/// The identity service's target prefix.
pub const IDENTITY: &str = "AWSCognitoIdentityService";

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

impl Wire {
    pub fn new(endpoint: String, prefix: &'static str) -> Self {
        // botocore never follows redirects: a 3xx is an error answer, not a hop.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self { endpoint, prefix, http }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// One unsigned operation. An answer with status >= 300 becomes `Error::Service` (see `parse_error`).
    pub async fn call(&self, op: &str, body: &Value) -> Result<Value, Error> {
        let resp = self
            .http
            .post(format!("{}/", self.endpoint))
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", format!("{}.{op}", self.prefix))
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| Error::Transport(e.to_string()))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| Error::Transport(e.to_string()))?;
        if status.as_u16() >= 300 {
            return Err(parse_error(status, &text));
        }
        if text.trim().is_empty() {
            return Ok(Value::Object(Default::default()));
        }
        serde_json::from_str(&text).map_err(|_| Error::Transport(format!("HTTP {status}: the answer is not JSON")))
    }
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;

    use super::{error_code, parse_error, Error};

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
}
