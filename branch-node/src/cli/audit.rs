//! `branch-node audit` and `export`: the hash-chained audit log and its
//! check, and a report's dump of the tables.

use clap::Subcommand;

use super::print;
use crate::auth::Session;
use crate::error::{NodeError, Result};
use crate::node::Node;
use crate::services as svc;

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// The latest entries.
    List {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Recompute the hash chain; exit 1 if it is broken.
    Verify,
}

pub(super) fn run(node: &Node, s: &Session, c: &AuditCmd) -> Result<()> {
    match c {
        AuditCmd::List { limit } => print(&svc::audit_log(node, s, *limit, None)?),
        AuditCmd::Verify => {
            let check = svc::verify_audit(node, s)?;
            print(&check)?;
            if check.ok {
                Ok(())
            } else {
                Err(NodeError::Setup(format!(
                    "audit log is broken at entry {:?}: {:?}",
                    check.broken_at, check.problem
                )))
            }
        }
    }
}

/// `table`, or every table a shop's records are in.
pub(super) fn export(node: &Node, s: &Session, table: Option<&str>) -> Result<()> {
    let tables: Vec<&str> = match table {
        Some(t) => vec![t],
        None => vec![
            "branches",
            "users",
            "devices",
            "customers",
            "jobs",
            "status_changes",
            "estimate_lines",
            "items",
            "stock_movements",
            "documents",
            "payments",
            "audit",
        ],
    };
    print(&svc::export(node, s, &tables)?)
}
