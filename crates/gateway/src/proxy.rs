//! The gateway server: every request is admitted or refused, then forwarded with identity
//! headers. Headers a client sends under `x-warden-` never reach the upstream.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::identify::{Caller, Refusal, Verifier};

/// Bodies larger than this are refused before verification.
const MAX_BODY: usize = 10 << 20;

/// Headers that describe one hop, not the request.
const HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
    "host",
    "content-length",
];

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        tracing::info!(status = %self.status, reason = %self.reason, "gateway refused a request");
        let body = format!("{{\"error\":{:?}}}", self.reason);
        (self.status, [("content-type", "application/json")], body).into_response()
    }
}

fn identity_headers(caller: &Caller) -> Vec<(&'static str, String)> {
    let mut permissions: Vec<&str> = caller.permissions.iter().map(String::as_str).collect();
    permissions.sort_unstable();
    let mut h = vec![
        ("x-warden-auth", caller.method.to_owned()),
        ("x-warden-sub", caller.sub.clone()),
        ("x-warden-permissions", permissions.join(" ")),
        ("x-warden-scopes", caller.scopes.join(" ")),
    ];
    if let Some(role) = &caller.role {
        h.push(("x-warden-role", role.clone()));
    }
    if let Some(issuer) = &caller.issuer {
        h.push(("x-warden-issuer", issuer.clone()));
    }
    h
}

/// Removes client-sent `x-warden-*` headers and sets the verified ones.
fn stamp(headers: &mut HeaderMap, caller: &Caller) {
    let forged: Vec<HeaderName> = headers.keys().filter(|k| k.as_str().starts_with("x-warden-")).cloned().collect();
    for k in forged {
        headers.remove(k);
    }
    for (k, v) in identity_headers(caller) {
        if let Ok(v) = HeaderValue::from_str(&v) {
            headers.insert(k, v);
        }
    }
}

async fn read_body(body: Body) -> Result<Bytes, Refusal> {
    axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| Refusal { status: StatusCode::PAYLOAD_TOO_LARGE, reason: "request body too large".into() })
}

#[derive(Clone)]
struct Proxy {
    verifier: Verifier,
    http: reqwest::Client,
}

async fn forward(State(proxy): State<Proxy>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    let caller = match proxy.verifier.admit(&parts, &body).await {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let upstream = proxy.verifier.config().upstream.trim_end_matches('/').to_owned();
    let url = format!("{upstream}{}", parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    let mut headers = parts.headers.clone();
    for h in HOP {
        headers.remove(*h);
    }
    headers.remove("authorization");
    headers.remove("x-amz-security-token");
    stamp(&mut headers, &caller);
    let sent = proxy.http.request(parts.method.clone(), url).headers(headers).body(body).send().await;
    let resp = match sent {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "upstream unreachable");
            return Refusal { status: StatusCode::BAD_GATEWAY, reason: "upstream unreachable".into() }.into_response();
        }
    };
    let status = resp.status();
    let mut out_headers = resp.headers().clone();
    for h in HOP {
        out_headers.remove(*h);
    }
    let bytes = resp.bytes().await.unwrap_or_default();
    let mut out = (status, bytes).into_response();
    out.headers_mut().extend(out_headers);
    out
}

/// The `warden gateway` router: everything goes through `admit`, then to the upstream.
pub fn router(verifier: Verifier) -> Router {
    Router::new().fallback(forward).with_state(Proxy { verifier, http: reqwest::Client::new() })
}

/// The same check as a tower layer (axum middleware) for a Rust service: the request reaches the
/// inner service only when admitted, with the identity headers set and the `Caller` in its
/// extensions.
pub fn layer(
    verifier: Verifier,
) -> axum::middleware::FromFnLayer<
    impl Fn(State<Verifier>, Request, Next) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>> + Clone,
    Verifier,
    (State<Verifier>, Request),
> {
    axum::middleware::from_fn_with_state(verifier, |State(v): State<Verifier>, req: Request, next: Next| {
        Box::pin(async move {
            let (mut parts, body) = req.into_parts();
            let body = match read_body(body).await {
                Ok(b) => b,
                Err(r) => return r.into_response(),
            };
            match v.admit(&parts, &body).await {
                Ok(caller) => {
                    stamp(&mut parts.headers, &caller);
                    parts.extensions.insert(caller);
                    next.run(Request::from_parts(parts, Body::from(body))).await
                }
                Err(r) => r.into_response(),
            }
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>
    })
}
