//! The one error enum of `branch-node`. Every variant maps to an HTTP status
//! and a JSON body that names the field and the rule where there is one.

use serde_json::{Value, json};
use sync_core::CoreError;

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    Rule(#[from] CoreError),
    #[error("{0} not found")]
    NotFound(String),
    #[error("not logged in, or the session expired: log in again")]
    Unauthorized,
    #[error("wrong PIN: {left} attempts left before the account locks")]
    WrongPin { left: u32 },
    #[error("account locked after repeated wrong PINs; try again in {seconds} s or ask a manager")]
    Locked { seconds: u64 },
    #[error(
        "this device is not set up yet: run `branch-node init` (standalone) or `branch-node enroll`"
    )]
    NotInitialized,
    #[error("{0}")]
    Setup(String),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error(transparent)]
    Schema(#[from] schema::SchemaError),
    #[error(transparent)]
    Replica(sqlite_replica::ReplicaError),
    #[error("key file: {0}")]
    Keys(String),
    #[error("the stored secret does not open: {0}")]
    Crypto(String),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A sync request that is not signed by a known device, or signed badly.
    #[error("request is not signed by an enrolled device of this branch: {0}")]
    PeerAuth(String),
    /// A signed sync request from a device that may not sync here.
    #[error("this device may not sync here: {0}")]
    PeerForbidden(String),
    /// A peer (the hub or a LAN device) could not be reached.
    #[error("cannot reach {0}")]
    Network(String),
    /// A peer answered with an error; `message` is its own explanation.
    #[error("{peer} answered {status}: {message}")]
    Peer {
        peer: String,
        status: u16,
        message: String,
    },
}

impl NodeError {
    pub fn invalid(field: &str, rule: impl Into<String>) -> Self {
        NodeError::Rule(CoreError::invalid(field, rule))
    }

    /// HTTP status for this error.
    pub fn status(&self) -> u16 {
        match self {
            NodeError::Rule(CoreError::Forbidden { .. }) => 403,
            NodeError::Rule(CoreError::Conflict(_)) => 409,
            NodeError::Rule(CoreError::UnknownDevice(_)) => 403,
            NodeError::Rule(_) => 422,
            NodeError::NotFound(_) => 404,
            NodeError::Unauthorized | NodeError::WrongPin { .. } => 401,
            NodeError::Locked { .. } => 423,
            NodeError::NotInitialized | NodeError::Setup(_) => 409,
            NodeError::Crypto(_) => 422,
            NodeError::PeerAuth(_) => 401,
            NodeError::PeerForbidden(_) => 403,
            NodeError::Network(_) | NodeError::Peer { .. } => 502,
            _ => 500,
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            NodeError::Rule(CoreError::Forbidden { .. }) => "forbidden",
            NodeError::Rule(CoreError::Conflict(_)) => "conflict",
            NodeError::Rule(CoreError::Invalid { .. }) => "invalid",
            NodeError::Rule(_) => "rejected",
            NodeError::NotFound(_) => "not_found",
            NodeError::Unauthorized => "unauthorized",
            NodeError::WrongPin { .. } => "wrong_pin",
            NodeError::Locked { .. } => "locked",
            NodeError::NotInitialized => "not_initialized",
            NodeError::Setup(_) => "setup",
            NodeError::Crypto(_) => "cannot_decrypt",
            NodeError::PeerAuth(_) => "unauthorized",
            NodeError::PeerForbidden(_) => "forbidden",
            NodeError::Network(_) => "peer_unreachable",
            NodeError::Peer { .. } => "peer_error",
            _ => "internal",
        }
    }

    pub fn to_json(&self) -> Value {
        let mut e = json!({ "code": self.code(), "message": self.to_string() });
        if let NodeError::Rule(CoreError::Invalid { field, rule }) = self {
            e["field"] = json!(field);
            e["rule"] = json!(rule);
        }
        json!({ "error": e })
    }
}

pub type Result<T, E = NodeError> = std::result::Result<T, E>;

impl From<sqlite_replica::ReplicaError> for NodeError {
    fn from(e: sqlite_replica::ReplicaError) -> Self {
        match e {
            sqlite_replica::ReplicaError::Rule(c) => NodeError::Rule(c),
            sqlite_replica::ReplicaError::Db(d) => NodeError::Db(d),
            other => NodeError::Replica(other),
        }
    }
}
