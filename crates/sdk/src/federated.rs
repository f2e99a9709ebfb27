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

/// The headers that sign a request for `execute-api` in eu-west-2 with these credentials, the
/// payload unsigned (`X-Amz-Content-SHA256: UNSIGNED-PAYLOAD`), as scribeauth signs: the caller's
/// headers plus `X-Amz-Date`, `X-Amz-Security-Token`, `X-Amz-Content-SHA256` and `Authorization`.
pub fn get_signature_for_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    credentials: &Credentials,
) -> Result<Vec<(String, String)>, Error> {
    let parsed: reqwest::Url = url.parse().map_err(|e| Error::Unknown(format!("url: {e}")))?;
    let host = match parsed.port() {
        Some(p) => format!("{}:{p}", parsed.host_str().unwrap_or_default()),
        None => parsed.host_str().unwrap_or_default().to_owned(),
    };
    let mut signed: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    signed.push(("X-Amz-Content-SHA256".into(), "UNSIGNED-PAYLOAD".into()));
    let mut to_sign: Vec<(String, String)> = signed.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
    to_sign.push(("host".into(), host));
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
