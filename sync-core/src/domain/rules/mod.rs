//! The check of one operation against the state it lands on. A device runs it
//! before it signs an operation; the hub runs it again on everything it
//! receives, so a tampered client cannot do what its role cannot.
//!
//! The state is reached through [`RuleContext`], implemented by the reference
//! [`crate::replica::Replica`], by the device's SQLite store and by the hub's
//! store: one rule book, three bookkeepers.
//!
//! This file holds the rule book's entry points, the context trait and who
//! is acting (`actor`); `check_body` only dispatches, one function per kind,
//! and those live by noun in the submodules so each kind's rule reads on its
//! own.

mod billing;
mod customers;
mod einvoice;
mod jobs;
mod messages;
mod org;
mod purchases;
mod stock;

use rust_decimal::Decimal;

use crate::body::{FieldWrite, OpBody};
use crate::domain::invoice_no::DocType;
use crate::domain::lifecycle::JobStatus;
use crate::domain::roles::Role;
use crate::domain::validate;
use crate::error::CoreError;
use crate::ids::{BranchId, DeviceId, RecordId, UserId};
use crate::op::{Op, OpId};

// The submodules' public items, at the paths they always had.
pub use billing::check_document;
pub use customers::CUSTOMER_FIELDS;
pub use jobs::{JOB_FIELDS, otp_hash};
pub use org::{BRANCH_FIELDS, USER_FIELDS};
pub use stock::ITEM_FIELDS;

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
    /// Its own invoice and credit-note series, when it has them.
    pub series: Option<crate::body::OwnSeries>,
}

impl DeviceInfo {
    /// The prefix this device numbers `doc_type` in: its own series', or
    /// else its branch's.
    pub fn prefix<'a>(&'a self, b: &'a BranchInfo, doc_type: DocType) -> &'a str {
        crate::domain::invoice_no::prefix_for(
            self.series.as_ref(),
            &b.invoice_prefix,
            &b.credit_note_prefix,
            doc_type,
        )
    }
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
    /// The grand totals of the live credit notes against it.
    pub credited: Decimal,
    /// Quantities of catalogue items on its part lines (`Line::item`).
    pub goods: Vec<(RecordId, Decimal)>,
    /// The buyer's GSTIN: a B2B supply when present.
    pub customer_gstin: Option<String>,
}

/// A supplier's bill as the rules need it: whose, and how much is owed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurchaseInfo {
    pub branch: BranchId,
    pub grand_total: Decimal,
    pub paid: Decimal,
}

/// The goods that move with a document: none for a transfer's invoice,
/// whose goods move with the transfer itself.
pub fn goods_of_doc(d: &crate::body::Document) -> Vec<(RecordId, Decimal)> {
    if d.transfer.is_some() {
        return vec![];
    }
    goods_of(&d.lines)
}

/// The goods on `lines`: their part lines that name a catalogue item.
pub fn goods_of(lines: &[crate::body::Line]) -> Vec<(RecordId, Decimal)> {
    lines
        .iter()
        .filter(|l| l.kind == crate::body::LineKind::Part)
        .filter_map(|l| l.item.map(|i| (i, l.qty)))
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferInfo {
    pub from_branch: BranchId,
    pub to_branch: BranchId,
    pub receiver: DeviceId,
    pub item: RecordId,
    pub sent: Decimal,
    pub received: bool,
    /// Its transfer-out movement is here, not only the hub's notice of it
    /// (which can come first to a hub restored from a backup).
    pub sent_out: bool,
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
    /// A supplier's bill, with what has been paid on it.
    fn purchase(&self, id: RecordId) -> Option<PurchaseInfo>;
    /// Is this number of this series already taken by another document?
    fn number_taken(&self, prefix: &str, doc_type: DocType, fy: u16, seq: u64) -> bool;
    /// Does a record with this id already exist (of any kind)?
    fn record_exists(&self, id: RecordId) -> bool;
    /// The branch of a customer message, if it is recorded.
    fn message_branch(&self, id: RecordId) -> Option<BranchId>;
    /// The IRN a document is registered under at the IRP, if any.
    fn einvoice_irn(&self, document: RecordId) -> Option<String>;
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
///
/// A deactivated author stops a device making ops (`fresh`), but not the
/// ops a device made before it learned of the deactivation: deactivating a
/// person ends their logins; it is the device's revocation that ends what a
/// device may sign. Refusing them would throw away honest offline work.
pub fn actor(op: &Op, ctx: &dyn RuleContext, fresh: bool) -> Result<UserInfo, CoreError> {
    let user = ctx
        .user(op.author)
        .ok_or_else(|| CoreError::invalid("author", format!("user {} is unknown", op.author)))?;
    if fresh && !user.active {
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

fn check_writes(
    writes: &[FieldWrite],
    allowed: crate::domain::fields::Fields,
) -> Result<(), CoreError> {
    if writes.is_empty() {
        return Err(CoreError::invalid(
            "writes",
            "an update must change at least one field",
        ));
    }
    for w in writes {
        if !crate::domain::fields::has(allowed, &w.field) {
            return Err(CoreError::invalid(
                "field",
                format!(
                    "`{}` cannot be edited here (editable: {})",
                    w.field,
                    crate::domain::fields::names(allowed)
                ),
            ));
        }
        if let crate::body::FieldValue::Text(t) = &w.value {
            validate::text(&w.field, t, 0, 2000)?;
        }
    }
    Ok(())
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
    let who = actor(op, ctx, fresh)?;
    let role = who.role;
    let dev = op.id.device;
    match &op.body {
        OpBody::BranchCreated(b) => org::branch_created(ctx, role, b),
        OpBody::BranchUpdated { writes, .. } => org::branch_updated(role, writes),
        OpBody::UserCreated(u) => org::user_created(ctx, role, u),
        OpBody::UserUpdated { user, writes } => org::user_updated(ctx, role, user, writes),
        OpBody::DeviceEnrolled {
            device,
            branch,
            label,
            hub,
            series,
            ..
        } => org::device_enrolled(op, ctx, role, device, branch, label, hub, series.as_ref()),
        OpBody::DeviceRevoked { device, reason } => org::device_revoked(ctx, role, device, reason),
        OpBody::CustomerCreated(c) => customers::customer_created(ctx, role, c),
        OpBody::CustomerUpdated { customer, writes } => {
            customers::customer_updated(op, ctx, role, customer, writes)
        }
        OpBody::JobOpened(j) => jobs::job_opened(op, ctx, role, j),
        OpBody::JobUpdated { job, writes } => jobs::job_updated(op, ctx, role, fresh, job, writes),
        OpBody::JobTextEdited { job, change, .. } => {
            jobs::job_text_edited(op, ctx, role, fresh, job, change)
        }
        OpBody::JobStatusChanged(s) => jobs::job_status_changed(op, ctx, role, fresh, s),
        OpBody::EstimateLineAdded { job, line } => {
            jobs::estimate_line_added(op, ctx, role, fresh, job, line)
        }
        OpBody::EstimateLineRemoved { job, line } => {
            jobs::estimate_line_removed(op, ctx, role, fresh, job, line)
        }
        OpBody::DevicePasswordRead { job, purpose } => {
            jobs::device_password_read(op, ctx, role, job, purpose)
        }
        OpBody::ItemCreated(i) => stock::item_created(op, ctx, role, i),
        OpBody::ItemUpdated { item, writes } => stock::item_updated(op, ctx, role, item, writes),
        OpBody::StockMoved(m) => stock::stock_moved(op, ctx, role, fresh, dev, m),
        OpBody::DocumentIssued(d) => billing::document_issued(op, ctx, role, fresh, d),
        OpBody::DocumentCancelled { document, reason } => {
            billing::document_cancelled(op, ctx, role, fresh, document, reason)
        }
        OpBody::PaymentRecorded(p) => billing::payment_recorded(op, ctx, role, fresh, p),
        OpBody::PurchaseRecorded(p) => purchases::purchase_recorded(op, ctx, role, p),
        OpBody::SupplierPaid(p) => purchases::supplier_paid(op, ctx, role, fresh, p),
        OpBody::TransferSettled(t) => stock::transfer_settled(op, role, t),
        OpBody::TransferAnnounced(t) => stock::transfer_announced(op, role, t),
        OpBody::LeaseGranted(l) => billing::lease_granted(ctx, role, l),
        OpBody::MessageQueued(m) => messages::message_queued(op, ctx, m),
        OpBody::MessageReported(r) => messages::message_reported(op, ctx, r),
        OpBody::TemplateSet(t) => messages::template_set(op, t),
        OpBody::JobRated(r) => messages::job_rated(op, ctx, fresh, r),
        OpBody::EinvoiceRegistered(e) => einvoice::registered(op, ctx, e),
        OpBody::EinvoiceCancelled(e) => einvoice::cancelled(op, ctx, e),
    }
}
