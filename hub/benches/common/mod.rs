//! What every hub bench starts from: a hub at a place, one branch, and a
//! receptionist whose ops the simulated devices sign.

use hub::store::HubStore;
use hub::store::db::{HubDb, Place};
use sync_core::body::Branch;
use sync_core::domain::roles::Role;
use sync_core::ids::{BranchId, UserId};

/// A new hub at `place` with the branch "Bench" and its receptionist.
pub fn bench_hub(place: &Place) -> (HubDb, BranchId, UserId) {
    let hub = HubDb::init_at(place, "Owner", "2468", "bench passphrase").unwrap();
    let branch = hub
        .add_branch(Branch {
            id: BranchId([1; 16]),
            name: "Bench".into(),
            gstin: sync_core::testkit::gstin("29", "ABCDE1234F"),
            state_code: "29".into(),
            address: String::new(),
            invoice_prefix: "BEN".into(),
            credit_note_prefix: "BENC".into(),
            upi_id: None,
            phone: None,
        })
        .unwrap();
    let rec = hub
        .add_user(Some(branch), "Ravi", Role::Receptionist, "1111")
        .unwrap();
    (hub, branch, rec)
}
