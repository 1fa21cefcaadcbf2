//! The customer's device password: sealed under the branch key at intake,
//! opened only with the permission, and every opening logged.

use serde::{Deserialize, Serialize};
use sync_core::body::{OpBody, PasswordKind};
use sync_core::domain::roles::Action;
use sync_core::ids::RecordId;

use super::jobs::job_detail;
use crate::auth::Session;
use crate::crypto;
use crate::error::{NodeError, Result};
use crate::node::Node;
use crate::store::read;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordInput {
    pub kind: PasswordKind,
    pub value: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct RevealedPassword {
    pub kind: Option<String>,
    pub password: String,
}

/// Show a job's device password: needs the permission, and logs the access
/// (a signed, audited operation) every time, before the secret is opened.
pub fn reveal_password(
    node: &Node,
    s: &Session,
    id: RecordId,
    purpose: &str,
) -> Result<RevealedPassword> {
    s.require(Action::AccessDevicePasswords)?;
    let d = job_detail(node, s, id)?;
    let sealed = node
        .read(|c| read::job_password(c, id))?
        .ok_or_else(|| NodeError::NotFound("device password for this job".into()))?;
    node.commit(
        s.user,
        OpBody::DevicePasswordRead {
            job: id,
            purpose: purpose.trim().to_string(),
        },
    )?;
    let password = crypto::open(&node.branch_key(), id, "password", &sealed)?;
    Ok(RevealedPassword {
        kind: d.password_kind,
        password,
    })
}
