//! The branch's people: the list, and adding one on a standalone device.

use serde::Deserialize;
use sync_core::body::{OpBody, User};
use sync_core::domain::roles::{Action, Role};
use sync_core::domain::validate;
use sync_core::ids::UserId;

use super::own_branch;
use crate::auth::Session;
use crate::crypto;
use crate::error::{NodeError, Result};
use crate::node::Node;
use crate::store::read;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    pub name: String,
    pub role: Role,
    pub pin: String,
}

/// Standalone devices only (an enrolled device gets users from the hub).
pub fn create_user(node: &Node, s: &Session, i: UserInput) -> Result<read::UserView> {
    s.require(Action::ManageUsers)?;
    crypto::check_pin(&i.pin)?;
    validate::text("name", &i.name, 1, 100)?;
    let id = UserId(crypto::random_bytes()?);
    let branch = if i.role == Role::Owner {
        None
    } else {
        Some(node.branch)
    };
    let user = User {
        id,
        name: i.name.trim().to_string(),
        role: i.role,
        branch,
        pin_hash: crypto::hash_pin(&i.pin)?,
    };
    node.commit_as_root(OpBody::UserCreated(user))?;
    node.read(read::users)?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or_else(|| NodeError::NotFound("user".into()))
}

pub fn list_users(node: &Node, s: &Session) -> Result<Vec<read::UserView>> {
    own_branch(node, s)?;
    node.read(read::users)
}
