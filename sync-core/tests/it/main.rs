//! sync-core's integration tests, as one test binary: each test binary links
//! the whole crate and its dependencies statically, so one binary instead of
//! one per file saves the links and the disk. Each file is a module;
//! `cargo test -p sync-core --test it envelope::` runs one of them.
//!
//! Proptest keeps a module's recorded failures by its source file's path,
//! relative to the folder holding `main.rs`: `it/envelope.rs`'s are in
//! `proptest-regressions/envelope.txt` (beside `it/`), replayed first on
//! every run and where a new failure is written.

mod authority;
mod convergence;
mod envelope;
mod gst_cases;
mod gst_worked;
mod invoice_no;
mod merge_laws;
mod stock_escrow;
mod transfer_bill;
