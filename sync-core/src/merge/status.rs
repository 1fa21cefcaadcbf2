//! Job status merged through the lifecycle.
//!
//! Status changes are immutable facts; each names the change it followed
//! (`after`), so together they form a tree rooted at intake. The current
//! status is the end of the winning path through that tree. Where two people
//! moved the job from the same point concurrently (the tree forks), one branch
//! wins deterministically and the other is reported as a conflict for review:
//!
//! 1. a branch that reaches *delivered* wins (the laptop has left the shop);
//! 2. else a branch that reaches *cancelled* wins;
//! 3. else the branch whose first change has the later HLC wins.
//!
//! A change whose `from` is not the status it claims to follow is never on
//! the path, so the current status is always reachable by allowed steps:
//! merging cannot produce an impossible state.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::lifecycle::JobStatus;
use crate::hlc::Stamp;
use crate::op::OpId;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Transition {
    pub op: OpId,
    pub hlc: Stamp,
    pub from: JobStatus,
    pub to: JobStatus,
    pub after: Option<OpId>,
    pub is_override: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusLog {
    transitions: BTreeMap<OpId, Transition>,
}

/// The outcome of merging a job's status history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub status: JobStatus,
    /// The change that produced `status` (what the next change follows).
    pub head: Option<OpId>,
    /// The winning path, in order.
    pub path: Vec<OpId>,
    /// Changes that lost a concurrent disagreement, or that do not fit.
    pub losers: Vec<OpId>,
}

impl StatusLog {
    pub fn insert(&mut self, t: Transition) -> bool {
        if self.transitions.contains_key(&t.op) {
            return false;
        }
        self.transitions.insert(t.op, t);
        true
    }

    pub fn merge(&mut self, other: &StatusLog) {
        for t in other.transitions.values() {
            self.insert(t.clone());
        }
    }

    pub fn get(&self, op: &OpId) -> Option<&Transition> {
        self.transitions.get(op)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Transition> {
        self.transitions.values()
    }

    pub fn len(&self) -> usize {
        self.transitions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.transitions.is_empty()
    }

    fn children(&self, parent: Option<OpId>, parent_status: JobStatus) -> Vec<&Transition> {
        self.transitions
            .values()
            .filter(|t| t.after == parent && t.from == parent_status)
            .collect()
    }

    /// Rank of the best outcome reachable through `t`: (delivered, cancelled).
    fn reach(&self, t: &Transition, memo: &mut BTreeMap<OpId, (bool, bool)>) -> (bool, bool) {
        if let Some(r) = memo.get(&t.op) {
            return *r;
        }
        let mut r = (t.to == JobStatus::Delivered, t.to == JobStatus::Cancelled);
        if !t.to.is_terminal() {
            for c in self.children(Some(t.op), t.to) {
                let cr = self.reach(c, memo);
                r = (r.0 || cr.0, r.1 || cr.1);
            }
        }
        memo.insert(t.op, r);
        r
    }

    pub fn resolve(&self) -> Resolved {
        let mut memo = BTreeMap::new();
        let mut status = JobStatus::Received;
        let mut head = None;
        let mut path = Vec::new();
        loop {
            if status.is_terminal() {
                break;
            }
            let kids = self.children(head, status);
            let Some(best) = kids
                .into_iter()
                .max_by_key(|t| (self.reach(t, &mut memo), t.hlc, t.op))
            else {
                break;
            };
            status = best.to;
            head = Some(best.op);
            path.push(best.op);
        }
        let on_path: std::collections::BTreeSet<OpId> = path.iter().copied().collect();
        let losers = self
            .transitions
            .keys()
            .filter(|k| !on_path.contains(k))
            .copied()
            .collect();
        Resolved {
            status,
            head,
            path,
            losers,
        }
    }
}
