//! Verifying AWS Signature Version 4. The canonical request and the signature come from the
//! `aws-sigv4` crate: a request is re-signed as received, over exactly the headers it says it
//! signed, with the secret the caller looked up, and the signatures are compared in constant
//! time. Nothing here knows where secrets live.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use http::HeaderMap;
use subtle::ConstantTimeEq;

/// The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header.
#[derive(Debug, PartialEq, Eq)]
pub struct AuthHeader {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

pub fn parse_authorization(value: &str) -> Result<AuthHeader, SigError> {
    let incomplete = |what: &str| SigError::Incomplete(format!("Authorization header requires '{what}' parameter."));
    let rest = value
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or_else(|| SigError::Incomplete("Unsupported authorization scheme; expected AWS4-HMAC-SHA256".into()))?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let credential = credential.ok_or_else(|| incomplete("Credential"))?;
    let signed = signed.ok_or_else(|| incomplete("SignedHeaders"))?;
    let signature = signature.ok_or_else(|| incomplete("Signature"))?;
    let scope: Vec<&str> = credential.split('/').collect();
    if scope.len() != 5 || scope[4] != "aws4_request" {
        return Err(SigError::Incomplete(format!("Credential should be scoped correctly: {credential}")));
    }
    Ok(AuthHeader {
        access_key_id: scope[0].to_owned(),
        date: scope[1].to_owned(),
        region: scope[2].to_owned(),
        service: scope[3].to_owned(),
        signed_headers: signed.split(';').map(str::to_owned).collect(),
        signature: signature.to_owned(),
    })
}

/// `20261122T103126Z` to Unix seconds.
pub fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16
        || b[8] != b'T'
        || b[15] != b'Z'
        || !s[..8].bytes().chain(s[9..15].bytes()).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().ok();
    let (y, m, d) = (n(0..4)?, n(4..6)?, n(6..8)?);
    let (hh, mm, ss) = (n(9..11)?, n(11..13)?, n(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigError {
    /// No `Authorization` header.
    Missing,
    /// The header or the date is malformed or incomplete.
    Incomplete(String),
    /// Scoped to another service, or dated too far from now.
    Invalid(String),
    /// The signature does not match the request.
    Mismatch,
}

/// The parsed `Authorization` header of a request and when it was signed; step one, before the
/// caller looks the access key up.
pub fn read(headers: &HeaderMap, service: &str) -> Result<(AuthHeader, i64), SigError> {
    let auth = headers.get("authorization").ok_or(SigError::Missing)?;
    let auth = parse_authorization(
        auth.to_str().map_err(|_| SigError::Incomplete("Authorization header is not ASCII".into()))?,
    )?;
    let amz_date = headers.get("x-amz-date").and_then(|v| v.to_str().ok()).ok_or_else(|| {
        SigError::Incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".into(),
        )
    })?;
    let signed_at = parse_amz_date(amz_date)
        .ok_or_else(|| SigError::Incomplete(format!("Date must be in ISO-8601 'basic format'. Got '{amz_date}'.")))?;
    if !amz_date.starts_with(&auth.date) {
        return Err(SigError::Invalid("Credential date does not match X-Amz-Date.".into()));
    }
    if auth.service != service {
        return Err(SigError::Invalid(format!("Credential should be scoped to correct service: '{service}'.")));
    }
    if !auth.signed_headers.iter().any(|h| h == "host") {
        return Err(SigError::Incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ));
    }
    Ok((auth, signed_at))
}

/// Refuses a signature dated more than `max_skew` seconds from `now`.
pub fn check_skew(signed_at: i64, now: i64, max_skew: i64) -> Result<(), SigError> {
    if (now - signed_at).abs() > max_skew {
        return Err(SigError::Invalid(format!(
            "Signature expired: signed at {signed_at}, now {now}, more than the allowed {max_skew} seconds of skew."
        )));
    }
    Ok(())
}

/// What the signature covers of the body.
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    Bytes(&'a [u8]),
    /// `X-Amz-Content-SHA256: UNSIGNED-PAYLOAD`
    Unsigned,
}

/// The payload a request declares: unsigned when its `x-amz-content-sha256` says so.
pub fn payload<'a>(headers: &HeaderMap, body: &'a [u8]) -> Payload<'a> {
    match headers.get("x-amz-content-sha256").and_then(|v| v.to_str().ok()) {
        Some("UNSIGNED-PAYLOAD") => Payload::Unsigned,
        _ => Payload::Bytes(body),
    }
}

/// Re-signs the request as received, over exactly the headers it says it signed, with `secret`,
/// and compares in constant time.
pub fn check(
    method: &str,
    uri: &str,
    headers: &HeaderMap,
    payload: Payload<'_>,
    auth: &AuthHeader,
    signed_at: i64,
    secret: &str,
) -> Result<(), SigError> {
    // Every value of a signed header, in order: AWS signs a repeated header as its values joined
    // with commas, so a value added in transit changes the canonical request.
    let mut signable_headers = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        let before = signable_headers.len();
        for value in headers.get_all(name.as_str()) {
            let value = value.to_str().map_err(|_| SigError::Invalid(format!("Header '{name}' is not ASCII.")))?;
            signable_headers.push((name.as_str(), value));
        }
        if signable_headers.len() == before {
            return Err(SigError::Invalid(format!("Signed header '{name}' is missing from the request.")));
        }
    }
    let token = headers.get("x-amz-security-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let identity = Credentials::new(&auth.access_key_id, secret.to_owned(), token, None, "warden").into();
    let mut settings = SigningSettings::default();
    settings.excluded_headers = Some(Vec::new());
    let time = UNIX_EPOCH + Duration::from_secs(signed_at.max(0) as u64);
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&auth.region)
        .name(&auth.service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| SigError::Invalid(format!("cannot build signing parameters: {e}")))?
        .into();
    let body = match payload {
        Payload::Bytes(b) => SignableBody::Bytes(b),
        Payload::Unsigned => SignableBody::UnsignedPayload,
    };
    let request = SignableRequest::new(method, uri, signable_headers.into_iter(), body)
        .map_err(|_| SigError::Invalid("The request cannot be canonicalised.".into()))?;
    let expected =
        sign(request, &params).map_err(|_| SigError::Invalid("The request cannot be canonicalised.".into()))?;
    if bool::from(expected.signature().as_bytes().ct_eq(auth.signature.as_bytes())) {
        Ok(())
    } else {
        Err(SigError::Mismatch)
    }
}

/// For tests: the current time as `X-Amz-Date`.
pub fn amz_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_botocore_authorization() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261122/eu-west-2/cognito-idp/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=abc123";
        let a = parse_authorization(h).unwrap();
        assert_eq!(a.access_key_id, "AKIAEXAMPLE");
        assert_eq!(a.region, "eu-west-2");
        assert_eq!(a.service, "cognito-idp");
        assert_eq!(a.signed_headers, ["content-type", "host", "x-amz-date", "x-amz-target"]);
        assert_eq!(a.signature, "abc123");
        assert!(parse_authorization("Bearer x").is_err());
        assert!(parse_authorization("AWS4-HMAC-SHA256 Credential=a/b/c, SignedHeaders=host, Signature=x").is_err());
    }

    #[test]
    fn amz_dates_round_trip() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date("20261122T103126Z"), Some(1_795_343_486));
        assert_eq!(parse_amz_date("20240229T235959Z"), Some(1_709_251_199));
        assert_eq!(parse_amz_date("2026-11-22T10:31:26Z"), None);
        assert_eq!(parse_amz_date("20261322T103126Z"), None);
        let t = UNIX_EPOCH + Duration::from_secs(1_795_343_486);
        assert_eq!(amz_date(t), "20261122T103126Z");
    }
}
