//! Joining a hub with a one-time code: keys, genesis, the first leases.

use super::*;

/// Enroll a new device with a hub (async; [`Node::enroll`] is the blocking
/// form). Refuses if `db` exists. Sends this device's new public key with the
/// one-time code, opens the branch key the hub wrapped under the code's
/// secret, writes the key file and the database, and pulls the branch's
/// data. If that first pull fails the device is still enrolled (the failure
/// is in `peer_state.last_error`; the next sync pulls). An `https://` hub
/// with a self-signed certificate needs its CA in [`HUB_CA_ENV`].
pub async fn enroll(db: &Path, hub_url: &str, code: &str) -> Result<Arc<Node>> {
    enroll_with_ca(db, hub_url, code, None).await
}

/// As [`enroll`], trusting the CA certificates in `hub_ca` (PEM) for the
/// hub, instead of the file in [`HUB_CA_ENV`]. The CA is kept in the
/// database: every later sync trusts it too.
pub async fn enroll_with_ca(
    db: &Path,
    hub_url: &str,
    code: &str,
    hub_ca: Option<&[u8]>,
) -> Result<Arc<Node>> {
    let code = code.trim().to_string();
    let hub = peer_key(hub_url);
    if db.exists() || crate::keys::path_for(db).exists() {
        return Err(NodeError::Setup(format!(
            "{} already exists; refusing to overwrite a device database",
            db.display()
        )));
    }
    if hub.is_empty() {
        return Err(NodeError::invalid(
            "hub_url",
            "give the hub's address, like http://hub.local:7400",
        ));
    }
    let secret = protocol::code_secret_key(&code).ok_or_else(|| {
        NodeError::invalid(
            "code",
            "is not an enrollment code: expected the <id>-<secret> the owner was given",
        )
    })?;
    let device = DeviceId(crypto::random_bytes()?);
    let seed = crypto::random_bytes::<32>()?;
    let key = DeviceKey::from_seed(seed);
    let ca: Option<Vec<u8>> = match hub_ca {
        Some(pem) => Some(pem.to_vec()),
        None => env_ca()?,
    };
    let ca_text = match &ca {
        Some(pem) => Some(
            String::from_utf8(pem.clone())
                .map_err(|_| NodeError::invalid("hub_ca", "is not a PEM (text) file"))?,
        ),
        None => None,
    };
    let client = SyncClient::build(ca.as_deref().into_iter())?;
    let sent = now_ms();
    let resp = client
        .http
        .post(format!("{hub}{}", protocol::ENROLL))
        .json(&EnrollRequest {
            code: code.clone(),
            device,
            public_key: key.public(),
        })
        .send()
        .await
        .map_err(|e| NodeError::Network(format!("{hub}: {e}")))?;
    let received = now_ms();
    let status = resp.status();
    let text = resp
        .bytes()
        .await
        .map_err(|e| NodeError::Network(format!("{hub}: {e}")))?;
    if !status.is_success() {
        return Err(peer_error(
            &hub,
            status.as_u16(),
            &String::from_utf8_lossy(&text),
        ));
    }
    let er: EnrollResponse = serde_json::from_slice(&text).map_err(|e| NodeError::Peer {
        peer: hub.clone(),
        status: status.as_u16(),
        message: format!("enrollment answer is not understood: {e}"),
    })?;
    let plain = sync_core::seal::open(
        &secret,
        &sync_core::seal::branch_key_aad(&er.branch),
        &er.wrapped_branch_key,
    )
    .map_err(|e| {
        NodeError::Crypto(format!(
            "the branch key from the hub does not open with this code: {e}"
        ))
    })?;
    let branch_key: [u8; 32] = plain
        .try_into()
        .map_err(|_| NodeError::Crypto("the branch key from the hub is not 32 bytes".into()))?;
    for l in &er.leases {
        tracing::info!(
            series = %format!("{}/{}", l.prefix, l.fy),
            doc_type = l.doc_type.as_str(),
            first = l.first,
            last = l.last,
            "enrollment granted a number block"
        );
    }
    let offset = er.hub_time_ms as i64 - (sent / 2 + received / 2) as i64;
    let (dbp, hubc) = (db.to_path_buf(), hub.clone());
    let node = blocking(move || {
        let made = create_enrolled(
            &dbp,
            &hubc,
            device,
            seed,
            branch_key,
            &er,
            offset,
            ca_text.as_deref(),
        );
        if made.is_err() {
            // Leave nothing half-made; the code is spent, the owner issues a new one.
            let mut files = vec![dbp.clone(), crate::keys::path_for(&dbp)];
            for suffix in ["-wal", "-shm"] {
                let mut p = dbp.as_os_str().to_owned();
                p.push(suffix);
                files.push(p.into());
            }
            for p in files {
                let _ = std::fs::remove_file(p);
            }
        }
        made?;
        Node::open(&dbp)
    })
    .await?;
    let node = Arc::new(node);
    match client.sync(&node, &hub).await {
        Ok(r) => tracing::info!(pulled = r.pulled, "enrolled; first pull done"),
        Err(e) => {
            tracing::warn!(error = %e, "enrolled, but the first pull failed; the next sync retries")
        }
    }
    Ok(node)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn create_enrolled(
    db: &Path,
    hub: &str,
    device: DeviceId,
    seed: [u8; 32],
    branch_key: [u8; 32],
    er: &EnrollResponse,
    offset: i64,
    hub_ca: Option<&str>,
) -> Result<()> {
    let store = Store::open(db)?;
    let genesis = GenesisMeta {
        owner: er.owner,
        hub_device: er.hub_device,
        hub_key: er.hub_key,
        branch: er.branch,
    };
    store::meta_set(
        &store.conn,
        "genesis",
        &serde_json::to_string(&genesis).expect("genesis serializes"),
    )?;
    store::meta_set(&store.conn, "hub_url", hub)?;
    store::meta_set(&store.conn, "clock_offset", &offset.to_string())?;
    if let Some(pem) = hub_ca {
        store::meta_set(&store.conn, HUB_CA_META, pem)?;
    }
    drop(store);
    KeyFile {
        device,
        device_seed: hex::encode(seed),
        branch_key: hex::encode(branch_key),
        root_seed: None,
    }
    .save(db)
}
