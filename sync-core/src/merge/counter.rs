//! Stock balances as counters: each bucket's balance is the sum of its
//! contributions, one per movement (positive or negative), keyed by the
//! movement's id. Union of contributions is the merge; the sum cannot depend
//! on the order they arrived in, and a duplicate adds nothing.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter<C: Ord> {
    contributions: BTreeMap<C, Decimal>,
    total: Decimal,
}

impl<C: Ord> Default for Counter<C> {
    fn default() -> Self {
        Counter {
            contributions: BTreeMap::new(),
            total: Decimal::ZERO,
        }
    }
}

impl<C: Ord + Clone> Counter<C> {
    /// Add a contribution; a repeat of a known one is ignored.
    pub fn add(&mut self, id: C, qty: Decimal) -> bool {
        if self.contributions.contains_key(&id) {
            return false;
        }
        self.contributions.insert(id, qty);
        self.total += qty;
        true
    }

    pub fn merge(&mut self, other: &Counter<C>) {
        for (k, v) in &other.contributions {
            self.add(k.clone(), *v);
        }
    }

    pub fn value(&self) -> Decimal {
        self.total
    }

    pub fn len(&self) -> usize {
        self.contributions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.contributions.is_empty()
    }
}
