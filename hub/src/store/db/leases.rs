//! The lease book: which blocks of a branch's invoice and credit-note
//! series each device holds. Blocks only go upwards and are never leased
//! twice, and a device is refused more while it sits on unused numbers,
//! because every number leased and never used is a gap the owner must
//! explain in GSTR-1.

use sqlite_replica::to16;
use sqlite_replica::{Sql, SqlExt, p};
use sync_core::body::{Lease, OpBody, OwnSeries};
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::{DocType, Series};
use sync_core::domain::lease::LeaseBook;
use sync_core::domain::roles::Role;
use sync_core::ids::{BranchId, DeviceId, RecordId};
use sync_core::replica::Genesis;
use sync_core::writer::DeviceWriter;

use super::ops::{HubOp, commit_in};
use super::{HubDb, branch_hub, random};
use crate::error::{HubError, Result};

/// Numbers per lease block.
pub const DEFAULT_LEASE: u64 = 50;

/// Numbers a device may hold unused in one series before it is refused
/// more (two blocks): a device asks when fewer than 20 remain, so an honest
/// one never meets this; a flood of lease requests meets it at once.
pub const MAX_UNUSED_PER_SERIES: u64 = 2 * DEFAULT_LEASE;

/// A block of numbers asked for: a lease call names it, and an enrollment
/// of the counter names its first two.
pub(super) struct LeaseGrant {
    /// The device that will hold the numbers.
    pub(super) device: DeviceId,
    /// Whose series: a branch's numbers are its own.
    pub(super) branch: BranchId,
    /// The device's own series, when it has one: its blocks are of that.
    pub(super) own: Option<OwnSeries>,
    pub(super) doc_type: DocType,
    pub(super) size: u64,
    /// The day whose financial year the series is of.
    pub(super) today: Date,
}

/// Grant the next block of the branch's series, as a `LeaseGranted` op in
/// the branch's chain, inside the caller's transaction (a lease call, or an
/// enrollment).
pub(super) fn grant_in(
    tx: &dyn Sql,
    genesis: &Genesis,
    root_seed: &[u8; 32],
    writers: &mut std::collections::HashMap<DeviceId, DeviceWriter>,
    grant: LeaseGrant,
) -> Result<Lease> {
    let LeaseGrant {
        device,
        branch,
        own,
        doc_type,
        size,
        today,
    } = grant;
    let (prefix, series) = series_of(tx, branch, own.as_ref(), doc_type, today)?;
    // Blocks go upwards and are never re-leased, even after revocation.
    let high: u64 = tx
        .row(
            "SELECT max(last) FROM leases WHERE prefix = ?1 AND doc_type = ?2 AND fy = ?3",
            p![prefix, doc_type.as_str(), series.fy],
            |r| r.get::<Option<u64>>(0),
        )?
        .unwrap_or(0);
    let mut book = LeaseBook::default();
    if high > 0 {
        book.insert(Lease {
            id: RecordId([0; 16]),
            device,
            doc_type,
            prefix: prefix.clone(),
            fy: series.fy,
            first: 1,
            last: high,
        })?;
    }
    let lease = book.grant(RecordId(random()?), &series, device, size)?;
    let hubdev = branch_hub(root_seed, branch).0;
    let owner = genesis.owner;
    commit_in(
        tx,
        genesis,
        root_seed,
        writers,
        HubOp {
            device: hubdev,
            branch,
            author: owner,
            body: OpBody::LeaseGranted(lease.clone()),
        },
    )?;
    tx.run("INSERT INTO series_high (prefix, doc_type, fy, high) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (prefix, doc_type, fy) DO UPDATE SET high = excluded.high", p![prefix, doc_type.as_str(), series.fy, lease.last])?;
    Ok(lease)
}

/// The series of `doc_type` a device numbers in for the financial year of
/// `today`: its own when it has one, else its branch's.
fn series_of(
    tx: &dyn Sql,
    branch: BranchId,
    own: Option<&OwnSeries>,
    doc_type: DocType,
    today: Date,
) -> Result<(String, Series)> {
    let (inv, cn): (String, String) = tx.row(
        "SELECT invoice_prefix, credit_note_prefix FROM branches WHERE id = ?1",
        p![&branch.0[..]],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let prefix = sync_core::domain::invoice_no::prefix_for(own, &inv, &cn, doc_type).to_string();
    let series = Series::new(&prefix, doc_type, today.financial_year())?;
    Ok((prefix, series))
}

/// Leases go only to a device that can issue documents (its ceiling admits
/// a role that may invoice), and only while it holds fewer than
/// [`MAX_UNUSED_PER_SERIES`] unused numbers of that series: every number
/// leased and never used is a gap in GSTR-1's documents-issued table.
fn lease_allowed(
    tx: &dyn Sql,
    device: DeviceId,
    branch: BranchId,
    own: Option<&OwnSeries>,
    ceiling: &str,
    doc_type: DocType,
    today: Date,
) -> Result<()> {
    use sync_core::domain::roles::{Action, allowed};
    let ceiling = Role::parse(ceiling).unwrap_or(Role::Technician);
    if !Role::ALL
        .iter()
        .any(|r| r.within(ceiling) && allowed(*r, Action::CreateInvoices))
    {
        return Err(HubError::invalid(
            "device",
            format!(
                "a device whose ceiling is {} cannot issue documents, so it holds no numbers",
                ceiling.as_str()
            ),
        ));
    }
    let (prefix, series) = series_of(tx, branch, own, doc_type, today)?;
    let leases: Vec<Lease> = tx.all(
        "SELECT id, first, last FROM leases WHERE device = ?1 AND prefix = ?2 AND doc_type = ?3 AND fy = ?4",
        p![&device.0[..], prefix, doc_type.as_str(), series.fy],
        |r| {
            Ok(Lease {
                id: RecordId(to16(&r.get::<Vec<u8>>(0)?)),
                device,
                doc_type,
                prefix: prefix.clone(),
                fy: series.fy,
                first: r.get(1)?,
                last: r.get(2)?,
            })
        },
    )?;
    let used: Option<u64> = tx
        .row("SELECT max(seq) FROM documents WHERE device = ?1 AND prefix = ?2 AND doc_type = ?3 AND fy = ?4", p![&device.0[..], prefix, doc_type.as_str(), series.fy], |r| r.get(0))?;
    let unused =
        sync_core::domain::lease::remaining(leases.iter(), device, &series, used.unwrap_or(0));
    if unused >= MAX_UNUSED_PER_SERIES {
        return Err(HubError::invalid(
            "doc_type",
            format!(
                "this device still holds {unused} unused {} numbers; it gets more when fewer than 20 remain",
                doc_type.as_str()
            ),
        ));
    }
    Ok(())
}

pub(super) fn lease_block(
    hub: &HubDb,
    device: DeviceId,
    doc_type: DocType,
    size: u64,
    today: Date,
) -> Result<Lease> {
    hub.write(|tx, p| {
        type Row = (Vec<u8>, bool, String, Option<String>, Option<String>);
        let (branch, revoked, ceiling, inv, cn): Row = tx
            .one(
                "SELECT branch, revoked, ceiling, invoice_prefix, credit_note_prefix FROM devices WHERE id = ?1",
                p![&device.0[..]],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?
            .ok_or_else(|| HubError::NotFound(format!("device {device}")))?;
        let own = own_series(inv, cn);
        if revoked {
            return Err(HubError::Revoked(device.to_string()));
        }
        let branch = BranchId(to16(&branch));
        // "Not now" before any other answer: the lease book may lack blocks
        // granted after the backup.
        super::restore::refuse_if_recovering(tx, branch)?;
        lease_allowed(tx, device, branch, own.as_ref(), &ceiling, doc_type, today)?;
        let lease = grant_in(
            tx,
            p.genesis,
            p.root_seed,
            p.writers,
            LeaseGrant {
                device,
                branch,
                own,
                doc_type,
                size,
                today,
            },
        )?;
        Ok(lease)
    })
}

/// A device's own series from its two stored prefixes (both or neither).
pub(super) fn own_series(inv: Option<String>, cn: Option<String>) -> Option<OwnSeries> {
    Some(OwnSeries {
        invoice_prefix: inv?,
        credit_note_prefix: cn?,
    })
}
