//! Sync between two devices of one branch over real HTTP on loopback, with
//! no hub: the front desk (a standalone device, its own root of trust) and a
//! technician's laptop enrolled by it. Concurrent offline work converges;
//! nothing is sent twice; an interrupted pull resumes without duplicates;
//! the LAN endpoints refuse unsigned, badly signed, stale and foreign
//! requests. A stub hub checks refusals (needs attention, never dropped) and
//! clock calibration, including recovery from a 401 for a wrong clock.

use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use branch_node::auth::Session;
use branch_node::node::{Node, now_ms};
use branch_node::services as svc;
use branch_node::store::read::JobFilter;
use branch_node::sync::{self, SyncClient};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sync_core::body::{Branch, OpBody, TextField};
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::roles::Role;
use sync_core::identity::DeviceKey;
use sync_core::ids::{BranchId, DeviceId, RecordId};
use sync_core::protocol::{self, PullRequest, PullResponse, PushRequest, PushResponse};

struct Served {
    url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn serve(node: &Arc<Node>) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel();
    let node = Arc::clone(node);
    tokio::spawn(async move {
        branch_node::api::serve(listener, node, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    Served { url, _stop: tx }
}

async fn bg<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

/// The front desk's shop, and a technician laptop enrolled by it (its
/// database empty until it pulls).
async fn shop_and_laptop() -> (Shop, std::path::PathBuf) {
    bg(|| {
        let shop = shop();
        let db = shop.dir.path().join("laptop.sqlite");
        shop.node
            // A manager uses it too in these tests (concurrent field edits).
            .enroll_local_device(&db, "technician laptop", false, Some(Role::Manager))
            .unwrap();
        (shop, db)
    })
    .await
}

async fn open(db: &std::path::Path) -> Arc<Node> {
    let db = db.to_path_buf();
    Arc::new(bg(move || Node::open(&db).unwrap()).await)
}

fn ops(node: &Node) -> u64 {
    node.read(branch_node::store::read::op_count).unwrap()
}

fn jobs(node: &Node, s: &Session) -> Vec<RecordId> {
    svc::list_jobs(node, s, &JobFilter::default())
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect()
}

fn detail(node: &Node, s: &Session, id: RecordId) -> Value {
    serde_json::to_value(svc::job_detail(node, s, id).unwrap()).unwrap()
}

async fn post_raw(url: &str, headers: &[(&str, String)], body: Vec<u8>) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_of_a_branch_converge_over_the_lan() {
    let (shop, laptop_db) = shop_and_laptop().await;
    let a = shop.node.clone();
    // The front desk opens three jobs before the laptop exists.
    let (r, m) = (shop.receptionist.clone(), shop.manager.clone());
    let first: Vec<RecordId> = {
        let a = a.clone();
        bg(move || {
            (0..3)
                .map(|i| {
                    svc::open_job(&a, &r, intake(&format!("98450{:05}", i)))
                        .unwrap()
                        .job
                        .summary
                        .id
                })
                .collect()
        })
        .await
    };
    let b = open(&laptop_db).await;
    let (sa, sb) = (serve(&a).await, serve(&b).await);

    // The laptop learns everything from the front desk.
    let r1 = sync::sync_once(&b, &sa.url).await.unwrap();
    assert_eq!(r1.pushed, 0, "the laptop has made nothing yet");
    assert_eq!(r1.pulled, ops(&a));
    assert_eq!(r1.applied, ops(&a));
    assert_eq!(ops(&b), ops(&a));
    assert_eq!(jobs(&b, &shop.owner), jobs(&a, &shop.owner));

    // Offline: both edit job 1 (diagnosis text and the model field) at once;
    // the laptop moves job 2 on; the front desk opens another job.
    let job = first[0];
    let (tech, rcp) = (shop.technician.clone(), shop.receptionist.clone());
    {
        let (a, m) = (a.clone(), m.clone());
        bg(move || {
            svc::set_text(
                &a,
                &m,
                job,
                TextField::Diagnosis,
                "Water damage on the motherboard.",
                None,
            )
            .unwrap();
            svc::update_job(
                &a,
                &m,
                job,
                svc::JobPatch {
                    model: Some("Inspiron 15 3520".into()),
                    ..Default::default()
                },
            )
            .unwrap();
            svc::open_job(&a, &rcp, intake("9845099999")).unwrap();
        })
        .await;
    }
    {
        let (b, m, t, j2) = (b.clone(), m.clone(), tech.clone(), first[1]);
        bg(move || {
            svc::set_text(
                &b,
                &t,
                job,
                TextField::Diagnosis,
                "Keyboard ribbon cable loose.",
                None,
            )
            .unwrap();
            svc::update_job(
                &b,
                &m,
                job,
                svc::JobPatch {
                    model: Some("Inspiron 3511".into()),
                    ..Default::default()
                },
            )
            .unwrap();
            svc::change_status(
                &b,
                &t,
                j2,
                svc::StatusInput {
                    to: JobStatus::Diagnosed,
                    override_reason: None,
                    note: Some("SSD failing".into()),
                    otp: None,
                    signature_sha256: None,
                    allow_balance_due: false,
                    approval: None,
                },
            )
            .unwrap();
        })
        .await;
    }
    assert_ne!(ops(&a), ops(&b));

    // Both ways over HTTP: the laptop pushes and pulls; then the front desk
    // syncs with the laptop's server too.
    let r2 = sync::sync_once(&b, &sa.url).await.unwrap();
    assert_eq!(r2.pushed, 3, "{r2:?}");
    assert_eq!(r2.accepted, 3, "{r2:?}");
    assert_eq!((r2.rejected, r2.waiting), (0, 0));
    assert!(r2.pull_errors.is_empty(), "{r2:?}");
    let r3 = sync::sync_once(&a, &sb.url).await.unwrap();
    assert!(r3.pull_errors.is_empty(), "{r3:?}");
    assert_eq!(
        r3.applied, 0,
        "the front desk already had everything: {r3:?}"
    );
    assert_eq!(ops(&a), ops(&b));

    let ids = jobs(&a, &shop.owner);
    assert_eq!(ids.len(), 4);
    assert_eq!(jobs(&b, &shop.owner), ids);
    for id in &ids {
        assert_eq!(
            detail(&a, &shop.owner, *id),
            detail(&b, &shop.owner, *id),
            "job {id}"
        );
    }
    let d = detail(&a, &shop.owner, job);
    let text = d["diagnosis"].as_str().unwrap();
    assert!(text.contains("Water damage on the motherboard."), "{text}");
    assert!(text.contains("Keyboard ribbon cable loose."), "{text}");
    assert!(
        !d["field_conflicts"].as_array().unwrap().is_empty(),
        "concurrent model edits are kept for review"
    );
    assert_eq!(detail(&b, &shop.owner, first[1])["status"], "diagnosed");
    let conflicts =
        |n: &Node| serde_json::to_value(svc::list_conflicts(n, &shop.manager).unwrap()).unwrap();
    assert_eq!(conflicts(&a), conflicts(&b));

    // Nothing is sent twice, in either direction.
    for (n, peer) in [(&b, &sa.url), (&a, &sb.url)] {
        let again = sync::sync_once(n, peer).await.unwrap();
        assert_eq!((again.pushed, again.pulled), (0, 0), "{again:?}");
    }

    // Status over the API: the front desk is online, nothing waits.
    let token = login(&sb.url, "Meera Manager").await;
    let st: Value = reqwest::Client::new()
        .get(format!("{}/api/sync/status", sb.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let peer = &st["peers"][0];
    assert_eq!(peer["url"], sa.url.as_str(), "{st}");
    assert_eq!(peer["online"], true, "{st}");
    assert_eq!(peer["waiting_ops"], 0, "{st}");
    assert_eq!(peer["pull_cursor"], ops(&a), "{st}");
    assert_eq!(
        (st["needs_attention"].as_u64(), st["pending"].as_u64()),
        (Some(0), Some(0))
    );
    let unauth = reqwest::Client::new()
        .get(format!("{}/api/sync/status", sb.url))
        .send()
        .await
        .unwrap();
    assert_eq!(unauth.status(), 401);
}

async fn login(base: &str, user: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/login"))
        .json(&json!({ "user": user, "pin": PIN }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_loop_pushes_soon_after_a_write_and_sync_now_reports() {
    let (shop, laptop_db) = shop_and_laptop().await;
    let a = shop.node.clone();
    let b = open(&laptop_db).await;
    let (sa, sb) = (serve(&a).await, serve(&b).await);
    sync::sync_once(&b, &sa.url).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(sync::run_sync_loop(
        b.clone(),
        vec![sa.url.clone()],
        async {
            let _ = stopped.await;
        },
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = ops(&a);
    let t = shop.technician.clone();
    let job = {
        let (a, r) = (a.clone(), shop.receptionist.clone());
        bg(move || {
            svc::open_job(&a, &r, intake("9845012345"))
                .unwrap()
                .job
                .summary
                .id
        })
        .await
    };
    // The laptop has not seen the job; "sync now" wakes its loop.
    b.request_sync();
    let deadline = std::time::Instant::now() + Duration::from_secs(8);
    while svc::job_detail(&b, &t, job).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the loop never pulled the new job"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let wrote = std::time::Instant::now();
    {
        let b = b.clone();
        bg(move || svc::set_text(&b, &t, job, TextField::Diagnosis, "Fan clogged", None).unwrap())
            .await;
    }
    let target = ops(&b);
    while ops(&a) < target {
        assert!(
            wrote.elapsed() < Duration::from_secs(3),
            "a local write did not reach the peer soon"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        wrote.elapsed() < Duration::from_millis(2500),
        "{:?}",
        wrote.elapsed()
    );
    assert!(ops(&a) > before);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .unwrap()
        .unwrap();

    // `POST /api/sync/now` syncs with every remembered peer.
    b.set_lan_peers(std::slice::from_ref(&sa.url)).unwrap();
    let token = login(&sb.url, "Tara Technician").await;
    let r: Value = reqwest::Client::new()
        .post(format!("{}/api/sync/now", sb.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["peers"][0]["ok"], true, "{r}");
    assert_eq!(r["peers"][0]["report"]["pushed"], 0, "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_pull_resumes_without_duplicates() {
    let (shop, laptop_db) = shop_and_laptop().await;
    let a = shop.node.clone();
    {
        let (a, r) = (a.clone(), shop.receptionist.clone());
        bg(move || {
            for i in 0..6 {
                svc::open_job(&a, &r, intake(&format!("98451{:05}", i))).unwrap();
            }
        })
        .await;
    }
    let total = ops(&a);
    let sa = serve(&a).await;
    let b = open(&laptop_db).await;
    // One page of 7, then the laptop "dies" between pages.
    let first = SyncClient::new()
        .unwrap()
        .pull(&b, &sa.url, 7, Some(1))
        .await
        .unwrap();
    assert_eq!(
        (first.pulled, first.applied, first.pull_cursor),
        (7, 7, 7),
        "{first:?}"
    );
    assert_eq!(ops(&b), 7);
    drop(b);
    let b = open(&laptop_db).await;
    assert_eq!(ops(&b), 7, "the page and its cursor were one transaction");
    let rest = sync::sync_once(&b, &sa.url).await.unwrap();
    assert_eq!(rest.pulled, total - 7, "{rest:?}");
    assert_eq!(
        (rest.pull_duplicates, rest.pull_waiting, rest.pushed),
        (0, 0, 0),
        "{rest:?}"
    );
    assert_eq!(ops(&b), total);
    for id in jobs(&a, &shop.owner) {
        assert_eq!(detail(&a, &shop.owner, id), detail(&b, &shop.owner, id));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lan_endpoints_refuse_unsigned_stale_forged_and_foreign_requests() {
    let (shop, laptop_db) = shop_and_laptop().await;
    let a = shop.node.clone();
    // A device of another branch, and a revoked device of this one.
    let other_key = DeviceKey::from_seed([7; 32]);
    let other = DeviceId([7; 16]);
    let gone_key = DeviceKey::from_seed([8; 32]);
    let gone = DeviceId([8; 16]);
    {
        let a = a.clone();
        let (ok, gk) = (other_key.public(), gone_key.public());
        bg(move || {
            let b2 = BranchId([2; 16]);
            a.commit_as_root(OpBody::BranchCreated(Branch {
                id: b2,
                name: "Koramangala".into(),
                gstin: sync_core::testkit::gstin("29", "ABCDE1234F"),
                state_code: "29".into(),
                address: "80 Feet Road".into(),
                invoice_prefix: "BLR2".into(),
                credit_note_prefix: "BLRD".into(),
                upi_id: None,
                phone: None,
            }))
            .unwrap();
            a.commit_as_root(OpBody::DeviceEnrolled {
                device: other,
                key: ok,
                branch: b2,
                label: "other branch".into(),
                holds_store: true,
                ceiling: None,
                hub: false,
                number: None,
                series: None,
            })
            .unwrap();
            a.commit_as_root(OpBody::DeviceEnrolled {
                device: gone,
                key: gk,
                branch: a.branch,
                label: "lost laptop".into(),
                holds_store: false,
                ceiling: None,
                hub: false,
                number: None,
                series: None,
            })
            .unwrap();
            a.commit_as_root(OpBody::DeviceRevoked {
                device: gone,
                reason: "stolen".into(),
            })
            .unwrap();
        })
        .await;
    }
    let b = open(&laptop_db).await;
    let sa = serve(&a).await;
    let pull = |cursor: u64| {
        serde_json::to_vec(&PullRequest {
            cursor,
            limit: 10,
            digest: false,
        })
        .unwrap()
    };
    let url = format!("{}{}", sa.url, protocol::PULL);
    let now = now_ms();

    // Correctly signed by the laptop: served.
    let body = pull(0);
    let sig = b.sign(&protocol::request_signing_bytes(
        "POST",
        protocol::PULL,
        now,
        &body,
    ));
    let good = [
        (protocol::H_DEVICE, b.device.to_string()),
        (protocol::H_TIME, now.to_string()),
        (protocol::H_SIGNATURE, hex::encode(sig)),
    ];
    let (st, page) = post_raw(&url, &good, body.clone()).await;
    assert_eq!(st, 200, "{page}");
    let page: PullResponse = serde_json::from_value(page).unwrap();
    assert_eq!(page.ops.len(), 10);
    assert!(page.more);
    // The very same signed request again: a replay, refused.
    let (st, v) = post_raw(&url, &good, body.clone()).await;
    assert_eq!(st.as_u16(), 401, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("replay"),
        "{v}"
    );

    let expect_refused = |st: StatusCode, v: &Value, code: u16, what: &str| {
        assert_eq!(st.as_u16(), code, "{what}: {v}");
        assert!(
            v["error"]["message"].as_str().is_some(),
            "{what}: JSON error body: {v}"
        );
    };
    // No headers at all.
    let (st, v) = post_raw(&url, &[], body.clone()).await;
    expect_refused(st, &v, 401, "unsigned");
    // A forged signature.
    let mut forged = good.clone();
    forged[2].1 = "00".repeat(64);
    let (st, v) = post_raw(&url, &forged, body.clone()).await;
    expect_refused(st, &v, 401, "forged signature");
    // A valid signature over another body.
    let (st, v) = post_raw(&url, &good, pull(5)).await;
    expect_refused(st, &v, 401, "body changed after signing");
    // A replay from ten minutes ago.
    let old = now - 10 * 60 * 1000;
    let sig = b.sign(&protocol::request_signing_bytes(
        "POST",
        protocol::PULL,
        old,
        &body,
    ));
    let stale = [
        (protocol::H_DEVICE, b.device.to_string()),
        (protocol::H_TIME, old.to_string()),
        (protocol::H_SIGNATURE, hex::encode(sig)),
    ];
    let (st, v) = post_raw(&url, &stale, body.clone()).await;
    expect_refused(st, &v, 401, "stale");
    // A device nobody enrolled.
    let stranger = sync::signature_headers(
        &DeviceKey::from_seed([9; 32]),
        DeviceId([9; 16]),
        "POST",
        protocol::PULL,
        now,
        &body,
    );
    let (st, v) = post_raw(&url, &stranger, body.clone()).await;
    expect_refused(st, &v, 401, "unknown device");
    // Properly signed, but by a device of another branch, or a revoked one.
    let foreign = sync::signature_headers(&other_key, other, "POST", protocol::PULL, now, &body);
    let (st, v) = post_raw(&url, &foreign, body.clone()).await;
    expect_refused(st, &v, 403, "other branch");
    let revoked = sync::signature_headers(&gone_key, gone, "POST", protocol::PULL, now, &body);
    let (st, v) = post_raw(&url, &revoked, body.clone()).await;
    expect_refused(st, &v, 403, "revoked");
    // The same for push.
    let push_body = serde_json::to_vec(&PushRequest::default()).unwrap();
    let push_url = format!("{}{}", sa.url, protocol::PUSH);
    let foreign =
        sync::signature_headers(&other_key, other, "POST", protocol::PUSH, now, &push_body);
    let (st, v) = post_raw(&push_url, &foreign, push_body.clone()).await;
    expect_refused(st, &v, 403, "push from another branch");
    let (st, v) = post_raw(&push_url, &[], push_body).await;
    expect_refused(st, &v, 401, "unsigned push");

    // A signed push of garbage and of a forged op: each refused with a
    // reason, the batch still answered, nothing stored.
    let before = ops(&a);
    let forged_op = {
        // An op claiming to be the laptop's, signed by another key.
        let mut w = sync_core::writer::DeviceWriter::new(b.device, DeviceKey::from_seed([3; 32]));
        let (_, wire, _) = w
            .make_wire(
                shop.owner.user,
                a.branch,
                OpBody::DeviceRevoked {
                    device: gone,
                    reason: "x".into(),
                },
                &Default::default(),
                now,
            )
            .unwrap();
        hex::encode(wire)
    };
    let push_body = serde_json::to_vec(&PushRequest {
        ops: vec!["zz".into(), "00ff".into(), forged_op],
        resynced: None,
    })
    .unwrap();
    let sig = b.sign(&protocol::request_signing_bytes(
        "POST",
        protocol::PUSH,
        now,
        &push_body,
    ));
    let hdrs = [
        (protocol::H_DEVICE, b.device.to_string()),
        (protocol::H_TIME, now.to_string()),
        (protocol::H_SIGNATURE, hex::encode(sig)),
    ];
    let (st, v) = post_raw(&push_url, &hdrs, push_body).await;
    assert_eq!(st, 200, "{v}");
    let resp: PushResponse = serde_json::from_value(v).unwrap();
    assert_eq!(resp.results.len(), 3);
    for r in &resp.results {
        assert_eq!(r.verdict, protocol::Verdict::Rejected, "{r:?}");
        assert!(r.reason.is_some());
    }
    assert_eq!(ops(&a), before);
}

// ---------------------------------------------------------------- a stub hub

#[derive(Clone)]
struct StubHub {
    /// The stub's clock runs this far ahead of the machine's.
    ahead_ms: u64,
    pushes: Arc<std::sync::atomic::AtomicU64>,
    /// Answer every pushed op "waiting" (a gap in its past at the hub).
    hold: Arc<std::sync::atomic::AtomicBool>,
}

fn http_date(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days.rem_euclid(7)) as usize];
    let mon = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(m - 1) as usize];
    format!(
        "{wd}, {d:02} {mon} {y} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[test]
fn http_date_round_trips() {
    for ms in [
        0,
        784_111_777_000,
        1_835_481_599_000,
        now_ms() / 1000 * 1000,
    ] {
        assert_eq!(
            sync::parse_http_date(&http_date(ms)),
            Some(ms),
            "{}",
            http_date(ms)
        );
    }
}

async fn stub_handler(
    axum::extract::State(st): axum::extract::State<StubHub>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let now = now_ms() + st.ahead_ms;
    let time: u64 = headers
        .get(protocol::H_TIME)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if time.abs_diff(now) > 5 * 60 * 1000 {
        return (
            axum::http::StatusCode::UNAUTHORIZED,
            [(axum::http::header::DATE, http_date(now))],
            axum::Json(json!({ "error": { "code": "clock_skew", "message": "request time is more than 5 minutes off the hub's clock" } })),
        )
            .into_response();
    }
    // The client gzips large bodies, as it does for the real hub.
    let body = match headers.get(axum::http::header::CONTENT_ENCODING) {
        Some(e) if e == "gzip" => sync::gunzip(&body, sync::MAX_ANSWER).unwrap().unwrap(),
        _ => body.to_vec(),
    };
    if uri.path() == protocol::PUSH {
        st.pushes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let req: PushRequest = serde_json::from_slice(&body).unwrap();
        let results = req
            .ops
            .iter()
            .map(|w| {
                let op = sync_core::op::Op::decode(&hex::decode(w).unwrap()).unwrap();
                let refuse = op.body.kind() == "job_text_edited";
                let hold = st.hold.load(std::sync::atomic::Ordering::Relaxed);
                protocol::OpVerdict {
                    device: op.id.device,
                    seq: op.id.seq,
                    verdict: if hold {
                        protocol::Verdict::Waiting
                    } else if refuse {
                        protocol::Verdict::Rejected
                    } else {
                        protocol::Verdict::Accepted
                    },
                    reason: refuse.then(|| "change: the job was closed at the hub".to_string()),
                }
            })
            .collect();
        axum::Json(PushResponse {
            results,
            hub_time_ms: now,
            hub: None,
        })
        .into_response()
    } else {
        let req: PullRequest = serde_json::from_slice(&body).unwrap();
        axum::Json(PullResponse {
            ops: vec![],
            next_cursor: req.cursor,
            more: false,
            hub_time_ms: now,
            branch_digest: None,
            hub: None,
        })
        .into_response()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_refusals_need_attention_and_its_clock_calibrates_ours() {
    let (shop, laptop_db) = shop_and_laptop().await;
    let a = shop.node.clone();
    let b = open(&laptop_db).await;
    let sa = serve(&a).await;
    sync::sync_once(&b, &sa.url).await.unwrap();
    let job = {
        let (a, r) = (a.clone(), shop.receptionist.clone());
        bg(move || {
            svc::open_job(&a, &r, intake("9845012345"))
                .unwrap()
                .job
                .summary
                .id
        })
        .await
    };
    sync::sync_once(&b, &sa.url).await.unwrap();
    {
        let (b, t) = (b.clone(), shop.technician.clone());
        bg(move || {
            svc::set_text(&b, &t, job, TextField::Diagnosis, "Hinge cracked", None).unwrap();
            svc::set_text(
                &b,
                &t,
                job,
                TextField::Notes,
                "Customer wants it by Friday",
                None,
            )
            .unwrap();
        })
        .await;
    }

    // The stub hub's clock is 10 minutes ahead: the first request is refused
    // as stale; the device learns the time from its Date header and retries.
    let stub = StubHub {
        ahead_ms: 10 * 60 * 1000,
        pushes: Default::default(),
        hold: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .fallback(stub_handler)
        .with_state(stub.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    b.read(|c| branch_node::store::meta_set(c, "hub_url", &hub))
        .unwrap();

    let r = sync::sync_once(&b, &hub).await.unwrap();
    // Everything the laptop holds that the stub has not acknowledged: the
    // whole log (the stub serves nothing, so nothing counts as held by it).
    assert_eq!(r.pushed, ops(&b), "{r:?}");
    assert_eq!(r.rejected, 2, "{r:?}");
    assert_eq!(r.needs_attention, 2, "{r:?}");
    let offset = r.clock_offset_ms.unwrap();
    assert!((offset - 600_000).abs() < 5_000, "offset {offset}");
    assert_eq!(b.clock_offset_ms(), offset);
    let stored: i64 = b
        .read(|c| branch_node::store::meta_get(c, "clock_offset"))
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(stored, offset);

    // Refused ops stay in the log, are listed, and are not sent again.
    let again = sync::sync_once(&b, &hub).await.unwrap();
    assert_eq!(again.pushed, 0, "{again:?}");
    let sb = serve(&b).await;
    let token = login(&sb.url, "Tara Technician").await;
    let list: Value = reqwest::Client::new()
        .get(format!("{}/api/needs-attention", sb.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    for item in list {
        assert_eq!(item["kind"], "job_text_edited");
        assert_eq!(item["reason"], "change: the job was closed at the hub");
        assert_eq!(item["device"], b.device.to_string());
    }
    let st = sync::status(&b).unwrap();
    assert_eq!(st.needs_attention, 2);
    let hub_peer = st.peers.iter().find(|p| p.url == hub).unwrap();
    assert_eq!(hub_peer.role, "hub");
    assert!(hub_peer.online);
    assert_eq!(hub_peer.waiting_ops, 0);
    // The texts are still there on the laptop: refused, never dropped.
    let d = detail(&b, &shop.owner, job);
    assert_eq!(d["diagnosis"], "Hinge cracked");

    // The hub holds back what it is sent (a gap in its past there): the
    // sync itself succeeds, but the sync bar must not say "online".
    stub.hold.store(true, std::sync::atomic::Ordering::Relaxed);
    {
        let (b, t) = (b.clone(), shop.technician.clone());
        bg(move || svc::reveal_password(&b, &t, job, "held").ok()).await;
    }
    {
        let (b, r) = (b.clone(), shop.receptionist.clone());
        bg(move || svc::open_job(&b, &r, intake("9845012399")).map(|_| ()).ok()).await;
    }
    let r = sync::sync_once(&b, &hub).await.unwrap();
    assert!(r.waiting > 0, "{r:?}");
    let st = sync::status(&b).unwrap();
    let hub_peer = st.peers.iter().find(|p| p.url == hub).unwrap();
    assert!(hub_peer.held > 0 && !hub_peer.online, "{hub_peer:?}");
    stub.hold.store(false, std::sync::atomic::Ordering::Relaxed);
    sync::sync_once(&b, &hub).await.unwrap();
    let st = sync::status(&b).unwrap();
    let hub_peer = st.peers.iter().find(|p| p.url == hub).unwrap();
    assert!(hub_peer.held == 0 && hub_peer.online, "{hub_peer:?}");

    // A hub that is down: the error is recorded, and the peer shows offline.
    let err = sync::sync_once(&b, "http://127.0.0.1:9").await.unwrap_err();
    assert_eq!(err.status(), 502, "{err}");
    let st = sync::status(&b).unwrap();
    let down = st
        .peers
        .iter()
        .find(|p| p.url == "http://127.0.0.1:9")
        .unwrap();
    assert!(!down.online);
    assert!(
        down.last_error.as_deref().unwrap().contains("cannot reach"),
        "{down:?}"
    );
}
