//! Customer messages: who a message goes to, the sealed delivery OTP the
//! "ready" message repeats, and each job's messages with the hub's latest
//! news of them (for the job's timeline).

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use sync_core::body::Sealed;
use sync_core::ids::RecordId;

use super::{rid, uid};
use crate::error::{NodeError, Result};

/// What a message to a customer needs of them.
#[derive(Clone, Debug)]
pub struct Contact {
    pub name: String,
    pub mobile: String,
    /// A `messages::Language` code, when the customer chose one.
    pub language: Option<String>,
    /// The customer asked for no messages.
    pub no_messages: bool,
}

pub fn contact(c: &Connection, customer: RecordId) -> Result<Contact> {
    c.prepare_cached("SELECT name, mobile, language, no_messages FROM customers WHERE id = ?1")?
        .query_row([&customer.0[..]], |r| {
            Ok(Contact {
                name: r.get(0)?,
                mobile: r.get(1)?,
                language: r.get(2)?,
                no_messages: r.get(3)?,
            })
        })
        .optional()?
        .ok_or_else(|| NodeError::NotFound(format!("customer {customer}")))
}

/// A job's OTP hash and, if it was sealed, the sealed OTP.
pub fn job_otp(c: &Connection, job: RecordId) -> Result<(String, Option<Sealed>)> {
    let (hash, sealed): (String, Option<String>) = c
        .prepare_cached("SELECT otp_hash, otp_sealed FROM jobs WHERE id = ?1")?
        .query_row([&job.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| NodeError::NotFound(format!("job {job}")))?;
    Ok((hash, sealed.and_then(|s| serde_json::from_str(&s).ok())))
}

/// One message as the job's timeline shows it.
#[derive(Clone, Debug, Serialize)]
pub struct MessageView {
    pub id: RecordId,
    pub event: String,
    pub language: String,
    pub to: String,
    pub values: Vec<String>,
    pub resend_of: Option<RecordId>,
    pub by: sync_core::ids::UserId,
    pub at: u64,
    /// `queued`, `not_sent`, `unknown`, `sent`, `delivered`, `read`, `failed`.
    pub status: String,
    pub channel: Option<String>,
    pub reason: Option<String>,
    pub status_at: Option<u64>,
}

pub fn job_messages(c: &Connection, job: RecordId) -> Result<Vec<MessageView>> {
    let mut st = c.prepare_cached(
        "SELECT id, event, language, recipient, msg_values, resend_of, author, at, status, channel, reason, status_at
           FROM messages WHERE job = ?1 ORDER BY at, id",
    )?;
    let rows = st
        .query_map([&job.0[..]], |r| {
            let values: String = r.get(4)?;
            Ok(MessageView {
                id: rid(r.get(0)?),
                event: r.get(1)?,
                language: r.get(2)?,
                to: r.get(3)?,
                values: serde_json::from_str(&values).unwrap_or_default(),
                resend_of: r.get::<_, Option<Vec<u8>>>(5)?.map(rid),
                by: uid(r.get(6)?),
                at: r.get(7)?,
                status: r.get(8)?,
                channel: r.get(9)?,
                reason: r.get(10)?,
                status_at: r.get(11)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// One message, by id.
pub fn message(c: &Connection, id: RecordId) -> Result<(MessageView, RecordId, Option<RecordId>)> {
    let mut st = c.prepare_cached("SELECT job, customer FROM messages WHERE id = ?1")?;
    let (job, customer): (Option<Vec<u8>>, Vec<u8>) = st
        .query_row([&id.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| NodeError::NotFound(format!("message {id}")))?;
    let job = job.map(rid);
    let view = match job {
        Some(j) => job_messages(c, j)?.into_iter().find(|m| m.id == id),
        None => None,
    }
    .ok_or_else(|| NodeError::NotFound(format!("message {id}")))?;
    Ok((view, rid(customer), job))
}

/// The owner's words for `event` in `language` in force at `branch` (its
/// own, else the business's), if the owner wrote any.
pub fn template(
    c: &Connection,
    branch: sync_core::ids::BranchId,
    event: &str,
    language: &str,
) -> Result<Option<String>> {
    for scope in [branch, sync_core::replica::HQ] {
        let t: Option<String> = c
            .prepare_cached(
                "SELECT text FROM message_templates WHERE scope = ?1 AND event = ?2 AND language = ?3",
            )?
            .query_row(rusqlite::params![&scope.0[..], event, language], |r| r.get(0))
            .optional()?;
        if t.is_some() {
            return Ok(t);
        }
    }
    Ok(None)
}

/// The customer's rating of a job, once given on their page.
#[derive(Clone, Debug, Serialize)]
pub struct RatingView {
    pub stars: u8,
    pub comment: Option<String>,
    pub at: u64,
}

pub fn job_rating(c: &Connection, job: RecordId) -> Result<Option<RatingView>> {
    Ok(
        c.prepare_cached("SELECT stars, comment, at FROM job_ratings WHERE job = ?1")?
            .query_row([&job.0[..]], |r| {
                Ok(RatingView {
                    stars: r.get(0)?,
                    comment: r.get(1)?,
                    at: r.get(2)?,
                })
            })
            .optional()?,
    )
}
