//! Queries behind the services' views, one file per thing the shop looks
//! at. Everything returned here is plain, serializable data; ids are
//! strings, amounts decimal strings.
//!
//! The folder's files are private: callers name every query and view as
//! `store::read::…`, so how the queries are grouped can change without
//! touching them.

mod audit;
mod branch;
mod conflicts;
mod customers;
mod einvoice;
mod export;
mod job_card;
mod jobs;
mod messages;
mod people;
mod stock;

pub use audit::{AuditCheck, AuditView, audit, op_count, verify_audit};
pub use branch::{
    BranchView, branch, device_number, devices_in_branch, has_own_series, series_prefix,
};
pub use conflicts::{FieldConflict, FieldVersion, field_conflicts, live_versions, record_kind};
pub use customers::{CustomerView, customer, find_customers};
pub use einvoice::{EinvoiceView, einvoice};
pub use export::export_table;
pub use job_card::{
    EstimateLineView, JobDetail, JobMoney, PartUsed, PasswordReadView, TimelineEntry, job_detail,
    job_money, job_password, job_text_doc, text_version,
};
pub use jobs::{JobFilter, JobSummary, job_branch, job_summary, jobs, jobs_numbered_with};
pub use messages::{
    Contact, MessageView, RatingView, contact, job_messages, job_otp, job_rating, message, template,
};
pub use people::{UserView, user_name, user_pin_hash, users};
pub use stock::{items_by_sku, sku_taken};

use sync_core::ids::{RecordId, UserId};

use super::to16;

fn rid(b: Vec<u8>) -> RecordId {
    RecordId(to16(&b))
}
fn uid(b: Vec<u8>) -> UserId {
    UserId(to16(&b))
}
