//! `branch-node conflicts`: the values concurrent edits kept, and keeping
//! one.

use clap::Subcommand;
use sync_core::body::FieldValue;
use sync_core::ids::RecordId;

use super::print;
use crate::auth::Session;
use crate::error::Result;
use crate::node::Node;
use crate::services as svc;

#[derive(Subcommand, Debug)]
pub enum ConflictCmd {
    /// List fields with concurrent values.
    List,
    /// Keep one value (text) for a field.
    Resolve {
        #[arg(long)]
        record: RecordId,
        #[arg(long)]
        field: String,
        #[arg(long)]
        value: String,
    },
}

pub(super) fn run(node: &Node, s: &Session, c: &ConflictCmd) -> Result<()> {
    match c {
        ConflictCmd::List => print(&svc::list_conflicts(node, s)?),
        ConflictCmd::Resolve {
            record,
            field,
            value,
        } => print(&svc::resolve_conflict(
            node,
            s,
            svc::ResolveInput {
                record: *record,
                field: field.clone(),
                value: FieldValue::Text(value.clone()),
            },
        )?),
    }
}
