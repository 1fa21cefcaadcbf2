//! Serving a device: the web UI, the local API and the LAN side of sync,
//! with sync in the background; and the demo shop, built and served.

use std::path::Path;
use std::sync::Arc;

use crate::error::Result;
use crate::node::Node;

pub(super) fn demo(dir: Option<&Path>, listen: &str) -> Result<()> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!("repair-shop-demo-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("front-desk.sqlite");
    let node = Arc::new(crate::demo::build(&db)?);
    serve(node, listen, Some(&db), &[])
}

pub(super) fn serve(
    node: Arc<Node>,
    listen: &str,
    demo_db: Option<&std::path::Path>,
    peers: &[String],
) -> Result<()> {
    if !peers.is_empty() {
        node.set_lan_peers(peers)?;
    }
    let sync_peers = if demo_db.is_some() {
        vec![]
    } else {
        node.sync_peers()?
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let stop = Arc::new(tokio::sync::Notify::new());
        let sync_loop = if sync_peers.is_empty() {
            None
        } else {
            eprintln!("branch-node: syncing with {}", sync_peers.join(", "));
            let s = stop.clone();
            Some(tokio::spawn(crate::sync::run_sync_loop(
                node.clone(),
                sync_peers,
                async move { s.notified().await },
            )))
        };
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        if let Some(db) = demo_db {
            println!("Demo shop ready.");
            println!("  database:  {}", db.display());
            println!("  web UI:    http://{addr}/");
            println!("  local API: http://{addr}/api   (OpenAPI: http://{addr}/openapi.json)");
            println!("  log in:    POST http://{addr}/api/login {{\"user\": \"Meera Manager\", \"pin\": \"{}\"}}", crate::demo::PIN);
            println!("  users:     Olivia Owner, Meera Manager, Ravi Reception, Tara Technician, Arun Accounts (PIN {})", crate::demo::PIN);
            println!("Press Ctrl-C to stop.");
        } else {
            eprintln!(
                "branch-node: device {} serving http://{addr} (web UI at /, API at /api)",
                node.device
            );
        }
        let served = crate::api::serve(listener, node, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
        stop.notify_one();
        if let Some(h) = sync_loop {
            let _ = h.await;
        }
        served
    })?;
    Ok(())
}
