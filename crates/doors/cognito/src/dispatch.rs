//! `POST /`: read the target, verify the signature when the operation needs one, parse the body,
//! call the operation, and shape the answer.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use warden_core::Warden;

use crate::ctx::Ctx;
use crate::error::{DoorError, DoorResult};
use crate::ops;
use crate::wire::Input;

pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
const SIGNING_NAME: &str = "cognito-idp";

/// The two AWS JSON services this door serves on `POST /`.
#[derive(Clone, Copy)]
enum Service {
    UserPools,
    Identity,
}
/// Larger bodies are refused before parsing.
const MAX_BODY: usize = 1 << 20;

pub async fn handle(State(warden): State<Arc<Warden>>, req: Request) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let mut resp = match run(&warden, req).await {
        Ok(body) => {
            let mut r = body.to_string().into_response();
            r.headers_mut().insert("content-type", HeaderValue::from_static("application/x-amz-json-1.1"));
            r
        }
        Err(e) => e.into_response(),
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    // Answers carry tokens, secrets and credentials: no cache or proxy may keep one.
    resp.headers_mut().insert("cache-control", HeaderValue::from_static("no-store"));
    resp
}

async fn run(warden: &Warden, req: Request) -> DoorResult<Value> {
    let (parts, body) = req.into_parts();
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| DoorError::UnknownOperation("Missing X-Amz-Target header".into()))?;
    let (service, op) = if let Some(op) = target.strip_prefix(TARGET_PREFIX) {
        (Service::UserPools, op)
    } else if let Some(op) = target.strip_prefix(ops::identity::TARGET_PREFIX) {
        (Service::Identity, op)
    } else {
        return Err(DoorError::UnknownOperation(format!("Unknown target {target}")));
    };
    let (signed, signing_name) = match service {
        Service::UserPools => (ops::requires_signature(op), SIGNING_NAME),
        Service::Identity => (ops::identity::requires_signature(op), ops::identity::SIGNING_NAME),
    };
    let signed = signed.ok_or_else(|| DoorError::UnknownOperation(format!("Unknown operation {op}")))?;
    let body = axum::body::to_bytes(Body::new(body), MAX_BODY).await.map_err(|_| DoorError::TooLarge)?;
    tracing::Span::current().record("operation", op);
    if signed {
        let uri = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let key =
            crate::signature::verify(warden, signing_name, parts.method.as_str(), uri, &parts.headers, &body).await?;
        tracing::info!(operation = op, access_key = %key, "signed call");
    }
    let input = Input::parse(&body)?;
    let source = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let ctx = Ctx { warden, source, attempt_id: uuid::Uuid::new_v4().to_string() };
    match service {
        Service::UserPools => ops::call(&ctx, op, &input).await,
        Service::Identity => ops::identity::call(&ctx, op, &input).await,
    }
}
