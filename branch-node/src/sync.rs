//! Sync: one client for the hub and for LAN peers, and the LAN side of the
//! protocol (`sync_core::protocol`) served by every device.
//!
//! A peer is a base URL; everything kept about it is keyed by that URL
//! ([`peer_key`]): `peer_acks` (per device, the highest seq the peer holds),
//! `peer_state.pull_cursor`, the last success and the last error.
//!
//! - **Push** sends the local log's ops the peer has not acknowledged, in log
//!   (causal) order, 500 per batch — relayed ops too, with their authors'
//!   signatures, so a technician's work reaches the hub through the front
//!   desk exactly once (the hub dedups by (device, seq)). Every verdict but
//!   `waiting` advances the acknowledgement, saved after each batch: an
//!   interrupted sync never re-sends what was acknowledged. A refused op of
//!   this device goes to `needs_attention`, never away. Ops the hub marked
//!   refused are not pushed (a push cannot carry the mark); a peer gets them,
//!   marked, by pulling.
//! - **Pull** pages through the peer's log from `pull_cursor`; each page is
//!   applied in one transaction together with the new cursor, so a crash
//!   neither loses nor re-applies a page. What a peer sends us it holds, so
//!   pulled ops count as acknowledged by it and are never pushed back.
//! - **Clock**: the hub's `hub_time_ms` calibrates this device's clock (a LAN
//!   peer's clock is not trusted); a 401 for a wrong clock is answered by
//!   calibrating from the hub's `Date` header and retrying once.
//! - **Replays**: every request carries a distinct time, and a peer takes a
//!   signed request once; a 401 saying "replay" means a copy made on the way
//!   was answered (or the peer restarted since the request was signed), so
//!   the request is asked again, freshly signed, after a moment (up to
//!   [`MAX_REPLAY_RETRIES`] times).
//! - **Compression**: a request body of [`MIN_COMPRESS`] bytes or more goes
//!   `Content-Encoding: gzip`, and every request says `Accept-Encoding: gzip`.
//!   The signature covers the body as sent (the gzip bytes), so a receiver
//!   verifies before it inflates; it inflates at most its body limit.
//! - **TLS**: `https://` peers are checked against the public web roots plus
//!   the CA this device was enrolled with (`REPAIR_HUB_CA`, kept in the
//!   database), for a hub with a self-signed certificate.
//!
//! SQLite work runs on tokio's blocking pool; only HTTP runs on the workers.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlite_replica::receive::{self, Check, Outcome};
use sync_core::hlc::Stamp;
use sync_core::identity::{DeviceKey, PublicKey};
use sync_core::ids::{BranchId, DeviceId};
use sync_core::op::{Op, OpId};
use sync_core::protocol::{
    self, EnrollRequest, EnrollResponse, OpVerdict, PullRequest, PullResponse, PulledOp,
    PushRequest, PushResponse, Verdict,
};
use tokio::time::Instant;

use crate::crypto;
use crate::error::{NodeError, Result};
use crate::keys::KeyFile;
use crate::node::{GenesisMeta, Node, now_ms};
use crate::store::{self, Store, sync as ss};

/// Ops per push batch.
pub const PUSH_BATCH: u32 = 500;
/// Ops per pull page.
pub const PULL_PAGE: u32 = 500;
/// Largest page a LAN peer serves.
pub const MAX_PULL_PAGE: u32 = 1000;
/// How far a signed request's time may be from ours.
pub const MAX_SKEW_MS: u64 = protocol::MAX_CLOCK_SKEW_MS;
/// How many times a request refused as a replay (a copy made on the way)
/// is asked again at once, freshly signed, before the sync counts as failed.
pub const MAX_REPLAY_RETRIES: u32 = 3;
/// Sync with every peer this often.
pub const INTERVAL: Duration = Duration::from_secs(5);
/// After a local write, wait this long (to batch a burst), then sync.
pub const AFTER_WRITE: Duration = Duration::from_millis(250);
/// Backoff after failures: 1 s doubling up to this.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// On shutdown, how long a sync in flight may take to finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// Offsets closer than this to the current one are not re-persisted.
const CALIBRATE_STEP_MS: i64 = 250;
/// Largest answer a peer may send us, once inflated.
pub const MAX_ANSWER: usize = 64 * 1024 * 1024;
/// A PEM file of CA certificates to trust for the hub, besides the public
/// web roots. Read by `enroll`, which keeps it in the database for later.
pub const HUB_CA_ENV: &str = "REPAIR_HUB_CA";
const HUB_CA_META: &str = "hub_ca";

/// Held by [`Node`]: wakes the sync loop after a local write, and lets one
/// sync run at a time per device.
#[derive(Default)]
pub struct SyncSignal {
    notify: tokio::sync::Notify,
    gate: tokio::sync::Mutex<()>,
    /// Signed requests this device has taken from LAN peers (see
    /// [`protocol::ReplayGuard`]).
    replays: std::sync::Mutex<protocol::ReplayGuard>,
}

impl SyncSignal {
    /// For a device opened at `now_ms` (its corrected clock).
    pub(crate) fn starting_at(now_ms: u64) -> SyncSignal {
        SyncSignal {
            replays: std::sync::Mutex::new(protocol::ReplayGuard::starting_at(now_ms)),
            ..SyncSignal::default()
        }
    }

    /// A local write happened: sync soon. Cheap; never blocks.
    pub fn dirty(&self) {
        self.notify.notify_one();
    }
}

/// The key a peer's state is stored under: its base URL, trimmed.
pub fn peer_key(url: &str) -> String {
    url.trim().trim_end_matches('/').to_string()
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| NodeError::Setup(format!("sync worker failed: {e}")))?
}

/// Run `f` in one `BEGIN IMMEDIATE` transaction on the device's store.
fn in_tx<T>(node: &Node, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    let mut g = node.lock();
    let tx = g
        .store
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let v = f(&tx)?;
    tx.commit()?;
    Ok(v)
}

// ---------------------------------------------------------------- compression

pub use sync_core::gzip::inflate as gunzip;
pub use sync_core::gzip::{MIN_COMPRESS, accepts_gzip, compress as gzip};

/// A request body by its `Content-Encoding`: as it is, or inflated to at
/// most `limit` bytes. The error carries its HTTP status (413, 415, 400).
pub fn decode_body(
    encoding: Option<&str>,
    body: Vec<u8>,
    limit: usize,
) -> std::result::Result<Vec<u8>, (u16, NodeError)> {
    match encoding.map(|e| e.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("identity") => Ok(body),
        Some("gzip") | Some("x-gzip") => match gunzip(&body, limit) {
            Ok(Some(b)) => Ok(b),
            Ok(None) => Err((
                413,
                NodeError::invalid("body", format!("must be at most {limit} bytes inflated")),
            )),
            Err(e) => Err((
                400,
                NodeError::invalid("body", format!("is not valid gzip: {e}")),
            )),
        },
        Some(_) => Err((
            415,
            NodeError::invalid("content-encoding", "must be gzip or identity"),
        )),
    }
}

/// A JSON answer: gzip-encoded (true) when the client takes it and it is
/// large enough to gain.
pub fn encode_json<T: Serialize>(v: &T, gzip_ok: bool) -> (Vec<u8>, bool) {
    let json = serde_json::to_vec(v).expect("protocol types serialize");
    if gzip_ok && json.len() >= MIN_COMPRESS {
        (gzip(&json), true)
    } else {
        (json, false)
    }
}

// ---------------------------------------------------------------- receiving

/// What became of one received operation.
#[derive(Clone, Debug)]
pub struct Incoming {
    /// `None` when the bytes are not an operation at all.
    pub id: Option<OpId>,
    pub kind: Option<&'static str>,
    /// The outcome, or why the op was refused (bad signature, fork, unknown
    /// device…): refused ops change nothing.
    pub result: std::result::Result<Outcome, String>,
    /// Why the rule book refused it, when it did.
    pub reason: Option<String>,
}

/// What a received batch did: the ops applied, and each op's outcome.
pub type Received = (Vec<Incoming>, Vec<(OpId, Outcome)>);

/// Receive operations (wire bytes, with the hub's rejection mark if any) in
/// one transaction, in order, through the causal buffer, trusting the rule
/// book's verdict of the author or the hub (`Check::Trust`). An op that fails
/// its signature or chain check is refused on its own (its savepoint is
/// rolled back) and the rest continue; a database error aborts the whole
/// batch. `after` runs in the same transaction (the pull cursor). Then the
/// device's caches follow: the applied version vector, the clock (the newest
/// stamp received), and this device's own chain head if ops of its own came
/// back that it does not remember making (a restored database).
pub fn receive_batch(
    node: &Node,
    items: &[(Vec<u8>, Option<String>)],
    check: Check,
    after: impl FnOnce(&Connection, &[Incoming]) -> Result<()>,
) -> Result<Received> {
    let mut g = node.lock();
    let inner = &mut *g;
    let mut out = Vec::with_capacity(items.len());
    let mut unblocked = vec![];
    let mut newest: Option<Stamp> = None;
    {
        let mut tx = inner
            .store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (wire, rejected) in items {
            let op = match Op::decode(wire) {
                Ok(op) => op,
                Err(e) => {
                    out.push(Incoming {
                        id: None,
                        kind: None,
                        result: Err(e.to_string()),
                        reason: None,
                    });
                    continue;
                }
            };
            let sp = tx.savepoint()?;
            let mut reason = None;
            let r = receive::receive(&sp, &inner.genesis, wire, rejected.as_deref(), check);
            let result = match r {
                Ok(r) => {
                    sp.commit()?;
                    if matches!(r.outcome, Outcome::Applied | Outcome::RecordedRejected) {
                        newest = newest.max(Some(op.hlc));
                    }
                    unblocked.extend(r.unblocked.into_iter().map(|(id, o, _)| (id, o)));
                    reason = r.reason;
                    Ok(r.outcome)
                }
                Err(sqlite_replica::ReplicaError::Rule(e)) => {
                    drop(sp); // rolls back this op only
                    Err(e.to_string())
                }
                Err(e) => return Err(e.into()),
            };
            out.push(Incoming {
                id: Some(op.id),
                kind: Some(op.body.kind()),
                result,
                reason,
            });
        }
        if out.iter().any(|i| i.result == Ok(Outcome::Overruled)) {
            // Before `after`: a digest taken there speaks of the rebuilt state.
            sqlite_replica::overrule::rebuild(&tx)?;
        }
        after(&tx, &out)?;
        tx.commit()?;
    }
    let c = &inner.store.conn;
    inner.applied = store::applied(c)?;
    if let Some(s) = newest {
        let now = now_ms();
        // A stamp too far ahead is refused by the clock, not adopted.
        let _ = inner.writer.clock.observe(s, now);
        if let Some(r) = inner.root.as_mut() {
            let _ = r.clock.observe(s, now);
        }
    }
    let head = store::chain_head(c, inner.writer.device)?;
    if head.seq > inner.writer.state.seq {
        inner.writer.state.seq = head.seq;
        inner.writer.state.prev = head.hash;
    }
    if let Some(r) = inner.root.as_mut() {
        let head = store::chain_head(c, r.device)?;
        if head.seq > r.state.seq {
            r.state.seq = head.seq;
            r.state.prev = head.hash;
        }
    }
    Ok((out, unblocked))
}

// ---------------------------------------------------------------- serving (LAN)

/// The signature headers of a sync request, as received.
#[derive(Clone, Debug, Default)]
pub struct SignedHeaders {
    pub device: Option<String>,
    pub time: Option<String>,
    pub signature: Option<String>,
}

/// The three headers that sign a sync request, for any key (tests sign as
/// devices that are not a [`Node`]).
pub fn signature_headers(
    key: &DeviceKey,
    device: DeviceId,
    method: &str,
    path: &str,
    time_ms: u64,
    body: &[u8],
) -> [(&'static str, String); 3] {
    let sig = key.sign(&protocol::request_signing_bytes(
        method, path, time_ms, body,
    ));
    [
        (protocol::H_DEVICE, device.to_string()),
        (protocol::H_TIME, time_ms.to_string()),
        (protocol::H_SIGNATURE, hex::encode(sig)),
    ]
}

/// Check a LAN sync request: signed within the last 5 minutes by a known,
/// active device of this device's branch. Returns the caller.
pub fn authenticate(
    node: &Node,
    h: &SignedHeaders,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<DeviceId> {
    let unauth = |m: &str| NodeError::PeerAuth(m.to_string());
    let device: DeviceId = h
        .device
        .as_deref()
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| unauth("missing or malformed x-device header"))?;
    let time: u64 = h
        .time
        .as_deref()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| unauth("missing or malformed x-time header"))?;
    let mut sig = [0u8; 64];
    hex::decode_to_slice(
        h.signature
            .as_deref()
            .ok_or_else(|| unauth("missing x-signature header"))?,
        &mut sig,
    )
    .map_err(|_| unauth("x-signature is not 64 bytes of hex"))?;
    if node.corrected_now_ms().abs_diff(time) > MAX_SKEW_MS {
        return Err(unauth(
            "request time is more than 5 minutes off this device's clock (replayed, or a clock is wrong)",
        ));
    }
    let (branch, key, revoked) = node
        .read(|c| ss::device_auth(c, device))?
        .ok_or_else(|| unauth("unknown device: it is not enrolled in this branch"))?;
    if !PublicKey::verify_strict(
        &key,
        &protocol::request_signing_bytes(method, path, time, body),
        &sig,
    ) {
        return Err(unauth("signature does not verify"));
    }
    if revoked {
        return Err(NodeError::PeerForbidden(format!(
            "device {device} has been revoked"
        )));
    }
    if branch != node.branch {
        return Err(NodeError::PeerForbidden(format!(
            "device {device} belongs to another branch"
        )));
    }
    let first = node
        .sync
        .replays
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .first_sight(sig, time, node.corrected_now_ms());
    if !first {
        return Err(unauth(
            "this signed request was already received (a replay): sign every request afresh",
        ));
    }
    Ok(device)
}

/// `POST /sync/push` on a device: receive a LAN peer's batch.
pub fn serve_push(node: &Node, req: &PushRequest) -> Result<PushResponse> {
    let mut items = Vec::with_capacity(req.ops.len());
    let mut bad_hex = HashSet::new();
    for (i, w) in req.ops.iter().enumerate() {
        match hex::decode(w) {
            Ok(b) => items.push((b, None)),
            Err(_) => {
                bad_hex.insert(i);
                items.push((vec![], None));
            }
        }
    }
    let (got, unblocked) = receive_batch(node, &items, Check::Gate, |_, _| Ok(()))?;
    let later: HashSet<OpId> = unblocked
        .iter()
        .filter(|(_, o)| *o == Outcome::Applied)
        .map(|(id, _)| *id)
        .collect();
    let mut applied_any = !later.is_empty();
    let results = got
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let id = r.id.unwrap_or(OpId {
                device: DeviceId::default(),
                seq: 0,
            });
            let (verdict, reason) = match r.result {
                _ if bad_hex.contains(&i) => {
                    (Verdict::Rejected, Some("ops: is not hex".to_string()))
                }
                Ok(Outcome::Applied) => (Verdict::Accepted, None),
                // (Overruled comes only with the hub's verdict, never here.)
                Ok(Outcome::Duplicate | Outcome::Overruled) => (Verdict::Duplicate, None),
                // Its past arrived later in this same batch.
                Ok(Outcome::Waiting) if later.contains(&id) => (Verdict::Accepted, None),
                Ok(Outcome::Waiting) => (Verdict::Waiting, None),
                Ok(Outcome::RecordedRejected) => {
                    (Verdict::Rejected, Some("recorded as rejected".into()))
                }
                Ok(Outcome::Refused) => (
                    Verdict::Rejected,
                    Some(
                        r.reason
                            .unwrap_or_else(|| "refused by the rule book".into()),
                    ),
                ),
                Err(e) => (Verdict::Rejected, Some(e)),
            };
            applied_any |= verdict == Verdict::Accepted;
            OpVerdict {
                device: id.device,
                seq: id.seq,
                verdict,
                reason,
            }
        })
        .collect();
    if applied_any {
        // Relay what a LAN peer brought to our other peers (the hub) soon.
        node.request_sync();
    }
    Ok(PushResponse {
        results,
        hub_time_ms: node.corrected_now_ms(),
    })
}

/// `POST /sync/pull` on a device: a page of the whole log (a LAN peer is of
/// the same branch, and sees what this device sees).
pub fn serve_pull(node: &Node, req: &PullRequest) -> Result<PullResponse> {
    let limit = req.limit.clamp(1, MAX_PULL_PAGE);
    let mut rows = node.read(|c| ss::ops_after(c, req.cursor, limit + 1))?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = rows.last().map(|r| r.0).unwrap_or(req.cursor);
    Ok(PullResponse {
        ops: rows
            .into_iter()
            .map(|(lsn, wire, rejected)| PulledOp {
                lsn,
                wire: hex::encode(wire),
                rejected,
            })
            .collect(),
        next_cursor,
        more,
        hub_time_ms: node.corrected_now_ms(),
        branch_digest: None,
    })
}

// ---------------------------------------------------------------- the client

/// What one sync with one peer did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SyncReport {
    pub peer: String,
    /// Ops sent.
    pub pushed: u64,
    pub accepted: u64,
    pub duplicate: u64,
    /// Sent but their causal past is not at the peer yet: sent again later.
    pub waiting: u64,
    pub rejected: u64,
    /// Ops received.
    pub pulled: u64,
    /// Newly applied here (including ops recorded as refused by the hub and
    /// held-back ops their arrival unblocked).
    pub applied: u64,
    pub pull_duplicates: u64,
    /// Received ops waiting here for their causal past.
    pub pull_waiting: u64,
    /// Received ops refused here (signature, chain), with the reason.
    pub pull_errors: Vec<String>,
    /// Ops of this device refused elsewhere, newly recorded for attention.
    pub needs_attention: u64,
    pub pull_cursor: u64,
    /// Ops waiting in this device's causal buffer after the sync.
    pub pending: u64,
    /// The clock offset learnt from the hub, if this peer is the hub.
    pub clock_offset_ms: Option<i64>,
    /// Whether this device's branch state equals the hub's (their digests)
    /// once the pull caught up; `None` if this peer is not the hub or the
    /// pull did not reach the end of its log.
    pub agrees_with_hub: Option<bool>,
}

impl SyncReport {
    fn new(peer: &str) -> Self {
        SyncReport {
            peer: peer.to_string(),
            ..Default::default()
        }
    }
}

struct Answer<T> {
    body: T,
    /// This machine's clock around the exchange, for calibration.
    sent: u64,
    received: u64,
}

fn peer_error(peer: &str, status: u16, text: &str) -> NodeError {
    let message = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| {
            let t = text.trim();
            if t.is_empty() {
                "no explanation given".to_string()
            } else {
                t.chars().take(300).collect()
            }
        });
    NodeError::Peer {
        peer: peer.to_string(),
        status,
        message,
    }
}

/// The HTTP side of sync. Holds a connection pool; build one per loop (or
/// per one-shot sync), not one per process: a pool must not outlive the
/// runtime it was used on.
#[derive(Clone, Debug)]
pub struct SyncClient {
    http: reqwest::Client,
}

/// The CA file named by [`HUB_CA_ENV`], if set.
fn env_ca() -> Result<Option<Vec<u8>>> {
    match std::env::var_os(HUB_CA_ENV) {
        Some(p) if !p.is_empty() => std::fs::read(&p).map(Some).map_err(|e| {
            NodeError::invalid(HUB_CA_ENV, format!("{}: {e}", Path::new(&p).display()))
        }),
        _ => Ok(None),
    }
}

impl SyncClient {
    /// A client trusting the public web roots and the CA in [`HUB_CA_ENV`].
    pub fn new() -> Result<SyncClient> {
        SyncClient::with_ca(None)
    }

    /// As [`SyncClient::new`], also trusting the CA certificates in `ca_pem`.
    pub fn with_ca(ca_pem: Option<&[u8]>) -> Result<SyncClient> {
        let env = env_ca()?;
        SyncClient::build(ca_pem.into_iter().chain(env.as_deref()))
    }

    /// The client for `node`: trusting, too, the CA it was enrolled with.
    pub async fn for_node(node: &Arc<Node>) -> Result<SyncClient> {
        let n = node.clone();
        let ca = blocking(move || n.read(|c| store::meta_get(c, HUB_CA_META))).await?;
        SyncClient::with_ca(ca.as_deref().map(str::as_bytes))
    }

    fn build<'a>(roots: impl Iterator<Item = &'a [u8]>) -> Result<SyncClient> {
        let mut b = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60));
        for pem in roots {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                NodeError::invalid("hub_ca", format!("is not a PEM certificate: {e}"))
            })?;
            if certs.is_empty() {
                return Err(NodeError::invalid("hub_ca", "holds no PEM certificate"));
            }
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        let http = b
            .build()
            .map_err(|e| NodeError::Setup(format!("cannot build the HTTP client: {e}")))?;
        Ok(SyncClient { http })
    }

    async fn post_signed<Q: Serialize, A: DeserializeOwned>(
        &self,
        node: &Arc<Node>,
        peer: &str,
        path: &str,
        req: &Q,
        is_hub: bool,
    ) -> Result<Answer<A>> {
        let json = serde_json::to_vec(req).expect("protocol types serialize");
        let packed = (json.len() >= MIN_COMPRESS).then(|| gzip(&json));
        let mut retried = false;
        let mut replays = 0;
        let mut plain = false;
        loop {
            let (body, gzipped) = match &packed {
                Some(z) if !plain => (z, true),
                _ => (&json, false),
            };
            let time = node.request_time_ms();
            // Signed as sent: the receiver verifies before inflating.
            let sig = node.sign(&protocol::request_signing_bytes("POST", path, time, body));
            let sent = now_ms();
            let mut rb = self
                .http
                .post(format!("{peer}{path}"))
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(reqwest::header::ACCEPT_ENCODING, "gzip")
                .header(protocol::H_DEVICE, node.device.to_string())
                .header(protocol::H_TIME, time.to_string())
                .header(protocol::H_SIGNATURE, hex::encode(sig));
            if gzipped {
                rb = rb.header(reqwest::header::CONTENT_ENCODING, "gzip");
            }
            let resp = rb
                .body(body.clone())
                .send()
                .await
                .map_err(|e| NodeError::Network(format!("{peer}: {e}")))?;
            let received = now_ms();
            let status = resp.status();
            if status.is_success() {
                let text = answer_bytes(peer, status.as_u16(), resp).await?;
                let body: A = serde_json::from_slice(&text).map_err(|e| NodeError::Peer {
                    peer: peer.to_string(),
                    status: status.as_u16(),
                    message: format!("answer is not the sync protocol: {e}"),
                })?;
                return Ok(Answer {
                    body,
                    sent,
                    received,
                });
            }
            let date = resp
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|d| d.to_str().ok())
                .and_then(parse_http_date);
            let text = answer_bytes(peer, status.as_u16(), resp)
                .await
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let err = peer_error(peer, status.as_u16(), &text);
            // A peer from before compression refuses a gzip body (415, or
            // 422 for a body that is not JSON): say it again plainly, once.
            if gzipped && matches!(status.as_u16(), 415 | 422) {
                plain = true;
                continue;
            }
            // Something on the way (a proxy, a retrying middlebox) sent the
            // request twice and this is the answer to the copy: the first
            // was taken. Asking again, freshly signed, gets the real answer
            // (every request is safe to repeat: pushes and pulls are
            // idempotent, and a repeated lease request is a new request).
            if status == reqwest::StatusCode::UNAUTHORIZED
                && replays < MAX_REPLAY_RETRIES
                && matches!(&err, NodeError::Peer { message, .. } if message.contains("replay"))
            {
                // A moment first: a peer that has just started refuses what
                // was signed before it did, and clocks differ by a little.
                tokio::time::sleep(Duration::from_millis(100 << replays)).await;
                replays += 1;
                continue;
            }
            // A wrong clock is the other 401 this device can fix by itself: the
            // hub's Date header (1 s resolution) tells it the time.
            if status == reqwest::StatusCode::UNAUTHORIZED
                && is_hub
                && !retried
                && let Some(hub_ms) = date
            {
                let mid = sent / 2 + received / 2;
                if node.corrected_now_ms().abs_diff(hub_ms) > 60_000 {
                    let n = node.clone();
                    blocking(move || n.calibrate(mid, hub_ms)).await?;
                    retried = true;
                    continue;
                }
            }
            return Err(err);
        }
    }

    /// Push, then pull, with `peer` (a base URL such as `http://hub:7400`).
    /// Success and failure are recorded in `peer_state`.
    pub async fn sync(&self, node: &Arc<Node>, peer: &str) -> Result<SyncReport> {
        let peer = peer_key(peer);
        let _gate = node.sync.gate.lock().await;
        let is_hub = is_hub(node, &peer).await?;
        let mut report = SyncReport::new(&peer);
        let mut clock = None;
        let r = async {
            self.push_batches(node, &peer, is_hub, &mut report, &mut clock)
                .await?;
            self.pull_pages(
                node,
                &peer,
                is_hub,
                PULL_PAGE,
                None,
                &mut report,
                &mut clock,
            )
            .await?;
            if is_hub && self.top_up_leases(node, &peer).await? {
                // The grants are ops in the branch's chain: pull them now, so
                // the numbers are here before the link drops again.
                self.pull_pages(
                    node,
                    &peer,
                    is_hub,
                    PULL_PAGE,
                    None,
                    &mut report,
                    &mut clock,
                )
                .await?;
            }
            Ok(())
        }
        .await;
        self.finish(node, &peer, r, report, clock).await
    }

    /// Ask the hub for a number block of each series running low here
    /// ([`crate::billing::lease_wants`]). True if any was granted.
    async fn top_up_leases(&self, node: &Arc<Node>, hub: &str) -> Result<bool> {
        let n = node.clone();
        let wants = blocking(move || {
            crate::billing::lease_wants(
                &n,
                sync_core::domain::date::Date::from_unix_ms_ist(n.corrected_now_ms()),
            )
        })
        .await?;
        for doc_type in &wants {
            let _: Answer<protocol::LeaseResponse> = self
                .post_signed(
                    node,
                    hub,
                    protocol::LEASE,
                    &protocol::LeaseRequest {
                        doc_type: *doc_type,
                    },
                    true,
                )
                .await?;
        }
        Ok(!wants.is_empty())
    }

    /// Only push to `peer`.
    pub async fn push(&self, node: &Arc<Node>, peer: &str) -> Result<SyncReport> {
        let peer = peer_key(peer);
        let _gate = node.sync.gate.lock().await;
        let is_hub = is_hub(node, &peer).await?;
        let mut report = SyncReport::new(&peer);
        let mut clock = None;
        let r = self
            .push_batches(node, &peer, is_hub, &mut report, &mut clock)
            .await;
        self.finish(node, &peer, r, report, clock).await
    }

    /// Only pull from `peer`, `page` ops per request, stopping after
    /// `max_pages` pages if given (a sync cut short; the next one resumes
    /// from the saved cursor).
    pub async fn pull(
        &self,
        node: &Arc<Node>,
        peer: &str,
        page: u32,
        max_pages: Option<usize>,
    ) -> Result<SyncReport> {
        let peer = peer_key(peer);
        let _gate = node.sync.gate.lock().await;
        let is_hub = is_hub(node, &peer).await?;
        let mut report = SyncReport::new(&peer);
        let mut clock = None;
        let r = self
            .pull_pages(
                node,
                &peer,
                is_hub,
                page,
                max_pages,
                &mut report,
                &mut clock,
            )
            .await;
        self.finish(node, &peer, r, report, clock).await
    }

    async fn finish(
        &self,
        node: &Arc<Node>,
        peer: &str,
        r: Result<()>,
        mut report: SyncReport,
        clock: Option<(u64, u64)>,
    ) -> Result<SyncReport> {
        let n = node.clone();
        let p = peer.to_string();
        let error = r.as_ref().err().map(|e| e.to_string());
        let held = report.waiting;
        let (pending, cursor, offset) = blocking(move || {
            let offset = match clock {
                Some((local, hub)) => {
                    let now = n.clock_offset_ms();
                    let want = hub as i64 - local as i64;
                    if (want - now).abs() >= CALIBRATE_STEP_MS {
                        Some(n.calibrate(local, hub)?)
                    } else {
                        Some(now)
                    }
                }
                None => None,
            };
            n.read(|c| {
                match &error {
                    None => {
                        ss::record_ok(c, &p, now_ms())?;
                        ss::set_held(c, &p, held)?;
                    }
                    Some(e) => ss::record_error(c, &p, e)?,
                }
                Ok((receive::pending(c)?, ss::peer(c, &p)?.pull_cursor, offset))
            })
        })
        .await?;
        r?;
        report.pending = pending;
        report.pull_cursor = cursor;
        report.clock_offset_ms = offset;
        Ok(report)
    }

    async fn push_batches(
        &self,
        node: &Arc<Node>,
        peer: &str,
        is_hub: bool,
        report: &mut SyncReport,
        clock: &mut Option<(u64, u64)>,
    ) -> Result<()> {
        loop {
            let (n, p) = (node.clone(), peer.to_string());
            let batch = blocking(move || n.read(|c| ss::unacked(c, &p, PUSH_BATCH))).await?;
            if batch.is_empty() {
                return Ok(());
            }
            let full = batch.len() as u32 == PUSH_BATCH;
            let send: Vec<String> = batch
                .iter()
                .filter(|o| !o.rejected)
                .map(|o| hex::encode(&o.wire))
                .collect();
            let mut verdicts: HashMap<(DeviceId, u64), (Verdict, Option<String>)> = HashMap::new();
            if !send.is_empty() {
                let n = send.len() as u64;
                let ans: Answer<PushResponse> = self
                    .post_signed(
                        node,
                        peer,
                        protocol::PUSH,
                        &PushRequest { ops: send },
                        is_hub,
                    )
                    .await?;
                if is_hub {
                    *clock = Some((ans.sent / 2 + ans.received / 2, ans.body.hub_time_ms));
                }
                report.pushed += n;
                for v in ans.body.results {
                    match v.verdict {
                        Verdict::Accepted => report.accepted += 1,
                        Verdict::Duplicate => report.duplicate += 1,
                        Verdict::Waiting => report.waiting += 1,
                        Verdict::Rejected => report.rejected += 1,
                    }
                    verdicts.insert((v.device, v.seq), (v.verdict, v.reason));
                }
            }
            let (n, p) = (node.clone(), peer.to_string());
            let (progress, attention) =
                blocking(move || settle_push(&n, &p, &batch, &verdicts)).await?;
            report.needs_attention += attention;
            if !progress || !full {
                return Ok(());
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn pull_pages(
        &self,
        node: &Arc<Node>,
        peer: &str,
        is_hub: bool,
        page: u32,
        max_pages: Option<usize>,
        report: &mut SyncReport,
        clock: &mut Option<(u64, u64)>,
    ) -> Result<()> {
        let mut pages = 0usize;
        loop {
            let (n, p) = (node.clone(), peer.to_string());
            let cursor = blocking(move || n.read(|c| ss::peer(c, &p)))
                .await?
                .pull_cursor;
            let ans: Answer<PullResponse> = self
                .post_signed(
                    node,
                    peer,
                    protocol::PULL,
                    &PullRequest {
                        cursor,
                        limit: page,
                        digest: is_hub,
                    },
                    is_hub,
                )
                .await?;
            if is_hub {
                *clock = Some((ans.sent / 2 + ans.received / 2, ans.body.hub_time_ms));
            }
            let resp = ans.body;
            if resp.next_cursor < cursor
                || resp
                    .ops
                    .iter()
                    .any(|o| o.lsn <= cursor || o.lsn > resp.next_cursor)
            {
                return Err(NodeError::Peer {
                    peer: peer.to_string(),
                    status: 200,
                    message: format!(
                        "its log does not continue from cursor {cursor} (next {}): was its database replaced?",
                        resp.next_cursor
                    ),
                });
            }
            let count = resp.ops.len();
            let more = resp.more;
            let (n, p) = (node.clone(), peer.to_string());
            let check = if is_hub { Check::Trust } else { Check::Gate };
            let stats = blocking(move || apply_page(&n, &p, resp, check)).await?;
            report.pulled += count as u64;
            report.applied += stats.applied;
            report.pull_duplicates += stats.duplicates;
            report.pull_waiting += stats.waiting;
            report.needs_attention += stats.attention;
            if stats.digest_agrees.is_some() {
                report.agrees_with_hub = stats.digest_agrees;
            }
            report.pull_errors.extend(stats.errors);
            pages += 1;
            if !more || count == 0 || max_pages.is_some_and(|m| pages >= m) {
                return Ok(());
            }
        }
    }
}

/// An answer's body, inflated if it came gzip-encoded.
async fn answer_bytes(peer: &str, status: u16, resp: reqwest::Response) -> Result<Vec<u8>> {
    let gzipped = resp
        .headers()
        .get(reqwest::header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let raw = resp
        .bytes()
        .await
        .map_err(|e| NodeError::Network(format!("{peer}: {e}")))?;
    if !gzipped {
        return Ok(raw.to_vec());
    }
    let bad = |message: String| NodeError::Peer {
        peer: peer.to_string(),
        status,
        message,
    };
    match gunzip(&raw, MAX_ANSWER) {
        Ok(Some(b)) => Ok(b),
        Ok(None) => Err(bad(format!(
            "answer is larger than {MAX_ANSWER} bytes inflated"
        ))),
        Err(e) => Err(bad(format!("answer is not valid gzip: {e}"))),
    }
}

async fn is_hub(node: &Arc<Node>, peer: &str) -> Result<bool> {
    let n = node.clone();
    let hub = blocking(move || n.hub_url()).await?;
    Ok(hub.is_some_and(|h| peer_key(&h) == peer))
}

/// Record a push's verdicts in one transaction: advance the peer's
/// acknowledgements in log order (per device, up to its first op still
/// waiting), and note this device's refused ops. Ops marked refused by the
/// hub were not sent; they count as handled. Returns (any progress, new
/// attention items).
fn settle_push(
    node: &Node,
    peer: &str,
    batch: &[ss::OutOp],
    verdicts: &HashMap<(DeviceId, u64), (Verdict, Option<String>)>,
) -> Result<(bool, u64)> {
    in_tx(node, |c| {
        let mut blocked: HashSet<DeviceId> = HashSet::new();
        let mut progress = false;
        let mut attention = 0;
        let at = now_ms();
        for o in batch {
            if blocked.contains(&o.device) {
                continue;
            }
            let v = if o.rejected {
                Some((Verdict::Duplicate, None))
            } else {
                verdicts.get(&(o.device, o.seq)).cloned()
            };
            match v {
                None | Some((Verdict::Waiting, _)) => {
                    blocked.insert(o.device);
                }
                Some((verdict, reason)) => {
                    ss::ack(c, peer, o.device, o.seq)?;
                    progress = true;
                    if verdict == Verdict::Rejected && o.device == node.device {
                        let reason = reason.unwrap_or_else(|| "refused without a reason".into());
                        if ss::needs_attention_add(c, o.device, o.seq, &o.kind, &reason, at)? {
                            attention += 1;
                        }
                    }
                }
            }
        }
        Ok((progress, attention))
    })
}

#[derive(Default)]
struct PageStats {
    applied: u64,
    duplicates: u64,
    waiting: u64,
    attention: u64,
    errors: Vec<String>,
    digest_agrees: Option<bool>,
}

/// Apply one pulled page and move the cursor, in one transaction.
fn apply_page(node: &Node, peer: &str, resp: PullResponse, check: Check) -> Result<PageStats> {
    let mut stats = PageStats::default();
    let mut items = Vec::with_capacity(resp.ops.len());
    for o in &resp.ops {
        match hex::decode(&o.wire) {
            Ok(w) => items.push((w, o.rejected.clone())),
            Err(_) => stats
                .errors
                .push(format!("op at lsn {}: wire is not hex", o.lsn)),
        }
    }
    let marks: Vec<Option<String>> = items.iter().map(|(_, r)| r.clone()).collect();
    let mut attention = 0;
    let mut agrees = None;
    let (got, unblocked) = receive_batch(node, &items, check, |c, got| {
        ss::set_cursor(c, peer, resp.next_cursor)?;
        if let Some(hub) = &resp.branch_digest {
            // In the transaction that applied the last page: the state the
            // hub's digest speaks of, no more, no less.
            let mine = sqlite_replica::digest::branch_digest(c, &node.branch.0)?;
            agrees = Some(mine == *hub);
            ss::set_digest(c, hub, &mine, now_ms())?;
        }
        let at = now_ms();
        for (r, mark) in got.iter().zip(&marks) {
            let Some(id) = r.id else { continue };
            // The peer holds what it sent us (its log is complete up to it).
            ss::ack(c, peer, id.device, id.seq)?;
            // Whatever the hub refused is shown on every device that holds
            // it, not only its author's.
            if let (Some(reason), Check::Trust) = (mark, check) {
                let kind = r.kind.unwrap_or("unknown");
                if ss::needs_attention_add(c, id.device, id.seq, kind, reason, at)? {
                    attention += 1;
                }
            }
        }
        Ok(())
    })?;
    stats.attention = attention;
    stats.digest_agrees = agrees;
    for r in got {
        match r.result {
            Ok(Outcome::Applied | Outcome::RecordedRejected | Outcome::Overruled) => {
                stats.applied += 1
            }
            Ok(Outcome::Duplicate) => stats.duplicates += 1,
            Ok(Outcome::Waiting) => stats.waiting += 1,
            Ok(Outcome::Refused) => stats.errors.push(format!(
                "{}: not taken from a peer (the hub's verdict will come)",
                r.id.map(|i| format!("{}#{}", i.device, i.seq))
                    .unwrap_or_default()
            )),
            Err(e) => {
                let id =
                    r.id.map(|i| format!("{}#{}", i.device, i.seq))
                        .unwrap_or_default();
                tracing::warn!(op = %id, error = %e, "refused a pulled operation");
                stats.errors.push(format!("{id}: {e}"));
            }
        }
    }
    stats.applied += unblocked
        .iter()
        .filter(|(_, o)| *o != Outcome::Duplicate)
        .count() as u64;
    Ok(stats)
}

/// Push, then pull, with `peer`, on a fresh client.
pub async fn sync_once(node: &Arc<Node>, peer: &str) -> Result<SyncReport> {
    SyncClient::for_node(node).await?.sync(node, peer).await
}

/// One peer's result in [`sync_all`].
#[derive(Clone, Debug, Serialize)]
pub struct PeerOutcome {
    pub peer: String,
    pub ok: bool,
    pub report: Option<SyncReport>,
    pub error: Option<String>,
}

/// Sync with each peer in turn (`POST /api/sync/now`, `branch-node sync`).
pub async fn sync_all(node: &Arc<Node>, peers: &[String]) -> Result<Vec<PeerOutcome>> {
    let client = SyncClient::for_node(node).await?;
    let mut out = vec![];
    for p in peers {
        let r = client.sync(node, p).await;
        out.push(PeerOutcome {
            peer: peer_key(p),
            ok: r.is_ok(),
            error: r.as_ref().err().map(|e| e.to_string()),
            report: r.ok(),
        });
    }
    Ok(out)
}

/// The delay after `failures` consecutive failures: 1 s doubling to 60 s,
/// each drawn at random from its upper half so devices do not retry in step.
pub fn backoff(failures: u32) -> Duration {
    let base = MAX_BACKOFF
        .as_millis()
        .min(1000u128 << failures.saturating_sub(1).min(16)) as u64;
    let jitter = crypto::random_bytes::<8>()
        .map(u64::from_le_bytes)
        .unwrap_or(0)
        % (base / 2 + 1);
    Duration::from_millis(base - base / 2 + jitter)
}

/// Sync with every peer every [`INTERVAL`], and [`AFTER_WRITE`] after a
/// local write; a peer that fails is retried with [`backoff`]. Runs until
/// `shutdown` resolves; a sync in flight then gets [`SHUTDOWN_GRACE`] to
/// finish (if cut short, nothing is lost: every step is saved as it
/// completes, and the next sync resumes).
pub async fn run_sync_loop(
    node: Arc<Node>,
    peers: Vec<String>,
    shutdown: impl Future<Output = ()> + Send,
) {
    struct Peer {
        url: String,
        failures: u32,
        next: Instant,
    }
    tokio::pin!(shutdown);
    let client = match SyncClient::for_node(&node).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "sync loop cannot start");
            return;
        }
    };
    let mut ps: Vec<Peer> = vec![];
    for p in peers.iter().map(|p| peer_key(p)) {
        if !p.is_empty() && !ps.iter().any(|q| q.url == p) {
            ps.push(Peer {
                url: p,
                failures: 0,
                next: Instant::now(),
            });
        }
    }
    if ps.is_empty() {
        shutdown.await;
        return;
    }
    loop {
        for p in ps.iter_mut() {
            if p.next > Instant::now() {
                continue;
            }
            let sync = client.sync(&node, &p.url);
            tokio::pin!(sync);
            let r = tokio::select! {
                _ = &mut shutdown => {
                    // Let a sync in flight save what it was told (bounded).
                    let _ = tokio::time::timeout(SHUTDOWN_GRACE, &mut sync).await;
                    return;
                }
                r = &mut sync => r,
            };
            match r {
                Ok(r) => {
                    p.failures = 0;
                    p.next = Instant::now() + INTERVAL;
                    if r.pushed + r.pulled > 0 {
                        tracing::info!(peer = %p.url, pushed = r.pushed, pulled = r.pulled, rejected = r.rejected, "synced");
                    }
                }
                Err(e) => {
                    p.failures += 1;
                    let d = backoff(p.failures);
                    p.next = Instant::now() + d;
                    tracing::warn!(peer = %p.url, error = %e, retry_in_ms = d.as_millis() as u64, "sync failed");
                }
            }
        }
        let wake = ps.iter().map(|p| p.next).min().expect("at least one peer");
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep_until(wake) => {}
            _ = node.sync.notify.notified() => {
                tokio::select! {
                    _ = &mut shutdown => return,
                    _ = tokio::time::sleep(AFTER_WRITE) => {}
                }
                let now = Instant::now();
                for p in ps.iter_mut().filter(|p| p.failures == 0) {
                    p.next = now;
                }
            }
        }
    }
}

// ---------------------------------------------------------------- status

#[derive(Clone, Debug, Serialize)]
pub struct PeerStatus {
    pub url: String,
    /// "hub" or "lan".
    pub role: &'static str,
    /// The last attempt succeeded.
    pub online: bool,
    pub last_ok_at: Option<u64>,
    pub last_error: Option<String>,
    /// Ops this peer has not acknowledged yet.
    pub waiting_ops: u64,
    /// Of those, how many the peer holds back for a gap in their past: the
    /// device is connected but not in step, and the sync bar says so.
    pub held: u64,
    pub pull_cursor: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct SyncStatus {
    pub device: DeviceId,
    pub branch: BranchId,
    pub peers: Vec<PeerStatus>,
    /// Ops of this device refused elsewhere, not yet resolved.
    pub needs_attention: u64,
    /// Ops received but waiting for their causal past.
    pub pending: u64,
    pub clock_offset_ms: i64,
    /// The newest position of this device's log; it changes with every
    /// local write and every operation received (screens refresh on it).
    pub last_lsn: u64,
    /// Whether this device and the hub held the same branch state after
    /// the last pull that reached the end of the hub's log.
    pub digest: Option<ss::DigestCheck>,
}

/// Sync state of every configured (or ever used) peer.
pub fn status(node: &Node) -> Result<SyncStatus> {
    let hub = node.hub_url()?.map(|h| peer_key(&h));
    let mut urls = node.sync_peers()?;
    node.read(|c| {
        for p in ss::peers(c)? {
            if !urls.contains(&p.peer) {
                urls.push(p.peer);
            }
        }
        let mut peers = vec![];
        for url in urls {
            let row = ss::peer(c, &url)?;
            peers.push(PeerStatus {
                role: if hub.as_deref() == Some(url.as_str()) {
                    "hub"
                } else {
                    "lan"
                },
                online: row.last_ok_at.is_some() && row.last_error.is_none() && row.held == 0,
                held: row.held,
                last_ok_at: row.last_ok_at,
                last_error: row.last_error,
                waiting_ops: ss::unacked_count(c, &url)?,
                pull_cursor: row.pull_cursor,
                url,
            });
        }
        Ok(SyncStatus {
            device: node.device,
            branch: node.branch,
            peers,
            needs_attention: ss::needs_attention_open(c)?,
            pending: receive::pending(c)?,
            clock_offset_ms: node.clock_offset_ms(),
            last_lsn: ss::last_lsn(c)?,
            digest: ss::digest_check(c)?,
        })
    })
}

/// This device's operations refused elsewhere, newest first.
pub fn needs_attention(node: &Node) -> Result<Vec<ss::AttentionView>> {
    node.read(ss::needs_attention)
}

// ---------------------------------------------------------------- enrollment

/// Enroll a new device with a hub (async; [`Node::enroll`] is the blocking
/// form). Refuses if `db` exists. Sends this device's new public key with the
/// one-time code, opens the branch key the hub wrapped under the code's
/// secret, writes the key file and the database, and pulls the branch's
/// data. If that first pull fails the device is still enrolled (the failure
/// is in `peer_state.last_error`; the next sync pulls). An `https://` hub
/// with a self-signed certificate needs its CA in [`HUB_CA_ENV`].
pub async fn enroll(db: &Path, hub_url: &str, code: &str) -> Result<Arc<Node>> {
    enroll_with_ca(db, hub_url, code, None).await
}

/// As [`enroll`], trusting the CA certificates in `hub_ca` (PEM) for the
/// hub, instead of the file in [`HUB_CA_ENV`]. The CA is kept in the
/// database: every later sync trusts it too.
pub async fn enroll_with_ca(
    db: &Path,
    hub_url: &str,
    code: &str,
    hub_ca: Option<&[u8]>,
) -> Result<Arc<Node>> {
    let code = code.trim().to_string();
    let hub = peer_key(hub_url);
    if db.exists() || crate::keys::path_for(db).exists() {
        return Err(NodeError::Setup(format!(
            "{} already exists; refusing to overwrite a device database",
            db.display()
        )));
    }
    if hub.is_empty() {
        return Err(NodeError::invalid(
            "hub_url",
            "give the hub's address, like http://hub.local:7400",
        ));
    }
    let secret = protocol::code_secret_key(&code).ok_or_else(|| {
        NodeError::invalid(
            "code",
            "is not an enrollment code: expected the <id>-<secret> the owner was given",
        )
    })?;
    let device = DeviceId(crypto::random_bytes()?);
    let seed = crypto::random_bytes::<32>()?;
    let key = DeviceKey::from_seed(seed);
    let ca: Option<Vec<u8>> = match hub_ca {
        Some(pem) => Some(pem.to_vec()),
        None => env_ca()?,
    };
    let ca_text = match &ca {
        Some(pem) => Some(
            String::from_utf8(pem.clone())
                .map_err(|_| NodeError::invalid("hub_ca", "is not a PEM (text) file"))?,
        ),
        None => None,
    };
    let client = SyncClient::build(ca.as_deref().into_iter())?;
    let sent = now_ms();
    let resp = client
        .http
        .post(format!("{hub}{}", protocol::ENROLL))
        .json(&EnrollRequest {
            code: code.clone(),
            device,
            public_key: key.public(),
        })
        .send()
        .await
        .map_err(|e| NodeError::Network(format!("{hub}: {e}")))?;
    let received = now_ms();
    let status = resp.status();
    let text = resp
        .bytes()
        .await
        .map_err(|e| NodeError::Network(format!("{hub}: {e}")))?;
    if !status.is_success() {
        return Err(peer_error(
            &hub,
            status.as_u16(),
            &String::from_utf8_lossy(&text),
        ));
    }
    let er: EnrollResponse = serde_json::from_slice(&text).map_err(|e| NodeError::Peer {
        peer: hub.clone(),
        status: status.as_u16(),
        message: format!("enrollment answer is not understood: {e}"),
    })?;
    let plain = sync_core::seal::open(
        &secret,
        &sync_core::seal::branch_key_aad(&er.branch),
        &er.wrapped_branch_key,
    )
    .map_err(|e| {
        NodeError::Crypto(format!(
            "the branch key from the hub does not open with this code: {e}"
        ))
    })?;
    let branch_key: [u8; 32] = plain
        .try_into()
        .map_err(|_| NodeError::Crypto("the branch key from the hub is not 32 bytes".into()))?;
    for l in &er.leases {
        tracing::info!(
            series = %format!("{}/{}", l.prefix, l.fy),
            doc_type = l.doc_type.as_str(),
            first = l.first,
            last = l.last,
            "enrollment granted a number block"
        );
    }
    let offset = er.hub_time_ms as i64 - (sent / 2 + received / 2) as i64;
    let (dbp, hubc) = (db.to_path_buf(), hub.clone());
    let node = blocking(move || {
        let made = create_enrolled(
            &dbp,
            &hubc,
            device,
            seed,
            branch_key,
            &er,
            offset,
            ca_text.as_deref(),
        );
        if made.is_err() {
            // Leave nothing half-made; the code is spent, the owner issues a new one.
            let mut files = vec![dbp.clone(), crate::keys::path_for(&dbp)];
            for suffix in ["-wal", "-shm"] {
                let mut p = dbp.as_os_str().to_owned();
                p.push(suffix);
                files.push(p.into());
            }
            for p in files {
                let _ = std::fs::remove_file(p);
            }
        }
        made?;
        Node::open(&dbp)
    })
    .await?;
    let node = Arc::new(node);
    match client.sync(&node, &hub).await {
        Ok(r) => tracing::info!(pulled = r.pulled, "enrolled; first pull done"),
        Err(e) => {
            tracing::warn!(error = %e, "enrolled, but the first pull failed; the next sync retries")
        }
    }
    Ok(node)
}

#[allow(clippy::too_many_arguments)]
fn create_enrolled(
    db: &Path,
    hub: &str,
    device: DeviceId,
    seed: [u8; 32],
    branch_key: [u8; 32],
    er: &EnrollResponse,
    offset: i64,
    hub_ca: Option<&str>,
) -> Result<()> {
    let store = Store::open(db)?;
    let genesis = GenesisMeta {
        owner: er.owner,
        hub_device: er.hub_device,
        hub_key: er.hub_key,
        branch: er.branch,
    };
    store::meta_set(
        &store.conn,
        "genesis",
        &serde_json::to_string(&genesis).expect("genesis serializes"),
    )?;
    store::meta_set(&store.conn, "hub_url", hub)?;
    store::meta_set(&store.conn, "clock_offset", &offset.to_string())?;
    if let Some(pem) = hub_ca {
        store::meta_set(&store.conn, HUB_CA_META, pem)?;
    }
    drop(store);
    KeyFile {
        device,
        device_seed: hex::encode(seed),
        branch_key: hex::encode(branch_key),
        root_seed: None,
    }
    .save(db)
}

// ---------------------------------------------------------------- HTTP dates

/// Parse an HTTP `Date` (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`) to
/// milliseconds since the Unix epoch.
pub fn parse_http_date(s: &str) -> Option<u64> {
    let mut it = s.split_whitespace();
    let _weekday = it.next()?;
    let day: i64 = it.next()?.parse().ok()?;
    let month = match it.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = it.next()?.parse().ok()?;
    let mut hms = it.next()?.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if it.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + m * 60 + sec;
    u64::try_from(secs).ok().map(|s| s * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777_000)
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2028 23:59:59 GMT"),
            Some(1_835_481_599_000)
        );
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST"), None);
    }

    #[test]
    fn backoff_doubles_to_a_minute_with_jitter() {
        for (n, lo, hi) in [
            (1, 500, 1000),
            (2, 1000, 2000),
            (3, 2000, 4000),
            (7, 30_000, 60_000),
            (40, 30_000, 60_000),
        ] {
            for _ in 0..20 {
                let d = backoff(n).as_millis() as u64;
                assert!((lo..=hi).contains(&d), "failures {n}: {d} ms");
            }
        }
    }

    #[test]
    fn peer_keys_are_trimmed() {
        assert_eq!(peer_key(" http://hub:7400/ "), "http://hub:7400");
    }
}
