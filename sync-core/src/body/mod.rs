//! Every operation kind with its typed payload.
//!
//! Payloads are plain data. Amounts are `Decimal` carried as strings
//! (`"1234.50"`), never as JSON numbers, so no float ever touches money on the
//! wire. Field order here is part of the frozen encoding (see [`crate::op`]).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::date::Date;
use crate::domain::invoice_no::DocType;
use crate::domain::lifecycle::JobStatus;
use crate::domain::roles::Role;
use crate::identity::PublicKey;
use crate::ids::{BranchId, DeviceId, RecordId, UserId};
use crate::op::OpId;

mod purchases;
pub use purchases::{Purchase, SupplierPayment};

/// A value written to one field of a record.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum FieldValue {
    Null,
    Text(String),
    Bool(bool),
    Int(i64),
    #[serde(with = "rust_decimal::serde::str")]
    Decimal(Decimal),
    Id(RecordId),
    User(UserId),
}

/// One field write inside an update. `supersedes` names the writes this one
/// was made on top of (what the user saw); anything not named stays live as a
/// concurrent value, so a disagreement is kept for review, never lost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldWrite {
    pub field: String,
    pub value: FieldValue,
    pub supersedes: Vec<OpId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    pub id: BranchId,
    pub name: String,
    pub gstin: String,
    /// Two-digit GST state code, e.g. "29" for Karnataka.
    pub state_code: String,
    pub address: String,
    /// Prefix of the tax-invoice series, e.g. "BLR1".
    pub invoice_prefix: String,
    /// Prefix of the credit-note series, e.g. "BLRC".
    pub credit_note_prefix: String,
    pub upi_id: Option<String>,
    /// The counter's phone number, printed with the shop's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    /// `None` for the owner, who works across branches.
    pub branch: Option<BranchId>,
    /// argon2 PHC string of the user's PIN; never the PIN itself.
    pub pin_hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: RecordId,
    pub name: String,
    pub mobile: String,
    pub email: Option<String>,
    pub address: Option<String>,
    pub gstin: Option<String>,
    /// GST state code of the customer, decides the place of supply.
    pub state_code: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordKind {
    Pin,
    Pattern,
    Text,
}

/// A secret sealed with AES-256-GCM under the branch key. The record id and
/// field name are the associated data, so a ciphertext moved to another job
/// does not open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub nonce: String,
    pub ciphertext: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobIntake {
    pub id: RecordId,
    /// The human job number printed on the slip, unique per device.
    pub job_no: String,
    pub customer: RecordId,
    pub device_type: String,
    pub brand: String,
    pub model: String,
    pub serial: String,
    pub complaint: String,
    pub accessories: Vec<String>,
    pub condition: String,
    pub password_kind: Option<PasswordKind>,
    pub password: Option<Sealed>,
    /// SHA-256 (hex) of job id and the delivery OTP given to the customer.
    pub delivery_otp_hash: String,
    /// The OTP itself, sealed under the branch key (`otp_sealed` of the
    /// job, JSON): the "ready for pickup" message repeats it to the
    /// customer, whichever device of the branch marks the job ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_sealed: Option<Sealed>,
    pub promised: Option<Date>,
    /// The technician the counter hands the device to at intake: part of
    /// opening the job, so whoever may open one may name them; moving the
    /// job to someone else later is a manager's assignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technician: Option<UserId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextField {
    Diagnosis,
    Notes,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum DeliveryProof {
    /// The OTP the customer read out.
    Otp { otp: String },
    /// SHA-256 (hex) of the captured signature image.
    Signature { image_sha256: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub job: RecordId,
    pub from: JobStatus,
    pub to: JobStatus,
    /// The status change this one follows; `None` when it follows intake.
    pub after: Option<OpId>,
    /// Present when a manager or owner skips a step; recorded as an override.
    pub override_reason: Option<String>,
    pub delivery: Option<DeliveryProof>,
    /// A manager's permission to deliver with money still owed.
    pub allow_balance_due: bool,
    pub note: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Service,
    Part,
}

/// A priced line: of an estimate, or of an invoice.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Line {
    pub id: RecordId,
    pub kind: LineKind,
    pub item: Option<RecordId>,
    pub description: String,
    /// HSN for goods, SAC for services (998713: computer repair).
    pub hsn_sac: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub qty: Decimal,
    pub unit: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub unit_price: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub discount: Decimal,
    /// Percent, e.g. "18".
    #[serde(with = "rust_decimal::serde::str")]
    pub gst_rate: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Item {
    pub id: RecordId,
    pub sku: String,
    pub name: String,
    pub hsn_sac: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub gst_rate: Decimal,
    pub unit: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub sale_price: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub cost: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub reorder_level: Decimal,
    pub is_service: bool,
}

/// Where a stock movement takes from and gives to is decided by its kind and
/// the device that makes it: see [`crate::domain::stock`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MovementKind {
    Receipt {
        supplier: String,
        reference: Option<String>,
    },
    IssueToTechnician {
        technician: UserId,
        to_device: DeviceId,
    },
    ReturnToStore {
        to_device: DeviceId,
    },
    UseOnJob {
        job: RecordId,
        #[serde(with = "rust_decimal::serde::str")]
        unit_price: Decimal,
    },
    Adjustment {
        increase: bool,
        reason: String,
    },
    TransferOut {
        transfer: RecordId,
        to_branch: BranchId,
        to_device: DeviceId,
    },
    TransferIn {
        transfer: RecordId,
        from_branch: BranchId,
        #[serde(with = "rust_decimal::serde::str")]
        sent: Decimal,
    },
    /// Goods sold on a tax invoice leave with it, in the same write as
    /// the invoice, from the invoicing device's own bucket. `short` is
    /// what the invoice sold beyond what that bucket held (the qty moved):
    /// the invoice is never held up for stock, and the shortfall is shown
    /// for a count.
    Sale {
        document: RecordId,
        #[serde(with = "rust_decimal::serde::str")]
        short: Decimal,
    },
    /// Goods back in stock: returned on a credit note, or never gone
    /// because their invoice was cancelled (`document` is that one).
    SaleReturn {
        document: RecordId,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StockMovement {
    pub id: RecordId,
    pub item: RecordId,
    /// Quantity moved; for a transfer-in, the quantity actually received.
    #[serde(with = "rust_decimal::serde::str")]
    pub qty: Decimal,
    pub movement: MovementKind,
    pub note: Option<String>,
}

/// The hub tells the receiving branch of a transfer sent to it (the sending
/// device's op is in the sending branch's chain, which the receiver does not
/// hold). Credits the transit bucket exactly once with the transfer-out.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TransferNotice {
    pub transfer: RecordId,
    pub item: RecordId,
    pub from_branch: BranchId,
    pub to_branch: BranchId,
    pub to_device: DeviceId,
    #[serde(with = "rust_decimal::serde::str")]
    pub sent: Decimal,
    /// The item itself when it is the sending branch's own (not the shared
    /// catalogue's): the receiving branch has never seen it, and must know
    /// it to take the goods in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_detail: Option<Item>,
}

/// What the receiving branch took in of a transfer, relayed to the sender.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TransferReceipt {
    pub transfer: RecordId,
    pub item: RecordId,
    pub from_branch: BranchId,
    pub to_branch: BranchId,
    #[serde(with = "rust_decimal::serde::str")]
    pub sent: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub received: Decimal,
}

/// A device's own invoice and credit-note prefixes (see
/// [`OpBody::DeviceEnrolled`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OwnSeries {
    pub invoice_prefix: String,
    pub credit_note_prefix: String,
}

/// A finalized invoice or credit note: an immutable fact once signed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Document {
    pub id: RecordId,
    pub doc_type: DocType,
    /// Series prefix and financial year, e.g. ("BLR1", 2025) for BLR1/2526/…
    pub prefix: String,
    pub fy: u16,
    pub seq: u64,
    /// The printed number, e.g. "BLR1/2526/00042".
    pub number: String,
    pub date: Date,
    pub supplier_gstin: String,
    pub supplier_state: String,
    pub customer: Option<RecordId>,
    pub customer_name: String,
    pub customer_gstin: Option<String>,
    pub customer_address: Option<String>,
    pub place_of_supply: String,
    pub job: Option<RecordId>,
    pub lines: Vec<Line>,
    /// Totals as the issuing device computed them; every replica recomputes
    /// and refuses a document whose totals disagree.
    #[serde(with = "rust_decimal::serde::str")]
    pub grand_total: Decimal,
    /// For a credit note: the invoice it reverses.
    pub against: Option<DocRef>,
    pub reason: Option<String>,
    /// A tax invoice for goods sent to a branch with another GSTIN (a
    /// supply between distinct persons): the transfer it bills. Its goods
    /// move with the transfer, not with the invoice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<TransferBill>,
}

/// What a transfer's tax invoice carries besides an invoice's fields.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TransferBill {
    pub transfer: RecordId,
    /// The e-way bill number (12 digits), required when the consignment's
    /// value exceeds ₹50,000 (CGST Rule 138).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eway_bill: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DocRef {
    pub invoice: RecordId,
    pub number: String,
    pub date: Date,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMode {
    Cash,
    Upi,
    Card,
    Bank,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Payment {
    pub id: RecordId,
    pub invoice: Option<RecordId>,
    pub job: Option<RecordId>,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub mode: PaymentMode,
    pub reference: Option<String>,
    pub date: Date,
}

/// A block of a series leased to one device by the hub.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Lease {
    pub id: RecordId,
    pub device: DeviceId,
    pub doc_type: DocType,
    pub prefix: String,
    pub fy: u16,
    pub first: u64,
    pub last: u64,
}

/// A message to a customer, recorded by the device in the same transaction
/// as the event that calls for it; the hub sends it once it has the op. The
/// message's id is what the hub sends it under, so no retry, crash or
/// duplicated push sends it twice.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Message {
    pub id: RecordId,
    pub customer: RecordId,
    pub job: Option<RecordId>,
    pub event: crate::domain::messages::Event,
    pub language: crate::domain::messages::Language,
    /// The customer's mobile, ten digits, as the counter saw it.
    pub to: String,
    /// The event's variables as the customer reads them, in
    /// [`crate::domain::messages::Event::variables`]' order.
    pub values: Vec<String>,
    /// A message sent again on purpose (by a person): the one it repeats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resend_of: Option<RecordId>,
}

/// The words of one event's message in one language, set by the owner at
/// the hub: for one branch (in its chain) or the whole business (in the
/// head office's, `branch: None`). `text: None` goes back to the built-in
/// words. Devices use it for the counter's WhatsApp link; the hub for
/// email.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MessageTemplate {
    pub branch: Option<BranchId>,
    pub event: crate::domain::messages::Event,
    pub language: crate::domain::messages::Language,
    /// With `{{1}}`, `{{2}}`, ... in `Event::variables`' order.
    pub text: Option<String>,
}

/// The customer's rating of a finished job, given on their own page and
/// signed by the branch's hub device.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Rating {
    pub job: RecordId,
    /// 1 to 5.
    pub stars: u8,
    pub comment: Option<String>,
}

/// What the hub heard of a message from its channel, told to the branch.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MessageReport {
    pub message: RecordId,
    pub status: crate::domain::messages::Status,
    /// `whatsapp`, `sms` or `email`: the channel it went by.
    pub channel: Option<String>,
    /// The provider's id of the message (WhatsApp's `wamid`).
    pub provider_id: Option<String>,
    /// The provider's reason for a failure, or why it was not sent.
    pub reason: Option<String>,
    /// When the provider says it happened (ms since the epoch).
    pub at_ms: u64,
}

/// A B2B tax invoice registered at the GST Invoice Registration Portal
/// (IRP) by the hub: what must be printed on it from then on. The IRN is
/// the IRP's (a SHA-256 of supplier GSTIN, financial year, document type
/// and number), so one document has one IRN for good.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EinvoiceRegistration {
    pub document: RecordId,
    /// 64 hex digits.
    pub irn: String,
    pub ack_no: String,
    /// As the IRP writes it, `YYYY-MM-DD hh:mm:ss` (IST).
    pub ack_date: String,
    /// The IRP's signed QR code (a JWT), printed as a QR on the invoice.
    pub signed_qr: String,
}

/// What became of a cancelled invoice's IRN: cancelled at the IRP too, or
/// left standing because the IRP's window (24 hours from the
/// acknowledgement) had closed, so the way back is a credit note.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EinvoiceCancellation {
    pub document: RecordId,
    pub irn: String,
    /// `true`: cancelled at the IRP; `false`: its window had closed.
    pub at_irp: bool,
    /// The IRP's cancel date, or when the hub found the window closed.
    pub date: String,
    pub remark: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "data", rename_all = "snake_case")]
pub enum OpBody {
    BranchCreated(Branch),
    BranchUpdated {
        branch: BranchId,
        writes: Vec<FieldWrite>,
    },
    UserCreated(User),
    UserUpdated {
        user: UserId,
        writes: Vec<FieldWrite>,
    },
    DeviceEnrolled {
        device: DeviceId,
        key: PublicKey,
        branch: BranchId,
        label: String,
        /// This device holds the branch store (the front desk).
        holds_store: bool,
        /// The highest role that may sign on this device, set by the owner
        /// at enrollment; absent means the default for its kind
        /// ([`default_ceiling`]). A stolen device acts at most this far.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ceiling: Option<Role>,
        /// One of the hub's own signing devices (a branch's admin chain):
        /// only these and the root sign what only the hub may. Only the
        /// root may enroll one.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        hub: bool,
        /// The device's number in its branch, given by the hub at
        /// enrollment; it is in the device's job numbers (`BLR1-2-00017`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number: Option<u32>,
        /// Series of its own, when the branch has two devices billing
        /// offline at once: its documents are numbered in these prefixes,
        /// not the branch's, so each device's run stays consecutive.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        series: Option<OwnSeries>,
    },
    DeviceRevoked {
        device: DeviceId,
        reason: String,
    },
    CustomerCreated(Customer),
    CustomerUpdated {
        customer: RecordId,
        writes: Vec<FieldWrite>,
    },
    JobOpened(JobIntake),
    JobUpdated {
        job: RecordId,
        writes: Vec<FieldWrite>,
    },
    /// An automerge change to a free-text field, merged character by character.
    JobTextEdited {
        job: RecordId,
        field: TextField,
        change: String,
    },
    JobStatusChanged(StatusChange),
    EstimateLineAdded {
        job: RecordId,
        line: Line,
    },
    EstimateLineRemoved {
        job: RecordId,
        line: RecordId,
    },
    /// A device password was shown to the author: the access-log entry.
    DevicePasswordRead {
        job: RecordId,
        purpose: String,
    },
    ItemCreated(Item),
    ItemUpdated {
        item: RecordId,
        writes: Vec<FieldWrite>,
    },
    StockMoved(StockMovement),
    DocumentIssued(Document),
    DocumentCancelled {
        document: RecordId,
        reason: String,
    },
    PaymentRecorded(Payment),
    LeaseGranted(Lease),
    TransferAnnounced(TransferNotice),
    /// The hub tells the sending branch that its transfer was received (in
    /// the sender's chain: the sender cannot see the receiver's).
    TransferSettled(TransferReceipt),
    /// A message for a customer, to be sent by the hub.
    MessageQueued(Message),
    /// The hub's news of a message: sent, delivered, read, failed.
    MessageReported(MessageReport),
    /// The owner's words for an event's message (hub only).
    TemplateSet(MessageTemplate),
    /// The customer's rating of a delivered job, from their page (hub only).
    JobRated(Rating),
    /// A supplier's bill received (its goods come into stock in the same write).
    PurchaseRecorded(Purchase),
    /// Money paid to a supplier against a bill.
    SupplierPaid(SupplierPayment),
    /// A B2B invoice's IRN, signed QR and acknowledgement (hub only).
    EinvoiceRegistered(EinvoiceRegistration),
    /// A registered invoice's IRN cancelled at the IRP, or its window
    /// found closed (hub only).
    EinvoiceCancelled(EinvoiceCancellation),
}

/// The ceiling of a device enrolled without one: the front desk up to a
/// manager, any other device (a technician's laptop) a technician.
pub fn default_ceiling(holds_store: bool) -> Role {
    if holds_store {
        Role::Manager
    } else {
        Role::Technician
    }
}

impl OpBody {
    /// Kinds that only the hub signs (the root, or a branch's hub device):
    /// the organization's structure, its people, its trust and its number
    /// blocks. Every replica refuses them from any other device.
    pub fn hub_only(&self) -> bool {
        matches!(
            self,
            OpBody::BranchCreated(_)
                | OpBody::BranchUpdated { .. }
                | OpBody::UserCreated(_)
                | OpBody::UserUpdated { .. }
                | OpBody::DeviceEnrolled { .. }
                | OpBody::DeviceRevoked { .. }
                | OpBody::LeaseGranted(_)
                | OpBody::TransferAnnounced(_)
                | OpBody::TransferSettled(_)
                | OpBody::MessageReported(_)
                | OpBody::TemplateSet(_)
                | OpBody::JobRated(_)
                | OpBody::EinvoiceRegistered(_)
                | OpBody::EinvoiceCancelled(_)
        )
    }

    /// The record an audit entry for this op names: its id, or the
    /// document number. `None` for edits too frequent to audit one by one
    /// (a customer's details, a job's texts). Every replica audits alike.
    pub fn audit_record(&self) -> Option<String> {
        Some(match self {
            OpBody::BranchCreated(b) => b.id.to_string(),
            OpBody::BranchUpdated { branch, .. } => branch.to_string(),
            OpBody::UserCreated(u) => u.id.to_string(),
            OpBody::UserUpdated { user, .. } => user.to_string(),
            OpBody::DeviceEnrolled { device, .. } | OpBody::DeviceRevoked { device, .. } => {
                device.to_string()
            }
            OpBody::CustomerCreated(c) => c.id.to_string(),
            OpBody::JobOpened(j) => j.id.to_string(),
            OpBody::JobUpdated { job, .. }
            | OpBody::JobStatusChanged(StatusChange { job, .. })
            | OpBody::EstimateLineAdded { job, .. }
            | OpBody::EstimateLineRemoved { job, .. }
            | OpBody::DevicePasswordRead { job, .. } => job.to_string(),
            OpBody::ItemCreated(i) => i.id.to_string(),
            OpBody::ItemUpdated { item, .. } => item.to_string(),
            OpBody::StockMoved(m) => m.item.to_string(),
            OpBody::DocumentIssued(d) => d.number.clone(),
            OpBody::DocumentCancelled { document, .. } => document.to_string(),
            OpBody::PaymentRecorded(p) => p.id.to_string(),
            OpBody::PurchaseRecorded(p) => p.id.to_string(),
            OpBody::SupplierPaid(p) => p.purchase.to_string(),
            OpBody::LeaseGranted(l) => l.id.to_string(),
            OpBody::TransferAnnounced(t) => t.transfer.to_string(),
            OpBody::TransferSettled(t) => t.transfer.to_string(),
            OpBody::MessageQueued(m) => m.id.to_string(),
            OpBody::MessageReported(r) => r.message.to_string(),
            OpBody::TemplateSet(t) => format!("{}:{}", t.event.as_str(), t.language.code()),
            OpBody::JobRated(r) => r.job.to_string(),
            OpBody::EinvoiceRegistered(e) => e.document.to_string(),
            OpBody::EinvoiceCancelled(e) => e.document.to_string(),
            OpBody::CustomerUpdated { .. } | OpBody::JobTextEdited { .. } => return None,
        })
    }

    /// A short, stable name of the kind, for logs, audit and errors.
    pub fn kind(&self) -> &'static str {
        match self {
            OpBody::BranchCreated(_) => "branch_created",
            OpBody::BranchUpdated { .. } => "branch_updated",
            OpBody::UserCreated(_) => "user_created",
            OpBody::UserUpdated { .. } => "user_updated",
            OpBody::DeviceEnrolled { .. } => "device_enrolled",
            OpBody::DeviceRevoked { .. } => "device_revoked",
            OpBody::CustomerCreated(_) => "customer_created",
            OpBody::CustomerUpdated { .. } => "customer_updated",
            OpBody::JobOpened(_) => "job_opened",
            OpBody::JobUpdated { .. } => "job_updated",
            OpBody::JobTextEdited { .. } => "job_text_edited",
            OpBody::JobStatusChanged(_) => "job_status_changed",
            OpBody::EstimateLineAdded { .. } => "estimate_line_added",
            OpBody::EstimateLineRemoved { .. } => "estimate_line_removed",
            OpBody::DevicePasswordRead { .. } => "device_password_read",
            OpBody::ItemCreated(_) => "item_created",
            OpBody::ItemUpdated { .. } => "item_updated",
            OpBody::StockMoved(_) => "stock_moved",
            OpBody::DocumentIssued(_) => "document_issued",
            OpBody::DocumentCancelled { .. } => "document_cancelled",
            OpBody::PaymentRecorded(_) => "payment_recorded",
            OpBody::LeaseGranted(_) => "lease_granted",
            OpBody::TransferAnnounced(_) => "transfer_announced",
            OpBody::TransferSettled(_) => "transfer_settled",
            OpBody::MessageQueued(_) => "message_queued",
            OpBody::MessageReported(_) => "message_reported",
            OpBody::TemplateSet(_) => "template_set",
            OpBody::JobRated(_) => "job_rated",
            OpBody::PurchaseRecorded(_) => "purchase_recorded",
            OpBody::SupplierPaid(_) => "supplier_paid",
            OpBody::EinvoiceRegistered(_) => "einvoice_registered",
            OpBody::EinvoiceCancelled(_) => "einvoice_cancelled",
        }
    }

    /// Billing, stock, status and permission-relevant kinds land in the audit log.
    pub fn is_audited(&self) -> bool {
        !matches!(
            self,
            OpBody::CustomerUpdated { .. } | OpBody::JobTextEdited { .. }
        )
    }
}
