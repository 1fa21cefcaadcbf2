//! `branch-node customer`: registering, finding and editing customers.

use clap::Subcommand;
use sync_core::ids::RecordId;

use super::print;
use crate::auth::Session;
use crate::error::Result;
use crate::node::Node;
use crate::services as svc;

#[derive(Subcommand, Debug)]
pub enum CustomerCmd {
    /// Create a customer.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        mobile: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        gstin: Option<String>,
        #[arg(long)]
        state_code: Option<String>,
    },
    /// Find customers by mobile prefix or part of the name.
    List {
        #[arg(long, default_value = "")]
        q: String,
    },
    /// Show one customer.
    Show { id: RecordId },
    /// A customer's jobs.
    History { id: RecordId },
    /// Edit a customer.
    Update {
        id: RecordId,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        mobile: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        gstin: Option<String>,
        #[arg(long)]
        state_code: Option<String>,
        /// Language of their messages: en, hi, kn, ta ("" for the default).
        #[arg(long)]
        language: Option<String>,
        /// The customer wants no messages (true), or wants them again (false).
        #[arg(long)]
        no_messages: Option<bool>,
    },
}

pub(super) fn run(node: &Node, s: &Session, c: &CustomerCmd) -> Result<()> {
    match c {
        CustomerCmd::Create {
            name,
            mobile,
            email,
            address,
            gstin,
            state_code,
        } => print(&svc::create_customer(
            node,
            s,
            svc::CustomerInput {
                name: name.clone(),
                mobile: mobile.clone(),
                email: email.clone(),
                address: address.clone(),
                gstin: gstin.clone(),
                state_code: state_code.clone(),
            },
        )?),
        CustomerCmd::List { q } => print(&svc::find_customers(node, s, q)?),
        CustomerCmd::Show { id } => print(&svc::get_customer(node, s, *id)?),
        CustomerCmd::History { id } => print(&svc::customer_history(node, s, *id)?),
        CustomerCmd::Update {
            id,
            name,
            mobile,
            email,
            address,
            gstin,
            state_code,
            language,
            no_messages,
        } => print(&svc::update_customer(
            node,
            s,
            *id,
            svc::CustomerPatch {
                name: name.clone(),
                mobile: mobile.clone(),
                email: email.clone(),
                address: address.clone(),
                gstin: gstin.clone(),
                state_code: state_code.clone(),
                language: language.clone(),
                no_messages: *no_messages,
            },
        )?),
    }
}
