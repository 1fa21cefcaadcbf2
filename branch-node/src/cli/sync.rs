//! `branch-node sync`: one sync now, with the hub and the LAN peers.

use std::sync::Arc;

use super::print;
use crate::error::{NodeError, Result};
use crate::node::Node;

/// `branch-node sync`: one sync with each peer. One peer: its report; several:
/// a list of {peer, ok, report, error}. Exit 1 if any failed.
pub(super) fn sync_now(node: &Arc<Node>, peers: &[String]) -> Result<()> {
    let peers = if peers.is_empty() {
        node.sync_peers()?
    } else {
        peers.to_vec()
    };
    if peers.is_empty() {
        return Err(NodeError::invalid(
            "peer",
            "this device has no hub and no LAN peers: run `branch-node enroll`, or give --peer URL",
        ));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    if let [peer] = &peers[..] {
        let report = rt.block_on(crate::sync::sync_once(node, peer))?;
        return print(&report);
    }
    let outcomes = rt.block_on(crate::sync::sync_all(node, &peers))?;
    print(&outcomes)?;
    match outcomes.iter().find(|o| !o.ok) {
        Some(o) => Err(NodeError::Setup(format!(
            "sync with {} failed: {}",
            o.peer,
            o.error.as_deref().unwrap_or("")
        ))),
        None => Ok(()),
    }
}
