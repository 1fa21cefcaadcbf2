//! The one error enum of `hub`, with its HTTP status and JSON body.

use serde_json::{Value, json};
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
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error(transparent)]
    Schema(#[from] schema::SchemaError),
    #[error(transparent)]
    Replica(sqlite_replica::ReplicaError),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("export failed: {0}")]
    Export(String),
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

    pub fn status(&self) -> u16 {
        match self {
            HubError::Rule(CoreError::Forbidden { .. }) => 403,
            HubError::Rule(CoreError::Conflict(_)) => 409,
            HubError::Rule(_) => 422,
            HubError::NotFound(_) => 404,
            HubError::Unauthorized(_)
            | HubError::Replayed
            | HubError::LoginRequired
            | HubError::WrongPin { .. } => 401,
            HubError::Revoked(_) => 403,
            HubError::RateLimited(_) | HubError::LockedOut(_) => 429,
            HubError::TooLarge(_) => 413,
            HubError::Unsupported { .. } => 415,
            HubError::Locked(_) => 503,
            HubError::Setup(_) => 409,
            _ => 500,
        }
    }

    pub fn to_json(&self) -> Value {
        let code = match self {
            HubError::Rule(CoreError::Invalid { .. }) => "invalid",
            HubError::Rule(CoreError::Forbidden { .. }) => "forbidden",
            HubError::Rule(_) => "rejected",
            HubError::NotFound(_) => "not_found",
            HubError::Unauthorized(_) | HubError::LoginRequired => "unauthorized",
            HubError::WrongPin { .. } => "wrong_pin",
            HubError::LockedOut(_) => "locked_out",
            HubError::Replayed => "replayed",
            HubError::Revoked(_) => "revoked",
            HubError::RateLimited(_) => "rate_limited",
            HubError::TooLarge(_) => "too_large",
            HubError::Unsupported { .. } => "unsupported_media_type",
            HubError::Locked(_) => "locked",
            HubError::Setup(_) => "setup",
            _ => "internal",
        };
        let mut e = json!({ "code": code, "message": self.to_string() });
        match self {
            HubError::Rule(CoreError::Invalid { field, rule }) => {
                e["field"] = json!(field);
                e["rule"] = json!(rule);
            }
            HubError::Unsupported { field, rule } => {
                e["field"] = json!(field);
                e["rule"] = json!(rule);
            }
            _ => {}
        }
        json!({ "error": e })
    }
}

pub type Result<T, E = HubError> = std::result::Result<T, E>;
