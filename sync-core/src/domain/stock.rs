//! Stock escrow: stock is the sum of movements per (branch, item, holder), and
//! only the holder's own device may take from a holder's bucket. The branch
//! store is held by the front-desk device; parts issued to a technician are
//! held by the technician's device; goods in transit are held by the transfer
//! until the receiving store device takes them in.
//!
//! Because a bucket has exactly one device that can decrement it, that device
//! sees every decrement of its bucket, and every increment it spends is in
//! the causal past of the spend (operations carry their dependencies, and
//! replicas apply them in causal order). So "never below zero" holds on every
//! replica by construction, with no check at sync time.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::body::{MovementKind, StockMovement};
use crate::error::CoreError;
use crate::ids::{BranchId, DeviceId, RecordId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "holder", content = "id", rename_all = "snake_case")]
pub enum Holder {
    Device(DeviceId),
    Transit(RecordId),
}

/// One change to one bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delta {
    pub branch: BranchId,
    pub holder: Holder,
    pub qty: Decimal,
}

/// The bucket changes of a movement made by `device` of `branch`.
pub fn deltas(m: &StockMovement, branch: BranchId, device: DeviceId) -> Vec<Delta> {
    let me = Holder::Device(device);
    let d = |holder, qty| Delta {
        branch,
        holder,
        qty,
    };
    match &m.movement {
        MovementKind::Receipt { .. } => vec![d(me, m.qty)],
        MovementKind::IssueToTechnician { to_device, .. }
        | MovementKind::ReturnToStore { to_device } => {
            vec![d(me, -m.qty), d(Holder::Device(*to_device), m.qty)]
        }
        MovementKind::UseOnJob { .. } | MovementKind::Sale { .. } => vec![d(me, -m.qty)],
        MovementKind::SaleReturn { .. } => vec![d(me, m.qty)],
        MovementKind::Adjustment { increase, .. } => {
            vec![d(me, if *increase { m.qty } else { -m.qty })]
        }
        MovementKind::TransferOut { transfer, .. } => {
            vec![d(me, -m.qty), d(Holder::Transit(*transfer), m.qty)]
        }
        MovementKind::TransferIn {
            transfer,
            from_branch,
            sent,
        } => vec![
            Delta {
                branch: *from_branch,
                holder: Holder::Transit(*transfer),
                qty: -*sent,
            },
            d(me, m.qty),
        ],
    }
}

/// The key under which goods leave a transfer's transit bucket: one key
/// for the receiver's transfer-in and the hub's relay of it to the sender,
/// so the bucket is emptied once whichever a replica holds.
pub fn settle_key(transfer: RecordId) -> RecordId {
    use sha2::{Digest, Sha256};
    let h = Sha256::new()
        .chain_update(b"transfer settled")
        .chain_update(transfer.0)
        .finalize();
    let mut k = [0u8; 16];
    k.copy_from_slice(&h[..16]);
    RecordId(k)
}

/// Shape checks that need no state.
/// Quantities are below a million: no shop moves more of one part at once,
/// and the bound keeps every balance and value far from overflow.
pub const MAX_QTY: i64 = 1_000_000;

/// A quantity below [`MAX_QTY`].
pub fn check_qty(field: &str, q: Decimal) -> Result<(), CoreError> {
    if q >= Decimal::from(MAX_QTY) {
        return Err(CoreError::invalid(field, "must be below 1,000,000"));
    }
    Ok(())
}

pub fn check_movement(m: &StockMovement, device: DeviceId) -> Result<(), CoreError> {
    check_qty("qty", m.qty)?;
    // A sale of goods this device did not hold moves nothing and says so.
    let may_be_nothing = match &m.movement {
        MovementKind::TransferIn { .. } => true,
        MovementKind::Sale { short, .. } => *short > Decimal::ZERO,
        _ => false,
    };
    if let MovementKind::Sale { short, .. } = &m.movement {
        check_qty("short", *short)?;
        if *short < Decimal::ZERO || short.normalize().scale() > 3 {
            return Err(CoreError::invalid(
                "short",
                "must not be negative and have at most 3 decimal places",
            ));
        }
    }
    if m.qty <= Decimal::ZERO && !may_be_nothing {
        return Err(CoreError::invalid("qty", "must be greater than 0"));
    }
    if m.qty < Decimal::ZERO || m.qty.normalize().scale() > 3 {
        return Err(CoreError::invalid(
            "qty",
            "must not be negative and have at most 3 decimal places",
        ));
    }
    match &m.movement {
        MovementKind::IssueToTechnician { to_device, .. }
        | MovementKind::ReturnToStore { to_device }
            if *to_device == device =>
        {
            Err(CoreError::invalid(
                "to_device",
                "cannot move stock to the device that already holds it",
            ))
        }
        MovementKind::TransferIn { sent, .. } if m.qty > *sent || *sent <= Decimal::ZERO => {
            Err(CoreError::invalid(
                "qty",
                "received quantity must be between 0 and the quantity sent",
            ))
        }
        MovementKind::Adjustment { reason, .. }
        | MovementKind::Receipt {
            supplier: reason, ..
        } if reason.trim().is_empty() => Err(CoreError::invalid(
            if matches!(m.movement, MovementKind::Adjustment { .. }) {
                "reason"
            } else {
                "supplier"
            },
            "must not be empty",
        )),
        _ => Ok(()),
    }
}

/// The escrow rule: a delta that takes from a bucket is allowed only from the
/// bucket's holder device (or, for goods in transit, from the receiving store
/// device named in the transfer), and only if the bucket holds enough.
pub fn check_escrow(
    delta: &Delta,
    device: DeviceId,
    balance: Decimal,
    transit_receiver: Option<DeviceId>,
) -> Result<(), CoreError> {
    if delta.qty >= Decimal::ZERO {
        return Ok(());
    }
    let may_take = match delta.holder {
        Holder::Device(d) => d == device,
        Holder::Transit(_) => transit_receiver == Some(device),
    };
    if !may_take {
        return Err(CoreError::invalid(
            "holder",
            "stock can only be taken by the device that holds it (the store's front desk, or the technician it was issued to)",
        ));
    }
    if balance + delta.qty < Decimal::ZERO {
        return Err(CoreError::invalid(
            "qty",
            format!("only {balance} in hand; cannot take {}", -delta.qty),
        ));
    }
    Ok(())
}
