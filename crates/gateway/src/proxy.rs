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

/// Whether a (lower-case) header name is `x-warden-*` with `_` or `-` as separators; no
/// allocation, as it runs for every header of every request.
fn warden_named(name: &str) -> bool {
    let prefix = b"x-warden-";
    name.len() >= prefix.len() && name.as_bytes().iter().zip(prefix).all(|(c, p)| c == p || (*p == b'-' && *c == b'_'))
}

/// Removes client-sent `x-warden-*` headers (and `x_warden_*`, which CGI-style servers read as
/// the same name) and sets the verified ones.
fn stamp(headers: &mut HeaderMap, caller: &Caller) {
    let forged: Vec<HeaderName> = headers.keys().filter(|k| warden_named(k.as_str())).cloned().collect();
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

/// Plain HTTP/1.1 to the upstream over pooled keep-alive connections (hyper's own client: the
/// gateway adds one loopback hop per request, so the hop must cost little).
type Upstream = hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, Body>;

#[derive(Clone)]
struct Proxy {
    verifier: Verifier,
    http: Upstream,
    /// The upstream's scheme and authority, parsed once; each request adds its path and query.
    base: (axum::http::uri::Scheme, axum::http::uri::Authority),
}

impl Proxy {
    fn new(verifier: Verifier) -> Result<Self, String> {
        let base = upstream_base(&verifier.config().upstream)?;
        // Small requests and answers go out at once (no Nagle delay on the hop).
        let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
        connector.set_nodelay(true);
        let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .pool_idle_timeout(std::time::Duration::from_secs(30))
            .build(connector);
        Ok(Self { verifier, http, base })
    }

    fn uri(&self, path_and_query: Option<&axum::http::uri::PathAndQuery>) -> Option<axum::http::Uri> {
        axum::http::Uri::builder()
            .scheme(self.base.0.clone())
            .authority(self.base.1.clone())
            .path_and_query(path_and_query.cloned().unwrap_or_else(|| axum::http::uri::PathAndQuery::from_static("/")))
            .build()
            .ok()
    }
}

async fn forward(State(proxy): State<Proxy>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    if let Err(r) = proxy.verifier.precheck(&parts) {
        return r.into_response();
    }
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    let caller = match proxy.verifier.admit_prechecked(&parts, &body).await {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let Some(uri) = proxy.uri(parts.uri.path_and_query()) else {
        return Refusal { status: StatusCode::BAD_REQUEST, reason: "bad request target".into() }.into_response();
    };
    let mut headers = parts.headers;
    for h in HOP {
        headers.remove(*h);
    }
    headers.remove("authorization");
    headers.remove("x-amz-security-token");
    stamp(&mut headers, &caller);
    let mut outgoing = Request::new(Body::from(body));
    *outgoing.method_mut() = parts.method;
    *outgoing.uri_mut() = uri;
    *outgoing.headers_mut() = headers;
    match proxy.http.request(outgoing).await {
        Ok(resp) => {
            let (mut head, incoming) = resp.into_parts();
            for h in HOP.iter().filter(|h| **h != "content-length" && **h != "transfer-encoding") {
                head.headers.remove(*h);
            }
            Response::from_parts(head, Body::new(incoming))
        }
        Err(e) => {
            tracing::warn!(error = %e, "upstream unreachable");
            Refusal { status: StatusCode::BAD_GATEWAY, reason: "upstream unreachable".into() }.into_response()
        }
    }
}

/// The `warden gateway` router: everything goes through `admit`, then to the upstream. Fails
/// when the configured upstream is not `http://host:port`.
pub fn router(verifier: Verifier) -> Result<Router, String> {
    Ok(Router::new().fallback(forward).with_state(Proxy::new(verifier)?))
}

/// What the layer's check returns: the inner service's answer, or the refusal.
pub type LayerFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>;

/// The same check as a tower layer (axum middleware) for a Rust service: the request reaches the
/// inner service only when admitted, with the identity headers set and the `Caller` in its
/// extensions.
// The return type is axum's `from_fn_with_state` layer, spelled out because an `impl Layer<S>`
// for every inner service `S` cannot be written as a return type.
#[allow(clippy::type_complexity)]
pub fn layer(
    verifier: Verifier,
) -> axum::middleware::FromFnLayer<
    impl Fn(State<Verifier>, Request, Next) -> LayerFuture + Clone,
    Verifier,
    (State<Verifier>, Request),
> {
    axum::middleware::from_fn_with_state(verifier, |State(v): State<Verifier>, req: Request, next: Next| {
        Box::pin(async move {
            let (mut parts, body) = req.into_parts();
            if let Err(r) = v.precheck(&parts) {
                return r.into_response();
            }
            let body = match read_body(body).await {
                Ok(b) => b,
                Err(r) => return r.into_response(),
            };
            match v.admit_prechecked(&parts, &body).await {
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

/// The upstream's scheme and authority: `http://host:port`, plain HTTP and no path.
fn upstream_base(upstream: &str) -> Result<(axum::http::uri::Scheme, axum::http::uri::Authority), String> {
    let bad = || format!("gateway upstream {upstream:?}: expected http://host:port (plain HTTP, no path)");
    let uri: axum::http::Uri = upstream.parse().map_err(|_| bad())?;
    match (uri.scheme(), uri.authority()) {
        (Some(scheme), Some(authority)) if *scheme == axum::http::uri::Scheme::HTTP && uri.path().len() <= 1 => {
            Ok((scheme.clone(), authority.clone()))
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::upstream_base;

    #[test]
    fn forged_identity_headers_in_either_spelling() {
        for name in ["x-warden-sub", "x_warden_sub", "x-warden_role", "x-warden-"] {
            assert!(super::warden_named(name), "{name}");
        }
        for name in ["x-warden", "x-wardens-sub", "content-type", "warden-sub"] {
            assert!(!super::warden_named(name), "{name}");
        }
    }

    #[test]
    fn upstream_is_plain_http_host_and_port() {
        assert_eq!(upstream_base("http://127.0.0.1:9000").unwrap().1.as_str(), "127.0.0.1:9000");
        assert_eq!(upstream_base("http://api.internal:8080/").unwrap().1.as_str(), "api.internal:8080");
        for bad in ["https://api.example", "http://h:1/prefix", "127.0.0.1:9000", "", "ftp://h"] {
            assert!(upstream_base(bad).is_err(), "{bad}");
        }
    }
}
