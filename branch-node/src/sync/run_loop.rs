//! Syncing with every peer: once, or in the background with backoff.

use super::*;

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
