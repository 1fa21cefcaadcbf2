//! Where the device database lives: `--db PATH`, else `REPAIR_DESK_DB`, else
//! `repair-desk/device.sqlite` in the platform's data directory. Pure
//! (the environment is passed in) so the rules are testable.

use std::ffi::OsString;
use std::path::PathBuf;

/// The folder under the platform data directory that holds the database.
pub const APP_DIR: &str = "repair-desk";
/// The database's file name there (its key file sits beside it).
pub const DB_FILE: &str = "device.sqlite";

#[derive(Debug, thiserror::Error)]
#[error(
    "cannot tell where to keep the device database (no XDG_DATA_HOME, HOME or APPDATA): give --db PATH or set REPAIR_DESK_DB"
)]
pub struct NoDataDir;

/// The device database path. `flag` is `--db` (clap already folded in
/// `REPAIR_DESK_DB`); `env` reads an environment variable.
pub fn device_db(
    flag: Option<PathBuf>,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<PathBuf, NoDataDir> {
    if let Some(p) = flag {
        return Ok(p);
    }
    let set = |k: &str| env(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(p) = set("REPAIR_DESK_DB") {
        return Ok(p);
    }
    data_dir(set)
        .map(|d| d.join(APP_DIR).join(DB_FILE))
        .ok_or(NoDataDir)
}

/// The platform's per-user data directory (what `dirs::data_dir` gives,
/// without the dependency).
fn data_dir(set: impl Fn(&str) -> Option<PathBuf>) -> Option<PathBuf> {
    if cfg!(windows) {
        set("APPDATA")
    } else if cfg!(target_os = "macos") {
        set("HOME").map(|h| h.join("Library/Application Support"))
    } else {
        // XDG: an explicitly set data home must be absolute to count.
        set("XDG_DATA_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| set("HOME").map(|h| h.join(".local/share")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let m: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), OsString::from(v)))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn flag_wins_over_env() {
        let p = device_db(
            Some("/x/a.sqlite".into()),
            env(&[("REPAIR_DESK_DB", "/y/b.sqlite")]),
        );
        assert_eq!(p.unwrap(), PathBuf::from("/x/a.sqlite"));
    }

    #[test]
    fn env_var_wins_over_data_dir() {
        let p = device_db(
            None,
            env(&[("REPAIR_DESK_DB", "/y/b.sqlite"), ("HOME", "/home/o")]),
        );
        assert_eq!(p.unwrap(), PathBuf::from("/y/b.sqlite"));
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn xdg_data_home_then_home() {
        let p = device_db(None, env(&[("XDG_DATA_HOME", "/d"), ("HOME", "/home/o")]));
        assert_eq!(p.unwrap(), PathBuf::from("/d/repair-desk/device.sqlite"));
        let p = device_db(
            None,
            env(&[("XDG_DATA_HOME", "relative"), ("HOME", "/home/o")]),
        );
        assert_eq!(
            p.unwrap(),
            PathBuf::from("/home/o/.local/share/repair-desk/device.sqlite")
        );
        assert!(device_db(None, env(&[("REPAIR_DESK_DB", "")])).is_err());
    }
}
