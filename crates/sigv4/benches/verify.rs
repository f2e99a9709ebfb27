//! CPU cost of verifying one SigV4 request as the gateway sees it: a GET signed like botocore's
//! SigV4Auth for execute-api (session token, UNSIGNED-PAYLOAD).
//! `cargo bench -p warden-sigv4`

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use http::{HeaderMap, HeaderName, HeaderValue};

const SECRET: &str = "k3SecretKeyOfTemporaryCredentialsForTheBenchmark0000000000";
const TOKEN: &str = "C7k3YfI0wqRPtpBaOJQ8Fmsp1hRHMgNXgN2oe4u6w94ea_NcflsO96G_ecMDkzm7IVKXTlFqqkLYgzoji4Yp64";

fn signed(method: &str, path: &str, at: SystemTime) -> HeaderMap {
    let base = [
        ("host", "127.0.0.1:8081".to_owned()),
        ("x-amz-date", warden_sigv4::amz_date(at)),
        ("x-amz-security-token", TOKEN.to_owned()),
        ("x-amz-content-sha256", "UNSIGNED-PAYLOAD".to_owned()),
    ];
    let identity = Credentials::new("ASIA9TZOHPSB9DQOT3O7", SECRET, Some(TOKEN.to_owned()), None, "bench").into();
    let mut settings = SigningSettings::default();
    settings.excluded_headers = Some(Vec::new());
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("eu-west-2")
        .name("execute-api")
        .time(at)
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let request =
        SignableRequest::new(method, path, base.iter().map(|(k, v)| (*k, v.as_str())), SignableBody::UnsignedPayload)
            .unwrap();
    let (instructions, _) = sign(request, &params).unwrap().into_parts();
    let mut headers = HeaderMap::new();
    for (k, v) in base.iter().map(|(k, v)| (*k, v.as_str())).chain(instructions.headers()) {
        headers.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
    }
    headers
}

fn verify(c: &mut Criterion) {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_000_000);
    let get = signed("GET", "/health", at);
    c.bench_function("sigv4 verify GET (session token, UNSIGNED-PAYLOAD)", |b| {
        b.iter(|| {
            let (auth, signed_at) = warden_sigv4::read(black_box(&get), "execute-api").unwrap();
            warden_sigv4::check("GET", "/health", &get, warden_sigv4::Payload::Unsigned, &auth, signed_at, SECRET)
                .unwrap();
        })
    });
}

criterion_group! { name = benches; config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1)); targets = verify }
criterion_main!(benches);
