//! The shop's workflows over a [`Node`]: customers, job cards, device
//! passwords, conflicts, audit and users. Each call checks the session's
//! role for reads; every write becomes one operation that the rule book
//! checks again in [`Node::commit`]. Inputs are plain `Deserialize` structs
//! shared by the HTTP API and the CLI.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sync_core::body::*;
use sync_core::domain::date::Date;
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::roles::{Action, Role};
use sync_core::domain::rules::otp_hash;
use sync_core::domain::validate;
use sync_core::ids::{BranchId, RecordId, UserId};
use sync_core::merge::text::TextDoc;

use crate::auth::Session;
use crate::crypto;
use crate::error::{NodeError, Result};
use crate::node::{Node, new_id};
use crate::store::read::{self, CustomerView, FieldConflict, JobDetail, JobFilter, JobSummary};

/// A device belongs to one branch: only its people (and the owner) work on it.
pub(crate) fn own_branch(node: &Node, s: &Session) -> Result<BranchId> {
    match s.branch {
        Some(b) if b != node.branch => Err(NodeError::Rule(sync_core::CoreError::Forbidden {
            role: s.role.as_str().into(),
            action: "work on another branch's device".into(),
        })),
        _ => Ok(node.branch),
    }
}

fn opt(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

// ---------------------------------------------------------------- customers

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    pub name: String,
    pub mobile: String,
    pub email: Option<String>,
    pub address: Option<String>,
    pub gstin: Option<String>,
    pub state_code: Option<String>,
}

fn customer_body(i: CustomerInput) -> Result<Customer> {
    let mobile = validate::mobile("mobile", &i.mobile)?;
    let gstin = opt(i.gstin).map(|g| g.to_uppercase());
    let state_code = opt(i.state_code).or_else(|| {
        gstin
            .as_ref()
            .filter(|g| g.len() >= 2)
            .map(|g| g[..2].to_string())
    });
    let c = Customer {
        id: new_id()?,
        name: i.name.trim().to_string(),
        mobile,
        email: opt(i.email),
        address: opt(i.address),
        gstin,
        state_code,
    };
    Ok(c)
}

pub fn create_customer(node: &Node, s: &Session, i: CustomerInput) -> Result<CustomerView> {
    own_branch(node, s)?;
    let c = customer_body(i)?;
    let id = c.id;
    node.commit(s.user, OpBody::CustomerCreated(c))?;
    node.read(|c| read::customer(c, id))
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    pub name: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub gstin: Option<String>,
    pub state_code: Option<String>,
}

/// Field writes on top of the value the user saw (the current winner).
fn writes(
    node: &Node,
    record: RecordId,
    fields: Vec<(&str, FieldValue)>,
) -> Result<Vec<FieldWrite>> {
    node.read(|c| {
        fields
            .into_iter()
            .map(|(f, v)| {
                let live = read::live_versions(c, record, f)?;
                Ok(FieldWrite {
                    field: f.to_string(),
                    value: v,
                    supersedes: live.into_iter().take(1).collect(),
                })
            })
            .collect()
    })
}

fn text_or_null(v: Option<String>) -> FieldValue {
    match opt(v) {
        Some(t) => FieldValue::Text(t),
        None => FieldValue::Null,
    }
}

pub fn update_customer(
    node: &Node,
    s: &Session,
    id: RecordId,
    p: CustomerPatch,
) -> Result<CustomerView> {
    own_branch(node, s)?;
    node.read(|c| read::customer(c, id))?;
    let mut f = vec![];
    if let Some(n) = p.name {
        validate::text("name", &n, 1, 100)?;
        f.push(("name", FieldValue::Text(n.trim().to_string())));
    }
    if let Some(m) = p.mobile {
        f.push(("mobile", FieldValue::Text(validate::mobile("mobile", &m)?)));
    }
    if p.email.is_some() {
        f.push(("email", text_or_null(p.email)));
    }
    if p.address.is_some() {
        f.push(("address", text_or_null(p.address)));
    }
    if let Some(g) = p.gstin {
        let g = g.trim().to_uppercase();
        if !g.is_empty() {
            validate::gstin("gstin", &g)?;
        }
        f.push(("gstin", text_or_null(Some(g))));
    }
    if let Some(st) = p.state_code {
        if !st.trim().is_empty() {
            validate::state_code("state_code", st.trim())?;
        }
        f.push(("state_code", text_or_null(Some(st))));
    }
    if f.is_empty() {
        return Err(NodeError::invalid(
            "body",
            "give at least one field to change",
        ));
    }
    let w = writes(node, id, f)?;
    node.commit(
        s.user,
        OpBody::CustomerUpdated {
            customer: id,
            writes: w,
        },
    )?;
    node.read(|c| read::customer(c, id))
}

pub fn find_customers(node: &Node, s: &Session, q: &str) -> Result<Vec<CustomerView>> {
    let b = own_branch(node, s)?;
    validate::text("q", q, 0, 100)?;
    node.read(|c| read::find_customers(c, b, q.trim(), 50))
}

pub fn get_customer(node: &Node, s: &Session, id: RecordId) -> Result<CustomerView> {
    let b = own_branch(node, s)?;
    let cu = node.read(|c| read::customer(c, id))?;
    if cu.branch != b {
        return Err(NodeError::NotFound(format!("customer {id}")));
    }
    Ok(cu)
}

#[derive(Clone, Debug, Serialize)]
pub struct CustomerHistory {
    pub customer: CustomerView,
    pub jobs: Vec<JobSummary>,
}

pub fn customer_history(node: &Node, s: &Session, id: RecordId) -> Result<CustomerHistory> {
    let customer = get_customer(node, s, id)?;
    let jobs = node.read(|c| {
        read::jobs(
            c,
            customer.branch,
            &JobFilter {
                customer: Some(id),
                limit: Some(1000),
                ..Default::default()
            },
        )
    })?;
    Ok(CustomerHistory { customer, jobs })
}

// ---------------------------------------------------------------- job cards

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordInput {
    pub kind: PasswordKind,
    pub value: String,
}

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
    let otp = format!(
        "{:04}",
        u16::from_le_bytes(crypto::random_bytes::<2>()?) % 10_000
    );
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
        promised: i.promised,
    };
    node.write(s.user, |c| {
        let mut intake = intake;
        intake.job_no = next_job_no(c, node)?;
        let mut bodies: Vec<OpBody> = new_customer
            .into_iter()
            .map(OpBody::CustomerCreated)
            .collect();
        bodies.push(OpBody::JobOpened(intake));
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
    let d = node.read(|c| read::job_detail(c, id))?;
    if d.branch != b {
        return Err(NodeError::NotFound(format!("job {id}")));
    }
    Ok(d)
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
pub struct LineInput {
    #[serde(default = "default_kind")]
    pub kind: LineKind,
    pub item: Option<RecordId>,
    pub description: String,
    pub hsn_sac: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub qty: Decimal,
    #[serde(default = "default_unit")]
    pub unit: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub unit_price: Decimal,
    #[serde(default, with = "rust_decimal::serde::str")]
    pub discount: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub gst_rate: Decimal,
}

fn default_kind() -> LineKind {
    LineKind::Service
}
fn default_unit() -> String {
    "nos".into()
}

impl LineInput {
    pub fn into_line(self, id: RecordId) -> Line {
        Line {
            id,
            kind: self.kind,
            item: self.item,
            description: self.description.trim().to_string(),
            hsn_sac: self.hsn_sac.trim().to_string(),
            qty: self.qty,
            unit: self.unit,
            unit_price: self.unit_price,
            discount: self.discount,
            gst_rate: self.gst_rate,
        }
    }
}

pub fn add_estimate_line(
    node: &Node,
    s: &Session,
    id: RecordId,
    l: LineInput,
) -> Result<JobDetail> {
    job_detail(node, s, id)?;
    let line = l.into_line(new_id()?);
    node.commit(s.user, OpBody::EstimateLineAdded { job: id, line })?;
    job_detail(node, s, id)
}

pub fn remove_estimate_line(
    node: &Node,
    s: &Session,
    id: RecordId,
    line: RecordId,
) -> Result<JobDetail> {
    job_detail(node, s, id)?;
    node.commit(s.user, OpBody::EstimateLineRemoved { job: id, line })?;
    job_detail(node, s, id)
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
}

pub fn change_status(node: &Node, s: &Session, id: RecordId, i: StatusInput) -> Result<JobDetail> {
    job_detail(node, s, id)?;
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
    node.commit(
        s.user,
        OpBody::JobStatusChanged(StatusChange {
            job: id,
            from: info.status,
            to: i.to,
            after: info.head,
            override_reason: opt(i.override_reason),
            delivery,
            allow_balance_due: i.allow_balance_due,
            note: opt(i.note),
        }),
    )?;
    job_detail(node, s, id)
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

// ---------------------------------------------------------------- conflicts

pub fn list_conflicts(node: &Node, s: &Session) -> Result<Vec<FieldConflict>> {
    own_branch(node, s)?;
    node.read(|c| read::field_conflicts(c, None))
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    pub record: RecordId,
    pub field: String,
    /// The value to keep (one of the conflicting values, or a new one).
    pub value: FieldValue,
}

/// A manager settles a conflict: one write that supersedes every live value.
pub fn resolve_conflict(node: &Node, s: &Session, i: ResolveInput) -> Result<Vec<FieldConflict>> {
    s.require(Action::ResolveConflicts)?;
    let (kind, live) = node.read(|c| {
        Ok((
            read::record_kind(c, i.record)?,
            read::live_versions(c, i.record, &i.field)?,
        ))
    })?;
    if live.len() < 2 {
        return Err(NodeError::invalid(
            "field",
            "this field has no conflict to resolve",
        ));
    }
    let w = vec![FieldWrite {
        field: i.field.clone(),
        value: i.value,
        supersedes: live,
    }];
    let body = match kind.as_deref() {
        Some("customer") => OpBody::CustomerUpdated {
            customer: i.record,
            writes: w,
        },
        Some("job") => OpBody::JobUpdated {
            job: i.record,
            writes: w,
        },
        Some("item") => OpBody::ItemUpdated {
            item: i.record,
            writes: w,
        },
        _ => {
            return Err(NodeError::invalid(
                "record",
                "conflicts can be resolved on customers, jobs and items",
            ));
        }
    };
    node.commit(s.user, body)?;
    node.read(|c| read::field_conflicts(c, Some(i.record)))
}

// ---------------------------------------------------------------- audit & users

pub fn audit_log(
    node: &Node,
    s: &Session,
    limit: u32,
    before: Option<i64>,
) -> Result<Vec<read::AuditView>> {
    s.require(Action::ViewAuditLogs)?;
    node.read(|c| read::audit(c, limit.clamp(1, 1000), before))
}

pub fn verify_audit(node: &Node, s: &Session) -> Result<read::AuditCheck> {
    s.require(Action::ViewAuditLogs)?;
    node.read(read::verify_audit)
}

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

/// Tables a report may export.
pub fn export(
    node: &Node,
    s: &Session,
    tables: &[&str],
) -> Result<serde_json::Map<String, serde_json::Value>> {
    s.require(Action::ViewReports)?;
    own_branch(node, s)?;
    let mut out = serde_json::Map::new();
    for t in tables {
        out.insert(
            t.to_string(),
            serde_json::Value::Array(node.read(|c| read::export_table(c, t))?),
        );
    }
    Ok(out)
}
