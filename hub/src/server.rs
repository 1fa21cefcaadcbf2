//! The hub's HTTP server (axum), over plain HTTP or HTTPS ([`serve_tls`]).
//! Sync requests are signed by the calling device (see `sync_core::protocol`);
//! the server checks the signature, the time, the enrollment and revocation,
//! and a per-device rate limit, then hands whole operations to the
//! [`HubStore`] on the blocking pool. Sync bodies may be gzip-encoded both
//! ways. The pieces of the HTTP edge (refusals, bodies, gzip, signatures,
//! the blocking pool, described routes) are `http_edge`'s, shared with the
//! devices. Handlers see only the trait, never a backend.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use http_edge::gzip::{accepts_gzip, decode_request, encode_json, json_response};
use http_edge::routes::{Described, Op};
use http_edge::{Refusal, blocking, parse_json, read_limited, signed};
use serde_json::{Value, json};
use sync_core::domain::date::Date;
use sync_core::identity::PublicKey;
use sync_core::ids::DeviceId;
use sync_core::protocol::{
    self, EnrollRequest, LeaseRequest, LeaseResponse, PullRequest, PushRequest, PushResponse,
};

use crate::error::HubError;
use crate::store::HubStore;
use crate::store::db::{DEFAULT_LEASE, now_ms};
use crate::{dashboard, login, pages, reports};

/// Largest request body, as sent and once inflated (a push batch of 1000
/// ops fits comfortably).
pub const MAX_BODY: usize = 8 * 1024 * 1024;
/// Requests per device per second, sustained, with a burst of twice that.
pub const RATE_PER_SEC: u32 = 50;

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
    /// Wakes the business's message sender (`crate::outbox`) after a push
    /// that brought something new.
    pub outbox: Arc<tokio::sync::Notify>,
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
            outbox: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Serve this state's session cookies as `Secure` (its listener is TLS).
    pub fn set_https(&self) {
        self.https.store(true, Ordering::Relaxed);
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

/// A request's headers and its body (at most [`MAX_BODY`] as sent).
pub(crate) async fn read_body(req: Request) -> Result<(HeaderMap, Vec<u8>), Refusal> {
    let (parts, body) = req.into_parts();
    Ok((parts.headers, read_limited(body, MAX_BODY).await?))
}

/// Check a signed request (`body` as sent, before any inflating); returns
/// the calling device. Reads the store: call it on the blocking pool.
fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    body: &[u8],
) -> Result<DeviceId, Refusal> {
    let req = signed::Incoming {
        headers,
        method: "POST",
        path,
        body,
        now_ms: now_ms(),
    };
    let known = |d: DeviceId| -> Result<Option<(PublicKey, bool)>, Refusal> {
        Ok(state.hub.device_auth(d)?.map(|a| (a.key, a.revoked)))
    };
    let admit = |d: DeviceId, revoked: &bool| {
        if *revoked {
            return Err(HubError::Revoked(d.to_string()).into());
        }
        Ok(())
    };
    // Several hub processes over one database share the guard through it;
    // a hub alone keeps it in memory.
    let first_sight = |d: DeviceId, sig: [u8; 64], time: u64, now: u64| {
        Ok(match state.hub.first_sight(d, &sig, now)? {
            Some(first) => first,
            None => state
                .replays
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .first_sight(sig, time, now),
        })
    };
    let (device, _) = signed::verify_with(&req, known, admit, first_sight)?;
    let allowed = match state.hub.allow(device, state.rate_per_sec, now_ms())? {
        Some(ok) => ok,
        None => state.allow(device),
    };
    if !allowed {
        return Err(HubError::RateLimited(1).into());
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
) -> Result<(DeviceId, bool, Vec<u8>), Refusal> {
    let (h, wire) = read_body(req).await?;
    let st = st.clone();
    blocking(move || {
        let device = authenticate(&st, &h, path, &wire)?;
        let body = decode_request(&h, wire, MAX_BODY)?;
        Ok::<_, Refusal>((device, accepts_gzip(&h), body))
    })
    .await
}

async fn health() -> axum::Json<Value> {
    axum::Json(json!({ "status": "ok", "time_ms": now_ms() }))
}

async fn openapi() -> axum::Json<Value> {
    axum::Json(openapi_doc())
}

async fn enroll(State(st): State<St>, req: Request) -> Result<Response, Refusal> {
    let (_, body) = read_body(req).await?;
    let r: EnrollRequest = parse_json(&body)?;
    let hub = st.hub.clone();
    let out = blocking(move || hub.redeem(&r, now_ms())).await?;
    Ok((StatusCode::CREATED, axum::Json(out)).into_response())
}

async fn push(State(st): State<St>, req: Request) -> Result<Response, Refusal> {
    let (device, gz, body) = signed_request(&st, req, protocol::PUSH).await?;
    let r: PushRequest = parse_json(&body)?;
    if r.ops.len() > protocol::MAX_BATCH {
        return Err(Refusal::from(HubError::invalid(
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
    let outbox = st.outbox.clone();
    let out = blocking(move || {
        let results = hub.accept_batch(device, &wires)?;
        if results
            .iter()
            .any(|r| r.verdict == sync_core::protocol::Verdict::Accepted)
        {
            outbox.notify_one();
        }
        // Only once the batch is stored: the device has then re-sent all.
        if let Some(incarnation) = &r.resynced {
            hub.resynced(device, incarnation)?;
        }
        Ok::<_, HubError>(encode_json(
            &PushResponse {
                results,
                hub_time_ms: now_ms(),
                hub: Some(hub.life()),
            },
            gz,
        ))
    })
    .await?;
    Ok(json_response(StatusCode::OK, out))
}

async fn pull(State(st): State<St>, req: Request) -> Result<Response, Refusal> {
    let (device, gz, body) = signed_request(&st, req, protocol::PULL).await?;
    let r: PullRequest = parse_json(&body)?;
    let hub = st.hub.clone();
    let out = blocking(move || {
        let page = hub.pull(device, r.cursor, r.limit, r.digest)?;
        Ok::<_, HubError>(encode_json(&page, gz))
    })
    .await?;
    Ok(json_response(StatusCode::OK, out))
}

async fn lease(State(st): State<St>, req: Request) -> Result<Response, Refusal> {
    let (device, _, body) = signed_request(&st, req, protocol::LEASE).await?;
    let r: LeaseRequest = parse_json(&body)?;
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

use crate::filters::{Ask, Params};

fn query(q: Result<Query<Params>, QueryRejection>) -> Result<Params, Refusal> {
    q.map(|Query(p)| p)
        .map_err(|e| Refusal::from(HubError::invalid("query", e.body_text())))
}

/// `/?from=&to=&branch=`: the dashboard, narrowed.
async fn dashboard(
    State(st): State<St>,
    h: HeaderMap,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Refusal> {
    if !login::signed_in(&st, &h) {
        return Ok(login::to_login());
    }
    let q = query(q)?;
    let hub = st.hub.clone();
    let page = blocking(move || {
        let ask = Ask::parse(&*hub, "", &q)?;
        dashboard::dashboard_html(&*hub, &ask)
    })
    .await?;
    Ok(Html(page).into_response())
}

/// `/reports/{name}[.json|.csv|.xlsx|.html]`, narrowed by `from`, `to` and
/// `branch` (and `status` for jobs, `mobile` for `customer_history`).
/// Without a session a page sends the browser to the login; a file or JSON
/// is refused with 401. A bad filter is refused naming its field.
async fn report(
    State(st): State<St>,
    Path(name): Path<String>,
    h: HeaderMap,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Refusal> {
    let (name, format) = match name.rsplit_once('.') {
        Some((n, f)) if ["json", "csv", "xlsx", "html"].contains(&f) => (n.to_string(), f),
        _ => (name.clone(), "json"),
    };
    if !login::signed_in(&st, &h) {
        return match format {
            "html" => Ok(login::to_login()),
            _ => Err(Refusal::from(HubError::LoginRequired)),
        };
    }
    let q = query(q)?;
    let hub = st.hub.clone();
    let page = format == "html";
    let (table, html) = blocking(move || {
        let ask = Ask::parse(&*hub, &name, &q)?;
        if page {
            return Ok::<_, HubError>((None, Some(dashboard::table_page(&*hub, &name, &ask)?)));
        }
        Ok((Some(reports::report_for(&*hub, &name, &ask)?.table), None))
    })
    .await?;
    if let Some(html) = html {
        return Ok(Html(html).into_response());
    }
    let Some(table) = table else {
        return Err(Refusal::from(HubError::NotFound("this report".into())));
    };
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
            table
                .to_xlsx()
                .map_err(|e| Refusal::from(HubError::from(e)))?,
        )
            .into_response(),
        _ => axum::Json(table).into_response(),
    })
}

async fn not_found() -> Refusal {
    Refusal::from(HubError::NotFound("this endpoint".into()))
}

/// Every route with its description; [`router`] serves it, [`openapi_doc`]
/// describes it.
fn described() -> Described<St> {
    let signed = |op: Op<St>| op.access(DEVICE);
    let d = crate::owner::routes(Described::default(), SESSION);
    crate::returns::http::routes(d, SESSION)
        .route("/health", [Op::get(health, "Liveness and the hub's clock")])
        .route("/openapi.json", [Op::get(openapi, "This document")])
        .route(
            "/hub.css",
            [Op::get(pages::stylesheet, "The hub pages' stylesheet (the branch web UI's look; a phone layout; an 80 mm print)")],
        )
        .route(
            protocol::ENROLL,
            [Op::post(enroll, "Redeem a one-time enrollment code")
                .body("EnrollRequest")
                .success(201, "Enrolled")],
        )
        .route(
            protocol::PUSH,
            [signed(Op::post(push, "Push signed operations; a verdict per operation. The body may be Content-Encoding: gzip (signed as sent, at most 8 MB inflated); the answer is gzip with Accept-Encoding: gzip").body("PushRequest"))],
        )
        .route(
            protocol::PULL,
            [signed(Op::post(pull, "Pull the operations this device may see after its cursor. Body and answer may be gzip, as for push").body("PullRequest"))],
        )
        .route(
            protocol::LEASE,
            [signed(Op::post(lease, "Lease the next block of this device's branch series")
                .body("LeaseRequest")
                .success(201, "Leased"))],
        )
        .route(
            "/c/{token}",
            [Op::get(crate::customer::show, "The customer's own page of their one job (HTML): status, timeline, estimate with Approve and Decline, invoices with what is due and a UPI link. The token is the signed, expiring link sent in their messages; an altered link is 403 and an expired one 410, showing nothing of any job")
                .param("token", json!({ "type": "string", "pattern": "^[0-9a-f]{80}$" }))
                .also(403, "Not a link the hub made")
                .also(410, "Expired")],
        )
        .route(
            "/c/{token}/answer",
            [Op::post(crate::customer::answer, "The customer's answer to the estimate (form: answer=approve|decline): the job moves at the branch by the hub's signed op; the page again, with what was done (409 when the job no longer waits for an answer)")
                .param("token", json!({ "type": "string", "pattern": "^[0-9a-f]{80}$" }))
                .also(403, "Not a link the hub made")
                .also(410, "Expired")],
        )
        .route(
            "/c/{token}/rating",
            [Op::post(crate::customer::rate, "The customer's rating of their delivered job (form: stars=1..5, comment): the hub's signed op to the branch; the page again, thanking them (409 before delivery)")
                .param("token", json!({ "type": "string", "pattern": "^[0-9a-f]{80}$" }))
                .also(403, "Not a link the hub made")
                .also(410, "Expired")],
        )
        .route(
            "/webhooks/whatsapp",
            [
                Op::get(crate::webhooks::whatsapp_verify, "Meta's check of the webhook's address: hub.challenge back when hub.verify_token is the one set up (hub messaging whatsapp --verify-token)")
                    .query("hub.mode", json!({ "type": "string" }))
                    .query("hub.verify_token", json!({ "type": "string" }))
                    .query("hub.challenge", json!({ "type": "string" })),
                Op::post(crate::webhooks::whatsapp_status, "WhatsApp status webhooks (sent, delivered, read, failed), believed only under the app secret's X-Hub-Signature-256; each status taken once, and told to the branch"),
            ],
        )
        .route(
            "/login",
            [
                Op::get(login::page, "The owner's login form (HTML)"),
                Op::post(login::submit, "Log the owner in: a session cookie hub_session (HttpOnly, SameSite=Strict, Secure over HTTPS, 12 hours). JSON or form-urlencoded; a form is redirected (303) to /. 401 wrong_pin; after 5 wrong PINs for a name, 429 locked_out for 15 minutes")
                    .body("LoginInput")
                    .also(303, "A form login: to /"),
            ],
        )
        .route(
            "/logout",
            [Op::post(login::logout, "End the session and clear its cookie; redirects (303) to /login")
                .success(303, "To /login")],
        )
        .route(
            "/",
            [filtered(Op::get(dashboard, "The owner's dashboard (HTML): charts (revenue by branch and day, open jobs by status, GST by month) and every report, narrowed by from, to (YYYY-MM-DD) and branch (its id); a bad filter is refused naming its field. Without a session, a redirect (303) to /login")
                .access(SESSION)
                .also(303, "Not logged in: to /login"))],
        )
        .route(
            "/reports/{name}",
            [filtered(Op::get(report, "A report as JSON, or CSV, XLSX or HTML with a .csv, .xlsx or .html suffix, narrowed by from, to and branch; jobs also takes status, customer_history takes mobile. The lists invoices, jobs, audit and password_reads are what the dashboard's figures drill down to. Without a session: 401 with a JSON error, or for .html a redirect (303) to /login")
                .access(SESSION)
                .param("name", json!({ "type": "string" }))
                .query("status", json!({ "type": "string", "enum": sync_core::domain::lifecycle::JobStatus::ALL.map(|s| s.as_str()) }))
                .query("mobile", json!({ "type": "string" }))
                .also(303, "An .html page, not logged in: to /login"))],
        )
}

/// The filters every report takes. The dashboard's form sends a field left
/// blank as an empty value, which means "no filter": hence patterns that
/// admit the empty string rather than a bare `format`.
fn filtered(op: Op<St>) -> Op<St> {
    op.query("from", DATE_QUERY.clone())
        .query("to", DATE_QUERY.clone())
        .query("branch", json!({ "type": "string", "pattern": "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$", "description": "a branch's id, as /owner/branches lists it; empty for every branch" }))
}

static DATE_QUERY: std::sync::LazyLock<Value> = std::sync::LazyLock::new(
    || json!({ "type": "string", "pattern": "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$", "description": "YYYY-MM-DD, a day in India, or empty for no bound; from is on or before to" }),
);

pub fn router(state: St) -> Router {
    described()
        .into_router()
        .fallback(not_found)
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// Every (method, path) the router serves.
pub fn served() -> Vec<(&'static str, &'static str)> {
    described().served()
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

/// The scheme name of a device-signed request in the OpenAPI document.
const DEVICE: &str = "device";
/// The scheme name of the owner's session cookie.
const SESSION: &str = "ownerSession";

/// The OpenAPI 3.1 description of everything [`router`] serves.
pub fn openapi_doc() -> Value {
    let s = |props: Value, required: &[&str]| json!({ "type": "object", "additionalProperties": false, "properties": props, "required": required });
    let text = json!({ "type": "string" });
    let hex_op =
        json!({ "type": "string", "description": "an operation's signed wire bytes, hex" });
    let mut components = json!({
        "schemas": {
            "EnrollRequest": s(json!({ "code": text, "device": { "type": "string", "format": "uuid" }, "public_key": { "type": "string", "pattern": "^[0-9a-f]{64}$" } }), &["code", "device", "public_key"]),
            "PushRequest": s(json!({ "ops": { "type": "array", "maxItems": protocol::MAX_BATCH, "items": hex_op }, "resynced": { "type": "string", "description": "with the last batch of a re-send to a hub restored from a backup: the incarnation its answers named" } }), &["ops"]),
            "PullRequest": s(json!({ "cursor": { "type": "integer", "minimum": 0 }, "limit": { "type": "integer", "minimum": 0 }, "digest": { "type": "boolean" } }), &["cursor", "limit"]),
            "LeaseRequest": s(json!({ "doc_type": { "type": "string", "enum": ["tax_invoice", "credit_note"] } }), &["doc_type"]),
            "LoginInput": s(json!({ "name": { "type": "string", "maxLength": 100, "pattern": "\\S" }, "pin": { "type": "string", "pattern": "^[0-9]{4,8}$" } }), &["name", "pin"]),
            "Error": http_edge::routes::error_schema(),
        },
        "securitySchemes": {
            DEVICE: { "type": "apiKey", "in": "header", "name": "x-signature", "description": "ed25519 over request_signing_bytes(method, path, x-time, body), with x-device and x-time headers" },
            SESSION: { "type": "apiKey", "in": "cookie", "name": "hub_session", "description": "The owner's session, from POST /login" }
        }

    });
    if let (Some(m), Some(o)) = (
        components["schemas"].as_object_mut(),
        crate::owner::schemas().as_object(),
    ) {
        m.extend(o.clone());
    }
    described().openapi(
        json!({ "title": "hub", "version": env!("CARGO_PKG_VERSION"), "description": "The central hub: enrollment, sync, leases, consolidated reports." }),
        components,
    )
}
