//! What the owner and the accountant check: the audit log, its hash
//! chain, and a report's export of the tables.

use sync_core::domain::roles::Action;

use super::own_branch;
use crate::auth::Session;
use crate::error::Result;
use crate::node::Node;
use crate::store::read;

pub fn audit_log(
    node: &Node,
    s: &Session,
    limit: u32,
    before: Option<i64>,
) -> Result<Vec<read::AuditView>> {
    s.require(Action::ViewAuditLogs)?;
    node.read(|c| read::audit(c, limit.clamp(1, 1000), before))
}

pub fn verify_audit(node: &Node, s: &Session) -> Result<read::AuditCheck> {
    s.require(Action::ViewAuditLogs)?;
    node.read(read::verify_audit)
}

/// Tables a report may export.
pub fn export(
    node: &Node,
    s: &Session,
    tables: &[&str],
) -> Result<serde_json::Map<String, serde_json::Value>> {
    s.require(Action::ViewReports)?;
    own_branch(node, s)?;
    let mut out = serde_json::Map::new();
    for t in tables {
        out.insert(
            t.to_string(),
            serde_json::Value::Array(node.read(|c| read::export_table(c, t))?),
        );
    }
    Ok(out)
}
