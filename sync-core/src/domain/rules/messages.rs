//! The rules of customer messages: what a device may ask the hub to send,
//! and the hub's reports of what became of it.

use crate::body::{Message, MessageReport, MessageTemplate, Rating};
use crate::domain::validate;
use crate::error::CoreError;
use crate::op::Op;

use super::RuleContext;
use super::jobs::known_job;

/// The longest value of one variable: a name, a number, a device's brand
/// and model together (each up to 100 at intake), a link.
const VALUE_MAX: usize = 500;

/// Any member of the branch may tell its own customer of its own job: the
/// message rides with an event the author was allowed to make (an intake,
/// a status move, an invoice, a payment), or is a person's resend.
pub(super) fn message_queued(op: &Op, ctx: &dyn RuleContext, m: &Message) -> Result<(), CoreError> {
    if ctx.customer_branch(m.customer) != Some(op.branch) {
        return Err(CoreError::invalid(
            "customer",
            "unknown customer for this branch",
        ));
    }
    if let Some(job) = m.job {
        known_job(ctx, job, op.branch)?;
    }
    if validate::mobile("to", &m.to)? != m.to {
        return Err(CoreError::invalid("to", "must be stored as 10 digits"));
    }
    let wanted = m.event.variables().len();
    if m.values.len() != wanted {
        return Err(CoreError::invalid(
            "values",
            format!(
                "{} takes {wanted} values ({}), not {}",
                m.event.as_str(),
                m.event.variables().join(", "),
                m.values.len()
            ),
        ));
    }
    for v in &m.values {
        validate::text("values", v, 0, VALUE_MAX)?;
    }
    if ctx.message_branch(m.id).is_some() {
        return Err(CoreError::invalid("id", "this message is already recorded"));
    }
    Ok(())
}

/// The hub's report (only the hub signs it, `OpBody::hub_only`) is of a
/// message of the same branch.
pub(super) fn message_reported(
    op: &Op,
    ctx: &dyn RuleContext,
    r: &MessageReport,
) -> Result<(), CoreError> {
    if ctx.message_branch(r.message) != Some(op.branch) {
        return Err(CoreError::invalid(
            "message",
            "unknown message for this branch",
        ));
    }
    for (field, v) in [
        ("channel", &r.channel),
        ("provider_id", &r.provider_id),
        ("reason", &r.reason),
    ] {
        if let Some(v) = v {
            validate::text(field, v, 0, 500)?;
        }
    }
    Ok(())
}

/// The owner's words (only the hub signs them, `OpBody::hub_only`): for
/// the signing chain's own branch, or business-wide from the head office;
/// every variable of the event used, none other, within 1,000 characters.
pub(super) fn template_set(op: &Op, t: &MessageTemplate) -> Result<(), CoreError> {
    match t.branch {
        Some(b) if b != op.branch => {
            return Err(CoreError::invalid(
                "branch",
                "a branch's words are set in its own chain",
            ));
        }
        None if op.branch != crate::replica::HQ => {
            return Err(CoreError::invalid(
                "branch",
                "the business's words are set by the head office",
            ));
        }
        _ => {}
    }
    if let Some(text) = &t.text {
        validate::text("text", text, 1, 1000)?;
        crate::domain::messages::placeholders(text, t.event.variables().len())?;
    }
    Ok(())
}

/// The customer's rating (only the hub signs it, from their page): of a
/// job of the branch, one to five stars, a short word; made only once the
/// job is delivered (`fresh`). On receipt the delivery is not asked again:
/// a concurrent move another device made offline may since have won the
/// job's status, and every replica must take what the hub took.
pub(super) fn job_rated(
    op: &Op,
    ctx: &dyn RuleContext,
    fresh: bool,
    r: &Rating,
) -> Result<(), CoreError> {
    let j = known_job(ctx, r.job, op.branch)?;
    if fresh && j.status != crate::domain::lifecycle::JobStatus::Delivered {
        return Err(CoreError::invalid(
            "job",
            "a job is rated once it is delivered",
        ));
    }
    if !(1..=5).contains(&r.stars) {
        return Err(CoreError::invalid("stars", "must be 1 to 5"));
    }
    if let Some(c) = &r.comment {
        validate::text("comment", c, 0, 500)?;
    }
    Ok(())
}
