//! Taking a batch of operations from the hub or a LAN peer into the store, in one transaction.

use super::*;

/// What became of one received operation.
#[derive(Clone, Debug)]
pub struct Incoming {
    /// `None` when the bytes are not an operation at all.
    pub id: Option<OpId>,
    pub kind: Option<&'static str>,
    /// The outcome, or why the op was refused (bad signature, fork, unknown
    /// device…): refused ops change nothing.
    pub result: std::result::Result<Outcome, String>,
    /// Why the rule book refused it, when it did.
    pub reason: Option<String>,
}

/// What a received batch did: the ops applied, and each op's outcome.
pub type Received = (Vec<Incoming>, Vec<(OpId, Outcome)>);

/// Receive operations (wire bytes, with the hub's rejection mark if any) in
/// one transaction, in order, through the causal buffer, trusting the rule
/// book's verdict of the author or the hub (`Check::Trust`). An op that fails
/// its signature or chain check is refused on its own (its savepoint is
/// rolled back) and the rest continue; a database error aborts the whole
/// batch. `after` runs in the same transaction (the pull cursor). Then the
/// device follows what was committed ([`Node::receive`]).
pub fn receive_batch(
    node: &Node,
    items: &[(Vec<u8>, Option<String>)],
    check: Check,
    after: impl FnOnce(&Connection, &[Incoming]) -> Result<()>,
) -> Result<Received> {
    node.receive(|tx, genesis| {
        let mut out = Vec::with_capacity(items.len());
        let mut unblocked = vec![];
        let mut newest: Option<Stamp> = None;
        for (wire, rejected) in items {
            let op = match Op::decode(wire) {
                Ok(op) => op,
                Err(e) => {
                    out.push(Incoming {
                        id: None,
                        kind: None,
                        result: Err(e.to_string()),
                        reason: None,
                    });
                    continue;
                }
            };
            let sp = tx.savepoint()?;
            let mut reason = None;
            let r = receive::receive(&sp, genesis, wire, rejected.as_deref(), check);
            let result = match r {
                Ok(r) => {
                    sp.commit()?;
                    if matches!(r.outcome, Outcome::Applied | Outcome::RecordedRejected) {
                        newest = newest.max(Some(op.hlc));
                    }
                    unblocked.extend(r.unblocked.into_iter().map(|(id, o, _)| (id, o)));
                    reason = r.reason;
                    Ok(r.outcome)
                }
                Err(sqlite_replica::ReplicaError::Rule(e)) => {
                    drop(sp); // rolls back this op only
                    Err(e.to_string())
                }
                Err(e) => return Err(e.into()),
            };
            out.push(Incoming {
                id: Some(op.id),
                kind: Some(op.body.kind()),
                result,
                reason,
            });
        }
        if out.iter().any(|i| i.result == Ok(Outcome::Overruled)) {
            // Before `after`: a digest taken there speaks of the rebuilt state.
            sqlite_replica::overrule::rebuild(tx)?;
        }
        after(tx, &out)?;
        Ok(((out, unblocked), newest))
    })
}
