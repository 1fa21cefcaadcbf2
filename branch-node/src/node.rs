//! A device's engine: the store, the device's identity and clock, and the one
//! write path. Every change goes through [`Node::commit`]: make the operation,
//! check it with the rule book against this device's state, then append it
//! and materialize it in one SQLite transaction. The call returns only after
//! that transaction is durable.
//!
//! `Node` is synchronous; it guards the connection with a mutex. Async
//! callers (the HTTP API) run it on `spawn_blocking`, never on a worker.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};

use rusqlite::TransactionBehavior;
use serde::{Deserialize, Serialize};
use sync_core::body::{Branch, OpBody, User};
use sync_core::domain::roles::Role;
use sync_core::domain::rules::{self, RuleContext};
use sync_core::hlc::{Clock, Stamp};
use sync_core::identity::{DeviceKey, PublicKey};
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};
use sync_core::op::{Op, OpId};
use sync_core::replica::{Genesis, HQ};
use sync_core::vv::VersionVector;
use sync_core::writer::DeviceWriter;

use crate::crypto;
use crate::error::{NodeError, Result};
use crate::keys::KeyFile;
use crate::store::{self, Store, ctx::TxCtx};

/// Milliseconds since the Unix epoch by this machine's clock (the HLC
/// corrects it; see `sync_core::hlc`).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub fn new_id() -> Result<RecordId> {
    Ok(RecordId(crypto::random_bytes::<16>()?))
}

/// What the store's lock guards: the connection, and the writers whose
/// chain heads and clocks must move only with what is committed through it.
struct Inner {
    store: Store,
    genesis: Genesis,
    writer: DeviceWriter,
    /// Standalone devices only: the local stand-in for the hub.
    root: Option<DeviceWriter>,
    branch: BranchId,
    branch_key: [u8; 32],
    applied: VersionVector,
}

pub struct Node {
    inner: Mutex<Inner>,
    _checkpointer: store::Checkpointer,
    pub db_path: PathBuf,
    pub device: DeviceId,
    pub branch: BranchId,
    /// A copy of the device key for signing sync requests without waiting
    /// for the store's lock (the writer's copy signs operations).
    signer: DeviceKey,
    /// The clock offset learnt from the hub (mirrors the writer's clock), so
    /// request times are computed without the store's lock.
    clock_offset: AtomicI64,
    /// Makes every sync request's time unique (see `protocol::RequestClock`).
    request_clock: sync_core::protocol::RequestClock,
    /// Wakes the sync loop after a local write; serializes syncs.
    pub(crate) sync: crate::peers::SyncSignal,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("device", &self.device)
            .field("db", &self.db_path)
            .finish()
    }
}

/// The root of trust and branch of a device, kept in `device_meta.genesis`.
#[derive(Serialize, Deserialize)]
pub(crate) struct GenesisMeta {
    pub owner: UserId,
    pub hub_device: DeviceId,
    pub hub_key: PublicKey,
    pub branch: BranchId,
}

/// Refuse to make a device where one exists: its database or key file.
pub(crate) fn refuse_existing(db: &Path) -> Result<()> {
    if db.exists() || crate::keys::path_for(db).exists() {
        return Err(NodeError::Setup(format!(
            "{} already exists; refusing to overwrite a device database",
            db.display()
        )));
    }
    Ok(())
}

/// Make a device's database and key file: the root of trust and branch in
/// `device_meta.genesis`, `meta` beside it (the hub's URL, the clock
/// offset), the keys. The one place a device comes into being (standalone,
/// enrolled with a hub, or cloned for another device of the branch); it
/// opens with [`Node::open`].
pub(crate) fn provision(
    db: &Path,
    genesis: &GenesisMeta,
    keys: &KeyFile,
    meta: &[(&str, &str)],
) -> Result<()> {
    let store = Store::open(db)?;
    store::meta_set(
        &store.conn,
        "genesis",
        &serde_json::to_string(genesis).expect("genesis serializes"),
    )?;
    for (k, v) in meta {
        store::meta_set(&store.conn, k, v)?;
    }
    drop(store);
    keys.save(db)
}

/// What `branch-node init` asks for to set up a standalone device.
#[derive(Clone, Debug, Deserialize)]
pub struct StandaloneSetup {
    pub branch_name: String,
    pub gstin: String,
    pub state_code: String,
    pub address: String,
    pub invoice_prefix: String,
    pub credit_note_prefix: String,
    pub upi_id: Option<String>,
    pub owner_name: String,
    pub owner_pin: String,
}

impl Node {
    /// Open an existing device database and its key file.
    pub fn open(db: &Path) -> Result<Node> {
        let keys = KeyFile::load(db)?;
        let store = Store::open(db)?;
        let meta = store::meta_get(&store.conn, "genesis")?.ok_or(NodeError::NotInitialized)?;
        let g: GenesisMeta = serde_json::from_str(&meta)
            .map_err(|e| NodeError::Setup(format!("genesis record is damaged: {e}")))?;
        let genesis = Genesis {
            owner: g.owner,
            hub_device: g.hub_device,
            hub_key: g.hub_key,
        };
        let offset: i64 = store::meta_get(&store.conn, "clock_offset")?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let last = store::max_stamp(&store.conn)?;
        let resume = |device, seed| -> Result<DeviceWriter> {
            let head = store::chain_head(&store.conn, device)?;
            let clock = Clock::new(last, offset);
            Ok(DeviceWriter::resume(
                device,
                DeviceKey::from_seed(seed),
                head,
                clock,
            ))
        };
        let writer = resume(keys.device, keys.device_seed()?)?;
        let root = match keys.root_seed()? {
            Some(seed) => Some(resume(genesis.hub_device, seed)?),
            None => None,
        };
        let applied = store::applied(&store.conn)?;
        Ok(Node {
            _checkpointer: store::Checkpointer::spawn(db)?,
            device: keys.device,
            branch: g.branch,
            db_path: db.to_path_buf(),
            signer: DeviceKey::from_seed(keys.device_seed()?),
            clock_offset: AtomicI64::new(offset),
            request_clock: Default::default(),
            sync: crate::peers::SyncSignal::starting_at(
                (now_ms() as i64).saturating_add(offset).max(0) as u64,
            ),
            inner: Mutex::new(Inner {
                store,
                genesis,
                writer,
                root,
                branch: g.branch,
                branch_key: keys.branch_key()?,
                applied,
            }),
        })
    }

    /// Create a standalone device: its own stand-in hub (root of trust), one
    /// branch, the owner, and this device enrolled as the branch's store.
    pub fn init_standalone(db: &Path, s: &StandaloneSetup) -> Result<Node> {
        refuse_existing(db)?;
        crypto::check_pin(&s.owner_pin)?;
        let device = DeviceId(crypto::random_bytes()?);
        let root_device = DeviceId(crypto::random_bytes()?);
        let keys = KeyFile {
            device,
            device_seed: hex::encode(crypto::random_bytes::<32>()?),
            branch_key: hex::encode(crypto::random_bytes::<32>()?),
            root_seed: Some(hex::encode(crypto::random_bytes::<32>()?)),
        };
        let root_key = DeviceKey::from_seed(keys.root_seed()?.expect("standalone has a root"));
        let owner = UserId(crypto::random_bytes()?);
        let branch = BranchId(crypto::random_bytes()?);
        let genesis = GenesisMeta {
            owner,
            hub_device: root_device,
            hub_key: root_key.public(),
            branch,
        };
        let dev_key = DeviceKey::from_seed(keys.device_seed()?);
        provision(db, &genesis, &keys, &[])?;
        let node = Node::open(db)?;
        let pin_hash = crypto::hash_pin(&s.owner_pin)?;
        node.commit_as_root(OpBody::BranchCreated(Branch {
            id: branch,
            name: s.branch_name.clone(),
            gstin: s.gstin.clone(),
            state_code: s.state_code.clone(),
            address: s.address.clone(),
            invoice_prefix: s.invoice_prefix.clone(),
            credit_note_prefix: s.credit_note_prefix.clone(),
            upi_id: s.upi_id.clone(),
            phone: None,
        }))?;
        node.commit_as_root(OpBody::UserCreated(User {
            id: owner,
            name: s.owner_name.clone(),
            role: Role::Owner,
            branch: None,
            pin_hash,
        }))?;
        // The owner's own device: it stands in for the hub, so the owner
        // signs on it (ceiling owner). The enrollment is the root's, in HQ.
        node.commit_as_root(OpBody::DeviceEnrolled {
            device,
            key: dev_key.public(),
            branch,
            label: "front desk".into(),
            holds_store: true,
            ceiling: Some(Role::Owner),
            hub: false,
            number: Some(1),
            series: None,
        })?;
        Ok(node)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn genesis(&self) -> Genesis {
        self.lock().genesis.clone()
    }

    pub fn branch_key(&self) -> [u8; 32] {
        self.lock().branch_key
    }

    pub fn is_standalone(&self) -> bool {
        self.lock().root.is_some()
    }

    /// Make, check, append and materialize one operation as `author` on this
    /// device. Durable when it returns.
    pub fn commit(&self, author: UserId, body: OpBody) -> Result<Op> {
        let mut g = self.lock();
        let branch = g.branch;
        let op = commit_with(&mut g, false, author, branch, body)?;
        self.sync.dirty();
        Ok(op)
    }

    /// Several operations as one unit: all are committed, or none.
    pub fn commit_many(&self, author: UserId, bodies: Vec<OpBody>) -> Result<Vec<Op>> {
        let mut g = self.lock();
        let branch = g.branch;
        let ops = commit_all(&mut g, false, author, branch, |_| Ok(bodies), &|_| Ok(()))?;
        self.sync.dirty();
        Ok(ops)
    }

    /// Several operations as one unit, made from what `make` reads inside
    /// the write transaction (the device's next job number, say): nothing
    /// else can commit between that read and these ops.
    pub fn write(
        &self,
        author: UserId,
        make: impl FnOnce(&rusqlite::Connection) -> Result<Vec<OpBody>>,
    ) -> Result<Vec<Op>> {
        let mut g = self.lock();
        let branch = g.branch;
        let ops = commit_all(&mut g, false, author, branch, make, &|_| Ok(()))?;
        self.sync.dirty();
        Ok(ops)
    }

    /// One operation plus device-local bookkeeping (`local`, e.g. deleting the
    /// draft an invoice was finalized from) in the same transaction.
    pub fn commit_with_local(
        &self,
        author: UserId,
        body: OpBody,
        local: &dyn Fn(&rusqlite::Connection) -> Result<()>,
    ) -> Result<Op> {
        let mut g = self.lock();
        let branch = g.branch;
        let op = commit_all(&mut g, false, author, branch, |_| Ok(vec![body]), local)?
            .pop()
            .expect("one op");
        self.sync.dirty();
        Ok(op)
    }

    /// Standalone only: an operation of the stand-in hub, made by the owner.
    /// The root signs only for `HQ` (see `rules::actor`).
    pub fn commit_as_root(&self, body: OpBody) -> Result<Op> {
        let mut g = self.lock();
        if g.root.is_none() {
            return Err(NodeError::Setup("only a standalone device can act as its own hub; this device is enrolled with a hub".into()));
        }
        let owner = g.genesis.owner;
        let op = commit_with(&mut g, true, owner, HQ, body)?;
        self.sync.dirty();
        Ok(op)
    }

    /// Sign `msg` with this device's key (sync requests; see
    /// `sync_core::protocol::request_signing_bytes`).
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.signer.sign(msg)
    }

    /// This device's public key.
    pub fn public_key(&self) -> PublicKey {
        self.signer.public()
    }

    /// The clock offset learnt from the hub, in ms.
    pub fn clock_offset_ms(&self) -> i64 {
        self.clock_offset.load(Ordering::Relaxed)
    }

    /// This machine's time corrected by the offset learnt from the hub.
    pub fn corrected_now_ms(&self) -> u64 {
        (now_ms() as i64)
            .saturating_add(self.clock_offset_ms())
            .max(0) as u64
    }

    /// The time to sign a sync request with: the corrected clock, never the
    /// same twice, so a peer can refuse a request it has already taken.
    pub fn request_time_ms(&self) -> u64 {
        self.request_clock.next(self.corrected_now_ms())
    }

    /// Adopt the hub's time: `local_ms` is this machine's clock when the
    /// hub read `hub_ms`. Persisted in `device_meta.clock_offset`.
    pub fn calibrate(&self, local_ms: u64, hub_ms: u64) -> Result<i64> {
        let mut g = self.lock();
        g.writer.clock.calibrate(local_ms, hub_ms);
        let offset = g.writer.clock.offset_ms();
        if let Some(r) = g.root.as_mut() {
            r.clock.calibrate(local_ms, hub_ms);
        }
        store::meta_set(&g.store.conn, "clock_offset", &offset.to_string())?;
        self.clock_offset.store(offset, Ordering::Relaxed);
        Ok(offset)
    }

    /// Ask the sync loop (if running) to sync soon.
    pub fn request_sync(&self) {
        self.sync.dirty();
    }

    /// The hub this device is enrolled with (`device_meta.hub_url`).
    pub fn hub_url(&self) -> Result<Option<String>> {
        self.read(|c| store::meta_get(c, "hub_url"))
    }

    /// The LAN peers remembered by `serve --peer` (`device_meta.lan_peers`).
    pub fn lan_peers(&self) -> Result<Vec<String>> {
        Ok(self
            .read(|c| store::meta_get(c, "lan_peers"))?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    pub fn set_lan_peers(&self, peers: &[String]) -> Result<()> {
        let peers: Vec<String> = peers.iter().map(|p| crate::peers::peer_key(p)).collect();
        let json = serde_json::to_string(&peers).expect("strings serialize");
        self.read(|c| store::meta_set(c, "lan_peers", &json))
    }

    /// Every peer this device syncs with: its hub first, then LAN peers.
    pub fn sync_peers(&self) -> Result<Vec<String>> {
        let mut out: Vec<String> = self
            .hub_url()?
            .into_iter()
            .map(|u| crate::peers::peer_key(&u))
            .collect();
        for p in self.lan_peers()? {
            if !out.contains(&p) {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Device-local bookkeeping (a peer's acknowledgements and cursor) in
    /// one `BEGIN IMMEDIATE` transaction. No operation is made here: ops go
    /// through [`Node::write`] and its kin, received ones through
    /// [`Node::receive`].
    pub fn transaction<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> Result<T>) -> Result<T> {
        let mut g = self.lock();
        let tx = g
            .store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let v = f(&tx)?;
        tx.commit()?;
        Ok(v)
    }

    /// Take received operations in: `apply` runs in one `BEGIN IMMEDIATE`
    /// transaction, with the root of trust, and returns what it did and the
    /// newest stamp it applied. Once committed, the device follows: the
    /// applied version vector, the clocks (the newest stamp, unless too far
    /// ahead to adopt), and the writers' chain heads when ops of their own
    /// came back that they do not remember making (a restored database).
    pub fn receive<T>(
        &self,
        apply: impl FnOnce(&mut rusqlite::Transaction, &Genesis) -> Result<(T, Option<Stamp>)>,
    ) -> Result<T> {
        let mut g = self.lock();
        let inner = &mut *g;
        let mut tx = inner
            .store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (out, newest) = apply(&mut tx, &inner.genesis)?;
        tx.commit()?;
        let c = &inner.store.conn;
        inner.applied = store::applied(c)?;
        for w in std::iter::once(&mut inner.writer).chain(inner.root.as_mut()) {
            if let Some(s) = newest {
                // A stamp too far ahead is refused by the clock, not adopted.
                let _ = w.clock.observe(s, now_ms());
            }
            let head = store::chain_head(c, w.device)?;
            if head.seq > w.state.seq {
                w.follow(head);
            }
        }
        Ok(out)
    }

    /// The root of trust and the branch key, for making another device's
    /// database (`sync::enrollment`).
    pub(crate) fn genesis_meta(&self) -> (GenesisMeta, [u8; 32]) {
        let g = self.lock();
        let meta = GenesisMeta {
            owner: g.genesis.owner,
            hub_device: g.genesis.hub_device,
            hub_key: g.genesis.hub_key,
            branch: g.branch,
        };
        (meta, g.branch_key)
    }

    /// Run `f` with a read-only view of the tables.
    pub fn read<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> Result<T>) -> Result<T> {
        let g = self.lock();
        f(&g.store.conn)
    }

    /// Check an operation body with the rule book without committing it.
    pub fn check(&self, author: UserId, body: &OpBody) -> Result<()> {
        self.check_for(author, self.branch, body)
    }

    /// As [`Node::check`], for an operation on behalf of `branch`.
    pub fn check_for(&self, author: UserId, branch: BranchId, body: &OpBody) -> Result<()> {
        let g = self.lock();
        let ctx = TxCtx::new(&g.store.conn, &g.genesis);
        let probe = sync_core::op::UnsignedOp {
            id: OpId {
                device: g.writer.device,
                seq: g.writer.state.seq + 1,
            },
            hlc: g.writer.clock.last(),
            author,
            branch,
            prev: g.writer.state.prev,
            deps: vec![],
            body: body.clone(),
        }
        .sign(&g.writer.key)?;
        Ok(rules::check_new(&probe, &ctx as &dyn RuleContext)?)
    }
}

fn commit_with(
    g: &mut Inner,
    as_root: bool,
    author: UserId,
    branch: BranchId,
    body: OpBody,
) -> Result<Op> {
    Ok(
        commit_all(g, as_root, author, branch, |_| Ok(vec![body]), &|_| Ok(()))?
            .pop()
            .expect("one op"),
    )
}

/// Make, check and apply several operations in one transaction: all land, or
/// none does (and the writer's chain is rewound).
fn commit_all(
    g: &mut Inner,
    as_root: bool,
    author: UserId,
    branch: BranchId,
    bodies: impl FnOnce(&rusqlite::Connection) -> Result<Vec<OpBody>>,
    local: &dyn Fn(&rusqlite::Connection) -> Result<()>,
) -> Result<Vec<Op>> {
    let mut applied = g.applied.clone();
    let Inner {
        store,
        genesis,
        writer,
        root,
        ..
    } = g;
    let w = if as_root {
        root.as_mut().expect("checked by caller")
    } else {
        writer
    };
    // Numbers taken here are given back unless the transaction commits,
    // whether the write fails by an error or a panic.
    let mut w = w.tentative();
    let tx = store
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    // What the ops say is read in the transaction that commits them (the
    // next job number): no value read under one lock, committed under another.
    let bodies = bodies(&tx)?;
    let mut ops = Vec::with_capacity(bodies.len());
    for body in bodies {
        let making = sqlite_replica::own::Making {
            author,
            branch,
            body,
            applied: &applied,
            wall_ms: now_ms(),
        };
        let op = sqlite_replica::own::make_and_apply(&tx, genesis, &mut w, making)?;
        applied.observe(op.id);
        ops.push(op);
    }
    local(&tx)?;
    tx.commit()?;
    w.keep();
    g.applied = applied;
    Ok(ops)
}
