//! Job cards: intake (with the delivery OTP), the job board, edits,
//! assigning a technician, diagnosis and notes merged across devices, and
//! moving a job through its lifecycle.

use serde::{Deserialize, Serialize};
use sync_core::body::{DeliveryProof, FieldValue, JobIntake, OpBody, StatusChange, TextField};
use sync_core::domain::date::Date;
use sync_core::domain::gst;
use sync_core::domain::lifecycle::{self, JobStatus};
use sync_core::domain::messages::Event;
use sync_core::domain::money::format_inr;
use sync_core::domain::roles::Action;
use sync_core::domain::rules::otp_hash;
use sync_core::domain::validate;
use sync_core::ids::{RecordId, UserId};
use sync_core::merge::text::TextDoc;

use super::customers::{CustomerInput, customer_body, get_customer};
use super::passwords::PasswordInput;
use super::{opt, own_branch, text_or_null, writes};
use crate::auth::Session;
use crate::crypto;
use crate::error::{NodeError, Result};
use crate::node::{Node, new_id};
use crate::store::read::{self, JobDetail, JobFilter, JobSummary};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobInput {
    /// An existing customer, or `new_customer` to create one in the same step.
    pub customer: Option<RecordId>,
    pub new_customer: Option<CustomerInput>,
    pub device_type: String,
    #[serde(default)]
    pub brand: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub serial: String,
    pub complaint: String,
    #[serde(default)]
    pub accessories: Vec<String>,
    #[serde(default)]
    pub condition: String,
    pub password: Option<PasswordInput>,
    pub promised: Option<Date>,
    /// The technician the device goes to from the counter.
    #[serde(default)]
    pub technician: Option<UserId>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OpenedJob {
    pub job: JobDetail,
    /// The delivery OTP, printed on the intake slip; only its hash is kept.
    pub otp: String,
}

/// The next job number of this device, read inside the write transaction:
/// `<branch prefix>-<device number>-<sequence>`, e.g. `BLR1-2-00017`, short
/// enough to say over the phone and unique across the business (the hub
/// numbers a branch's devices, the branch prefix is the branch's own).
fn next_job_no(c: &rusqlite::Connection, node: &Node) -> Result<String> {
    let prefix = match read::device_number(c, node.device)? {
        Some(n) => format!("{}-{n}-", read::branch(c, node.branch)?.invoice_prefix),
        // Enrolled before devices were numbered: the device's first hex digits.
        None => format!("J{}-", hex::encode(&node.device.0[..2])[..3].to_uppercase()),
    };
    let n = read::jobs_numbered_with(c, &prefix)?;
    Ok(format!("{prefix}{:05}", n + 1))
}

pub fn open_job(node: &Node, s: &Session, i: JobInput) -> Result<OpenedJob> {
    own_branch(node, s)?;
    s.require(Action::CreateJobs)?;
    // A new customer is created in the same transaction as the job card.
    let (customer, new_customer) = match (i.customer, i.new_customer) {
        (Some(c), None) => (get_customer(node, s, c)?.id, None),
        (None, Some(nc)) => {
            let c = customer_body(nc)?;
            (c.id, Some(c))
        }
        _ => {
            return Err(NodeError::invalid(
                "customer",
                "give exactly one of `customer` (an id) or `new_customer`",
            ));
        }
    };
    let id = new_id()?;
    let (password_kind, password) = match i.password {
        Some(p) => {
            validate::text("password.value", &p.value, 1, 200)?;
            (
                Some(p.kind),
                Some(crypto::seal(&node.branch_key(), id, "password", &p.value)?),
            )
        }
        None => (None, None),
    };
    let otp = fresh_otp()?;
    let intake = JobIntake {
        id,
        job_no: String::new(),
        customer,
        device_type: i.device_type.trim().to_string(),
        brand: i.brand.trim().to_string(),
        model: i.model.trim().to_string(),
        serial: i.serial.trim().to_string(),
        complaint: i.complaint.trim().to_string(),
        accessories: i
            .accessories
            .into_iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect(),
        condition: i.condition.trim().to_string(),
        password_kind,
        password,
        delivery_otp_hash: otp_hash(id, &otp),
        otp_sealed: Some(crypto::seal(&node.branch_key(), id, "otp", &otp)?),
        promised: i.promised,
        technician: i.technician,
    };
    node.write(s.user, |c| {
        let mut intake = intake;
        intake.job_no = next_job_no(c, node)?;
        let to = match &new_customer {
            Some(nc) => read::Contact {
                name: nc.name.clone(),
                mobile: nc.mobile.clone(),
                language: None,
                no_messages: false,
            },
            None => read::contact(c, customer)?,
        };
        let device = [intake.brand.as_str(), intake.model.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let message = super::messages::message_for(
            Event::JobOpened,
            customer,
            &to,
            Some(id),
            vec![
                to.name.clone(),
                intake.job_no.clone(),
                if device.is_empty() {
                    intake.device_type.clone()
                } else {
                    device
                },
                read::branch(c, node.branch)?.name,
            ],
        )?;
        let mut bodies: Vec<OpBody> = new_customer
            .into_iter()
            .map(OpBody::CustomerCreated)
            .collect();
        bodies.push(OpBody::JobOpened(intake));
        bodies.extend(message);
        Ok(bodies)
    })?;
    Ok(OpenedJob {
        job: job_detail(node, s, id)?,
        otp,
    })
}

pub fn list_jobs(node: &Node, s: &Session, f: &JobFilter) -> Result<Vec<JobSummary>> {
    let b = own_branch(node, s)?;
    if let Some(st) = &f.status
        && JobStatus::parse(st).is_none()
    {
        return Err(NodeError::invalid(
            "status",
            "must be one of received, diagnosed, estimate_shared, approved, rejected, in_repair, waiting_for_parts, ready, delivered, cancelled",
        ));
    }
    node.read(|c| read::jobs(c, b, f))
}

pub fn job_detail(node: &Node, s: &Session, id: RecordId) -> Result<JobDetail> {
    let b = own_branch(node, s)?;
    let (mut d, money, branch) = node.read(|c| {
        Ok((
            read::job_detail(c, id)?,
            read::job_money(c, id)?,
            read::branch(c, b)?,
        ))
    })?;
    if d.branch != b {
        return Err(NodeError::NotFound(format!("job {id}")));
    }
    let live: Vec<_> = d
        .estimate
        .iter()
        .filter(|l| !l.removed)
        .map(|l| l.line.clone())
        .collect();
    let supply = gst::supply_for(
        &branch.state_code,
        money
            .customer_state
            .as_deref()
            .unwrap_or(&branch.state_code),
    );
    // An estimate line the engine refuses is shown, but has no total.
    d.estimate_totals = if live.is_empty() {
        None
    } else {
        gst::compute(&live, supply).ok()
    };
    d.delivery_warnings = delivery_warnings(&d, &money);
    d.money = money;
    if let Some(st) = JobStatus::parse(&d.summary.status) {
        d.next_steps = lifecycle::next_steps_for(s.role, st)
            .into_iter()
            .map(JobStatus::as_str)
            .collect();
        d.override_to = lifecycle::override_targets_for(s.role, st)
            .into_iter()
            .map(JobStatus::as_str)
            .collect();
    }
    Ok(d)
}

/// Why handing this job back now needs a manager: an estimate never
/// invoiced, or money still owed.
fn delivery_warnings(d: &JobDetail, m: &read::JobMoney) -> Vec<String> {
    let mut out = vec![];
    if let Some(t) = &d.estimate_totals
        && m.invoices == 0
        && t.grand_total > rust_decimal::Decimal::ZERO
    {
        out.push(format!(
            "not billed: the estimate of ₹{} has no invoice",
            format_inr(t.grand_total)
        ));
    }
    if m.balance_due > rust_decimal::Decimal::ZERO {
        out.push(format!("₹{} is still owed", format_inr(m.balance_due)));
    }
    out
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobPatch {
    pub brand: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub complaint: Option<String>,
    pub condition: Option<String>,
    pub promised: Option<Date>,
    pub estimate_note: Option<String>,
}

pub fn update_job(node: &Node, s: &Session, id: RecordId, p: JobPatch) -> Result<JobDetail> {
    job_detail(node, s, id)?;
    let mut f = vec![];
    for (name, v) in [
        ("brand", p.brand),
        ("model", p.model),
        ("serial", p.serial),
        ("complaint", p.complaint),
        ("condition", p.condition),
    ] {
        if let Some(v) = v {
            validate::text(name, &v, if name == "complaint" { 1 } else { 0 }, 2000)?;
            f.push((name, FieldValue::Text(v.trim().to_string())));
        }
    }
    if let Some(d) = p.promised {
        f.push(("promised", FieldValue::Text(d.to_string())));
    }
    if p.estimate_note.is_some() {
        f.push(("estimate_note", text_or_null(p.estimate_note)));
    }
    if f.is_empty() {
        return Err(NodeError::invalid(
            "body",
            "give at least one field to change",
        ));
    }
    let w = writes(node, id, f)?;
    node.commit(s.user, OpBody::JobUpdated { job: id, writes: w })?;
    job_detail(node, s, id)
}

/// A new delivery OTP for a job whose slip was lost: the old OTP stops
/// working, the new one is shown once, for the reprinted slip.
pub fn new_delivery_otp(node: &Node, s: &Session, id: RecordId) -> Result<OpenedJob> {
    let card = job_detail(node, s, id)?;
    s.require(Action::CreateJobs)?;
    if JobStatus::parse(&card.summary.status).is_some_and(JobStatus::is_terminal) {
        return Err(NodeError::invalid(
            "status",
            format!("job is {} and read-only", card.summary.status),
        ));
    }
    let otp = fresh_otp()?;
    let sealed = crypto::seal(&node.branch_key(), id, "otp", &otp)?;
    let w = writes(
        node,
        id,
        vec![
            ("otp_hash", FieldValue::Text(otp_hash(id, &otp))),
            (
                "otp_sealed",
                FieldValue::Text(
                    serde_json::to_string(&sealed)
                        .map_err(|e| NodeError::invalid("otp", format!("cannot be sealed: {e}")))?,
                ),
            ),
        ],
    )?;
    node.commit(s.user, OpBody::JobUpdated { job: id, writes: w })?;
    Ok(OpenedJob {
        job: job_detail(node, s, id)?,
        otp,
    })
}

fn fresh_otp() -> Result<String> {
    Ok(format!(
        "{:04}",
        u16::from_le_bytes(crypto::random_bytes::<2>()?) % 10_000
    ))
}

pub fn assign_technician(
    node: &Node,
    s: &Session,
    id: RecordId,
    technician: Option<UserId>,
) -> Result<JobDetail> {
    job_detail(node, s, id)?;
    let v = technician.map(FieldValue::User).unwrap_or(FieldValue::Null);
    let w = writes(node, id, vec![("technician", v)])?;
    node.commit(s.user, OpBody::JobUpdated { job: id, writes: w })?;
    job_detail(node, s, id)
}

/// Replace a free-text field (diagnosis or notes); merged character by
/// character with concurrent edits from other devices. `version` is the
/// text's version the person's screen showed (`JobDetail::diagnosis_version`):
/// the change is what they did to that text, so words that reached this
/// device after their screen was loaded stay. Without it, the diff is
/// against the text here now.
pub fn set_text(
    node: &Node,
    s: &Session,
    id: RecordId,
    field: TextField,
    text: &str,
    version: Option<&[String]>,
) -> Result<JobDetail> {
    job_detail(node, s, id)?;
    validate::text("text", text, 0, sync_core::merge::text::MAX_CHARS)?;
    let name = text_field_name(field);
    let nonce = crypto::random_bytes::<8>()?;
    // Read the text in the transaction that commits the edit, so two saves
    // at once on this device both land.
    node.write(s.user, |c| {
        let mut doc = match read::job_text_doc(c, id, name)? {
            Some(b) => TextDoc::load(&b)?,
            None => TextDoc::genesis(),
        };
        let change = match version {
            Some(base) if !base.is_empty() => {
                let actor: Vec<u8> = node.device.0.iter().chain(&nonce).copied().collect();
                doc.edit_from(&actor, base, text)?
            }
            _ => doc.edit(node.device, text)?,
        };
        Ok(change
            .map(|change| OpBody::JobTextEdited {
                job: id,
                field,
                change: hex::encode(change),
            })
            .into_iter()
            .collect())
    })?;
    job_detail(node, s, id)
}

fn text_field_name(field: TextField) -> &'static str {
    match field {
        TextField::Diagnosis => "diagnosis",
        TextField::Notes => "notes",
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    pub to: JobStatus,
    pub override_reason: Option<String>,
    pub note: Option<String>,
    /// Delivery: the customer's OTP…
    pub otp: Option<String>,
    /// …or the SHA-256 of their captured signature.
    pub signature_sha256: Option<String>,
    /// A manager allows delivery with money still owed.
    #[serde(default)]
    pub allow_balance_due: bool,
    /// With a move to approved: who approved the estimate, how, for how much.
    #[serde(default)]
    pub approval: Option<Approval>,
}

/// The customer's approval of an estimate, as the counter took it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub by: String,
    pub channel: ApprovalChannel,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: rust_decimal::Decimal,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalChannel {
    InPerson,
    Phone,
    Whatsapp,
}

impl ApprovalChannel {
    fn said(self) -> &'static str {
        match self {
            ApprovalChannel::InPerson => "in person",
            ApprovalChannel::Phone => "by phone",
            ApprovalChannel::Whatsapp => "on WhatsApp",
        }
    }
}

/// The approval as the timeline's note says it, in the signed op (so every
/// device and the hub show who approved what, and how).
fn approval_note(a: &Approval, note: Option<String>) -> Result<String> {
    validate::text("approval.by", &a.by, 1, 100)?;
    sync_core::domain::money::check_amount("approval.amount", a.amount)?;
    let mut out = format!(
        "Approved by {} {} for ₹{}",
        a.by.trim(),
        a.channel.said(),
        format_inr(a.amount)
    );
    if let Some(n) = note.filter(|n| !n.trim().is_empty()) {
        out.push_str(" · ");
        out.push_str(n.trim());
    }
    Ok(out)
}

pub fn change_status(node: &Node, s: &Session, id: RecordId, i: StatusInput) -> Result<JobDetail> {
    let card = job_detail(node, s, id)?;
    let mut i = i;
    if let Some(a) = i.approval.take() {
        if i.to != JobStatus::Approved {
            return Err(NodeError::invalid(
                "approval",
                "only goes with a move to approved",
            ));
        }
        i.note = Some(approval_note(&a, i.note.take())?);
    }
    if i.to == JobStatus::Delivered && !card.delivery_warnings.is_empty() {
        // The counter sees why; a manager may allow it, with the reason
        // on the timeline. (Money owed is also a rule of the book; an
        // estimate never billed is the shop's own practice, so it is
        // checked here, where the delivery is decided.)
        if !i.allow_balance_due {
            return Err(NodeError::invalid(
                "allow_balance_due",
                format!(
                    "{}; bill and take payment, or have a manager allow delivery with a reason",
                    card.delivery_warnings.join("; ")
                ),
            ));
        }
        s.require(Action::OverrideStatus)?;
        if i.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(NodeError::invalid(
                "note",
                "delivering unbilled or with money owed needs the reason in the note",
            ));
        }
    }
    let g = node.genesis();
    let info = node.read(|c| {
        use sync_core::domain::rules::RuleContext;
        let ctx = crate::store::ctx::TxCtx::new(c, &g);
        ctx.job(id)
            .ok_or_else(|| NodeError::NotFound(format!("job {id}")))
    })?;
    let delivery = match (i.otp, i.signature_sha256) {
        (Some(otp), None) => Some(DeliveryProof::Otp { otp }),
        (None, Some(h)) => Some(DeliveryProof::Signature {
            image_sha256: h.to_lowercase(),
        }),
        (None, None) => None,
        (Some(_), Some(_)) => {
            return Err(NodeError::invalid(
                "otp",
                "give either an OTP or a signature, not both",
            ));
        }
    };
    let change = OpBody::JobStatusChanged(StatusChange {
        job: id,
        from: info.status,
        to: i.to,
        after: info.head,
        override_reason: opt(i.override_reason),
        delivery,
        allow_balance_due: i.allow_balance_due,
        note: opt(i.note),
    });
    if matches!(i.to, JobStatus::Ready | JobStatus::EstimateShared) {
        // The customer hears it with the move, in its transaction.
        let key = node.branch_key();
        let total = card.estimate_totals.as_ref().map(|t| t.grand_total);
        node.write(s.user, |c| {
            let mut bodies = vec![change];
            bodies.extend(if i.to == JobStatus::Ready {
                super::messages::job_ready(c, node, &key, id)?
            } else {
                super::messages::estimate_shared(c, id, total)?
            });
            Ok(bodies)
        })?;
    } else {
        node.commit(s.user, change)?;
    }
    job_detail(node, s, id)
}
