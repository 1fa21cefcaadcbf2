//! The hub's storage, as a trait of whole transactional operations ("accept
//! this batch", "lease a block", "redeem this code"), so that the HTTP
//! handlers never see an engine. [`db`] is the one implementation, its
//! statements written once for both engines ([`engine`]: embedded SQLite by
//! default, [`pg`] for PostgreSQL). The owner's reports are trait methods
//! too, returning typed rows with money as `Decimal`.

pub mod db;
pub mod engine;
pub mod pg;

pub use db::messages::{Answer, Heard, Outcome, Outgoing};

use rust_decimal::Decimal;
use sync_core::body::{Branch, Lease};
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::roles::Role;
use sync_core::identity::PublicKey;
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};
use sync_core::protocol::{EnrollRequest, EnrollResponse, OpVerdict, PullResponse};

use crate::error::Result;

/// What the hub knows of a device that calls it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceAuth {
    pub key: PublicKey,
    pub branch: BranchId,
    pub revoked: bool,
}

/// A new enrollment code, shown once to the owner.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EnrollmentCode {
    pub code: String,
    pub branch: BranchId,
    pub label: String,
    pub expires_at_ms: u64,
    /// The series of its own the device will number in, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_series: Option<sync_core::body::OwnSeries>,
}

/// Which series an enrolled device numbers its documents in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SeriesChoice {
    /// Its branch's (one billing device, or devices that bill in turn).
    #[default]
    Branch,
    /// One of its own, named by the hub: the branch's prefixes cut to four
    /// characters and the next free letter (`BLR1` → `BLR1A`).
    OwnNext,
    /// One of its own, named by the owner.
    Own(sync_core::body::OwnSeries),
}

/// What the owner asks an enrollment code to give a device.
#[derive(Clone, Debug)]
pub struct EnrollmentAsk {
    pub branch: BranchId,
    pub label: String,
    pub holds_store: bool,
    /// `None`: a store device manager, else technician.
    pub ceiling: Option<Role>,
    pub series: SeriesChoice,
}

/// What every report is narrowed to: a range of days (IST, both ends
/// included) and one branch. Empty: everything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportFilter {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub branch: Option<BranchId>,
}

impl ReportFilter {
    /// The first day as a document's `date` column spells it (ISO text
    /// compares as dates do).
    pub fn from_text(&self) -> String {
        self.from
            .map_or_else(|| "0000-00-00".into(), |d| d.to_string())
    }

    pub fn to_text(&self) -> String {
        self.to
            .map_or_else(|| "9999-99-99".into(), |d| d.to_string())
    }

    /// The first moment of the first day, Unix ms, for timestamp columns.
    pub fn from_ms(&self) -> i64 {
        self.from.map_or(i64::MIN, |d| {
            d.days_since_epoch() * DAY_MS - sync_core::domain::date::IST_OFFSET_MS
        })
    }

    /// The first moment after the last day, Unix ms (exclusive).
    pub fn until_ms(&self) -> i64 {
        self.to.map_or(i64::MAX, |d| {
            (d.days_since_epoch() + 1) * DAY_MS - sync_core::domain::date::IST_OFFSET_MS
        })
    }

    /// The branch as the `branch` column holds it, or NULL for all.
    pub fn branch_blob(&self) -> Option<Vec<u8>> {
        self.branch.map(|b| b.0.to_vec())
    }
}

const DAY_MS: i64 = 86_400_000;

/// Revenue of a branch on a day (invoices less credit notes, not cancelled).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevenueRow {
    pub branch: String,
    /// For the drill-down to the day's invoices.
    pub branch_id: BranchId,
    pub date: String,
    pub revenue: Decimal,
}

/// Tax invoices of a branch at one GST rate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GstRow {
    pub branch: String,
    pub gst_rate: String,
    pub taxable: Decimal,
    pub cgst: Decimal,
    pub sgst: Decimal,
    pub igst: Decimal,
}

/// Tax invoice lines of one HSN/SAC code at one rate, every branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HsnRow {
    pub hsn_sac: String,
    pub gst_rate: String,
    pub qty: Decimal,
    pub taxable: Decimal,
    pub cgst: Decimal,
    pub sgst: Decimal,
    pub igst: Decimal,
}

/// One thing for a person to settle (see `HubStore::to_settle`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettleRow {
    pub branch: String,
    /// `refund_due` or `late_edit`.
    pub kind: String,
    /// The invoice number or the job number.
    pub reference: String,
    pub detail: String,
    /// The refund due, for an overpaid invoice.
    pub amount: Option<Decimal>,
}

/// One document series (GSTR-1 table 13).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeriesRow {
    pub series: String,
    pub doc_type: String,
    pub from: String,
    pub to: String,
    pub total: u64,
    pub cancelled: u64,
    /// Numbers leased in the series and not (yet) used.
    pub leased_unused: i64,
}

/// Stock of an item at a branch by kind of holder (a device, or in transit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockRow {
    pub branch: String,
    pub item: String,
    pub held_by: String,
    pub qty: Decimal,
}

/// GST of tax invoices in one calendar month (`YYYY-MM`), every branch
/// the filter lets through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GstMonthRow {
    pub month: String,
    pub taxable: Decimal,
    pub cgst: Decimal,
    pub sgst: Decimal,
    pub igst: Decimal,
}

/// One document (tax invoice or credit note) as the owner's invoice list
/// shows it; a credit note's amounts are negative, so the list's live rows
/// add up to the revenue they were drilled down from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceRow {
    pub branch: String,
    pub number: String,
    pub doc_type: String,
    pub date: String,
    pub customer: String,
    pub taxable: Decimal,
    /// CGST + SGST + IGST.
    pub gst: Decimal,
    pub total: Decimal,
    pub cancelled: bool,
}

/// One job as the owner's job list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRow {
    pub branch: String,
    pub job_no: String,
    pub customer: String,
    pub device: String,
    pub status: String,
    pub technician: Option<String>,
    pub opened_at_ms: u64,
    pub closed_at_ms: Option<u64>,
}

/// One entry of a branch's append-only audit log, with names for ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    pub at_ms: u64,
    /// "Head office" for the hub's own chain.
    pub branch: String,
    pub who: String,
    pub device: String,
    pub kind: String,
    /// A job number, a document number, or the record's id.
    pub record: String,
}

/// Customer messages of one branch, event and channel, by status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageCountRow {
    pub branch: String,
    pub event: String,
    /// `whatsapp`, `sms`, or empty while none was used.
    pub channel: String,
    pub status: String,
    pub count: i64,
}

/// A message that did not reach its customer, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageFailureRow {
    pub at_ms: u64,
    pub branch: String,
    pub job_no: String,
    pub customer: String,
    pub event: String,
    pub channel: String,
    pub status: String,
    pub reason: String,
}

/// A customer's rating of a delivered job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatingRow {
    pub at_ms: u64,
    pub branch: String,
    pub job_no: String,
    pub customer: String,
    pub technician: String,
    pub stars: i64,
    pub comment: String,
}

/// One reading of a customer's device password (the access log).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordReadRow {
    pub at_ms: u64,
    pub branch: String,
    pub reader: String,
    pub device: String,
    pub job_no: String,
    pub customer: String,
    pub purpose: String,
}

/// Open jobs of a branch in one status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRow {
    pub branch: String,
    /// For the drill-down to the jobs themselves.
    pub branch_id: BranchId,
    pub status: String,
    pub jobs: u64,
    pub oldest_days: u64,
}

/// Delivered jobs of a technician.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TechnicianRow {
    pub technician: String,
    pub branch: String,
    pub jobs_closed: u64,
    /// `None` when no delivered job has a closing time.
    pub avg_turnaround_hours: Option<u64>,
}

/// One job of a customer (found by mobile number) at any branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerJobRow {
    pub branch: String,
    pub job_no: String,
    pub customer: String,
    pub device: String,
    pub status: String,
    pub opened_at_ms: u64,
    pub closed_at_ms: Option<u64>,
    /// Tax invoices for the job less its credit notes, not cancelled.
    pub invoiced: Decimal,
}

/// A change the owner makes to one person: each given field is written,
/// in one signed op that every device of the person's branch applies.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    pub name: Option<String>,
    pub role: Option<Role>,
    /// false: the person can no longer log in anywhere (open sessions end).
    pub active: Option<bool>,
    /// A new PIN (4 to 8 digits); only its argon2 hash leaves the hub.
    pub pin: Option<String>,
}

/// A change to a branch's details. An empty `upi_id` or `phone` clears it.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BranchChange {
    pub name: Option<String>,
    pub address: Option<String>,
    pub upi_id: Option<String>,
    pub phone: Option<String>,
    /// E-invoicing applies (`hub business einvoice --on`).
    #[serde(default)]
    pub einvoicing: Option<bool>,
}

/// A change to an item of the shared catalogue.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemChange {
    pub name: Option<String>,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub sale_price: Option<Decimal>,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub cost: Option<Decimal>,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub reorder_level: Option<Decimal>,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub gst_rate: Option<Decimal>,
    /// The day `gst_rate` applies from, when it is a change announced
    /// ahead; absent: from now.
    #[serde(default)]
    pub rate_from: Option<sync_core::domain::date::Date>,
    pub hsn_sac: Option<String>,
    pub unit: Option<String>,
}

/// A person as the owner's people screen lists them.
#[derive(Clone, Debug, serde::Serialize)]
pub struct UserRow {
    pub id: UserId,
    pub name: String,
    pub role: String,
    pub branch: Option<BranchId>,
    pub branch_name: Option<String>,
    pub active: bool,
}

/// A branch as the owner's people screen edits it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BranchRow {
    pub id: BranchId,
    pub name: String,
    pub address: String,
    pub upi_id: Option<String>,
    pub phone: Option<String>,
    /// E-invoicing applies to its B2B invoices.
    pub einvoicing: bool,
}

/// An item of the shared catalogue, as the owner edits it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ItemRow {
    pub id: RecordId,
    pub sku: String,
    pub name: String,
    pub hsn_sac: String,
    pub gst_rate: Decimal,
    pub unit: String,
    pub sale_price: Decimal,
    pub reorder_level: Decimal,
}

/// A device the hub, restored from a backup, waits for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RecoveryWait {
    pub device: DeviceId,
    pub label: String,
    pub branch: String,
}

pub trait HubStore: Send + Sync {
    /// This incarnation of the hub, named in every answer to a device.
    fn life(&self) -> sync_core::protocol::HubLife;
    /// `device` has re-sent everything it holds to `incarnation` (after a
    /// restore): stop waiting for it.
    fn resynced(&self, device: DeviceId, incarnation: &str) -> Result<()>;
    /// The devices a restored hub still waits for (empty when none).
    fn recovery(&self) -> Result<Vec<RecoveryWait>>;
    /// The owner stops waiting for a device that is gone.
    fn release(&self, device: DeviceId) -> Result<()>;
    /// The replay guard, when several hub processes share it through the
    /// database: true the first time any of them sees `signature` from
    /// `device` inside the clock window. `None`: this hub keeps its own in
    /// memory (one process).
    fn first_sight(&self, device: DeviceId, signature: &[u8], now_ms: u64) -> Result<Option<bool>> {
        let _ = (device, signature, now_ms);
        Ok(None)
    }
    /// The rate limit, when several hub processes share it through the
    /// database: whether `device` may make one more request now. `None`:
    /// this hub keeps its own buckets in memory.
    fn allow(&self, device: DeviceId, rate_per_sec: u32, now_ms: u64) -> Result<Option<bool>> {
        let _ = (device, rate_per_sec, now_ms);
        Ok(None)
    }
    /// The signing key and state of a device, for request authentication.
    fn device_auth(&self, device: DeviceId) -> Result<Option<DeviceAuth>>;
    /// Validate and store a batch of signed operations pushed by `from`,
    /// in one transaction; a verdict per operation.
    fn accept_batch(&self, from: DeviceId, wires: &[Vec<u8>]) -> Result<Vec<OpVerdict>>;
    /// Operations `device` may see after `cursor`.
    /// A page of what `device` may see after `cursor`; with `digest`, the
    /// last page carries the digest of the device's branch state.
    fn pull(&self, device: DeviceId, cursor: u64, limit: u32, digest: bool)
    -> Result<PullResponse>;
    /// Lease the next block of the device's branch series for `today`'s financial year.
    fn lease_block(
        &self,
        device: DeviceId,
        doc_type: DocType,
        size: u64,
        today: Date,
    ) -> Result<Lease>;
    /// Whether `code` is an enrollment code this hub issued, unused and
    /// unexpired (which business an enrollment is for, on a hub serving
    /// many).
    fn issued_code(&self, code: &str, now_ms: u64) -> Result<bool>;
    /// Redeem a one-time enrollment code.
    fn redeem(&self, req: &EnrollRequest, now_ms: u64) -> Result<EnrollResponse>;
    fn add_branch(&self, branch: Branch) -> Result<BranchId>;
    fn add_user(
        &self,
        branch: Option<BranchId>,
        name: &str,
        role: Role,
        pin: &str,
    ) -> Result<UserId>;
    /// A one-time code for a device as `ask` describes it.
    fn create_enrollment_for(&self, ask: &EnrollmentAsk, now_ms: u64) -> Result<EnrollmentCode>;
    /// A one-time code for a device of `branch` whose signatures count at
    /// most as `ceiling` (`None`: a store device manager, else technician).
    fn create_enrollment_with(
        &self,
        branch: BranchId,
        label: &str,
        holds_store: bool,
        ceiling: Option<Role>,
        now_ms: u64,
    ) -> Result<EnrollmentCode> {
        self.create_enrollment_for(
            &EnrollmentAsk {
                branch,
                label: label.into(),
                holds_store,
                ceiling,
                series: SeriesChoice::Branch,
            },
            now_ms,
        )
    }
    fn create_enrollment(
        &self,
        branch: BranchId,
        label: &str,
        holds_store: bool,
        now_ms: u64,
    ) -> Result<EnrollmentCode> {
        self.create_enrollment_with(branch, label, holds_store, None, now_ms)
    }
    fn revoke(&self, device: DeviceId, reason: &str) -> Result<Vec<Lease>>;
    /// Add an item to the shared catalogue (visible to every branch).
    fn add_item(&self, item: sync_core::body::Item) -> Result<()>;
    /// Everyone, at every branch, active or not.
    fn users(&self) -> Result<Vec<UserRow>>;
    fn branches(&self) -> Result<Vec<BranchRow>>;
    /// The shared catalogue (items no branch owns).
    fn catalogue(&self) -> Result<Vec<ItemRow>>;
    /// Change a person (deactivate, reactivate, reset the PIN, change the
    /// role or name): one op in their branch's chain.
    fn update_user(&self, user: UserId, change: &UserChange) -> Result<()>;
    /// Move a person to another branch: they are deactivated where they
    /// were and added at `to` as a new user with the same name, role and
    /// PIN (a person's records stay with the branch where they made them).
    fn move_user(&self, user: UserId, to: BranchId) -> Result<UserId>;
    fn update_branch(&self, branch: BranchId, change: &BranchChange) -> Result<()>;
    fn update_item(&self, item: RecordId, change: &ItemChange) -> Result<()>;
    /// The PIN hashes (argon2 PHC strings) of the active owners named
    /// exactly `name`, for the dashboard's login. A PIN changed on a device
    /// reaches the hub as an op, so this reads the replicated `users` table.
    fn owner_pin_hashes(&self, name: &str) -> Result<Vec<String>>;

    /// The business's name, on every screen and print of the hub: what
    /// `hub init --business` or `hub business name` set, else the branches' names.
    fn business_name(&self) -> Result<String>;
    fn set_business_name(&self, name: &str) -> Result<()>;

    // The owner's reports, each narrowed by a [`ReportFilter`].
    fn revenue(&self, f: &ReportFilter) -> Result<Vec<RevenueRow>>;
    fn gst_summary(&self, f: &ReportFilter) -> Result<Vec<GstRow>>;
    fn gst_by_month(&self, f: &ReportFilter) -> Result<Vec<GstMonthRow>>;
    fn hsn_summary(&self, f: &ReportFilter) -> Result<Vec<HsnRow>>;
    /// Per series, the documents dated in the range; the numbers leased and
    /// unused are the whole series' (a lease has no date).
    fn documents_issued(&self, f: &ReportFilter) -> Result<Vec<SeriesRow>>;
    /// Stock as it stands now: only the branch of the filter applies.
    fn stock(&self, f: &ReportFilter) -> Result<Vec<StockRow>>;
    /// Jobs opened in the range and neither delivered nor cancelled, with
    /// the age of the oldest at `now_ms`.
    fn pending_jobs(&self, f: &ReportFilter, now_ms: u64) -> Result<Vec<PendingRow>>;
    /// Jobs delivered in the range, per technician.
    fn technicians(&self, f: &ReportFilter) -> Result<Vec<TechnicianRow>>;
    /// What honest concurrency left for a person at every branch: refunds
    /// due on overpaid invoices, edits of jobs closed meanwhile. Only the
    /// branch of the filter applies: these are open now, whenever made.
    fn to_settle(&self, f: &ReportFilter) -> Result<Vec<SettleRow>>;
    /// Every job, at every branch, of the customers with this (normalized)
    /// mobile number, opened in the range, oldest first.
    fn customer_history(&self, f: &ReportFilter, mobile: &str) -> Result<Vec<CustomerJobRow>>;
    /// Documents dated in the range, cancelled ones too, by date and number.
    fn invoices(&self, f: &ReportFilter) -> Result<Vec<InvoiceRow>>;
    /// Jobs opened in the range, in one status or all, oldest first.
    fn jobs(&self, f: &ReportFilter, status: Option<&str>) -> Result<Vec<JobRow>>;
    /// The audit log of every branch (and the head office's own chain,
    /// unless a branch is asked for), newest first.
    fn audit(&self, f: &ReportFilter) -> Result<Vec<AuditRow>>;
    /// Every reading of a device password, newest first.
    fn password_reads(&self, f: &ReportFilter) -> Result<Vec<PasswordReadRow>>;
    /// Customer messages recorded in the range, counted by branch, event,
    /// channel and status.
    fn message_counts(&self, f: &ReportFilter) -> Result<Vec<MessageCountRow>>;
    /// Messages recorded in the range that failed, were not sent or whose
    /// fate is unknown, newest first.
    fn message_failures(&self, f: &ReportFilter) -> Result<Vec<MessageFailureRow>>;

    // Customer messages: the outbox's steps (see `db::messages`).
    /// A channel's settings (JSON), if it is set up.
    fn message_channel(&self, channel: &str) -> Result<Option<String>>;
    fn set_message_channel(&self, channel: &str, settings: &str) -> Result<()>;
    /// Messages no provider was asked for yet, oldest first.
    fn messages_to_send(&self, limit: u32) -> Result<Vec<Outgoing>>;
    /// Take a message for sending (committed before the provider is asked):
    /// false if another process took it.
    fn claim_message(&self, m: &Outgoing, channel: &str) -> Result<bool>;
    /// The provider's answer, kept and told to the branch.
    fn message_answered(&self, message: RecordId, answer: &Answer) -> Result<()>;
    /// Sends left unanswered since before `cutoff_ms` (a hub that stopped):
    /// reported unknown, never sent again by themselves.
    fn messages_unanswered(&self, cutoff_ms: u64) -> Result<usize>;
    /// A verified delivery report from a provider's webhook.
    fn message_status_heard(&self, news: &Heard) -> Result<Outcome>;

    // E-invoices: the queue's steps (see `db::einvoice`).
    /// The IRP's address and credentials (JSON), if e-invoicing is set up.
    fn einvoice_settings(&self) -> Result<Option<String>>;
    fn set_einvoice_settings(&self, settings: &str) -> Result<()>;
    /// Invoices waiting for an IRN (or claimed before `stale_ms`).
    fn einvoices_due(&self, stale_ms: u64, limit: u32) -> Result<Vec<db::einvoice::ToRegister>>;
    /// Take an invoice for registering (committed before the IRP is asked).
    fn claim_einvoice(&self, document: RecordId, stale_ms: u64) -> Result<bool>;
    /// The IRP's answer: an IRN kept and told to the branch, once.
    fn einvoice_answered(
        &self,
        document: RecordId,
        answer: &db::einvoice::Registered,
    ) -> Result<()>;
    /// Registered invoices since cancelled, waiting for the IRP's word.
    fn einvoice_cancels_due(
        &self,
        stale_ms: u64,
        limit: u32,
    ) -> Result<Vec<db::einvoice::ToCancel>>;
    fn claim_einvoice_cancel(&self, document: RecordId, stale_ms: u64) -> Result<bool>;
    fn einvoice_cancel_answered(
        &self,
        document: RecordId,
        answer: &db::einvoice::Cancelled,
    ) -> Result<()>;
    /// The queue, for the owner.
    fn einvoice_queue(&self) -> Result<Vec<db::einvoice::QueueRow>>;

    /// The owner's words for an event's message in a language, in force
    /// for `branch` (its own, else the business's); none: the built-in.
    fn message_template(
        &self,
        branch: Option<BranchId>,
        event: sync_core::domain::messages::Event,
        language: sync_core::domain::messages::Language,
    ) -> Result<Option<String>>;
    /// Set (or, with no text, clear) the owner's words, as a signed op.
    fn set_message_template(&self, t: sync_core::body::MessageTemplate) -> Result<()>;
    /// A real job to fill a preview with.
    fn template_sample(&self, branch: Option<BranchId>) -> Result<Option<db::templates::Sample>>;

    // The customer's own page (`crate::customer`).
    /// The key its links are signed with (derived from the root seed).
    fn customer_link_key(&self) -> [u8; 32];
    /// One job as its customer sees it.
    fn customer_job(&self, job: RecordId) -> Result<Option<db::customer_page::CustomerJob>>;
    /// The customer's rating of their delivered job, as the hub's signed op.
    fn customer_rates(&self, job: RecordId, stars: u8, comment: Option<String>) -> Result<()>;
    /// Ratings given in the range, newest first.
    fn ratings(&self, f: &ReportFilter) -> Result<Vec<RatingRow>>;

    /// A GSTIN's documents dated from `from` to `to` (GST returns).
    fn return_documents(
        &self,
        gstin: &str,
        from: sync_core::domain::date::Date,
        to: sync_core::domain::date::Date,
    ) -> Result<Vec<crate::returns::Filed>>;
    /// The payments a GSTIN's branches received, dated from `from` to `to`
    /// (the Tally export's receipts).
    fn return_receipts(
        &self,
        gstin: &str,
        from: sync_core::domain::date::Date,
        to: sync_core::domain::date::Date,
    ) -> Result<Vec<crate::returns::Received>>;
    /// The suppliers' bills a GSTIN's branches recorded, dated from `from`
    /// to `to` (the Tally export's purchases).
    fn return_purchases(
        &self,
        gstin: &str,
        from: sync_core::domain::date::Date,
        to: sync_core::domain::date::Date,
    ) -> Result<Vec<crate::returns::Bought>>;
    /// What a GSTIN's branches paid suppliers, dated from `from` to `to`.
    fn return_supplier_payments(
        &self,
        gstin: &str,
        from: sync_core::domain::date::Date,
        to: sync_core::domain::date::Date,
    ) -> Result<Vec<crate::returns::PaidOut>>;
    /// What a GSTIN's branches took in on registered suppliers' tax
    /// invoices, dated from `from` to `to` (GSTR-3B's input tax credit).
    fn return_inward(
        &self,
        gstin: &str,
        from: sync_core::domain::date::Date,
        to: sync_core::domain::date::Date,
    ) -> Result<Vec<crate::returns::Inward>>;
    /// The lease blocks of a GSTIN's series, with the day each was retired.
    fn series_blocks(&self, gstin: &str) -> Result<Vec<crate::returns::Block>>;
    /// The GSTINs the business's branches bill under.
    fn gstins(&self) -> Result<Vec<String>>;
    /// The customer's answer to the estimate, as the hub's signed op.
    fn customer_decides(
        &self,
        job: RecordId,
        approve: bool,
        note: &str,
    ) -> Result<sync_core::domain::lifecycle::JobStatus>;
}
