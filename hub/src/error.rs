//! The one error enum of `hub`, with its HTTP status and JSON body.

use http_edge::{Code, Refusal};
use serde_json::Value;
use sync_core::CoreError;

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error(transparent)]
    Rule(#[from] CoreError),
    #[error("{0} not found")]
    NotFound(String),
    #[error("request is not signed by an enrolled, active device: {0}")]
    Unauthorized(String),
    #[error("this device has been revoked: {0}")]
    Revoked(String),
    #[error("this signed request was already received (a replay): sign every request afresh")]
    Replayed,
    #[error("body: the request is larger than {0} bytes; send smaller batches")]
    TooLarge(usize),
    #[error("too many requests from this device; retry after {0} s")]
    RateLimited(u64),
    #[error("log in first: the owner's dashboard and reports need a session (POST /login)")]
    LoginRequired,
    #[error("wrong name or PIN: {left} more wrong PINs lock this name for 15 minutes")]
    WrongPin { left: u32 },
    #[error("too many wrong PINs for this name: try again in {0} s")]
    LockedOut(u64),
    #[error("the hub is locked: start it with HUB_PASSPHRASE (the owner's passphrase) to {0}")]
    Locked(&'static str),
    #[error("{0}")]
    Setup(String),
    #[error(
        "the hub was restored from a backup and waits for these devices to send what it lost before it signs in their chain: {0}; sync them (or, for a device that is gone, `hub recovery release <device>`)"
    )]
    Recovering(String),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error(transparent)]
    Schema(#[from] schema::SchemaError),
    #[error(transparent)]
    Replica(sqlite_replica::ReplicaError),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("export failed: {0}")]
    Export(#[from] sheets::Error),
    #[error("{field}: {rule}")]
    Unsupported { field: &'static str, rule: String },
}

impl From<sqlite_replica::ReplicaError> for HubError {
    fn from(e: sqlite_replica::ReplicaError) -> Self {
        match e {
            sqlite_replica::ReplicaError::Rule(c) => HubError::Rule(c),
            sqlite_replica::ReplicaError::Db(d) => HubError::Db(d),
            other => HubError::Replica(other),
        }
    }
}

impl HubError {
    pub fn invalid(field: &str, rule: impl Into<String>) -> Self {
        HubError::Rule(CoreError::invalid(field, rule))
    }

    /// This error as the HTTP edge refuses it: status, code (one set for
    /// device and hub), message, field and rule.
    pub fn refusal(&self) -> Refusal {
        let r = |status, code| Refusal::new(status, code, self.to_string());
        match self {
            HubError::Rule(c) => Refusal::from_core(c),
            HubError::NotFound(_) => r(404, Code::NotFound),
            HubError::Unauthorized(_) | HubError::LoginRequired => r(401, Code::Unauthorized),
            HubError::WrongPin { .. } => r(401, Code::WrongPin),
            HubError::Replayed => r(401, Code::Replayed),
            HubError::Revoked(_) => r(403, Code::Revoked),
            HubError::RateLimited(secs) => r(429, Code::RateLimited).retry_after(*secs),
            HubError::LockedOut(secs) => r(429, Code::LockedOut).retry_after(*secs),
            HubError::TooLarge(_) => r(413, Code::TooLarge),
            HubError::Unsupported { field, rule } => Refusal {
                field: Some(field.to_string()),
                rule: Some(rule.clone()),
                ..r(415, Code::UnsupportedMediaType)
            },
            HubError::Locked(_) => r(503, Code::HubLocked),
            HubError::Setup(_) => r(409, Code::Setup),
            HubError::Recovering(_) => r(503, Code::Recovering).retry_after(30),
            _ => r(500, Code::Internal),
        }
    }

    pub fn status(&self) -> u16 {
        self.refusal().status
    }

    pub fn to_json(&self) -> Value {
        self.refusal().to_json()
    }
}

impl From<HubError> for Refusal {
    fn from(e: HubError) -> Refusal {
        e.refusal()
    }
}

impl From<http_edge::blocking::WorkerFailed> for HubError {
    fn from(e: http_edge::blocking::WorkerFailed) -> Self {
        HubError::Io(std::io::Error::other(e))
    }
}

pub type Result<T, E = HubError> = std::result::Result<T, E>;
