//! Backups, and a hub's recovery after it is restored from one.
//!
//! A backup is a consistent copy of the database taken while the hub runs
//! (`VACUUM INTO` on a connection of its own, which in WAL mode blocks no
//! writer), beside a copy of the key file. A restore puts it in place and
//! starts a new *incarnation* of the hub: every answer to a device names it
//! (`HubLife`), so each device learns that the hub may have lost what it
//! acknowledged after the backup, and sends everything it holds again.
//!
//! What the hub signed after the backup (lease grants, new users, transfer
//! notices) lives on in its devices, and comes back with their re-sends. Until
//! it has, the hub must not sign in that chain: a new op at a place its lost
//! tail already holds would fork its own chain, and a lease computed from the
//! backup's lease book would hand out numbers already issued. So a restore
//! lists every active device as awaited (`restore_waits`); a branch's chain is
//! *recovering* while any of its devices is awaited, the root's while any
//! device at all is. A device's last re-sent batch carries the incarnation,
//! which strikes it off. The owner can stop waiting for a device that is gone
//! (`hub recovery release`), knowing that what only it held may come back
//! later as a refused fork.

use crate::store::engine::Access;
use sqlite_replica::{Sql, SqlExt, p};
use std::path::{Path, PathBuf};

use sqlite_replica::to16;
use sync_core::body::OpBody;
use sync_core::ids::{BranchId, DeviceId, UserId};
use sync_core::op::Op;
use sync_core::protocol::HubLife;
use sync_core::replica::HQ;

use super::ops::{HubOp, commit_in};
use super::{HubDb, keys_path, meta_get, meta_set, now_ms, random};
use crate::error::{HubError, Result};
use crate::store::RecoveryWait;

const INCARNATION: &str = "incarnation";
const RESTORED_AT: &str = "restored_at_lsn";

/// The hub's life as `hub_meta` holds it; a hub that has none yet (made
/// before incarnations existed) is given one.
pub(super) fn life(c: &dyn Sql) -> Result<HubLife> {
    let incarnation = match meta_get(c, INCARNATION)? {
        Some(i) => i,
        None => {
            let i = hex::encode(random::<16>()?);
            meta_set(c, INCARNATION, &i)?;
            i
        }
    };
    let restored_at = meta_get(c, RESTORED_AT)?.and_then(|v| v.parse().ok());
    Ok(HubLife {
        incarnation,
        restored_at,
    })
}

/// What a backup wrote.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BackupReport {
    pub database: PathBuf,
    pub keys: PathBuf,
    pub bytes: u64,
}

/// What a restore did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RestoreReport {
    pub incarnation: String,
    /// The last log position the backup held.
    pub restored_at: u64,
    /// Where the database it replaced was moved (nothing is deleted).
    pub replaced: Option<PathBuf>,
    /// The devices whose re-sent work the hub waits for.
    pub awaiting: Vec<RecoveryWait>,
}

/// Copy the hub at `db` (running or not) to `to`, with its key file as
/// `to.keys`. Refuses to overwrite anything.
pub fn backup(db: &Path, to: &Path) -> Result<BackupReport> {
    let keys_to = keys_path(to);
    for p in [to, keys_to.as_path()] {
        if p.exists() {
            return Err(HubError::Setup(format!(
                "{} already exists; a backup never overwrites a file",
                p.display()
            )));
        }
    }
    if !db.exists() {
        return Err(HubError::Setup(format!("no hub at {}", db.display())));
    }
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    c.busy_timeout(std::time::Duration::from_secs(30))?;
    meta_get(&c, "genesis")?
        .ok_or_else(|| HubError::Setup(format!("{} is not a hub database", db.display())))?;
    // Written beside the target and renamed: a backup cut short by a crash
    // is never mistaken for a whole one.
    let part = with_suffix(to, ".part");
    let _ = std::fs::remove_file(&part);
    c.execute("VACUUM INTO ?1", [part.to_string_lossy()])?;
    std::fs::File::open(&part)?.sync_all()?;
    std::fs::copy(keys_path(db), &keys_to)?;
    std::fs::File::open(&keys_to)?.sync_all()?;
    std::fs::rename(&part, to)?;
    Ok(BackupReport {
        database: to.to_path_buf(),
        keys: keys_to,
        bytes: std::fs::metadata(to)?.len(),
    })
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Put the backup at `from` in place as the hub at `db` (the hub must be
/// stopped), moving whatever is at `db` aside, and start a new incarnation
/// that waits for every active device.
pub fn restore(from: &Path, db: &Path) -> Result<RestoreReport> {
    let from_keys = keys_path(from);
    if !from.exists() || !from_keys.exists() {
        return Err(HubError::Setup(format!(
            "a backup is {} with {} beside it",
            from.display(),
            from_keys.display()
        )));
    }
    {
        let c = rusqlite::Connection::open_with_flags(
            from,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        meta_get(&c, "genesis")?.ok_or_else(|| {
            HubError::Setup(format!("{} is not a backup of a hub", from.display()))
        })?;
    }
    let replaced = if db.exists() {
        let aside = with_suffix(db, &format!(".replaced-{}", now_ms()));
        std::fs::rename(db, &aside)?;
        for s in ["-wal", "-shm"] {
            let f = with_suffix(db, s);
            if f.exists() {
                std::fs::rename(&f, with_suffix(&aside, s))?;
            }
        }
        if keys_path(db).exists() {
            std::fs::rename(keys_path(db), keys_path(&aside))?;
        }
        Some(aside)
    } else {
        None
    };
    let part = with_suffix(db, ".part");
    std::fs::copy(from, &part)?;
    std::fs::File::open(&part)?.sync_all()?;
    std::fs::copy(&from_keys, keys_path(db))?;
    std::fs::rename(&part, db)?;

    let mut c = super::open_conn(db)?;
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let report = begin_recovery(&tx, replaced)?;
    tx.commit()?;
    Ok(report)
}

/// A new incarnation that waits for every active device: what the hub
/// holds is a backup's, and what it lost since is on the devices. Run by
/// `hub restore` on SQLite, and by `hub recovery begin` after a database
/// was restored by other means (PostgreSQL's `pg_restore`), every hub
/// process stopped.
pub(super) fn begin_recovery(c: &dyn Sql, replaced: Option<PathBuf>) -> Result<RestoreReport> {
    let incarnation = hex::encode(random::<16>()?);
    let restored_at: u64 = c.row("SELECT coalesce(max(lsn), 0) FROM ops", p![], |r| r.get(0))?;
    meta_set(c, INCARNATION, &incarnation)?;
    meta_set(c, RESTORED_AT, &restored_at.to_string())?;
    c.run("DELETE FROM restore_waits", p![])?;
    c.run(
        "INSERT INTO restore_waits (device, branch)
         SELECT id, branch FROM devices WHERE revoked = 0 AND hub = 0",
        p![],
    )?;
    Ok(RestoreReport {
        incarnation,
        restored_at,
        replaced,
        awaiting: waits(c)?,
    })
}

impl HubDb {
    /// [`begin_recovery`] on this hub's database, on either engine.
    pub fn begin_recovery(&self) -> Result<RestoreReport> {
        let mut g = self.lock();
        let tx = g.db.begin(Access::Write)?;
        let report = begin_recovery(tx.sql(), None)?;
        tx.commit()?;
        Ok(report)
    }
}

/// The devices still awaited, with their branch's name.
pub(super) fn waits(c: &dyn Sql) -> Result<Vec<RecoveryWait>> {
    let rows = c.all(
        "SELECT w.device, d.label, coalesce(b.name, '') FROM restore_waits w
         LEFT JOIN devices d ON d.id = w.device
         LEFT JOIN branches b ON b.id = w.branch
         ORDER BY b.name, d.label",
        p![],
        |r| {
            Ok(RecoveryWait {
                device: DeviceId(to16(&r.get::<Vec<u8>>(0)?)),
                label: r.get::<Option<String>>(1)?.unwrap_or_default(),
                branch: r.get(2)?,
            })
        },
    )?;
    Ok(rows)
}

/// Refuse to sign in `branch`'s chain (HQ: the root's) while the hub still
/// waits for a device that may hold its lost tail.
pub(super) fn refuse_if_recovering(c: &dyn Sql, branch: BranchId) -> Result<()> {
    let awaited: Vec<String> = if branch == HQ {
        c.all(
            "SELECT d.label FROM restore_waits w JOIN devices d ON d.id = w.device ORDER BY d.label LIMIT 6",
            p![],
            |r| r.get(0),
        )?
    } else {
        c.all(
            "SELECT d.label FROM restore_waits w JOIN devices d ON d.id = w.device WHERE w.branch = ?1 ORDER BY d.label LIMIT 6",
            p![&branch.0[..]],
            |r| r.get(0),
        )?
    };
    if awaited.is_empty() {
        Ok(())
    } else {
        Err(HubError::Recovering(awaited.join(", ")))
    }
}

/// Whether a revocation of `device` waits for its chain to recover.
pub(super) fn revocation_waiting(c: &dyn Sql, device: DeviceId) -> Result<bool> {
    let bodies = c.all("SELECT body FROM deferred_hub_ops ORDER BY id", p![], |r| {
        r.get::<String>(0)
    })?;
    for b in bodies {
        if let Ok(OpBody::DeviceRevoked { device: d, .. }) = serde_json::from_str(&b)
            && d == device
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Keep an op the hub must sign in a recovering chain, to sign once the
/// chain has recovered.
pub(super) fn defer(c: &dyn Sql, op: &HubOp) -> Result<()> {
    c.run(
        "INSERT INTO deferred_hub_ops (device, branch, author, body) VALUES (?1, ?2, ?3, ?4)",
        p![
            &op.device.0[..],
            &op.branch.0[..],
            &op.author.0[..],
            serde_json::to_string(&op.body).expect("an op body serializes"),
        ],
    )?;
    Ok(())
}

/// Sign `op` now, or keep it for when its chain has recovered.
pub(super) fn commit_or_defer(c: &dyn Sql, inner: &mut InnerParts<'_>, op: HubOp) -> Result<()> {
    match refuse_if_recovering(c, op.branch) {
        Ok(()) => commit_in(c, inner.genesis, inner.root_seed, inner.writers, op).map(|_| ()),
        Err(HubError::Recovering(_)) => defer(c, &op),
        Err(e) => Err(e),
    }
}

/// Sign `body` as the branch's hub device, the owner its author, in the
/// branch's chain (deferred while that chain recovers from a restore): how
/// the hub speaks for a branch — a message's fate, the customer's answer
/// or rating, the branch's own words.
pub(super) fn sign_for_branch(
    c: &dyn Sql,
    inner: &mut InnerParts<'_>,
    branch: BranchId,
    body: OpBody,
) -> Result<()> {
    let device = super::branch_hub(inner.root_seed, branch).0;
    let author = inner.genesis.owner;
    commit_or_defer(
        c,
        inner,
        HubOp {
            device,
            branch,
            author,
            body,
        },
    )
}

/// The parts of the hub's state that signing needs, borrowed apart.
pub(super) struct InnerParts<'a> {
    pub(super) genesis: &'a sync_core::replica::Genesis,
    pub(super) root_seed: &'a [u8; 32],
    pub(super) writers:
        &'a mut std::collections::HashMap<DeviceId, sync_core::writer::DeviceWriter>,
}

impl HubDb {
    /// `device` has sent everything it holds to this incarnation: strike it
    /// off, and sign what waited for the chains that have now recovered.
    pub(super) fn resynced(&self, device: DeviceId, incarnation: &str) -> Result<()> {
        if incarnation != self.life.incarnation {
            return Ok(());
        }
        self.strike_off(device)
    }

    /// Stop waiting for `device` (the owner's decision: it is gone).
    pub(super) fn release(&self, device: DeviceId) -> Result<()> {
        let known: bool = self.read(|c| {
            Ok(c.one(
                "SELECT 1 FROM restore_waits WHERE device = ?1",
                p![&device.0[..]],
                |_| Ok(()),
            )?
            .is_some())
        })?;
        if !known {
            return Err(HubError::NotFound(format!(
                "device {device} among those the hub waits for"
            )));
        }
        self.strike_off(device)
    }

    /// A forger found while its branch's chain recovers: its revocation is
    /// signed once the chain has recovered.
    pub(super) fn defer_revocation(&self, device: DeviceId, reason: &str) -> Result<()> {
        let auth = super::devices::device_auth(self, device)?
            .ok_or_else(|| HubError::NotFound(format!("device {device}")))?;
        let op = {
            let g = self.lock();
            HubOp {
                device: super::branch_hub(&g.root_seed, auth.branch).0,
                branch: auth.branch,
                author: g.genesis.owner,
                body: OpBody::DeviceRevoked {
                    device,
                    reason: reason.into(),
                },
            }
        };
        self.write_alone(|c| defer(c, &op))
    }

    fn strike_off(&self, device: DeviceId) -> Result<()> {
        self.write(|c, parts| {
            let n = c.run(
                "DELETE FROM restore_waits WHERE device = ?1",
                p![&device.0[..]],
            )?;
            if n > 0 {
                sign_deferred(c, parts)?;
            }
            Ok(())
        })
    }
}

/// A `deferred_hub_ops` row: id, signer, chain, author, body (JSON).
type DeferredRow = (i64, Vec<u8>, Vec<u8>, Vec<u8>, String);

/// Sign, in order, each deferred op whose chain has recovered, unless the
/// re-sent tail already holds its like (the notice of the same transfer,
/// the revocation of the same device).
fn sign_deferred(c: &dyn Sql, inner: &mut InnerParts<'_>) -> Result<()> {
    let pending: Vec<DeferredRow> = c.all(
        "SELECT id, device, branch, author, body FROM deferred_hub_ops ORDER BY id",
        p![],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    for (id, device, branch, author, body) in pending {
        let branch = BranchId(to16(&branch));
        if refuse_if_recovering(c, branch).is_err() {
            continue;
        }
        let device = DeviceId(to16(&device));
        let body: OpBody = serde_json::from_str(&body)
            .map_err(|e| HubError::Setup(format!("a deferred op is damaged: {e}")))?;
        if !already_signed(c, device, &body)? {
            commit_in(
                c,
                inner.genesis,
                inner.root_seed,
                inner.writers,
                HubOp {
                    device,
                    branch,
                    author: UserId(to16(&author)),
                    body,
                },
            )?;
        }
        c.run("DELETE FROM deferred_hub_ops WHERE id = ?1", p![id])?;
    }
    Ok(())
}

/// Whether `device`'s chain already holds an op that does what `body`
/// would: a deferred notice may have been signed before the restore and
/// come back in a device's re-send.
fn already_signed(c: &dyn Sql, device: DeviceId, body: &OpBody) -> Result<bool> {
    let wires = c.all(
        "SELECT wire FROM ops WHERE device = ?1 AND kind = ?2 AND rejected IS NULL",
        p![&device.0[..], body.kind()],
        |r| r.get::<Vec<u8>>(0),
    )?;
    for w in wires {
        let Ok(op) = Op::decode(&w) else { continue };
        let same = match (&op.body, body) {
            (OpBody::TransferAnnounced(a), OpBody::TransferAnnounced(b)) => {
                a.transfer == b.transfer
            }
            (OpBody::TransferSettled(a), OpBody::TransferSettled(b)) => a.transfer == b.transfer,
            (OpBody::DeviceRevoked { device: a, .. }, OpBody::DeviceRevoked { device: b, .. }) => {
                a == b
            }
            (a, b) => a == b,
        };
        if same {
            return Ok(true);
        }
    }
    Ok(false)
}
