//! `branch-node user`: the branch's people.

use clap::Subcommand;
use sync_core::domain::roles::Role;

use super::print;
use crate::auth::Session;
use crate::error::Result;
use crate::node::Node;
use crate::services as svc;

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// List users.
    List,
    /// Create a user (owner only; standalone devices).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        new_pin: String,
    },
}

fn parse_role(s: &str) -> std::result::Result<Role, String> {
    Role::parse(s)
        .ok_or_else(|| "must be one of owner, manager, receptionist, technician, accountant".into())
}

pub(super) fn run(node: &Node, s: &Session, c: &UserCmd) -> Result<()> {
    match c {
        UserCmd::List => print(&svc::list_users(node, s)?),
        UserCmd::Create {
            name,
            role,
            new_pin,
        } => print(&svc::create_user(
            node,
            s,
            svc::UserInput {
                name: name.clone(),
                role: *role,
                pin: new_pin.clone(),
            },
        )?),
    }
}
