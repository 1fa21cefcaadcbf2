//! What the sync bar shows: each peer's state, and what needs attention.

use super::*;

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
