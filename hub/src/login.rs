//! The owner's login to the dashboard and reports: the owner's name and PIN
//! (the owner's user as replicated into the hub's `users` table), then a
//! session cookie. A device's lock-out applies here too: [`MAX_FAILURES`]
//! wrong PINs lock a name for [`LOCK_MS`].
//!
//! Sessions and attempt counts live in memory, in the server's state: a
//! restart logs the owner out (nothing to steal from the database), and it
//! also forgets the counts — a restart is the owner's own act, not a way in.
//! Only a SHA-256 hash of a session token is kept.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::{HubError, Result};
use http_edge::{Refusal, blocking, parse_json};

use crate::server::{AppState, read_body};
use crate::store::HubStore;
use crate::store::db::now_ms;

/// Wrong PINs for a name before it locks.
pub const MAX_FAILURES: u32 = 5;
/// How long a lock-out lasts.
pub const LOCK_MS: u64 = 15 * 60 * 1000;
/// How long a session lasts: a working day.
pub const SESSION_MS: u64 = 12 * 60 * 60 * 1000;
/// The session cookie's name.
pub const COOKIE: &str = "hub_session";
/// Names tracked at once. Unknown names are tracked too, so that the
/// lock-out does not tell which names are the owner's; past this, theirs
/// are forgotten first (memory stays bounded under a spray of names).
const MAX_TRACKED: usize = 10_000;

#[derive(Default)]
struct Attempts {
    /// Attempts counted since the last success or lock, including those
    /// whose PIN is being checked right now.
    failed: u32,
    locked_until: u64,
    last_ms: u64,
    /// The name is an owner's.
    known: bool,
}

/// Attempt counts and open sessions.
#[derive(Default)]
pub struct Logins {
    attempts: Mutex<HashMap<String, Attempts>>,
    sessions: Mutex<HashMap<[u8; 32], u64>>,
    pin_checks: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn verify(pin: &str, phc: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(phc).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(pin.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash no PIN is checked against for real: a name that is no owner's
/// costs the same argon2 time, so the answer's timing does not tell.
fn dummy_hash() -> Option<&'static str> {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            use argon2::password_hash::{PasswordHasher, SaltString};
            let salt = SaltString::encode_b64(b"hub-login-dummy!").ok()?;
            argon2::Argon2::default()
                .hash_password(b"no owner has this name", &salt)
                .ok()
                .map(|h| h.to_string())
        })
        .as_deref()
}

impl Logins {
    /// Count an attempt for `name` before its PIN is checked, or refuse it.
    /// Check and count happen under one lock: argon2 takes a while, and
    /// parallel attempts must not all pass the check before any is counted.
    fn begin(&self, name: &str, known: bool, now: u64) -> Result<()> {
        let mut m = lock(&self.attempts);
        if m.len() >= MAX_TRACKED && !m.contains_key(name) {
            m.retain(|_, a| a.known || a.locked_until > now || now - a.last_ms.min(now) < LOCK_MS);
            if m.len() >= MAX_TRACKED {
                m.retain(|_, a| a.known);
            }
        }
        let a = m.entry(name.to_string()).or_default();
        a.known |= known;
        if a.locked_until > now {
            return Err(HubError::LockedOut((a.locked_until - now).div_ceil(1000)));
        }
        if a.locked_until != 0 {
            // The lock ran out: a fresh start.
            a.failed = 0;
            a.locked_until = 0;
        }
        if a.failed >= MAX_FAILURES {
            // The allowed attempts are all counted (some may still be being
            // checked): lock now rather than let this one wait for them.
            a.locked_until = now + LOCK_MS;
            return Err(HubError::LockedOut(LOCK_MS / 1000));
        }
        a.failed += 1;
        a.last_ms = now;
        Ok(())
    }

    /// The PIN check's outcome: a success clears the count.
    fn finish(&self, name: &str, ok: bool, now: u64) -> Result<()> {
        let mut m = lock(&self.attempts);
        if ok {
            m.remove(name);
            return Ok(());
        }
        let Some(a) = m.get_mut(name) else {
            // A parallel success cleared the count meanwhile.
            return Err(HubError::WrongPin { left: MAX_FAILURES });
        };
        if a.failed >= MAX_FAILURES {
            a.locked_until = a.locked_until.max(now + LOCK_MS);
            return Err(HubError::LockedOut((a.locked_until - now).div_ceil(1000)));
        }
        Err(HubError::WrongPin {
            left: MAX_FAILURES - a.failed,
        })
    }

    fn open_session(&self, now: u64) -> Result<(String, u64)> {
        let mut b = [0u8; 32];
        getrandom::getrandom(&mut b).map_err(|e| HubError::Setup(format!("no randomness: {e}")))?;
        let token = hex::encode(b);
        let expires = now + SESSION_MS;
        let mut s = lock(&self.sessions);
        s.retain(|_, exp| *exp > now);
        s.insert(token_hash(&token), expires);
        Ok((token, expires))
    }

    fn session_valid(&self, token: &str, now: u64) -> bool {
        token.len() == 64
            && lock(&self.sessions)
                .get(&token_hash(token))
                .is_some_and(|exp| *exp > now)
    }

    fn close_session(&self, token: &str) {
        lock(&self.sessions).remove(&token_hash(token));
    }

    /// How many PINs have been checked with argon2 since start-up.
    pub fn pin_checks(&self) -> u64 {
        self.pin_checks.load(Ordering::Relaxed)
    }
}

/// Check the owner's name and PIN and open a session: the token and its
/// expiry (ms). Blocking (SQLite, argon2): call it on the blocking pool.
pub fn login(hub: &dyn HubStore, logins: &Logins, name: &str, pin: &str) -> Result<(String, u64)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(HubError::invalid("name", "must be 1 to 100 characters"));
    }
    if pin.is_empty() || pin.len() > 64 {
        return Err(HubError::invalid("pin", "must be 4 to 8 digits"));
    }
    let hashes = hub.owner_pin_hashes(name)?;
    logins.begin(name, !hashes.is_empty(), now_ms())?;
    logins.pin_checks.fetch_add(1, Ordering::Relaxed);
    let ok = if hashes.is_empty() {
        if let Some(h) = dummy_hash() {
            verify(pin, h);
        }
        false
    } else {
        hashes.iter().any(|h| verify(pin, h))
    };
    logins.finish(name, ok, now_ms())?;
    logins.open_session(now_ms())
}

/// The session token in the request's cookies, if any.
fn session_token(h: &HeaderMap) -> Option<&str> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

/// The request carries a live session.
pub fn signed_in(st: &AppState, h: &HeaderMap) -> bool {
    session_token(h).is_some_and(|t| st.logins.session_valid(t, now_ms()))
}

/// Where a page sends a browser that is not logged in.
pub fn to_login() -> Response {
    Redirect::to("/login").into_response()
}

fn set_cookie(value: &str, max_age_s: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_s}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("hub_session=; Max-Age=0"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginInput {
    name: String,
    pin: String,
}

const FORM: &str = r#"<main><form id="login" class="card narrow" method="post" action="/login"><h1>Owner login</h1><label class="field"><span>Name</span><input name="name" autocomplete="username" required></label><label class="field"><span>PIN</span><input name="pin" type="password" inputmode="numeric" autocomplete="current-password" required></label><button class="primary">Log in</button><p id="error" class="err" role="alert"></p></form><script>
document.getElementById("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const r = await fetch("/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: f.get("name"), pin: f.get("pin") }) });
  if (r.ok) { location.href = "/"; return; }
  const b = await r.json().catch(() => null);
  document.getElementById("error").textContent = (b && b.error && b.error.message) || ("Login failed (" + r.status + ")");
});
</script></main></body></html>"#;

/// `GET /login`: the form, under the business's name. Without script it
/// posts form-urlencoded.
pub async fn page(State(st): State<std::sync::Arc<AppState>>) -> Result<Response, Refusal> {
    let hub = st.hub.clone();
    let business = blocking(move || hub.business_name()).await?;
    let mut html = crate::pages::head("Owner login", &business);
    html.push_str(&crate::pages::top(&business, None));
    html.push_str(FORM);
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response())
}

/// `POST /login`, JSON or form-urlencoded `{name, pin}`: the session cookie,
/// and for a form a redirect to the dashboard.
pub async fn submit(
    State(st): State<std::sync::Arc<AppState>>,
    req: Request,
) -> Result<Response, Refusal> {
    let (h, body) = read_body(req).await?;
    let ctype = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let form = ctype == "application/x-www-form-urlencoded";
    let input: LoginInput = if form {
        serde_urlencoded::from_bytes(&body)
            .map_err(|e| Refusal::bad_request("body", e.to_string()))?
    } else if ctype == "application/json" {
        parse_json(&body)?
    } else {
        return Err(Refusal::from(HubError::Unsupported {
            field: "content-type",
            rule: "must be application/json or application/x-www-form-urlencoded".into(),
        }));
    };
    let s = st.clone();
    let (token, expires) =
        blocking(move || login(&*s.hub, &s.logins, &input.name, &input.pin)).await?;
    let cookie = set_cookie(&token, SESSION_MS / 1000, st.https());
    let mut r = if form {
        Redirect::to("/").into_response()
    } else {
        axum::Json(json!({ "expires_at_ms": expires })).into_response()
    };
    r.headers_mut().insert(header::SET_COOKIE, cookie);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `POST /logout`: the session ends and its cookie is cleared.
pub async fn logout(State(st): State<std::sync::Arc<AppState>>, h: HeaderMap) -> Response {
    if let Some(t) = session_token(&h) {
        st.logins.close_session(t);
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, set_cookie("", 0, st.https()));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_wrong_pin_locks_and_a_success_clears() {
        let l = Logins::default();
        for left in (1..MAX_FAILURES).rev() {
            l.begin("o", true, 1).unwrap();
            assert!(
                matches!(l.finish("o", false, 1), Err(HubError::WrongPin { left: n }) if n == left)
            );
        }
        l.begin("o", true, 1).unwrap();
        assert!(matches!(
            l.finish("o", false, 1),
            Err(HubError::LockedOut(900))
        ));
        assert!(matches!(l.begin("o", true, 2), Err(HubError::LockedOut(_))));
        // The lock runs out: a fresh start, and a success clears the count.
        l.begin("o", true, 2 + LOCK_MS).unwrap();
        l.finish("o", true, 2 + LOCK_MS).unwrap();
        assert!(lock(&l.attempts).is_empty());
    }

    #[test]
    fn attempts_being_checked_count_before_they_finish() {
        let l = Logins::default();
        for _ in 0..MAX_FAILURES {
            l.begin("o", true, 1).unwrap();
        }
        assert!(matches!(l.begin("o", true, 1), Err(HubError::LockedOut(_))));
    }

    #[test]
    fn sessions_expire_and_close() {
        let l = Logins::default();
        let (t, exp) = l.open_session(1).unwrap();
        assert_eq!(t.len(), 64);
        assert!(l.session_valid(&t, exp - 1));
        assert!(!l.session_valid(&t, exp));
        assert!(!l.session_valid(&"0".repeat(64), 2));
        l.close_session(&t);
        assert!(!l.session_valid(&t, 2));
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; hub_session=abc; b=2"),
        );
        assert_eq!(session_token(&h), Some("abc"));
        h.insert(header::COOKIE, HeaderValue::from_static("hub_sessionx=abc"));
        assert_eq!(session_token(&h), None);
    }
}
