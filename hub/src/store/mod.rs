//! The hub's storage, as a trait of whole transactional operations ("accept
//! this batch", "lease a block", "redeem this code"), so that a PostgreSQL
//! backend can be added without touching the HTTP handlers. [`sqlite`] is the
//! embedded default.

pub mod sqlite;

use sync_core::body::{Branch, Lease};
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::roles::Role;
use sync_core::identity::PublicKey;
use sync_core::ids::{BranchId, DeviceId, UserId};
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
}

pub trait HubStore: Send + Sync {
    /// The signing key and state of a device, for request authentication.
    fn device_auth(&self, device: DeviceId) -> Result<Option<DeviceAuth>>;
    /// Validate and store a batch of signed operations pushed by `from`,
    /// in one transaction; a verdict per operation.
    fn accept_batch(&self, from: DeviceId, wires: &[Vec<u8>]) -> Result<Vec<OpVerdict>>;
    /// Operations `device` may see after `cursor`.
    fn pull(&self, device: DeviceId, cursor: u64, limit: u32) -> Result<PullResponse>;
    /// Lease the next block of the device's branch series for `today`'s financial year.
    fn lease_block(
        &self,
        device: DeviceId,
        doc_type: DocType,
        size: u64,
        today: Date,
    ) -> Result<Lease>;
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
    fn create_enrollment(
        &self,
        branch: BranchId,
        label: &str,
        holds_store: bool,
        now_ms: u64,
    ) -> Result<EnrollmentCode>;
    fn revoke(&self, device: DeviceId, reason: &str) -> Result<Vec<Lease>>;
    /// Add an item to the shared catalogue (visible to every branch).
    fn add_item(&self, item: sync_core::body::Item) -> Result<()>;
}
