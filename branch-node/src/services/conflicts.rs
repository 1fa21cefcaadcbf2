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
    #[serde(deserialize_with = "field_value")]
    pub value: FieldValue,
}

/// A [`FieldValue`] as a JSON client writes it: an `int` may come as `38.0`
/// (JSON has one number type). The op's own encoding stays exact.
fn field_value<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<FieldValue, D::Error> {
    use serde::de::Error;
    let mut v = serde_json::Value::deserialize(d)?;
    if v["t"] == "int"
        && let Some(f) = v["v"]
            .as_f64()
            .filter(|f| f.fract() == 0.0 && v["v"].as_i64().is_none())
        && f >= i64::MIN as f64
        && f < i64::MAX as f64
    {
        v["v"] = serde_json::json!(f as i64);
    }
    FieldValue::deserialize(v).map_err(D::Error::custom)
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
