//! The branch node running inside the app: its HTTP server (API and web UI)
//! on an ephemeral loopback port, and its background sync loop when it has
//! a hub or LAN peers, both stopped together. Mirrors `branch-node serve`.

use std::sync::Arc;
use std::time::Duration;

use branch_node::node::Node;
use tauri::async_runtime::{self, JoinHandle};
use tokio::sync::watch;

use crate::error::AppError;

/// How long a stop waits for the server and a sync in flight.
const STOP_GRACE: Duration = Duration::from_secs(5);

pub struct Embedded {
    pub node: Arc<Node>,
    /// `http://127.0.0.1:<port>/`: the local web UI.
    pub url: String,
    /// The hub and LAN peers the sync loop works with (empty: no loop).
    pub peers: Vec<String>,
    pub hub_url: Option<String>,
    /// Made by `branch-node init`, its own root of trust.
    pub standalone: bool,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Embedded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedded")
            .field("device", &self.node.device)
            .field("url", &self.url)
            .field("peers", &self.peers)
            .finish()
    }
}

/// Resolves once `stop` is sent (or its sender dropped).
async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// Start serving `node` on 127.0.0.1 (a free port) and syncing it.
/// Must run on Tauri's (tokio) runtime.
pub async fn start(node: Arc<Node>) -> Result<Embedded, AppError> {
    let n = node.clone();
    // SQLite and the node's lock: off the async workers.
    let (peers, hub_url, standalone) = async_runtime::spawn_blocking(move || {
        Ok::<_, AppError>((n.sync_peers()?, n.hub_url()?, n.is_standalone()))
    })
    .await??;
    // Loopback only: the app's UI is for this machine (the LAN side of sync
    // and tablets use `branch-node serve` on a chosen address).
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let (stop, rx) = watch::channel(false);
    let mut tasks = vec![];
    let server_node = node.clone();
    let server_stop = stopped(rx.clone());
    tasks.push(async_runtime::spawn(async move {
        if let Err(e) = branch_node::api::serve(listener, server_node, server_stop).await {
            tracing::error!(error = %e, "local server stopped");
        }
    }));
    if !peers.is_empty() {
        tracing::info!(peers = %peers.join(", "), "syncing in the background");
        tasks.push(async_runtime::spawn(branch_node::sync::run_sync_loop(
            node.clone(),
            peers.clone(),
            stopped(rx),
        )));
    }
    tracing::info!(device = %node.device, "serving http://{addr}/");
    Ok(Embedded {
        node,
        url: format!("http://{addr}/"),
        peers,
        hub_url,
        standalone,
        stop,
        tasks,
    })
}

impl Embedded {
    /// Stop the server and the sync loop, waiting up to [`STOP_GRACE`].
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let all = async {
            for t in self.tasks {
                let _ = t.await;
            }
        };
        if tokio::time::timeout(STOP_GRACE, all).await.is_err() {
            tracing::warn!("the local server or sync did not stop in time");
        }
    }
}
