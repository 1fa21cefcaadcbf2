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
//!   peer's clock is not trusted); a refusal coded `clock_skew` is answered
//!   by calibrating from the hub's `Date` header and retrying once.
//! - **Replays**: every request carries a distinct time, and a peer takes a
//!   signed request once; a refusal coded `replayed` means a copy made on the
//!   way was answered (or the peer restarted since the request was signed),
//!   so the request is asked again, freshly signed, after a moment (up to
//!   [`MAX_REPLAY_RETRIES`] times). The client acts on refusal codes
//!   (`http_edge::Code`), never on a message's words.
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

use rusqlite::Connection;
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
use crate::store::{self, sync as ss};

/// Ops per push batch.
pub const PUSH_BATCH: u32 = 500;
/// Ops per pull page.
pub const PULL_PAGE: u32 = 500;
/// Largest page a LAN peer serves.
pub const MAX_PULL_PAGE: u32 = 1000;
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

pub use crate::peers::{SyncSignal, peer_key};

use http_edge::blocking;

mod client;
mod compression;
mod enrollment;
mod http_date;
mod lan;
mod receiving;
mod run_loop;
mod settle;
mod status;

pub use client::*;
pub use compression::*;
pub use enrollment::*;
pub use http_date::*;
pub use lan::*;
pub use receiving::*;
pub use run_loop::*;
use settle::*;
pub use status::*;

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
