//! The command line: everything a shop needs to script or repair a device.
//! Output is JSON on stdout, except that `invoice` prints drafts and
//! documents as text for the accountant reading them (`invoice --json` for
//! JSON); errors go to stderr as JSON naming the field and the rule, with
//! exit code 1 (2 for usage errors).
//!
//! [`Cli`] and [`Cmd`] are the top of the command tree; each group of
//! commands (its clap arguments and what it does) lives in the file named
//! for what it works on, and [`run`] only hands a parsed command to it.

mod audit;
mod billing;
mod conflicts;
mod customers;
mod invoice_text;
mod jobs;
mod lines;
mod people;
mod serve;
mod setup;
mod stock;
mod stress;
mod sync;

pub use audit::AuditCmd;
pub use billing::{InvoiceArgs, InvoiceCmd, LeaseCmd, LineCmd, PaymentCmd};
pub use conflicts::ConflictCmd;
pub use customers::CustomerCmd;
pub use jobs::JobCmd;
pub use lines::LineArgs;
pub use people::UserCmd;
pub use setup::InitArgs;
pub use stock::{ItemCmd, StockCmd};

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::auth::{self, LoginInput, Session};
use crate::error::{NodeError, Result};
use crate::node::Node;

#[derive(Parser, Debug)]
#[command(
    name = "branch-node",
    version,
    about = "A repair shop's device: job cards, customers and sync, offline-first."
)]
pub struct Cli {
    /// The device database (its key file sits beside it as <db>.keys).
    #[arg(
        long,
        env = "BRANCH_NODE_DB",
        default_value = "branch.sqlite",
        global = true
    )]
    pub db: PathBuf,
    /// Who is acting: a user's name or id.
    #[arg(long, env = "BRANCH_NODE_USER", global = true)]
    pub user: Option<String>,
    /// That user's PIN.
    #[arg(long, env = "BRANCH_NODE_PIN", global = true, hide_env_values = true)]
    pub pin: Option<String>,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Set up a standalone device (its own branch and owner) until a hub enrolls it.
    Init(InitArgs),
    /// Serve the web UI (at /), the local HTTP API, the LAN side of
    /// sync, and sync in the background with the hub and LAN peers.
    Serve {
        #[arg(long, default_value = "127.0.0.1:7300")]
        listen: String,
        /// A LAN peer to sync with (a device of this branch, e.g.
        /// http://192.168.1.20:7300); repeat for several. Remembered: later
        /// runs without --peer use the same peers.
        #[arg(long = "peer")]
        peers: Vec<String>,
    },
    /// Enroll this new device with a hub using the one-time code from the owner.
    Enroll {
        /// The hub's address, e.g. http://hub.example.com:7400
        hub_url: String,
        /// The enrollment code (<id>-<secret>).
        code: String,
        /// A PEM file of the CA that signed the hub's certificate, for a hub
        /// with a self-signed certificate. Kept in the database: later syncs
        /// trust it too.
        #[arg(long, env = "REPAIR_HUB_CA", value_name = "PEM_FILE")]
        hub_ca: Option<PathBuf>,
    },
    /// Sync once with the hub and the remembered LAN peers (or only the
    /// given --peer URLs), printing what was sent and received.
    Sync {
        #[arg(long = "peer")]
        peers: Vec<String>,
    },
    /// Check a user's PIN and print who they are.
    Login,
    /// Create a standalone demo shop with a few days of work in a new folder, and serve it.
    Demo {
        /// Folder for the demo database (created; must not exist).
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long, default_value = "127.0.0.1:7300")]
        listen: String,
    },
    /// Users of this device's branch.
    #[command(subcommand)]
    User(UserCmd),
    /// Customers.
    #[command(subcommand)]
    Customer(CustomerCmd),
    /// Job cards.
    #[command(subcommand)]
    Job(JobCmd),
    /// Values that concurrent edits kept for review.
    #[command(subcommand)]
    Conflicts(ConflictCmd),
    /// The catalogue and stock.
    #[command(subcommand)]
    Item(ItemCmd),
    /// Stock movements: receive, adjust, issue, return, use, transfer.
    #[command(subcommand)]
    Stock(StockCmd),
    /// Invoices and credit notes.
    Invoice(InvoiceArgs),
    /// Payments.
    #[command(subcommand)]
    Payment(PaymentCmd),
    /// Invoice-number blocks this device holds.
    #[command(subcommand)]
    Lease(LeaseCmd),
    /// The append-only, hash-chained audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Dump a table (or every table) as JSON.
    Export {
        #[arg(long)]
        table: Option<String>,
    },
    /// Test tool: open job cards as fast as possible, printing each id once committed.
    #[command(hide = true)]
    Stress {
        #[arg(long, default_value_t = 1000)]
        count: u64,
        /// Finalize invoices (from drafts) instead of opening job cards.
        #[arg(long)]
        invoices: bool,
    },
}

/// Run a parsed command.
pub fn run(cli: Cli) -> Result<()> {
    match &cli.cmd {
        Cmd::Init(a) => setup::init(&cli.db, a),
        Cmd::Enroll {
            hub_url,
            code,
            hub_ca,
        } => setup::enroll(&cli.db, hub_url, code, hub_ca.as_deref()),
        Cmd::Demo { dir, listen } => serve::demo(dir.as_deref(), listen),
        Cmd::Serve { listen, peers } => serve::serve(open(&cli)?, listen, None, peers),
        Cmd::Sync { peers } => sync::sync_now(&open(&cli)?, peers),
        Cmd::Stress { count, invoices } => stress::run(open(&cli)?.as_ref(), *count, *invoices),
        Cmd::Login => signed_in(&cli, |_, s| print(s)),
        Cmd::User(c) => signed_in(&cli, |node, s| people::run(node, s, c)),
        Cmd::Customer(c) => signed_in(&cli, |node, s| customers::run(node, s, c)),
        Cmd::Job(c) => signed_in(&cli, |node, s| jobs::run(node, s, c)),
        Cmd::Conflicts(c) => signed_in(&cli, |node, s| conflicts::run(node, s, c)),
        Cmd::Item(c) => signed_in(&cli, |node, s| stock::item(node, s, c)),
        Cmd::Stock(c) => signed_in(&cli, |node, s| stock::stock(node, s, c)),
        Cmd::Invoice(c) => signed_in(&cli, |node, s| billing::invoice(node, s, c)),
        Cmd::Payment(c) => signed_in(&cli, |node, s| billing::payment(node, s, c)),
        Cmd::Lease(c) => signed_in(&cli, |node, s| billing::lease(node, s, c)),
        Cmd::Audit(c) => signed_in(&cli, |node, s| audit::run(node, s, c)),
        Cmd::Export { table } => {
            signed_in(&cli, |node, s| audit::export(node, s, table.as_deref()))
        }
    }
}

fn open(cli: &Cli) -> Result<Arc<Node>> {
    Ok(Arc::new(Node::open(&cli.db)?))
}

/// Open the device, then check who is acting: a wrong PIN on a database
/// that cannot be opened reports the database, as it always has.
fn signed_in(cli: &Cli, f: impl FnOnce(&Node, &Session) -> Result<()>) -> Result<()> {
    let node = open(cli)?;
    let s = session(cli, &node)?;
    f(&node, &s)
}

fn dec(field: &str, s: &str) -> Result<rust_decimal::Decimal> {
    s.parse()
        .map_err(|_| NodeError::invalid(field, "must be a decimal number like 1499.00"))
}

fn print<T: Serialize + ?Sized>(v: &T) -> Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("output serializes")
    );
    Ok(())
}

fn session(cli: &Cli, node: &Node) -> Result<Session> {
    let user = cli
        .user
        .clone()
        .ok_or_else(|| NodeError::invalid("user", "give --user NAME (or BRANCH_NODE_USER)"))?;
    let pin = cli
        .pin
        .clone()
        .ok_or_else(|| NodeError::invalid("pin", "give --pin (or BRANCH_NODE_PIN)"))?;
    auth::check_pin(node, &LoginInput { user, pin })
}
