//! What the node and the sync engine share about peers, below both: the key
//! a peer is known by, and the signal that wakes the sync loop after a local
//! write. (Kept out of `sync` so that `node` does not depend on it.)

use sync_core::protocol;

/// Held by [`crate::Node`]: wakes the sync loop after a local write, and lets one
/// sync run at a time per device.
#[derive(Default)]
pub struct SyncSignal {
    pub(crate) notify: tokio::sync::Notify,
    pub(crate) gate: tokio::sync::Mutex<()>,
    /// Signed requests this device has taken from LAN peers (see
    /// [`protocol::ReplayGuard`]).
    pub(crate) replays: std::sync::Mutex<protocol::ReplayGuard>,
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
