//! Making operations on a device: numbering, chaining, stamping, and
//! recording causal dependencies, then signing. The device's store persists
//! [`WriterState`] in the same transaction as the operation it made.

use crate::body::OpBody;
use crate::chain::ChainHead;
use crate::error::CoreError;
use crate::hlc::{Clock, Stamp};
use crate::identity::DeviceKey;
use crate::ids::{BranchId, DeviceId, UserId};
use crate::op::{Op, OpHash, OpId, UnsignedOp};
use crate::vv::VersionVector;

/// What a device must remember to make its next operation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriterState {
    pub seq: u64,
    pub prev: OpHash,
    /// What this device had applied when it made its previous op.
    pub seen_at_last_op: VersionVector,
}

pub struct DeviceWriter {
    pub device: DeviceId,
    pub key: DeviceKey,
    pub state: WriterState,
    pub clock: Clock,
}

impl std::fmt::Debug for DeviceWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceWriter")
            .field("device", &self.device)
            .field("seq", &self.state.seq)
            .finish()
    }
}

impl DeviceWriter {
    pub fn new(device: DeviceId, key: DeviceKey) -> Self {
        DeviceWriter {
            device,
            key,
            state: WriterState::default(),
            clock: Clock::default(),
        }
    }

    /// A writer that continues a chain a store already holds: the next op
    /// follows `head`, and its clock resumes after `clock`'s last stamp.
    pub fn resume(device: DeviceId, key: DeviceKey, head: ChainHead, clock: Clock) -> Self {
        let mut w = DeviceWriter::new(device, key);
        w.follow(head);
        w.clock = clock;
        w
    }

    /// Continue from `head` if it is not where this writer stands (another
    /// process signed on the same database, a transaction rolled back, or a
    /// restored device pulled its own ops back). What was seen at the last
    /// op is forgotten: the next op depends on everything it holds, which is
    /// never wrong. Returns whether the writer moved.
    pub fn follow(&mut self, head: ChainHead) -> bool {
        if (self.state.seq, self.state.prev) == (head.seq, head.hash) {
            return false;
        }
        self.state = WriterState {
            seq: head.seq,
            prev: head.hash,
            seen_at_last_op: VersionVector::default(),
        };
        true
    }

    /// Make and sign the next operation. `applied` is what this device holds
    /// now; the entries of other devices that advanced since the previous op
    /// become this op's dependencies. Nothing changes if signing fails.
    pub fn make(
        &mut self,
        author: UserId,
        branch: BranchId,
        body: OpBody,
        applied: &VersionVector,
        wall_ms: u64,
    ) -> Result<Op, CoreError> {
        self.make_wire(author, branch, body, applied, wall_ms)
            .map(|(op, _, _)| op)
    }

    /// As [`DeviceWriter::make`], also returning the wire bytes and their hash.
    pub fn make_wire(
        &mut self,
        author: UserId,
        branch: BranchId,
        body: OpBody,
        applied: &VersionVector,
        wall_ms: u64,
    ) -> Result<(Op, Vec<u8>, crate::op::OpHash), CoreError> {
        let mut clock = self.clock.clone();
        let hlc: Stamp = clock.tick(wall_ms);
        let deps: Vec<OpId> = applied
            .advanced_since(&self.state.seen_at_last_op)
            .into_iter()
            .filter(|d| d.device != self.device)
            .collect();
        let id = OpId {
            device: self.device,
            seq: self.state.seq + 1,
        };
        let (op, wire) = UnsignedOp {
            id,
            hlc,
            author,
            branch,
            prev: self.state.prev,
            deps,
            body,
        }
        .sign_wire(&self.key)?;
        let hash = crate::op::hash_wire(&wire);
        self.clock = clock;
        self.state.seq = id.seq;
        self.state.prev = hash;
        let mut seen = applied.clone();
        seen.observe(id);
        self.state.seen_at_last_op = seen;
        Ok((op, wire, hash))
    }
}

/// A writer whose numbering is undone unless [`Tentative::keep`] is called.
/// A sequence number belongs to an op only once the op is stored: a write
/// that fails after making its op, by an error or by a panic, leaves no hole
/// in the device's chain (the rewind runs on drop, so unwinding runs it too).
pub struct Tentative<'a> {
    writer: &'a mut DeviceWriter,
    saved: Option<(WriterState, Clock)>,
}

impl DeviceWriter {
    pub fn tentative(&mut self) -> Tentative<'_> {
        let saved = Some((self.state.clone(), self.clock.clone()));
        Tentative {
            writer: self,
            saved,
        }
    }
}

impl Tentative<'_> {
    /// The ops made are stored: keep their numbers.
    pub fn keep(mut self) {
        self.saved = None;
    }
}

impl std::ops::Deref for Tentative<'_> {
    type Target = DeviceWriter;
    fn deref(&self) -> &DeviceWriter {
        self.writer
    }
}

impl std::ops::DerefMut for Tentative<'_> {
    fn deref_mut(&mut self) -> &mut DeviceWriter {
        self.writer
    }
}

impl Drop for Tentative<'_> {
    fn drop(&mut self) {
        if let Some((state, clock)) = self.saved.take() {
            self.writer.state = state;
            self.writer.clock = clock;
        }
    }
}

#[cfg(test)]
mod tentative_tests {
    use super::*;
    use crate::body::OpBody;

    fn writer() -> DeviceWriter {
        DeviceWriter::new(DeviceId([7; 16]), DeviceKey::from_seed([9; 32]))
    }

    fn body() -> OpBody {
        OpBody::DeviceRevoked {
            device: DeviceId([1; 16]),
            reason: "lost".into(),
        }
    }

    #[test]
    fn a_resumed_writer_continues_the_chain_it_is_given() {
        let mut w = writer();
        let first = w
            .make(
                UserId::default(),
                BranchId::default(),
                body(),
                &VersionVector::default(),
                1_000,
            )
            .unwrap();
        let head = ChainHead {
            seq: 1,
            hash: w.state.prev,
        };
        let mut again = DeviceWriter::resume(
            w.device,
            DeviceKey::from_seed([9; 32]),
            head,
            w.clock.clone(),
        );
        let second = again
            .make(
                UserId::default(),
                BranchId::default(),
                body(),
                &VersionVector::default(),
                500,
            )
            .unwrap();
        assert_eq!(second.id.seq, 2);
        assert_eq!(second.prev, crate::op::hash_wire(&first.encode().unwrap()));
        assert!(
            second.hlc > first.hlc,
            "the clock resumes after the last stamp"
        );
        assert!(!again.follow(ChainHead {
            seq: 2,
            hash: again.state.prev
        }));
        assert!(again.follow(ChainHead::default()));
        assert_eq!(again.state.seq, 0);
    }

    #[test]
    fn a_write_that_is_not_kept_leaves_no_number_used() {
        let mut w = writer();
        let vv = VersionVector::default();
        {
            let mut t = w.tentative();
            t.make(UserId([0; 16]), BranchId([0; 16]), body(), &vv, 1)
                .unwrap();
            assert_eq!(t.state.seq, 1);
        }
        assert_eq!(w.state.seq, 0);
        let mut t = w.tentative();
        t.make(UserId([0; 16]), BranchId([0; 16]), body(), &vv, 1)
            .unwrap();
        t.keep();
        assert_eq!(w.state.seq, 1);
    }

    #[test]
    fn a_panic_after_the_op_was_made_leaves_no_number_used() {
        let mut w = writer();
        let vv = VersionVector::default();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut t = w.tentative();
            t.make(UserId([0; 16]), BranchId([0; 16]), body(), &vv, 1)
                .unwrap();
            panic!("overflow while storing");
        }));
        assert!(r.is_err());
        assert_eq!(w.state.seq, 0);
        assert_eq!(w.state.prev, OpHash::default());
    }
}
