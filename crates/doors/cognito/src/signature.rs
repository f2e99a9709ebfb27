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
    // The operation is named by X-Amz-Target: a signature must cover it, or a captured signed
    // call could be replayed as another operation.
    if !auth.signed_headers.iter().any(|h| h == "x-amz-target") {
        return Err(DoorError::IncompleteSignature(
            "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ));
    }
    // A signature for another region is another deployment's, as on AWS.
    if auth.region != warden.kernel.config().region {
        return Err(DoorError::InvalidSignature(format!(
            "Credential should be scoped to a valid region, not '{}'.",
            auth.region
        )));
    }
    let secret = warden.directory.access_key_secret(&auth.access_key_id).await?.ok_or(DoorError::UnrecognizedClient)?;
    warden_sigv4::check_skew(signed_at, warden.kernel.now(), MAX_SKEW_SECS).map_err(door_error)?;
    // The body is always hashed, as AWS's JSON services do: an UNSIGNED-PAYLOAD claim would
    // leave the operation's input uncovered.
    let payload = warden_sigv4::Payload::Bytes(body);
    warden_sigv4::check(method, uri, headers, payload, &auth, signed_at, secret.expose()).map_err(door_error)?;
    Ok(auth.access_key_id)
}
