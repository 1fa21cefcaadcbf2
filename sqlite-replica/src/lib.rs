//! `sqlite-replica`: the queryable tables of the shared schema, materialized
//! from signed operations. A device and the hub keep the same tables this
//! way, so they answer the rule book (`RuleContext`) identically.
//!
//! - [`apply`]: append an op to the log and materialize it (one op, inside
//!   the caller's transaction).
//! - [`ctx`]: the rule book's view of the tables.
//! - [`receive`]: take operations from elsewhere — verify the signature and
//!   the chain, hold back what is not causally ready, and apply in order.
//! - [`review`]: what honest concurrency leaves for a person (overpaid
//!   invoices, edits of closed jobs).
//! - [`digest`]: a hash of the state a device and the hub both hold.
//! - [`overrule`]: the hub's refusal of an op already applied here (a LAN
//!   peer passed it on first), and the rebuild of the tables without it.
//! - [`versions`]: the live versions of a field, which a new write supersedes.

pub mod apply;
pub mod ctx;
pub mod digest;
pub mod overrule;
pub mod own;
pub mod receive;
pub mod review;
pub mod sql;
pub mod versions;

pub use sql::{Sql, SqlExt};
use sync_core::body::Lease;
use sync_core::chain::ChainHead;
use sync_core::domain::invoice_no::DocType;
use sync_core::hlc::Stamp;
use sync_core::ids::{DeviceId, RecordId};
use sync_core::op::OpHash;
use sync_core::vv::VersionVector;

#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    #[error(transparent)]
    Rule(#[from] sync_core::CoreError),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("stored data is damaged: {0}")]
    Damaged(String),
    /// An engine other than SQLite (PostgreSQL, in `hub-pg`) failed.
    #[error("database error: {0}")]
    Engine(String),
}

impl ReplicaError {
    pub fn invalid(field: &str, rule: impl Into<String>) -> Self {
        ReplicaError::Rule(sync_core::CoreError::invalid(field, rule))
    }
}

pub type Result<T, E = ReplicaError> = std::result::Result<T, E>;

/// What this replica holds: the chain head of every device.
pub fn applied(c: &dyn Sql) -> Result<VersionVector> {
    let mut vv = VersionVector::default();
    c.each("SELECT device, seq FROM chain_heads", p![], &mut |r| {
        vv.0.insert(DeviceId(to16(&r.get::<Vec<u8>>(0)?)), r.get(1)?);
        Ok(true)
    })?;
    Ok(vv)
}

pub fn chain_head(c: &dyn Sql, device: DeviceId) -> Result<ChainHead> {
    Ok(c.one(
        "SELECT seq, hash FROM chain_heads WHERE device = ?1",
        p![device.0],
        |r| {
            Ok(ChainHead {
                seq: r.get(0)?,
                hash: OpHash(to32(&r.get::<Vec<u8>>(1)?)),
            })
        },
    )?
    .unwrap_or_default())
}

/// The latest HLC stamp in the log, to restart a clock monotonically.
pub fn max_stamp(c: &dyn Sql) -> Result<Stamp> {
    Ok(c.one(
        "SELECT hlc_wall, hlc_logical FROM ops ORDER BY hlc_wall DESC, hlc_logical DESC LIMIT 1",
        p![],
        |r| Ok(Stamp::new(r.get(0)?, r.get(1)?)),
    )?
    .unwrap_or_default())
}

/// The number blocks leased to `device`, by series then first number. One
/// reading of the shared `leases` table, for the device's own view and for
/// the hub's report of a revoked device's blocks.
pub fn leases_of(c: &dyn Sql, device: DeviceId) -> Result<Vec<Lease>> {
    c.all(
        "SELECT id, doc_type, prefix, fy, first, last FROM leases WHERE device = ?1 ORDER BY prefix, doc_type, fy, first",
        p![device.0],
        |r| {
            Ok(Lease {
                id: RecordId(to16(&r.get::<Vec<u8>>(0)?)),
                device,
                doc_type: DocType::parse(&r.get::<String>(1)?).unwrap_or(DocType::TaxInvoice),
                prefix: r.get(2)?,
                fy: r.get(3)?,
                first: r.get(4)?,
                last: r.get(5)?,
            })
        },
    )
}

pub fn to16(b: &[u8]) -> [u8; 16] {
    let mut o = [0u8; 16];
    let n = b.len().min(16);
    o[..n].copy_from_slice(&b[..n]);
    o
}

pub fn to32(b: &[u8]) -> [u8; 32] {
    let mut o = [0u8; 32];
    let n = b.len().min(32);
    o[..n].copy_from_slice(&b[..n]);
    o
}
