//! The hub's HTTP server (axum), over plain HTTP or HTTPS ([`serve_tls`]).
//! Sync requests are signed by the calling device (see `sync_core::protocol`);
//! the server checks the signature, the time, the enrollment and revocation,
//! and a per-device rate limit, then hands whole operations to the
//! [`HubStore`] on the blocking pool. Sync bodies may be gzip-encoded both
//! ways ([`crate::gzip`]). Handlers see only the trait, never a backend.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sync_core::domain::date::Date;
use sync_core::identity::PublicKey;
use sync_core::ids::DeviceId;
use sync_core::protocol::{
    self, EnrollRequest, LeaseRequest, LeaseResponse, PullRequest, PushRequest, PushResponse,
};

use crate::error::HubError;
use crate::store::HubStore;
use crate::store::sqlite::{DEFAULT_LEASE, now_ms};
use crate::{gzip, login, reports};

/// Largest request body, as sent and once inflated (a push batch of 1000
/// ops fits comfortably).
pub const MAX_BODY: usize = 8 * 1024 * 1024;
/// Requests per device per second, sustained, with a burst of twice that.
pub const RATE_PER_SEC: u32 = 50;
/// A signed request's clock may differ from the hub's by at most this.
pub const MAX_SKEW_MS: u64 = protocol::MAX_CLOCK_SKEW_MS;

pub struct ApiError(pub HubError);

impl From<HubError> for ApiError {
    fn from(e: HubError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(error = %self.0, "request failed");
        }
        let mut r = (status, axum::Json(self.0.to_json())).into_response();
        if let HubError::RateLimited(secs) | HubError::LockedOut(secs) = self.0 {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    }
}

pub struct AppState {
    /// The storage backend; handlers know only the trait.
    pub hub: Arc<dyn HubStore>,
    /// The owner's sessions and wrong-PIN counts (in memory: see [`login`]).
    pub logins: login::Logins,
    /// Served over HTTPS ([`serve_tls`]): the session cookie is `Secure`.
    https: AtomicBool,
    buckets: Mutex<HashMap<DeviceId, (f64, Instant)>>,
    rate_per_sec: u32,
    /// Signed requests taken within the clock window. In memory, so what
    /// was signed before this state was made (before a restart) is refused
    /// too: a device caught mid-request asks again, freshly signed.
    replays: Mutex<protocol::ReplayGuard>,
}

impl AppState {
    pub fn new(hub: Arc<dyn HubStore>) -> Arc<AppState> {
        AppState::with_rate(hub, RATE_PER_SEC)
    }

    /// As [`AppState::new`] with another per-device rate limit.
    pub fn with_rate(hub: Arc<dyn HubStore>, rate_per_sec: u32) -> Arc<AppState> {
        Arc::new(AppState {
            hub,
            logins: login::Logins::default(),
            https: AtomicBool::new(false),
            buckets: Mutex::new(HashMap::new()),
            rate_per_sec: rate_per_sec.max(1),
            replays: Mutex::new(protocol::ReplayGuard::starting_at(now_ms())),
        })
    }

    /// Whether this state is served over HTTPS.
    pub fn https(&self) -> bool {
        self.https.load(Ordering::Relaxed)
    }

    /// Token bucket per device.
    #[allow(clippy::float_arithmetic)] // request rates, not money
    fn allow(&self, d: DeviceId) -> bool {
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let rate = self.rate_per_sec as f64;
        let cap = 2.0 * rate;
        let e = b.entry(d).or_insert((cap, now));
        let refill = now.duration_since(e.1).as_secs_f64() * rate;
        e.0 = (e.0 + refill).min(cap);
        e.1 = now;
        if e.0 >= 1.0 {
            e.0 -= 1.0;
            true
        } else {
            false
        }
    }
}

type St = Arc<AppState>;

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> crate::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError(HubError::Setup(format!("worker failed: {e}"))))?
        .map_err(ApiError)
}

pub(crate) async fn read_body(req: Request) -> Result<(HeaderMap, Vec<u8>), ApiError> {
    use futures_util::StreamExt;
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| ApiError(HubError::invalid("body", format!("could not be read: {e}"))))?;
        seen += chunk.len();
        if seen <= MAX_BODY {
            buf.extend_from_slice(&chunk);
        } else if seen > 4 * MAX_BODY {
            break;
        }
    }
    if seen > MAX_BODY {
        return Err(ApiError(HubError::TooLarge(MAX_BODY)));
    }
    Ok((parts.headers, buf))
}

pub(crate) fn parse<T: DeserializeOwned>(b: &[u8]) -> Result<T, ApiError> {
    if b.iter().find(|c| !c.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError(HubError::invalid("body", "must be a JSON object")));
    }
    let de = &mut serde_json::Deserializer::from_slice(b);
    serde_path_to_error_free(de).map_err(|(path, msg)| ApiError(HubError::invalid(&path, msg)))
}

fn serde_path_to_error_free<'de, T: DeserializeOwned>(
    de: &mut serde_json::Deserializer<serde_json::de::SliceRead<'de>>,
) -> Result<T, (String, String)> {
    T::deserialize(de).map_err(|e| ("body".to_string(), e.to_string()))
}

/// Check a signed request (`body` as sent, before any inflating); returns
/// the calling device. Reads the store: call it on the blocking pool.
fn authenticate(
    state: &AppState,
    h: &HeaderMap,
    method: &str,
    path: &str,
    body: &[u8],
) -> crate::Result<DeviceId> {
    let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(str::to_string);
    let unauth = |m: &str| HubError::Unauthorized(m.to_string());
    let device: DeviceId = get(protocol::H_DEVICE)
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| unauth("missing or malformed x-device header"))?;
    let time: u64 = get(protocol::H_TIME)
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| unauth("missing x-time header"))?;
    let sig_hex = get(protocol::H_SIGNATURE).ok_or_else(|| unauth("missing x-signature header"))?;
    let mut sig = [0u8; 64];
    hex::decode_to_slice(&sig_hex, &mut sig)
        .map_err(|_| unauth("x-signature is not 64 bytes of hex"))?;
    if now_ms().abs_diff(time) > MAX_SKEW_MS {
        return Err(unauth(
            "request time is more than 5 minutes off the hub's clock (replayed, or the device clock is wrong)",
        ));
    }
    let auth = state
        .hub
        .device_auth(device)?
        .ok_or_else(|| unauth("unknown device: enroll it first"))?;
    if !PublicKey::verify_strict(
        &auth.key,
        &protocol::request_signing_bytes(method, path, time, body),
        &sig,
    ) {
        return Err(unauth("signature does not verify"));
    }
    if auth.revoked {
        return Err(HubError::Revoked(device.to_string()));
    }
    let first = state
        .replays
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .first_sight(sig, time, now_ms());
    if !first {
        return Err(HubError::Replayed);
    }
    if !state.allow(device) {
        return Err(HubError::RateLimited(1));
    }
    Ok(device)
}

/// A signed sync request: read (at most [`MAX_BODY`] as sent), then, on the
/// blocking pool, authenticated over the bytes as sent and inflated if
/// gzip-encoded (again at most [`MAX_BODY`]). Returns the device, whether it
/// takes a gzip answer, and the JSON body.
async fn signed_request(
    st: &St,
    req: Request,
    path: &'static str,
) -> Result<(DeviceId, bool, Vec<u8>), ApiError> {
    let (h, wire) = read_body(req).await?;
    let st = st.clone();
    blocking(move || {
        let device = authenticate(&st, &h, "POST", path, &wire)?;
        let body = gzip::decode_request(&h, wire, MAX_BODY)?;
        Ok((device, gzip::accepts_gzip(&h), body))
    })
    .await
}

/// A JSON answer, gzip-encoded when the client takes it and it is worth it.
/// Called on the blocking pool (a page of a thousand ops is worth moving off
/// the async workers to serialize and compress).
fn json_body<T: Serialize>(v: &T, gzip_ok: bool) -> (Vec<u8>, bool) {
    let json = serde_json::to_vec(v).expect("protocol types serialize");
    if gzip_ok && json.len() >= gzip::MIN_COMPRESS {
        (gzip::compress(&json), true)
    } else {
        (json, false)
    }
}

fn json_response(status: StatusCode, (body, gzipped): (Vec<u8>, bool)) -> Response {
    let mut r = (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::VARY, "accept-encoding"),
        ],
        body,
    )
        .into_response();
    if gzipped {
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    r
}

async fn health() -> axum::Json<Value> {
    axum::Json(json!({ "status": "ok", "time_ms": now_ms() }))
}

async fn openapi() -> axum::Json<Value> {
    axum::Json(openapi_doc())
}

async fn enroll(State(st): State<St>, req: Request) -> Result<Response, ApiError> {
    let (_, body) = read_body(req).await?;
    let r: EnrollRequest = parse(&body)?;
    let hub = st.hub.clone();
    let out = blocking(move || hub.redeem(&r, now_ms())).await?;
    Ok((StatusCode::CREATED, axum::Json(out)).into_response())
}

async fn push(State(st): State<St>, req: Request) -> Result<Response, ApiError> {
    let (device, gz, body) = signed_request(&st, req, protocol::PUSH).await?;
    let r: PushRequest = parse(&body)?;
    if r.ops.len() > protocol::MAX_BATCH {
        return Err(ApiError(HubError::invalid(
            "ops",
            format!("at most {} operations per push", protocol::MAX_BATCH),
        )));
    }
    let wires: Vec<Vec<u8>> = r
        .ops
        .iter()
        .map(|w| hex::decode(w).unwrap_or_default())
        .collect();
    let hub = st.hub.clone();
    let out = blocking(move || {
        let results = hub.accept_batch(device, &wires)?;
        Ok(json_body(
            &PushResponse {
                results,
                hub_time_ms: now_ms(),
            },
            gz,
        ))
    })
    .await?;
    Ok(json_response(StatusCode::OK, out))
}

async fn pull(State(st): State<St>, req: Request) -> Result<Response, ApiError> {
    let (device, gz, body) = signed_request(&st, req, protocol::PULL).await?;
    let r: PullRequest = parse(&body)?;
    let hub = st.hub.clone();
    let out = blocking(move || {
        Ok(json_body(
            &hub.pull(device, r.cursor, r.limit, r.digest)?,
            gz,
        ))
    })
    .await?;
    Ok(json_response(StatusCode::OK, out))
}

async fn lease(State(st): State<St>, req: Request) -> Result<Response, ApiError> {
    let (device, _, body) = signed_request(&st, req, protocol::LEASE).await?;
    let r: LeaseRequest = parse(&body)?;
    let hub = st.hub.clone();
    let lease = blocking(move || {
        hub.lease_block(
            device,
            r.doc_type,
            DEFAULT_LEASE,
            Date::from_unix_ms_ist(now_ms()),
        )
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(LeaseResponse { lease })).into_response())
}

type Params = std::collections::HashMap<String, String>;

fn query(q: Result<Query<Params>, QueryRejection>) -> Result<Params, ApiError> {
    q.map(|Query(p)| p)
        .map_err(|e| ApiError(HubError::invalid("query", e.body_text())))
}

async fn dashboard(State(st): State<St>, h: HeaderMap) -> Result<Response, ApiError> {
    if !login::signed_in(&st, &h) {
        return Ok(login::to_login());
    }
    let hub = st.hub.clone();
    Ok(Html(blocking(move || reports::dashboard_html(&*hub)).await?).into_response())
}

/// `/reports/{name}[.json|.csv|.xlsx|.html]` (and `?mobile=…` for
/// `customer_history`). Without a session a page sends the browser to the
/// login; a file or JSON is refused with 401.
async fn report(
    State(st): State<St>,
    Path(name): Path<String>,
    h: HeaderMap,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (name, format) = match name.rsplit_once('.') {
        Some((n, f)) if ["json", "csv", "xlsx", "html"].contains(&f) => (n.to_string(), f),
        _ => (name, "json"),
    };
    if !login::signed_in(&st, &h) {
        return match format {
            "html" => Ok(login::to_login()),
            _ => Err(ApiError(HubError::LoginRequired)),
        };
    }
    let q = query(q)?;
    let hub = st.hub.clone();
    let mobile = q.get("mobile").cloned();
    let history = name == reports::CUSTOMER_HISTORY;
    let table = blocking(move || {
        if history {
            reports::customer_history(&*hub, mobile.as_deref().unwrap_or(""))
        } else {
            reports::report(&*hub, &name)
        }
    })
    .await?;
    let file = |ext: &str| format!("attachment; filename=\"{}.{ext}\"", table.name);
    Ok(match format {
        "csv" => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, file("csv")),
            ],
            table.to_csv(),
        )
            .into_response(),
        "xlsx" => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (header::CONTENT_DISPOSITION, file("xlsx")),
            ],
            table.to_xlsx().map_err(ApiError)?,
        )
            .into_response(),
        "html" => {
            let mut link = String::new();
            if let Some(m) = q.get("mobile").filter(|_| history) {
                // The normalized number: digits only, nothing to escape.
                let m = sync_core::domain::validate::mobile("mobile", m).map_err(HubError::from)?;
                link = format!("?mobile={m}");
            }
            Html(reports::table_page(&table, &link)).into_response()
        }
        _ => axum::Json(table).into_response(),
    })
}

async fn not_found() -> ApiError {
    ApiError(HubError::NotFound("this endpoint".into()))
}

pub fn router(state: St) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi))
        .route(protocol::ENROLL, post(enroll))
        .route(protocol::PUSH, post(push))
        .route(protocol::PULL, post(pull))
        .route(protocol::LEASE, post(lease))
        .route("/login", get(login::page).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/", get(dashboard))
        .route("/reports/{name}", get(report))
        .fallback(not_found)
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// Serve plain HTTP until `shutdown` resolves. Takes a bound listener so
/// tests and the demo choose their ports.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: St,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// As [`serve`], over HTTPS with `tls` ([`crate::tls::load`]).
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    tls: Arc<tokio_rustls::rustls::ServerConfig>,
    state: St,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    state.https.store(true, Ordering::Relaxed);
    let listener = crate::tls::TlsListener::new(listener, tls)?;
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

pub fn openapi_doc() -> Value {
    let op = |summary: &str, body: Option<&str>, signed: bool| {
        let mut o = json!({ "summary": summary, "responses": { "200": { "description": "OK" }, "4XX": { "description": "Refused, with a JSON error naming the field and rule" } } });
        if let Some(b) = body {
            o["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "type": "object", "description": b } } } });
        }
        if signed {
            o["security"] = json!([{ "device": [] }]);
        }
        o
    };
    json!({
        "openapi": "3.1.0",
        "info": { "title": "hub", "version": env!("CARGO_PKG_VERSION"), "description": "The central hub: enrollment, sync, leases, consolidated reports." },
        "paths": {
            "/health": { "get": op("Liveness and the hub's clock", None, false) },
            "/openapi.json": { "get": op("This document", None, false) },
            "/enroll": { "post": op("Redeem a one-time enrollment code", Some("EnrollRequest {code, device, public_key}"), false) },
            "/sync/push": { "post": op("Push signed operations; a verdict per operation. The body may be Content-Encoding: gzip (signed as sent, at most 8 MB inflated); the answer is gzip with Accept-Encoding: gzip", Some("PushRequest {ops: [hex wire]}"), true) },
            "/sync/pull": { "post": op("Pull the operations this device may see after its cursor. Body and answer may be gzip, as for push", Some("PullRequest {cursor, limit}"), true) },
            "/sync/lease": { "post": op("Lease the next block of this device's branch series", Some("LeaseRequest {doc_type}"), true) },
            "/login": {
                "get": op("The owner's login form (HTML)", None, false),
                "post": op("Log the owner in: a session cookie hub_session (HttpOnly, SameSite=Strict, Secure over HTTPS, 12 hours). JSON or form-urlencoded; a form is redirected (303) to /. 401 wrong_pin; after 5 wrong PINs for a name, 429 locked_out for 15 minutes", Some("{name, pin}: the owner's name and PIN"), false)
            },
            "/logout": { "post": op("End the session and clear its cookie; redirects (303) to /login", None, false) },
            "/": { "get": { "summary": "The owner's dashboard (HTML); without a session, a redirect (303) to /login", "security": [{ "session": [] }], "responses": { "200": { "description": "OK" }, "303": { "description": "Not logged in: to /login" } } } },
            "/reports/{name}": { "get": { "summary": "A report as JSON, or CSV, XLSX or HTML with a .csv, .xlsx or .html suffix; customer_history takes ?mobile=. Without a session: 401 with a JSON error, or for .html a redirect (303) to /login", "security": [{ "session": [] }], "responses": { "200": { "description": "OK" }, "303": { "description": "An .html page, not logged in: to /login" }, "4XX": { "description": "Refused, with a JSON error naming the field and rule (401 unauthorized without a session)" } } } }
        },
        "components": { "securitySchemes": {
            "device": { "type": "apiKey", "in": "header", "name": "x-signature", "description": "ed25519 over request_signing_bytes(method, path, x-time, body), with x-device and x-time headers" },
            "session": { "type": "apiKey", "in": "cookie", "name": "hub_session", "description": "The owner's session, from POST /login" }
        } }
    })
}
