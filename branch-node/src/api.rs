//! The local HTTP JSON API (axum), over the same services as the CLI. Loopback
//! by default; a session token per user (`Authorization: Bearer …`).
//!
//! Every error is a JSON body `{"error": {"code", "message", "field"?,
//! "rule"?}}` with a 4xx status for bad input, and bad input changes nothing:
//! bodies are parsed fully (with the path of the offending field) before any
//! service runs, and a service's write is one transaction.
//!
//! Handlers never touch SQLite on an async worker: [`blocking`] moves each
//! call to tokio's blocking pool.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sync_core::body::{FieldValue, TextField};
use sync_core::ids::{RecordId, UserId};

use crate::auth::{self, LoginInput, Session};
use crate::billing as bill;
use crate::error::NodeError;
use crate::inventory as inv;
use crate::node::Node;
use crate::services as svc;
use crate::store::read::JobFilter;

/// Largest request body accepted.
pub const MAX_BODY: usize = 1024 * 1024;

pub struct ApiError(pub NodeError, pub Option<u16>);

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        ApiError(e, None)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.1.unwrap_or_else(|| self.0.status()))
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(error = %self.0, "request failed");
        }
        (status, axum::Json(self.0.to_json())).into_response()
    }
}

fn bad_request(field: &str, rule: impl Into<String>) -> ApiError {
    ApiError(NodeError::invalid(field, rule), Some(400))
}

/// A JSON body, parsed strictly: the error names the path of the bad field.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        read_limited(req.into_body())
            .await
            .and_then(|b| parse_json(&b))
            .map(Body)
    }
}

/// Read a body of at most [`MAX_BODY`] bytes. A larger body is refused with
/// 413, after reading (and dropping) up to [`DRAIN_BODY`] of it, so the client
/// finishes sending and sees the JSON answer instead of a broken pipe.
pub async fn read_limited(body: axum::body::Body) -> Result<Vec<u8>, ApiError> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| bad_request("body", format!("could not be read: {e}")))?;
        seen += chunk.len();
        if seen <= MAX_BODY {
            buf.extend_from_slice(&chunk);
        } else if seen > DRAIN_BODY {
            break;
        }
    }
    if seen > MAX_BODY {
        return Err(ApiError(
            NodeError::invalid("body", format!("must be at most {MAX_BODY} bytes")),
            Some(413),
        ));
    }
    Ok(buf)
}

/// How much of an oversized body is read before answering 413.
pub const DRAIN_BODY: usize = 32 * 1024 * 1024;

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(bad_request("body", "must be valid UTF-8 JSON"));
    }
    // Every body is a JSON object; serde would otherwise take `[]` for a struct.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(bad_request("body", "must be a JSON object"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() {
            "body".to_string()
        } else {
            path
        };
        let inner = e.into_inner();
        let rule = inner.to_string();
        // "missing field `x`" names a field inside the object we were parsing.
        let field = match rule
            .strip_prefix("missing field `")
            .and_then(|r| r.split('`').next())
        {
            Some(missing) if field == "body" => missing.to_string(),
            Some(missing) => format!("{field}.{missing}"),
            None => field,
        };
        bad_request(&field, rule)
    })
}

fn parse_query<T: DeserializeOwned + Default>(q: Option<String>) -> Result<T, ApiError> {
    match q {
        None => Ok(T::default()),
        Some(q) => serde_urlencoded::from_str(&q).map_err(|e| bad_request("query", e.to_string())),
    }
}

fn parse_id<T: std::str::FromStr>(field: &str, s: &str) -> Result<T, ApiError> {
    s.parse().map_err(|_| {
        ApiError(
            NodeError::invalid(
                field,
                "must be an id like 0a1b2c3d-0000-0000-0000-000000000000",
            ),
            Some(404),
        )
    })
}

/// Run blocking work (SQLite, argon2) off the async workers.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> crate::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError(NodeError::Setup(format!("worker failed: {e}")), Some(500)))?
        .map_err(ApiError::from)
}

type AppState = Arc<Node>;

fn bearer(h: &HeaderMap) -> Result<String, ApiError> {
    let v = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError(NodeError::Unauthorized, None))?;
    v.strip_prefix("Bearer ")
        .map(|t| t.trim().to_string())
        .ok_or(ApiError(NodeError::Unauthorized, None))
}

/// Resolve the session, then run `f` with it, all on the blocking pool.
async fn with_session<T: Serialize + Send + 'static>(
    node: AppState,
    h: &HeaderMap,
    f: impl FnOnce(&Node, &Session) -> crate::Result<T> + Send + 'static,
) -> Result<axum::Json<T>, ApiError> {
    let token = bearer(h)?;
    blocking(move || {
        let s = auth::session(&node, &token)?;
        f(&node, &s)
    })
    .await
    .map(axum::Json)
}

async fn health(State(node): State<AppState>) -> axum::Json<Value> {
    axum::Json(json!({ "status": "ok", "device": node.device, "branch": node.branch }))
}

async fn openapi() -> axum::Json<Value> {
    axum::Json(openapi_doc())
}

async fn login(
    State(node): State<AppState>,
    Body(i): Body<LoginInput>,
) -> Result<impl IntoResponse, ApiError> {
    let out = blocking(move || auth::login(&node, &i)).await?;
    Ok(axum::Json(out))
}

async fn logout(State(node): State<AppState>, h: HeaderMap) -> Result<StatusCode, ApiError> {
    let token = bearer(&h)?;
    blocking(move || auth::logout(&node, &token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(State(node): State<AppState>, h: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    with_session(node, &h, |_, s| Ok(s.clone())).await
}

async fn users(State(node): State<AppState>, h: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    with_session(node, &h, svc::list_users).await
}

async fn create_user(
    State(node): State<AppState>,
    h: HeaderMap,
    Body(i): Body<svc::UserInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| svc::create_user(n, s, i)).await?,
    ))
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn find_customers(
    State(node): State<AppState>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<impl IntoResponse, ApiError> {
    let q: SearchQuery = parse_query(q)?;
    with_session(node, &h, move |n, s| svc::find_customers(n, s, &q.q)).await
}

async fn create_customer(
    State(node): State<AppState>,
    h: HeaderMap,
    Body(i): Body<svc::CustomerInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| svc::create_customer(n, s, i)).await?,
    ))
}

async fn get_customer(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| svc::get_customer(n, s, id)).await
}

async fn update_customer(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
    Body(p): Body<svc::CustomerPatch>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| svc::update_customer(n, s, id, p)).await
}

async fn customer_history(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| svc::customer_history(n, s, id)).await
}

async fn list_jobs(
    State(node): State<AppState>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<impl IntoResponse, ApiError> {
    let f: JobFilter = parse_query(q)?;
    with_session(node, &h, move |n, s| svc::list_jobs(n, s, &f)).await
}

async fn open_job(
    State(node): State<AppState>,
    h: HeaderMap,
    Body(i): Body<svc::JobInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| svc::open_job(n, s, i)).await?,
    ))
}

async fn get_job(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| svc::job_detail(n, s, id)).await
}

async fn update_job(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
    Body(p): Body<svc::JobPatch>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| svc::update_job(n, s, id, p)).await
}

async fn change_status(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
    Body(i): Body<svc::StatusInput>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| svc::change_status(n, s, id, i)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignInput {
    technician: Option<UserId>,
}

async fn assign(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
    Body(i): Body<AssignInput>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| {
        svc::assign_technician(n, s, id, i.technician)
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextInput {
    text: String,
    /// The text's version the screen was loaded at (`diagnosis_version`).
    #[serde(default)]
    version: Option<Vec<String>>,
}

async fn set_diagnosis(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
    Body(i): Body<TextInput>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| {
        svc::set_text(
            n,
            s,
            id,
            TextField::Diagnosis,
            &i.text,
            i.version.as_deref(),
        )
    })
    .await
}

async fn set_notes(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
    Body(i): Body<TextInput>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| {
        svc::set_text(n, s, id, TextField::Notes, &i.text, i.version.as_deref())
    })
    .await
}

async fn add_line(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
    Body(l): Body<svc::LineInput>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| svc::add_estimate_line(n, s, id, l)).await?,
    ))
}

async fn remove_line(
    State(node): State<AppState>,
    h: HeaderMap,
    Path((id, line)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    let line: RecordId = parse_id("line", &line)?;
    with_session(node, &h, move |n, s| {
        svc::remove_estimate_line(n, s, id, line)
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevealInput {
    #[serde(default)]
    purpose: String,
}

async fn reveal(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
    Body(i): Body<RevealInput>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| {
        svc::reveal_password(n, s, id, &i.purpose)
    })
    .await
}

async fn conflicts(
    State(node): State<AppState>,
    h: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    with_session(node, &h, svc::list_conflicts).await
}

async fn resolve(
    State(node): State<AppState>,
    h: HeaderMap,
    Body(i): Body<svc::ResolveInput>,
) -> Result<impl IntoResponse, ApiError> {
    with_session(node, &h, move |n, s| svc::resolve_conflict(n, s, i)).await
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    limit: Option<u32>,
    before: Option<i64>,
}

async fn audit(
    State(node): State<AppState>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<impl IntoResponse, ApiError> {
    let q: AuditQuery = parse_query(q)?;
    with_session(node, &h, move |n, s| {
        svc::audit_log(n, s, q.limit.unwrap_or(100), q.before)
    })
    .await
}

async fn audit_verify(
    State(node): State<AppState>,
    h: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    with_session(node, &h, svc::verify_audit).await
}

// ---------------------------------------------------------------- stock

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    low: bool,
}

async fn list_items(
    State(node): State<AppState>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<impl IntoResponse, ApiError> {
    let q: ItemQuery = parse_query(q)?;
    with_session(node, &h, move |n, s| inv::list_items(n, s, &q.q, q.low)).await
}

async fn create_item(
    State(node): State<AppState>,
    h: HeaderMap,
    Body(i): Body<inv::ItemInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| inv::create_item(n, s, i)).await?,
    ))
}

async fn get_item(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| inv::get_item(n, s, id)).await
}

async fn item_ledger(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| inv::ledger(n, s, id)).await
}

async fn receipt(
    State(node): State<AppState>,
    h: HeaderMap,
    Body(i): Body<inv::ReceiptInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| inv::receive(n, s, i)).await?,
    ))
}

async fn adjustment(
    State(node): State<AppState>,
    h: HeaderMap,
    Body(i): Body<inv::AdjustInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| inv::adjust(n, s, i)).await?,
    ))
}

async fn issue(
    State(node): State<AppState>,
    h: HeaderMap,
    Body(i): Body<inv::IssueInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| inv::issue_to_technician(n, s, i)).await?,
    ))
}

async fn return_stock(
    State(node): State<AppState>,
    h: HeaderMap,
    Body(i): Body<inv::ReturnInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| inv::return_to_store(n, s, i)).await?,
    ))
}

async fn use_part(
    State(node): State<AppState>,
    h: HeaderMap,
    Body(i): Body<inv::UseInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| inv::use_on_job(n, s, i)).await?,
    ))
}

async fn list_transfers(
    State(node): State<AppState>,
    h: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    with_session(node, &h, inv::transfers).await
}

async fn send_transfer(
    State(node): State<AppState>,
    h: HeaderMap,
    Body(i): Body<inv::TransferOutInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| inv::transfer_out(n, s, i)).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiveInput {
    #[serde(with = "rust_decimal::serde::str")]
    received: rust_decimal::Decimal,
}

async fn receive_transfer(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
    Body(i): Body<ReceiveInput>,
) -> Result<impl IntoResponse, ApiError> {
    let transfer: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| {
        inv::transfer_in(
            n,
            s,
            inv::TransferInInput {
                transfer,
                received: i.received,
            },
        )
    })
    .await
}

async fn devices(
    State(node): State<AppState>,
    h: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    with_session(node, &h, inv::devices).await
}

// ---------------------------------------------------------------- billing

async fn list_drafts(
    State(node): State<AppState>,
    h: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    with_session(node, &h, bill::drafts).await
}

async fn create_draft(
    State(node): State<AppState>,
    h: HeaderMap,
    Body(i): Body<bill::DraftInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| bill::create_draft(n, s, i)).await?,
    ))
}

async fn delete_draft(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| {
        bill::delete_draft(n, s, id).map(|_| json!({ "deleted": id }))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FinalizeInput {
    date: Option<sync_core::domain::date::Date>,
}

async fn finalize(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
    Body(i): Body<FinalizeInput>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| bill::finalize(n, s, id, i.date)).await?,
    ))
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DocQuery {
    job: Option<RecordId>,
    invoice: Option<RecordId>,
    #[serde(default)]
    paper: Option<String>,
}

async fn list_documents(
    State(node): State<AppState>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<impl IntoResponse, ApiError> {
    let q: DocQuery = parse_query(q)?;
    with_session(node, &h, move |n, s| bill::list_documents(n, s, q.job)).await
}

async fn get_document(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| bill::get_document(n, s, id)).await
}

async fn print_document(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    let q: DocQuery = parse_query(q)?;
    let thermal = matches!(q.paper.as_deref(), Some("thermal") | Some("80mm"));
    let axum::Json(html) =
        with_session(node, &h, move |n, s| bill::render(n, s, id, thermal)).await?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonInput {
    reason: String,
}

async fn cancel_document(
    State(node): State<AppState>,
    h: HeaderMap,
    Path(id): Path<String>,
    Body(i): Body<ReasonInput>,
) -> Result<impl IntoResponse, ApiError> {
    let id: RecordId = parse_id("id", &id)?;
    with_session(node, &h, move |n, s| bill::cancel(n, s, id, &i.reason)).await
}

async fn credit_note(
    State(node): State<AppState>,
    h: HeaderMap,
    Body(i): Body<bill::CreditNoteInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| bill::credit_note(n, s, i)).await?,
    ))
}

async fn list_payments(
    State(node): State<AppState>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<impl IntoResponse, ApiError> {
    let q: DocQuery = parse_query(q)?;
    with_session(node, &h, move |n, s| bill::payments(n, s, q.invoice, q.job)).await
}

async fn record_payment(
    State(node): State<AppState>,
    h: HeaderMap,
    Body(i): Body<bill::PaymentInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| bill::record_payment(n, s, i)).await?,
    ))
}

async fn leases(State(node): State<AppState>, h: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    with_session(node, &h, bill::leases).await
}

async fn local_lease(
    State(node): State<AppState>,
    h: HeaderMap,
    Body(i): Body<bill::LocalLeaseInput>,
) -> Result<impl IntoResponse, ApiError> {
    Ok((
        StatusCode::CREATED,
        with_session(node, &h, move |n, s| bill::grant_local_lease(n, s, i)).await?,
    ))
}

// ---------------------------------------------------------------- sync

fn signed_headers(h: &HeaderMap) -> crate::sync::SignedHeaders {
    let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(str::to_string);
    crate::sync::SignedHeaders {
        device: get(sync_core::protocol::H_DEVICE),
        time: get(sync_core::protocol::H_TIME),
        signature: get(sync_core::protocol::H_SIGNATURE),
    }
}

/// Read and authenticate a signed LAN sync request (signed as sent), then
/// inflate it if gzip-encoded (to at most [`MAX_BODY`]); returns its JSON
/// body and whether the peer takes a gzip answer.
async fn signed_body(
    node: &AppState,
    req: Request,
    path: &'static str,
) -> Result<(Vec<u8>, bool), ApiError> {
    let (parts, body) = req.into_parts();
    let sh = signed_headers(&parts.headers);
    let encoding = parts
        .headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").to_string());
    let gzip_ok = crate::sync::accepts_gzip(
        parts
            .headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    );
    let bytes = read_limited(body).await?;
    let n = node.clone();
    let bytes = blocking(move || {
        crate::sync::authenticate(&n, &sh, "POST", path, &bytes)?;
        Ok(bytes)
    })
    .await?;
    let json = crate::sync::decode_body(encoding.as_deref(), bytes, MAX_BODY)
        .map_err(|(status, e)| ApiError(e, Some(status)))?;
    Ok((json, gzip_ok))
}

/// A sync answer from [`crate::sync::encode_json`].
fn sync_answer((body, gzipped): (Vec<u8>, bool)) -> Response {
    let mut r = (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::VARY, "accept-encoding"),
        ],
        body,
    )
        .into_response();
    if gzipped {
        r.headers_mut().insert(
            header::CONTENT_ENCODING,
            header::HeaderValue::from_static("gzip"),
        );
    }
    r
}

/// `POST /sync/push` from a LAN peer of this branch.
async fn sync_push(
    State(node): State<AppState>,
    req: Request,
) -> Result<impl IntoResponse, ApiError> {
    let (bytes, gz) = signed_body(&node, req, sync_core::protocol::PUSH).await?;
    let r: sync_core::protocol::PushRequest = parse_json(&bytes)?;
    if r.ops.len() > sync_core::protocol::MAX_BATCH {
        return Err(bad_request(
            "ops",
            format!(
                "at most {} operations per push",
                sync_core::protocol::MAX_BATCH
            ),
        ));
    }
    let out = blocking(move || {
        let answer = crate::sync::serve_push(&node, &r)?;
        Ok(crate::sync::encode_json(&answer, gz))
    })
    .await?;
    Ok(sync_answer(out))
}

/// `POST /sync/pull` from a LAN peer of this branch.
async fn sync_pull(
    State(node): State<AppState>,
    req: Request,
) -> Result<impl IntoResponse, ApiError> {
    let (bytes, gz) = signed_body(&node, req, sync_core::protocol::PULL).await?;
    let r: sync_core::protocol::PullRequest = parse_json(&bytes)?;
    let out = blocking(move || {
        let answer = crate::sync::serve_pull(&node, &r)?;
        Ok(crate::sync::encode_json(&answer, gz))
    })
    .await?;
    Ok(sync_answer(out))
}

async fn sync_status(
    State(node): State<AppState>,
    h: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    with_session(node, &h, |n, _| crate::sync::status(n)).await
}

async fn sync_now(
    State(node): State<AppState>,
    h: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let axum::Json(peers) = with_session(node.clone(), &h, |n, _| n.sync_peers()).await?;
    let outcomes = crate::sync::sync_all(&node, &peers).await?;
    Ok(axum::Json(json!({ "peers": outcomes })))
}

async fn needs_attention(
    State(node): State<AppState>,
    h: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    with_session(node, &h, |n, _| crate::sync::needs_attention(n)).await
}

async fn not_found() -> ApiError {
    ApiError(NodeError::NotFound("this endpoint".into()), None)
}

/// The router over one device.
pub fn router(node: Arc<Node>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi))
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me))
        .route("/api/users", get(users).post(create_user))
        .route("/api/customers", get(find_customers).post(create_customer))
        .route(
            "/api/customers/{id}",
            get(get_customer).patch(update_customer),
        )
        .route("/api/customers/{id}/history", get(customer_history))
        .route("/api/jobs", get(list_jobs).post(open_job))
        .route("/api/jobs/{id}", get(get_job).patch(update_job))
        .route("/api/jobs/{id}/status", post(change_status))
        .route("/api/jobs/{id}/assign", post(assign))
        .route("/api/jobs/{id}/diagnosis", put(set_diagnosis))
        .route("/api/jobs/{id}/notes", put(set_notes))
        .route("/api/jobs/{id}/estimate", post(add_line))
        .route(
            "/api/jobs/{id}/estimate/{line}",
            axum::routing::delete(remove_line),
        )
        .route("/api/jobs/{id}/password/reveal", post(reveal))
        .route("/api/conflicts", get(conflicts))
        .route("/api/conflicts/resolve", post(resolve))
        .route("/api/audit", get(audit))
        .route("/api/audit/verify", get(audit_verify))
        .route("/api/items", get(list_items).post(create_item))
        .route("/api/items/{id}", get(get_item))
        .route("/api/items/{id}/ledger", get(item_ledger))
        .route("/api/stock/receipts", post(receipt))
        .route("/api/stock/adjustments", post(adjustment))
        .route("/api/stock/issues", post(issue))
        .route("/api/stock/returns", post(return_stock))
        .route("/api/stock/uses", post(use_part))
        .route("/api/transfers", get(list_transfers).post(send_transfer))
        .route("/api/transfers/{id}/receive", post(receive_transfer))
        .route("/api/devices", get(devices))
        .route("/api/drafts", get(list_drafts).post(create_draft))
        .route("/api/drafts/{id}", axum::routing::delete(delete_draft))
        .route("/api/drafts/{id}/finalize", post(finalize))
        .route("/api/documents", get(list_documents))
        .route("/api/documents/{id}", get(get_document))
        .route("/api/documents/{id}/print", get(print_document))
        .route("/api/documents/{id}/cancel", post(cancel_document))
        .route("/api/credit-notes", post(credit_note))
        .route("/api/payments", get(list_payments).post(record_payment))
        .route("/api/leases", get(leases))
        .route("/api/leases/local", post(local_lease))
        .route("/api/sync/status", get(sync_status))
        .route("/api/sync/now", post(sync_now))
        .route("/api/needs-attention", get(needs_attention))
        .route(sync_core::protocol::PUSH, post(sync_push))
        .route(sync_core::protocol::PULL, post(sync_pull))
        .merge(crate::ui::router())
        .fallback(not_found)
        .layer(DefaultBodyLimit::disable())
        .with_state(node)
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

/// (method, path, summary, request body schema, needs a session)
pub const ROUTES: &[(&str, &str, &str, Option<&str>, bool)] = &[
    (
        "get",
        "/health",
        "Liveness and this device's id",
        None,
        false,
    ),
    ("get", "/openapi.json", "This document", None, false),
    (
        "post",
        "/api/login",
        "Log in with a PIN; returns a session token",
        Some("LoginInput"),
        false,
    ),
    ("post", "/api/logout", "End the session", None, true),
    ("get", "/api/me", "The session's user and role", None, true),
    ("get", "/api/users", "Users of this branch", None, true),
    (
        "post",
        "/api/users",
        "Create a user (owner; standalone devices)",
        Some("UserInput"),
        true,
    ),
    (
        "get",
        "/api/customers",
        "Find customers by mobile or name (?q=)",
        None,
        true,
    ),
    (
        "post",
        "/api/customers",
        "Create a customer",
        Some("CustomerInput"),
        true,
    ),
    ("get", "/api/customers/{id}", "One customer", None, true),
    (
        "patch",
        "/api/customers/{id}",
        "Edit a customer",
        Some("CustomerPatch"),
        true,
    ),
    (
        "get",
        "/api/customers/{id}/history",
        "A customer's jobs",
        None,
        true,
    ),
    (
        "get",
        "/api/jobs",
        "Job cards (?status=&technician=&customer=&open=&limit=)",
        None,
        true,
    ),
    (
        "post",
        "/api/jobs",
        "Open a job card (intake); returns the delivery OTP",
        Some("JobInput"),
        true,
    ),
    (
        "get",
        "/api/jobs/{id}",
        "A job card with timeline, estimate, parts, texts, conflicts",
        None,
        true,
    ),
    (
        "patch",
        "/api/jobs/{id}",
        "Edit a job card's fields",
        Some("JobPatch"),
        true,
    ),
    (
        "post",
        "/api/jobs/{id}/status",
        "Move a job through its lifecycle (override, delivery proof)",
        Some("StatusInput"),
        true,
    ),
    (
        "post",
        "/api/jobs/{id}/assign",
        "Assign a technician (manager)",
        Some("AssignInput"),
        true,
    ),
    (
        "put",
        "/api/jobs/{id}/diagnosis",
        "Replace the diagnosis text (merged with concurrent edits)",
        Some("TextInput"),
        true,
    ),
    (
        "put",
        "/api/jobs/{id}/notes",
        "Replace the notes text (merged with concurrent edits)",
        Some("TextInput"),
        true,
    ),
    (
        "post",
        "/api/jobs/{id}/estimate",
        "Add an estimate line",
        Some("LineInput"),
        true,
    ),
    (
        "delete",
        "/api/jobs/{id}/estimate/{line}",
        "Remove an estimate line",
        None,
        true,
    ),
    (
        "post",
        "/api/jobs/{id}/password/reveal",
        "Show the device password (logged every time)",
        Some("RevealInput"),
        true,
    ),
    (
        "get",
        "/api/conflicts",
        "Fields with concurrent values kept for review",
        None,
        true,
    ),
    (
        "post",
        "/api/conflicts/resolve",
        "Settle a conflict (manager)",
        Some("ResolveInput"),
        true,
    ),
    (
        "get",
        "/api/audit",
        "The audit log (owner; ?limit=&before=)",
        None,
        true,
    ),
    (
        "get",
        "/api/audit/verify",
        "Check the audit log's hash chain (owner)",
        None,
        true,
    ),
    (
        "get",
        "/api/sync/status",
        "Sync state per peer (hub, LAN): online, last success and error, ops not yet acknowledged, pull cursor; ops needing attention; causal buffer",
        None,
        true,
    ),
    (
        "post",
        "/api/sync/now",
        "Sync with every peer now; a report per peer",
        None,
        true,
    ),
    (
        "get",
        "/api/needs-attention",
        "This device's operations refused by the hub (or a peer), with the reason",
        None,
        true,
    ),
    (
        "post",
        "/sync/push",
        "LAN sync: a signed batch of operations from a device of this branch; a verdict per operation",
        Some("PushRequest"),
        false,
    ),
    (
        "post",
        "/sync/pull",
        "LAN sync: this device's log after a cursor, paginated, for a device of this branch",
        Some("PullRequest"),
        false,
    ),
];

fn schemas() -> Value {
    let s = |props: Value, required: &[&str]| json!({ "type": "object", "additionalProperties": false, "properties": props, "required": required });
    let text = json!({ "type": "string" });
    let id = json!({ "type": "string", "format": "uuid" });
    let money = json!({ "type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$", "description": "decimal string, never a number" });
    let status = json!({ "type": "string", "enum": sync_core::domain::lifecycle::JobStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>() });
    let customer = s(
        json!({ "name": text, "mobile": text, "email": text, "address": text, "gstin": text, "state_code": text }),
        &["name", "mobile"],
    );
    json!({
        "LoginInput": s(json!({ "user": text, "pin": { "type": "string", "pattern": "^[0-9]{4,8}$" } }), &["user", "pin"]),
        "UserInput": s(json!({ "name": text, "role": { "type": "string", "enum": ["owner", "manager", "receptionist", "technician", "accountant"] }, "pin": text }), &["name", "role", "pin"]),
        "CustomerInput": customer,
        "CustomerPatch": s(json!({ "name": text, "mobile": text, "email": text, "address": text, "gstin": text, "state_code": text }), &[]),
        "JobInput": s(json!({
            "customer": id, "new_customer": { "$ref": "#/components/schemas/CustomerInput" },
            "device_type": text, "brand": text, "model": text, "serial": text, "complaint": text,
            "accessories": { "type": "array", "items": text }, "condition": text,
            "password": s(json!({ "kind": { "type": "string", "enum": ["pin", "pattern", "text"] }, "value": text }), &["kind", "value"]),
            "promised": { "type": "string", "format": "date" }
        }), &["device_type", "complaint"]),
        "JobPatch": s(json!({ "brand": text, "model": text, "serial": text, "complaint": text, "condition": text, "promised": { "type": "string", "format": "date" }, "estimate_note": text }), &[]),
        "StatusInput": s(json!({ "to": status, "override_reason": text, "note": text, "otp": text, "signature_sha256": text, "allow_balance_due": { "type": "boolean" } }), &["to"]),
        "AssignInput": s(json!({ "technician": { "type": ["string", "null"], "format": "uuid" } }), &[]),
        "TextInput": s(json!({ "text": text }), &["text"]),
        "LineInput": s(json!({ "kind": { "type": "string", "enum": ["service", "part"] }, "item": id, "description": text, "hsn_sac": text, "qty": text, "unit": text, "unit_price": money, "discount": money, "gst_rate": text }), &["description", "hsn_sac", "qty", "unit_price", "gst_rate"]),
        "RevealInput": s(json!({ "purpose": text }), &[]),
        "ResolveInput": s(json!({ "record": id, "field": text, "value": { "type": "object", "description": "FieldValue: {\"t\": \"text\", \"v\": \"…\"}" } }), &["record", "field", "value"]),
        "ItemInput": s(json!({ "sku": text, "name": text, "hsn_sac": text, "gst_rate": text, "unit": text, "sale_price": money, "cost": money, "reorder_level": text, "is_service": { "type": "boolean" } }), &["sku", "name", "hsn_sac", "gst_rate", "sale_price"]),
        "ReceiptInput": s(json!({ "item": id, "qty": text, "supplier": text, "reference": text, "note": text }), &["item", "qty", "supplier"]),
        "AdjustInput": s(json!({ "item": id, "delta": text, "reason": text }), &["item", "delta", "reason"]),
        "IssueInput": s(json!({ "item": id, "qty": text, "technician": id, "to_device": id }), &["item", "qty", "technician", "to_device"]),
        "ReturnInput": s(json!({ "item": id, "qty": text, "to_device": id }), &["item", "qty"]),
        "UseInput": s(json!({ "job": id, "item": id, "qty": text, "unit_price": money }), &["job", "item", "qty"]),
        "TransferOutInput": s(json!({ "item": id, "qty": text, "to_branch": id, "to_device": id }), &["item", "qty", "to_branch"]),
        "ReceiveInput": s(json!({ "received": text }), &["received"]),
        "DraftInput": s(json!({ "job": id, "customer": id, "customer_name": text, "customer_gstin": text, "customer_state": text, "customer_address": text, "lines": { "type": "array", "items": { "$ref": "#/components/schemas/LineInput" } } }), &[]),
        "FinalizeInput": s(json!({ "date": { "type": "string", "format": "date" } }), &[]),
        "ReasonInput": s(json!({ "reason": text }), &["reason"]),
        "CreditNoteInput": s(json!({ "invoice": id, "reason": text, "lines": { "type": "array", "items": { "$ref": "#/components/schemas/LineInput" } }, "date": { "type": "string", "format": "date" } }), &["invoice", "reason"]),
        "PaymentInput": s(json!({ "invoice": id, "job": id, "amount": money, "mode": { "type": "string", "enum": ["cash", "upi", "card", "bank"] }, "reference": text, "date": { "type": "string", "format": "date" } }), &["amount", "mode"]),
        "LocalLeaseInput": s(json!({ "doc_type": { "type": "string", "enum": ["tax_invoice", "credit_note"] }, "size": { "type": "integer", "minimum": 1 }, "fy": { "type": "integer" } }), &["doc_type", "size"]),
        "PushRequest": s(json!({ "ops": { "type": "array", "maxItems": sync_core::protocol::MAX_BATCH, "items": { "type": "string", "description": "an operation's signed wire bytes, hex" } } }), &["ops"]),
        "PullRequest": s(json!({ "cursor": { "type": "integer", "minimum": 0 }, "limit": { "type": "integer", "minimum": 1, "maximum": 1000 } }), &["cursor", "limit"]),
        "Error": s(json!({ "error": s(json!({ "code": text, "message": text, "field": text, "rule": text }), &["code", "message"]) }), &["error"]),
    })
}

/// The OpenAPI 3.1 description of [`ROUTES`].
pub fn openapi_doc() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, summary, body, auth) in ROUTES {
        let mut op = json!({
            "summary": summary,
            "responses": {
                "200": { "description": "OK" },
                "4XX": { "description": "Bad input, not allowed, or not found; changes nothing", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            }
        });
        if let Some(b) = body {
            op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{b}") } } } });
        }
        if *auth {
            op["security"] = json!([{ "session": [] }]);
        }
        if path.starts_with("/sync/") {
            op["security"] = json!([{ "deviceSignature": [] }]);
        }
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|p| json!({ "name": p, "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }))
            .collect();
        if !params.is_empty() {
            op["parameters"] = json!(params);
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "branch-node local API", "version": env!("CARGO_PKG_VERSION"), "description": "A device's local API: job cards, customers, passwords, conflicts, audit, sync status; and the LAN side of the sync protocol (/sync/push, /sync/pull) for devices of the same branch." },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "session": { "type": "http", "scheme": "bearer" },
                "deviceSignature": { "type": "apiKey", "in": "header", "name": sync_core::protocol::H_SIGNATURE, "description": "ed25519 signature (hex) by the calling device over sync_core::protocol::request_signing_bytes(method, path, x-time, body), with headers x-device and x-time" }
            }
        }
    })
}

// Keep FieldValue in the public API surface used by ResolveInput.
#[allow(dead_code)]
fn _uses(_: FieldValue) {}
