//! Identity pools and request signing: `get_federated_id`, `get_federated_credentials` and
//! `get_signature_for_request` (SigV4 for `execute-api` in eu-west-2, as the Python library signs).

use std::time::SystemTime;

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::auth::ScribeAuth;
use crate::endpoint::DEFAULT_REGION;
use crate::error::Error;

/// Temporary credentials of a federated identity.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_key: String,
    pub session_token: String,
    /// Unix seconds.
    pub expiration: i64,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

impl ScribeAuth {
    fn logins(&self, id_token: &str) -> Value {
        json!({ format!("cognito-idp.{DEFAULT_REGION}.amazonaws.com/{}", self.config.user_pool_id): id_token })
    }

    fn identity_pool_id(&self) -> Result<&str, Error> {
        self.config
            .identity_pool_id
            .as_deref()
            .ok_or_else(|| Error::MissingId("Identity Pool ID is not provided".into()))
    }

    /// The identity id of the user whose id token this is (the same every time).
    pub async fn get_federated_id(&self, id_token: &str) -> Result<String, Error> {
        let body = json!({ "IdentityPoolId": self.identity_pool_id()?, "Logins": self.logins(id_token) });
        let out = self.identity.call("GetId", &body).await.map_err(|e| match e.code() {
            Some("NotAuthorizedException") => Error::Unauthorized("Could not retrieve federated id".into()),
            Some("TooManyRequestsException") => Error::TooManyRequests("Too many requests. Try again later".into()),
            _ => e,
        })?;
        out.get("IdentityId")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| Error::Unknown("Could not retrieve federated id".into()))
    }

    /// Temporary credentials for a federated identity.
    pub async fn get_federated_credentials(&self, identity_id: &str, id_token: &str) -> Result<Credentials, Error> {
        self.identity_pool_id()?;
        let body = json!({ "IdentityId": identity_id, "Logins": self.logins(id_token) });
        let out = self.identity.call("GetCredentialsForIdentity", &body).await.map_err(|e| match e.code() {
            Some("NotAuthorizedException") => Error::Unauthorized("Could not retrieve federated credentials".into()),
            Some("TooManyRequestsException") => Error::TooManyRequests("Too many requests. Try again later".into()),
            Some("ResourceNotFoundException") => Error::ResourceNotFound("Invalid federated_id".into()),
            _ => e,
        })?;
        let c = out.get("Credentials").ok_or_else(|| Error::Unknown("no credentials in the answer".into()))?;
        let field = |k: &str| {
            c.get(k).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| Error::Unknown(format!("missing {k}")))
        };
        Ok(Credentials {
            access_key_id: field("AccessKeyId")?,
            secret_key: field("SecretKey")?,
            session_token: field("SessionToken")?,
            expiration: c
                .get("Expiration")
                .and_then(Value::as_f64)
                .map(|f| f as i64)
                .ok_or_else(|| Error::Unknown("missing Expiration".into()))?,
        })
    }
}

/// The headers the signing adds; a caller's copies (from an earlier signing) are dropped, as
/// botocore's `SigV4Auth.add_auth` replaces them, so a re-signed request carries one of each.
const SIGNING_HEADERS: [&str; 4] = ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"];

/// The headers that sign a request for `execute-api` in eu-west-2 with these credentials, the
/// payload unsigned (`X-Amz-Content-SHA256: UNSIGNED-PAYLOAD`), as scribeauth signs: the caller's
/// headers plus `X-Amz-Content-SHA256`, `X-Amz-Date`, `X-Amz-Security-Token` and `Authorization`.
/// A caller's `Authorization`, `X-Amz-Date`, `X-Amz-Security-Token` and `X-Amz-Content-SHA256`
/// (any case) are replaced, not repeated. The signed `host` is the caller's `Host` header when
/// there is one (returned with the others), else the URL's host and non-default port (not
/// returned: the HTTP client sends it).
pub fn get_signature_for_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    credentials: &Credentials,
) -> Result<Vec<(String, String)>, Error> {
    let parsed: reqwest::Url = url.parse().map_err(|e| Error::Unknown(format!("url: {e}")))?;
    let mut signed: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| !SIGNING_HEADERS.iter().any(|s| k.eq_ignore_ascii_case(s)))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let caller_host = signed.iter().any(|(k, _)| k.eq_ignore_ascii_case("host"));
    signed.push(("X-Amz-Content-SHA256".into(), "UNSIGNED-PAYLOAD".into()));
    let mut to_sign: Vec<(String, String)> = signed.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
    if !caller_host {
        let host = parsed.host_str().ok_or_else(|| Error::Unknown(format!("url: {url} has no host")))?;
        let host = match parsed.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_owned(),
        };
        to_sign.push(("host".into(), host));
    }
    let identity = AwsCredentials::new(
        &credentials.access_key_id,
        &credentials.secret_key,
        Some(credentials.session_token.clone()),
        None,
        "scribeauth",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(DEFAULT_REGION)
        .name("execute-api")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| Error::Unknown(format!("signing: {e}")))?
        .into();
    let request = SignableRequest::new(
        method,
        url,
        to_sign.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::UnsignedPayload,
    )
    .map_err(|e| Error::Unknown(format!("signing: {e}")))?;
    let (instructions, _) = sign(request, &params).map_err(|e| Error::Unknown(format!("signing: {e}")))?.into_parts();
    for (k, v) in instructions.headers() {
        let name = match k {
            "authorization" => "Authorization",
            "x-amz-date" => "X-Amz-Date",
            "x-amz-security-token" => "X-Amz-Security-Token",
            other => other,
        };
        signed.push((name.to_owned(), v.to_owned()));
    }
    Ok(signed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials() -> Credentials {
        Credentials {
            access_key_id: "ASIAEXAMPLEKEY".into(),
            secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            session_token: "session-token-value".into(),
            expiration: 0,
        }
    }

    fn as_refs(headers: &[(String, String)]) -> Vec<(&str, &str)> {
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    fn count(headers: &[(String, String)], name: &str) -> usize {
        headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).count()
    }

    /// Verifies the signature as the gateway does, over every value of every signed header (a
    /// repeated header is signed as its values joined with commas). `host` is the Host header the
    /// request is sent with when the signer did not return one.
    fn verifies(method: &str, uri: &str, headers: &[(String, String)], host: Option<&str>) -> bool {
        let mut map = http::HeaderMap::new();
        if let Some(host) = host {
            map.append("host", host.parse().unwrap());
        }
        for (k, v) in headers {
            map.append(http::HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).unwrap(), v.parse().unwrap());
        }
        let (auth, at) = warden_sigv4::read(&map, "execute-api").unwrap();
        let payload = warden_sigv4::payload(&map, b"");
        warden_sigv4::check(method, uri, &map, payload, &auth, at, &credentials().secret_key).is_ok()
    }

    #[test]
    fn re_signing_replaces_the_signing_headers_instead_of_repeating_them() {
        let url = "https://api.example.com/v1/things?page=2";
        let first =
            get_signature_for_request("GET", url, &[("Content-Type", "application/json")], &credentials()).unwrap();
        // Some callers lower-case header names before re-signing: those copies are dropped too.
        let mut again = as_refs(&first);
        again.push(("x-amz-date", "20000101T000000Z"));
        let second = get_signature_for_request("GET", url, &again, &credentials()).unwrap();
        for name in ["Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256", "Content-Type"] {
            assert_eq!(count(&second, name), 1, "{name} in {second:?}");
        }
        assert_eq!(count(&second, "host"), 0, "the HTTP client sends the URL's host");
        assert_eq!(second.len(), 5, "{second:?}");
        let value = |name: &str| &second.iter().find(|(k, _)| k == name).unwrap().1;
        assert_eq!(value("X-Amz-Content-SHA256"), "UNSIGNED-PAYLOAD");
        assert_eq!(value("X-Amz-Security-Token"), "session-token-value");
        assert_ne!(value("X-Amz-Date"), "20000101T000000Z");
        assert!(verifies("GET", "/v1/things?page=2", &second, Some("api.example.com")));
        assert!(!verifies("GET", "/v1/other", &second, Some("api.example.com")));
    }

    #[test]
    fn a_callers_host_is_signed_instead_of_the_urls() {
        let url = "https://internal-lb.example:8443/v1/things";
        let caller = [("Host", "api.example.com"), ("Content-Type", "application/json")];
        let signed = get_signature_for_request("POST", url, &caller, &credentials()).unwrap();
        assert_eq!(count(&signed, "host"), 1, "{signed:?}");
        let auth = &signed.iter().find(|(k, _)| k == "Authorization").unwrap().1;
        assert!(auth.contains("SignedHeaders=content-type;host;"), "{auth}");
        // Signed over `host:api.example.com` alone: the URL's host is neither added nor signed.
        assert!(verifies("POST", "/v1/things", &signed, None));
        let mut sent_to_the_lb = signed.clone();
        sent_to_the_lb.retain(|(k, _)| !k.eq_ignore_ascii_case("host"));
        assert!(!verifies("POST", "/v1/things", &sent_to_the_lb, Some("internal-lb.example:8443")));
    }

    #[test]
    fn without_a_host_header_the_urls_host_and_port_are_signed() {
        let url = "http://localhost:8080/v1/things";
        let signed = get_signature_for_request("GET", url, &[], &credentials()).unwrap();
        assert!(verifies("GET", "/v1/things", &signed, Some("localhost:8080")));
        assert!(!verifies("GET", "/v1/things", &signed, Some("localhost")));
    }
}
