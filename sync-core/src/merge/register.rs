//! Per-field last-writer-wins that never loses the losing value.
//!
//! Each write carries the writes it superseded (those the user saw when
//! editing). The state is the set of writes nobody has superseded ("live") and
//! the set of superseded write ids ("dead"). The winner is the live write with
//! the greatest (HLC, op id); the other live writes are concurrent values the
//! winner did not see: conflicts, kept for a manager to review. A resolution
//! is just a write that supersedes all of them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::hlc::Stamp;
use crate::op::OpId;

/// Orders writes: later HLC wins; the op id breaks ties so the order is total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct WriteKey {
    pub hlc: Stamp,
    pub op: OpId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register<V> {
    live: BTreeMap<WriteKey, V>,
    dead: BTreeSet<OpId>,
}

impl<V> Default for Register<V> {
    fn default() -> Self {
        Register {
            live: BTreeMap::new(),
            dead: BTreeSet::new(),
        }
    }
}

impl<V: Clone + PartialEq> Register<V> {
    /// Apply one write. Idempotent; order-independent.
    pub fn apply(&mut self, key: WriteKey, value: V, supersedes: &[OpId]) {
        for s in supersedes {
            if *s != key.op {
                self.dead.insert(*s);
            }
        }
        if !supersedes.is_empty() {
            let dead = &self.dead;
            self.live.retain(|k, _| !dead.contains(&k.op));
        }
        if !self.dead.contains(&key.op) {
            self.live.entry(key).or_insert(value);
        }
    }

    /// Join of two states.
    pub fn merge(&mut self, other: &Register<V>) {
        self.dead.extend(other.dead.iter().copied());
        for (k, v) in &other.live {
            self.live.entry(*k).or_insert_with(|| v.clone());
        }
        let dead = &self.dead;
        self.live.retain(|k, _| !dead.contains(&k.op));
    }

    pub fn winner(&self) -> Option<(&WriteKey, &V)> {
        self.live.iter().next_back()
    }

    pub fn value(&self) -> Option<&V> {
        self.winner().map(|(_, v)| v)
    }

    /// Concurrent values that lost to the winner, oldest first.
    pub fn conflicts(&self) -> impl Iterator<Item = (&WriteKey, &V)> {
        let n = self.live.len().saturating_sub(1);
        self.live.iter().take(n)
    }

    /// Ids of every live write: what a write that resolves a conflict supersedes.
    pub fn live_ops(&self) -> Vec<OpId> {
        self.live.keys().map(|k| k.op).collect()
    }

    /// Id of the winning write: what an ordinary edit supersedes.
    pub fn winner_op(&self) -> Vec<OpId> {
        self.winner().map(|(k, _)| vec![k.op]).unwrap_or_default()
    }
}
