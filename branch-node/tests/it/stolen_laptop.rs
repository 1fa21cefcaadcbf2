//! A stolen laptop: with the database file alone (and its WAL), no device
//! password can be read, and an altered ciphertext is refused even with the key.

use crate::common;

use branch_node::{NodeError, crypto, services as svc};
use sync_core::body::Sealed;
use sync_core::ids::RecordId;

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_database_file_alone_reveals_no_device_password() {
    let s = common::shop();
    let secret = "Kx9#mango-1729";
    let mut i = common::intake("9845012345");
    i.password = Some(svc::PasswordInput {
        kind: sync_core::body::PasswordKind::Text,
        value: secret.into(),
    });
    let job = svc::open_job(&s.node, &s.receptionist, i)
        .unwrap()
        .job
        .summary
        .id;
    let other = svc::open_job(&s.node, &s.receptionist, common::intake("9845012346"))
        .unwrap()
        .job
        .summary
        .id;

    // The thief copies the database and its WAL, not the key file.
    let loot = tempfile::tempdir().unwrap();
    let stolen = loot.path().join("shop.sqlite");
    let mut all_bytes = vec![];
    for ext in ["", "-wal", "-shm"] {
        let from = std::path::PathBuf::from(format!("{}{ext}", s.db().display()));
        if from.exists() {
            let to = std::path::PathBuf::from(format!("{}{ext}", stolen.display()));
            std::fs::copy(&from, &to).unwrap();
            all_bytes.extend(std::fs::read(&to).unwrap());
        }
    }
    assert!(
        !contains(&all_bytes, secret.as_bytes()),
        "plaintext password in the file"
    );
    let keys = branch_node::keys::KeyFile::load(&s.db()).unwrap();
    let branch_key = keys.branch_key().unwrap();
    assert!(!contains(&all_bytes, &branch_key), "branch key in the file");
    assert!(
        !contains(&all_bytes, keys.branch_key.as_bytes()),
        "branch key (hex) in the file"
    );
    assert!(
        !contains(&all_bytes, &keys.device_seed().unwrap()),
        "device signing key in the file"
    );

    // The device cannot even be opened without its key file.
    let e = branch_node::Node::open(&stolen).unwrap_err();
    assert!(matches!(e, NodeError::Keys(_)), "{e}");

    // The ciphertext is there, but does not open under any other key.
    let c = rusqlite::Connection::open(&stolen).unwrap();
    let (nonce, ct): (String, String) = c
        .query_row(
            "SELECT password_nonce, password_ct FROM jobs WHERE id = ?1",
            [&job.0[..]],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let sealed = Sealed {
        nonce: nonce.clone(),
        ciphertext: ct.clone(),
    };
    for guess in [[0u8; 32], [0xff; 32], crypto::random_bytes::<32>().unwrap()] {
        assert!(matches!(
            crypto::open(&guess, job, "password", &sealed),
            Err(NodeError::Crypto(_))
        ));
    }
    // With the real key it opens: the test above could have failed.
    assert_eq!(
        crypto::open(&branch_key, job, "password", &sealed).unwrap(),
        secret
    );
    // An altered ciphertext is refused, even with the key.
    let mut bytes = hex::decode(&ct).unwrap();
    bytes[0] ^= 1;
    let altered = Sealed {
        nonce,
        ciphertext: hex::encode(bytes),
    };
    assert!(matches!(
        crypto::open(&branch_key, job, "password", &altered),
        Err(NodeError::Crypto(_))
    ));
    // A ciphertext moved to another job (or field) does not open either.
    assert!(crypto::open(&branch_key, other, "password", &sealed).is_err());
    assert!(crypto::open(&branch_key, job, "notes", &sealed).is_err());
    // Two seals of the same secret differ (fresh nonce each time).
    let a = crypto::seal(&branch_key, RecordId([1; 16]), "password", "same").unwrap();
    let b = crypto::seal(&branch_key, RecordId([1; 16]), "password", "same").unwrap();
    assert_ne!(a.nonce, b.nonce);
    assert_ne!(a.ciphertext, b.ciphertext);
}

#[test]
fn tampered_ciphertext_in_the_database_is_refused_by_the_service() {
    let s = common::shop();
    let job = svc::open_job(&s.node, &s.receptionist, common::intake("9845012345"))
        .unwrap()
        .job
        .summary
        .id;
    s.node
        .read(|c| {
            let ct: String = c.query_row(
                "SELECT password_ct FROM jobs WHERE id = ?1",
                [&job.0[..]],
                |r| r.get(0),
            )?;
            let mut b = hex::decode(ct).unwrap();
            let last = b.len() - 1;
            b[last] ^= 0x80;
            c.execute(
                "UPDATE jobs SET password_ct = ?1 WHERE id = ?2",
                rusqlite::params![hex::encode(b), &job.0[..]],
            )?;
            Ok(())
        })
        .unwrap();
    let e = svc::reveal_password(&s.node, &s.technician, job, "check").unwrap_err();
    assert!(matches!(e, NodeError::Crypto(_)), "{e}");
}
