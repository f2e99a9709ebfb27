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

/// botocore's reading of `__type`: drop a namespace up to the last `#`, and anything after `:`.
pub fn error_code(raw: &str) -> String {
    let after_hash = raw.rsplit('#').next().unwrap_or(raw);
    after_hash.split(':').next().unwrap_or(after_hash).to_owned()
}

impl Wire {
    pub fn new(endpoint: String, prefix: &'static str) -> Self {
        Self { endpoint, prefix, http: reqwest::Client::new() }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// One unsigned operation. A non-2xx answer becomes `Error::Service` with the parsed code.
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
        let parsed: Value = if text.trim().is_empty() {
            Value::Object(Default::default())
        } else {
            serde_json::from_str(&text).map_err(|_| Error::Transport(format!("HTTP {status}: not JSON")))?
        };
        if status.is_success() {
            return Ok(parsed);
        }
        let code =
            parsed.get("__type").and_then(Value::as_str).map(error_code).unwrap_or_else(|| status.as_u16().to_string());
        let message = parsed
            .get("message")
            .or_else(|| parsed.get("Message"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Err(Error::Service { code, message })
    }
}

#[cfg(test)]
mod tests {
    use super::error_code;

    #[test]
    fn codes_are_read_as_botocore_reads_them() {
        assert_eq!(error_code("NotAuthorizedException"), "NotAuthorizedException");
        assert_eq!(
            error_code("aws.protocol#NotAuthorizedException:http://internal.amazon.com/"),
            "NotAuthorizedException"
        );
        assert_eq!(error_code("com.amazonaws#CodeMismatchException"), "CodeMismatchException");
    }
}
