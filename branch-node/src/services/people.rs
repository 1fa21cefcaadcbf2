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

/// Who is signed in, what they may do, and the shop they are in: the UI
/// shows exactly the actions listed in `may` (its only copy of the role
/// matrix) and the shop's name on every screen and print.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SessionView {
    #[serde(flatten)]
    pub session: Session,
    /// The keys of the actions this role may take (`Action::key`).
    pub may: Vec<&'static str>,
    pub shop: read::BranchView,
}

pub fn session_view(node: &Node, s: &Session) -> Result<SessionView> {
    Ok(SessionView {
        session: s.clone(),
        may: Action::ALL
            .into_iter()
            .filter(|a| sync_core::domain::roles::allowed(s.role, *a))
            .map(|a| a.key())
            .collect(),
        shop: node.read(|c| read::branch(c, node.branch))?,
    })
}

/// One action of the role matrix, as the API serves it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MatrixRow {
    pub action: &'static str,
    pub label: &'static str,
    pub roles: Vec<&'static str>,
}

/// The whole role matrix (`sync_core::domain::roles`), for a screen that
/// explains who may do what.
pub fn role_matrix() -> Vec<MatrixRow> {
    Action::ALL
        .into_iter()
        .map(|a| MatrixRow {
            action: a.key(),
            label: a.as_str(),
            roles: Role::ALL
                .into_iter()
                .filter(|r| sync_core::domain::roles::allowed(*r, a))
                .map(|r| r.as_str())
                .collect(),
        })
        .collect()
}

/// A name on the login screen's staff list.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StaffName {
    pub name: String,
    pub role: String,
}

/// The login screen: the shop's name, and the active people who may log in
/// here (this branch's staff and the owners), so that one picks a name
/// rather than typing it exactly. Names and roles only: what a shop's staff
/// board shows anyway.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LoginScreen {
    pub shop: String,
    pub staff: Vec<StaffName>,
}

pub fn login_screen(node: &Node) -> Result<LoginScreen> {
    Ok(LoginScreen {
        shop: node.read(|c| read::branch(c, node.branch))?.name,
        staff: staff_names(node)?,
    })
}

fn staff_names(node: &Node) -> Result<Vec<StaffName>> {
    Ok(node
        .read(read::users)?
        .into_iter()
        .filter(|u| u.active && (u.branch == Some(node.branch) || u.role == Role::Owner.as_str()))
        .map(|u| StaffName {
            name: u.name,
            role: u.role,
        })
        .collect())
}
