//! The sync transport: HTTPS with rustls, gzip bodies both ways (and the
//! bomb that must not get through), the per-device rate limit.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

use crate::common::*;
use hub::store::db::now_ms;
use serde_json::Value;
use sync_core::op::Op;
use sync_core::protocol::*;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// A signed POST with extra headers, the signature over `wire` as sent.
async fn send(d: &Dev, path: &str, wire: Vec<u8>, headers: &[(&str, &str)]) -> reqwest::Response {
    let time = d.time();
    let sig = d
        .key
        .sign(&request_signing_bytes("POST", path, time, &wire));
    let mut rb = d
        .http
        .post(format!("{}{path}", d.url))
        .header(H_DEVICE, d.id.to_string())
        .header(H_TIME, time.to_string())
        .header(H_SIGNATURE, hex::encode(sig))
        .header("content-type", "application/json");
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    rb.body(wire).send().await.unwrap()
}

fn push_body(ops: &[Op]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "ops": ops.iter().map(|o| hex::encode(o.encode().unwrap())).collect::<Vec<_>>()
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_bodies_both_ways_and_the_bomb_is_413() {
    let h = start().await;
    let mut a = Dev::enroll(&h, h.a, true).await;
    let mut b = Dev::enroll_with(
        &h,
        h.a,
        false,
        Some(sync_core::domain::roles::Role::Manager),
    )
    .await;
    let rec = h.users["rec_a"];
    let ops: Vec<Op> = (0..30).map(|i| a.make(rec, customer(i))).collect();
    let json = push_body(&ops);
    let z = gzip(&json);
    assert!(z.len() < json.len());

    // A gzip push, signed over the gzip bytes, is accepted.
    let r = send(&a, PUSH, z, &[("content-encoding", "gzip")]).await;
    assert_eq!(r.status(), 200);
    let res: PushResponse = r.json().await.unwrap();
    assert_eq!(res.results.len(), 30);
    assert!(
        res.results.iter().all(|v| v.verdict == Verdict::Accepted),
        "{:?}",
        res.results
    );
    // The same batch uncompressed: still accepted (as duplicates).
    let r = send(&a, PUSH, json.clone(), &[]).await;
    assert_eq!(r.status(), 200);
    let res: PushResponse = r.json().await.unwrap();
    assert!(res.results.iter().all(|v| v.verdict == Verdict::Duplicate));

    // A signature over the inflated bytes does not verify: the wire is signed.
    let time = now_ms();
    let sig = a
        .key
        .sign(&request_signing_bytes("POST", PUSH, time, &json));
    let r = a
        .http
        .post(format!("{}{PUSH}", a.url))
        .header(H_DEVICE, a.id.to_string())
        .header(H_TIME, time.to_string())
        .header(H_SIGNATURE, hex::encode(sig))
        .header("content-encoding", "gzip")
        .body(gzip(&json))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // A bomb: 40 KB on the wire, 40 MB inflated. Refused 413 with JSON, and
    // the hub stops inflating at its limit (it is still answering after).
    let bomb = gzip(&vec![b' '; 40 * 1024 * 1024]);
    assert!(bomb.len() < hub::server::MAX_BODY / 100);
    let r = send(&a, PUSH, bomb.clone(), &[("content-encoding", "gzip")]).await;
    assert_eq!(r.status(), 413);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "too_large", "{e}");
    // Unsigned, it is not even inflated: 401.
    let r = a
        .http
        .post(format!("{}{PUSH}", a.url))
        .header("content-encoding", "gzip")
        .body(bomb)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Not gzip at all, though it says so: 400 naming the body.
    let r = send(&a, PUSH, json.clone(), &[("content-encoding", "gzip")]).await;
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["field"], "body", "{e}");
    // An encoding the hub does not speak: 415 naming the header.
    let r = send(&a, PUSH, json, &[("content-encoding", "br")]).await;
    assert_eq!(r.status(), 415);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["field"], "content-encoding", "{e}");

    // Pull (the other device, of a's 30 ops): gzip when asked, plain when
    // not, the same answer.
    let ask = serde_json::to_vec(&serde_json::json!({ "cursor": b.cursor, "limit": 100 })).unwrap();
    let r = send(&b, PULL, ask.clone(), &[("accept-encoding", "gzip")]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let zipped = r.bytes().await.unwrap();
    let plain: PullResponse = serde_json::from_slice(&gunzip(&zipped)).unwrap();
    let r = send(&b, PULL, ask, &[]).await;
    assert!(r.headers().get("content-encoding").is_none());
    let raw = r.bytes().await.unwrap();
    assert!(
        zipped.len() * 2 < raw.len(),
        "{} vs {}",
        zipped.len(),
        raw.len()
    );
    let unzipped: PullResponse = serde_json::from_slice(&raw).unwrap();
    assert_eq!(plain.ops.len(), 30);
    assert_eq!(
        plain.ops.iter().map(|o| &o.wire).collect::<Vec<_>>(),
        unzipped.ops.iter().map(|o| &o.wire).collect::<Vec<_>>()
    );
    assert_eq!(b.pull_all().await, 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_device_gets_429_with_json() {
    // 5 a second, a burst of 10.
    let h = start_with(5, None).await;
    let a = Dev::enroll(&h, h.a, true).await;
    let b = Dev::enroll_with(
        &h,
        h.a,
        false,
        Some(sync_core::domain::roles::Role::Manager),
    )
    .await;
    let ask = serde_json::json!({ "cursor": 0, "limit": 1 });
    let mut limited = None;
    for _ in 0..40 {
        let r = a.signed(PULL, &ask).await;
        if r.status() == 429 {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status(), 200);
    }
    let r = limited.expect("40 requests at once went through a limit of 5/s with a burst of 10");
    assert_eq!(r.headers()["retry-after"], "1");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "rate_limited", "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("too many requests"),
        "{e}"
    );
    // The bucket is the device's: another device of the branch is served.
    assert_eq!(b.signed(PULL, &ask).await.status(), 200);
    // And it refills.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(a.signed(PULL, &ask).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_certificate_and_no_plain_http_on_its_port() {
    let h = start_with(hub::server::RATE_PER_SEC, Some(tls())).await;
    assert!(h.url.starts_with("https://127.0.0.1:"));
    // Enrollment, push and pull over HTTPS, the client trusting the test CA.
    let mut a = Dev::enroll(&h, h.a, true).await;
    let mut b = Dev::enroll_with(
        &h,
        h.a,
        false,
        Some(sync_core::domain::roles::Role::Manager),
    )
    .await;
    let rec = h.users["rec_a"];
    let ops: Vec<Op> = (0..5).map(|i| a.make(rec, customer(i))).collect();
    let (st, v) = a.push(&ops).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(b.pull_all().await, 5);
    // A client that does not trust the CA is refused at the handshake.
    let stranger = reqwest::Client::new();
    assert!(
        stranger
            .get(format!("{}/health", h.url))
            .send()
            .await
            .is_err()
    );
    // Plain HTTP to the TLS port gets no answer.
    let plain = h.url.replacen("https://", "http://", 1);
    let r = reqwest::Client::new()
        .get(format!("{plain}/health"))
        .send()
        .await;
    assert!(r.is_err(), "plain HTTP answered on the TLS port: {r:?}");
    // The server is still serving HTTPS after those.
    let r = h
        .client
        .get(format!("{}/health", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn hub_serve_takes_a_certificate() {
    let (ca, cert, key) = test_certs();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.sqlite");
    let (c, k) = (dir.path().join("hub.crt"), dir.path().join("hub.key"));
    std::fs::write(&c, cert).unwrap();
    std::fs::write(&k, key).unwrap();
    hub::store::db::HubDb::init(&db, "Olivia Owner", "2468", PASS).unwrap();
    let bin = env!("CARGO_BIN_EXE_hub");
    let base = [
        "--db",
        db.to_str().unwrap(),
        "serve",
        "--listen",
        "127.0.0.1:0",
    ];
    // A certificate without its key is refused by the command line.
    let out = Command::new(bin)
        .args(base)
        .args(["--tls-cert", c.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-key"));
    // A certificate that is not one is refused, naming the field.
    let out = Command::new(bin)
        .args(base)
        .args([
            "--tls-cert",
            k.to_str().unwrap(),
            "--tls-key",
            k.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tls_cert"));
    // With both, it serves HTTPS and says so.
    let mut child = Command::new(bin)
        .args(base)
        .args([
            "--tls-cert",
            c.to_str().unwrap(),
            "--tls-key",
            k.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("https://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no https address in {line:?}"))
        .to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
            .build()
            .unwrap()
            .get(format!("{url}/health"))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status.unwrap(), 200);
}
