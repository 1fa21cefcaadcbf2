//! The rules of the organization's structure: branches, users and devices.
//! Only the hub signs these (`OpBody::hub_only`, enforced in `actor`), so
//! they sit together: what they guard is who may act at all, not the shop's
//! day-to-day records.

use crate::body::{Branch, FieldWrite, OwnSeries, User};
use crate::domain::invoice_no::check_prefix;
use crate::domain::roles::{Action, Role, require};
use crate::domain::validate;
use crate::error::CoreError;
use crate::ids::{BranchId, DeviceId, RecordId, UserId};
use crate::op::Op;
use crate::replica::HQ;

use super::{RuleContext, check_writes};

/// The fields an update may write (`domain::fields`).
pub const USER_FIELDS: crate::domain::fields::Fields = crate::domain::fields::USER;
pub const BRANCH_FIELDS: crate::domain::fields::Fields = crate::domain::fields::BRANCH;

pub(super) fn branch_created(
    ctx: &dyn RuleContext,
    role: Role,
    b: &Branch,
) -> Result<(), CoreError> {
    require(role, Action::CreateBranches)?;
    validate::text("name", &b.name, 1, 100)?;
    validate::gstin("gstin", &b.gstin)?;
    validate::state_code("state_code", &b.state_code)?;
    if b.gstin[..2] != b.state_code {
        return Err(CoreError::invalid(
            "state_code",
            "must match the first two digits of the GSTIN",
        ));
    }
    check_prefix(&b.invoice_prefix).map_err(|_| {
        CoreError::invalid(
            "invoice_prefix",
            "must be 1 to 5 upper-case letters or digits, starting with a letter",
        )
    })?;
    check_prefix(&b.credit_note_prefix).map_err(|_| {
        CoreError::invalid(
            "credit_note_prefix",
            "must be 1 to 5 upper-case letters or digits, starting with a letter",
        )
    })?;
    if b.invoice_prefix == b.credit_note_prefix {
        return Err(CoreError::invalid(
            "credit_note_prefix",
            "must differ from the invoice prefix: a credit note has its own series",
        ));
    }
    if ctx.branch(b.id).is_some() {
        return Err(CoreError::invalid("id", "branch already exists"));
    }
    Ok(())
}

pub(super) fn branch_updated(role: Role, writes: &[FieldWrite]) -> Result<(), CoreError> {
    require(role, Action::CreateBranches)?;
    check_writes(writes, BRANCH_FIELDS)?;
    Ok(())
}

pub(super) fn user_created(ctx: &dyn RuleContext, role: Role, u: &User) -> Result<(), CoreError> {
    require(role, Action::ManageUsers)?;
    validate::text("name", &u.name, 1, 100)?;
    if u.role != Role::Owner && u.branch.is_none() {
        return Err(CoreError::invalid(
            "branch",
            "every role but owner belongs to a branch",
        ));
    }
    if ctx.record_exists(RecordId(u.id.0)) {
        return Err(CoreError::invalid("id", "user already exists"));
    }
    if !u.pin_hash.starts_with("$argon2") {
        return Err(CoreError::invalid(
            "pin_hash",
            "must be an argon2 hash, never a PIN",
        ));
    }
    Ok(())
}

pub(super) fn user_updated(
    ctx: &dyn RuleContext,
    role: Role,
    user: &UserId,
    writes: &[FieldWrite],
) -> Result<(), CoreError> {
    require(role, Action::ManageUsers)?;
    check_writes(writes, USER_FIELDS)?;
    let Some(u) = ctx.user(*user) else {
        return Err(CoreError::invalid("user", "unknown user"));
    };
    use crate::body::FieldValue;
    for w in writes {
        match (w.field.as_str(), &w.value) {
            ("name", FieldValue::Text(t)) => validate::text("name", t, 1, 100)?,
            ("role", FieldValue::Text(t)) => match Role::parse(t) {
                // An owner belongs to no branch, a branch's people to one:
                // neither becomes the other by a change of role.
                Some(r) if (r == Role::Owner) == (u.role == Role::Owner) => {}
                Some(_) => {
                    return Err(CoreError::invalid(
                        "role",
                        "an owner stays an owner and a branch's staff stay staff; add a new user instead",
                    ));
                }
                None => {
                    return Err(CoreError::invalid(
                        "role",
                        "must be owner, manager, receptionist, technician or accountant",
                    ));
                }
            },
            ("active", FieldValue::Bool(_)) => {}
            ("pin_hash", FieldValue::Text(h)) if h.starts_with("$argon2") => {}
            ("pin_hash", _) => {
                return Err(CoreError::invalid(
                    "pin_hash",
                    "must be an argon2 hash, never a PIN",
                ));
            }
            (f, _) => {
                return Err(CoreError::invalid(f, "has the wrong type for this field"));
            }
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(super) fn device_enrolled(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    device: &DeviceId,
    branch: &BranchId,
    label: &str,
    hub: &bool,
    series: Option<&OwnSeries>,
) -> Result<(), CoreError> {
    require(role, Action::ManageUsers)?;
    validate::text("label", label, 1, 100)?;
    if let Some(s) = series {
        check_prefix(&s.invoice_prefix).map_err(|_| {
            CoreError::invalid(
                "series.invoice_prefix",
                "must be 1 to 5 upper-case letters or digits, starting with a letter",
            )
        })?;
        check_prefix(&s.credit_note_prefix).map_err(|_| {
            CoreError::invalid(
                "series.credit_note_prefix",
                "must be 1 to 5 upper-case letters or digits, starting with a letter",
            )
        })?;
        if s.invoice_prefix == s.credit_note_prefix {
            return Err(CoreError::invalid(
                "series.credit_note_prefix",
                "must differ from the invoice prefix: their numbers would print alike",
            ));
        }
    }
    if ctx.branch(*branch).is_none() {
        return Err(CoreError::invalid("branch", "unknown branch"));
    }
    if *hub && op.branch != HQ {
        return Err(CoreError::invalid(
            "hub",
            "only the root enrolls a hub device",
        ));
    }
    if ctx.device(*device).is_some() {
        return Err(CoreError::invalid("device", "is already enrolled"));
    }
    Ok(())
}

pub(super) fn device_revoked(
    ctx: &dyn RuleContext,
    role: Role,
    device: &DeviceId,
    reason: &str,
) -> Result<(), CoreError> {
    require(role, Action::ManageUsers)?;
    validate::text("reason", reason, 1, 500)?;
    if ctx.device(*device).is_none() {
        return Err(CoreError::UnknownDevice(*device));
    }
    Ok(())
}
