//! The job board: job cards as one line each, filtered by status,
//! technician or customer, and the count behind the next job number.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sync_core::ids::{BranchId, RecordId, UserId};

use super::{rid, uid};
use crate::error::{NodeError, Result};
use crate::store::to16;

#[derive(Clone, Debug, Serialize)]
pub struct JobSummary {
    pub id: RecordId,
    pub job_no: String,
    pub customer: RecordId,
    pub customer_name: String,
    pub customer_mobile: String,
    pub device_type: String,
    pub brand: String,
    pub model: String,
    pub serial: String,
    pub status: String,
    pub technician: Option<UserId>,
    pub technician_name: Option<String>,
    pub promised: Option<String>,
    pub opened_at: u64,
    pub updated_at: u64,
    pub status_conflicts: u32,
}

const JOB_COLS: &str = "j.id, j.job_no, j.customer, c.name, c.mobile, j.device_type, j.brand, j.model, j.serial, j.status, j.technician, u.name, j.promised, j.opened_at, j.updated_at, j.conflicts";

fn job_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobSummary> {
    Ok(JobSummary {
        id: rid(r.get(0)?),
        job_no: r.get(1)?,
        customer: rid(r.get(2)?),
        customer_name: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
        customer_mobile: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
        device_type: r.get(5)?,
        brand: r.get(6)?,
        model: r.get(7)?,
        serial: r.get(8)?,
        status: r.get(9)?,
        technician: r.get::<_, Option<Vec<u8>>>(10)?.map(uid),
        technician_name: r.get(11)?,
        promised: r.get(12)?,
        opened_at: r.get(13)?,
        updated_at: r.get(14)?,
        status_conflicts: r.get(15)?,
    })
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct JobFilter {
    pub status: Option<String>,
    pub technician: Option<UserId>,
    pub customer: Option<RecordId>,
    /// Open jobs only (not delivered or cancelled).
    pub open: Option<bool>,
    pub limit: Option<u32>,
}

pub fn jobs(c: &Connection, branch: BranchId, f: &JobFilter) -> Result<Vec<JobSummary>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {JOB_COLS} FROM jobs j LEFT JOIN customers c ON c.id = j.customer LEFT JOIN users u ON u.id = j.technician
         WHERE j.branch = ?1 AND (?2 IS NULL OR j.status = ?2) AND (?3 IS NULL OR j.technician = ?3) AND (?4 IS NULL OR j.customer = ?4)
           AND (?5 = 0 OR j.status NOT IN ('delivered', 'cancelled'))
         ORDER BY j.opened_at DESC LIMIT ?6"
    ))?;
    let rows = stmt.query_map(
        params![
            &branch.0[..],
            f.status,
            f.technician.map(|t| t.0.to_vec()),
            f.customer.map(|t| t.0.to_vec()),
            f.open.unwrap_or(false),
            f.limit.unwrap_or(500).min(10_000)
        ],
        job_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn job_summary(c: &Connection, id: RecordId) -> Result<JobSummary> {
    c.prepare_cached(&format!(
        "SELECT {JOB_COLS} FROM jobs j LEFT JOIN customers c ON c.id = j.customer LEFT JOIN users u ON u.id = j.technician WHERE j.id = ?1"
    ))?
    .query_row([&id.0[..]], job_row)
    .optional()?
    .ok_or_else(|| NodeError::NotFound(format!("job {id}")))
}

pub fn job_branch(c: &Connection, id: RecordId) -> Result<BranchId> {
    c.prepare_cached("SELECT branch FROM jobs WHERE id = ?1")?
        .query_row([&id.0[..]], |r| r.get::<_, Vec<u8>>(0))
        .optional()?
        .map(|b| BranchId(to16(&b)))
        .ok_or_else(|| NodeError::NotFound(format!("job {id}")))
}

/// Job cards whose number starts with `prefix` (this device's).
pub fn jobs_numbered_with(c: &Connection, prefix: &str) -> Result<u64> {
    // `LIKE` would treat `_` and `%` in the prefix as wildcards.
    Ok(
        c.prepare_cached("SELECT count(*) FROM jobs WHERE substr(job_no, 1, length(?1)) = ?1")?
            .query_row([prefix], |r| r.get(0))?,
    )
}
