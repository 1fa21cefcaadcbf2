//! What must hold at the end of every day, read from the files.

use std::collections::{BTreeMap, BTreeSet};

use branch_node::sync;
use e2e_tests::check;
use e2e_tests::world::bg;
use rust_decimal::Decimal;

use super::day::*;

impl Day {
    /// What must hold at the end of the day.
    pub async fn check(&mut self) {
        let story = self.story.join("\n");
        let h = check::open(&self.hub.store.db);
        let files: Vec<_> = self.devs.iter().map(|d| check::open(&d.db)).collect();

        // Nothing honest refused; nothing forged applied.
        assert_eq!(
            check::rejected_ops(&h)
                .iter()
                .filter(|r| r.0 != self.thief.device.0)
                .count(),
            0,
            "the hub refused honest work: {:?}\n{story}",
            check::rejected_ops(&h)
        );
        for c in files.iter().chain([&h]) {
            for (dev, seq, hash) in &self.forged {
                let applied: u64 = c
                    .query_row(
                        "SELECT count(*) FROM held_ops WHERE device = ?1 AND seq = ?2 AND hash = ?3",
                        rusqlite::params![&dev.0[..], seq, hash],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(applied, 0, "forged op {seq} applied\n{story}");
            }
        }

        // Every device's state of its branch is the hub's.
        for (d, c) in files.iter().enumerate() {
            let branch = &self.hub.branches[self.branch_of[d]].id.0;
            let (at_hub, here) = (
                check::branch_rows(&h, branch),
                check::branch_rows(c, branch),
            );
            if std::env::var("SIM_DEBUG").is_ok()
                && check::first_difference(&at_hub, &here).is_some()
            {
                let dump = |c: &rusqlite::Connection, what: &str| {
                    let mut st = c.prepare("SELECT seq, kind, rejected, lsn FROM ops WHERE device = ?1 ORDER BY seq").unwrap();
                    let rows: Vec<(u64, String, Option<String>, u64)> = st
                        .query_map([&self.thief.device.0[..]], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                        })
                        .unwrap()
                        .map(Result::unwrap)
                        .collect();
                    eprintln!("{what} ops of the thief: {rows:?}");
                };
                dump(&h, "hub");
                dump(c, "device");
                let mut st = h
                    .prepare("SELECT seq, reason FROM rejected_ops WHERE device = ?1")
                    .unwrap();
                let rows: Vec<(u64, String)> = st
                    .query_map([&self.thief.device.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                eprintln!("hub rejected_ops: {rows:?}");
                let mut st = h.prepare("SELECT device, seq FROM pending_ops").unwrap();
                let rows: Vec<(Vec<u8>, u64)> = st
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                eprintln!("hub pending: {rows:?}");
            }
            assert_eq!(
                check::first_difference(&at_hub, &here),
                None,
                "{} differs from the hub\n{story}",
                self.devs[d].label
            );
        }

        // Every acknowledged op is at the hub, once, with its hash.
        let hub_ops = check::op_ids(&h);
        for (d, c) in files.iter().enumerate() {
            let me = self.devs[d].id();
            let mine: BTreeMap<_, _> = check::op_ids(c)
                .into_iter()
                .filter(|((dev, _), _)| dev[..] == me.0[..])
                .collect();
            let seqs: BTreeSet<u64> = mine.keys().map(|(_, s)| *s).collect();
            assert_eq!(
                seqs,
                (1..=mine.len() as u64).collect(),
                "{}: a gap\n{story}",
                self.devs[d].label
            );
            assert!(
                mine.len() as u64 >= self.acked[d],
                "{}: acknowledged ops lost\n{story}",
                self.devs[d].label
            );
            for (id, hash) in &mine {
                assert_eq!(
                    hub_ops.get(id),
                    Some(hash),
                    "{}: op {} not at the hub\n{story}",
                    self.devs[d].label,
                    id.1
                );
            }
        }

        // Numbers unique and leased; no balance below zero.
        let docs = check::documents(&h);
        let numbers: BTreeSet<&str> = docs.iter().map(|d| d.number.as_str()).collect();
        assert_eq!(numbers.len(), docs.len(), "a number repeats\n{story}");
        for d in &docs {
            assert!(
                check::inside_a_lease(&h, d),
                "{} outside its lease\n{story}",
                d.number
            );
        }
        for c in files.iter().chain([&h]) {
            assert_eq!(check::negative_balances(c), Vec::<String>::new(), "{story}");
        }

        // Overpaid invoices flagged everywhere they are kept.
        for c in &files {
            self.tally.overruled += c
                .query_row("SELECT count(*) FROM overruled_ops", [], |r| {
                    r.get::<_, u64>(0)
                })
                .unwrap();
        }
        self.tally.forks += h
            .query_row(
                "SELECT count(*) FROM devices WHERE revoked_reason LIKE 'equivocation%'",
                [],
                |r| r.get::<_, u64>(0),
            )
            .unwrap();
        let overpaid = overpaid(&h);
        self.tally.overpaid = overpaid.len() as u64;
        self.tally.ops = check::op_ids(&h).len() as u64;
        self.tally.faults = self
            .links
            .iter()
            .chain([&self.to_desk, &self.to_laptop])
            .map(|l| {
                let c = l.counts();
                [
                    &c.delay,
                    &c.drop_request,
                    &c.drop_response,
                    &c.cut_response,
                    &c.duplicate,
                    &c.refused,
                ]
                .iter()
                .map(|n| n.load(std::sync::atomic::Ordering::Relaxed))
                .sum::<u64>()
            })
            .sum();
        let store = self.hub.store.clone();
        let settle =
            bg(move || hub::store::HubStore::to_settle(&*store, &Default::default()).unwrap())
                .await;
        for (branch, number) in &overpaid {
            assert!(
                settle
                    .iter()
                    .any(|s| s.kind == "refund_due" && &s.reference == number),
                "{number} overpaid, not in to-settle\n{story}"
            );
            for (d, dev) in self.devs.iter().enumerate() {
                if self.hub.branches[self.branch_of[d]].id.0[..] != branch[..] {
                    continue;
                }
                let n = dev.node.clone();
                let att = bg(move || sync::needs_attention(&n).unwrap()).await;
                assert!(
                    att.iter()
                        .any(|a| a.kind == "overpaid" && a.reason.starts_with(number.as_str())),
                    "{}: {number} overpaid, not flagged\n{story}",
                    dev.label
                );
            }
        }
    }
}

/// (branch, number) of every tax invoice paid beyond what it owes, summed
/// here from the payments themselves.
pub fn overpaid(c: &rusqlite::Connection) -> Vec<(Vec<u8>, String)> {
    let mut stmt = c
        .prepare("SELECT id, branch, number, grand_total, cancelled FROM documents WHERE doc_type = 'tax_invoice'")
        .unwrap();
    type Row = (Vec<u8>, Vec<u8>, String, String, bool);
    let docs: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = vec![];
    for (id, branch, number, total, cancelled) in docs {
        let paid: Decimal = c
            .prepare("SELECT amount FROM payments WHERE invoice = ?1")
            .unwrap()
            .query_map([&id], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|a| a.unwrap().parse::<Decimal>().unwrap())
            .sum();
        let owed = if cancelled {
            Decimal::ZERO
        } else {
            total.parse().unwrap()
        };
        if paid > owed {
            out.push((branch, number));
        }
    }
    out
}
