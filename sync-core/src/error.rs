//! The one error enum of `sync-core`. Every variant names what was wrong and,
//! where there is one, the field and the rule, so a device can show it.

use crate::ids::DeviceId;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    #[error("{kind} `{value}` is not a valid id (expected 8-4-4-4-12 lowercase hex)")]
    InvalidId { kind: &'static str, value: String },

    // ---- envelope and encoding
    #[error("operation bytes are malformed: {0}")]
    Malformed(String),
    #[error(
        "operation encoding is not canonical: re-encoding the decoded operation gives different bytes"
    )]
    NonCanonical,
    #[error("unsupported operation format version {0}")]
    UnsupportedVersion(u8),

    // ---- identity
    #[error(
        "signature of operation {device}#{seq} does not verify against the device's key: the operation was altered or forged"
    )]
    BadSignature { device: DeviceId, seq: u64 },
    #[error("device {0} is unknown: it was never enrolled, so its operations cannot be trusted")]
    UnknownDevice(DeviceId),
    #[error("the public key bytes are not a valid ed25519 key")]
    BadKey,

    // ---- chain
    #[error("gap in the chain of device {device}: expected sequence {expected}, got {got}")]
    ChainGap {
        device: DeviceId,
        expected: u64,
        got: u64,
    },
    #[error(
        "fork in the chain of device {device} at sequence {seq}: two different operations claim that place"
    )]
    ChainFork { device: DeviceId, seq: u64 },
    #[error("replay: operation {device}#{seq} was already applied")]
    Replay { device: DeviceId, seq: u64 },
    #[error(
        "operation {device}#{seq} does not link to the hash of that device's previous operation"
    )]
    BrokenLink { device: DeviceId, seq: u64 },
    #[error("sequence numbers start at 1; got 0 from device {0}")]
    ZeroSequence(DeviceId),

    // ---- clock
    #[error(
        "clock stamp {stamp_ms} ms is {ahead_ms} ms ahead of this replica's clock (limit {limit_ms} ms): refused, not trusted"
    )]
    ClockTooFarAhead {
        stamp_ms: u64,
        ahead_ms: u64,
        limit_ms: u64,
    },

    // ---- domain rules: `field` names what was wrong, `rule` says what must hold
    #[error("{field}: {rule}")]
    Invalid { field: String, rule: String },
    #[error("permission denied: role {role} may not {action}")]
    Forbidden { role: String, action: String },
    #[error("{0}")]
    Conflict(String),
    /// A read behind a rule check failed: the op is refused, not waved through.
    #[error("the rule check could not read the state it needs: {0}")]
    Storage(String),
}

impl CoreError {
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        CoreError::Invalid {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
