//! Invoice drafts: device-local rows, never ops. A draft has no number and
//! never leaves this device; finalizing it is what makes the signed
//! document, so editing one here changes nothing anyone else holds.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sync_core::body::Line;
use sync_core::domain::invoice_no::DocType;
use sync_core::ids::{RecordId, UserId};

use crate::error::{NodeError, Result};

/// A draft invoice or credit note: no number yet, never leaves this device.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Draft {
    pub id: RecordId,
    pub doc_type: DocType,
    pub job: Option<RecordId>,
    pub customer: Option<RecordId>,
    pub customer_name: String,
    pub customer_gstin: Option<String>,
    pub customer_address: Option<String>,
    pub customer_state: Option<String>,
    pub against: Option<RecordId>,
    pub reason: Option<String>,
    pub lines: Vec<Line>,
    pub created_at: u64,
    pub created_by: UserId,
}

pub fn insert_draft(c: &Connection, d: &Draft) -> Result<()> {
    c.prepare_cached("INSERT INTO invoice_drafts (id, doc_type, job, customer, against, body, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?.execute(params![
        &d.id.0[..],
        d.doc_type.as_str(),
        d.job.map(|j| j.0.to_vec()),
        d.customer.map(|j| j.0.to_vec()),
        d.against.map(|j| j.0.to_vec()),
        serde_json::to_string(d).expect("draft serializes"),
        d.created_at,
        &d.created_by.0[..]
    ])?;
    Ok(())
}

pub fn draft(c: &Connection, id: RecordId) -> Result<Draft> {
    let body: String = c
        .prepare_cached("SELECT body FROM invoice_drafts WHERE id = ?1")?
        .query_row([&id.0[..]], |r| r.get(0))
        .optional()?
        .ok_or_else(|| NodeError::NotFound(format!("draft {id}")))?;
    serde_json::from_str(&body).map_err(|e| NodeError::Setup(format!("draft is damaged: {e}")))
}

pub fn drafts(c: &Connection) -> Result<Vec<Draft>> {
    let mut stmt = c.prepare_cached("SELECT body FROM invoice_drafts ORDER BY created_at DESC")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = vec![];
    for r in rows {
        if let Ok(d) = serde_json::from_str(&r?) {
            out.push(d);
        }
    }
    Ok(out)
}

pub fn delete_draft(c: &Connection, id: RecordId) -> Result<bool> {
    Ok(
        c.prepare_cached("DELETE FROM invoice_drafts WHERE id = ?1")?
            .execute([&id.0[..]])?
            == 1,
    )
}

/// Replace a draft's body (its lines edited). False when the draft is gone,
/// finalized or discarded meanwhile.
pub fn update_draft(c: &Connection, d: &Draft) -> Result<bool> {
    Ok(
        c.prepare_cached("UPDATE invoice_drafts SET body = ?2 WHERE id = ?1")?
            .execute(params![
                &d.id.0[..],
                serde_json::to_string(d).expect("draft serializes")
            ])?
            == 1,
    )
}
