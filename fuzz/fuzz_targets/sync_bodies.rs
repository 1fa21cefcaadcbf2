#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| repair_fuzz::sync_bodies(data));
