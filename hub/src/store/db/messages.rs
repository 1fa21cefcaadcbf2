//! The hub's outbox of customer messages, and what comes back of them.
//!
//! A message arrives as a device's op (`MessageQueued`, materialized in
//! `messages` like any record). Sending it is three steps, each its own
//! transaction, so that a message is asked of a provider **at most once**
//! whatever retries, crashes, duplicated pushes or other hub processes
//! come:
//!
//! 1. [`claim`]: a `message_sends` row, committed *before* the provider is
//!    asked; a message with a row is never picked again, and of two hub
//!    processes only the one whose insert lands sends;
//! 2. the request, outside any transaction (`crate::outbox`);
//! 3. [`answered`]: the provider's answer kept with the row and told to the
//!    branch as a hub-signed `MessageReported` op in its chain.
//!
//! A hub that stops between 1 and 3 leaves a `sending` row: [`unanswered`]
//! reports it as `unknown` (it may have gone out) and nothing sends it
//! again by itself; a person resends, or the provider's delivery report
//! (which names the message, [`webhook_status`]) settles it.

use sqlite_replica::{Sql, SqlExt, p, to16};
use sync_core::body::{MessageReport, OpBody};
use sync_core::domain::messages::{Event, Language, Status};
use sync_core::ids::{BranchId, RecordId};

use super::{HubDb, now_ms};
use crate::error::{HubError, Result};

/// A message the hub has not yet asked any provider to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub id: RecordId,
    pub branch: BranchId,
    /// The job it is about: its page is linked where the words have a link.
    pub job: Option<RecordId>,
    pub event: Event,
    pub language: Language,
    /// Ten digits.
    pub to: String,
    /// The customer's email as the hub has it now, if any.
    pub email: Option<String>,
    pub values: Vec<String>,
}

/// What became of one request to a provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Taken, under the provider's id.
    Sent { provider_id: String },
    /// Refused, with the provider's reason.
    Refused { reason: String },
    /// No answer after the request left: it may have gone out.
    Unknown { reason: String },
    /// Not sent: no channel is set up (the counter sends it by hand).
    NotSent { reason: String },
    /// The provider could not be reached: the request never left, so the
    /// claim is given back and the next round asks again.
    Retry,
}

/// One status of one message, from a provider's webhook (verified).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heard {
    /// What tells a repeat of this report from news.
    pub event_id: String,
    /// The provider's id of the message.
    pub provider_id: String,
    /// What the hub sent with the message: its id, hex.
    pub reference: Option<String>,
    pub status: Status,
    pub reason: Option<String>,
    pub at_ms: u64,
}

/// What a status webhook did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// News: the branch is told.
    Reported,
    /// The same event again (the provider retries): nothing changes.
    Repeat,
    /// Not news: the message is already as far along, or is not ours.
    Ignored,
}

/// The channel settings stored for `channel` (JSON), if any.
pub(super) fn channel(hub: &HubDb, channel: &str) -> Result<Option<String>> {
    hub.read(|c| {
        Ok(c.one(
            "SELECT settings FROM message_channels WHERE channel = ?1",
            p![channel],
            |r| r.get::<String>(0),
        )?)
    })
}

pub(super) fn set_channel(hub: &HubDb, channel: &str, settings: &str) -> Result<()> {
    hub.write_alone(|c| {
        c.run(
            "INSERT INTO message_channels (channel, settings, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (channel) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            p![channel, settings, now_ms()],
        )?;
        Ok(())
    })
}

/// Up to `limit` messages no provider was asked for yet, oldest first.
pub(super) fn to_send(hub: &HubDb, limit: u32) -> Result<Vec<Outgoing>> {
    type Row = (
        Vec<u8>,
        Vec<u8>,
        String,
        String,
        String,
        String,
        Option<Vec<u8>>,
        Option<String>,
    );
    let rows: Vec<Row> = hub.read(|c| {
        Ok(c.all(
            "SELECT m.id, m.branch, m.event, m.language, m.recipient, m.msg_values, m.job, c.email FROM messages m LEFT JOIN customers c ON c.id = m.customer
              WHERE m.status = 'queued' AND NOT EXISTS (SELECT 1 FROM message_sends s WHERE s.message = m.id)
              ORDER BY m.at, m.id LIMIT ?1",
            p![i64::from(limit)],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )?)
    })?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, branch, event, language, to, values, job, email)| {
            // Kinds a later version added are left for that version.
            Some(Outgoing {
                id: RecordId(to16(&id)),
                branch: BranchId(to16(&branch)),
                job: job.map(|j| RecordId(to16(&j))),
                event: Event::parse(&event)?,
                language: Language::parse(&language)?,
                to,
                email,
                values: serde_json::from_str(&values).ok()?,
            })
        })
        .collect())
}

/// Take `m` for sending by `channel`: true if this process is the one to
/// ask the provider (committed before it does).
pub(super) fn claim(hub: &HubDb, m: &Outgoing, channel: &str) -> Result<bool> {
    hub.write_alone(|c| {
        let n = c.run(
            "INSERT INTO message_sends (message, branch, channel, state, claimed_at) VALUES (?1, ?2, ?3, 'sending', ?4) ON CONFLICT DO NOTHING",
            p![&m.id.0[..], &m.branch.0[..], channel, now_ms()],
        )?;
        Ok(n == 1)
    })
}

/// The provider's answer to the request for `message`: kept, and told to
/// the branch.
pub(super) fn answered(hub: &HubDb, message: RecordId, answer: &Answer) -> Result<()> {
    let (state, status, provider_id, reason) = match answer {
        Answer::Retry => {
            return hub.write_alone(|c| {
                c.run(
                    "DELETE FROM message_sends WHERE message = ?1 AND state = 'sending'",
                    p![&message.0[..]],
                )?;
                Ok(())
            });
        }
        Answer::Sent { provider_id } => ("answered", Status::Sent, Some(provider_id), None),
        Answer::Refused { reason } => ("answered", Status::Failed, None, Some(reason)),
        Answer::Unknown { reason } => ("unanswered", Status::Unknown, None, Some(reason)),
        Answer::NotSent { reason } => ("answered", Status::NotSent, None, Some(reason)),
    };
    hub.write(|c, parts| {
        let (branch, channel) = send_row(c, message)?;
        // Only a send still waiting for its answer is answered, once: a
        // delivery report that came first, or another process's sweep of
        // a stale claim, has told the branch already.
        let n = c.run(
            "UPDATE message_sends SET state = ?1, provider_id = COALESCE(provider_id, ?2), reason = ?3, answered_at = ?4 WHERE message = ?5 AND state = 'sending'",
            p![state, provider_id, reason, now_ms(), &message.0[..]],
        )?;
        if n == 0 {
            return Ok(());
        }
        report(
            c,
            parts,
            branch,
            MessageReport {
                message,
                status,
                channel: (channel != "none").then_some(channel),
                provider_id: provider_id.cloned(),
                reason: reason.cloned(),
                at_ms: now_ms(),
            },
        )
    })
}

/// Sends left `sending` since before `cutoff_ms` by a hub that stopped:
/// each is reported `unknown` and never sent again by itself. Returns how
/// many.
pub(super) fn unanswered(hub: &HubDb, cutoff_ms: u64) -> Result<usize> {
    let stale: Vec<Vec<u8>> = hub.read(|c| {
        Ok(c.all(
            "SELECT message FROM message_sends WHERE state = 'sending' AND claimed_at < ?1",
            p![cutoff_ms],
            |r| r.get(0),
        )?)
    })?;
    for id in &stale {
        answered(
            hub,
            RecordId(to16(id)),
            &Answer::Unknown {
                reason: "the hub stopped while the provider was being asked: it may have gone out; it is not sent again by itself (resend it if the customer did not get it)".into(),
            },
        )?;
    }
    Ok(stale.len())
}

/// A status from the provider's webhook (already verified): its event id
/// makes a repeat harmless; the message is found by the reference the
/// hub sent with it (its id, hex) or else by the provider's id.
pub(super) fn webhook_status(hub: &HubDb, news: &Heard) -> Result<Outcome> {
    let Heard {
        event_id,
        provider_id,
        reference,
        status,
        reason,
        at_ms,
    } = news;
    let (status, at_ms) = (*status, *at_ms);
    hub.write(|c, parts| {
        let fresh = c.run(
            "INSERT INTO webhook_events (event_id, at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            p![event_id, now_ms()],
        )?;
        if fresh == 0 {
            return Ok(Outcome::Repeat);
        }
        let by_reference = reference
            .as_deref()
            .and_then(|r| hex::decode(r).ok())
            .filter(|b| b.len() == 16);
        let found: Option<(Vec<u8>, i64, String)> = match by_reference {
            Some(id) => c.one(
                "SELECT m.id, m.status_rank, s.channel FROM messages m JOIN message_sends s ON s.message = m.id WHERE m.id = ?1",
                p![&id[..]],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?,
            None => c.one(
                "SELECT m.id, m.status_rank, s.channel FROM messages m JOIN message_sends s ON s.message = m.id WHERE s.provider_id = ?1",
                p![provider_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?,
        };
        let Some((id, rank, channel)) = found else {
            return Ok(Outcome::Ignored);
        };
        if i64::from(status.rank()) <= rank {
            return Ok(Outcome::Ignored);
        }
        let message = RecordId(to16(&id));
        // A send the hub lost the answer to is settled by the report.
        c.run(
            "UPDATE message_sends SET state = 'answered', provider_id = COALESCE(provider_id, ?1) WHERE message = ?2",
            p![provider_id, &id[..]],
        )?;
        let (branch, _) = send_row(c, message)?;
        report(
            c,
            parts,
            branch,
            MessageReport {
                message,
                status,
                channel: Some(channel),
                provider_id: Some(provider_id.to_string()),
                reason: reason.clone(),
                at_ms,
            },
        )?;
        Ok(Outcome::Reported)
    })
}

fn send_row(c: &dyn Sql, message: RecordId) -> Result<(BranchId, String)> {
    let (branch, channel): (Vec<u8>, String) = c
        .one(
            "SELECT branch, channel FROM message_sends WHERE message = ?1",
            p![&message.0[..]],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .ok_or_else(|| HubError::NotFound(format!("send of message {message}")))?;
    Ok((BranchId(to16(&branch)), channel))
}

/// Tell the branch, in its own chain (signed by its hub device).
fn report(
    c: &dyn Sql,
    parts: &mut super::restore::InnerParts<'_>,
    branch: BranchId,
    r: MessageReport,
) -> Result<()> {
    super::restore::sign_for_branch(c, parts, branch, OpBody::MessageReported(r))
}
