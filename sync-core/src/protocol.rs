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

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// Wire bytes of each operation, hex.
    pub ops: Vec<String>,
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
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    pub cursor: u64,
    pub limit: u32,
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
