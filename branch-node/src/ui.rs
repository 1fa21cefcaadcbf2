//! The web UI, served from this device's local HTTP server: `/` is the app,
//! `/ui/<file>` its scripts and styles, all embedded at build time (see
//! `build.rs`). The same pages run in any browser on the shop's LAN and in
//! the desktop app's window.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_edge::routes::{Described, Op};

mod assets {
    include!(concat!(env!("OUT_DIR"), "/ui_assets.rs"));
}

/// Scripts only from this origin; inline styles are allowed because printed
/// invoices and slips carry their own page styles. `ipc:` is how the desktop
/// shell's bridge talks to its window.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ipc: http://ipc.localhost; frame-src 'self' about:; object-src 'none'; base-uri 'none'; form-action 'self'";

pub fn asset(path: &str) -> Option<(&'static str, &'static [u8])> {
    assets::ASSETS
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|(_, ty, bytes)| (*ty, *bytes))
}

fn respond(path: &str) -> Response {
    match asset(path) {
        Some((ty, bytes)) => {
            let mut r = bytes.into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ty));
            // The UI changes with the binary; a stale cached script would
            // talk to an API it was not built for.
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
            h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            r
        }
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({"error": {"code": "not_found", "message": format!("no UI file {path:?}")}})),
        )
            .into_response(),
    }
}

async fn index() -> Response {
    respond("index.html")
}

async fn file(Path(p): Path<String>) -> Response {
    respond(&p)
}

/// The web UI's pages, served beside the API.
pub fn routes<S: Clone + Send + Sync + 'static>(d: Described<S>) -> Described<S> {
    d.route("/", [Op::get(index, "The web UI (HTML)")]).route(
        "/ui/{*path}",
        [Op::get(file, "The web UI's scripts and styles")
            .param("path", serde_json::json!({ "type": "string" }))],
    )
}
