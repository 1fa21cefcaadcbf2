//! The whole business, simulated from a seed: a hub, two branches, the
//! Jayanagar counter and a manager's laptop, the T Nagar counter, and a
//! stolen technician laptop in the hands of a thief, all in this process
//! over real HTTP on loopback, each on its own SQLite file. Every link (each
//! device's internet link to the hub, and the shop LAN both ways) passes a
//! fault proxy that goes down, drops, delays, duplicates and cuts exchanges.
//!
//! A seed decides everything that happens, step by step: intake, diagnosis
//! (with the text saved from a screen loaded earlier), estimates, status
//! moves, invoices, payments (two devices paying one invoice before they
//! meet), cancellations, stock, transfers between branches, syncs in any
//! order, links going down and bad, device and hub restarts, and forged ops
//! from the thief pushed to the hub and to the counter's LAN side. Then the
//! links heal, every device syncs until quiet, and what must hold is read
//! from the files:
//!
//! - every device's state of its branch is the hub's (the branch digest);
//! - every op a device acknowledged is at the hub, once, with its hash;
//! - invoice numbers are unique and inside a lease of their issuer;
//! - no stock balance is below zero anywhere;
//! - no forged op is applied anywhere, and nothing honest is refused;
//! - every invoice paid beyond what it owes is flagged on every device of
//!   its branch and in the owner's to-settle report;
//! - no action failed with an internal error (5xx).
//!
//! `SIM_SEEDS` (default 200) seeds run from `SIM_BASE`, and the seeds that
//! once failed (`REGRESSIONS`); a failing seed is
//! replayed alone with `SIM_SEED=<n>`. `SIM_STEPS` sets the day's length.
//! A seed fixes every choice and every fault; the interleaving of the few
//! exchanges that run at once is the machine's.

mod day;
mod invariants;
mod steps;
mod thief;

use day::{Day, Tally, env};

/// Seeds that once broke an invariant, run every time besides the range:
/// 777237 and 777376, a stolen laptop signing two ops at one place (one to
/// the hub, one and more built on it to the counter over the LAN), left the
/// counter without the hub's op, and an honest op built on the LAN's one
/// waiting forever.
const REGRESSIONS: &[u64] = &[777_237, 777_376];

async fn run_seed(seed: u64, steps: u64) -> Tally {
    let mut day = Day::new(seed).await;
    for _ in 0..steps {
        day.step().await;
    }
    day.heal().await;
    day.check().await;
    day.tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_business_holds_its_invariants_under_any_seed() {
    let steps = env("SIM_STEPS").unwrap_or(60);
    let seeds: Vec<u64> = match env("SIM_SEED") {
        Some(s) => vec![s],
        None => {
            let base = env("SIM_BASE").unwrap_or(20_261_201);
            (0..env("SIM_SEEDS").unwrap_or(200))
                .map(|i| base + i)
                .chain(REGRESSIONS.iter().copied())
                .collect()
        }
    };
    let parallel = env("SIM_PARALLEL").unwrap_or(2) as usize;
    let mut running = tokio::task::JoinSet::new();
    let mut queue = seeds.into_iter();
    let mut failed = vec![];
    let mut total = Tally::default();
    loop {
        while running.len() < parallel {
            let Some(seed) = queue.next() else { break };
            running.spawn(async move { (seed, tokio::spawn(run_seed(seed, steps)).await) });
        }
        let Some(done) = running.join_next().await else {
            break;
        };
        let (seed, r) = done.expect("a seed's task");
        match r {
            Ok(t) => total.add(&t),
            Err(e) => {
                failed.push(seed);
                eprintln!("seed {seed} failed: {e}");
            }
        }
    }
    assert!(
        failed.is_empty(),
        "seeds {failed:?} failed; replay one with SIM_SEED={} cargo test -p e2e-tests --test simulation",
        failed[0]
    );
    eprintln!("{total:#?}");
    // Over a default run, every kind of step happened and succeeded, and so
    // did every kind of trouble: else the simulation did not test it.
    if env("SIM_SEED").is_none() && env("SIM_SEEDS").is_none_or(|n| n >= 50) {
        for (kind, (done, _)) in &total.steps {
            assert!(*done > 0, "no {kind} ever succeeded: {total:#?}");
        }
        assert!(total.steps.len() >= 12, "{total:#?}");
        assert!(
            total.overpaid > 0
                && total.forged > 0
                && total.after_revocation > 0
                && total.overruled > 0
                && total.faults > 0,
            "{total:#?}"
        );
    }
}
