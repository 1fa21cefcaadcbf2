//! The whole business on one machine, for trying the product: a hub, the
//! Jayanagar counter and its technician's laptop, and the T Nagar counter,
//! each on its own SQLite file in one folder, enrolled with real one-time
//! codes, loaded with three days of work, syncing in the background. Prints
//! the owner's dashboard, each device's address and the logins; Ctrl-C
//! stops it (the folder stays, to look at).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use branch_node::node::Node;
use e2e_tests::demo::{self, Staff};
use e2e_tests::world::{Device, Hub, OWNER_NAME, OWNER_PIN, bg};
use sync_core::domain::date::Date;
use sync_core::domain::roles::Role;

const DAY_MS: u64 = 86_400_000;

async fn staff(d: &Device, b: &e2e_tests::world::BranchInfo) -> Staff {
    Staff {
        manager: d.login(b, Role::Manager).await,
        counter: d.login(b, Role::Receptionist).await,
        technician: d.login(b, Role::Technician).await,
        accounts: d.login(b, Role::Accountant).await,
    }
}

async fn work<T: Send + 'static>(
    node: &Arc<Node>,
    f: impl FnOnce(&Node) -> branch_node::Result<T> + Send + 'static,
) -> Result<T> {
    let n = node.clone();
    Ok(bg(move || f(&n)).await?)
}

async fn sync_all(hub: &str, devices: &[&Device]) -> Result<()> {
    for d in devices {
        branch_node::sync::sync_once(&d.node, hub)
            .await
            .with_context(|| format!("syncing {}", d.label))?;
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
        .with_target(false)
        .init();
    let dir = match std::env::args().nth(1) {
        Some(d) => PathBuf::from(d),
        None => std::env::temp_dir().join(format!("repair-shop-demo-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    if std::fs::read_dir(&dir)?.next().is_some() {
        anyhow::bail!(
            "{} is not empty: give an empty or new folder for the demo",
            dir.display()
        );
    }
    eprintln!("Setting up the demo business in {} …", dir.display());
    let hub = Hub::start(&dir, 200).await;
    let desk = hub
        .enroll(&dir, 0, "jayanagar counter", true, &hub.url)
        .await;
    let laptop = hub
        .enroll(&dir, 0, "jayanagar technician laptop", false, &hub.url)
        .await;
    let tnr = hub.enroll(&dir, 1, "tnagar counter", true, &hub.url).await;
    sync_all(&hub.url, &[&desk, &laptop, &tnr]).await?;
    let (a, b) = (&hub.branches[0], &hub.branches[1]);
    let sa = Arc::new(staff(&desk, a).await);
    let tech = laptop.login(a, Role::Technician).await;
    let sb = Arc::new(staff(&tnr, b).await);
    let items = hub.items.clone();
    let (i1, s1) = (items.clone(), sa.clone());
    work(&desk.node, move |n| {
        demo::opening_stock(
            n,
            &s1,
            &i1,
            &[
                ("RAM8-DDR4", "12"),
                ("SSD512-NVME", "6"),
                ("KBD-DELL-3520", "3"),
                ("BAT-HP-HT03", "2"),
                ("CHG-65W-USBC", "5"),
            ],
        )
    })
    .await?;
    let (i2, s2) = (items.clone(), sb.clone());
    work(&tnr.node, move |n| {
        demo::opening_stock(n, &s2, &i2, &[("RAM8-DDR4", "4"), ("SSD512-NVME", "3")])
    })
    .await?;
    sync_all(&hub.url, &[&desk, &laptop, &tnr]).await?;
    let ram = items["RAM8-DDR4"];
    let ssd = items["SSD512-NVME"];
    let (s1, lap, tech_user) = (sa.clone(), laptop.id(), a.user(Role::Technician));
    work(&desk.node, move |n| {
        demo::issue(n, &s1.manager, ram, "4", tech_user, lap)?;
        demo::issue(n, &s1.manager, ssd, "2", tech_user, lap)
    })
    .await?;

    // Three days: each day's intake, the bench's work, billing and delivery.
    let now = hub::store::db::now_ms();
    let mut open_a = vec![];
    let mut open_b = vec![];
    for day in 0..3u64 {
        let date = Date::from_unix_ms_ist(now - (2 - day) * DAY_MS);
        let s1 = sa.clone();
        let taken = work(&desk.node, move |n| {
            demo::take_in(n, &s1, day as usize * 8, 8, 80)
        })
        .await?;
        let s2 = sb.clone();
        let taken_b = work(&tnr.node, move |n| {
            demo::take_in(n, &s2, day as usize * 5, 5, 70)
        })
        .await?;
        sync_all(&hub.url, &[&desk, &laptop]).await?;
        let (t, jobs) = (tech.clone(), taken[..6].to_vec());
        work(&laptop.node, move |n| demo::diagnose(n, &t, &jobs)).await?;
        sync_all(&hub.url, &[&laptop, &desk]).await?;
        let (s1, jobs) = (sa.clone(), taken[..5].to_vec());
        work(&desk.node, move |n| demo::approve(n, &s1.manager, &jobs)).await?;
        sync_all(&hub.url, &[&desk, &laptop]).await?;
        let (t, jobs, part) = (
            tech.clone(),
            taken[..4].to_vec(),
            [ram, ssd][day as usize % 2],
        );
        work(&laptop.node, move |n| {
            demo::repair(n, &t, &jobs, Some(part))
        })
        .await?;
        sync_all(&hub.url, &[&laptop, &desk]).await?;
        if day < 2 {
            let (s1, jobs) = (sa.clone(), taken[..3].to_vec());
            work(&desk.node, move |n| {
                demo::bill_and_deliver(n, &s1, &jobs, date)
            })
            .await?;
        }
        let s2 = sb.clone();
        let tb = tech_b_jobs(&taken_b);
        work(&tnr.node, move |n| {
            demo::diagnose(n, &s2.technician, &tb)?;
            demo::approve(n, &s2.manager, &tb)?;
            demo::repair(n, &s2.technician, &tb, None)?;
            demo::bill_and_deliver(n, &s2, &tb, date)
        })
        .await?;
        open_a.extend(taken[3..].iter().cloned());
        open_b.extend(taken_b[2..].iter().cloned());
    }
    let (s1, to_dev, to_branch) = (sa.clone(), tnr.id(), b.id);
    work(&desk.node, move |n| {
        demo::transfer(n, &s1.manager, ram, "2", to_branch, to_dev)
    })
    .await?;
    sync_all(&hub.url, &[&desk, &laptop, &tnr, &desk, &laptop]).await?;

    // Background sync, as the real devices run it: the laptop also talks to
    // the counter over the LAN.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    for (d, peers) in [
        (&desk, vec![hub.url.clone()]),
        (&laptop, vec![hub.url.clone(), desk.url.clone()]),
        (&tnr, vec![hub.url.clone()]),
    ] {
        let mut rx = stop_rx.clone();
        let node = d.node.clone();
        tokio::spawn(async move {
            branch_node::sync::run_sync_loop(node, peers, async move {
                let _ = rx.changed().await;
            })
            .await;
        });
    }

    println!();
    println!("The demo business is running (files in {}).", dir.display());
    println!();
    println!("  Owner's dashboard   {}/login", hub.url);
    println!("  Hub API             {}/openapi.json", hub.url);
    for d in [&desk, &laptop, &tnr] {
        println!(
            "  {:<28} {}   (web UI; API {}/openapi.json)",
            d.label, d.url, d.url
        );
    }
    println!();
    for b in [a, b] {
        let mut people: Vec<_> = b.people.values().collect();
        people.sort_by_key(|p| p.1.clone());
        let list: Vec<String> = people
            .iter()
            .map(|(_, name, pin)| format!("{name} (PIN {pin})"))
            .collect();
        println!("  {} logins: {}", b.name, list.join(", "));
    }
    println!("  Owner login: {OWNER_NAME} (PIN {OWNER_PIN})");
    println!();
    println!(
        "  {} jobs open at Jayanagar, {} at T Nagar; Ctrl-C stops the demo.",
        open_a.len(),
        open_b.len()
    );
    tokio::signal::ctrl_c().await?;
    let _ = stop_tx.send(true);
    Ok(())
}

/// T Nagar's counter does its own bench work (no laptop there): the first
/// two jobs of each day.
fn tech_b_jobs(
    taken: &[(sync_core::ids::RecordId, String)],
) -> Vec<(sync_core::ids::RecordId, String)> {
    taken[..2].to_vec()
}
