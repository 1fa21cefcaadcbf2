//! Identifiers. Every record id is 16 random bytes written as a UUID-shaped
//! string; the caller supplies the bytes so this crate stays free of I/O.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::CoreError;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub [u8; 16]);

        impl $name {
            pub const fn from_bytes(b: [u8; 16]) -> Self {
                Self(b)
            }
            pub fn as_bytes(&self) -> &[u8; 16] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_uuid(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self)
            }
        }

        impl FromStr for $name {
            type Err = CoreError;
            fn from_str(s: &str) -> Result<Self, CoreError> {
                parse_uuid(s).map(Self).ok_or_else(|| CoreError::InvalidId {
                    kind: stringify!($name),
                    value: s.chars().take(64).collect(),
                })
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A device (front-desk PC, technician laptop, the hub itself).
    DeviceId
);
id_type!(
    /// A person who logs in.
    UserId
);
id_type!(
    /// A branch (service center) of the organization.
    BranchId
);
id_type!(
    /// Any record: customer, job card, item, invoice, payment, transfer, line.
    RecordId
);

fn fmt_uuid(b: &[u8; 16], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let h = hex::encode(b);
    write!(
        f,
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    if s.len() != 36 {
        return None;
    }
    let bytes = s.as_bytes();
    for i in [8, 13, 18, 23] {
        if bytes[i] != b'-' {
            return None;
        }
    }
    let compact: String = s.chars().filter(|c| *c != '-').collect();
    if compact.len() != 32 || compact.chars().any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let mut out = [0u8; 16];
    hex::decode_to_slice(&compact, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_garbage() {
        let id = RecordId([0xab; 16]);
        let s = id.to_string();
        assert_eq!(s, "abababab-abab-abab-abab-abababababab");
        assert_eq!(s.parse::<RecordId>().unwrap(), id);
        assert!(
            "abababab-abab-abab-abab-ababababab"
                .parse::<RecordId>()
                .is_err()
        );
        assert!(
            "ABABABAB-ABAB-ABAB-ABAB-ABABABABABAB"
                .parse::<RecordId>()
                .is_err()
        );
        assert!(
            "zzzzzzzz-abab-abab-abab-abababababab"
                .parse::<RecordId>()
                .is_err()
        );
    }
}
