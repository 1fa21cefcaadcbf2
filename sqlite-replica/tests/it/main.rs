//! sqlite-replica's integration tests, as one test binary (one link of the
//! whole stack however many files there are). Each file is a module.

mod differential;
