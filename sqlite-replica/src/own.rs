//! An op this replica makes itself, the same steps on a device and at the
//! hub: signed by the writer, checked by the rule book as new (with what the
//! person making it must see), appended and materialized, in the caller's
//! transaction. The caller holds the writer as `Tentative`, so a number
//! taken here is given back unless its transaction commits.

use sync_core::body::OpBody;
use sync_core::domain::rules::{self, RuleContext};
use sync_core::ids::{BranchId, UserId};
use sync_core::op::Op;
use sync_core::replica::Genesis;
use sync_core::vv::VersionVector;
use sync_core::writer::DeviceWriter;

use crate::ctx::TxCtx;
use crate::{Result, Sql};

/// What an op to be made says, and what it is made on top of.
pub struct Making<'a> {
    pub author: UserId,
    /// The chain it goes in, and so who can see it.
    pub branch: BranchId,
    pub body: OpBody,
    /// What the op's dependencies are read from.
    pub applied: &'a VersionVector,
    pub wall_ms: u64,
}

/// Make, check, append and materialize one op of `writer`'s.
pub fn make_and_apply(
    c: &dyn Sql,
    genesis: &Genesis,
    writer: &mut DeviceWriter,
    m: Making<'_>,
) -> Result<Op> {
    let (op, wire, hash) = writer.make_wire(m.author, m.branch, m.body, m.applied, m.wall_ms)?;
    rules::check_new(&op, &TxCtx::new(c, genesis) as &dyn RuleContext)?;
    crate::apply::insert_op(c, &op, &wire, hash)?;
    crate::apply::materialize(c, &op)?;
    Ok(op)
}
