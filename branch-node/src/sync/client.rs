//! The sync client: signed requests to the hub or a LAN peer, push batches, pull pages, leases.

use http_edge::Code;
use http_edge::refusal::read_back;

use super::*;

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
    /// The hub answered as a new incarnation (restored from a backup), so
    /// this device sent it everything again.
    pub hub_restored: bool,
}

impl SyncReport {
    fn new(peer: &str) -> Self {
        SyncReport {
            peer: peer.to_string(),
            ..Default::default()
        }
    }
}

pub(super) struct Answer<T> {
    body: T,
    /// This machine's clock around the exchange, for calibration.
    sent: u64,
    received: u64,
}

pub(super) fn peer_error(peer: &str, status: u16, text: &str) -> NodeError {
    NodeError::Peer {
        peer: peer.to_string(),
        status,
        message: read_back(text).1,
    }
}

/// The HTTP side of sync. Holds a connection pool; build one per loop (or
/// per one-shot sync), not one per process: a pool must not outlive the
/// runtime it was used on.
#[derive(Clone, Debug)]
/// One sync with one peer: what its steps (push, pull, finish) thread
/// through.
pub(super) struct Exchange {
    node: Arc<Node>,
    peer: String,
    is_hub: bool,
    report: SyncReport,
    /// (local, hub) times of the last answer from the hub, to calibrate.
    clock: Option<(u64, u64)>,
}

impl Exchange {
    fn new(node: &Arc<Node>, peer: &str, is_hub: bool) -> Exchange {
        Exchange {
            node: node.clone(),
            peer: peer.to_string(),
            is_hub,
            report: SyncReport::new(peer),
            clock: None,
        }
    }
}

pub struct SyncClient {
    pub(super) http: reqwest::Client,
}

/// The CA file named by [`HUB_CA_ENV`], if set.
pub(super) fn env_ca() -> Result<Option<Vec<u8>>> {
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

    pub(super) fn build<'a>(roots: impl Iterator<Item = &'a [u8]>) -> Result<SyncClient> {
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
            let (code, message) = read_back(&text);
            let err = NodeError::Peer {
                peer: peer.to_string(),
                status: status.as_u16(),
                message,
            };
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
            if code == Some(Code::Replayed) && replays < MAX_REPLAY_RETRIES {
                // A moment first: a peer that has just started refuses what
                // was signed before it did, and clocks differ by a little.
                tokio::time::sleep(Duration::from_millis(100 << replays)).await;
                replays += 1;
                continue;
            }
            // A wrong clock is the other 401 this device can fix by itself: the
            // hub's Date header (1 s resolution) tells it the time.
            if code == Some(Code::ClockSkew)
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
        let mut x = Exchange::new(node, &peer, is_hub);
        let r = async {
            self.push_batches(&mut x).await?;
            self.pull_pages(&mut x, PULL_PAGE, None).await?;
            if x.report.hub_restored {
                // Learnt from the pull (nothing was waiting to be pushed):
                // the re-send the restored hub waits for, now, and then
                // what the hub signed once it had it (notices it kept).
                self.push_batches(&mut x).await?;
                self.pull_pages(&mut x, PULL_PAGE, None).await?;
            }
            if is_hub && self.top_up_leases(node, &peer).await? {
                // The grants are ops in the branch's chain: pull them now, so
                // the numbers are here before the link drops again.
                self.pull_pages(&mut x, PULL_PAGE, None).await?;
            }
            Ok(())
        }
        .await;
        self.finish(x, r).await
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
        let mut granted = false;
        for doc_type in &wants {
            let r: Result<Answer<protocol::LeaseResponse>> = self
                .post_signed(
                    node,
                    hub,
                    protocol::LEASE,
                    &protocol::LeaseRequest {
                        doc_type: *doc_type,
                    },
                    true,
                )
                .await;
            match r {
                Ok(_) => granted = true,
                // The hub cannot sign a grant now (restored from a backup
                // and waiting for other devices, or started without the
                // passphrase): the numbers still held serve meanwhile, and
                // the next sync asks again. The sync itself went well.
                Err(NodeError::Peer {
                    status: 503,
                    message,
                    ..
                }) => {
                    tracing::warn!(%message, "no lease now");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(granted)
    }

    /// Only push to `peer`.
    pub async fn push(&self, node: &Arc<Node>, peer: &str) -> Result<SyncReport> {
        let peer = peer_key(peer);
        let _gate = node.sync.gate.lock().await;
        let is_hub = is_hub(node, &peer).await?;
        let mut x = Exchange::new(node, &peer, is_hub);
        let r = self.push_batches(&mut x).await;
        self.finish(x, r).await
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
        let mut x = Exchange::new(node, &peer, is_hub);
        let r = self.pull_pages(&mut x, page, max_pages).await;
        self.finish(x, r).await
    }

    async fn finish(&self, x: Exchange, r: Result<()>) -> Result<SyncReport> {
        let Exchange {
            node,
            peer,
            mut report,
            clock,
            ..
        } = x;
        let n = node.clone();
        let p = peer.clone();
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

    async fn push_batches(&self, x: &mut Exchange) -> Result<()> {
        loop {
            let (n, p, hub) = (x.node.clone(), x.peer.clone(), x.is_hub);
            let (batch, due) = blocking(move || {
                n.read(|c| {
                    let due = if hub { ss::resync_due(c, &p)? } else { None };
                    Ok((ss::unacked(c, &p, PUSH_BATCH)?, due))
                })
            })
            .await?;
            let full = batch.len() as u32 == PUSH_BATCH;
            // A restored hub is owed word with the last batch of the
            // re-send, even an empty one.
            let resynced = due.filter(|_| !full);
            if batch.is_empty() && resynced.is_none() {
                return Ok(());
            }
            let send: Vec<String> = batch
                .iter()
                .filter(|o| !o.rejected)
                .map(|o| hex::encode(&o.wire))
                .collect();
            let mut verdicts: HashMap<(DeviceId, u64), (Verdict, Option<String>)> = HashMap::new();
            let mut restored = false;
            if !send.is_empty() || resynced.is_some() {
                let n = send.len() as u64;
                let ans: Answer<PushResponse> = self
                    .post_signed(
                        &x.node,
                        &x.peer,
                        protocol::PUSH,
                        &PushRequest {
                            ops: send,
                            resynced: resynced.clone(),
                        },
                        x.is_hub,
                    )
                    .await?;
                if x.is_hub {
                    x.clock = Some((ans.sent / 2 + ans.received / 2, ans.body.hub_time_ms));
                }
                // Before the verdicts are settled: a new hub's
                // acknowledgements are the only ones that count.
                if let Some(life) = ans.body.hub.clone() {
                    restored = self.note_life(x, life).await?;
                }
                if let (Some(inc), false) = (resynced, restored) {
                    let (n, p) = (x.node.clone(), x.peer.clone());
                    blocking(move || n.transaction(|c| ss::resync_done(c, &p, &inc))).await?;
                }
                x.report.pushed += n;
                for v in ans.body.results {
                    match v.verdict {
                        Verdict::Accepted => x.report.accepted += 1,
                        Verdict::Duplicate => x.report.duplicate += 1,
                        Verdict::Waiting => x.report.waiting += 1,
                        Verdict::Rejected => x.report.rejected += 1,
                    }
                    verdicts.insert((v.device, v.seq), (v.verdict, v.reason));
                }
            }
            let (n, p, hub) = (x.node.clone(), x.peer.clone(), x.is_hub);
            let (progress, attention) =
                blocking(move || settle_push(&n, &p, hub, &batch, &verdicts)).await?;
            x.report.needs_attention += attention;
            if !restored && (!progress || !full) {
                return Ok(());
            }
        }
    }

    /// Note the hub's life from an answer; true if it is a new one (it was
    /// restored from a backup: see `ss::note_hub_life`).
    async fn note_life(&self, x: &mut Exchange, life: protocol::HubLife) -> Result<bool> {
        let (n, p) = (x.node.clone(), x.peer.clone());
        let new = blocking(move || n.transaction(|c| ss::note_hub_life(c, &p, &life))).await?;
        if new {
            tracing::warn!(peer = %x.peer, "the hub was restored from a backup: sending it everything again");
            x.report.hub_restored = true;
        }
        Ok(new)
    }

    async fn pull_pages(
        &self,
        x: &mut Exchange,
        page: u32,
        max_pages: Option<usize>,
    ) -> Result<()> {
        let mut pages = 0usize;
        loop {
            let (n, p) = (x.node.clone(), x.peer.clone());
            let cursor = blocking(move || n.read(|c| ss::peer(c, &p)))
                .await?
                .pull_cursor;
            let ans: Answer<PullResponse> = self
                .post_signed(
                    &x.node,
                    &x.peer,
                    protocol::PULL,
                    &PullRequest {
                        cursor,
                        limit: page,
                        digest: x.is_hub,
                    },
                    x.is_hub,
                )
                .await?;
            if x.is_hub {
                x.clock = Some((ans.sent / 2 + ans.received / 2, ans.body.hub_time_ms));
            }
            if let Some(life) = ans.body.hub.clone()
                && self.note_life(x, life).await?
            {
                // The cursor was rewound to where the backup ended; what
                // this device holds and the hub lost goes with the next
                // push.
                continue;
            }
            let resp = ans.body;
            if resp.next_cursor < cursor
                || resp
                    .ops
                    .iter()
                    .any(|o| o.lsn <= cursor || o.lsn > resp.next_cursor)
            {
                return Err(NodeError::Peer {
                    peer: x.peer.clone(),
                    status: 200,
                    message: format!(
                        "its log does not continue from cursor {cursor} (next {}): was its database replaced?",
                        resp.next_cursor
                    ),
                });
            }
            let count = resp.ops.len();
            let more = resp.more;
            let (n, p) = (x.node.clone(), x.peer.clone());
            let check = if x.is_hub { Check::Trust } else { Check::Gate };
            let stats = blocking(move || apply_page(&n, &p, resp, check)).await?;
            x.report.pulled += count as u64;
            x.report.applied += stats.applied;
            x.report.pull_duplicates += stats.duplicates;
            x.report.pull_waiting += stats.waiting;
            x.report.needs_attention += stats.attention;
            if stats.digest_agrees.is_some() {
                x.report.agrees_with_hub = stats.digest_agrees;
            }
            x.report.pull_errors.extend(stats.errors);
            pages += 1;
            if !more || count == 0 || max_pages.is_some_and(|m| pages >= m) {
                return Ok(());
            }
        }
    }
}

/// An answer's body, inflated if it came gzip-encoded.
pub(super) async fn answer_bytes(
    peer: &str,
    status: u16,
    resp: reqwest::Response,
) -> Result<Vec<u8>> {
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

pub(super) async fn is_hub(node: &Arc<Node>, peer: &str) -> Result<bool> {
    let n = node.clone();
    let hub = blocking(move || n.hub_url()).await?;
    Ok(hub.is_some_and(|h| peer_key(&h) == peer))
}
