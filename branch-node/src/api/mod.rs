//! The local HTTP JSON API (axum), over the same services as the CLI, by
//! noun: [`people`], [`customers`], [`jobs`], [`audit`], [`stock`],
//! [`billing`], [`sync`]. Loopback by default; a session token per user
//! (`Authorization: Bearer …`, the [`SignedIn`] extractor).
//!
//! Every error is a [`Refusal`]: a JSON body `{"error": {"code", "message",
//! "field"?, "rule"?}}` with a 4xx status for bad input, and bad input changes
//! nothing: bodies are parsed fully (with the path of the offending field)
//! before any service runs, and a service's write is one transaction.
//! Handlers never touch SQLite on an async worker ([`blocking`]).
//!
//! Every route is registered with its description ([`http_edge::routes`]),
//! so `/openapi.json` lists exactly what is served.

mod audit;
mod billing;
mod customers;
mod jobs;
mod people;
mod purchases;
mod reports;
mod schemas;
mod session;
mod stock;
mod sync;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use http_edge::routes::{Described, Op};
pub use http_edge::{Refusal, blocking, body::MAX_BODY, parse_json};
use serde_json::{Value, json};
pub use session::SignedIn;

use crate::error::NodeError;
use crate::node::Node;

pub(crate) type AppState = Arc<Node>;
pub(crate) type Answer<T> = Result<T, Refusal>;

/// The scheme name of a user's session in the OpenAPI document.
const SESSION: &str = "session";
/// The scheme name of a device-signed LAN sync request.
const DEVICE: &str = "deviceSignature";

async fn health(State(node): State<AppState>) -> axum::Json<Value> {
    axum::Json(json!({ "status": "ok", "device": node.device, "branch": node.branch }))
}

async fn openapi() -> axum::Json<Value> {
    axum::Json(openapi_doc())
}

async fn not_found() -> Refusal {
    NodeError::NotFound("this endpoint".into()).into()
}

/// Every route with its description; [`router`] serves it, [`openapi_doc`]
/// describes it.
fn described() -> Described<AppState> {
    let d = Described::default()
        .route(
            "/health",
            [Op::get(health, "Liveness and this device's id")],
        )
        .route("/openapi.json", [Op::get(openapi, "This document")]);
    let d = people::routes(d);
    let d = customers::routes(d);
    let d = jobs::routes(d);
    let d = audit::routes(d);
    let d = stock::routes(d);
    let d = billing::routes(d);
    let d = purchases::routes(d);
    let d = reports::routes(d);
    let d = sync::routes(d);
    crate::ui::routes(d)
}

/// The router over one device.
pub fn router(node: Arc<Node>) -> Router {
    described()
        .into_router()
        .fallback(not_found)
        .layer(DefaultBodyLimit::disable())
        .with_state(node)
}

/// Every (method, path) the router serves.
pub fn served() -> Vec<(&'static str, &'static str)> {
    described().served()
}

/// Serve until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    node: Arc<Node>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(node))
        .with_graceful_shutdown(shutdown)
        .await
}

/// The OpenAPI 3.1 description of everything [`router`] serves.
pub fn openapi_doc() -> Value {
    described().openapi(
        json!({ "title": "branch-node local API", "version": env!("CARGO_PKG_VERSION"), "description": "A device's local API: job cards, customers, stock, billing, passwords, conflicts, audit, sync status; and the LAN side of the sync protocol (/sync/push, /sync/pull) for devices of the same branch." }),
        json!({
            "schemas": schemas::all(),
            "securitySchemes": {
                SESSION: { "type": "http", "scheme": "bearer" },
                DEVICE: { "type": "apiKey", "in": "header", "name": sync_core::protocol::H_SIGNATURE, "description": "ed25519 signature (hex) by the calling device over sync_core::protocol::request_signing_bytes(method, path, x-time, body), with headers x-device and x-time" }
            }
        }),
    )
}
