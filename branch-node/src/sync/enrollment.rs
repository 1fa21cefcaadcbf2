//! Joining a hub with a one-time code: keys, genesis, the first leases.

use sync_core::body::OpBody;
use sync_core::domain::roles::Role;

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
    crate::node::refuse_existing(db)?;
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
        let genesis = GenesisMeta {
            owner: er.owner,
            hub_device: er.hub_device,
            hub_key: er.hub_key,
            branch: er.branch,
        };
        let keys = KeyFile {
            device,
            device_seed: hex::encode(seed),
            branch_key: hex::encode(branch_key),
            root_seed: None,
        };
        let offset = offset.to_string();
        let mut meta = vec![
            ("hub_url", hubc.as_str()),
            ("clock_offset", offset.as_str()),
        ];
        if let Some(pem) = ca_text.as_deref() {
            meta.push((HUB_CA_META, pem));
        }
        let made = crate::node::provision(&dbp, &genesis, &keys, &meta);
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

/// Making a device: enrolling with a hub, or (standalone and tests) another
/// device of this branch. Here rather than in `node`, which knows nothing of
/// sync.
impl Node {
    /// Enroll a new device with a hub using a one-time code: creates `db` and
    /// its key file, then pulls the branch's data. Blocking; it runs its own
    /// small runtime on a separate thread, so it may be called from anywhere
    /// except an async worker of a current-thread runtime that also serves the
    /// hub (async callers: `sync::enroll`).
    pub fn enroll(db: &Path, hub_url: &str, code: &str) -> Result<Node> {
        Node::enroll_with_ca(db, hub_url, code, None)
    }

    /// As [`Node::enroll`], trusting the CA certificates in `hub_ca` (PEM)
    /// for the hub instead of the file named by `REPAIR_HUB_CA`.
    pub fn enroll_with_ca(
        db: &Path,
        hub_url: &str,
        code: &str,
        hub_ca: Option<Vec<u8>>,
    ) -> Result<Node> {
        let (db, hub_url, code) = (db.to_path_buf(), hub_url.to_string(), code.to_string());
        let node = std::thread::spawn(move || -> Result<std::sync::Arc<Node>> {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on(enroll_with_ca(&db, &hub_url, &code, hub_ca.as_deref()))
        })
        .join()
        .map_err(|_| NodeError::Setup("enrollment thread panicked".into()))??;
        std::sync::Arc::try_unwrap(node)
            .map_err(|_| NodeError::Setup("enrolled device is still in use".into()))
    }

    /// Test support: create the database and key file of another device of
    /// this branch (same root of trust, same branch key, no stand-in hub
    /// key). The device must be enrolled in this branch (a `DeviceEnrolled`
    /// op); its database starts empty and learns everything by pulling.
    #[doc(hidden)]
    pub fn clone_for_device(
        &self,
        db: &Path,
        device: DeviceId,
        device_seed: [u8; 32],
    ) -> Result<()> {
        crate::node::refuse_existing(db)?;
        let (genesis, branch_key) = self.genesis_meta();
        let keys = KeyFile {
            device,
            device_seed: hex::encode(device_seed),
            branch_key: hex::encode(branch_key),
            root_seed: None,
        };
        crate::node::provision(db, &genesis, &keys, &[])
    }

    /// Standalone only, test and LAN-setup support: enroll a new device of
    /// this branch (signed by the stand-in hub) and create its empty
    /// database at `db`. Open it with [`Node::open`] and pull from this
    /// device to fill it.
    #[doc(hidden)]
    pub fn enroll_local_device(
        &self,
        db: &Path,
        label: &str,
        holds_store: bool,
        ceiling: Option<Role>,
    ) -> Result<DeviceId> {
        let device = DeviceId(crypto::random_bytes()?);
        let seed = crypto::random_bytes::<32>()?;
        let number = self.read(|c| store::read::devices_in_branch(c, self.branch))? + 1;
        self.commit_as_root(OpBody::DeviceEnrolled {
            device,
            key: DeviceKey::from_seed(seed).public(),
            branch: self.branch,
            label: label.into(),
            holds_store,
            ceiling,
            hub: false,
            number: Some(number),
            series: None,
        })?;
        self.clone_for_device(db, device, seed)?;
        Ok(device)
    }
}
