//! `hub-pg` against a real PostgreSQL server (`scripts/postgres`, started
//! by `scripts/test-all`), each test on a fresh database of its own. Two
//! pools stand for two hub processes: each has its own connections, so
//! what they share is only what goes through the database.

mod migrations;
mod replica;
mod shared;

use hub_pg::{Business, Pool};

/// A database made for one test, dropped (forcibly) when it ends.
pub struct TestDb {
    pub url: String,
    admin: String,
    name: String,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Drop runs outside any runtime the test may still be in.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(c) = hub_pg::pool::connect(&admin).await {
                    let _ = c
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

/// A fresh database, or None (the test skips, saying so) when no server is
/// configured; `REPAIR_REQUIRE_PG=1` (set by `scripts/test-all`) makes that
/// a failure instead.
pub async fn fresh_db() -> Option<TestDb> {
    let Ok(admin) = std::env::var("REPAIR_PG_URL") else {
        assert!(
            std::env::var("REPAIR_REQUIRE_PG").is_err(),
            "REPAIR_REQUIRE_PG is set but REPAIR_PG_URL is not: run scripts/postgres"
        );
        eprintln!("skipped: no PostgreSQL (REPAIR_PG_URL unset; scripts/postgres starts one)");
        return None;
    };
    let c = hub_pg::pool::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at REPAIR_PG_URL: {e}"));
    let mut r = [0u8; 6];
    getrandom::getrandom(&mut r).unwrap();
    let name = format!("repair_t_{}", hex::encode(r));
    c.batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    Some(TestDb {
        url: format!("{base}/{name}"),
        admin,
        name,
    })
}

/// A migrated database and two "hub processes" over it.
pub async fn two_hubs(db: &TestDb) -> (Pool, Pool) {
    let a = Pool::open(&db.url, 4).await.unwrap();
    hub_pg::migrate(&mut *a.get().await).await.unwrap();
    let b = Pool::open(&db.url, 4).await.unwrap();
    hub_pg::migrate(&mut *b.get().await).await.unwrap();
    (a, b)
}

pub fn business(n: u8) -> Business {
    Business([n; 16])
}
