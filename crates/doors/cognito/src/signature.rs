//! SigV4-signed admin calls, verified against Warden's access keys.

use axum::http::HeaderMap;
use warden_core::Warden;
use warden_sigv4::SigError;

use crate::error::{DoorError, DoorResult};

/// How far a request's X-Amz-Date may be from our clock.
const MAX_SKEW_SECS: i64 = 300;

fn door_error(e: SigError) -> DoorError {
    match e {
        SigError::Missing => DoorError::MissingAuthenticationToken,
        SigError::Incomplete(m) => DoorError::IncompleteSignature(m),
        SigError::Invalid(m) => DoorError::InvalidSignature(m),
        SigError::Mismatch => DoorError::InvalidSignature(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.".into(),
        ),
    }
}

/// Checks the request's signature; returns the access key id that signed it.
pub async fn verify(
    warden: &Warden,
    service: &str,
    method: &str,
    uri: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> DoorResult<String> {
    let (auth, signed_at) = warden_sigv4::read(headers, service).map_err(door_error)?;
    let secret = warden.access_key_secret(&auth.access_key_id).await?.ok_or(DoorError::UnrecognizedClient)?;
    warden_sigv4::check_skew(signed_at, warden.now(), MAX_SKEW_SECS).map_err(door_error)?;
    warden_sigv4::check(method, uri, headers, warden_sigv4::payload(headers, body), &auth, signed_at, secret.expose())
        .map_err(door_error)?;
    Ok(auth.access_key_id)
}
