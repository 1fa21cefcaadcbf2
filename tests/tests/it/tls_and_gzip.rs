//! A hub serving HTTPS with its own CA's certificate: real branch nodes
//! enroll and sync over https://, trusting the CA they were enrolled with;
//! plain HTTP on the TLS port gets nothing. And the LAN side of the protocol
//! takes gzip bodies like the hub: accepted, a bomb refused 413, pulls
//! compressed when asked.

use std::io::{Read, Write};

use branch_node::services as svc;
use e2e_tests::demo;
use e2e_tests::world::{Hub, bg};
use hub::store::HubStore;
use hub::store::db::now_ms;
use sync_core::domain::roles::Role;
use sync_core::protocol::{self, PullResponse, PushResponse, Verdict};

/// A test CA, and a certificate it signed for 127.0.0.1 and localhost:
/// (CA PEM, certificate PEM, private key PEM).
fn test_certs() -> (String, String, String) {
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "Repair shop test CA");
    ca.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca = rcgen::CertifiedIssuer::self_signed(ca, rcgen::KeyPair::generate().unwrap()).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut leaf =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    leaf.distinguished_name
        .push(rcgen::DnType::CommonName, "hub");
    let cert = leaf.signed_by(&key, &*ca).unwrap();
    (ca.pem(), cert.pem(), key.serialize_pem())
}

async fn code(hub: &Hub, branch: usize, label: &str, store: bool) -> String {
    let (s, b, l) = (
        hub.store.clone(),
        hub.branches[branch].id,
        label.to_string(),
    );
    bg(move || s.create_enrollment(b, &l, store, now_ms()).unwrap())
        .await
        .code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_enroll_and_sync_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = test_certs();
    let (c, k) = (dir.path().join("hub.crt"), dir.path().join("hub.key"));
    std::fs::write(&c, cert).unwrap();
    std::fs::write(&k, key).unwrap();
    let tls = hub::tls::load(&c, &k).unwrap();
    let hub = Hub::start_with(dir.path(), 1000, Some(tls)).await;
    assert!(hub.url.starts_with("https://127.0.0.1:"), "{}", hub.url);

    // Without the CA the device does not trust the hub: nothing is made,
    // and the code is not spent.
    let counter_code = code(&hub, 0, "counter", true).await;
    let db = dir.path().join("counter.sqlite");
    let Err(e) = branch_node::sync::enroll(&db, &hub.url, &counter_code).await else {
        panic!("enrolled with an untrusted certificate");
    };
    assert!(
        matches!(e, branch_node::NodeError::Network(_)),
        "{e}: the TLS handshake should fail"
    );
    assert!(!db.exists());

    // With it, over https://: enrollment, the first pull, then work synced.
    let counter =
        branch_node::sync::enroll_with_ca(&db, &hub.url, &counter_code, Some(ca.as_bytes()))
            .await
            .unwrap();
    let staff = {
        let n = counter.clone();
        let b = &hub.branches[0];
        let login = |role: Role| {
            let (_, name, pin) = b.people[&role].clone();
            branch_node::auth::LoginInput {
                user: name,
                pin: pin.into(),
            }
        };
        let (rec, tech) = (login(Role::Receptionist), login(Role::Technician));
        bg(move || {
            (
                branch_node::auth::check_pin(&n, &rec).unwrap(),
                branch_node::auth::check_pin(&n, &tech).unwrap(),
            )
        })
        .await
    };
    let n = counter.clone();
    let rec = staff.0.clone();
    let job = bg(move || svc::open_job(&n, &rec, demo::intake(1, 80)).unwrap())
        .await
        .job
        .summary
        .id;
    // The stored CA is trusted by every later sync (no environment needed).
    let r = branch_node::sync::sync_once(&counter, &hub.url)
        .await
        .unwrap();
    assert!(r.accepted >= 2, "{r:?}");
    assert_eq!(r.rejected, 0, "{r:?}");
    let s = hub.store.clone();
    let at_hub: i64 = bg(move || {
        s.sqlite(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM jobs WHERE id = ?1",
                [&job.0[..]],
                |r| r.get(0),
            )?)
        })
        .unwrap()
    })
    .await;
    assert_eq!(at_hub, 1);

    // A second device gets the job through the hub, over HTTPS.
    let laptop_code = code(&hub, 0, "laptop", false).await;
    let laptop = branch_node::sync::enroll_with_ca(
        &dir.path().join("laptop.sqlite"),
        &hub.url,
        &laptop_code,
        Some(ca.as_bytes()),
    )
    .await
    .unwrap();
    let (l, tech) = (laptop.clone(), staff.1.clone());
    let seen = bg(move || svc::job_detail(&l, &tech, job).unwrap()).await;
    assert_eq!(seen.summary.id, job);

    // The command line takes the CA as --hub-ca: a missing file is named,
    // and nothing is made; the right one enrolls.
    let ca_file = dir.path().join("hub-ca.pem");
    std::fs::write(&ca_file, &ca).unwrap();
    let desk_code = code(&hub, 0, "second desk", false).await;
    let desk_db = dir.path().join("desk.sqlite");
    let run = {
        let (url, code, db) = (hub.url.clone(), desk_code.clone(), desk_db.clone());
        move |ca: std::path::PathBuf| {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_e2e-branch-node"))
                .env_remove("REPAIR_HUB_CA")
                .arg("--db")
                .arg(&db)
                .args(["enroll", &url, &code, "--hub-ca"])
                .arg(ca)
                .output()
                .unwrap();
            (
                out.status.success(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        }
    };
    let (r, missing) = (run.clone(), dir.path().join("no-such-ca.pem"));
    let (ok, _, err) = bg(move || r(missing)).await;
    assert!(!ok);
    assert!(
        err.contains("--hub-ca") && err.contains("no-such-ca.pem"),
        "{err}"
    );
    assert!(!desk_db.exists());
    let (ok, out, err) = bg(move || run(ca_file)).await;
    assert!(ok, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["users"].as_u64().unwrap() > 0, "{v}");
    // Not a store device: it holds no numbers until it needs them.
    assert_eq!(v["number_blocks"], serde_json::json!([]), "{v}");

    // Plain HTTP to the TLS port gets no answer.
    let plain = hub.url.replacen("https://", "http://", 1);
    let r = reqwest::Client::new()
        .get(format!("{plain}/health"))
        .send()
        .await;
    assert!(r.is_err(), "plain HTTP answered on the TLS port: {r:?}");
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A request to a device's LAN sync endpoint, signed by `from` over `wire`.
async fn lan(
    from: &branch_node::node::Node,
    to: &str,
    path: &str,
    wire: Vec<u8>,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let time = from.request_time_ms();
    let sig = from.sign(&protocol::request_signing_bytes("POST", path, time, &wire));
    let mut rb = reqwest::Client::new()
        .post(format!("{to}{path}"))
        .header(protocol::H_DEVICE, from.device.to_string())
        .header(protocol::H_TIME, time.to_string())
        .header(protocol::H_SIGNATURE, hex::encode(sig));
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    rb.body(wire).send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lan_side_takes_gzip_too() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(dir.path(), 1000).await;
    let counter = hub.enroll(dir.path(), 0, "counter", true, &hub.url).await;
    let laptop = hub.enroll(dir.path(), 0, "laptop", false, &hub.url).await;
    // The counter learns the laptop's key from the hub.
    branch_node::sync::sync_once(&counter.node, &hub.url)
        .await
        .unwrap();
    let rec = counter.login(&hub.branches[0], Role::Receptionist).await;
    let n = counter.node.clone();
    bg(move || {
        for i in 0..10 {
            svc::open_job(&n, &rec, demo::intake(i, 81)).unwrap();
        }
    })
    .await;

    // Pull: gzip when asked.
    let ask = serde_json::to_vec(&serde_json::json!({ "cursor": 0, "limit": 1000 })).unwrap();
    let r = lan(
        &laptop.node,
        &counter.url,
        protocol::PULL,
        ask.clone(),
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let z = r.bytes().await.unwrap();
    let mut json = vec![];
    flate2::read::GzDecoder::new(&z[..])
        .read_to_end(&mut json)
        .unwrap();
    let page: PullResponse = serde_json::from_slice(&json).unwrap();
    assert!(page.ops.len() > 10);
    assert!(z.len() * 2 < json.len());
    let r = lan(&laptop.node, &counter.url, protocol::PULL, ask, &[]).await;
    assert!(r.headers().get("content-encoding").is_none());

    // Push the counter's own ops back to it, gzip-encoded: duplicates, not errors.
    let push = serde_json::to_vec(&serde_json::json!({
        "ops": page.ops.iter().map(|o| o.wire.clone()).collect::<Vec<_>>()
    }))
    .unwrap();
    let r = lan(
        &laptop.node,
        &counter.url,
        protocol::PUSH,
        gzip(&push),
        &[("content-encoding", "gzip")],
    )
    .await;
    assert_eq!(r.status(), 200);
    let res: PushResponse = r.json().await.unwrap();
    assert_eq!(res.results.len(), page.ops.len());
    assert!(
        res.results.iter().all(|v| v.verdict == Verdict::Duplicate),
        "{:?}",
        res.results
    );

    // A bomb: small on the wire, past the device's limit inflated.
    let bomb = gzip(&vec![b' '; 8 * branch_node::api::MAX_BODY]);
    assert!(bomb.len() < branch_node::api::MAX_BODY / 10);
    let r = lan(
        &laptop.node,
        &counter.url,
        protocol::PUSH,
        bomb,
        &[("content-encoding", "gzip")],
    )
    .await;
    assert_eq!(r.status(), 413);
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["error"]["field"], "body", "{e}");

    // And the whole client path, LAN and hub, with its gzip batches.
    let r = branch_node::sync::sync_once(&laptop.node, &counter.url)
        .await
        .unwrap();
    assert!(r.applied >= 10, "{r:?}");
}
