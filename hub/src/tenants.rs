//! Many businesses on one hub deployment (`hub serve --businesses DIR`).
//!
//! A business is the unit of isolation: its own database file
//! (`DIR/<slug>.sqlite`, its key file beside it), root of trust, passphrase,
//! branches, devices, series and reports, and its own server state
//! (sessions, rate limits, replay guard). One listener serves them all, and
//! each request goes to exactly one business, chosen by what the request
//! proves rather than what it claims:
//!
//! - a device-signed request (`/sync/*`) goes to the business that enrolled
//!   the device it names (`x-device`); that business's server then checks the
//!   signature with the key it holds, so naming another business's device
//!   gets nothing but a refusal;
//! - an enrollment (`/enroll`) goes to the business that issued the code, and
//!   a device id some business already holds is refused, so that one id
//!   never names devices of two businesses;
//! - the owner's pages go to the business whose slug is the first label of
//!   the host name (`laptopcare.hub.example.in`): every page keeps its own
//!   links, and the session cookie, set without a domain, stays with it.
//!
//! A request no business claims is refused without a word of any business.
//! On SQLite a business is its file, which is also the shard; on PostgreSQL
//! (`hub serve --businesses DIR --db postgres://…`) it is a schema of its
//! own in the one database, named by its key file `DIR/<slug>.keys`.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http_edge::{Code, Refusal, blocking};
use sync_core::ids::DeviceId;
use sync_core::protocol::{self, EnrollRequest};
use tower::ServiceExt;

use crate::error::{HubError, Result};
use crate::server::AppState;
use crate::store::HubStore;
use crate::store::db::{HubDb, Place, now_ms};

/// One business as served.
pub struct Tenant {
    pub slug: String,
    pub state: Arc<AppState>,
    pub hub: Arc<HubDb>,
    router: Router,
}

/// Every business under one directory, and which device is whose.
pub struct Tenants {
    dir: PathBuf,
    by_slug: RwLock<BTreeMap<String, Arc<Tenant>>>,
    by_device: RwLock<HashMap<DeviceId, String>>,
    /// Device ids no business holds, as of when they were looked for: a
    /// flood of requests naming made-up devices costs one look through the
    /// businesses per id and [`UNKNOWN_FOR`], not one per request.
    unknown: std::sync::Mutex<HashMap<DeviceId, std::time::Instant>>,
    /// Looks through every business (for a test, and for an operator).
    scans: std::sync::atomic::AtomicU64,
}

/// How long a device id no business holds is taken as unknown without
/// looking again (an honest device enrolls before it syncs, and its
/// enrollment clears the entry at once).
pub const UNKNOWN_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// At most this many unknown ids are remembered; past it the stale ones go,
/// and if none is stale, all.
const UNKNOWN_MAX: usize = 10_000;

impl std::fmt::Debug for Tenants {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenants").field("dir", &self.dir).finish()
    }
}

/// A business's slug: what its owner's host name starts with.
pub fn check_slug(slug: &str) -> Result<()> {
    let ok = (2..=40).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(HubError::invalid(
            "slug",
            "must be 2 to 40 of a-z, 0-9 and '-', not starting or ending with '-' (it is the first part of the owner's host name)",
        ))
    }
}

/// Where a deployment's businesses are: a directory of SQLite files
/// (`<slug>.sqlite`, its key file beside it), or a directory of key files
/// (`<slug>.keys`) whose businesses live in one PostgreSQL database, a
/// schema each.
#[derive(Clone, Debug)]
pub struct Businesses {
    pub dir: PathBuf,
    pub postgres: Option<String>,
}

impl Businesses {
    pub fn sqlite(dir: &Path) -> Businesses {
        Businesses {
            dir: dir.to_path_buf(),
            postgres: None,
        }
    }

    /// `--db`: a PostgreSQL URL puts the businesses there.
    pub fn at(dir: &Path, db: &Path) -> Businesses {
        let db = db.to_string_lossy();
        let pg = db.starts_with("postgres://") || db.starts_with("postgresql://");
        Businesses {
            dir: dir.to_path_buf(),
            postgres: pg.then(|| db.into_owned()),
        }
    }

    /// Where business `slug` keeps its tables.
    pub fn place(&self, slug: &str) -> Place {
        match &self.postgres {
            Some(url) => Place::Postgres {
                url: url.clone(),
                keys: self.dir.join(format!("{slug}.keys")),
            },
            None => Place::Sqlite(self.dir.join(format!("{slug}.sqlite"))),
        }
    }

    /// The file whose presence says the business is here.
    fn suffix(&self) -> &'static str {
        if self.postgres.is_some() {
            ".keys"
        } else {
            ".sqlite"
        }
    }
}

/// The slugs of the businesses in `at`, sorted.
pub fn list(at: &Businesses) -> Result<Vec<String>> {
    let mut out = vec![];
    for e in std::fs::read_dir(&at.dir)? {
        let name = e?.file_name().to_string_lossy().into_owned();
        if let Some(slug) = name.strip_suffix(at.suffix())
            && check_slug(slug).is_ok()
        {
            out.push(slug.to_string());
        }
    }
    out.sort();
    Ok(out)
}

/// A new business in `at`: its own hub, owner and passphrase.
pub fn add(
    at: &Businesses,
    slug: &str,
    name: &str,
    owner_name: &str,
    owner_pin: &str,
    passphrase: &str,
) -> Result<HubDb> {
    check_slug(slug)?;
    std::fs::create_dir_all(&at.dir)?;
    let hub = HubDb::init_at(&at.place(slug), owner_name, owner_pin, passphrase)?;
    hub.set_business_name(name)?;
    Ok(hub)
}

/// Take a business off this deployment: its files are moved to
/// `DIR/removed/` (nothing is deleted; on PostgreSQL its schema stays in
/// the database, served again if its key file comes back). The hub must
/// not be serving it.
pub fn remove(at: &Businesses, slug: &str) -> Result<PathBuf> {
    check_slug(slug)?;
    let dir = &at.dir;
    if !dir.join(format!("{slug}{}", at.suffix())).exists() {
        return Err(HubError::NotFound(format!("business {slug}")));
    }
    let to = dir.join("removed");
    std::fs::create_dir_all(&to)?;
    let stamp = now_ms();
    for suffix in [
        ".sqlite",
        ".sqlite.keys",
        ".sqlite-wal",
        ".sqlite-shm",
        ".keys",
        ".passphrase",
    ] {
        let from = dir.join(format!("{slug}{suffix}"));
        if from.exists() {
            std::fs::rename(&from, to.join(format!("{slug}-{stamp}{suffix}")))?;
        }
    }
    Ok(to.join(format!("{slug}-{stamp}{}", at.suffix())))
}

impl Tenants {
    /// Open every business in `dir`. Each unlocks with the passphrase in
    /// `DIR/<slug>.passphrase` if there is one, else with `passphrase` if it
    /// is that business's; otherwise it is served locked (sync and reports
    /// work; enrollment and new branches wait for its passphrase).
    pub fn open(at: &Businesses, passphrase: Option<&str>, rate_per_sec: u32) -> Result<Tenants> {
        let dir = &at.dir;
        let mut by_slug = BTreeMap::new();
        for slug in list(at)? {
            let db = at.place(&slug);
            let own = std::fs::read_to_string(dir.join(format!("{slug}.passphrase")))
                .ok()
                .map(|p| p.trim().to_string());
            let hub = match own.as_deref().or(passphrase) {
                Some(p) => match HubDb::open_at(&db, Some(p)) {
                    Ok(h) => h,
                    Err(HubError::Rule(_)) => HubDb::open_at(&db, None)?,
                    Err(e) => return Err(e),
                },
                None => HubDb::open_at(&db, None)?,
            };
            let hub = Arc::new(hub);
            let state = AppState::with_rate(hub.clone(), rate_per_sec);
            let router = crate::server::router(state.clone());
            by_slug.insert(
                slug.clone(),
                Arc::new(Tenant {
                    slug,
                    state,
                    hub,
                    router,
                }),
            );
        }
        Ok(Tenants {
            dir: dir.to_path_buf(),
            by_slug: RwLock::new(by_slug),
            by_device: RwLock::new(HashMap::new()),
            unknown: Default::default(),
            scans: Default::default(),
        })
    }

    pub fn get(&self, slug: &str) -> Option<Arc<Tenant>> {
        self.by_slug
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(slug)
            .cloned()
    }

    pub fn slugs(&self) -> Vec<String> {
        self.by_slug
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect()
    }

    /// Start each business's message sender (`crate::outbox`) and e-invoice
    /// loop (`crate::einvoice`) on the
    /// current runtime; they run as long as it does. `public` is where
    /// customers reach the hub, `{business}` standing for each slug
    /// (without it, messages carry no page link).
    pub fn start_outboxes(&self, public: Option<&str>) {
        for t in self.all() {
            tokio::spawn(crate::einvoice::run(t.state.hub.clone()));
            tokio::spawn(crate::outbox::run(
                t.state.hub.clone(),
                t.state.outbox.clone(),
                public.map(|p| p.replace("{business}", &t.slug)),
                std::future::pending::<()>(),
            ));
        }
    }

    fn all(&self) -> Vec<Arc<Tenant>> {
        self.by_slug
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// The business that enrolled `device` (blocking: reads each store on
    /// a miss, and remembers what it found).
    /// How many times a request made the hub look through every business.
    pub fn scans(&self) -> u64 {
        self.scans.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn unknown(&self) -> std::sync::MutexGuard<'_, HashMap<DeviceId, std::time::Instant>> {
        self.unknown.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The business holding `device`, for a request it signed: an id found
    /// unknown lately is refused without looking again.
    fn for_device(&self, device: DeviceId) -> Result<Option<Arc<Tenant>>> {
        if self
            .unknown()
            .get(&device)
            .is_some_and(|at| at.elapsed() < UNKNOWN_FOR)
        {
            return Ok(None);
        }
        let found = self.for_device_uncached(device)?;
        if found.is_none() {
            let mut u = self.unknown();
            if u.len() >= UNKNOWN_MAX {
                u.retain(|_, at| at.elapsed() < UNKNOWN_FOR);
                if u.len() >= UNKNOWN_MAX {
                    u.clear();
                }
            }
            u.insert(device, std::time::Instant::now());
        }
        Ok(found)
    }

    /// [`Tenants::for_device`], always looking (an enrollment's check that
    /// the id is new must see one enrolled a moment ago elsewhere).
    fn for_device_uncached(&self, device: DeviceId) -> Result<Option<Arc<Tenant>>> {
        let known = self
            .by_device
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&device)
            .cloned();
        if let Some(slug) = known {
            return Ok(self.get(&slug));
        }
        self.scans
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        for t in self.all() {
            if t.hub.device_auth(device)?.is_some() {
                self.by_device
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(device, t.slug.clone());
                return Ok(Some(t));
            }
        }
        Ok(None)
    }

    /// The business that issued an unused enrollment `code` (blocking).
    fn for_code(&self, code: &str) -> Result<Option<Arc<Tenant>>> {
        for t in self.all() {
            if t.hub.issued_code(code, now_ms())? {
                return Ok(Some(t));
            }
        }
        Ok(None)
    }

    fn for_host(&self, host: &str) -> Option<Arc<Tenant>> {
        let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
        let slug = name.split('.').next().unwrap_or_default();
        self.get(&slug.to_ascii_lowercase())
    }
}

fn refuse(status: u16, code: Code, message: &str) -> Response {
    Refusal::new(status, code, message.to_string()).into_response()
}

/// Largest enrollment body read here before it is handed on.
const MAX_ENROLL_BODY: usize = 64 * 1024;

async fn dispatch(State(t): State<Arc<Tenants>>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    if path == "/health" {
        return axum::Json(serde_json::json!({ "status": "ok", "time_ms": now_ms(), "businesses": t.slugs().len() })).into_response();
    }
    if path == "/openapi.json" {
        return axum::Json(crate::server::openapi_doc()).into_response();
    }
    if path.starts_with("/sync/") {
        let device = req
            .headers()
            .get(protocol::H_DEVICE)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.parse::<DeviceId>().ok());
        let Some(device) = device else {
            return refuse(
                401,
                Code::Unauthorized,
                "request is not signed by an enrolled, active device: x-device is missing",
            );
        };
        let tt = t.clone();
        return match blocking(move || tt.for_device(device)).await {
            Ok(Some(tenant)) => forward(&tenant, req).await,
            Ok(None) => refuse(
                401,
                Code::Unauthorized,
                "request is not signed by an enrolled, active device: unknown device",
            ),
            Err(e) => e.refusal().into_response(),
        };
    }
    if path == protocol::ENROLL {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, MAX_ENROLL_BODY).await else {
            return HubError::TooLarge(MAX_ENROLL_BODY)
                .refusal()
                .into_response();
        };
        let Ok(r) = serde_json::from_slice::<EnrollRequest>(&bytes) else {
            return HubError::invalid(
                "body",
                "must be an enrollment request (code, device, public_key)",
            )
            .refusal()
            .into_response();
        };
        let tt = t.clone();
        let found = blocking(move || {
            // One id, one device, in one business.
            if tt.for_device_uncached(r.device)?.is_some() {
                return Err(HubError::invalid(
                    "device",
                    "this device id is enrolled already; a new device makes a new id",
                ));
            }
            tt.for_code(r.code.trim())
        })
        .await;
        return match found {
            Ok(Some(tenant)) => {
                let req = Request::from_parts(parts, Body::from(bytes));
                let answer = forward(&tenant, req).await;
                // Enrolled (or not): its id is looked for afresh.
                t.unknown().remove(&r.device);
                answer
            }
            Ok(None) => HubError::invalid("code", "is not a valid enrollment code")
                .refusal()
                .into_response(),
            Err(e) => e.refusal().into_response(),
        };
    }
    let host = req
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    match t.for_host(&host) {
        Some(tenant) => forward(&tenant, req).await,
        None => refuse(
            404,
            Code::NotFound,
            "no business is served at this address: open your business's own address (<business>.<hub's domain>)",
        ),
    }
}

async fn forward(tenant: &Tenant, req: Request) -> Response {
    match tenant.router.clone().oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}

/// The router over every business.
pub fn router(tenants: Arc<Tenants>) -> Router {
    Router::new()
        .fallback(dispatch)
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(tenants)
}

/// Serve every business over plain HTTP until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    tenants: Arc<Tenants>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(tenants))
        .with_graceful_shutdown(shutdown)
        .await
}

/// As [`serve`], over HTTPS (each business's session cookie `Secure`).
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    tls: Arc<tokio_rustls::rustls::ServerConfig>,
    tenants: Arc<Tenants>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    for t in tenants.all() {
        t.state.set_https();
    }
    let listener = crate::tls::TlsListener::new(listener, tls)?;
    axum::serve(listener, router(tenants))
        .with_graceful_shutdown(shutdown)
        .await
}
