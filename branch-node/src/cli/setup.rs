//! Making a device: set up standalone (its own branch and owner), or enroll
//! it with a hub using the owner's one-time code.

use std::path::Path;

use clap::Args;

use super::print;
use crate::error::{NodeError, Result};
use crate::node::{Node, StandaloneSetup};

#[derive(Args, Debug)]
pub struct InitArgs {
    #[arg(long)]
    pub branch_name: String,
    #[arg(long)]
    pub gstin: String,
    #[arg(long)]
    pub state_code: String,
    #[arg(long, default_value = "")]
    pub address: String,
    #[arg(long)]
    pub invoice_prefix: String,
    #[arg(long)]
    pub credit_note_prefix: String,
    #[arg(long)]
    pub upi_id: Option<String>,
    #[arg(long)]
    pub owner_name: String,
    #[arg(long, env = "BRANCH_NODE_OWNER_PIN", hide_env_values = true)]
    pub owner_pin: String,
}

pub(super) fn init(db: &Path, a: &InitArgs) -> Result<()> {
    let node = Node::init_standalone(
        db,
        &StandaloneSetup {
            branch_name: a.branch_name.clone(),
            gstin: a.gstin.clone(),
            state_code: a.state_code.clone(),
            address: a.address.clone(),
            invoice_prefix: a.invoice_prefix.clone(),
            credit_note_prefix: a.credit_note_prefix.clone(),
            upi_id: a.upi_id.clone(),
            owner_name: a.owner_name.clone(),
            owner_pin: a.owner_pin.clone(),
        },
    )?;
    print(&serde_json::json!({ "device": node.device, "branch": node.branch, "db": db }))
}

pub(super) fn enroll(db: &Path, hub_url: &str, code: &str, hub_ca: Option<&Path>) -> Result<()> {
    let ca = match hub_ca {
        Some(p) => Some(std::fs::read(p).map_err(|e| {
            NodeError::invalid("--hub-ca", format!("{} cannot be read: {e}", p.display()))
        })?),
        None => None,
    };
    let node = Node::enroll_with_ca(db, hub_url, code, ca)?;
    let status = crate::sync::status(&node)?;
    let users = node.read(crate::store::read::users)?.len();
    // The number blocks it can bill from straight away (a counter gets
    // its first ones with the enrollment).
    let leases = node.read(|c| crate::store::money::all_leases(c, node.device))?;
    print(&serde_json::json!({
        "device": node.device,
        "branch": node.branch,
        "db": db,
        "hub": hub_url,
        "users": users,
        "number_blocks": leases,
        "sync": status,
    }))
}
