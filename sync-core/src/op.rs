//! The signed operation envelope and its frozen canonical encoding.
//!
//! Every change a device makes is one [`Op`]: who (author, device), where
//! (branch), when (HLC stamp), its place in the device's chain (sequence number
//! and the hash of the previous operation), what it causally depends on from
//! other devices, and the typed [`OpBody`]. The device signs the canonical
//! bytes with its ed25519 key.
//!
//! The encoding is frozen (see the golden-bytes test): a field added or moved
//! by accident changes the bytes, breaks every stored signature, and fails a
//! test. Layout, version 1, all integers big-endian:
//!
//! ```text
//! "RSO1"            magic + format version
//! device     16     seq        u64
//! hlc.wall   u64    hlc.logical u32
//! author     16     branch     16
//! prev       32     hash of the device's previous op (zeros for seq 1)
//! deps       u16 count, then (device 16, seq u64) each, sorted, no duplicates
//! body       u32 length, then the body as compact JSON in declaration order
//! signature  64     (wire form only; not part of the signed bytes)
//! ```

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::body::OpBody;
use crate::error::CoreError;
use crate::hlc::Stamp;
use crate::identity::{DeviceKey, PublicKey};
use crate::ids::{BranchId, DeviceId, UserId};

pub const MAGIC: &[u8; 4] = b"RSO1";
/// Bound on the body so one operation cannot eat a replica's memory.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
pub const MAX_DEPS: usize = 256;

/// Globally unique: the device that made it and its place in that device's chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OpId {
    pub device: DeviceId,
    pub seq: u64,
}

impl std::fmt::Display for OpId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.device, self.seq)
    }
}

/// SHA-256 of an operation's wire bytes; links the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct OpHash(pub [u8; 32]);

impl OpHash {
    pub const ZERO: OpHash = OpHash([0; 32]);
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

/// A signed operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    pub id: OpId,
    pub hlc: Stamp,
    pub author: UserId,
    pub branch: BranchId,
    pub prev: OpHash,
    /// Operations of *other* devices this one was made after and depends on
    /// (new since the device's previous op). With the chain, this makes the
    /// causal past of every op explicit, so replicas apply in causal order.
    pub deps: Vec<OpId>,
    pub body: OpBody,
    pub sig: [u8; 64],
}

/// Everything of an operation except the signature, ready to be signed.
#[derive(Clone, Debug, PartialEq)]
pub struct UnsignedOp {
    pub id: OpId,
    pub hlc: Stamp,
    pub author: UserId,
    pub branch: BranchId,
    pub prev: OpHash,
    pub deps: Vec<OpId>,
    pub body: OpBody,
}

impl UnsignedOp {
    pub fn sign(self, key: &DeviceKey) -> Result<Op, CoreError> {
        self.sign_wire(key).map(|(op, _)| op)
    }

    /// Sign, and return the wire bytes too (saves re-encoding the body).
    pub fn sign_wire(mut self, key: &DeviceKey) -> Result<(Op, Vec<u8>), CoreError> {
        self.deps.sort();
        self.deps.dedup();
        let bytes = encode_signing(
            self.id,
            self.hlc,
            self.author,
            self.branch,
            self.prev,
            &self.deps,
            &self.body,
        )?;
        let sig = key.sign(&bytes);
        let mut wire = bytes;
        wire.extend_from_slice(&sig);
        Ok((
            Op {
                id: self.id,
                hlc: self.hlc,
                author: self.author,
                branch: self.branch,
                prev: self.prev,
                deps: self.deps,
                body: self.body,
                sig,
            },
            wire,
        ))
    }
}

impl Op {
    /// The bytes the signature covers.
    pub fn signing_bytes(&self) -> Result<Vec<u8>, CoreError> {
        encode_signing(
            self.id,
            self.hlc,
            self.author,
            self.branch,
            self.prev,
            &self.deps,
            &self.body,
        )
    }

    /// The wire form: signing bytes followed by the signature.
    pub fn encode(&self) -> Result<Vec<u8>, CoreError> {
        let mut b = self.signing_bytes()?;
        b.extend_from_slice(&self.sig);
        Ok(b)
    }

    /// Hash of the wire form; the next op of the same device links to it.
    pub fn hash(&self) -> Result<OpHash, CoreError> {
        Ok(hash_wire(&self.encode()?))
    }

    /// Strictly verify the signature against the device's key.
    pub fn verify(&self, key: &PublicKey) -> Result<(), CoreError> {
        let bytes = self.signing_bytes()?;
        if key.verify_strict(&bytes, &self.sig) {
            Ok(())
        } else {
            Err(CoreError::BadSignature {
                device: self.id.device,
                seq: self.id.seq,
            })
        }
    }

    /// Decode the wire form. Refuses anything that would not re-encode to the
    /// same bytes, so there is exactly one byte string per operation.
    pub fn decode(wire: &[u8]) -> Result<Op, CoreError> {
        let mut r = Reader { b: wire, pos: 0 };
        let magic = r.take(4)?;
        if &magic[..3] != b"RSO" {
            return Err(CoreError::Malformed("missing RSO magic".into()));
        }
        if magic[3] != b'1' {
            return Err(CoreError::UnsupportedVersion(magic[3]));
        }
        let device = DeviceId(r.arr16()?);
        let seq = r.u64()?;
        let wall_ms = r.u64()?;
        let logical = r.u32()?;
        let author = UserId(r.arr16()?);
        let branch = BranchId(r.arr16()?);
        let prev = OpHash(r.arr32()?);
        let ndeps = r.u16()? as usize;
        if ndeps > MAX_DEPS {
            return Err(CoreError::Malformed(format!(
                "{ndeps} deps exceed {MAX_DEPS}"
            )));
        }
        let mut deps = Vec::with_capacity(ndeps);
        for _ in 0..ndeps {
            let d = DeviceId(r.arr16()?);
            let s = r.u64()?;
            deps.push(OpId { device: d, seq: s });
        }
        let len = r.u32()? as usize;
        if len > MAX_BODY_BYTES {
            return Err(CoreError::Malformed(format!(
                "body of {len} bytes exceeds {MAX_BODY_BYTES}"
            )));
        }
        let body_bytes = r.take(len)?;
        let body: OpBody = serde_json::from_slice(body_bytes)
            .map_err(|e| CoreError::Malformed(format!("body: {e}")))?;
        let sig: [u8; 64] = r.take(64)?.try_into().expect("64 bytes");
        if r.pos != wire.len() {
            return Err(CoreError::Malformed(format!(
                "{} trailing bytes",
                wire.len() - r.pos
            )));
        }
        // Every replica keeps these as SQLite integers (signed 64-bit): a
        // larger one is no op any device made, and would fail the store.
        let mut big = vec![("seq", seq), ("hlc", wall_ms)];
        big.extend(deps.iter().map(|d| ("deps", d.seq)));
        match &body {
            OpBody::DocumentIssued(d) => big.push(("body.seq", d.seq)),
            OpBody::LeaseGranted(l) => big.extend([("body.first", l.first), ("body.last", l.last)]),
            _ => {}
        }
        if let Some((field, v)) = big.into_iter().find(|(_, v)| *v > MAX_STORED) {
            return Err(CoreError::Malformed(format!(
                "{field}: {v} is beyond what any replica stores (at most {MAX_STORED})"
            )));
        }
        let op = Op {
            id: OpId { device, seq },
            hlc: Stamp::new(wall_ms, logical),
            author,
            branch,
            prev,
            deps,
            body,
            sig,
        };
        if op.encode()? != wire {
            return Err(CoreError::NonCanonical);
        }
        Ok(op)
    }
}

/// The largest sequence number, time or document number an op may carry:
/// replicas keep them as SQLite's signed 64-bit integers.
pub const MAX_STORED: u64 = i64::MAX as u64;

pub fn hash_wire(wire: &[u8]) -> OpHash {
    OpHash(Sha256::digest(wire).into())
}

fn encode_signing(
    id: OpId,
    hlc: Stamp,
    author: UserId,
    branch: BranchId,
    prev: OpHash,
    deps: &[OpId],
    body: &OpBody,
) -> Result<Vec<u8>, CoreError> {
    if deps.len() > MAX_DEPS {
        return Err(CoreError::Malformed(format!("more than {MAX_DEPS} deps")));
    }
    if deps.windows(2).any(|w| w[0] >= w[1]) {
        return Err(CoreError::Malformed(
            "deps must be sorted and unique".into(),
        ));
    }
    let body = serde_json::to_vec(body).map_err(|e| CoreError::Malformed(e.to_string()))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(CoreError::Malformed(format!(
            "body of {} bytes exceeds {MAX_BODY_BYTES}",
            body.len()
        )));
    }
    let mut b =
        Vec::with_capacity(4 + 16 + 8 + 12 + 32 + 32 + 2 + deps.len() * 24 + 4 + body.len() + 64);
    b.extend_from_slice(MAGIC);
    b.extend_from_slice(&id.device.0);
    b.extend_from_slice(&id.seq.to_be_bytes());
    b.extend_from_slice(&hlc.wall_ms.to_be_bytes());
    b.extend_from_slice(&hlc.logical.to_be_bytes());
    b.extend_from_slice(&author.0);
    b.extend_from_slice(&branch.0);
    b.extend_from_slice(&prev.0);
    b.extend_from_slice(&(deps.len() as u16).to_be_bytes());
    for d in deps {
        b.extend_from_slice(&d.device.0);
        b.extend_from_slice(&d.seq.to_be_bytes());
    }
    b.extend_from_slice(&(body.len() as u32).to_be_bytes());
    b.extend_from_slice(&body);
    Ok(b)
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CoreError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.b.len())
            .ok_or_else(|| {
                CoreError::Malformed(format!("truncated at byte {} (wanted {n} more)", self.pos))
            })?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn arr16(&mut self) -> Result<[u8; 16], CoreError> {
        Ok(self.take(16)?.try_into().expect("16"))
    }
    fn arr32(&mut self) -> Result<[u8; 32], CoreError> {
        Ok(self.take(32)?.try_into().expect("32"))
    }
    fn u64(&mut self) -> Result<u64, CoreError> {
        Ok(u64::from_be_bytes(self.take(8)?.try_into().expect("8")))
    }
    fn u32(&mut self) -> Result<u32, CoreError> {
        Ok(u32::from_be_bytes(self.take(4)?.try_into().expect("4")))
    }
    fn u16(&mut self) -> Result<u16, CoreError> {
        Ok(u16::from_be_bytes(self.take(2)?.try_into().expect("2")))
    }
}
