//! The desktop app for branches and technicians (Tauri 2). It embeds the
//! branch node in-process: opens the device's database, serves the shared web
//! UI and API on a loopback port, syncs in the background, and shows that UI
//! in its window. A device without a database gets the bundled enrollment
//! page (`enroll/`) instead.
//!
//! Modules: `paths` (where the database is), `state` (the device's phase),
//! `embedded` (the node's server and sync loop), `commands` (what pages may
//! call), `error` (the error shape pages see).

pub mod commands;
pub mod embedded;
pub mod error;
pub mod paths;
pub mod state;

use std::path::PathBuf;
use std::sync::Arc;

use tauri::{
    App, AppHandle, Builder, Manager, RunEvent, Runtime, WebviewUrl, WebviewWindowBuilder,
};

use crate::error::AppError;
use crate::state::{AppState, Phase, has_device};

/// The one window; the capabilities grant it the commands.
pub const MAIN_WINDOW: &str = "main";

/// The compiled configuration, assets (the enrollment page) and ACL.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Everything but the runtime: state, commands, the start-up. The real app
/// passes `tauri::Builder::default()`, tests `tauri::test::mock_builder()`.
pub fn builder<R: Runtime>(builder: Builder<R>, db: PathBuf) -> Builder<R> {
    builder
        .manage(AppState::new(db))
        .invoke_handler(tauri::generate_handler![
            commands::device_state,
            commands::enroll,
            commands::screen_shown
        ])
        .setup(|app| {
            setup(app)?;
            Ok(())
        })
}

/// Show the main window on the bundled page and, if the device has a
/// database, open it and move the window to the local UI once it serves.
/// The page shows "opening…" meanwhile; `device_state` waits for the outcome.
fn setup<R: Runtime>(app: &mut App<R>) -> Result<(), AppError> {
    let state = app.state::<AppState>();
    // Taken before the window exists, so no page can see a half-started node.
    let guard = state
        .try_lock()
        .ok_or_else(|| AppError::Task("the device state is busy at start-up".into()))?;
    let db = state.db.clone();
    WebviewWindowBuilder::new(app, MAIN_WINDOW, WebviewUrl::App("index.html".into()))
        .title(commands::TITLE)
        .inner_size(1280.0, 800.0)
        .min_inner_size(800.0, 560.0)
        .build()?;
    if !has_device(&db) {
        tracing::info!(db = %db.display(), "no device database: showing enrollment");
        return Ok(()); // the guard drops: phase stays NotSetUp
    }
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        let mut phase = guard;
        match open(&handle, db).await {
            Ok(running) => *phase = Phase::Running(running),
            Err(e) => {
                tracing::error!(error = %e, "cannot start the device");
                *phase = Phase::Failed(e);
            }
        }
    });
    Ok(())
}

async fn open<R: Runtime>(app: &AppHandle<R>, db: PathBuf) -> Result<embedded::Embedded, AppError> {
    let node = tauri::async_runtime::spawn_blocking(move || branch_node::Node::open(&db))
        .await?
        .map_err(|e| AppError::OpenFailed(e.to_string()))?;
    let running = embedded::start(Arc::new(node)).await?;
    commands::show_local_ui(app, &running.url)?;
    Ok(running)
}

/// On exit, stop the server and let a sync in flight save what it got.
/// Stdout gets `exit: clean` once the device is closed (what the smoke
/// test waits for).
pub fn on_event<R: Runtime>(app: &AppHandle<R>, event: RunEvent) {
    if let RunEvent::Exit = event {
        let state = app.state::<AppState>();
        // Not waiting for an enrollment in flight: it cleans up after itself.
        if let Some(mut phase) = state.try_lock()
            && let Phase::Running(running) = std::mem::replace(&mut *phase, Phase::NotSetUp)
        {
            tauri::async_runtime::block_on(running.stop());
        }
        tracing::info!("the device is closed");
        println!("exit: clean");
    }
}

/// Run the real app on `db` until its window closes, or until the system
/// asks it to stop (SIGTERM at shutdown or logout, SIGINT from a terminal):
/// either way through [`on_event`], so the server stops and a sync in
/// flight finishes before the process ends.
pub fn run(db: PathBuf) -> Result<(), tauri::Error> {
    let app = builder(tauri::Builder::default(), db).build(context())?;
    #[cfg(unix)]
    {
        let handle = app.handle().clone();
        tauri::async_runtime::spawn(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut term), Ok(mut int)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) else {
                tracing::warn!("cannot listen for stop signals; they will end the app abruptly");
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            tracing::info!("asked to stop: closing the app");
            handle.exit(0);
        });
    }
    app.run(on_event);
    Ok(())
}
