//! Sync as the API shows it: the LAN side of the protocol (`/sync/push`,
//! `/sync/pull`, signed by a device of this branch), and for a signed-in
//! user the sync state, a sync now, and what a peer refused.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use http_edge::gzip::{accepts_gzip, decode_request, encode_json, json_response};
use http_edge::routes::{Described, Op};
use http_edge::{Refusal, parse_json, read_limited};
use serde_json::json;
use sync_core::protocol::{self, PullRequest, PushRequest};

use super::{Answer, AppState, DEVICE, MAX_BODY, SESSION, SignedIn};

/// Read and authenticate a signed LAN sync request (signed as sent), then
/// inflate it if gzip-encoded (to at most [`MAX_BODY`]); returns its JSON
/// body and whether the peer takes a gzip answer.
async fn signed_body(node: &AppState, req: Request, path: &'static str) -> Answer<(Vec<u8>, bool)> {
    let (parts, body) = req.into_parts();
    let wire = read_limited(body, MAX_BODY).await?;
    let n = node.clone();
    http_edge::blocking(move || {
        crate::sync::authenticate(&n, &parts.headers, path, &wire)?;
        let json = decode_request(&parts.headers, wire, MAX_BODY)?;
        Ok::<_, Refusal>((json, accepts_gzip(&parts.headers)))
    })
    .await
}

async fn push(State(node): State<AppState>, req: Request) -> Answer<impl IntoResponse> {
    let (bytes, gz) = signed_body(&node, req, protocol::PUSH).await?;
    let r: PushRequest = parse_json(&bytes)?;
    if r.ops.len() > protocol::MAX_BATCH {
        return Err(Refusal::bad_request(
            "ops",
            format!("at most {} operations per push", protocol::MAX_BATCH),
        ));
    }
    let out = http_edge::blocking(move || {
        crate::sync::serve_push(&node, &r).map(|answer| encode_json(&answer, gz))
    })
    .await?;
    Ok(json_response(StatusCode::OK, out))
}

async fn pull(State(node): State<AppState>, req: Request) -> Answer<impl IntoResponse> {
    let (bytes, gz) = signed_body(&node, req, protocol::PULL).await?;
    let r: PullRequest = parse_json(&bytes)?;
    let out = http_edge::blocking(move || {
        crate::sync::serve_pull(&node, &r).map(|answer| encode_json(&answer, gz))
    })
    .await?;
    Ok(json_response(StatusCode::OK, out))
}

async fn status(who: SignedIn) -> Answer<impl IntoResponse> {
    who.run(|n, _| crate::sync::status(n)).await
}

async fn now(who: SignedIn) -> Answer<impl IntoResponse> {
    let node = who.node().clone();
    let axum::Json(peers) = who.run(|n, _| n.sync_peers()).await?;
    let outcomes = crate::sync::sync_all(&node, &peers).await?;
    Ok(axum::Json(json!({ "peers": outcomes })))
}

async fn needs_attention(who: SignedIn) -> Answer<impl IntoResponse> {
    who.run(|n, _| crate::sync::needs_attention(n)).await
}

pub(super) fn routes(d: Described<AppState>) -> Described<AppState> {
    d.route(
        "/api/sync/status",
        [Op::get(status, "Sync state per peer (hub, LAN): online, last success and error, ops not yet acknowledged, pull cursor; ops needing attention; causal buffer").access(SESSION)],
    )
    .route(
        "/api/sync/now",
        [Op::post(now, "Sync with every peer now; a report per peer").access(SESSION)],
    )
    .route(
        "/api/needs-attention",
        [Op::get(needs_attention, "This device's operations refused by the hub (or a peer), with the reason").access(SESSION)],
    )
    .route(
        protocol::PUSH,
        [Op::post(push, "LAN sync: a signed batch of operations from a device of this branch; a verdict per operation. The body may be Content-Encoding: gzip (signed as sent)")
            .body("PushRequest")
            .access(DEVICE)],
    )
    .route(
        protocol::PULL,
        [Op::post(pull, "LAN sync: this device's log after a cursor, paginated, for a device of this branch")
            .body("PullRequest")
            .access(DEVICE)],
    )
}
