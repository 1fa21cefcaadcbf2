//! The rules of customer records: intake and edits. An edit is held to the
//! same bounds as intake (`customer_field`), so both live here and cannot
//! drift apart.

use crate::body::{Customer, FieldWrite};
use crate::domain::roles::{Action, Role, require};
use crate::domain::validate;
use crate::error::CoreError;
use crate::ids::RecordId;
use crate::op::Op;

use super::{RuleContext, check_writes};

/// The fields an update may write (`domain::fields`).
pub const CUSTOMER_FIELDS: crate::domain::fields::Fields = crate::domain::fields::CUSTOMER;

/// An edited customer field holds what a new customer's would: the same
/// bounds and formats as `CustomerCreated`, so an edit cannot smuggle in
/// what intake refuses.
fn customer_field(field: &str, v: &crate::body::FieldValue) -> Result<(), CoreError> {
    use crate::body::FieldValue;
    if field == "no_messages" {
        return match v {
            FieldValue::Bool(_) => Ok(()),
            _ => Err(CoreError::invalid(field, "must be true or false")),
        };
    }
    let text = match v {
        FieldValue::Text(t) => Some(t.as_str()),
        FieldValue::Null if !matches!(field, "name" | "mobile") => None,
        _ => {
            return Err(CoreError::invalid(
                field,
                if matches!(field, "name" | "mobile") {
                    "must be text and cannot be cleared"
                } else {
                    "must be text, or null to clear it"
                },
            ));
        }
    };
    let Some(t) = text else { return Ok(()) };
    match field {
        "name" => validate::text("name", t, 1, 100)?,
        "mobile" if validate::mobile("mobile", t)? != t => {
            return Err(CoreError::invalid("mobile", "must be stored as 10 digits"));
        }
        "email" => {
            validate::text("email", t, 3, 200)?;
            if !t.contains('@') {
                return Err(CoreError::invalid("email", "must contain @"));
            }
        }
        "address" => validate::text("address", t, 0, 500)?,
        "gstin" => validate::gstin("gstin", t)?,
        "state_code" => validate::state_code("state_code", t)?,
        "language" if crate::domain::messages::Language::parse(t).is_none() => {
            return Err(CoreError::invalid(
                "language",
                "must be one of en, hi, kn, ta",
            ));
        }
        _ => {}
    }
    Ok(())
}

pub(super) fn customer_created(
    ctx: &dyn RuleContext,
    role: Role,
    c: &Customer,
) -> Result<(), CoreError> {
    require(role, Action::CreateJobs)?;
    validate::text("name", &c.name, 1, 100)?;
    let m = validate::mobile("mobile", &c.mobile)?;
    if m != c.mobile {
        return Err(CoreError::invalid("mobile", "must be stored as 10 digits"));
    }
    if let Some(e) = &c.email {
        validate::text("email", e, 3, 200)?;
        if !e.contains('@') {
            return Err(CoreError::invalid("email", "must contain @"));
        }
    }
    if let Some(a) = &c.address {
        validate::text("address", a, 0, 500)?;
    }
    if let Some(g) = &c.gstin {
        validate::gstin("gstin", g)?;
    }
    if let Some(s) = &c.state_code {
        validate::state_code("state_code", s)?;
    }
    if ctx.record_exists(c.id) {
        return Err(CoreError::invalid("id", "record already exists"));
    }
    Ok(())
}

pub(super) fn customer_updated(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    customer: &RecordId,
    writes: &[FieldWrite],
) -> Result<(), CoreError> {
    require(role, Action::CreateJobs)?;
    check_writes(writes, CUSTOMER_FIELDS)?;
    for w in writes {
        customer_field(&w.field, &w.value)?;
    }
    if ctx.customer_branch(*customer) != Some(op.branch) {
        return Err(CoreError::invalid(
            "customer",
            "unknown customer for this branch",
        ));
    }
    Ok(())
}
