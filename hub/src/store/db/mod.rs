//! The hub's database, on either engine (an embedded SQLite file or a
//! business's schema in PostgreSQL, see [`super::engine`]): the shared
//! tables (through `sqlite-replica`), plus enrollment, wrapped branch keys,
//! rejected operations and the lease book. One connection behind a mutex
//! per process: every write here is a serial transaction (SQLite's one
//! writer; on PostgreSQL the business's advisory lock, across processes),
//! which is what keeps leases from ever overlapping.
//!
//! This file owns what every part shares: opening the hub (its root key
//! file, the passphrase that unlocks the branch keys, `hub_meta`) and the
//! lock. The `HubStore` methods live with what they act on, so that the
//! impl here stays a table of contents: `ops` (pushed batches, and the hub
//! signing its own ops), `pull`, `leases`, `devices` (enrollment, device
//! keys, revocation), `org` (branches, users, the catalogue) and `reports`.

use crate::store::engine::Access;
use rusqlite::Connection;
use sqlite_replica::{Sql, SqlExt, p};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlite_replica::to16;
use sync_core::body::{Branch, Lease, OpBody, User};
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::roles::Role;
use sync_core::identity::{DeviceKey, PublicKey};
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};
use sync_core::protocol::{EnrollRequest, EnrollResponse, OpVerdict, PullResponse};
use sync_core::replica::{Genesis, HQ};
use sync_core::seal;
use sync_core::writer::DeviceWriter;

use super::engine::{Engine, SqliteEngine};
use super::{
    AuditRow, CustomerJobRow, DeviceAuth, EnrollmentCode, GstMonthRow, GstRow, HsnRow, HubStore,
    InvoiceRow, JobRow, PasswordReadRow, PendingRow, ReportFilter, RevenueRow, SeriesRow,
    SettleRow, StockRow, TechnicianRow,
};
use crate::error::{HubError, Result};

pub mod customer_page;
mod devices;
pub mod einvoice;
mod leases;
pub mod messages;
mod ops;
mod org;
mod pull;
mod reports;
pub mod restore;
mod returns;
mod series;
pub mod templates;

pub use devices::CODE_TTL_MS;
pub use leases::{DEFAULT_LEASE, MAX_UNUSED_PER_SERIES};
pub use ops::op_ids;

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub(super) fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).map_err(|e| HubError::Setup(format!("no randomness: {e}")))?;
    Ok(b)
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    root_seed: String,
}

#[derive(Serialize, Deserialize)]
struct GenesisMeta {
    owner: UserId,
    hub_device: DeviceId,
    hub_key: PublicKey,
}

pub(super) fn keys_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".keys");
    PathBuf::from(p)
}

/// A per-branch signing device of the hub: the branch's admin ops (users,
/// devices, leases) form their own chain, so a branch device can hold that
/// whole chain without seeing any other branch's.
fn branch_hub(root_seed: &[u8; 32], branch: BranchId) -> (DeviceId, DeviceKey) {
    let id: [u8; 32] = Sha256::new()
        .chain_update(b"branch-hub-id")
        .chain_update(root_seed)
        .chain_update(branch.0)
        .finalize()
        .into();
    let seed: [u8; 32] = Sha256::new()
        .chain_update(b"branch-hub-seed")
        .chain_update(root_seed)
        .chain_update(branch.0)
        .finalize()
        .into();
    (DeviceId(to16(&id)), DeviceKey::from_seed(seed))
}

/// Where a hub keeps its tables and its root key.
#[derive(Clone, Debug)]
pub enum Place {
    /// A SQLite file, its key file beside it (`<db>.keys`).
    Sqlite(PathBuf),
    /// A PostgreSQL database (the business's own schema in it) and the key
    /// file, which also names the business: one key file, one business.
    Postgres { url: String, keys: PathBuf },
}

impl Place {
    /// `--db`: a `postgres://` URL (with `keys`), else a SQLite file.
    pub fn parse(db: &Path, keys: Option<&Path>) -> Result<Place> {
        let text = db.to_string_lossy();
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            let keys = keys.ok_or_else(|| {
                HubError::invalid(
                    "keys",
                    "a hub on PostgreSQL needs --keys (or HUB_KEYS): the file of its root key",
                )
            })?;
            return Ok(Place::Postgres {
                url: text.into_owned(),
                keys: keys.to_path_buf(),
            });
        }
        Ok(Place::Sqlite(db.to_path_buf()))
    }

    pub fn keys(&self) -> PathBuf {
        match self {
            Place::Sqlite(db) => keys_path(db),
            Place::Postgres { keys, .. } => keys.clone(),
        }
    }

    /// The file, or the URL without its password.
    pub fn label(&self) -> PathBuf {
        match self {
            Place::Sqlite(db) => db.clone(),
            Place::Postgres { url, .. } => PathBuf::from(match url.split_once('@') {
                Some((who, at)) => match who.rsplit_once(':') {
                    Some((user, _)) if !user.ends_with('/') => format!("{user}:…@{at}"),
                    _ => url.clone(),
                },
                None => url.clone(),
            }),
        }
    }

    fn taken(&self) -> bool {
        match self {
            Place::Sqlite(db) => db.exists() || keys_path(db).exists(),
            Place::Postgres { keys, .. } => keys.exists(),
        }
    }

    fn engine(&self, root_seed: &[u8; 32]) -> Result<Box<dyn Engine>> {
        Ok(match self {
            Place::Sqlite(db) => Box::new(SqliteEngine(open_conn(db)?)),
            Place::Postgres { url, .. } => Box::new(crate::store::pg::PgEngine::open(
                url,
                business_of(root_seed),
            )?),
        })
    }
}

/// The business a root key is the root of trust of: its PostgreSQL schema's
/// name, and its key in a deployment of many.
pub fn business_of(root_seed: &[u8; 32]) -> hub_pg::Business {
    let h: [u8; 32] = Sha256::new()
        .chain_update(b"business")
        .chain_update(root_seed)
        .finalize()
        .into();
    hub_pg::Business(to16(&h))
}

struct Inner {
    db: Box<dyn Engine>,
    genesis: Genesis,
    root_seed: [u8; 32],
    writers: std::collections::HashMap<DeviceId, DeviceWriter>,
    /// Each branch's last digest, with the newest log position of the ops
    /// that make its state (the branch's and `HQ`'s): an idle poll asking
    /// for it costs two index lookups, not a pass over the branch's state.
    digests: std::collections::HashMap<Vec<u8>, (u64, String)>,
}

pub struct HubDb {
    inner: Mutex<Inner>,
    master: Option<[u8; 32]>,
    /// This incarnation of the hub (see [`restore`]); fixed while it runs.
    life: sync_core::protocol::HubLife,
    pub db: PathBuf,
}

impl std::fmt::Debug for HubDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubDb").field("db", &self.db).finish()
    }
}

fn derive_master(passphrase: &str, salt: &[u8]) -> Result<[u8; 32]> {
    let mut out = [0u8; 32];
    argon2::Argon2::default()
        .hash_password_into(passphrase.as_bytes(), salt, &mut out)
        .map_err(|e| HubError::Setup(format!("key derivation: {e}")))?;
    Ok(out)
}

pub(super) fn open_conn(db: &Path) -> Result<Connection> {
    let mut conn = Connection::open(db)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;",
    )?;
    conn.set_prepared_statement_cache_capacity(256);
    schema::migrate(&mut conn, schema::Target::Hub)?;
    Ok(conn)
}

/// `hub_meta`'s key for the business's name.
const BUSINESS: &str = "business_name";

pub(super) fn meta_get(c: &dyn Sql, k: &str) -> Result<Option<String>> {
    Ok(
        c.one("SELECT value FROM hub_meta WHERE key = ?1", p![k], |r| {
            r.get(0)
        })?,
    )
}

pub(super) fn meta_set(c: &dyn Sql, k: &str, v: &str) -> Result<()> {
    c.run("INSERT INTO hub_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", p![k, v])?;
    Ok(())
}

impl HubDb {
    /// Create a new organization: the hub's root key, the owner, and the
    /// passphrase that will wrap every branch key.
    pub fn init(db: &Path, owner_name: &str, owner_pin: &str, passphrase: &str) -> Result<HubDb> {
        HubDb::init_at(
            &Place::Sqlite(db.to_path_buf()),
            owner_name,
            owner_pin,
            passphrase,
        )
    }

    /// [`HubDb::init`], on either engine.
    pub fn init_at(
        place: &Place,
        owner_name: &str,
        owner_pin: &str,
        passphrase: &str,
    ) -> Result<HubDb> {
        if place.taken() {
            return Err(HubError::Setup(format!(
                "{} already exists; refusing to overwrite a hub",
                place.label().display()
            )));
        }
        if passphrase.chars().count() < 8 {
            return Err(HubError::invalid(
                "passphrase",
                "must be at least 8 characters",
            ));
        }
        sync_core::domain::validate::text("owner_name", owner_name, 1, 100)?;
        if !(4..=8).contains(&owner_pin.len()) || !owner_pin.chars().all(|c| c.is_ascii_digit()) {
            return Err(HubError::invalid("pin", "must be 4 to 8 digits"));
        }
        let root_seed: [u8; 32] = random()?;
        let root_key = DeviceKey::from_seed(root_seed);
        let hub_device = DeviceId(to16(&Sha256::digest(root_key.public().0)));
        let owner = UserId(random()?);
        let mut db = place.engine(&root_seed)?;
        let salt: [u8; 16] = random()?;
        let master = derive_master(passphrase, &salt)?;
        let check = seal::seal(&master, random()?, b"passphrase-check", b"ok");
        let tx = db.begin(Access::Write)?;
        if meta_get(tx.sql(), "genesis")?.is_some() {
            return Err(HubError::Setup(format!(
                "{} already holds a hub; refusing to overwrite it",
                place.label().display()
            )));
        }
        meta_set(tx.sql(), "kdf_salt", &hex::encode(salt))?;
        meta_set(
            tx.sql(),
            "kdf_check",
            &serde_json::to_string(&check).expect("sealed serializes"),
        )?;
        meta_set(
            tx.sql(),
            "genesis",
            &serde_json::to_string(&GenesisMeta {
                owner,
                hub_device,
                hub_key: root_key.public(),
            })
            .expect("genesis serializes"),
        )?;
        tx.commit()?;
        drop(db);
        write_keys(
            &place.keys(),
            &KeyFile {
                root_seed: hex::encode(root_seed),
            },
        )?;
        let hub = HubDb::open_at(place, Some(passphrase))?;
        let pin_hash = org::hash_pin(owner_pin)?;
        hub.commit(
            hub_device,
            HQ,
            owner,
            OpBody::UserCreated(User {
                id: owner,
                name: owner_name.trim().into(),
                role: Role::Owner,
                branch: None,
                pin_hash,
            }),
        )?;
        Ok(hub)
    }

    /// Open an existing hub. Without the passphrase the hub syncs and serves
    /// reports, but cannot add branches or issue enrollment codes.
    pub fn open(db: &Path, passphrase: Option<&str>) -> Result<HubDb> {
        HubDb::open_at(&Place::Sqlite(db.to_path_buf()), passphrase)
    }

    /// [`HubDb::open`], on either engine.
    pub fn open_at(place: &Place, passphrase: Option<&str>) -> Result<HubDb> {
        let keys_file = place.keys();
        let text = std::fs::read_to_string(&keys_file)
            .map_err(|e| HubError::Setup(format!("cannot read {}: {e}", keys_file.display())))?;
        let keys: KeyFile = serde_json::from_str(&text)
            .map_err(|e| HubError::Setup(format!("hub key file is damaged: {e}")))?;
        let mut root_seed = [0u8; 32];
        hex::decode_to_slice(&keys.root_seed, &mut root_seed)
            .map_err(|_| HubError::Setup("hub key file is damaged".into()))?;
        let mut db = place.engine(&root_seed)?;
        let tx = db.begin(Access::Snapshot)?;
        let c = tx.sql();
        let life = restore::life(c)?;
        let g: GenesisMeta = serde_json::from_str(
            &meta_get(c, "genesis")?
                .ok_or_else(|| HubError::Setup("not a hub database: run `hub init`".into()))?,
        )
        .map_err(|e| HubError::Setup(format!("genesis is damaged: {e}")))?;
        let master = match passphrase {
            Some(p) => {
                let salt = hex::decode(meta_get(c, "kdf_salt")?.unwrap_or_default())
                    .map_err(|_| HubError::Setup("kdf salt damaged".into()))?;
                let m = derive_master(p, &salt)?;
                let check: seal::Sealed =
                    serde_json::from_str(&meta_get(c, "kdf_check")?.unwrap_or_default())
                        .map_err(|_| HubError::Setup("kdf check damaged".into()))?;
                seal::open(&m, b"passphrase-check", &check).map_err(|_| {
                    HubError::invalid("passphrase", "is not the owner's passphrase")
                })?;
                Some(m)
            }
            None => None,
        };
        tx.commit()?;
        let genesis = Genesis {
            owner: g.owner,
            hub_device: g.hub_device,
            hub_key: g.hub_key,
        };
        let hub = HubDb {
            inner: Mutex::new(Inner {
                db,
                genesis,
                root_seed,
                writers: Default::default(),
                digests: Default::default(),
            }),
            master,
            life,
            db: place.label(),
        };
        Ok(hub)
    }

    pub fn genesis(&self) -> Genesis {
        self.lock().genesis.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A statement or a few outside a transaction of the hub's (a report,
    /// a lookup, one write that stands alone).
    pub fn read<T>(&self, f: impl FnOnce(&dyn Sql) -> Result<T>) -> Result<T> {
        let mut g = self.lock();
        let tx = g.db.begin(Access::Snapshot)?;
        let out = f(tx.sql())?;
        tx.commit()?;
        Ok(out)
    }

    /// A writing transaction of the hub's own (serial for the business:
    /// [`Access::Write`]), with the parts that sign the hub's ops; committed
    /// when `f` succeeds, rolled back when it fails.
    fn write<T>(
        &self,
        f: impl FnOnce(&dyn Sql, &mut restore::InnerParts<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut g = self.lock();
        let Inner {
            db,
            genesis,
            root_seed,
            writers,
            ..
        } = &mut *g;
        let tx = db.begin(Access::Write)?;
        let mut parts = restore::InnerParts {
            genesis,
            root_seed,
            writers,
        };
        let out = f(tx.sql(), &mut parts)?;
        tx.commit()?;
        Ok(out)
    }

    /// A statement or two that stand alone and write (an enrollment code,
    /// the replay guard, a rate bucket): see [`Access::Plain`].
    pub(crate) fn write_alone<T>(&self, f: impl FnOnce(&dyn Sql) -> Result<T>) -> Result<T> {
        let mut g = self.lock();
        let tx = g.db.begin(Access::Plain)?;
        let out = f(tx.sql())?;
        tx.commit()?;
        Ok(out)
    }

    /// The SQLite connection itself, for what only SQLite has (an online
    /// backup, an integrity check).
    pub fn sqlite<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let g = self.lock();
        let c = g.db.sqlite().ok_or_else(|| HubError::Unsupported {
            field: "db",
            rule: "this needs the hub on SQLite".into(),
        })?;
        f(c)
    }

    fn master(&self, what: &'static str) -> Result<[u8; 32]> {
        self.master.ok_or(HubError::Locked(what))
    }

    fn branch_hub_device(&self, branch: BranchId) -> DeviceId {
        branch_hub(&self.lock().root_seed, branch).0
    }
}

fn write_keys(keys: &Path, k: &KeyFile) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(keys)?;
    f.write_all(
        serde_json::to_string_pretty(k)
            .expect("keys serialize")
            .as_bytes(),
    )?;
    f.sync_all()?;
    Ok(())
}

impl HubStore for HubDb {
    fn first_sight(&self, device: DeviceId, signature: &[u8], now: u64) -> Result<Option<bool>> {
        devices::first_sight(self, device, signature, now)
    }

    fn allow(&self, device: DeviceId, rate_per_sec: u32, now: u64) -> Result<Option<bool>> {
        devices::allow(self, device, rate_per_sec, now)
    }

    fn device_auth(&self, device: DeviceId) -> Result<Option<DeviceAuth>> {
        devices::device_auth(self, device)
    }

    fn accept_batch(&self, from: DeviceId, wires: &[Vec<u8>]) -> Result<Vec<OpVerdict>> {
        ops::accept_batch(self, from, wires)
    }

    fn pull(
        &self,
        device: DeviceId,
        cursor: u64,
        limit: u32,
        digest: bool,
    ) -> Result<PullResponse> {
        pull::pull(self, device, cursor, limit, digest)
    }

    fn lease_block(
        &self,
        device: DeviceId,
        doc_type: DocType,
        size: u64,
        today: Date,
    ) -> Result<Lease> {
        leases::lease_block(self, device, doc_type, size, today)
    }

    fn issued_code(&self, code: &str, now: u64) -> Result<bool> {
        devices::issued_code(self, code, now)
    }

    fn redeem(&self, req: &EnrollRequest, now: u64) -> Result<EnrollResponse> {
        devices::redeem(self, req, now)
    }

    fn add_branch(&self, b: Branch) -> Result<BranchId> {
        org::add_branch(self, b)
    }

    fn add_user(
        &self,
        branch: Option<BranchId>,
        name: &str,
        role: Role,
        pin: &str,
    ) -> Result<UserId> {
        org::add_user(self, branch, name, role, pin)
    }

    fn create_enrollment_for(
        &self,
        ask: &crate::store::EnrollmentAsk,
        now: u64,
    ) -> Result<EnrollmentCode> {
        devices::create_enrollment(self, ask, now)
    }

    fn add_item(&self, item: sync_core::body::Item) -> Result<()> {
        org::add_item(self, item)
    }

    fn users(&self) -> Result<Vec<crate::store::UserRow>> {
        org::users(self)
    }

    fn branches(&self) -> Result<Vec<crate::store::BranchRow>> {
        org::branches(self)
    }

    fn catalogue(&self) -> Result<Vec<crate::store::ItemRow>> {
        org::catalogue(self)
    }

    fn update_user(&self, user: UserId, change: &crate::store::UserChange) -> Result<()> {
        org::update_user(self, user, change)
    }

    fn move_user(&self, user: UserId, to: BranchId) -> Result<UserId> {
        org::move_user(self, user, to)
    }

    fn update_branch(&self, branch: BranchId, change: &crate::store::BranchChange) -> Result<()> {
        org::update_branch(self, branch, change)
    }

    fn update_item(
        &self,
        item: sync_core::ids::RecordId,
        change: &crate::store::ItemChange,
    ) -> Result<()> {
        org::update_item(self, item, change)
    }

    fn revoke(&self, device: DeviceId, reason: &str) -> Result<Vec<Lease>> {
        devices::revoke(self, device, reason)
    }

    fn business_name(&self) -> Result<String> {
        self.read(|c| {
            if let Some(n) = meta_get(c, BUSINESS)? {
                return Ok(n);
            }
            // Not named yet: the branches are what the owner knows it by.
            let names: Vec<String> =
                c.all("SELECT name FROM branches ORDER BY name", p![], |r| {
                    r.get(0)
                })?;
            Ok(if names.is_empty() {
                "The owner's hub".into()
            } else {
                names.join(" · ")
            })
        })
    }

    fn set_business_name(&self, name: &str) -> Result<()> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(HubError::invalid("business", "must be 1 to 100 characters"));
        }
        self.write_alone(|c| meta_set(c, BUSINESS, name))
    }

    fn revenue(&self, f: &ReportFilter) -> Result<Vec<RevenueRow>> {
        reports::revenue(self, f)
    }

    fn gst_summary(&self, f: &ReportFilter) -> Result<Vec<GstRow>> {
        reports::gst_summary(self, f)
    }

    fn gst_by_month(&self, f: &ReportFilter) -> Result<Vec<GstMonthRow>> {
        reports::gst_by_month(self, f)
    }

    fn hsn_summary(&self, f: &ReportFilter) -> Result<Vec<HsnRow>> {
        reports::hsn_summary(self, f)
    }

    fn to_settle(&self, f: &ReportFilter) -> Result<Vec<SettleRow>> {
        reports::to_settle(self, f)
    }

    fn documents_issued(&self, f: &ReportFilter) -> Result<Vec<SeriesRow>> {
        reports::documents_issued(self, f)
    }

    fn stock(&self, f: &ReportFilter) -> Result<Vec<StockRow>> {
        reports::stock(self, f)
    }

    fn pending_jobs(&self, f: &ReportFilter, now: u64) -> Result<Vec<PendingRow>> {
        reports::pending_jobs(self, f, now)
    }

    fn technicians(&self, f: &ReportFilter) -> Result<Vec<TechnicianRow>> {
        reports::technicians(self, f)
    }

    fn customer_history(&self, f: &ReportFilter, mobile: &str) -> Result<Vec<CustomerJobRow>> {
        reports::customer_history(self, f, mobile)
    }

    fn invoices(&self, f: &ReportFilter) -> Result<Vec<InvoiceRow>> {
        reports::invoices(self, f)
    }

    fn jobs(&self, f: &ReportFilter, status: Option<&str>) -> Result<Vec<JobRow>> {
        reports::jobs(self, f, status)
    }

    fn audit(&self, f: &ReportFilter) -> Result<Vec<AuditRow>> {
        reports::audit(self, f)
    }

    fn password_reads(&self, f: &ReportFilter) -> Result<Vec<PasswordReadRow>> {
        reports::password_reads(self, f)
    }

    fn message_counts(&self, f: &ReportFilter) -> Result<Vec<crate::store::MessageCountRow>> {
        reports::message_counts(self, f)
    }

    fn message_failures(&self, f: &ReportFilter) -> Result<Vec<crate::store::MessageFailureRow>> {
        reports::message_failures(self, f)
    }

    fn owner_pin_hashes(&self, name: &str) -> Result<Vec<String>> {
        org::owner_pin_hashes(self, name)
    }

    fn life(&self) -> sync_core::protocol::HubLife {
        self.life.clone()
    }

    fn resynced(&self, device: DeviceId, incarnation: &str) -> Result<()> {
        HubDb::resynced(self, device, incarnation)
    }

    fn recovery(&self) -> Result<Vec<crate::store::RecoveryWait>> {
        self.read(restore::waits)
    }

    fn release(&self, device: DeviceId) -> Result<()> {
        HubDb::release(self, device)
    }

    fn message_channel(&self, channel: &str) -> Result<Option<String>> {
        messages::channel(self, channel)
    }

    fn set_message_channel(&self, channel: &str, settings: &str) -> Result<()> {
        messages::set_channel(self, channel, settings)
    }

    fn messages_to_send(&self, limit: u32) -> Result<Vec<messages::Outgoing>> {
        messages::to_send(self, limit)
    }

    fn claim_message(&self, m: &messages::Outgoing, channel: &str) -> Result<bool> {
        messages::claim(self, m, channel)
    }

    fn message_answered(&self, message: RecordId, answer: &messages::Answer) -> Result<()> {
        messages::answered(self, message, answer)
    }

    fn messages_unanswered(&self, cutoff_ms: u64) -> Result<usize> {
        messages::unanswered(self, cutoff_ms)
    }

    fn einvoice_settings(&self) -> Result<Option<String>> {
        einvoice::settings(self)
    }

    fn set_einvoice_settings(&self, settings: &str) -> Result<()> {
        einvoice::set_settings(self, settings)
    }

    fn einvoices_due(&self, stale_ms: u64, limit: u32) -> Result<Vec<einvoice::ToRegister>> {
        einvoice::due(self, stale_ms, limit)
    }

    fn claim_einvoice(&self, document: RecordId, stale_ms: u64) -> Result<bool> {
        einvoice::claim(self, document, stale_ms)
    }

    fn einvoice_answered(&self, document: RecordId, answer: &einvoice::Registered) -> Result<()> {
        einvoice::answered(self, document, answer)
    }

    fn einvoice_cancels_due(&self, stale_ms: u64, limit: u32) -> Result<Vec<einvoice::ToCancel>> {
        einvoice::cancels_due(self, stale_ms, limit)
    }

    fn claim_einvoice_cancel(&self, document: RecordId, stale_ms: u64) -> Result<bool> {
        einvoice::claim_cancel(self, document, stale_ms)
    }

    fn einvoice_cancel_answered(
        &self,
        document: RecordId,
        answer: &einvoice::Cancelled,
    ) -> Result<()> {
        einvoice::cancel_answered(self, document, answer)
    }

    fn einvoice_queue(&self) -> Result<Vec<einvoice::QueueRow>> {
        einvoice::queue(self)
    }

    fn message_status_heard(&self, news: &messages::Heard) -> Result<messages::Outcome> {
        messages::webhook_status(self, news)
    }

    fn message_template(
        &self,
        branch: Option<BranchId>,
        event: sync_core::domain::messages::Event,
        language: sync_core::domain::messages::Language,
    ) -> Result<Option<String>> {
        templates::in_force(self, branch, event, language)
    }

    fn set_message_template(&self, t: sync_core::body::MessageTemplate) -> Result<()> {
        templates::set(self, t)
    }

    fn template_sample(&self, branch: Option<BranchId>) -> Result<Option<templates::Sample>> {
        templates::sample(self, branch)
    }

    fn customer_link_key(&self) -> [u8; 32] {
        use sha2::Digest;
        let seed = self.lock().root_seed;
        let mut h = sha2::Sha256::new();
        h.update(b"repair hub: customer page links");
        h.update(seed);
        h.finalize().into()
    }

    fn customer_job(&self, job: RecordId) -> Result<Option<customer_page::CustomerJob>> {
        customer_page::customer_job(self, job)
    }

    fn customer_rates(&self, job: RecordId, stars: u8, comment: Option<String>) -> Result<()> {
        customer_page::customer_rates(self, job, stars, comment)
    }

    fn ratings(&self, f: &ReportFilter) -> Result<Vec<crate::store::RatingRow>> {
        reports::ratings(self, f)
    }

    fn return_documents(
        &self,
        gstin: &str,
        from: sync_core::domain::date::Date,
        to: sync_core::domain::date::Date,
    ) -> Result<Vec<crate::returns::Filed>> {
        returns::documents(self, gstin, from, to)
    }

    fn return_purchases(
        &self,
        gstin: &str,
        from: sync_core::domain::date::Date,
        to: sync_core::domain::date::Date,
    ) -> Result<Vec<crate::returns::Bought>> {
        returns::purchases(self, gstin, from, to)
    }

    fn return_supplier_payments(
        &self,
        gstin: &str,
        from: sync_core::domain::date::Date,
        to: sync_core::domain::date::Date,
    ) -> Result<Vec<crate::returns::PaidOut>> {
        returns::supplier_payments(self, gstin, from, to)
    }

    fn return_inward(
        &self,
        gstin: &str,
        from: sync_core::domain::date::Date,
        to: sync_core::domain::date::Date,
    ) -> Result<Vec<crate::returns::Inward>> {
        returns::inward(self, gstin, from, to)
    }

    fn series_blocks(&self, gstin: &str) -> Result<Vec<crate::returns::Block>> {
        returns::blocks(self, gstin)
    }

    fn return_receipts(
        &self,
        gstin: &str,
        from: sync_core::domain::date::Date,
        to: sync_core::domain::date::Date,
    ) -> Result<Vec<crate::returns::Received>> {
        returns::receipts(self, gstin, from, to)
    }

    fn gstins(&self) -> Result<Vec<String>> {
        returns::gstins(self)
    }

    fn customer_decides(
        &self,
        job: RecordId,
        approve: bool,
        note: &str,
    ) -> Result<sync_core::domain::lifecycle::JobStatus> {
        customer_page::customer_decides(self, job, approve, note)
    }
}
