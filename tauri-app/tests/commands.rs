//! The app's commands through Tauri's mock runtime: the real configuration,
//! ACL and start-up, invoked as a page would (from the bundled page's
//! origin or the local UI's), without a window system.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager};

/// The bundled page's origin (Tauri's custom protocol on Linux and macOS).
const LOCAL: &str = "tauri://localhost/index.html";

fn app(db: PathBuf) -> App<MockRuntime> {
    let mut app = tauri_app::builder(mock_builder(), db)
        .build(tauri_app::context())
        .expect("the app builds");
    // Setup (the window, opening the database) runs when the event loop
    // starts; one iteration of the mock's loop runs it and returns. It is
    // deprecated only as a way to drive a real loop.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    app
}

/// Invoke `cmd` with `args` as a page at `origin` would.
fn invoke(app: &App<MockRuntime>, origin: &str, cmd: &str, args: Value) -> Result<Value, Value> {
    let w = app
        .get_webview_window(tauri_app::MAIN_WINDOW)
        .expect("the main window exists after setup");
    get_ipc_response(
        &w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: origin.parse().expect("origin url"),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.into(),
        },
    )
    .map(|b| b.deserialize::<Value>().expect("a JSON answer"))
}

fn device_state(app: &App<MockRuntime>) -> Value {
    invoke(app, LOCAL, "device_state", json!({})).expect("device_state answers")
}

fn window_url(app: &App<MockRuntime>) -> String {
    app.get_webview_window(tauri_app::MAIN_WINDOW)
        .unwrap()
        .url()
        .unwrap()
        .to_string()
}

/// The window still shows the app's own page (the mock keeps only its origin).
fn on_bundled_page(app: &App<MockRuntime>) -> bool {
    window_url(app).starts_with("tauri://localhost")
}

fn no_device_files(db: &Path) {
    assert!(!db.exists(), "{} was created", db.display());
    let keys = branch_node::keys::path_for(db);
    assert!(!keys.exists(), "{} was created", keys.display());
}

/// A port that nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// `GET <base>health` over plain HTTP/1.0; the status line and body.
fn http_get(base: &str, path: &str) -> String {
    let hostport = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut s = std::net::TcpStream::connect(&hostport).expect("the local server accepts");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {hostport}\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn fresh_device_is_not_set_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sub").join("device.sqlite");
    let app = app(db.clone());
    let s = device_state(&app);
    assert_eq!(s["phase"], "not_set_up");
    assert_eq!(s["enrolled"], false);
    assert_eq!(s["dbPath"], json!(db));
    assert_eq!(s["localUiUrl"], Value::Null);
    assert_eq!(s["deviceId"], Value::Null);
    // The window shows the bundled enrollment page.
    assert!(on_bundled_page(&app), "{}", window_url(&app));
    no_device_files(&db);
}

#[test]
fn bad_enrollments_say_why_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.sqlite");
    let app = app(db.clone());
    let port = closed_port();

    // Not a code at all: refused before any network.
    let e = invoke(
        &app,
        LOCAL,
        "enroll",
        json!({"hubUrl": format!("http://127.0.0.1:{port}"), "code": "nonsense"}),
    )
    .unwrap_err();
    assert_eq!(e["error"]["code"], "invalid", "{e}");
    assert_eq!(e["error"]["field"], "code", "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("enrollment code"),
        "{e}"
    );
    no_device_files(&db);

    // Not a URL.
    let code = "abc123-0123456789abcdefghijklmn";
    for bad in ["", "hub.local:7400", "ftp://hub.local/"] {
        let e = invoke(&app, LOCAL, "enroll", json!({"hubUrl": bad, "code": code})).unwrap_err();
        assert_eq!(e["error"]["field"], "hubUrl", "{bad}: {e}");
    }
    no_device_files(&db);

    // A well-formed code, but no hub there.
    let e = invoke(
        &app,
        LOCAL,
        "enroll",
        json!({"hubUrl": format!("http://127.0.0.1:{port}"), "code": code}),
    )
    .unwrap_err();
    assert_eq!(e["error"]["code"], "peer_unreachable", "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&port.to_string()),
        "{e}"
    );
    no_device_files(&db);

    // Missing arguments are refused by the command layer.
    assert!(invoke(&app, LOCAL, "enroll", json!({"hubUrl": "http://x"})).is_err());

    let s = device_state(&app);
    assert_eq!(s["phase"], "not_set_up");
    assert!(on_bundled_page(&app), "{}", window_url(&app));
}

#[test]
fn screen_shown_sets_the_title_and_is_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path().join("device.sqlite"));
    let title = invoke(&app, LOCAL, "screen_shown", json!({"screen": "enroll"})).unwrap();
    assert_eq!(title, "Repair Desk · enroll");
    assert_eq!(device_state(&app)["screen"], "enroll");

    // The local web UI (served by the branch node on loopback) may call it…
    for origin in ["http://127.0.0.1:7300/", "http://localhost:41234/jobs?x=1"] {
        let title = invoke(&app, origin, "screen_shown", json!({"screen": "login"}))
            .unwrap_or_else(|e| panic!("{origin}: {e}"));
        assert_eq!(title, "Repair Desk · login");
        assert_eq!(
            invoke(&app, origin, "device_state", json!({})).unwrap()["screen"],
            "login"
        );
    }

    // …but may not enroll, and no other site may call anything.
    let e = invoke(
        &app,
        "http://127.0.0.1:7300/",
        "enroll",
        json!({"hubUrl": "http://h", "code": "a-b"}),
    )
    .unwrap_err();
    assert!(e.to_string().contains("not allowed"), "{e}");
    for origin in ["http://192.0.2.1:7300/", "https://example.com/"] {
        let e = invoke(&app, origin, "screen_shown", json!({"screen": "x"})).unwrap_err();
        assert!(e.to_string().contains("not allowed"), "{origin}: {e}");
    }
    assert_eq!(device_state(&app)["screen"], "login");

    // Names that would garble the title or the log are refused.
    for bad in ["", "   ", "a\nscreen: login", &"x".repeat(65)] {
        let e = invoke(&app, LOCAL, "screen_shown", json!({"screen": bad})).unwrap_err();
        assert_eq!(e["error"]["field"], "screen", "{bad:?}: {e}");
    }
    assert_eq!(device_state(&app)["screen"], "login");
}

#[test]
fn an_existing_standalone_device_is_opened_and_served() {
    let dir = tempfile::tempdir().unwrap();
    let (db, device) = common::standalone_db(dir.path());
    let app = app(db.clone());
    // device_state waits for the start-up to finish.
    let s = device_state(&app);
    assert_eq!(s["phase"], "running", "{s}");
    assert_eq!(s["enrolled"], true);
    assert_eq!(s["deviceId"], device.as_str());
    assert_eq!(s["standalone"], true);
    assert_eq!(s["hubUrl"], Value::Null);
    assert_eq!(s["dbPath"], json!(db));
    let url = s["localUiUrl"].as_str().unwrap().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
        "{url}"
    );
    // The window was moved to the local UI, which is the branch node's.
    assert_eq!(window_url(&app), url);
    let health = http_get(&url, "/health");
    assert!(
        health.starts_with("HTTP/1.0 200") || health.starts_with("HTTP/1.1 200"),
        "{health}"
    );
    assert!(health.contains(&device), "{health}");

    // A set-up device is never enrolled over.
    let e = invoke(
        &app,
        LOCAL,
        "enroll",
        json!({"hubUrl": "http://127.0.0.1:9", "code": "abc123-0123456789abcdefghijklmn"}),
    )
    .unwrap_err();
    assert_eq!(e["error"]["code"], "already_set_up", "{e}");
    assert_eq!(device_state(&app)["deviceId"], device.as_str());
}

#[test]
fn a_database_that_does_not_open_is_reported_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.sqlite");
    // A database without its key file (say, copied alone from another machine).
    std::fs::write(&db, b"not a database").unwrap();
    let app = app(db.clone());
    let s = device_state(&app);
    assert_eq!(s["phase"], "failed", "{s}");
    assert_eq!(s["error"]["error"]["code"], "open_failed", "{s}");
    assert_eq!(s["localUiUrl"], Value::Null);
    let e = invoke(
        &app,
        LOCAL,
        "enroll",
        json!({"hubUrl": "http://127.0.0.1:9", "code": "abc123-0123456789abcdefghijklmn"}),
    )
    .unwrap_err();
    assert_eq!(e["error"]["code"], "already_set_up", "{e}");
    assert_eq!(std::fs::read(&db).unwrap(), b"not a database");
    assert!(on_bundled_page(&app), "{}", window_url(&app));
}

/// A hub on loopback with the branch Jayanagar, and a one-time code for a
/// new counter device there.
async fn hub_with_code(dir: &Path) -> (String, String, tokio::sync::oneshot::Sender<()>) {
    use hub::store::HubStore;
    let db = dir.join("hub.sqlite");
    let (store, code) = tokio::task::spawn_blocking(move || {
        let hub = hub::store::db::HubDb::init(&db, "Olivia Owner", "2468", "a test passphrase")
            .expect("hub init");
        let mut id = [0u8; 16];
        getrandom(&mut id);
        let branch = hub
            .add_branch(sync_core::body::Branch {
                id: sync_core::ids::BranchId(id),
                name: "Jayanagar".into(),
                gstin: sync_core::testkit::gstin("29", "ABCDE1234F"),
                state_code: "29".into(),
                address: "Jayanagar main road".into(),
                invoice_prefix: "JAY".into(),
                credit_note_prefix: "JAYC".into(),
                upi_id: None,
                phone: None,
            })
            .expect("add branch");
        let code = hub
            .create_enrollment(branch, "Counter", true, hub::store::db::now_ms())
            .expect("enrollment code")
            .code;
        (Arc::new(hub), code)
    })
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel();
    let state = hub::server::AppState::new(store);
    tokio::spawn(async move {
        hub::server::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .expect("hub serves");
    });
    (url, code, tx)
}

/// Randomness for ids without another dependency: the node's generator.
fn getrandom(out: &mut [u8; 16]) {
    *out = branch_node::crypto::random_bytes::<16>().expect("randomness");
}

#[test]
fn enrolling_with_a_real_code_starts_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let (hub_url, code, _stop) = tauri::async_runtime::block_on(hub_with_code(dir.path()));
    let db = dir.path().join("new").join("device.sqlite");
    let app = app(db.clone());
    assert_eq!(device_state(&app)["phase"], "not_set_up");

    // A wrong secret is the hub's refusal, and leaves nothing.
    let (id, _) = code.split_once('-').unwrap();
    let wrong = format!("{id}-{}", "z".repeat(40));
    let e = invoke(
        &app,
        LOCAL,
        "enroll",
        json!({"hubUrl": hub_url, "code": wrong}),
    )
    .unwrap_err();
    assert_ne!(e["error"]["code"], "peer_unreachable", "{e}");
    no_device_files(&db);

    let started = Instant::now();
    let s = invoke(
        &app,
        LOCAL,
        "enroll",
        json!({"hubUrl": hub_url, "code": code}),
    )
    .unwrap_or_else(|e| panic!("enroll: {e}"));
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(s["phase"], "running", "{s}");
    assert_eq!(s["standalone"], false);
    assert_eq!(s["hubUrl"], hub_url.as_str());
    assert!(db.exists() && branch_node::keys::path_for(&db).exists());
    let url = s["localUiUrl"].as_str().unwrap().to_string();
    assert_eq!(window_url(&app), url);
    let device = s["deviceId"].as_str().unwrap();
    assert!(http_get(&url, "/health").contains(device));
    assert_eq!(device_state(&app), s);

    // The code is spent, and the device is set up: no second enrollment.
    let e = invoke(
        &app,
        LOCAL,
        "enroll",
        json!({"hubUrl": hub_url, "code": code}),
    )
    .unwrap_err();
    assert_eq!(e["error"]["code"], "already_set_up", "{e}");
}
