//! The app's Tauri commands, called from the bundled enrollment page and
//! from the shared web UI (`window.__TAURI__.core.invoke`). Which page may
//! call which is in `capabilities/`; `build.rs` lists the commands.

use std::sync::Arc;

use tauri::{Manager, Runtime, State, Url, WebviewWindow};

use crate::error::AppError;
use crate::state::{AppState, DeviceState, Phase, has_device};
use crate::{MAIN_WINDOW, embedded};

/// The title prefix; `screen_shown` appends the screen's name.
pub const TITLE: &str = "Repair Desk";
/// Longest screen name taken (it goes into the window title and the log).
const MAX_SCREEN: usize = 64;

/// Is the device set up, where is its database, where is the local UI,
/// which device is it. Waits while the app is opening or enrolling it.
#[tauri::command]
pub async fn device_state(state: State<'_, AppState>) -> Result<DeviceState, AppError> {
    let phase = state.lock().await;
    Ok(state.describe(&phase))
}

/// Enroll this new device at `hub_url` with the owner's one-time `code`,
/// then start the branch node and show the local UI in the main window.
/// Refused if the device already has a database. On failure nothing is
/// left behind (`branch_node::sync::enroll` removes a half-made database).
#[tauri::command]
pub async fn enroll<R: Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    hub_url: String,
    code: String,
) -> Result<DeviceState, AppError> {
    let mut phase = state.lock().await;
    if !matches!(*phase, Phase::NotSetUp) || has_device(&state.db) {
        return Err(AppError::AlreadySetUp(state.db.display().to_string()));
    }
    let hub_url = hub_url.trim().to_string();
    // Say which field is wrong here rather than as an unreachable host.
    match Url::parse(&hub_url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
        _ => {
            return Err(AppError::Invalid {
                field: "hubUrl",
                rule: "give the hub's address, like http://hub.local:7400".into(),
            });
        }
    }
    if let Some(dir) = state.db.parent().filter(|d| !d.as_os_str().is_empty()) {
        let dir = dir.to_path_buf();
        tauri::async_runtime::spawn_blocking(move || std::fs::create_dir_all(dir)).await??;
    }
    let node: Arc<_> = branch_node::sync::enroll(&state.db, &hub_url, &code).await?;
    tracing::info!(device = %node.device, hub = %hub_url, "enrolled");
    let running = embedded::start(node).await?;
    let url = running.url.clone();
    *phase = Phase::Running(running);
    show_local_ui(&app, &url)?;
    Ok(state.describe(&phase))
}

/// The web UI reports the screen it shows: the window title becomes
/// `Repair Desk · <screen>` and stdout gets `screen: <screen>` (what the
/// smoke test waits for). Returns the title.
#[tauri::command]
pub fn screen_shown<R: Runtime>(
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    screen: String,
) -> Result<String, AppError> {
    let screen = screen.trim();
    if screen.is_empty()
        || screen.chars().count() > MAX_SCREEN
        || screen.chars().any(char::is_control)
    {
        return Err(AppError::Invalid {
            field: "screen",
            rule: format!("a screen name of 1 to {MAX_SCREEN} printable characters"),
        });
    }
    let title = format!("{TITLE} · {screen}");
    window.set_title(&title)?;
    state.set_screen(screen);
    println!("screen: {screen}");
    Ok(title)
}

/// Point the main window at the branch node's local UI.
pub fn show_local_ui<R: Runtime>(app: &tauri::AppHandle<R>, url: &str) -> Result<(), AppError> {
    let url = Url::parse(url).map_err(|e| AppError::Task(format!("local UI address: {e}")))?;
    if let Some(w) = app.get_webview_window(MAIN_WINDOW) {
        w.navigate(url)?;
    }
    Ok(())
}
