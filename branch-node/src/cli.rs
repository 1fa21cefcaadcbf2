//! The command line: everything a shop needs to script or repair a device.
//! Output is JSON on stdout; errors go to stderr as JSON naming the field and
//! the rule, with exit code 1 (2 for usage errors).

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use sync_core::body::{FieldValue, PasswordKind, TextField};
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::roles::Role;
use sync_core::ids::{RecordId, UserId};

use crate::auth::{self, LoginInput, Session};
use crate::error::{NodeError, Result};
use crate::node::{Node, StandaloneSetup};
use crate::services as svc;
use crate::store::read::JobFilter;

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
    #[command(subcommand)]
    Invoice(InvoiceCmd),
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
    },
}

#[derive(Subcommand, Debug)]
pub enum JobCmd {
    /// Open a job card (intake). Prints the job and the delivery OTP.
    Open {
        /// Existing customer id.
        #[arg(long)]
        customer: Option<RecordId>,
        /// Or a new customer: name…
        #[arg(long)]
        customer_name: Option<String>,
        /// …and mobile.
        #[arg(long)]
        customer_mobile: Option<String>,
        #[arg(long, default_value = "Laptop")]
        device_type: String,
        #[arg(long, default_value = "")]
        brand: String,
        #[arg(long, default_value = "")]
        model: String,
        #[arg(long, default_value = "")]
        serial: String,
        #[arg(long)]
        complaint: String,
        /// Repeat for each accessory received.
        #[arg(long = "accessory")]
        accessories: Vec<String>,
        #[arg(long, default_value = "")]
        condition: String,
        /// The customer's device password / PIN (sealed under the branch key).
        #[arg(long)]
        device_password: Option<String>,
        #[arg(long, value_parser = parse_password_kind, default_value = "text")]
        password_kind: PasswordKind,
    },
    /// List job cards.
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        technician: Option<UserId>,
        #[arg(long)]
        open: bool,
    },
    /// Show a job card with its timeline.
    Show { id: RecordId },
    /// Edit a job card's fields.
    Update {
        id: RecordId,
        #[arg(long)]
        brand: Option<String>,
        #[arg(long)]
        model: Option<String>,
        #[arg(long)]
        serial: Option<String>,
        #[arg(long)]
        complaint: Option<String>,
        #[arg(long)]
        condition: Option<String>,
    },
    /// Move a job through its lifecycle.
    Status {
        id: RecordId,
        #[arg(long, value_parser = parse_status)]
        to: JobStatus,
        #[arg(long)]
        override_reason: Option<String>,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        otp: Option<String>,
        #[arg(long)]
        signature_sha256: Option<String>,
        #[arg(long)]
        allow_balance_due: bool,
    },
    /// Replace the diagnosis text.
    Diagnose {
        id: RecordId,
        #[arg(long)]
        text: String,
    },
    /// Replace the notes text.
    Notes {
        id: RecordId,
        #[arg(long)]
        text: String,
    },
    /// Add an estimate line.
    EstimateAdd {
        id: RecordId,
        #[arg(long)]
        description: String,
        #[arg(long, default_value = "998713")]
        hsn_sac: String,
        #[arg(long, default_value = "1")]
        qty: String,
        #[arg(long)]
        unit_price: String,
        #[arg(long, default_value = "0")]
        discount: String,
        #[arg(long, default_value = "18")]
        gst_rate: String,
    },
    /// Remove an estimate line.
    EstimateRemove { id: RecordId, line: RecordId },
    /// Assign a technician (or --none).
    Assign {
        id: RecordId,
        #[arg(long)]
        technician: Option<UserId>,
    },
    /// Show the device password (logged).
    Password {
        id: RecordId,
        #[arg(long, default_value = "")]
        purpose: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ItemCmd {
    /// Add an item to the catalogue.
    Create {
        #[arg(long)]
        sku: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        hsn_sac: String,
        #[arg(long, default_value = "18")]
        gst_rate: String,
        #[arg(long, default_value = "pcs")]
        unit: String,
        #[arg(long)]
        sale_price: String,
        #[arg(long, default_value = "0")]
        cost: String,
        #[arg(long, default_value = "0")]
        reorder_level: String,
        #[arg(long)]
        service: bool,
    },
    /// List items with stock (--low for the low-stock list).
    List {
        #[arg(long, default_value = "")]
        q: String,
        #[arg(long)]
        low: bool,
    },
    /// One item with its stock.
    Show { id: RecordId },
    /// Every movement of an item.
    Ledger { id: RecordId },
}

#[derive(Subcommand, Debug)]
pub enum StockCmd {
    /// Receive stock from a supplier.
    Receive {
        item: RecordId,
        #[arg(long)]
        qty: String,
        #[arg(long)]
        supplier: String,
        #[arg(long)]
        reference: Option<String>,
    },
    /// Adjust stock (signed delta) with a reason.
    Adjust {
        item: RecordId,
        #[arg(long, allow_hyphen_values = true)]
        delta: String,
        #[arg(long)]
        reason: String,
    },
    /// Issue parts to a technician's laptop.
    Issue {
        item: RecordId,
        #[arg(long)]
        qty: String,
        #[arg(long)]
        technician: UserId,
        #[arg(long)]
        to_device: sync_core::ids::DeviceId,
    },
    /// Return parts to the store.
    Return {
        item: RecordId,
        #[arg(long)]
        qty: String,
    },
    /// Use a part on a job.
    Use {
        item: RecordId,
        #[arg(long)]
        job: RecordId,
        #[arg(long)]
        qty: String,
    },
    /// Send stock to another branch.
    TransferOut {
        item: RecordId,
        #[arg(long)]
        qty: String,
        #[arg(long)]
        to_branch: sync_core::ids::BranchId,
    },
    /// Receive a transfer.
    TransferIn {
        transfer: RecordId,
        #[arg(long)]
        received: String,
    },
    /// Transfers from and to this branch.
    Transfers,
}

#[derive(Subcommand, Debug)]
pub enum InvoiceCmd {
    /// Draft an invoice from a job's estimate and parts.
    Draft {
        #[arg(long)]
        job: RecordId,
    },
    /// Number and issue a draft.
    Finalize { draft: RecordId },
    /// Drafts on this device.
    Drafts,
    /// Issued invoices and credit notes.
    List,
    /// One document.
    Show { id: RecordId },
    /// Printable HTML on stdout.
    Print {
        id: RecordId,
        #[arg(long)]
        thermal: bool,
    },
    /// Cancel (the number is kept).
    Cancel {
        id: RecordId,
        #[arg(long)]
        reason: String,
    },
    /// A credit note reversing a whole invoice.
    CreditNote {
        invoice: RecordId,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum PaymentCmd {
    /// Record a payment against an invoice.
    Record {
        #[arg(long)]
        invoice: RecordId,
        #[arg(long)]
        amount: String,
        #[arg(long, value_parser = parse_mode, default_value = "cash")]
        mode: sync_core::body::PaymentMode,
        #[arg(long)]
        reference: Option<String>,
    },
    /// Payments, optionally of one invoice.
    List {
        #[arg(long)]
        invoice: Option<RecordId>,
    },
}

#[derive(Subcommand, Debug)]
pub enum LeaseCmd {
    /// Blocks held and numbers remaining.
    List,
    /// Standalone only: grant this device a block of its own series.
    GrantLocal {
        #[arg(long, default_value_t = 100)]
        size: u64,
        #[arg(long)]
        credit_notes: bool,
    },
}

fn parse_mode(s: &str) -> std::result::Result<sync_core::body::PaymentMode, String> {
    use sync_core::body::PaymentMode::*;
    match s {
        "cash" => Ok(Cash),
        "upi" => Ok(Upi),
        "card" => Ok(Card),
        "bank" => Ok(Bank),
        _ => Err("must be cash, upi, card or bank".into()),
    }
}

#[derive(Subcommand, Debug)]
pub enum ConflictCmd {
    /// List fields with concurrent values.
    List,
    /// Keep one value (text) for a field.
    Resolve {
        #[arg(long)]
        record: RecordId,
        #[arg(long)]
        field: String,
        #[arg(long)]
        value: String,
    },
}

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

fn parse_role(s: &str) -> std::result::Result<Role, String> {
    Role::parse(s)
        .ok_or_else(|| "must be one of owner, manager, receptionist, technician, accountant".into())
}
fn parse_status(s: &str) -> std::result::Result<JobStatus, String> {
    JobStatus::parse(s)
        .ok_or_else(|| "must be a job status such as diagnosed, in_repair, ready, delivered".into())
}
fn parse_password_kind(s: &str) -> std::result::Result<PasswordKind, String> {
    match s {
        "pin" => Ok(PasswordKind::Pin),
        "pattern" => Ok(PasswordKind::Pattern),
        "text" => Ok(PasswordKind::Text),
        _ => Err("must be pin, pattern or text".into()),
    }
}
fn dec(field: &str, s: &str) -> Result<rust_decimal::Decimal> {
    s.parse()
        .map_err(|_| NodeError::invalid(field, "must be a decimal number like 1499.00"))
}

fn print<T: Serialize>(v: &T) -> Result<()> {
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

/// Run a parsed command.
pub fn run(cli: Cli) -> Result<()> {
    if let Cmd::Init(a) = &cli.cmd {
        let node = Node::init_standalone(
            &cli.db,
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
        return print(
            &serde_json::json!({ "device": node.device, "branch": node.branch, "db": cli.db }),
        );
    }
    if let Cmd::Enroll {
        hub_url,
        code,
        hub_ca,
    } = &cli.cmd
    {
        let ca = match hub_ca {
            Some(p) => Some(std::fs::read(p).map_err(|e| {
                NodeError::invalid("--hub-ca", format!("{} cannot be read: {e}", p.display()))
            })?),
            None => None,
        };
        let node = Node::enroll_with_ca(&cli.db, hub_url, code, ca)?;
        let status = crate::sync::status(&node)?;
        let users = node.read(crate::store::read::users)?.len();
        // The number blocks it can bill from straight away (a counter gets
        // its first ones with the enrollment).
        let leases = node.read(|c| crate::store::money::all_leases(c, node.device))?;
        return print(&serde_json::json!({
            "device": node.device,
            "branch": node.branch,
            "db": cli.db,
            "hub": hub_url,
            "users": users,
            "number_blocks": leases,
            "sync": status,
        }));
    }
    if let Cmd::Demo { dir, listen } = &cli.cmd {
        let dir = match dir {
            Some(d) => d.clone(),
            None => std::env::temp_dir().join(format!("repair-shop-demo-{}", std::process::id())),
        };
        std::fs::create_dir_all(&dir)?;
        let db = dir.join("front-desk.sqlite");
        let node = Arc::new(crate::demo::build(&db)?);
        return serve(node, listen, Some(&db), &[]);
    }
    let node = Arc::new(Node::open(&cli.db)?);
    match &cli.cmd {
        Cmd::Init(_) => unreachable!("handled above"),
        Cmd::Serve { listen, peers } => serve(node.clone(), listen, None, peers),
        Cmd::Demo { .. } | Cmd::Enroll { .. } => unreachable!("handled above"),
        Cmd::Sync { peers } => sync_now(&node, peers),
        Cmd::Login => print(&session(&cli, &node)?),
        Cmd::User(UserCmd::List) => print(&svc::list_users(&node, &session(&cli, &node)?)?),
        Cmd::User(UserCmd::Create {
            name,
            role,
            new_pin,
        }) => print(&svc::create_user(
            &node,
            &session(&cli, &node)?,
            svc::UserInput {
                name: name.clone(),
                role: *role,
                pin: new_pin.clone(),
            },
        )?),
        Cmd::Customer(c) => {
            let s = session(&cli, &node)?;
            match c {
                CustomerCmd::Create {
                    name,
                    mobile,
                    email,
                    address,
                    gstin,
                    state_code,
                } => print(&svc::create_customer(
                    &node,
                    &s,
                    svc::CustomerInput {
                        name: name.clone(),
                        mobile: mobile.clone(),
                        email: email.clone(),
                        address: address.clone(),
                        gstin: gstin.clone(),
                        state_code: state_code.clone(),
                    },
                )?),
                CustomerCmd::List { q } => print(&svc::find_customers(&node, &s, q)?),
                CustomerCmd::Show { id } => print(&svc::get_customer(&node, &s, *id)?),
                CustomerCmd::History { id } => print(&svc::customer_history(&node, &s, *id)?),
                CustomerCmd::Update {
                    id,
                    name,
                    mobile,
                    email,
                    address,
                    gstin,
                    state_code,
                } => print(&svc::update_customer(
                    &node,
                    &s,
                    *id,
                    svc::CustomerPatch {
                        name: name.clone(),
                        mobile: mobile.clone(),
                        email: email.clone(),
                        address: address.clone(),
                        gstin: gstin.clone(),
                        state_code: state_code.clone(),
                    },
                )?),
            }
        }
        Cmd::Job(j) => {
            let s = session(&cli, &node)?;
            match j {
                JobCmd::Open {
                    customer,
                    customer_name,
                    customer_mobile,
                    device_type,
                    brand,
                    model,
                    serial,
                    complaint,
                    accessories,
                    condition,
                    device_password,
                    password_kind,
                } => {
                    let new_customer = match (customer_name, customer_mobile) {
                        (Some(n), Some(m)) => Some(svc::CustomerInput {
                            name: n.clone(),
                            mobile: m.clone(),
                            email: None,
                            address: None,
                            gstin: None,
                            state_code: None,
                        }),
                        (None, None) => None,
                        _ => {
                            return Err(NodeError::invalid(
                                "customer_mobile",
                                "a new customer needs both --customer-name and --customer-mobile",
                            ));
                        }
                    };
                    print(&svc::open_job(
                        &node,
                        &s,
                        svc::JobInput {
                            customer: *customer,
                            new_customer,
                            device_type: device_type.clone(),
                            brand: brand.clone(),
                            model: model.clone(),
                            serial: serial.clone(),
                            complaint: complaint.clone(),
                            accessories: accessories.clone(),
                            condition: condition.clone(),
                            password: device_password.as_ref().map(|v| svc::PasswordInput {
                                kind: *password_kind,
                                value: v.clone(),
                            }),
                            promised: None,
                        },
                    )?)
                }
                JobCmd::List {
                    status,
                    technician,
                    open,
                } => print(&svc::list_jobs(
                    &node,
                    &s,
                    &JobFilter {
                        status: status.clone(),
                        technician: *technician,
                        open: Some(*open),
                        ..Default::default()
                    },
                )?),
                JobCmd::Show { id } => print(&svc::job_detail(&node, &s, *id)?),
                JobCmd::Update {
                    id,
                    brand,
                    model,
                    serial,
                    complaint,
                    condition,
                } => print(&svc::update_job(
                    &node,
                    &s,
                    *id,
                    svc::JobPatch {
                        brand: brand.clone(),
                        model: model.clone(),
                        serial: serial.clone(),
                        complaint: complaint.clone(),
                        condition: condition.clone(),
                        ..Default::default()
                    },
                )?),
                JobCmd::Status {
                    id,
                    to,
                    override_reason,
                    note,
                    otp,
                    signature_sha256,
                    allow_balance_due,
                } => print(&svc::change_status(
                    &node,
                    &s,
                    *id,
                    svc::StatusInput {
                        to: *to,
                        override_reason: override_reason.clone(),
                        note: note.clone(),
                        otp: otp.clone(),
                        signature_sha256: signature_sha256.clone(),
                        allow_balance_due: *allow_balance_due,
                    },
                )?),
                JobCmd::Diagnose { id, text } => print(&svc::set_text(
                    &node,
                    &s,
                    *id,
                    TextField::Diagnosis,
                    text,
                    None,
                )?),
                JobCmd::Notes { id, text } => print(&svc::set_text(
                    &node,
                    &s,
                    *id,
                    TextField::Notes,
                    text,
                    None,
                )?),
                JobCmd::EstimateAdd {
                    id,
                    description,
                    hsn_sac,
                    qty,
                    unit_price,
                    discount,
                    gst_rate,
                } => print(&svc::add_estimate_line(
                    &node,
                    &s,
                    *id,
                    svc::LineInput {
                        kind: sync_core::body::LineKind::Service,
                        item: None,
                        description: description.clone(),
                        hsn_sac: hsn_sac.clone(),
                        qty: dec("qty", qty)?,
                        unit: "nos".into(),
                        unit_price: dec("unit_price", unit_price)?,
                        discount: dec("discount", discount)?,
                        gst_rate: dec("gst_rate", gst_rate)?,
                    },
                )?),
                JobCmd::EstimateRemove { id, line } => {
                    print(&svc::remove_estimate_line(&node, &s, *id, *line)?)
                }
                JobCmd::Assign { id, technician } => {
                    print(&svc::assign_technician(&node, &s, *id, *technician)?)
                }
                JobCmd::Password { id, purpose } => {
                    print(&svc::reveal_password(&node, &s, *id, purpose)?)
                }
            }
        }
        Cmd::Conflicts(c) => {
            let s = session(&cli, &node)?;
            match c {
                ConflictCmd::List => print(&svc::list_conflicts(&node, &s)?),
                ConflictCmd::Resolve {
                    record,
                    field,
                    value,
                } => print(&svc::resolve_conflict(
                    &node,
                    &s,
                    svc::ResolveInput {
                        record: *record,
                        field: field.clone(),
                        value: FieldValue::Text(value.clone()),
                    },
                )?),
            }
        }
        Cmd::Item(i) => {
            use crate::inventory as inv;
            let s = session(&cli, &node)?;
            match i {
                ItemCmd::Create {
                    sku,
                    name,
                    hsn_sac,
                    gst_rate,
                    unit,
                    sale_price,
                    cost,
                    reorder_level,
                    service,
                } => print(&inv::create_item(
                    &node,
                    &s,
                    inv::ItemInput {
                        sku: sku.clone(),
                        name: name.clone(),
                        hsn_sac: hsn_sac.clone(),
                        gst_rate: dec("gst_rate", gst_rate)?,
                        unit: unit.clone(),
                        sale_price: dec("sale_price", sale_price)?,
                        cost: dec("cost", cost)?,
                        reorder_level: dec("reorder_level", reorder_level)?,
                        is_service: *service,
                    },
                )?),
                ItemCmd::List { q, low } => print(&inv::list_items(&node, &s, q, *low)?),
                ItemCmd::Show { id } => print(&inv::get_item(&node, &s, *id)?),
                ItemCmd::Ledger { id } => print(&inv::ledger(&node, &s, *id)?),
            }
        }
        Cmd::Stock(c) => {
            use crate::inventory as inv;
            let s = session(&cli, &node)?;
            match c {
                StockCmd::Receive {
                    item,
                    qty,
                    supplier,
                    reference,
                } => print(&inv::receive(
                    &node,
                    &s,
                    inv::ReceiptInput {
                        item: *item,
                        qty: dec("qty", qty)?,
                        supplier: supplier.clone(),
                        reference: reference.clone(),
                        note: None,
                    },
                )?),
                StockCmd::Adjust {
                    item,
                    delta,
                    reason,
                } => print(&inv::adjust(
                    &node,
                    &s,
                    inv::AdjustInput {
                        item: *item,
                        delta: dec("delta", delta)?,
                        reason: reason.clone(),
                    },
                )?),
                StockCmd::Issue {
                    item,
                    qty,
                    technician,
                    to_device,
                } => print(&inv::issue_to_technician(
                    &node,
                    &s,
                    inv::IssueInput {
                        item: *item,
                        qty: dec("qty", qty)?,
                        technician: *technician,
                        to_device: *to_device,
                    },
                )?),
                StockCmd::Return { item, qty } => print(&inv::return_to_store(
                    &node,
                    &s,
                    inv::ReturnInput {
                        item: *item,
                        qty: dec("qty", qty)?,
                        to_device: None,
                    },
                )?),
                StockCmd::Use { item, job, qty } => print(&inv::use_on_job(
                    &node,
                    &s,
                    inv::UseInput {
                        job: *job,
                        item: *item,
                        qty: dec("qty", qty)?,
                        unit_price: None,
                    },
                )?),
                StockCmd::TransferOut {
                    item,
                    qty,
                    to_branch,
                } => print(&inv::transfer_out(
                    &node,
                    &s,
                    inv::TransferOutInput {
                        item: *item,
                        qty: dec("qty", qty)?,
                        to_branch: *to_branch,
                        to_device: None,
                    },
                )?),
                StockCmd::TransferIn { transfer, received } => print(&inv::transfer_in(
                    &node,
                    &s,
                    inv::TransferInInput {
                        transfer: *transfer,
                        received: dec("received", received)?,
                    },
                )?),
                StockCmd::Transfers => print(&inv::transfers(&node, &s)?),
            }
        }
        Cmd::Invoice(c) => {
            use crate::billing as bill;
            let s = session(&cli, &node)?;
            match c {
                InvoiceCmd::Draft { job } => print(&bill::create_draft(
                    &node,
                    &s,
                    bill::DraftInput {
                        job: Some(*job),
                        customer: None,
                        customer_name: None,
                        customer_gstin: None,
                        customer_state: None,
                        customer_address: None,
                        lines: vec![],
                    },
                )?),
                InvoiceCmd::Finalize { draft } => print(&bill::finalize(&node, &s, *draft, None)?),
                InvoiceCmd::Drafts => print(&bill::drafts(&node, &s)?),
                InvoiceCmd::List => print(&bill::list_documents(&node, &s, None)?),
                InvoiceCmd::Show { id } => print(&bill::get_document(&node, &s, *id)?),
                InvoiceCmd::Print { id, thermal } => {
                    println!("{}", bill::render(&node, &s, *id, *thermal)?);
                    Ok(())
                }
                InvoiceCmd::Cancel { id, reason } => print(&bill::cancel(&node, &s, *id, reason)?),
                InvoiceCmd::CreditNote { invoice, reason } => print(&bill::credit_note(
                    &node,
                    &s,
                    bill::CreditNoteInput {
                        invoice: *invoice,
                        reason: reason.clone(),
                        lines: None,
                        date: None,
                    },
                )?),
            }
        }
        Cmd::Payment(c) => {
            use crate::billing as bill;
            let s = session(&cli, &node)?;
            match c {
                PaymentCmd::Record {
                    invoice,
                    amount,
                    mode,
                    reference,
                } => print(&bill::record_payment(
                    &node,
                    &s,
                    bill::PaymentInput {
                        invoice: Some(*invoice),
                        job: None,
                        amount: dec("amount", amount)?,
                        mode: *mode,
                        reference: reference.clone(),
                        date: None,
                    },
                )?),
                PaymentCmd::List { invoice } => print(&bill::payments(&node, &s, *invoice, None)?),
            }
        }
        Cmd::Lease(c) => {
            use crate::billing as bill;
            let s = session(&cli, &node)?;
            match c {
                LeaseCmd::List => print(&bill::leases(&node, &s)?),
                LeaseCmd::GrantLocal { size, credit_notes } => print(&bill::grant_local_lease(
                    &node,
                    &s,
                    bill::LocalLeaseInput {
                        doc_type: if *credit_notes {
                            sync_core::domain::invoice_no::DocType::CreditNote
                        } else {
                            sync_core::domain::invoice_no::DocType::TaxInvoice
                        },
                        size: *size,
                        fy: None,
                    },
                )?),
            }
        }
        Cmd::Audit(a) => {
            let s = session(&cli, &node)?;
            match a {
                AuditCmd::List { limit } => print(&svc::audit_log(&node, &s, *limit, None)?),
                AuditCmd::Verify => {
                    let check = svc::verify_audit(&node, &s)?;
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
        Cmd::Export { table } => {
            let s = session(&cli, &node)?;
            let tables: Vec<&str> = match table {
                Some(t) => vec![t.as_str()],
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
            print(&svc::export(&node, &s, &tables)?)
        }
        Cmd::Stress { count, invoices } => {
            if *invoices {
                stress_invoices(&node, *count)
            } else {
                stress(&node, *count)
            }
        }
    }
}

/// `branch-node sync`: one sync with each peer. One peer: its report; several:
/// a list of {peer, ok, report, error}. Exit 1 if any failed.
fn sync_now(node: &Arc<Node>, peers: &[String]) -> Result<()> {
    let peers = if peers.is_empty() {
        node.sync_peers()?
    } else {
        peers.to_vec()
    };
    if peers.is_empty() {
        return Err(NodeError::invalid(
            "peer",
            "this device has no hub and no LAN peers: run `branch-node enroll`, or give --peer URL",
        ));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    if let [peer] = &peers[..] {
        let report = rt.block_on(crate::sync::sync_once(node, peer))?;
        return print(&report);
    }
    let outcomes = rt.block_on(crate::sync::sync_all(node, &peers))?;
    print(&outcomes)?;
    match outcomes.iter().find(|o| !o.ok) {
        Some(o) => Err(NodeError::Setup(format!(
            "sync with {} failed: {}",
            o.peer,
            o.error.as_deref().unwrap_or("")
        ))),
        None => Ok(()),
    }
}

fn serve(
    node: Arc<Node>,
    listen: &str,
    demo_db: Option<&std::path::Path>,
    peers: &[String],
) -> Result<()> {
    if !peers.is_empty() {
        node.set_lan_peers(peers)?;
    }
    let sync_peers = if demo_db.is_some() {
        vec![]
    } else {
        node.sync_peers()?
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let stop = Arc::new(tokio::sync::Notify::new());
        let sync_loop = if sync_peers.is_empty() {
            None
        } else {
            eprintln!("branch-node: syncing with {}", sync_peers.join(", "));
            let s = stop.clone();
            Some(tokio::spawn(crate::sync::run_sync_loop(
                node.clone(),
                sync_peers,
                async move { s.notified().await },
            )))
        };
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        if let Some(db) = demo_db {
            println!("Demo shop ready.");
            println!("  database:  {}", db.display());
            println!("  web UI:    http://{addr}/");
            println!("  local API: http://{addr}/api   (OpenAPI: http://{addr}/openapi.json)");
            println!("  log in:    POST http://{addr}/api/login {{\"user\": \"Meera Manager\", \"pin\": \"{}\"}}", crate::demo::PIN);
            println!("  users:     Olivia Owner, Meera Manager, Ravi Reception, Tara Technician, Arun Accounts (PIN {})", crate::demo::PIN);
            println!("Press Ctrl-C to stop.");
        } else {
            eprintln!(
                "branch-node: device {} serving http://{addr} (web UI at /, API at /api)",
                node.device
            );
        }
        let served = crate::api::serve(listener, node, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
        stop.notify_one();
        if let Some(h) = sync_loop {
            let _ = h.await;
        }
        served
    })?;
    Ok(())
}

/// Draft and finalize counter-sale invoices as the owner, printing
/// `issued <number> <draft>` once each finalize returns; the draft id is
/// printed first as `drafted <draft>`.
fn stress_invoices(node: &Node, count: u64) -> Result<()> {
    use std::io::Write;
    let owner = node.genesis().owner;
    let s = Session {
        user: owner,
        name: "owner".into(),
        role: Role::Owner,
        branch: None,
    };
    let out = std::io::stdout();
    for i in 0..count {
        let d = crate::billing::create_draft(
            node,
            &s,
            crate::billing::DraftInput {
                job: None,
                customer: None,
                customer_name: Some(format!("Walk-in {i}")),
                customer_gstin: None,
                customer_state: None,
                customer_address: None,
                lines: vec![svc::LineInput {
                    kind: sync_core::body::LineKind::Part,
                    item: None,
                    description: "USB mouse".into(),
                    hsn_sac: "8471".into(),
                    qty: rust_decimal::Decimal::ONE,
                    unit: "pcs".into(),
                    unit_price: rust_decimal::Decimal::new(49900, 2),
                    discount: rust_decimal::Decimal::ZERO,
                    gst_rate: rust_decimal::Decimal::from(18),
                }],
            },
        )?;
        writeln!(out.lock(), "drafted {}", d.draft.id)?;
        let doc = crate::billing::finalize(node, &s, d.draft.id, None)?;
        let mut o = out.lock();
        writeln!(o, "issued {} {}", doc.doc.number, d.draft.id)?;
        o.flush()?;
    }
    Ok(())
}

/// Open job cards as the owner, printing `committed <id>` after each commit
/// returns (the crash test kills this process at random moments).
fn stress(node: &Node, count: u64) -> Result<()> {
    use std::io::Write;
    let owner = node.genesis().owner;
    let s = Session {
        user: owner,
        name: "owner".into(),
        role: Role::Owner,
        branch: None,
    };
    let customer = svc::create_customer(
        node,
        &s,
        svc::CustomerInput {
            name: "Stress Test".into(),
            mobile: "9000000000".into(),
            email: None,
            address: None,
            gstin: None,
            state_code: None,
        },
    )?;
    let out = std::io::stdout();
    for i in 0..count {
        let j = svc::open_job(
            node,
            &s,
            svc::JobInput {
                customer: Some(customer.id),
                new_customer: None,
                device_type: "Laptop".into(),
                brand: "HP".into(),
                model: format!("Pavilion {i}"),
                serial: format!("SN{i}"),
                complaint: "Does not boot".into(),
                accessories: vec!["Charger".into()],
                condition: String::new(),
                password: None,
                promised: None,
            },
        )?;
        let mut o = out.lock();
        writeln!(o, "committed {}", j.job.summary.id)?;
        o.flush()?;
    }
    Ok(())
}
