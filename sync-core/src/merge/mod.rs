//! Merge rules, each a pure function over a small state type. Every state
//! here is a join-semilattice: `merge` is commutative, associative and
//! idempotent (proven by property tests), which is what makes replicas
//! converge whatever the order, duplication or delay of delivery.
//!
//! - [`register`]: per-field last-writer-wins that keeps the losing
//!   concurrent values as conflicts (a multi-value register).
//! - [`facts`]: set union for immutable facts (payments, status history, stock
//!   movements, audit entries, documents).
//! - [`counter`]: stock balances as sums of contributions.
//! - [`text`]: character-level merge of free text with automerge.
//! - [`status`]: job status merged through the lifecycle.

pub mod counter;
pub mod facts;
pub mod register;
pub mod status;
pub mod text;
