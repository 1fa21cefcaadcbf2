//! Fuzz targets, as plain functions: `fuzz_targets/*.rs` hand them to
//! libFuzzer (`scripts/fuzz`), and `tests/replay.rs` runs every input of
//! the corpus and every crash ever found through them in the test run.
//!
//! Each target states what must hold for any bytes at all, not only that
//! nothing panics:
//! - [`op_decoder`]: an op that decodes encodes again to an op that decodes
//!   to the same op, with the same hash; checking its signature never panics.
//! - [`sync_bodies`]: the sync protocol's request and answer bodies parse or
//!   are refused with a field named; a push of any bytes, or of any op body
//!   correctly signed by an enrolled peer, is answered op by op at the LAN
//!   side and never fails the batch; a pull of any cursor is answered.
//! - [`api_bodies`]: any body on any route of the device API is answered
//!   below 500, with a JSON error naming a field when refused, and a refused
//!   request writes no op.

mod shop;

use sync_core::identity::DeviceKey;
use sync_core::op::Op;
use sync_core::protocol::{
    EnrollRequest, LeaseRequest, PullRequest, PullResponse, PushRequest, PushResponse,
};

pub use shop::Shop;

/// Any bytes as a signed op off the wire.
pub fn op_decoder(data: &[u8]) {
    let Ok(op) = Op::decode(data) else {
        return;
    };
    let wire = op.encode().expect("a decoded op encodes again");
    let again = Op::decode(&wire).expect("an op's own encoding decodes");
    assert_eq!(again, op, "decoding its own encoding gives the op back");
    assert_eq!(again.hash().ok(), op.hash().ok(), "the hash is stable");
    let _ = op.verify(&DeviceKey::from_seed([7; 32]).public());
}

/// Any bytes as one of the sync protocol's bodies, chosen by the first byte.
pub fn sync_bodies(data: &[u8]) {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let parse = |b: &[u8]| branch_node::api::parse_json::<serde_json::Value>(b).is_ok();
    match which % 7 {
        0 => {
            let Ok(req) = branch_node::api::parse_json::<PushRequest>(body) else {
                return;
            };
            for w in &req.ops {
                if let Ok(b) = hex::decode(w) {
                    op_decoder(&b);
                }
            }
            Shop::get().push(&req);
        }
        1 => {
            if let Ok(req) = branch_node::api::parse_json::<PullRequest>(body) {
                Shop::get().pull(&req);
            }
        }
        2 => {
            let _ = branch_node::api::parse_json::<LeaseRequest>(body);
        }
        3 => {
            let _ = branch_node::api::parse_json::<EnrollRequest>(body);
        }
        4 => {
            if let Ok(r) = branch_node::api::parse_json::<PullResponse>(body) {
                assert!(parse(&serde_json::to_vec(&r).expect("serializes")));
            }
        }
        5 => {
            let _ = branch_node::api::parse_json::<PushResponse>(body);
        }
        _ => Shop::get().push_signed_body(body),
    }
}

/// Any body on any route of the device API, chosen by the first byte.
pub fn api_bodies(data: &[u8]) {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    Shop::get().call(which, body);
}
