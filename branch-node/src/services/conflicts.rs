//! Values that concurrent edits kept: the list a manager reviews, and the
//! one write that settles a field.

use serde::Deserialize;
use sync_core::body::{FieldValue, FieldWrite, OpBody};
use sync_core::domain::roles::Action;
use sync_core::ids::RecordId;

use super::own_branch;
use crate::auth::Session;
use crate::error::{NodeError, Result};
use crate::node::Node;
use crate::store::read::{self, FieldConflict};

pub fn list_conflicts(node: &Node, s: &Session) -> Result<Vec<FieldConflict>> {
    own_branch(node, s)?;
    node.read(|c| read::field_conflicts(c, None))
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    pub record: RecordId,
    pub field: String,
    /// The value to keep (one of the conflicting values, or a new one).
    pub value: FieldValue,
}

/// A manager settles a conflict: one write that supersedes every live value.
pub fn resolve_conflict(node: &Node, s: &Session, i: ResolveInput) -> Result<Vec<FieldConflict>> {
    s.require(Action::ResolveConflicts)?;
    let (kind, live) = node.read(|c| {
        Ok((
            read::record_kind(c, i.record)?,
            read::live_versions(c, i.record, &i.field)?,
        ))
    })?;
    if live.len() < 2 {
        return Err(NodeError::invalid(
            "field",
            "this field has no conflict to resolve",
        ));
    }
    let w = vec![FieldWrite {
        field: i.field.clone(),
        value: i.value,
        supersedes: live,
    }];
    let body = match kind.as_deref() {
        Some("customer") => OpBody::CustomerUpdated {
            customer: i.record,
            writes: w,
        },
        Some("job") => OpBody::JobUpdated {
            job: i.record,
            writes: w,
        },
        Some("item") => OpBody::ItemUpdated {
            item: i.record,
            writes: w,
        },
        _ => {
            return Err(NodeError::invalid(
                "record",
                "conflicts can be resolved on customers, jobs and items",
            ));
        }
    };
    node.commit(s.user, body)?;
    node.read(|c| read::field_conflicts(c, Some(i.record)))
}
