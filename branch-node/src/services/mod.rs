//! The shop's workflows over a [`Node`], one file per noun: customers, job
//! cards, estimates, device passwords, conflicts, audit and users. Each call
//! checks the session's role for reads; every write becomes one operation
//! that the rule book checks again in [`Node::commit`]. Inputs are plain
//! `Deserialize` structs shared by the HTTP API and the CLI.
//!
//! The folder's files are private: the API, the CLI and the tests name
//! every workflow as `services::…`.

mod audit;
mod conflicts;
mod customers;
mod estimate;
mod jobs;
pub(crate) mod messages;
mod passwords;
mod people;

pub use audit::{audit_log, export, verify_audit};
pub use conflicts::{ResolveInput, list_conflicts, resolve_conflict};
pub use customers::{
    CustomerHistory, CustomerInput, CustomerPatch, create_customer, customer_history,
    find_customers, get_customer, update_customer,
};
pub use estimate::{LineInput, add_estimate_line, remove_estimate_line};
pub use jobs::{
    JobInput, JobPatch, OpenedJob, StatusInput, assign_technician, change_status, job_detail,
    list_jobs, new_delivery_otp, open_job, set_text, update_job,
};
pub use messages::{chat_link, resend};
pub use passwords::{PasswordInput, RevealedPassword, reveal_password};
pub use people::{
    LoginScreen, MatrixRow, SessionView, StaffName, UserInput, create_user, list_users,
    login_screen, role_matrix, session_view,
};

use sync_core::body::{FieldValue, FieldWrite};
use sync_core::ids::{BranchId, RecordId};

use crate::auth::Session;
use crate::error::{NodeError, Result};
use crate::node::Node;
use crate::store::read;

/// A device belongs to one branch: only its people (and the owner) work on it.
pub(crate) fn own_branch(node: &Node, s: &Session) -> Result<BranchId> {
    match s.branch {
        Some(b) if b != node.branch => Err(NodeError::Rule(sync_core::CoreError::Forbidden {
            role: s.role.as_str().into(),
            action: "work on another branch's device".into(),
        })),
        _ => Ok(node.branch),
    }
}

fn opt(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// Field writes on top of the value the user saw (the current winner).
fn writes(
    node: &Node,
    record: RecordId,
    fields: Vec<(&str, FieldValue)>,
) -> Result<Vec<FieldWrite>> {
    node.read(|c| {
        fields
            .into_iter()
            .map(|(f, v)| {
                let live = read::live_versions(c, record, f)?;
                Ok(FieldWrite {
                    field: f.to_string(),
                    value: v,
                    supersedes: live.into_iter().take(1).collect(),
                })
            })
            .collect()
    })
}

fn text_or_null(v: Option<String>) -> FieldValue {
    match opt(v) {
        Some(t) => FieldValue::Text(t),
        None => FieldValue::Null,
    }
}
