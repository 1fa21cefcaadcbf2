//! The sync protocol: a few plain types, the same between a device and the
//! hub and between two devices on the shop LAN.
//!
//! - `POST /sync/push` — a batch of signed operations (wire bytes, hex) in
//!   causal order; the answer gives a verdict per operation: accepted,
//!   duplicate (already held: not an error), waiting (its causal past has not
//!   arrived), or rejected with the rule it broke. Rejected operations keep
//!   their place in their device's chain and are never silently dropped.
//! - `POST /sync/pull` — the operations the caller may see after its cursor,
//!   paginated; rejected ones come marked as such.
//! - `POST /sync/lease` — a block of an invoice series for the caller.
//! - `POST /enroll` — redeem a one-time enrollment code.
//!
//! Every sync request is signed by the calling device: headers
//! [`H_DEVICE`], [`H_TIME`] and [`H_SIGNATURE`] over [`request_signing_bytes`].
//! A relayed operation keeps its author's signature, so it reaches the hub
//! exactly once whoever carries it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::body::Lease;
use crate::domain::invoice_no::DocType;
use crate::identity::PublicKey;
use crate::ids::{BranchId, DeviceId, UserId};
use crate::seal::Sealed;

pub const PUSH: &str = "/sync/push";
pub const PULL: &str = "/sync/pull";
pub const LEASE: &str = "/sync/lease";
pub const ENROLL: &str = "/enroll";
pub const H_DEVICE: &str = "x-device";
pub const H_TIME: &str = "x-time";
pub const H_SIGNATURE: &str = "x-signature";
/// Largest push batch, in operations.
pub const MAX_BATCH: usize = 1000;

/// What the device signs for a request.
pub fn request_signing_bytes(method: &str, path: &str, time_ms: u64, body: &[u8]) -> Vec<u8> {
    format!(
        "RSREQ1\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        path,
        time_ms,
        hex::encode(Sha256::digest(body))
    )
    .into_bytes()
}

/// How far a signed request's time may be from the receiver's clock. Older
/// requests are refused outright; newer ones are held by a [`ReplayGuard`].
pub const MAX_CLOCK_SKEW_MS: u64 = 5 * 60 * 1000;

/// The signed requests a receiver has accepted within the clock window, so
/// the same signed request presented twice is refused the second time.
///
/// A replayed push would be harmless (every operation in it is a duplicate)
/// but a replayed request still costs a verify and a store round trip, and
/// "the hub took the same signed request twice" is not something to explain
/// to an auditor. Ed25519 signatures are deterministic, so the signature
/// names the request: device key, method, path, time and body digest.
/// Entries older than the window are dropped: such a request is refused by
/// its time before it gets here. The set lives in memory, so a guard made at
/// start-up ([`ReplayGuard::starting_at`]) also refuses what was signed
/// before the receiver started: it cannot tell those from replays (a device
/// in the middle of a request at the restart asks again, freshly signed).
/// Pure data: the caller passes its clock.
#[derive(Debug, Default)]
pub struct ReplayGuard {
    seen: std::collections::HashMap<[u8; 64], u64>,
    prune_at: usize,
    started_ms: u64,
}

impl ReplayGuard {
    /// A guard for a receiver starting at `now_ms`.
    pub fn starting_at(now_ms: u64) -> ReplayGuard {
        ReplayGuard {
            started_ms: now_ms,
            ..ReplayGuard::default()
        }
    }

    /// Record a verified request signed at `time_ms`; `false` when this very
    /// signed request was already recorded (a replay), or was signed before
    /// this guard started.
    pub fn first_sight(&mut self, signature: [u8; 64], time_ms: u64, now_ms: u64) -> bool {
        if time_ms < self.started_ms {
            return false;
        }
        if self.seen.len() >= self.prune_at {
            self.seen
                .retain(|_, t| now_ms.abs_diff(*t) <= MAX_CLOCK_SKEW_MS);
            // Amortized: prune again only once the set has doubled.
            self.prune_at = (2 * self.seen.len()).max(1024);
        }
        match self.seen.entry(signature) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(time_ms);
                true
            }
        }
    }

    /// Requests held.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// The times a device puts on its requests: its clock, but strictly
/// increasing, so no two requests it signs are the same bytes (two lease
/// requests in one millisecond would otherwise sign alike, and the second
/// would be refused as a replay).
#[derive(Debug, Default)]
pub struct RequestClock(std::sync::atomic::AtomicU64);

impl RequestClock {
    /// The time for the next request, given the clock now. A clock set back
    /// by more than [`RequestClock::CATCH_UP_MS`] (calibrated to the hub's)
    /// is followed at once rather than outrun, or every request would carry
    /// the wrong time it was corrected from.
    pub fn next(&self, now_ms: u64) -> u64 {
        use std::sync::atomic::Ordering;
        let step = |last: u64| {
            if last >= now_ms && last - now_ms < Self::CATCH_UP_MS {
                last + 1
            } else {
                now_ms
            }
        };
        let prev = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |last| Some(step(last)))
            .unwrap_or_else(|v| v);
        step(prev)
    }

    /// How far ahead of the clock a burst of requests may run: well inside
    /// the receiver's clock window ([`MAX_CLOCK_SKEW_MS`]), and above what a
    /// burst reaches (a thousand requests a second for a minute). Falling
    /// back to the clock sooner would sign a time already used, and a
    /// repeated request (an idle poll) would then be refused as a replay.
    /// A calibration moves the clock back by more than this.
    pub const CATCH_UP_MS: u64 = 60_000;
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// Wire bytes of each operation, hex.
    pub ops: Vec<String>,
    /// Sent with the last batch of a device's full re-send to a hub restored
    /// from a backup: the hub's incarnation ([`HubLife`]) to which this
    /// device has now sent everything it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resynced: Option<String>,
}

/// Which life of the hub answered. A hub restored from a backup starts a
/// new one, and may have lost what it acknowledged after the backup was
/// taken: a device seeing a new incarnation sends everything again and
/// rewinds its pull cursor to `restored_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubLife {
    /// Random; new at every restore.
    pub incarnation: String,
    /// The last log position the backup held: the restored hub numbers
    /// what comes after it afresh. None for a hub never restored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored_at: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accepted,
    Duplicate,
    Waiting,
    Rejected,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpVerdict {
    pub device: DeviceId,
    pub seq: u64,
    pub verdict: Verdict,
    /// For a rejection: the field and rule it broke, to show the user.
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<OpVerdict>,
    /// The hub's clock, for the device's HLC calibration.
    pub hub_time_ms: u64,
    /// The hub's life (a LAN peer sends none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<HubLife>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    pub cursor: u64,
    pub limit: u32,
    /// Ask for the digest of the branch's state with the last page.
    #[serde(default)]
    pub digest: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PulledOp {
    pub lsn: u64,
    pub wire: String,
    pub rejected: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PullResponse {
    pub ops: Vec<PulledOp>,
    pub next_cursor: u64,
    pub more: bool,
    pub hub_time_ms: u64,
    /// The digest of the puller's branch state here (`sqlite_replica::
    /// digest`), with the last page when asked: once the puller has applied
    /// the page, equal digests prove the two hold the same state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_digest: Option<String>,
    /// The hub's life (a LAN peer sends none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<HubLife>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaseRequest {
    pub doc_type: DocType,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LeaseResponse {
    pub lease: Lease,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub code: String,
    pub device: DeviceId,
    pub public_key: PublicKey,
}

/// What a new device needs: the root of trust, its branch, and the branch key
/// wrapped under the secret half of its one-time code.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub owner: UserId,
    pub hub_device: DeviceId,
    pub hub_key: PublicKey,
    pub branch: BranchId,
    pub holds_store: bool,
    pub wrapped_branch_key: Sealed,
    pub hub_time_ms: u64,
    /// The invoice-number blocks granted with the enrollment (a device that
    /// keeps the store gets one of each series). The same grants are ops in
    /// the branch's chain, so the first pull brings them as well; they are
    /// here so the enrolling side can say what it holds.
    #[serde(default)]
    pub leases: Vec<Lease>,
}

/// An enrollment code is `<id>-<secret>`: the hub keeps only a hash of the
/// whole code, and the branch key wrapped under a key derived from the
/// secret, so its database alone cannot unwrap it.
pub fn code_secret_key(code: &str) -> Option<[u8; 32]> {
    let (_, secret) = code.split_once('-')?;
    if secret.len() < 20 {
        return None;
    }
    Some(Sha256::digest(format!("enroll-secret:{secret}").as_bytes()).into())
}

pub fn code_hash(code: &str) -> [u8; 32] {
    Sha256::digest(format!("enroll-code:{code}").as_bytes()).into()
}

#[cfg(test)]
mod replay_tests {
    use super::*;

    #[test]
    fn request_times_never_repeat_even_within_a_millisecond() {
        let c = RequestClock::default();
        let a = c.next(1000);
        let b = c.next(1000);
        let d = c.next(999);
        assert_eq!((a, b, d), (1000, 1001, 1002));
        assert_eq!(
            c.next(500_000),
            500_000,
            "follows the clock when it is ahead"
        );
        assert_eq!(
            c.next(500_000 - RequestClock::CATCH_UP_MS - 1),
            500_000 - RequestClock::CATCH_UP_MS - 1,
            "a clock set back is followed, not outrun"
        );
    }

    #[test]
    fn a_burst_of_requests_never_signs_one_time_twice() {
        let c = RequestClock::default();
        let times: std::collections::BTreeSet<u64> =
            (0..20_000).map(|_| c.next(1_000_000)).collect();
        assert_eq!(times.len(), 20_000, "a time was used twice within a burst");
    }

    #[test]
    fn what_was_signed_before_the_receiver_started_is_refused() {
        let start = 10 * MAX_CLOCK_SKEW_MS;
        let mut g = ReplayGuard::starting_at(start);
        assert!(!g.first_sight([1; 64], start - 1, start + 5));
        assert!(g.first_sight([2; 64], start, start + 5));
    }

    #[test]
    fn the_same_signed_request_is_taken_once() {
        let mut g = ReplayGuard::default();
        let now = 10 * MAX_CLOCK_SKEW_MS;
        assert!(g.first_sight([1; 64], now, now));
        assert!(!g.first_sight([1; 64], now, now + 1));
        assert!(g.first_sight([2; 64], now, now + 1));
    }

    #[test]
    fn entries_outside_the_window_are_dropped_not_the_ones_inside() {
        let mut g = ReplayGuard::default();
        let start = 10 * MAX_CLOCK_SKEW_MS;
        let mut sig = [0u8; 64];
        for i in 0..2000u32 {
            sig[..4].copy_from_slice(&i.to_le_bytes());
            assert!(g.first_sight(sig, start, start));
        }
        // Past the window: the old ones go at the next prune.
        let later = start + MAX_CLOCK_SKEW_MS + 1;
        let mut fresh = [9u8; 64];
        for i in 0..2000u32 {
            fresh[..4].copy_from_slice(&i.to_le_bytes());
            assert!(g.first_sight(fresh, later, later));
        }
        assert!(g.len() < 4000, "old entries were never pruned: {}", g.len());
        // The fresh ones are still held.
        fresh[..4].copy_from_slice(&5u32.to_le_bytes());
        assert!(!g.first_sight(fresh, later, later));
    }
}
