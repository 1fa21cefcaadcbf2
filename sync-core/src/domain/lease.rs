//! Lease arithmetic. The hub leases consecutive blocks of a series to the
//! devices that issue documents; blocks never overlap; a number is valid only
//! inside a block its issuer holds; a device issues from its blocks in order.

use std::collections::BTreeMap;

use crate::body::Lease;
use crate::domain::invoice_no::{DocType, Series};
use crate::error::CoreError;
use crate::ids::{DeviceId, RecordId};

/// Key of a series in lease books.
pub type SeriesKey = (String, DocType, u16);

pub fn series_key(s: &Series) -> SeriesKey {
    (s.prefix.clone(), s.doc_type, s.fy)
}

/// The hub's view of one organization's leases: grants blocks and checks
/// numbers. Pure; the hub's store persists what it returns.
#[derive(Clone, Debug, Default)]
pub struct LeaseBook {
    /// Highest number ever granted per series: blocks are handed out upwards
    /// and never re-leased, even when a device is revoked.
    high: BTreeMap<SeriesKey, u64>,
    leases: Vec<Lease>,
}

impl LeaseBook {
    pub fn from_leases(leases: impl IntoIterator<Item = Lease>) -> Result<Self, CoreError> {
        let mut b = LeaseBook::default();
        for l in leases {
            b.insert(l)?;
        }
        Ok(b)
    }

    /// Record an existing lease, refusing one that overlaps another.
    pub fn insert(&mut self, l: Lease) -> Result<(), CoreError> {
        if l.first == 0 || l.last < l.first {
            return Err(CoreError::invalid(
                "lease",
                format!("block {}..={} is empty or starts at 0", l.first, l.last),
            ));
        }
        if let Some(o) = self.leases.iter().find(|o| {
            o.prefix == l.prefix
                && o.doc_type == l.doc_type
                && o.fy == l.fy
                && o.first <= l.last
                && l.first <= o.last
        }) {
            if *o == l {
                return Ok(());
            }
            return Err(CoreError::Conflict(format!(
                "lease {}..={} overlaps lease {}..={} of device {}",
                l.first, l.last, o.first, o.last, o.device
            )));
        }
        let k = (l.prefix.clone(), l.doc_type, l.fy);
        let h = self.high.entry(k).or_default();
        *h = (*h).max(l.last);
        self.leases.push(l);
        Ok(())
    }

    /// Grant the next `size` numbers of `series` to `device`.
    pub fn grant(
        &mut self,
        id: RecordId,
        series: &Series,
        device: DeviceId,
        size: u64,
    ) -> Result<Lease, CoreError> {
        if size == 0 || size > 100_000 {
            return Err(CoreError::invalid("size", "a lease is 1 to 100000 numbers"));
        }
        let high = self.high.get(&series_key(series)).copied().unwrap_or(0);
        let first = high + 1;
        let last = (high + size).min(series.max_number());
        if first > series.max_number() {
            return Err(CoreError::Conflict(format!(
                "series {}/{} is exhausted ({} numbers issued)",
                series.prefix,
                series.fy_code(),
                series.max_number()
            )));
        }
        let l = Lease {
            id,
            device,
            doc_type: series.doc_type,
            prefix: series.prefix.clone(),
            fy: series.fy,
            first,
            last,
        };
        self.insert(l.clone())?;
        Ok(l)
    }

    pub fn leases(&self) -> &[Lease] {
        &self.leases
    }
}

/// Is `n` of `series` inside a lease that `device` holds?
pub fn check_number_leased<'a>(
    leases: impl IntoIterator<Item = &'a Lease>,
    device: DeviceId,
    series: &Series,
    n: u64,
) -> Result<(), CoreError> {
    let ok = leases.into_iter().any(|l| {
        l.device == device
            && l.prefix == series.prefix
            && l.doc_type == series.doc_type
            && l.fy == series.fy
            && (l.first..=l.last).contains(&n)
    });
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "number",
            format!(
                "{} is not inside any lease of series {}/{} held by device {device}",
                n,
                series.prefix,
                series.fy_code()
            ),
        ))
    }
}

/// The next number a device should issue from its leases, given the numbers
/// it has used: the lowest unused number of its lowest lease. Issuing in this
/// order keeps every series consecutive.
pub fn next_number<'a>(
    leases: impl IntoIterator<Item = &'a Lease>,
    device: DeviceId,
    series: &Series,
    used_high: u64,
) -> Result<u64, CoreError> {
    let mut mine: Vec<&Lease> = leases
        .into_iter()
        .filter(|l| {
            l.device == device
                && l.prefix == series.prefix
                && l.doc_type == series.doc_type
                && l.fy == series.fy
        })
        .collect();
    mine.sort_by_key(|l| l.first);
    for l in mine {
        if used_high < l.last {
            return Ok((used_high + 1).max(l.first));
        }
    }
    Err(CoreError::invalid(
        "lease",
        format!(
            "this device holds no unused numbers of series {}/{}: connect to the hub to get a new block",
            series.prefix,
            series.fy_code()
        ),
    ))
}

/// Numbers left in a device's leases above `used_high`.
pub fn remaining<'a>(
    leases: impl IntoIterator<Item = &'a Lease>,
    device: DeviceId,
    series: &Series,
    used_high: u64,
) -> u64 {
    leases
        .into_iter()
        .filter(|l| {
            l.device == device
                && l.prefix == series.prefix
                && l.doc_type == series.doc_type
                && l.fy == series.fy
        })
        .map(|l| {
            if used_high >= l.last {
                0
            } else {
                l.last - used_high.max(l.first - 1)
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dev(n: u8) -> DeviceId {
        DeviceId([n; 16])
    }

    #[test]
    fn grants_never_overlap_and_numbers_check() {
        let s = Series::new("BLR1", DocType::TaxInvoice, 2025).unwrap();
        let mut b = LeaseBook::default();
        let a = b.grant(RecordId([1; 16]), &s, dev(1), 50).unwrap();
        let c = b.grant(RecordId([2; 16]), &s, dev(2), 50).unwrap();
        assert_eq!((a.first, a.last, c.first, c.last), (1, 50, 51, 100));
        assert!(check_number_leased(b.leases(), dev(1), &s, 50).is_ok());
        assert!(
            check_number_leased(b.leases(), dev(1), &s, 51).is_err(),
            "another device's block"
        );
        let next_year = Series::new("BLR1", DocType::TaxInvoice, 2026).unwrap();
        assert!(check_number_leased(b.leases(), dev(1), &next_year, 1).is_err());
        assert_eq!(
            b.grant(RecordId([3; 16]), &next_year, dev(1), 10)
                .unwrap()
                .first,
            1,
            "new series each year"
        );
        let mut overlapping = a.clone();
        overlapping.device = dev(3);
        assert!(b.insert(overlapping).is_err());
    }

    #[test]
    fn device_issues_consecutively_then_refuses() {
        let s = Series::new("BLR1", DocType::TaxInvoice, 2025).unwrap();
        let mut b = LeaseBook::default();
        b.grant(RecordId([1; 16]), &s, dev(1), 3).unwrap();
        b.grant(RecordId([2; 16]), &s, dev(2), 3).unwrap();
        b.grant(RecordId([3; 16]), &s, dev(1), 2).unwrap();
        let mut used = 0;
        let mut got = vec![];
        while let Ok(n) = next_number(b.leases(), dev(1), &s, used) {
            got.push(n);
            used = n;
        }
        assert_eq!(got, vec![1, 2, 3, 7, 8]);
        assert_eq!(remaining(b.leases(), dev(1), &s, 0), 5);
        assert_eq!(remaining(b.leases(), dev(1), &s, 3), 2);
    }

    proptest! {
        #[test]
        fn random_grants_are_disjoint(reqs in proptest::collection::vec((0u8..4, 1u64..500), 1..60)) {
            let s = Series::new("HYD", DocType::TaxInvoice, 2025).unwrap();
            let mut b = LeaseBook::default();
            for (i, (d, size)) in reqs.iter().enumerate() {
                let _ = b.grant(RecordId([i as u8; 16]), &s, dev(*d), *size);
            }
            let mut ls: Vec<_> = b.leases().to_vec();
            ls.sort_by_key(|l| l.first);
            for w in ls.windows(2) {
                prop_assert!(w[0].last < w[1].first);
                prop_assert_eq!(w[0].last + 1, w[1].first, "blocks are contiguous: no number is skipped");
            }
        }
    }
}
