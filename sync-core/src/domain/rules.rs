//! The check of one operation against the state it lands on. A device runs it
//! before it signs an operation; the hub runs it again on everything it
//! receives, so a tampered client cannot do what its role cannot.
//!
//! The state is reached through [`RuleContext`], implemented by the reference
//! [`crate::replica::Replica`], by the device's SQLite store and by the hub's
//! store: one rule book, three bookkeepers.

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::body::{Document, FieldWrite, MovementKind, OpBody};
use crate::domain::gst::{compute, supply_for};
use crate::domain::invoice_no::{DocType, Series, check_format, check_prefix};
use crate::domain::lifecycle::{JobStatus, check_transition};
use crate::domain::roles::{Action, Role, require};
use crate::domain::stock::{check_escrow, check_movement, deltas};
use crate::domain::{lease, validate};
use crate::error::CoreError;
use crate::ids::{BranchId, DeviceId, RecordId, UserId};
use crate::op::{Op, OpId};
use crate::replica::HQ;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    pub role: Role,
    pub branch: Option<BranchId>,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    pub branch: BranchId,
    pub revoked: bool,
    pub holds_store: bool,
    /// The highest role that may sign on it (see [`Role::within`]).
    pub ceiling: Role,
    /// The root or a branch's hub device: signs what only the hub may.
    pub hub: bool,
    /// Its number in its branch (job numbers), when the hub gave one.
    pub number: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchInfo {
    pub state_code: String,
    pub gstin: String,
    pub invoice_prefix: String,
    pub credit_note_prefix: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobInfo {
    pub branch: BranchId,
    pub status: JobStatus,
    pub head: Option<OpId>,
    pub otp_hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocInfo {
    pub branch: BranchId,
    pub doc_type: DocType,
    pub number: String,
    pub date: crate::domain::date::Date,
    pub grand_total: Decimal,
    pub cancelled: bool,
    pub paid: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferInfo {
    pub from_branch: BranchId,
    pub to_branch: BranchId,
    pub receiver: DeviceId,
    pub item: RecordId,
    pub sent: Decimal,
    pub received: bool,
}

/// Read access to the state an operation is checked against.
pub trait RuleContext {
    fn user(&self, id: UserId) -> Option<UserInfo>;
    fn device(&self, id: DeviceId) -> Option<DeviceInfo>;
    fn branch(&self, id: BranchId) -> Option<BranchInfo>;
    fn customer_branch(&self, id: RecordId) -> Option<BranchId>;
    fn job(&self, id: RecordId) -> Option<JobInfo>;
    /// The status that change `op` moved `job` to, if `op` is a status
    /// change this job really had (on the winning path or not).
    fn status_change_to(&self, job: RecordId, op: OpId) -> Option<JobStatus>;
    /// Invoiced (less credit notes and cancellations) minus paid, for a job.
    fn job_balance_due(&self, id: RecordId) -> Decimal;
    fn estimate_line_job(&self, line: RecordId) -> Option<RecordId>;
    fn item_exists(&self, id: RecordId) -> bool;
    /// The branch an item belongs to (`HQ` for the shared catalogue).
    fn item_branch(&self, id: RecordId) -> Option<BranchId>;
    fn balance(
        &self,
        branch: BranchId,
        item: RecordId,
        holder: crate::domain::stock::Holder,
    ) -> Decimal;
    fn transfer(&self, id: RecordId) -> Option<TransferInfo>;
    fn leases_of(&self, device: DeviceId) -> Vec<crate::body::Lease>;
    fn document(&self, id: RecordId) -> Option<DocInfo>;
    /// Is this number of this series already taken by another document?
    fn number_taken(&self, prefix: &str, doc_type: DocType, fy: u16, seq: u64) -> bool;
    /// Does a record with this id already exist (of any kind)?
    fn record_exists(&self, id: RecordId) -> bool;
    /// A storage failure met by any read above since the check began. A
    /// read that fails answers as if nothing were there ("this number is
    /// free"), so [`check`] turns any failure into a refusal: a rule check
    /// never fails open.
    fn storage_error(&self) -> Option<String> {
        None
    }
}

fn user_record(id: UserId) -> RecordId {
    RecordId(id.0)
}

/// Who is acting: the author's role, bounded by the signing device.
///
/// Authority comes from the device that signed, never from a field it
/// wrote: the op's branch must be the device's own (the owner included; only
/// the root signs for `HQ`), the author's role must be within the device's
/// ceiling, and what only the hub signs comes only from the hub's devices.
pub fn actor(op: &Op, ctx: &dyn RuleContext) -> Result<UserInfo, CoreError> {
    let user = ctx
        .user(op.author)
        .ok_or_else(|| CoreError::invalid("author", format!("user {} is unknown", op.author)))?;
    if !user.active {
        return Err(CoreError::invalid("author", "user is deactivated"));
    }
    let device = ctx
        .device(op.id.device)
        .ok_or(CoreError::UnknownDevice(op.id.device))?;
    if device.revoked {
        return Err(CoreError::invalid(
            "device",
            format!("device {} has been revoked", op.id.device),
        ));
    }
    if device.branch != op.branch {
        return Err(CoreError::invalid(
            "branch",
            "an operation is for its signing device's own branch",
        ));
    }
    if op.body.hub_only() && !device.hub {
        return Err(CoreError::Forbidden {
            role: format!("device {}", op.id.device),
            action: format!("sign {} (only the hub signs it)", op.body.kind()),
        });
    }
    if !user.role.within(device.ceiling) {
        return Err(CoreError::Forbidden {
            role: user.role.as_str().to_string(),
            action: format!(
                "sign on device {}, whose ceiling is {}",
                op.id.device,
                device.ceiling.as_str()
            ),
        });
    }
    if user.role != Role::Owner && user.branch != Some(op.branch) {
        return Err(CoreError::invalid(
            "branch",
            "a user may only act for their own branch",
        ));
    }
    Ok(user)
}

fn check_writes(writes: &[FieldWrite], allowed: &[&str]) -> Result<(), CoreError> {
    if writes.is_empty() {
        return Err(CoreError::invalid(
            "writes",
            "an update must change at least one field",
        ));
    }
    for w in writes {
        if !allowed.contains(&w.field.as_str()) {
            return Err(CoreError::invalid(
                "field",
                format!(
                    "`{}` cannot be edited here (editable: {})",
                    w.field,
                    allowed.join(", ")
                ),
            ));
        }
        if let crate::body::FieldValue::Text(t) = &w.value {
            validate::text(&w.field, t, 0, 2000)?;
        }
    }
    Ok(())
}

/// An edited customer field holds what a new customer's would: the same
/// bounds and formats as `CustomerCreated`, so an edit cannot smuggle in
/// what intake refuses.
fn customer_field(field: &str, v: &crate::body::FieldValue) -> Result<(), CoreError> {
    use crate::body::FieldValue;
    let text = match v {
        FieldValue::Text(t) => Some(t.as_str()),
        FieldValue::Null if !matches!(field, "name" | "mobile") => None,
        _ => {
            return Err(CoreError::invalid(
                field,
                if matches!(field, "name" | "mobile") {
                    "must be text and cannot be cleared"
                } else {
                    "must be text, or null to clear it"
                },
            ));
        }
    };
    let Some(t) = text else { return Ok(()) };
    match field {
        "name" => validate::text("name", t, 1, 100)?,
        "mobile" if validate::mobile("mobile", t)? != t => {
            return Err(CoreError::invalid("mobile", "must be stored as 10 digits"));
        }
        "email" => {
            validate::text("email", t, 3, 200)?;
            if !t.contains('@') {
                return Err(CoreError::invalid("email", "must contain @"));
            }
        }
        "address" => validate::text("address", t, 0, 500)?,
        "gstin" => validate::gstin("gstin", t)?,
        "state_code" => validate::state_code("state_code", t)?,
        _ => {}
    }
    Ok(())
}

/// An edited item field holds what a new item's would (see `ItemCreated`).
fn item_field(field: &str, v: &crate::body::FieldValue) -> Result<(), CoreError> {
    use crate::body::FieldValue;
    match (field, v) {
        ("name" | "hsn_sac" | "unit", FieldValue::Text(t)) => match field {
            "name" => validate::text("name", t, 1, 200),
            "unit" => validate::text("unit", t, 1, 10),
            _ => validate::hsn_sac("hsn_sac", t),
        },
        ("sale_price" | "cost", FieldValue::Decimal(d)) => {
            crate::domain::money::check_amount(field, *d)
        }
        ("reorder_level", FieldValue::Decimal(d)) if *d >= Decimal::ZERO => {
            crate::domain::stock::check_qty(field, *d)
        }
        ("gst_rate", FieldValue::Decimal(d))
            if *d >= Decimal::ZERO && *d <= Decimal::from(100) && d.normalize().scale() <= 2 =>
        {
            Ok(())
        }
        _ => Err(CoreError::invalid(
            field,
            "is not a valid value for this item field",
        )),
    }
}

pub const CUSTOMER_FIELDS: &[&str] = &["name", "mobile", "email", "address", "gstin", "state_code"];
pub const JOB_FIELDS: &[&str] = &[
    "brand",
    "model",
    "serial",
    "complaint",
    "condition",
    "technician",
    "promised",
    "estimate_note",
];
pub const ITEM_FIELDS: &[&str] = &[
    "name",
    "sale_price",
    "cost",
    "reorder_level",
    "gst_rate",
    "hsn_sac",
    "unit",
];
pub const USER_FIELDS: &[&str] = &["name", "role", "active", "pin_hash"];
pub const BRANCH_FIELDS: &[&str] = &["name", "address", "upi_id"];

fn known_job(ctx: &dyn RuleContext, job: RecordId, branch: BranchId) -> Result<JobInfo, CoreError> {
    let j = ctx
        .job(job)
        .ok_or_else(|| CoreError::invalid("job", format!("job {job} is unknown")))?;
    if j.branch != branch {
        return Err(CoreError::invalid("job", "job belongs to another branch"));
    }
    Ok(j)
}

fn read_only(status: JobStatus) -> CoreError {
    CoreError::invalid("job", format!("job is {} and read-only", status.as_str()))
}

/// A job to edit. Where the edit is made (`fresh`) the job must be open;
/// on receipt an edit of a job closed meanwhile is taken (its author had not
/// seen the closure: an honest offline device could have made it) and is
/// shown for review instead (see `late_edits` in the stores).
fn open_job(
    ctx: &dyn RuleContext,
    job: RecordId,
    branch: BranchId,
    fresh: bool,
) -> Result<JobInfo, CoreError> {
    let j = known_job(ctx, job, branch)?;
    if fresh && j.status.is_terminal() {
        return Err(read_only(j.status));
    }
    Ok(j)
}

/// SHA-256 (hex) of a job's delivery OTP, bound to the job id.
pub fn otp_hash(job: RecordId, otp: &str) -> String {
    let mut h = Sha256::new();
    h.update(job.0);
    h.update(otp.as_bytes());
    hex::encode(h.finalize())
}

/// Check an op received from elsewhere against `ctx`. `Ok` means every
/// replica may apply it. What only honest concurrency produces (a payment
/// beyond a balance another device also took, an edit of a job another
/// device closed) is taken here, whatever order the ops arrive in, so every
/// replica ends the same; the stores show it for a person to settle.
pub fn check(op: &Op, ctx: &dyn RuleContext) -> Result<(), CoreError> {
    with_storage(ctx, check_body(op, ctx, false))
}

/// Check an op about to be made on this device: everything [`check`] asks,
/// and what the person making it must see first (the job is open, the
/// invoice still owes the amount, the document is not cancelled yet).
pub fn check_new(op: &Op, ctx: &dyn RuleContext) -> Result<(), CoreError> {
    with_storage(ctx, check_body(op, ctx, true))
}

fn with_storage(ctx: &dyn RuleContext, verdict: Result<(), CoreError>) -> Result<(), CoreError> {
    match ctx.storage_error() {
        Some(e) => Err(CoreError::Storage(e)),
        None => verdict,
    }
}

fn check_body(op: &Op, ctx: &dyn RuleContext, fresh: bool) -> Result<(), CoreError> {
    let who = actor(op, ctx)?;
    let role = who.role;
    let dev = op.id.device;
    match &op.body {
        OpBody::BranchCreated(b) => {
            require(role, Action::CreateBranches)?;
            validate::text("name", &b.name, 1, 100)?;
            validate::gstin("gstin", &b.gstin)?;
            validate::state_code("state_code", &b.state_code)?;
            if b.gstin[..2] != b.state_code {
                return Err(CoreError::invalid(
                    "state_code",
                    "must match the first two digits of the GSTIN",
                ));
            }
            check_prefix(&b.invoice_prefix).map_err(|_| {
                CoreError::invalid(
                    "invoice_prefix",
                    "must be 1 to 5 upper-case letters or digits, starting with a letter",
                )
            })?;
            check_prefix(&b.credit_note_prefix).map_err(|_| {
                CoreError::invalid(
                    "credit_note_prefix",
                    "must be 1 to 5 upper-case letters or digits, starting with a letter",
                )
            })?;
            if b.invoice_prefix == b.credit_note_prefix {
                return Err(CoreError::invalid(
                    "credit_note_prefix",
                    "must differ from the invoice prefix: a credit note has its own series",
                ));
            }
            if ctx.branch(b.id).is_some() {
                return Err(CoreError::invalid("id", "branch already exists"));
            }
        }
        OpBody::BranchUpdated { writes, .. } => {
            require(role, Action::CreateBranches)?;
            check_writes(writes, BRANCH_FIELDS)?;
        }
        OpBody::UserCreated(u) => {
            require(role, Action::ManageUsers)?;
            validate::text("name", &u.name, 1, 100)?;
            if u.role != Role::Owner && u.branch.is_none() {
                return Err(CoreError::invalid(
                    "branch",
                    "every role but owner belongs to a branch",
                ));
            }
            if ctx.record_exists(RecordId(u.id.0)) {
                return Err(CoreError::invalid("id", "user already exists"));
            }
            if !u.pin_hash.starts_with("$argon2") {
                return Err(CoreError::invalid(
                    "pin_hash",
                    "must be an argon2 hash, never a PIN",
                ));
            }
        }
        OpBody::UserUpdated { user, writes } => {
            require(role, Action::ManageUsers)?;
            check_writes(writes, USER_FIELDS)?;
            if ctx.user(*user).is_none() {
                return Err(CoreError::invalid("user", "unknown user"));
            }
        }
        OpBody::DeviceEnrolled {
            device,
            branch,
            label,
            hub,
            ..
        } => {
            require(role, Action::ManageUsers)?;
            validate::text("label", label, 1, 100)?;
            if ctx.branch(*branch).is_none() {
                return Err(CoreError::invalid("branch", "unknown branch"));
            }
            if *hub && op.branch != HQ {
                return Err(CoreError::invalid(
                    "hub",
                    "only the root enrolls a hub device",
                ));
            }
            if ctx.device(*device).is_some() {
                return Err(CoreError::invalid("device", "is already enrolled"));
            }
        }
        OpBody::DeviceRevoked { device, reason } => {
            require(role, Action::ManageUsers)?;
            validate::text("reason", reason, 1, 500)?;
            if ctx.device(*device).is_none() {
                return Err(CoreError::UnknownDevice(*device));
            }
        }
        OpBody::CustomerCreated(c) => {
            require(role, Action::CreateJobs)?;
            validate::text("name", &c.name, 1, 100)?;
            let m = validate::mobile("mobile", &c.mobile)?;
            if m != c.mobile {
                return Err(CoreError::invalid("mobile", "must be stored as 10 digits"));
            }
            if let Some(e) = &c.email {
                validate::text("email", e, 3, 200)?;
                if !e.contains('@') {
                    return Err(CoreError::invalid("email", "must contain @"));
                }
            }
            if let Some(a) = &c.address {
                validate::text("address", a, 0, 500)?;
            }
            if let Some(g) = &c.gstin {
                validate::gstin("gstin", g)?;
            }
            if let Some(s) = &c.state_code {
                validate::state_code("state_code", s)?;
            }
            if ctx.record_exists(c.id) {
                return Err(CoreError::invalid("id", "record already exists"));
            }
        }
        OpBody::CustomerUpdated { customer, writes } => {
            require(role, Action::CreateJobs)?;
            check_writes(writes, CUSTOMER_FIELDS)?;
            for w in writes {
                customer_field(&w.field, &w.value)?;
            }
            if ctx.customer_branch(*customer) != Some(op.branch) {
                return Err(CoreError::invalid(
                    "customer",
                    "unknown customer for this branch",
                ));
            }
        }
        OpBody::JobOpened(j) => {
            require(role, Action::CreateJobs)?;
            if ctx.customer_branch(j.customer) != Some(op.branch) {
                return Err(CoreError::invalid(
                    "customer",
                    "unknown customer for this branch",
                ));
            }
            validate::text("job_no", &j.job_no, 1, 32)?;
            validate::text("device_type", &j.device_type, 1, 50)?;
            validate::text("brand", &j.brand, 0, 100)?;
            validate::text("model", &j.model, 0, 100)?;
            validate::text("serial", &j.serial, 0, 100)?;
            validate::text("complaint", &j.complaint, 1, 2000)?;
            validate::text("condition", &j.condition, 0, 2000)?;
            if j.accessories.len() > 50 {
                return Err(CoreError::invalid("accessories", "at most 50 entries"));
            }
            for (i, a) in j.accessories.iter().enumerate() {
                validate::text(&format!("accessories[{i}]"), a, 1, 100)?;
            }
            if j.password.is_some() != j.password_kind.is_some() {
                return Err(CoreError::invalid(
                    "password_kind",
                    "is required exactly when a device password is given",
                ));
            }
            if j.delivery_otp_hash.len() != 64 {
                return Err(CoreError::invalid(
                    "delivery_otp_hash",
                    "must be a SHA-256 hex digest",
                ));
            }
            if ctx.record_exists(j.id) {
                return Err(CoreError::invalid("id", "record already exists"));
            }
        }
        OpBody::JobUpdated { job, writes } => {
            let assigns = writes.iter().any(|w| w.field == "technician");
            require(
                role,
                if assigns {
                    Action::AssignTechnicians
                } else {
                    Action::CreateJobs
                },
            )
            .or_else(|e| {
                if !assigns && writes.iter().all(|w| w.field == "estimate_note") {
                    require(role, Action::AddDiagnosis)
                } else {
                    Err(e)
                }
            })?;
            check_writes(writes, JOB_FIELDS)?;
            open_job(ctx, *job, op.branch, fresh)?;
            for w in writes.iter().filter(|w| w.field == "technician") {
                match &w.value {
                    crate::body::FieldValue::User(u) => {
                        let t = ctx
                            .user(*u)
                            .ok_or_else(|| CoreError::invalid("technician", "unknown user"))?;
                        if t.role != Role::Technician || t.branch != Some(op.branch) {
                            return Err(CoreError::invalid(
                                "technician",
                                "must be a technician of this branch",
                            ));
                        }
                    }
                    crate::body::FieldValue::Null => {}
                    _ => {
                        return Err(CoreError::invalid(
                            "technician",
                            "must be a user id or null",
                        ));
                    }
                }
            }
        }
        OpBody::JobTextEdited { job, change, .. } => {
            require(role, Action::AddDiagnosis)?;
            open_job(ctx, *job, op.branch, fresh)?;
            if change.is_empty() || change.len() > 200_000 || hex::decode(change).is_err() {
                return Err(CoreError::invalid(
                    "change",
                    "must be a hex-encoded automerge change",
                ));
            }
        }
        OpBody::JobStatusChanged(s) => {
            let j = known_job(ctx, s.job, op.branch)?;
            if s.from != j.status || s.after != j.head {
                // Made without seeing the job's latest change: a concurrent
                // move (two devices offline). Lawful if it continues a change
                // this job really had; the status merge then keeps one path
                // and records the other as a conflict for review, so the
                // job can never reach an impossible state.
                let base = match s.after {
                    None => Some(JobStatus::Received),
                    Some(a) => ctx.status_change_to(s.job, a),
                };
                if base != Some(s.from) {
                    return Err(CoreError::Conflict(format!(
                        "job moved on: it is {} now, not {} — refresh and try again",
                        j.status.as_str(),
                        s.from.as_str()
                    )));
                }
            } else if j.status.is_terminal() {
                return Err(read_only(j.status));
            }
            check_transition(role, s.from, s.to, s.override_reason.as_deref())?;
            if let Some(r) = &s.override_reason {
                validate::text("override_reason", r, 1, 500)?;
            }
            if let Some(n) = &s.note {
                validate::text("note", n, 0, 1000)?;
            }
            if s.to == JobStatus::Delivered {
                match &s.delivery {
                    Some(crate::body::DeliveryProof::Otp { otp }) => {
                        if otp_hash(s.job, otp) != j.otp_hash {
                            return Err(CoreError::invalid(
                                "otp",
                                "does not match the OTP given to the customer",
                            ));
                        }
                    }
                    Some(crate::body::DeliveryProof::Signature { image_sha256 }) => {
                        if image_sha256.len() != 64 || hex::decode(image_sha256).is_err() {
                            return Err(CoreError::invalid(
                                "signature",
                                "must be the SHA-256 of the signature image",
                            ));
                        }
                    }
                    None => {
                        return Err(CoreError::invalid(
                            "delivery",
                            "delivery needs the customer's OTP or signature",
                        ));
                    }
                }
                // Money owed is for the person delivering to see; an invoice
                // issued meanwhile on another device does not undo a delivery.
                let balance_due = if fresh {
                    ctx.job_balance_due(s.job)
                } else {
                    Decimal::ZERO
                };
                if balance_due > Decimal::ZERO {
                    if !s.allow_balance_due {
                        return Err(CoreError::invalid(
                            "balance_due",
                            format!(
                                "₹{} is still owed; take payment or have a manager allow delivery",
                                balance_due
                            ),
                        ));
                    }
                    require(role, Action::OverrideStatus)?;
                }
            } else if s.delivery.is_some() {
                return Err(CoreError::invalid(
                    "delivery",
                    "proof of delivery only goes with delivery",
                ));
            }
        }
        OpBody::EstimateLineAdded { job, line } => {
            require(role, Action::AddDiagnosis)?;
            open_job(ctx, *job, op.branch, fresh)?;
            crate::domain::gst::check_line_named("", line)?;
            if ctx.record_exists(line.id) {
                return Err(CoreError::invalid("id", "record already exists"));
            }
        }
        OpBody::EstimateLineRemoved { job, line } => {
            require(role, Action::AddDiagnosis)?;
            open_job(ctx, *job, op.branch, fresh)?;
            // Removed twice (two devices at once) is the same as once.
            if ctx.estimate_line_job(*line) != Some(*job) && (fresh || !ctx.record_exists(*line)) {
                return Err(CoreError::invalid(
                    "line",
                    "not a line of this job's estimate",
                ));
            }
        }
        OpBody::DevicePasswordRead { job, purpose } => {
            require(role, Action::AccessDevicePasswords)?;
            validate::text("purpose", purpose, 0, 200)?;
            let j = ctx
                .job(*job)
                .ok_or_else(|| CoreError::invalid("job", "unknown job"))?;
            if j.branch != op.branch {
                return Err(CoreError::invalid("job", "job belongs to another branch"));
            }
        }
        OpBody::ItemCreated(i) => {
            require(role, Action::ManageInventory)?;
            validate::text("sku", &i.sku, 1, 40)?;
            validate::text("name", &i.name, 1, 200)?;
            validate::text("unit", &i.unit, 1, 10)?;
            validate::hsn_sac("hsn_sac", &i.hsn_sac)?;
            crate::domain::money::check_amount("sale_price", i.sale_price)?;
            crate::domain::money::check_amount("cost", i.cost)?;
            if i.reorder_level < Decimal::ZERO {
                return Err(CoreError::invalid("reorder_level", "must not be negative"));
            }
            crate::domain::stock::check_qty("reorder_level", i.reorder_level)?;
            if i.gst_rate < Decimal::ZERO || i.gst_rate > Decimal::from(100) {
                return Err(CoreError::invalid(
                    "gst_rate",
                    "must be a percentage between 0 and 100",
                ));
            }
            if ctx.record_exists(i.id) {
                return Err(CoreError::invalid("id", "record already exists"));
            }
        }
        OpBody::ItemUpdated { item, writes } => {
            require(role, Action::ManageInventory)?;
            check_writes(writes, ITEM_FIELDS)?;
            for w in writes {
                item_field(&w.field, &w.value)?;
            }
            match ctx.item_branch(*item) {
                None => return Err(CoreError::invalid("item", "unknown item")),
                Some(b) if b != op.branch => {
                    return Err(CoreError::invalid(
                        "item",
                        "belongs to another branch or the shared catalogue; only its owner edits it",
                    ));
                }
                Some(_) => {}
            }
        }
        OpBody::StockMoved(m) => {
            let action = match &m.movement {
                MovementKind::UseOnJob { .. } => Action::UseParts,
                MovementKind::Adjustment { .. } => Action::ManualStockAdjust,
                MovementKind::ReturnToStore { .. } => Action::UseParts,
                _ => Action::ManageInventory,
            };
            require(role, action)?;
            check_movement(m, dev)?;
            // A reused movement id would be counted once on some replicas
            // and not at all on others: refuse it.
            if ctx.record_exists(m.id) {
                return Err(CoreError::invalid("id", "record already exists"));
            }
            if !ctx.item_exists(m.item) {
                return Err(CoreError::invalid("item", "unknown item"));
            }
            match &m.movement {
                MovementKind::UseOnJob { job, unit_price } => {
                    open_job(ctx, *job, op.branch, fresh)?;
                    crate::domain::money::check_amount("unit_price", *unit_price)?;
                }
                MovementKind::IssueToTechnician {
                    technician,
                    to_device,
                } => {
                    let t = ctx
                        .user(*technician)
                        .ok_or_else(|| CoreError::invalid("technician", "unknown user"))?;
                    if t.role != Role::Technician || t.branch != Some(op.branch) {
                        return Err(CoreError::invalid(
                            "technician",
                            "must be a technician of this branch",
                        ));
                    }
                    same_branch_device(ctx, *to_device, op.branch)?;
                }
                MovementKind::ReturnToStore { to_device } => {
                    let d = same_branch_device(ctx, *to_device, op.branch)?;
                    if !d.holds_store {
                        return Err(CoreError::invalid(
                            "to_device",
                            "stock returns to the device that holds the branch store",
                        ));
                    }
                }
                MovementKind::TransferOut {
                    transfer,
                    to_branch,
                    to_device,
                } => {
                    if *to_branch == op.branch {
                        return Err(CoreError::invalid(
                            "to_branch",
                            "a transfer goes to another branch",
                        ));
                    }
                    let d = ctx
                        .device(*to_device)
                        .ok_or(CoreError::UnknownDevice(*to_device))?;
                    if d.branch != *to_branch || !d.holds_store {
                        return Err(CoreError::invalid(
                            "to_device",
                            "must be the store device of the receiving branch",
                        ));
                    }
                    if ctx.transfer(*transfer).is_some() {
                        return Err(CoreError::invalid("transfer", "transfer already exists"));
                    }
                }
                MovementKind::TransferIn {
                    transfer,
                    from_branch,
                    sent,
                } => {
                    let t = ctx.transfer(*transfer).ok_or_else(|| {
                        CoreError::invalid("transfer", "unknown transfer: it has not been sent yet")
                    })?;
                    if t.received {
                        return Err(CoreError::invalid("transfer", "already received"));
                    }
                    if t.to_branch != op.branch {
                        return Err(CoreError::invalid(
                            "transfer",
                            "is addressed to another branch; only its receiving store can take it in",
                        ));
                    }
                    if t.from_branch != *from_branch || t.item != m.item || t.sent != *sent {
                        return Err(CoreError::invalid(
                            "transfer",
                            "does not match what was sent",
                        ));
                    }
                }
                _ => {}
            }
            for d in deltas(m, op.branch, dev) {
                let receiver = match &m.movement {
                    MovementKind::TransferIn { transfer, .. } => {
                        ctx.transfer(*transfer).map(|t| t.receiver)
                    }
                    _ => None,
                };
                check_escrow(&d, dev, ctx.balance(d.branch, m.item, d.holder), receiver)?;
            }
        }
        OpBody::DocumentIssued(d) => {
            require(role, Action::CreateInvoices)?;
            check_document(op, d, ctx)?;
        }
        OpBody::DocumentCancelled { document, reason } => {
            require(role, Action::CreateInvoices)?;
            validate::text("reason", reason, 1, 500)?;
            let d = ctx
                .document(*document)
                .ok_or_else(|| CoreError::invalid("document", "unknown document"))?;
            if d.branch != op.branch {
                return Err(CoreError::invalid("document", "belongs to another branch"));
            }
            // Cancelled twice (two devices at once) is the same as once.
            if fresh && d.cancelled {
                return Err(CoreError::invalid("document", "already cancelled"));
            }
        }
        OpBody::PaymentRecorded(p) => {
            require(role, Action::RecordPayments)?;
            crate::domain::money::check_amount("amount", p.amount)?;
            if p.amount <= Decimal::ZERO {
                return Err(CoreError::invalid("amount", "must be greater than 0"));
            }
            if let Some(r) = &p.reference {
                validate::text("reference", r, 0, 100)?;
            }
            if p.invoice.is_none() && p.job.is_none() {
                return Err(CoreError::invalid(
                    "invoice",
                    "a payment is against an invoice or a job",
                ));
            }
            if let Some(i) = p.invoice {
                let d = ctx
                    .document(i)
                    .ok_or_else(|| CoreError::invalid("invoice", "unknown invoice"))?;
                if d.branch != op.branch || d.doc_type != DocType::TaxInvoice {
                    return Err(CoreError::invalid(
                        "invoice",
                        "not a tax invoice of this branch",
                    ));
                }
                // Money that really changed hands is never refused on
                // receipt: a payment on an invoice cancelled or paid up
                // meanwhile is taken, and the refund due is shown.
                if fresh && d.cancelled {
                    return Err(CoreError::invalid("invoice", "is cancelled"));
                }
                if fresh
                    && d.paid
                        .checked_add(p.amount)
                        .is_none_or(|t| t > d.grand_total)
                {
                    return Err(CoreError::invalid(
                        "amount",
                        format!("exceeds the balance due of ₹{}", d.grand_total - d.paid),
                    ));
                }
            }
            if let Some(j) = p.job {
                let info = ctx
                    .job(j)
                    .ok_or_else(|| CoreError::invalid("job", "unknown job"))?;
                if info.branch != op.branch {
                    return Err(CoreError::invalid("job", "job belongs to another branch"));
                }
            }
            if ctx.record_exists(p.id) {
                return Err(CoreError::invalid("id", "record already exists"));
            }
        }
        OpBody::TransferSettled(t) => {
            // Only the hub relays a receipt, into the sender's chain.
            require(role, Action::ManageUsers)?;
            if t.from_branch != op.branch || t.from_branch == t.to_branch {
                return Err(CoreError::invalid(
                    "from_branch",
                    "a receipt is relayed to the sending branch",
                ));
            }
            if t.received < Decimal::ZERO || t.received > t.sent {
                return Err(CoreError::invalid(
                    "received",
                    "must be between 0 and the quantity sent",
                ));
            }
        }
        OpBody::TransferAnnounced(t) => {
            // Only the hub announces (its devices act as the owner).
            require(role, Action::ManageUsers)?;
            if t.to_branch != op.branch || t.from_branch == t.to_branch {
                return Err(CoreError::invalid(
                    "to_branch",
                    "an announcement goes to the receiving branch",
                ));
            }
            if t.sent <= Decimal::ZERO {
                return Err(CoreError::invalid("sent", "must be greater than 0"));
            }
            if t.item_detail.as_ref().is_some_and(|i| i.id != t.item) {
                return Err(CoreError::invalid(
                    "item_detail",
                    "must be the transferred item",
                ));
            }
        }
        OpBody::LeaseGranted(l) => {
            require(role, Action::ManageUsers)?;
            let d = ctx
                .device(l.device)
                .ok_or(CoreError::UnknownDevice(l.device))?;
            let b = ctx
                .branch(d.branch)
                .ok_or_else(|| CoreError::invalid("branch", "unknown branch"))?;
            let prefix = match l.doc_type {
                DocType::TaxInvoice => &b.invoice_prefix,
                DocType::CreditNote => &b.credit_note_prefix,
            };
            if &l.prefix != prefix {
                return Err(CoreError::invalid(
                    "prefix",
                    "lease is not of the device's branch series",
                ));
            }
            let series = Series::new(&l.prefix, l.doc_type, l.fy)?;
            if l.first == 0 || l.last < l.first || l.last > series.max_number() {
                return Err(CoreError::invalid(
                    "lease",
                    "block is empty or outside the series",
                ));
            }
        }
    }
    Ok(())
}

fn same_branch_device(
    ctx: &dyn RuleContext,
    d: DeviceId,
    branch: BranchId,
) -> Result<DeviceInfo, CoreError> {
    let info = ctx.device(d).ok_or(CoreError::UnknownDevice(d))?;
    if info.branch != branch || info.revoked {
        return Err(CoreError::invalid(
            "to_device",
            "must be an active device of this branch",
        ));
    }
    Ok(info)
}

/// Rule 46 and lease checks of an invoice or credit note.
pub fn check_document(op: &Op, d: &Document, ctx: &dyn RuleContext) -> Result<(), CoreError> {
    let b = ctx
        .branch(op.branch)
        .ok_or_else(|| CoreError::invalid("branch", "unknown branch"))?;
    let prefix = match d.doc_type {
        DocType::TaxInvoice => &b.invoice_prefix,
        DocType::CreditNote => &b.credit_note_prefix,
    };
    if &d.prefix != prefix {
        return Err(CoreError::invalid(
            "prefix",
            format!(
                "must be the branch's {} series `{prefix}`",
                d.doc_type.as_str()
            ),
        ));
    }
    if d.fy != d.date.financial_year() {
        return Err(CoreError::invalid(
            "fy",
            "the series must be of the document date's financial year",
        ));
    }
    let series = Series::new(&d.prefix, d.doc_type, d.fy)?;
    check_format(&d.number)?;
    if series.format(d.seq)? != d.number {
        return Err(CoreError::invalid(
            "number",
            format!("`{}` is not number {} of its series", d.number, d.seq),
        ));
    }
    lease::check_number_leased(
        ctx.leases_of(op.id.device).iter(),
        op.id.device,
        &series,
        d.seq,
    )?;
    if ctx.number_taken(&d.prefix, d.doc_type, d.fy, d.seq) {
        return Err(CoreError::invalid(
            "number",
            format!("{} has already been issued", d.number),
        ));
    }
    if d.supplier_gstin != b.gstin || d.supplier_state != b.state_code {
        return Err(CoreError::invalid(
            "supplier_gstin",
            "must be the issuing branch's GSTIN and state",
        ));
    }
    validate::text("customer_name", &d.customer_name, 1, 200)?;
    if let Some(g) = &d.customer_gstin {
        validate::gstin("customer_gstin", g)?;
    }
    validate::state_code("place_of_supply", &d.place_of_supply)?;
    let totals = compute(&d.lines, supply_for(&b.state_code, &d.place_of_supply))?;
    if totals.grand_total != d.grand_total {
        return Err(CoreError::invalid(
            "grand_total",
            format!(
                "is {} but the lines add up to {}",
                d.grand_total, totals.grand_total
            ),
        ));
    }
    match (d.doc_type, &d.against) {
        (DocType::TaxInvoice, None) => {}
        (DocType::TaxInvoice, Some(_)) => {
            return Err(CoreError::invalid(
                "against",
                "only a credit note cites an invoice",
            ));
        }
        (DocType::CreditNote, None) => {
            return Err(CoreError::invalid(
                "against",
                "a credit note must cite the original invoice's number and date",
            ));
        }
        (DocType::CreditNote, Some(r)) => {
            let orig = ctx
                .document(r.invoice)
                .ok_or_else(|| CoreError::invalid("against", "unknown invoice"))?;
            if orig.doc_type != DocType::TaxInvoice || orig.branch != op.branch {
                return Err(CoreError::invalid(
                    "against",
                    "must be a tax invoice of this branch",
                ));
            }
            if orig.number != r.number || orig.date != r.date {
                return Err(CoreError::invalid(
                    "against",
                    "number and date must be the original invoice's",
                ));
            }
            if d.grand_total > orig.grand_total {
                return Err(CoreError::invalid(
                    "grand_total",
                    "a credit note cannot exceed the invoice it reverses",
                ));
            }
            validate::text("reason", d.reason.as_deref().unwrap_or(""), 1, 500)?;
        }
    }
    if ctx.record_exists(d.id) {
        return Err(CoreError::invalid("id", "record already exists"));
    }
    let _ = user_record;
    Ok(())
}
