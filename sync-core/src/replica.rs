//! The reference materializer: applies signed operations in any order, with
//! any duplication or delay, and reaches the same state as every other
//! replica. It is the executable definition of what the SQLite stores of a
//! device and of the hub must compute, and what the convergence property
//! tests run against.
//!
//! Delivery is causal: an operation waits until the previous operation of
//! its device and every dependency it names are applied. Within that order,
//! each kind of state merges by its own rule (see [`crate::merge`]).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::body::{
    FieldValue, FieldWrite, Lease, MovementKind, OpBody, Payment, StockMovement, TextField,
};
use crate::chain::{self, ChainHead, Fit};
use crate::domain::invoice_no::DocType;
use crate::domain::lifecycle::JobStatus;
use crate::domain::roles::Role;
use crate::domain::rules::{
    BranchInfo, DeviceInfo, DocInfo, JobInfo, RuleContext, TransferInfo, UserInfo,
};
use crate::domain::stock::{Holder, deltas};
use crate::error::CoreError;
use crate::hlc::Stamp;
use crate::identity::PublicKey;
use crate::ids::{BranchId, DeviceId, RecordId, UserId};
use crate::merge::counter::Counter;
use crate::merge::facts::Facts;
use crate::merge::register::{Register, WriteKey};
use crate::merge::status::{StatusLog, Transition};
use crate::merge::text::TextDoc;
use crate::op::{Op, OpHash, OpId};
use crate::vv::VersionVector;

/// The root of trust every replica of an organization starts from: the owner
/// and the hub's own device, which enrolls every other device.
#[derive(Clone, Debug)]
pub struct Genesis {
    pub owner: UserId,
    pub hub_device: DeviceId,
    pub hub_key: PublicKey,
}

/// Head-office pseudo-branch of the hub's own device.
pub const HQ: BranchId = BranchId([0; 16]);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Branch,
    User,
    Device,
    Customer,
    Job,
    Item,
}

/// The queryable state of one record: one register per field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Record {
    pub branch: Option<BranchId>,
    pub fields: BTreeMap<String, Register<FieldValue>>,
}

impl Record {
    pub fn get(&self, field: &str) -> Option<&FieldValue> {
        self.fields.get(field).and_then(|r| r.value())
    }
    pub fn text(&self, field: &str) -> Option<&str> {
        match self.get(field) {
            Some(FieldValue::Text(s)) => Some(s),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AuditEntry {
    pub hlc: Stamp,
    pub author: UserId,
    pub device: DeviceId,
    pub branch: BranchId,
    pub kind: &'static str,
    pub record: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PasswordRead {
    pub job: RecordId,
    pub reader: UserId,
    pub device: DeviceId,
    pub hlc: Stamp,
    pub purpose: String,
}

/// Materialized state.
#[derive(Clone, Debug, Default)]
pub struct State {
    pub records: BTreeMap<(Kind, RecordId), Record>,
    pub status: BTreeMap<RecordId, StatusLog>,
    pub texts: BTreeMap<(RecordId, TextField), TextDoc>,
    pub estimate_lines: Facts<RecordId, (RecordId, crate::body::Line)>,
    pub removed_lines: Facts<RecordId, OpId>,
    pub movements: Facts<RecordId, (BranchId, DeviceId, StockMovement)>,
    pub balances: BTreeMap<(BranchId, RecordId, Holder), Counter<RecordId>>,
    pub transfers_received: Facts<RecordId, RecordId>,
    pub documents: Facts<RecordId, (BranchId, DeviceId, crate::body::Document)>,
    pub numbers: BTreeMap<(String, DocType, u16, u64), RecordId>,
    pub cancelled: Facts<RecordId, (OpId, String)>,
    pub payments: Facts<RecordId, (BranchId, Payment)>,
    pub leases: Facts<RecordId, Lease>,
    pub announced: Facts<RecordId, crate::body::TransferNotice>,
    pub password_reads: Facts<OpId, PasswordRead>,
    pub audit: Facts<OpId, AuditEntry>,
    pub messages: Facts<RecordId, (BranchId, crate::body::Message)>,
    /// The latest report of each message that did not move it back: only a
    /// branch's hub device reports, and its ops apply in its chain's order
    /// everywhere, so every replica keeps the same one.
    pub message_status: BTreeMap<RecordId, crate::body::MessageReport>,
    /// The owner's words by (branch or HQ, event, language code): one
    /// signer per scope, so the last in its chain's order.
    pub templates: BTreeMap<(BranchId, &'static str, &'static str), String>,
    /// Each rated job's latest rating (one signer: the branch's hub).
    pub ratings: BTreeMap<RecordId, crate::body::Rating>,
    pub purchases: Facts<RecordId, (BranchId, crate::body::Purchase)>,
    pub supplier_payments: Facts<RecordId, (BranchId, crate::body::SupplierPayment)>,
    /// Each registered invoice's IRN and QR (the rule book takes one IRN
    /// per document, so the first is the only one).
    pub einvoices: BTreeMap<RecordId, crate::body::EinvoiceRegistration>,
    /// What became of a cancelled invoice's IRN (one signer: the hub).
    pub einvoice_cancels: BTreeMap<RecordId, crate::body::EinvoiceCancellation>,
}

fn rid_user(u: UserId) -> RecordId {
    RecordId(u.0)
}
fn rid_branch(b: BranchId) -> RecordId {
    RecordId(b.0)
}
fn rid_device(d: DeviceId) -> RecordId {
    RecordId(d.0)
}

fn text(s: &str) -> FieldValue {
    FieldValue::Text(s.to_string())
}
fn opt_text(s: &Option<String>) -> FieldValue {
    s.as_ref().map(|s| text(s)).unwrap_or(FieldValue::Null)
}

impl State {
    fn record_mut(&mut self, kind: Kind, id: RecordId) -> &mut Record {
        self.records.entry((kind, id)).or_default()
    }

    fn init_fields(
        &mut self,
        kind: Kind,
        id: RecordId,
        branch: Option<BranchId>,
        key: WriteKey,
        fields: Vec<(&str, FieldValue)>,
    ) {
        let r = self.record_mut(kind, id);
        if branch.is_some() {
            r.branch = branch;
        }
        for (f, v) in fields {
            r.fields
                .entry(f.to_string())
                .or_default()
                .apply(key, v, &[]);
        }
    }

    fn write_fields(&mut self, kind: Kind, id: RecordId, key: WriteKey, writes: &[FieldWrite]) {
        let r = self.record_mut(kind, id);
        for w in writes {
            r.fields
                .entry(w.field.clone())
                .or_default()
                .apply(key, w.value.clone(), &w.supersedes);
        }
    }

    pub fn record(&self, kind: Kind, id: RecordId) -> Option<&Record> {
        self.records.get(&(kind, id))
    }

    /// Apply one operation that is causally ready and verified.
    pub fn apply(&mut self, op: &Op) -> Result<(), CoreError> {
        let key = WriteKey {
            hlc: op.hlc,
            op: op.id,
        };
        if op.body.is_audited() {
            let record = op.body.audit_record();
            self.audit.insert(
                op.id,
                AuditEntry {
                    hlc: op.hlc,
                    author: op.author,
                    device: op.id.device,
                    branch: op.branch,
                    kind: op.body.kind(),
                    record,
                },
            );
        }
        match &op.body {
            OpBody::BranchCreated(b) => self.init_fields(
                Kind::Branch,
                rid_branch(b.id),
                Some(b.id),
                key,
                vec![
                    ("name", text(&b.name)),
                    ("gstin", text(&b.gstin)),
                    ("state_code", text(&b.state_code)),
                    ("address", text(&b.address)),
                    ("invoice_prefix", text(&b.invoice_prefix)),
                    ("credit_note_prefix", text(&b.credit_note_prefix)),
                    ("upi_id", opt_text(&b.upi_id)),
                    ("phone", opt_text(&b.phone)),
                ],
            ),
            OpBody::BranchUpdated { branch, writes } => {
                self.write_fields(Kind::Branch, rid_branch(*branch), key, writes)
            }
            OpBody::UserCreated(u) => self.init_fields(
                Kind::User,
                rid_user(u.id),
                u.branch,
                key,
                vec![
                    ("name", text(&u.name)),
                    ("role", text(u.role.as_str())),
                    ("active", FieldValue::Bool(true)),
                    ("pin_hash", text(&u.pin_hash)),
                ],
            ),
            OpBody::UserUpdated { user, writes } => {
                self.write_fields(Kind::User, rid_user(*user), key, writes)
            }
            OpBody::DeviceEnrolled {
                device,
                key: pk,
                branch,
                label,
                holds_store,
                ceiling,
                hub,
                number,
                series,
            } => self.init_fields(
                Kind::Device,
                rid_device(*device),
                Some(*branch),
                key,
                vec![
                    ("key", text(&hex::encode(pk.0))),
                    ("label", text(label)),
                    ("holds_store", FieldValue::Bool(*holds_store)),
                    ("revoked", FieldValue::Bool(false)),
                    (
                        "ceiling",
                        text(
                            ceiling
                                .unwrap_or(crate::body::default_ceiling(*holds_store))
                                .as_str(),
                        ),
                    ),
                    ("hub", FieldValue::Bool(*hub)),
                    (
                        "number",
                        number.map_or(FieldValue::Null, |n| FieldValue::Int(n.into())),
                    ),
                ]
                .into_iter()
                .chain(series.iter().flat_map(|s| {
                    [
                        ("invoice_prefix", text(&s.invoice_prefix)),
                        ("credit_note_prefix", text(&s.credit_note_prefix)),
                    ]
                }))
                .collect(),
            ),
            OpBody::DeviceRevoked { device, reason } => {
                let r = self.record_mut(Kind::Device, rid_device(*device));
                // Revocation is final: it supersedes every earlier value.
                let reg = r.fields.entry("revoked".into()).or_default();
                let all = reg.live_ops();
                reg.apply(key, FieldValue::Bool(true), &all);
                r.fields
                    .entry("revoked_reason".into())
                    .or_default()
                    .apply(key, text(reason), &[]);
            }
            OpBody::CustomerCreated(c) => self.init_fields(
                Kind::Customer,
                c.id,
                Some(op.branch),
                key,
                vec![
                    ("name", text(&c.name)),
                    ("mobile", text(&c.mobile)),
                    ("email", opt_text(&c.email)),
                    ("address", opt_text(&c.address)),
                    ("gstin", opt_text(&c.gstin)),
                    ("state_code", opt_text(&c.state_code)),
                    ("language", FieldValue::Null),
                    ("no_messages", FieldValue::Bool(false)),
                ],
            ),
            OpBody::CustomerUpdated { customer, writes } => {
                self.write_fields(Kind::Customer, *customer, key, writes)
            }
            OpBody::JobOpened(j) => {
                self.init_fields(
                    Kind::Job,
                    j.id,
                    Some(op.branch),
                    key,
                    vec![
                        ("job_no", text(&j.job_no)),
                        ("customer", FieldValue::Id(j.customer)),
                        ("device_type", text(&j.device_type)),
                        ("brand", text(&j.brand)),
                        ("model", text(&j.model)),
                        ("serial", text(&j.serial)),
                        ("complaint", text(&j.complaint)),
                        ("accessories", text(&j.accessories.join("\n"))),
                        ("condition", text(&j.condition)),
                        (
                            "password",
                            j.password
                                .as_ref()
                                .map(|p| text(&format!("{}:{}", p.nonce, p.ciphertext)))
                                .unwrap_or(FieldValue::Null),
                        ),
                        ("otp_hash", text(&j.delivery_otp_hash)),
                        (
                            "otp_sealed",
                            match &j.otp_sealed {
                                Some(o) => {
                                    text(&serde_json::to_string(o).expect("sealed serializes"))
                                }
                                None => FieldValue::Null,
                            },
                        ),
                        ("opened_at", FieldValue::Int(op.hlc.wall_ms as i64)),
                        (
                            "technician",
                            j.technician
                                .map(FieldValue::User)
                                .unwrap_or(FieldValue::Null),
                        ),
                    ],
                );
                self.status.entry(j.id).or_default();
            }
            OpBody::JobUpdated { job, writes } => self.write_fields(Kind::Job, *job, key, writes),
            OpBody::JobTextEdited { job, field, change } => {
                let bytes = hex::decode(change)
                    .map_err(|_| CoreError::Malformed("text change is not hex".into()))?;
                self.texts
                    .entry((*job, *field))
                    .or_insert_with(TextDoc::genesis)
                    .apply(&bytes)?;
            }
            OpBody::JobStatusChanged(s) => {
                self.status.entry(s.job).or_default().insert(Transition {
                    op: op.id,
                    hlc: op.hlc,
                    from: s.from,
                    to: s.to,
                    after: s.after,
                    is_override: s.override_reason.is_some(),
                });
            }
            OpBody::EstimateLineAdded { job, line } => {
                self.estimate_lines.insert(line.id, (*job, line.clone()));
            }
            OpBody::EstimateLineRemoved { line, .. } => {
                self.removed_lines.insert(*line, op.id);
            }
            OpBody::DevicePasswordRead { job, purpose } => {
                self.password_reads.insert(
                    op.id,
                    PasswordRead {
                        job: *job,
                        reader: op.author,
                        device: op.id.device,
                        hlc: op.hlc,
                        purpose: purpose.clone(),
                    },
                );
            }
            OpBody::ItemCreated(i) => {
                self.init_fields(Kind::Item, i.id, Some(op.branch), key, item_fields(i))
            }
            OpBody::ItemUpdated { item, writes } => {
                self.write_fields(Kind::Item, *item, key, writes)
            }
            OpBody::StockMoved(m) => {
                if self
                    .movements
                    .insert(m.id, (op.branch, op.id.device, m.clone()))
                {
                    for d in deltas(m, op.branch, op.id.device) {
                        // Goods entering transit are credited under the
                        // transfer's id, so the hub's announcement of the same
                        // transfer counts once with it.
                        let key = match d.holder {
                            Holder::Transit(t) if d.qty > Decimal::ZERO => t,
                            // …and goods leaving it under the settlement's
                            // key, so the hub's relay of the receipt to the
                            // sender counts once with the transfer-in.
                            Holder::Transit(t) => crate::domain::stock::settle_key(t),
                            _ => m.id,
                        };
                        self.balances
                            .entry((d.branch, m.item, d.holder))
                            .or_default()
                            .add(key, d.qty);
                    }
                    if let MovementKind::TransferIn { transfer, .. } = &m.movement {
                        self.transfers_received.insert(*transfer, m.id);
                    }
                }
            }
            OpBody::DocumentIssued(d) => {
                if self
                    .documents
                    .insert(d.id, (op.branch, op.id.device, d.clone()))
                {
                    let k = (d.prefix.clone(), d.doc_type, d.fy, d.seq);
                    let e = self.numbers.entry(k).or_insert(d.id);
                    *e = (*e).min(d.id);
                }
            }
            OpBody::DocumentCancelled { document, reason } => {
                self.cancelled.insert(*document, (op.id, reason.clone()));
            }
            OpBody::PaymentRecorded(p) => {
                self.payments.insert(p.id, (op.branch, p.clone()));
            }
            OpBody::LeaseGranted(l) => {
                self.leases.insert(l.id, l.clone());
            }
            OpBody::TransferSettled(t) => {
                self.balances
                    .entry((t.from_branch, t.item, Holder::Transit(t.transfer)))
                    .or_default()
                    .add(crate::domain::stock::settle_key(t.transfer), -t.sent);
            }
            OpBody::MessageQueued(m) => {
                self.messages.insert(m.id, (op.branch, m.clone()));
            }
            OpBody::MessageReported(r) => {
                let now = self
                    .message_status
                    .get(&r.message)
                    .map_or(0, |c| c.status.rank());
                if r.status.rank() >= now {
                    self.message_status.insert(r.message, r.clone());
                }
            }
            OpBody::JobRated(r) => {
                self.ratings.insert(r.job, r.clone());
            }
            OpBody::PurchaseRecorded(p) => {
                self.purchases.insert(p.id, (op.branch, p.clone()));
            }
            OpBody::SupplierPaid(p) => {
                self.supplier_payments.insert(p.id, (op.branch, p.clone()));
            }
            OpBody::EinvoiceRegistered(e) => {
                self.einvoices
                    .entry(e.document)
                    .or_insert_with(|| e.clone());
            }
            OpBody::EinvoiceCancelled(e) => {
                self.einvoice_cancels
                    .entry(e.document)
                    .or_insert_with(|| e.clone());
            }
            OpBody::TemplateSet(t) => {
                let key = (t.branch.unwrap_or(HQ), t.event.as_str(), t.language.code());
                match &t.text {
                    Some(text) => {
                        self.templates.insert(key, text.clone());
                    }
                    None => {
                        self.templates.remove(&key);
                    }
                }
            }
            OpBody::TransferAnnounced(t) => {
                // The sender's own item, for a receiver that never saw it;
                // a replica that holds the item already keeps its own.
                if let Some(i) = &t.item_detail
                    && self.record(Kind::Item, i.id).is_none()
                {
                    self.init_fields(Kind::Item, i.id, Some(t.from_branch), key, item_fields(i));
                }
                if self.announced.insert(t.transfer, t.clone()) {
                    self.balances
                        .entry((t.from_branch, t.item, Holder::Transit(t.transfer)))
                        .or_default()
                        .add(t.transfer, t.sent);
                }
            }
        }
        Ok(())
    }

    pub fn job_status(&self, job: RecordId) -> Option<crate::merge::status::Resolved> {
        self.status.get(&job).map(|s| s.resolve())
    }

    /// Invoiced (not cancelled, less credit notes) minus paid, for a job.
    pub fn job_balance_due(&self, job: RecordId) -> Decimal {
        let mut due = Decimal::ZERO;
        let mut invoices = BTreeSet::new();
        for (id, (_, _, d)) in self.documents.iter() {
            if d.job == Some(job) && !self.cancelled.contains(id) {
                match d.doc_type {
                    DocType::TaxInvoice => {
                        due += d.grand_total;
                        invoices.insert(*id);
                    }
                    DocType::CreditNote => due -= d.grand_total,
                }
            }
        }
        for (_, (_, p)) in self.payments.iter() {
            if p.job == Some(job) || p.invoice.is_some_and(|i| invoices.contains(&i)) {
                due -= p.amount;
            }
        }
        due
    }

    pub fn invoice_paid(&self, invoice: RecordId) -> Decimal {
        self.payments
            .iter()
            .filter(|(_, (_, p))| p.invoice == Some(invoice))
            .map(|(_, (_, p))| p.amount)
            .sum()
    }

    pub fn balance_of(&self, branch: BranchId, item: RecordId, holder: Holder) -> Decimal {
        self.balances
            .get(&(branch, item, holder))
            .map(|c| c.value())
            .unwrap_or_default()
    }

    /// SHA-256 over a canonical rendering of everything materialized.
    /// Two replicas with the same hash show the same shop.
    pub fn hash(&self) -> [u8; 32] {
        type CanonField<'a> = (&'a String, Option<&'a FieldValue>, Vec<&'a FieldValue>);
        type CanonRecord<'a> = (&'a (Kind, RecordId), Option<BranchId>, Vec<CanonField<'a>>);
        #[derive(Serialize)]
        struct Canon<'a> {
            records: Vec<CanonRecord<'a>>,
            status: Vec<(RecordId, JobStatus, Option<OpId>, Vec<OpId>)>,
            texts: Vec<(RecordId, TextField, String)>,
            lines: Vec<(&'a RecordId, &'a (RecordId, crate::body::Line))>,
            removed: Vec<&'a RecordId>,
            movements: Vec<&'a RecordId>,
            balances: Vec<(&'a (BranchId, RecordId, Holder), String)>,
            documents: Vec<(&'a RecordId, &'a crate::body::Document)>,
            cancelled: Vec<&'a RecordId>,
            payments: Vec<(&'a RecordId, &'a Payment)>,
            leases: Vec<&'a Lease>,
            announced: Vec<&'a RecordId>,
            password_reads: Vec<(&'a OpId, &'a PasswordRead)>,
            audit: Vec<(&'a OpId, &'a AuditEntry)>,
            messages: Vec<(&'a RecordId, &'a crate::body::Message)>,
            message_status: Vec<(&'a RecordId, &'a crate::body::MessageReport)>,
            templates: Vec<(&'a (BranchId, &'static str, &'static str), &'a String)>,
            ratings: Vec<&'a crate::body::Rating>,
            purchases: Vec<&'a crate::body::Purchase>,
            supplier_payments: Vec<&'a crate::body::SupplierPayment>,
            einvoices: Vec<&'a crate::body::EinvoiceRegistration>,
            einvoice_cancels: Vec<&'a crate::body::EinvoiceCancellation>,
        }
        let canon = Canon {
            records: self
                .records
                .iter()
                .map(|(k, r)| {
                    (
                        k,
                        r.branch,
                        r.fields
                            .iter()
                            .map(|(f, reg)| {
                                (f, reg.value(), reg.conflicts().map(|(_, v)| v).collect())
                            })
                            .collect(),
                    )
                })
                .collect(),
            status: self
                .status
                .iter()
                .map(|(j, s)| {
                    let r = s.resolve();
                    (*j, r.status, r.head, r.losers)
                })
                .collect(),
            texts: self
                .texts
                .iter()
                .map(|((j, f), d)| (*j, *f, d.text()))
                .collect(),
            lines: self.estimate_lines.iter().collect(),
            removed: self.removed_lines.iter().map(|(k, _)| k).collect(),
            movements: self.movements.iter().map(|(k, _)| k).collect(),
            balances: self
                .balances
                .iter()
                .map(|(k, c)| (k, c.value().normalize().to_string()))
                .collect(),
            documents: self.documents.iter().map(|(k, (_, _, d))| (k, d)).collect(),
            cancelled: self.cancelled.iter().map(|(k, _)| k).collect(),
            payments: self.payments.iter().map(|(k, (_, p))| (k, p)).collect(),
            purchases: self.purchases.iter().map(|(_, (_, p))| p).collect(),
            supplier_payments: self.supplier_payments.iter().map(|(_, (_, p))| p).collect(),
            leases: self.leases.iter().map(|(_, l)| l).collect(),
            announced: self.announced.iter().map(|(k, _)| k).collect(),
            password_reads: self.password_reads.iter().collect(),
            audit: self.audit.iter().collect(),
            messages: self.messages.iter().map(|(k, (_, m))| (k, m)).collect(),
            message_status: self.message_status.iter().collect(),
            templates: self.templates.iter().collect(),
            ratings: self.ratings.values().collect(),
            einvoices: self.einvoices.values().collect(),
            einvoice_cancels: self.einvoice_cancels.values().collect(),
        };
        let bytes = serde_json::to_vec(&canon).expect("state serializes");
        Sha256::digest(bytes).into()
    }
}

fn item_fields(i: &crate::body::Item) -> Vec<(&'static str, FieldValue)> {
    vec![
        ("sku", text(&i.sku)),
        ("name", text(&i.name)),
        ("hsn_sac", text(&i.hsn_sac)),
        ("gst_rate", FieldValue::Decimal(i.gst_rate)),
        ("unit", text(&i.unit)),
        ("sale_price", FieldValue::Decimal(i.sale_price)),
        ("cost", FieldValue::Decimal(i.cost)),
        ("reorder_level", FieldValue::Decimal(i.reorder_level)),
        ("is_service", FieldValue::Bool(i.is_service)),
    ]
}

/// What happened to a received operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// Applied, together with any held-back operations it unblocked.
    Applied(Vec<OpId>),
    /// Already held: nothing changed.
    Duplicate,
    /// Waiting for its causal past to arrive.
    Waiting,
}

/// A replica: the log, the chain heads, the causal buffer and the state.
#[derive(Clone, Debug)]
pub struct Replica {
    pub genesis: Genesis,
    pub state: State,
    log: BTreeMap<OpId, (Op, OpHash)>,
    heads: BTreeMap<DeviceId, ChainHead>,
    applied: VersionVector,
    pending: BTreeMap<OpId, Op>,
    /// Run the rule book on each op as it becomes ready, as the hub does.
    checked: bool,
    /// Ops the rule book refused: in their device's chain, never applied.
    refused: BTreeMap<OpId, String>,
}

impl Replica {
    pub fn new(genesis: Genesis) -> Replica {
        Replica {
            genesis,
            state: State::default(),
            log: BTreeMap::new(),
            heads: BTreeMap::new(),
            applied: VersionVector::default(),
            pending: BTreeMap::new(),
            checked: false,
            refused: BTreeMap::new(),
        }
    }

    /// A replica that checks every op with the rule book when it becomes
    /// ready (`rules::check`, what a receiver runs) and keeps a refused one
    /// in its device's chain without applying it: the reference model of
    /// the hub, which the SQLite replica must match.
    pub fn checking(genesis: Genesis) -> Replica {
        Replica {
            checked: true,
            ..Replica::new(genesis)
        }
    }

    /// What the rule book refused here, with the reason.
    pub fn refused(&self) -> &BTreeMap<OpId, String> {
        &self.refused
    }

    pub fn applied(&self) -> &VersionVector {
        &self.applied
    }

    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    fn key_of(&self, d: DeviceId) -> Option<PublicKey> {
        if d == self.genesis.hub_device {
            return Some(self.genesis.hub_key);
        }
        let r = self.state.record(Kind::Device, rid_device(d))?;
        let k = r.text("key")?;
        let mut b = [0u8; 32];
        hex::decode_to_slice(k, &mut b).ok()?;
        Some(PublicKey(b))
    }

    fn ready(&self, op: &Op) -> bool {
        op.id.seq == self.applied.get(op.id.device) + 1
            && op.deps.iter().all(|d| self.applied.contains(*d))
    }

    /// Receive one operation from anywhere. Verifies the signature and the
    /// chain when it becomes applicable.
    pub fn receive(&mut self, op: Op) -> Result<Received, CoreError> {
        if self.applied.contains(op.id) {
            let hash = op.hash()?;
            let head = self.heads.get(&op.id.device).copied().unwrap_or_default();
            return match chain::check(head, &op, hash, |s| {
                self.log
                    .get(&OpId {
                        device: op.id.device,
                        seq: s,
                    })
                    .map(|(_, h)| *h)
            })? {
                Fit::Duplicate => Ok(Received::Duplicate),
                Fit::Next => unreachable!("applied ops are at or below the head"),
            };
        }
        if !self.ready(&op) {
            if let Some(existing) = self.pending.get(&op.id)
                && existing.hash()? != op.hash()?
            {
                return Err(CoreError::ChainFork {
                    device: op.id.device,
                    seq: op.id.seq,
                });
            }
            self.pending.insert(op.id, op);
            return Ok(Received::Waiting);
        }
        let mut done = vec![self.apply_ready(op)?];
        // Drain whatever became ready.
        loop {
            let next: Vec<OpId> = self
                .pending
                .values()
                .filter(|p| self.ready(p))
                .map(|p| p.id)
                .collect();
            if next.is_empty() {
                break;
            }
            for id in next {
                let op = self.pending.remove(&id).expect("present");
                done.push(self.apply_ready(op)?);
            }
        }
        Ok(Received::Applied(done))
    }

    fn apply_ready(&mut self, op: Op) -> Result<OpId, CoreError> {
        let key = self
            .key_of(op.id.device)
            .ok_or(CoreError::UnknownDevice(op.id.device))?;
        op.verify(&key)?;
        let hash = op.hash()?;
        let head = self.heads.get(&op.id.device).copied().unwrap_or_default();
        chain::check_no_replay(head, &op, hash, |_| None)?;
        let verdict = if self.checked {
            crate::domain::rules::check(&op, &*self).err()
        } else {
            None
        };
        match verdict {
            Some(e) => {
                self.refused.insert(op.id, e.to_string());
            }
            None => self.state.apply(&op)?,
        }
        self.heads.insert(
            op.id.device,
            ChainHead {
                seq: op.id.seq,
                hash,
            },
        );
        self.applied.observe(op.id);
        let id = op.id;
        self.log.insert(id, (op, hash));
        Ok(id)
    }

    /// Operations this replica holds that `other` lacks, in causal order.
    pub fn ops_missing_from(&self, other: &VersionVector) -> Vec<Op> {
        let mut out: Vec<&Op> = self
            .log
            .values()
            .filter(|(o, _)| !other.contains(o.id))
            .map(|(o, _)| o)
            .collect();
        out.sort_by_key(|o| (o.hlc, o.id));
        out.into_iter().cloned().collect()
    }

    pub fn log_len(&self) -> usize {
        self.log.len()
    }

    pub fn head(&self, d: DeviceId) -> ChainHead {
        self.heads.get(&d).copied().unwrap_or_default()
    }

    pub fn hash(&self) -> [u8; 32] {
        self.state.hash()
    }
}

impl RuleContext for Replica {
    fn user(&self, id: UserId) -> Option<UserInfo> {
        let Some(r) = self.state.record(Kind::User, rid_user(id)) else {
            // The genesis owner acts before (and without) a user record.
            return (id == self.genesis.owner).then_some(UserInfo {
                role: Role::Owner,
                branch: None,
                active: true,
            });
        };
        Some(UserInfo {
            role: r.text("role").and_then(Role::parse)?,
            branch: r.branch,
            active: r.get("active") == Some(&FieldValue::Bool(true)),
        })
    }

    fn device(&self, id: DeviceId) -> Option<DeviceInfo> {
        if id == self.genesis.hub_device {
            return Some(DeviceInfo {
                branch: HQ,
                revoked: false,
                holds_store: false,
                ceiling: Role::Owner,
                hub: true,
                number: None,
                series: None,
            });
        }
        let r = self.state.record(Kind::Device, rid_device(id))?;
        Some(DeviceInfo {
            branch: r.branch?,
            revoked: r.get("revoked") == Some(&FieldValue::Bool(true)),
            holds_store: r.get("holds_store") == Some(&FieldValue::Bool(true)),
            ceiling: r.text("ceiling").and_then(Role::parse)?,
            hub: r.get("hub") == Some(&FieldValue::Bool(true)),
            number: match r.get("number") {
                Some(FieldValue::Int(n)) => u32::try_from(*n).ok(),
                _ => None,
            },
            series: match (r.text("invoice_prefix"), r.text("credit_note_prefix")) {
                (Some(i), Some(c)) => Some(crate::body::OwnSeries {
                    invoice_prefix: i.to_string(),
                    credit_note_prefix: c.to_string(),
                }),
                _ => None,
            },
        })
    }

    fn branch(&self, id: BranchId) -> Option<BranchInfo> {
        let r = self.state.record(Kind::Branch, rid_branch(id))?;
        Some(BranchInfo {
            state_code: r.text("state_code")?.to_string(),
            gstin: r.text("gstin")?.to_string(),
            invoice_prefix: r.text("invoice_prefix")?.to_string(),
            credit_note_prefix: r.text("credit_note_prefix")?.to_string(),
        })
    }

    fn customer_branch(&self, id: RecordId) -> Option<BranchId> {
        self.state.record(Kind::Customer, id)?.branch
    }

    fn job(&self, id: RecordId) -> Option<JobInfo> {
        let r = self.state.record(Kind::Job, id)?;
        let s = self.state.job_status(id)?;
        Some(JobInfo {
            branch: r.branch?,
            status: s.status,
            head: s.head,
            otp_hash: r.text("otp_hash").unwrap_or_default().to_string(),
        })
    }

    fn status_change_to(&self, job: RecordId, op: OpId) -> Option<JobStatus> {
        self.state.status.get(&job)?.get(&op).map(|t| t.to)
    }

    fn job_balance_due(&self, id: RecordId) -> Decimal {
        self.state.job_balance_due(id)
    }

    fn estimate_line_job(&self, line: RecordId) -> Option<RecordId> {
        if self.state.removed_lines.contains(&line) {
            return None;
        }
        self.state.estimate_lines.get(&line).map(|(j, _)| *j)
    }

    fn item_exists(&self, id: RecordId) -> bool {
        self.state.record(Kind::Item, id).is_some()
    }

    fn item_branch(&self, id: RecordId) -> Option<BranchId> {
        self.state.record(Kind::Item, id)?.branch
    }

    fn balance(&self, branch: BranchId, item: RecordId, holder: Holder) -> Decimal {
        self.state.balance_of(branch, item, holder)
    }

    fn transfer(&self, id: RecordId) -> Option<TransferInfo> {
        self.state
            .movements
            .iter()
            .find_map(|(_, (branch, _, m))| match &m.movement {
                MovementKind::TransferOut {
                    transfer,
                    to_branch,
                    to_device,
                } if *transfer == id => Some(TransferInfo {
                    from_branch: *branch,
                    to_branch: *to_branch,
                    receiver: *to_device,
                    item: m.item,
                    sent: m.qty,
                    received: self.state.transfers_received.contains(&id),
                    sent_out: true,
                }),
                _ => None,
            })
            .or_else(|| {
                self.state.announced.get(&id).map(|t| TransferInfo {
                    from_branch: t.from_branch,
                    to_branch: t.to_branch,
                    receiver: t.to_device,
                    item: t.item,
                    sent: t.sent,
                    received: self.state.transfers_received.contains(&id),
                    sent_out: false,
                })
            })
    }

    fn leases_of(&self, device: DeviceId) -> Vec<Lease> {
        self.state
            .leases
            .iter()
            .filter(|(_, l)| l.device == device)
            .map(|(_, l)| l.clone())
            .collect()
    }

    fn document(&self, id: RecordId) -> Option<DocInfo> {
        let (branch, _, d) = self.state.documents.get(&id)?;
        Some(DocInfo {
            branch: *branch,
            doc_type: d.doc_type,
            number: d.number.clone(),
            date: d.date,
            grand_total: d.grand_total,
            cancelled: self.state.cancelled.contains(&id),
            paid: self.state.invoice_paid(id),
            credited: self
                .state
                .documents
                .iter()
                .filter(|(k, (_, _, c))| {
                    c.against.as_ref().is_some_and(|r| r.invoice == id)
                        && !self.state.cancelled.contains(k)
                })
                .map(|(_, (_, _, c))| c.grand_total)
                .sum(),
            goods: crate::domain::rules::goods_of_doc(d),
            customer_gstin: d.customer_gstin.clone(),
        })
    }

    fn number_taken(&self, prefix: &str, doc_type: DocType, fy: u16, seq: u64) -> bool {
        self.state
            .numbers
            .contains_key(&(prefix.to_string(), doc_type, fy, seq))
    }

    fn record_exists(&self, id: RecordId) -> bool {
        [Kind::Customer, Kind::Job, Kind::Item, Kind::User]
            .iter()
            .any(|k| self.state.records.contains_key(&(*k, id)))
            || self.state.estimate_lines.contains(&id)
            || self.state.documents.contains(&id)
            || self.state.payments.contains(&id)
            || self.state.movements.contains(&id)
            || self.state.messages.contains(&id)
            || self.state.purchases.contains(&id)
            || self.state.supplier_payments.contains(&id)
    }

    fn purchase(&self, id: RecordId) -> Option<crate::domain::rules::PurchaseInfo> {
        let (branch, p) = self.state.purchases.get(&id)?;
        Some(crate::domain::rules::PurchaseInfo {
            branch: *branch,
            grand_total: p.grand_total,
            paid: self
                .state
                .supplier_payments
                .iter()
                .filter(|(_, (_, sp))| sp.purchase == id)
                .map(|(_, (_, sp))| sp.amount)
                .sum(),
        })
    }

    fn message_branch(&self, id: RecordId) -> Option<BranchId> {
        self.state.messages.get(&id).map(|(b, _)| *b)
    }

    fn einvoice_irn(&self, document: RecordId) -> Option<String> {
        self.state.einvoices.get(&document).map(|e| e.irn.clone())
    }
}
