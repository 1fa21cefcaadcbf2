//! The app's error type and the one JSON shape every command error takes,
//! `{"error": {"code", "message", ["field", "rule"]}}`: the same as the
//! branch node's HTTP API, so one piece of page code shows both.

use branch_node::error::NodeError;
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Node(#[from] NodeError),
    /// The device already has a database: enrolling again would replace its
    /// identity (a new device is enrolled on a new database).
    #[error("this device is already set up ({0}); enrolling again is refused")]
    AlreadySetUp(String),
    /// The database exists but could not be opened: enrollment is refused
    /// (it would overwrite it) and the UI is not started.
    #[error("the device database could not be opened: {0}")]
    OpenFailed(String),
    #[error("{field}: {rule}")]
    Invalid { field: &'static str, rule: String },
    #[error("cannot start the local server: {0}")]
    Io(#[from] std::io::Error),
    #[error("window: {0}")]
    Tauri(#[from] tauri::Error),
    #[error("a background task failed: {0}")]
    Task(String),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Node(e) => e.code(),
            AppError::AlreadySetUp(_) => "already_set_up",
            AppError::OpenFailed(_) => "open_failed",
            AppError::Invalid { .. } => "invalid",
            AppError::Io(_) | AppError::Tauri(_) | AppError::Task(_) => "internal",
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            AppError::Node(e) => e.to_json(),
            AppError::Invalid { field, rule } => json!({"error": {
                "code": self.code(), "message": self.to_string(), "field": field, "rule": rule,
            }}),
            _ => json!({"error": {"code": self.code(), "message": self.to_string()}}),
        }
    }
}

impl serde::Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}
