//! Set union for immutable facts. A fact is keyed by the id of the operation
//! (or record) that created it and is never edited, so union is the whole
//! merge. Should two different facts ever claim one key (only a bug or a
//! forgery can do that), the smaller wins so every replica still agrees.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts<K: Ord, V> {
    items: BTreeMap<K, V>,
}

impl<K: Ord, V> Default for Facts<K, V> {
    fn default() -> Self {
        Facts {
            items: BTreeMap::new(),
        }
    }
}

impl<K: Ord + Clone, V: Ord + Clone> Facts<K, V> {
    /// Insert a fact; returns true when it is new.
    pub fn insert(&mut self, k: K, v: V) -> bool {
        match self.items.get_mut(&k) {
            None => {
                self.items.insert(k, v);
                true
            }
            Some(existing) => {
                if v < *existing {
                    *existing = v;
                }
                false
            }
        }
    }

    pub fn merge(&mut self, other: &Facts<K, V>) {
        for (k, v) in &other.items {
            self.insert(k.clone(), v.clone());
        }
    }

    pub fn get(&self, k: &K) -> Option<&V> {
        self.items.get(k)
    }

    pub fn contains(&self, k: &K) -> bool {
        self.items.contains_key(k)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.items.iter()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}
