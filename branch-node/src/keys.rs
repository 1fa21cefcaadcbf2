//! The device's key file, kept beside the database (`<db>.keys`, mode 0600)
//! and never inside it: the device's signing key, the branch key that seals
//! device passwords, and — for a standalone device only — the stand-in hub
//! key. A copy of the database file alone opens no device password.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sync_core::ids::DeviceId;

use crate::error::{NodeError, Result};

#[derive(Clone, Serialize, Deserialize)]
pub struct KeyFile {
    pub device: DeviceId,
    pub device_seed: String,
    pub branch_key: String,
    /// Standalone only: the seed of the local stand-in for the hub.
    pub root_seed: Option<String>,
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyFile")
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

pub fn path_for(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".keys");
    PathBuf::from(p)
}

fn hex32(s: &str, what: &str) -> Result<[u8; 32]> {
    let mut b = [0u8; 32];
    hex::decode_to_slice(s, &mut b)
        .map_err(|_| NodeError::Keys(format!("{what} is not 32 bytes of hex")))?;
    Ok(b)
}

impl KeyFile {
    pub fn device_seed(&self) -> Result<[u8; 32]> {
        hex32(&self.device_seed, "device_seed")
    }
    pub fn branch_key(&self) -> Result<[u8; 32]> {
        hex32(&self.branch_key, "branch_key")
    }
    pub fn root_seed(&self) -> Result<Option<[u8; 32]>> {
        self.root_seed
            .as_deref()
            .map(|s| hex32(s, "root_seed"))
            .transpose()
    }

    pub fn load(db: &Path) -> Result<KeyFile> {
        let p = path_for(db);
        let text = std::fs::read_to_string(&p)
            .map_err(|e| NodeError::Keys(format!("cannot read {}: {e}", p.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| NodeError::Keys(format!("{} is damaged: {e}", p.display())))
    }

    /// Write atomically (temp file, fsync, rename) with owner-only permissions.
    pub fn save(&self, db: &Path) -> Result<()> {
        use std::io::Write;
        let p = path_for(db);
        let tmp = p.with_extension("keys.tmp");
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(
            serde_json::to_string_pretty(self)
                .expect("key file serializes")
                .as_bytes(),
        )?;
        f.sync_all()?;
        std::fs::rename(&tmp, &p)?;
        Ok(())
    }
}
