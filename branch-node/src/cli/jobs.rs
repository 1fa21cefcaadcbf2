//! `branch-node job`: job cards from intake to delivery: edits, the
//! estimate, the technician, diagnosis and notes, the device password.

use clap::Subcommand;
use sync_core::body::{PasswordKind, TextField};
use sync_core::domain::lifecycle::JobStatus;
use sync_core::ids::{RecordId, UserId};

use super::lines::LineArgs;
use super::print;
use crate::auth::Session;
use crate::error::{NodeError, Result};
use crate::node::Node;
use crate::services as svc;
use crate::store::read::JobFilter;

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
    /// Add an estimate line: a catalogue item (--item SKU) or a typed one
    /// (--line DESCRIPTION --hsn --rate --price).
    EstimateAdd {
        id: RecordId,
        #[command(flatten)]
        line: LineArgs,
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

pub(super) fn run(node: &Node, s: &Session, c: &JobCmd) -> Result<()> {
    match c {
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
                node,
                s,
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
                    technician: None,
                },
            )?)
        }
        JobCmd::List {
            status,
            technician,
            open,
        } => print(&svc::list_jobs(
            node,
            s,
            &JobFilter {
                status: status.clone(),
                technician: *technician,
                open: Some(*open),
                ..Default::default()
            },
        )?),
        JobCmd::Show { id } => print(&svc::job_detail(node, s, *id)?),
        JobCmd::Update {
            id,
            brand,
            model,
            serial,
            complaint,
            condition,
        } => print(&svc::update_job(
            node,
            s,
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
            node,
            s,
            *id,
            svc::StatusInput {
                to: *to,
                override_reason: override_reason.clone(),
                note: note.clone(),
                otp: otp.clone(),
                signature_sha256: signature_sha256.clone(),
                allow_balance_due: *allow_balance_due,
                approval: None,
            },
        )?),
        JobCmd::Diagnose { id, text } => print(&svc::set_text(
            node,
            s,
            *id,
            TextField::Diagnosis,
            text,
            None,
        )?),
        JobCmd::Notes { id, text } => {
            print(&svc::set_text(node, s, *id, TextField::Notes, text, None)?)
        }
        JobCmd::EstimateAdd { id, line } => {
            let l = line.input(node, s)?;
            print(&svc::add_estimate_line(node, s, *id, l)?)
        }
        JobCmd::EstimateRemove { id, line } => {
            print(&svc::remove_estimate_line(node, s, *id, *line)?)
        }
        JobCmd::Assign { id, technician } => {
            print(&svc::assign_technician(node, s, *id, *technician)?)
        }
        JobCmd::Password { id, purpose } => print(&svc::reveal_password(node, s, *id, purpose)?),
    }
}
