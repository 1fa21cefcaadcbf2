//! Version vectors: for each device, the highest sequence number a replica
//! holds. Because each device's operations form a chain and replicas apply
//! them in order, that one number says exactly which operations are there.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::DeviceId;
use crate::op::OpId;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionVector(pub BTreeMap<DeviceId, u64>);

/// A run of operations one replica lacks: `device`, sequence `from..=to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missing {
    pub device: DeviceId,
    pub from: u64,
    pub to: u64,
}

impl VersionVector {
    pub fn get(&self, d: DeviceId) -> u64 {
        self.0.get(&d).copied().unwrap_or(0)
    }

    pub fn contains(&self, id: OpId) -> bool {
        id.seq <= self.get(id.device)
    }

    /// Record that `id` is held; only advances (ops arrive in chain order).
    pub fn observe(&mut self, id: OpId) {
        let e = self.0.entry(id.device).or_insert(0);
        *e = (*e).max(id.seq);
    }

    pub fn merge(&mut self, other: &VersionVector) {
        for (d, s) in &other.0 {
            let e = self.0.entry(*d).or_insert(0);
            *e = (*e).max(*s);
        }
    }

    /// True if self holds everything `other` holds.
    pub fn dominates(&self, other: &VersionVector) -> bool {
        other.0.iter().all(|(d, s)| self.get(*d) >= *s)
    }

    /// What `self` lacks that `other` has.
    pub fn missing_from(&self, other: &VersionVector) -> Vec<Missing> {
        other
            .0
            .iter()
            .filter(|(d, s)| **s > self.get(**d))
            .map(|(d, s)| Missing {
                device: *d,
                from: self.get(*d) + 1,
                to: *s,
            })
            .collect()
    }

    /// Entries that advanced since `earlier`: the new causal dependencies.
    pub fn advanced_since(&self, earlier: &VersionVector) -> Vec<OpId> {
        self.0
            .iter()
            .filter(|(d, s)| **s > earlier.get(**d))
            .map(|(d, s)| OpId {
                device: *d,
                seq: *s,
            })
            .collect()
    }

    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn vv(entries: &[(u8, u64)]) -> VersionVector {
        VersionVector(
            entries
                .iter()
                .map(|(d, s)| (DeviceId([*d; 16]), *s))
                .collect(),
        )
    }

    #[test]
    fn diff_names_exact_ranges() {
        let a = vv(&[(1, 5), (2, 3)]);
        let b = vv(&[(1, 9), (2, 3), (3, 2)]);
        let m = a.missing_from(&b);
        assert_eq!(
            m,
            vec![
                Missing {
                    device: DeviceId([1; 16]),
                    from: 6,
                    to: 9
                },
                Missing {
                    device: DeviceId([3; 16]),
                    from: 1,
                    to: 2
                },
            ]
        );
        assert!(b.missing_from(&a).is_empty());
        assert!(b.dominates(&a) && !a.dominates(&b));
    }

    proptest! {
        #[test]
        fn merge_laws(a in proptest::collection::btree_map(0u8..6, 0u64..50, 0..6),
                      b in proptest::collection::btree_map(0u8..6, 0u64..50, 0..6),
                      c in proptest::collection::btree_map(0u8..6, 0u64..50, 0..6)) {
            let mk = |m: &BTreeMap<u8, u64>| VersionVector(m.iter().map(|(d, s)| (DeviceId([*d; 16]), *s)).collect());
            let (a, b, c) = (mk(&a), mk(&b), mk(&c));
            let mut ab = a.clone(); ab.merge(&b);
            let mut ba = b.clone(); ba.merge(&a);
            prop_assert!(ab.dominates(&ba) && ba.dominates(&ab));
            let mut ab_c = ab.clone(); ab_c.merge(&c);
            let mut bc = b.clone(); bc.merge(&c);
            let mut a_bc = a.clone(); a_bc.merge(&bc);
            prop_assert!(ab_c.dominates(&a_bc) && a_bc.dominates(&ab_c));
            let mut aa = a.clone(); aa.merge(&a);
            prop_assert!(aa.dominates(&a) && a.dominates(&aa));
            // after merging, nothing is missing
            prop_assert!(ab.missing_from(&a).is_empty() && ab.missing_from(&b).is_empty());
        }
    }
}
