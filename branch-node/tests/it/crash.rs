//! Crash test: a child process opening job cards is killed with SIGKILL at
//! random moments. Every job it reported as committed must be there after,
//! `PRAGMA integrity_check` must say `ok`, and the log and the tables must
//! agree. `CRASH_TRIALS` raises the number of kills (default 200).

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::Connection;

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

fn count(c: &Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn sigkill_at_random_moments_loses_nothing_acknowledged() {
    let trials: u32 = std::env::var("CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.sqlite");
    branch_node::Node::init_standalone(&db, &common::setup()).unwrap();
    let bin = env!("CARGO_BIN_EXE_branch-node");
    let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ (std::process::id() as u64);
    let mut acknowledged: Vec<String> = vec![];
    let mut killed_mid_write = 0;
    for trial in 0..trials {
        let mut child = Command::new(bin)
            .args(["--db", db.to_str().unwrap(), "stress", "--count", "1000000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(id) = line.strip_prefix("committed ")
                    && tx.send(id.to_string()).is_err()
                {
                    break;
                }
            }
        });
        // Let it run for a random while (it starts writing after a few ms).
        let wait = Duration::from_millis(5 + xorshift(&mut seed) % 60);
        let start = Instant::now();
        while start.elapsed() < wait {
            std::thread::sleep(Duration::from_millis(1));
        }
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        reader.join().unwrap();
        let got: Vec<String> = rx.try_iter().collect();
        if !status.success() {
            killed_mid_write += 1;
        }
        acknowledged.extend(got);

        let c = Connection::open(&db).unwrap();
        assert_eq!(
            c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
                .unwrap(),
            "ok",
            "trial {trial}"
        );
        // The log and the tables agree.
        assert_eq!(
            count(&c, "SELECT count(*) FROM jobs"),
            count(&c, "SELECT count(*) FROM ops WHERE kind = 'job_opened'"),
            "trial {trial}"
        );
        assert_eq!(
            count(&c, "SELECT count(*) FROM customers"),
            count(
                &c,
                "SELECT count(*) FROM ops WHERE kind = 'customer_created'"
            )
        );
        assert_eq!(
            count(&c, "SELECT count(*) FROM audit"),
            count(
                &c,
                "SELECT count(*) FROM ops WHERE kind NOT IN ('customer_updated', 'job_text_edited')"
            ),
            "every audited op has its audit entry"
        );
        assert_eq!(
            count(
                &c,
                "SELECT count(*) FROM chain_heads h WHERE h.seq != (SELECT max(seq) FROM ops o WHERE o.device = h.device)"
            ),
            0
        );
        assert_eq!(
            count(
                &c,
                "SELECT count(*) FROM (SELECT device FROM ops GROUP BY device HAVING max(seq) != count(*))"
            ),
            0,
            "no gaps in any chain"
        );
        drop(c);
    }
    // Every acknowledged job is there.
    let c = Connection::open(&db).unwrap();
    let mut stmt = c
        .prepare("SELECT count(*) FROM jobs WHERE id = ?1")
        .unwrap();
    for id in &acknowledged {
        let rid: sync_core::ids::RecordId = id.parse().unwrap();
        let n: i64 = stmt.query_row([&rid.0[..]], |r| r.get(0)).unwrap();
        assert_eq!(n, 1, "acknowledged job {id} was lost");
    }
    assert!(
        acknowledged.len() as u32 > trials,
        "the writer made progress between kills ({} jobs)",
        acknowledged.len()
    );
    assert!(
        killed_mid_write > trials / 2,
        "the child was really killed while writing"
    );
    // And the device still works, and its audit chain verifies.
    let node = branch_node::Node::open(&db).unwrap();
    let check = node.read(branch_node::store::read::verify_audit).unwrap();
    assert!(check.ok, "{check:?}");
}
