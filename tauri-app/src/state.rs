//! What the app knows about its device: the database path and which phase
//! it is in (not set up, running, or failed to open), plus the screen the
//! web UI last reported. Managed as Tauri state; the commands read it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::embedded::Embedded;
use crate::error::AppError;

#[derive(Debug)]
pub enum Phase {
    /// No database: the enrollment page asks for a hub and a code.
    NotSetUp,
    /// The branch node is open and serving the local UI.
    Running(Embedded),
    /// The database exists but could not be opened or served.
    Failed(AppError),
}

#[derive(Debug)]
pub struct AppState {
    pub db: PathBuf,
    /// Held by whoever is changing the phase (opening at start, enrolling),
    /// so `device_state` waits for the outcome instead of seeing a
    /// half-started device.
    phase: Arc<AsyncMutex<Phase>>,
    screen: Mutex<Option<String>>,
}

/// What `device_state` answers (camelCase for the page's JavaScript).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceState {
    /// "not_set_up", "running" or "failed".
    pub phase: &'static str,
    /// The device has its database (enrolled at a hub, or standalone).
    pub enrolled: bool,
    pub db_path: PathBuf,
    /// `http://127.0.0.1:<port>/` while running.
    pub local_ui_url: Option<String>,
    pub device_id: Option<String>,
    pub branch_id: Option<String>,
    /// The hub it syncs with; none for a standalone device.
    pub hub_url: Option<String>,
    /// Its own root of trust (made by `branch-node init`), not enrolled at a hub.
    pub standalone: Option<bool>,
    /// The screen the UI last reported through `screen_shown`.
    pub screen: Option<String>,
    /// Why it failed (the commands' error shape).
    pub error: Option<Value>,
}

/// True if `db` or its key file exists: then the device is set up (or half
/// set up, which must be opened and reported, never enrolled over).
pub fn has_device(db: &Path) -> bool {
    db.exists() || branch_node::keys::path_for(db).exists()
}

impl AppState {
    pub fn new(db: PathBuf) -> AppState {
        AppState {
            db,
            phase: Arc::new(AsyncMutex::new(Phase::NotSetUp)),
            screen: Mutex::new(None),
        }
    }

    /// Take the phase for a change (waits for one in progress).
    pub async fn lock(&self) -> OwnedMutexGuard<Phase> {
        self.phase.clone().lock_owned().await
    }

    /// Take the phase now, at start-up, before anyone else can ask.
    pub fn try_lock(&self) -> Option<OwnedMutexGuard<Phase>> {
        self.phase.clone().try_lock_owned().ok()
    }

    pub fn set_screen(&self, screen: &str) {
        *self.screen.lock().unwrap_or_else(|p| p.into_inner()) = Some(screen.to_string());
    }

    pub fn screen(&self) -> Option<String> {
        self.screen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The device's state as the page sees it.
    pub fn describe(&self, phase: &Phase) -> DeviceState {
        let mut s = DeviceState {
            phase: "not_set_up",
            enrolled: false,
            db_path: self.db.clone(),
            local_ui_url: None,
            device_id: None,
            branch_id: None,
            hub_url: None,
            standalone: None,
            screen: self.screen(),
            error: None,
        };
        match phase {
            Phase::NotSetUp => {}
            Phase::Running(e) => {
                s.phase = "running";
                s.enrolled = true;
                s.local_ui_url = Some(e.url.clone());
                s.device_id = Some(e.node.device.to_string());
                s.branch_id = Some(e.node.branch.to_string());
                s.standalone = Some(e.standalone);
                s.hub_url = e.hub_url.clone();
            }
            Phase::Failed(err) => {
                s.phase = "failed";
                s.enrolled = true;
                s.error = Some(err.to_json());
            }
        }
        s
    }
}
