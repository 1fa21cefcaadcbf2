//! Per-device hash chains. Each device numbers its operations 1, 2, 3… and
//! links each to the hash of the one before, so a gap (a missing op), a fork
//! (two different ops at one place) and a replay (an op sent again) are each
//! detected and named.

use crate::error::CoreError;
use crate::op::{Op, OpHash};

/// What a replica remembers of one device's chain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChainHead {
    /// Highest sequence number accepted (0 before the first).
    pub seq: u64,
    /// Hash of that operation (zeros before the first).
    pub hash: OpHash,
}

/// Where an operation fits in its device's chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// The next one: apply it.
    Next,
    /// Already have it (same hash at that place): harmless duplicate.
    Duplicate,
}

/// Check `op` (with its wire hash `hash`) against the chain head. `hash_at`
/// gives the stored hash of an earlier sequence number, to tell a replay of an
/// op we have from a fork that tries to rewrite history.
pub fn check(
    head: ChainHead,
    op: &Op,
    hash: OpHash,
    hash_at: impl Fn(u64) -> Option<OpHash>,
) -> Result<Fit, CoreError> {
    let (device, seq) = (op.id.device, op.id.seq);
    if seq == 0 {
        return Err(CoreError::ZeroSequence(device));
    }
    if seq <= head.seq {
        return match hash_at(seq) {
            Some(h) if h == hash => Ok(Fit::Duplicate),
            _ => Err(CoreError::ChainFork { device, seq }),
        };
    }
    if seq > head.seq + 1 {
        return Err(CoreError::ChainGap {
            device,
            expected: head.seq + 1,
            got: seq,
        });
    }
    if op.prev != head.hash {
        return Err(CoreError::BrokenLink { device, seq });
    }
    Ok(Fit::Next)
}

/// Strict variant for a stream that must not repeat itself (one push batch):
/// a duplicate is reported as a replay.
pub fn check_no_replay(
    head: ChainHead,
    op: &Op,
    hash: OpHash,
    hash_at: impl Fn(u64) -> Option<OpHash>,
) -> Result<(), CoreError> {
    match check(head, op, hash, hash_at)? {
        Fit::Next => Ok(()),
        Fit::Duplicate => Err(CoreError::Replay {
            device: op.id.device,
            seq: op.id.seq,
        }),
    }
}
