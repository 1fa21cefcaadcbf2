//! The one error enum of `branch-node`. Every variant maps to an HTTP status
//! and a JSON body that names the field and the rule where there is one.

use http_edge::{Code, Refusal};
use serde_json::Value;
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
    #[error("export failed: {0}")]
    Export(#[from] sheets::Error),
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

    /// This error as the HTTP edge refuses it: status, code (one set for
    /// device and hub), message, field and rule.
    pub fn refusal(&self) -> Refusal {
        let r = |status, code| Refusal::new(status, code, self.to_string());
        match self {
            NodeError::Rule(c) => Refusal::from_core(c),
            NodeError::NotFound(_) => r(404, Code::NotFound),
            NodeError::Unauthorized => r(401, Code::Unauthorized),
            NodeError::WrongPin { .. } => r(401, Code::WrongPin),
            NodeError::Locked { seconds } => r(423, Code::LockedOut).retry_after(*seconds),
            NodeError::NotInitialized => r(409, Code::NotInitialized),
            NodeError::Setup(_) => r(409, Code::Setup),
            NodeError::Crypto(_) => r(422, Code::CannotDecrypt),
            NodeError::Network(_) => r(502, Code::PeerUnreachable),
            NodeError::Peer { .. } => r(502, Code::PeerError),
            _ => r(500, Code::Internal),
        }
    }

    /// HTTP status for this error.
    pub fn status(&self) -> u16 {
        self.refusal().status
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        self.refusal().code.as_str()
    }

    pub fn to_json(&self) -> Value {
        self.refusal().to_json()
    }
}

impl From<NodeError> for Refusal {
    fn from(e: NodeError) -> Refusal {
        e.refusal()
    }
}

impl From<http_edge::blocking::WorkerFailed> for NodeError {
    fn from(e: http_edge::blocking::WorkerFailed) -> Self {
        NodeError::Io(std::io::Error::other(e))
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
