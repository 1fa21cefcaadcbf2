//! The rules of a repair job: intake, field and text edits, status moves
//! (with delivery proof), estimate lines and the device-password access
//! log. They share the checks that a job is known, ours and open, kept here
//! next to them; stock movements on a job borrow `open_job`.

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::body::{FieldWrite, JobIntake, Line, StatusChange};
use crate::domain::lifecycle::{JobStatus, check_transition};
use crate::domain::roles::{Action, Role, require};
use crate::domain::validate;
use crate::error::CoreError;
use crate::ids::{BranchId, RecordId, UserId};
use crate::op::Op;

use super::{JobInfo, RuleContext, check_writes};

/// The fields an update may write (`domain::fields`).
pub const JOB_FIELDS: crate::domain::fields::Fields = crate::domain::fields::JOB;

pub(super) fn known_job(
    ctx: &dyn RuleContext,
    job: RecordId,
    branch: BranchId,
) -> Result<JobInfo, CoreError> {
    let j = ctx
        .job(job)
        .ok_or_else(|| CoreError::invalid("job", format!("job {job} is unknown")))?;
    if j.branch != branch {
        return Err(CoreError::invalid("job", "job belongs to another branch"));
    }
    Ok(j)
}

pub(super) fn read_only(status: JobStatus) -> CoreError {
    CoreError::invalid("job", format!("job is {} and read-only", status.as_str()))
}

/// A job to edit. Where the edit is made (`fresh`) the job must be open;
/// on receipt an edit of a job closed meanwhile is taken (its author had not
/// seen the closure: an honest offline device could have made it) and is
/// shown for review instead (see `late_edits` in the stores).
pub(super) fn open_job(
    ctx: &dyn RuleContext,
    job: RecordId,
    branch: BranchId,
    fresh: bool,
) -> Result<JobInfo, CoreError> {
    let j = known_job(ctx, job, branch)?;
    if fresh && j.status.is_terminal() {
        return Err(read_only(j.status));
    }
    Ok(j)
}

/// SHA-256 (hex) of a job's delivery OTP, bound to the job id.
pub fn otp_hash(job: RecordId, otp: &str) -> String {
    let mut h = Sha256::new();
    h.update(job.0);
    h.update(otp.as_bytes());
    hex::encode(h.finalize())
}

pub(super) fn job_opened(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    j: &JobIntake,
) -> Result<(), CoreError> {
    require(role, Action::CreateJobs)?;
    if ctx.customer_branch(j.customer) != Some(op.branch) {
        return Err(CoreError::invalid(
            "customer",
            "unknown customer for this branch",
        ));
    }
    validate::text("job_no", &j.job_no, 1, 32)?;
    validate::text("device_type", &j.device_type, 1, 50)?;
    validate::text("brand", &j.brand, 0, 100)?;
    validate::text("model", &j.model, 0, 100)?;
    validate::text("serial", &j.serial, 0, 100)?;
    validate::text("complaint", &j.complaint, 1, 2000)?;
    validate::text("condition", &j.condition, 0, 2000)?;
    if j.accessories.len() > 50 {
        return Err(CoreError::invalid("accessories", "at most 50 entries"));
    }
    for (i, a) in j.accessories.iter().enumerate() {
        validate::text(&format!("accessories[{i}]"), a, 1, 100)?;
    }
    if j.password.is_some() != j.password_kind.is_some() {
        return Err(CoreError::invalid(
            "password_kind",
            "is required exactly when a device password is given",
        ));
    }
    if j.delivery_otp_hash.len() != 64 {
        return Err(CoreError::invalid(
            "delivery_otp_hash",
            "must be a SHA-256 hex digest",
        ));
    }
    if let Some(t) = j.technician {
        technician_of(ctx, t, op.branch)?;
    }
    if ctx.record_exists(j.id) {
        return Err(CoreError::invalid("id", "record already exists"));
    }
    Ok(())
}

pub(super) fn job_updated(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    fresh: bool,
    job: &RecordId,
    writes: &[FieldWrite],
) -> Result<(), CoreError> {
    let assigns = writes.iter().any(|w| w.field == "technician");
    require(
        role,
        if assigns {
            Action::AssignTechnicians
        } else {
            Action::CreateJobs
        },
    )
    .or_else(|e| {
        if !assigns && writes.iter().all(|w| w.field == "estimate_note") {
            require(role, Action::AddDiagnosis)
        } else {
            Err(e)
        }
    })?;
    check_writes(writes, JOB_FIELDS)?;
    open_job(ctx, *job, op.branch, fresh)?;
    for w in writes.iter().filter(|w| w.field == "otp_hash") {
        match &w.value {
            crate::body::FieldValue::Text(h)
                if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {}
            _ => {
                return Err(CoreError::invalid(
                    "otp_hash",
                    "must be a SHA-256 hex digest",
                ));
            }
        }
    }
    for w in writes.iter().filter(|w| w.field == "technician") {
        match &w.value {
            crate::body::FieldValue::User(u) => technician_of(ctx, *u, op.branch)?,
            crate::body::FieldValue::Null => {}
            _ => {
                return Err(CoreError::invalid(
                    "technician",
                    "must be a user id or null",
                ));
            }
        }
    }
    Ok(())
}

/// A job goes to a technician of its own branch.
fn technician_of(ctx: &dyn RuleContext, u: UserId, branch: BranchId) -> Result<(), CoreError> {
    let t = ctx
        .user(u)
        .ok_or_else(|| CoreError::invalid("technician", "unknown user"))?;
    if t.role != Role::Technician || t.branch != Some(branch) {
        return Err(CoreError::invalid(
            "technician",
            "must be a technician of this branch",
        ));
    }
    Ok(())
}

pub(super) fn job_text_edited(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    fresh: bool,
    job: &RecordId,
    change: &str,
) -> Result<(), CoreError> {
    require(role, Action::AddDiagnosis)?;
    open_job(ctx, *job, op.branch, fresh)?;
    if change.is_empty() || change.len() > 200_000 || hex::decode(change).is_err() {
        return Err(CoreError::invalid(
            "change",
            "must be a hex-encoded automerge change",
        ));
    }
    Ok(())
}

pub(super) fn job_status_changed(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    fresh: bool,
    s: &StatusChange,
) -> Result<(), CoreError> {
    let j = known_job(ctx, s.job, op.branch)?;
    if s.from != j.status || s.after != j.head {
        // Made without seeing the job's latest change: a concurrent
        // move (two devices offline). Lawful if it continues a change
        // this job really had; the status merge then keeps one path
        // and records the other as a conflict for review, so the
        // job can never reach an impossible state.
        let base = match s.after {
            None => Some(JobStatus::Received),
            Some(a) => ctx.status_change_to(s.job, a),
        };
        if base != Some(s.from) {
            return Err(CoreError::Conflict(format!(
                "job moved on: it is {} now, not {} — refresh and try again",
                j.status.as_str(),
                s.from.as_str()
            )));
        }
    } else if j.status.is_terminal() {
        return Err(read_only(j.status));
    }
    check_transition(role, s.from, s.to, s.override_reason.as_deref())?;
    if let Some(r) = &s.override_reason {
        validate::text("override_reason", r, 1, 500)?;
    }
    if let Some(n) = &s.note {
        validate::text("note", n, 0, 1000)?;
    }
    if s.to == JobStatus::Delivered {
        match &s.delivery {
            Some(crate::body::DeliveryProof::Otp { otp }) => {
                if otp_hash(s.job, otp) != j.otp_hash {
                    return Err(CoreError::invalid(
                        "otp",
                        "does not match the OTP given to the customer",
                    ));
                }
            }
            Some(crate::body::DeliveryProof::Signature { image_sha256 }) => {
                if image_sha256.len() != 64 || hex::decode(image_sha256).is_err() {
                    return Err(CoreError::invalid(
                        "signature",
                        "must be the SHA-256 of the signature image",
                    ));
                }
            }
            None => {
                return Err(CoreError::invalid(
                    "delivery",
                    "delivery needs the customer's OTP or signature",
                ));
            }
        }
        // Money owed is for the person delivering to see; an invoice
        // issued meanwhile on another device does not undo a delivery.
        let balance_due = if fresh {
            ctx.job_balance_due(s.job)
        } else {
            Decimal::ZERO
        };
        if balance_due > Decimal::ZERO {
            if !s.allow_balance_due {
                return Err(CoreError::invalid(
                    "balance_due",
                    format!(
                        "₹{} is still owed; take payment or have a manager allow delivery",
                        crate::domain::money::format_inr(balance_due)
                    ),
                ));
            }
            require(role, Action::OverrideStatus)?;
        }
    } else if s.delivery.is_some() {
        return Err(CoreError::invalid(
            "delivery",
            "proof of delivery only goes with delivery",
        ));
    }
    Ok(())
}

pub(super) fn estimate_line_added(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    fresh: bool,
    job: &RecordId,
    line: &Line,
) -> Result<(), CoreError> {
    require(role, Action::AddDiagnosis)?;
    open_job(ctx, *job, op.branch, fresh)?;
    crate::domain::gst::check_line_named("", line)?;
    crate::domain::rates::check_at("gst_rate", line.gst_rate, op.hlc.wall_ms)?;
    if ctx.record_exists(line.id) {
        return Err(CoreError::invalid("id", "record already exists"));
    }
    Ok(())
}

pub(super) fn estimate_line_removed(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    fresh: bool,
    job: &RecordId,
    line: &RecordId,
) -> Result<(), CoreError> {
    require(role, Action::AddDiagnosis)?;
    open_job(ctx, *job, op.branch, fresh)?;
    // Removed twice (two devices at once) is the same as once.
    if ctx.estimate_line_job(*line) != Some(*job) && (fresh || !ctx.record_exists(*line)) {
        return Err(CoreError::invalid(
            "line",
            "not a line of this job's estimate",
        ));
    }
    Ok(())
}

pub(super) fn device_password_read(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    job: &RecordId,
    purpose: &str,
) -> Result<(), CoreError> {
    require(role, Action::AccessDevicePasswords)?;
    validate::text("purpose", purpose, 0, 200)?;
    let j = ctx
        .job(*job)
        .ok_or_else(|| CoreError::invalid("job", "unknown job"))?;
    if j.branch != op.branch {
        return Err(CoreError::invalid("job", "job belongs to another branch"));
    }
    Ok(())
}
