//! UI timings in a real browser (headless Chromium over WebDriver), measured
//! and printed, never asserted: a standalone device with `UI_BENCH_JOBS`
//! (default 5,000) open job cards serving its UI on loopback, and
//!
//! - **first paint of the job board**: a full page load of `/#/board` from
//!   navigation start until the frame after the board is rendered (fetch of
//!   every open job + building the columns + the paint);
//! - **save → on the board**: from the click on "Open job card" (a filled
//!   intake form) until the new card is on the board and painted, on the same
//!   5,000-job board.
//!
//! Run: `cargo run --release -p e2e-tests --bin ui-bench` (figures in BENCHMARKS.md).

// Timings, not money: floats are fine here.
#![allow(clippy::float_arithmetic)]

use std::sync::Arc;
use std::time::Instant;

use branch_node::auth::LoginInput;
use e2e_tests::browser::Browser;
use serde_json::Value;

fn pct(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let i = ((v.len() as f64 - 1.0) * q).round() as usize;
    v[i]
}

fn summary(name: &str, mut v: Vec<f64>) {
    println!(
        "| {name} | {} | {:.0} | {:.0} | {:.0} | {:.0} |",
        v.len(),
        pct(&mut v, 0.0),
        pct(&mut v, 0.5),
        pct(&mut v, 0.9),
        pct(&mut v, 1.0)
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let jobs: usize = std::env::var("UI_BENCH_JOBS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);
    let rounds: usize = std::env::var("UI_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let dir = tempfile_dir()?;
    let db = dir.join("front-desk.sqlite");
    let t = Instant::now();
    let node = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<branch_node::Node> {
            let node = branch_node::demo::build(&db)?;
            let s = branch_node::auth::check_pin(
                &node,
                &LoginInput {
                    user: "Meera Manager".into(),
                    pin: branch_node::demo::PIN.into(),
                },
            )?;
            for n in 0..jobs {
                branch_node::services::open_job(&node, &s, e2e_tests::demo::intake(n, 77))?;
            }
            Ok(node)
        })
        .await??
    };
    eprintln!(
        "{jobs} open jobs written in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let node = Arc::new(node);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(branch_node::api::serve(
        listener,
        node.clone(),
        std::future::pending(),
    ));

    let b = Browser::start().await;
    b.goto(&format!("{url}/#/login")).await;
    b.wait_for("#login-form", 20).await;
    b.fill("#login-form [name=user]", "Meera Manager").await;
    b.fill("#login-form [name=pin]", branch_node::demo::PIN)
        .await;
    b.click("#login-form button[type=submit]").await;
    b.wait_for("#board a.job", 60).await;

    // First paint of the board: full page loads.
    let (mut paint, mut render) = (vec![], vec![]);
    for _ in 0..rounds {
        b.goto("about:blank").await;
        b.goto(&format!("{url}/#/board")).await;
        let t0 = Instant::now();
        loop {
            let v = b
                .js("const m = document.getElementById('main'); return m && m.dataset.paintedAt ? [m.dataset.paintedAt, m.dataset.renderMs, [...document.querySelectorAll('#board .column')].reduce((n, c) => n + Number(c.dataset.count), 0)] : null;", vec![])
                .await;
            if let Some(a) = v.as_array() {
                let cards = a[2].as_u64().unwrap_or(0) as usize;
                anyhow::ensure!(cards >= jobs, "the board counts {cards} of {jobs} jobs");
                paint.push(a[0].as_str().unwrap_or("0").parse::<f64>()?);
                render.push(a[1].as_str().unwrap_or("0").parse::<f64>()?);
                break;
            }
            anyhow::ensure!(t0.elapsed().as_secs() < 60, "the board never painted");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    if std::env::var("UI_BENCH_DIAG").is_ok() {
        let v = b
            .js("const n = performance.getEntriesByType('navigation')[0]; return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, res: performance.getEntriesByType('resource').map(r => [r.name.replace(location.origin, ''), Math.round(r.startTime), Math.round(r.duration), r.transferSize])};", vec![])
            .await;
        eprintln!("{v:#}");
    }

    // Save → on the board.
    let mut save = vec![];
    for i in 0..rounds {
        b.goto(&format!("{url}/#/intake")).await;
        b.wait_for("#intake-form", 20).await;
        b.fill(
            "#intake-form [name=mobile]",
            &format!("98{:08}", 10_000_000 + i),
        )
        .await;
        b.fill("[name=customer_name]", &format!("Bench Customer {i}"))
            .await;
        b.fill("[name=complaint]", "No power").await;
        let v: Value = b
            .js_async(
                "const done = arguments[arguments.length - 1];
                 const t0 = performance.now();
                 document.querySelector('#open-job').click();
                 const until = (f) => new Promise((res) => { const tick = () => { const v = f(); if (v) res(v); else setTimeout(tick, 1); }; tick(); });
                 until(() => document.querySelector('#otp')).then(() => {
                   const no = document.querySelector('#main h1').textContent.split(' ')[1];
                   location.hash = '#/board';
                   return until(() => document.querySelector(`a.job[data-job='${no}']`));
                 }).then(() => requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0)));",
                vec![],
            )
            .await;
        save.push(v.as_f64().unwrap_or(f64::NAN));
    }
    println!("UI timings, {jobs} open jobs, {rounds} rounds each (ms):\n");
    println!("| what | n | min | p50 | p90 | max |");
    println!("|---|---:|---:|---:|---:|---:|");
    summary(
        "first paint of the job board (navigation start → painted)",
        paint,
    );
    summary("  of which: fetch + render the board", render);
    summary("save a new job card → it shows on the board", save);
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("ui-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}
