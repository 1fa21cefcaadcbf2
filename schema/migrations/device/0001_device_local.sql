-- What only a device keeps: its identity, sessions, drafts and sync state.

CREATE TABLE device_meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE login_attempts (
    user          BLOB PRIMARY KEY,
    failed        INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
    token_hash  BLOB PRIMARY KEY,
    user        BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

-- Invoice drafts have no number and never leave the device.
CREATE TABLE invoice_drafts (
    id          BLOB PRIMARY KEY,
    doc_type    TEXT    NOT NULL,
    job         BLOB,
    customer    BLOB,
    against     BLOB,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  BLOB    NOT NULL
);

-- Per peer (the hub, or a LAN peer): what it acknowledged, and where our
-- pull from it stands.
CREATE TABLE peer_state (
    peer         TEXT PRIMARY KEY,
    pull_cursor  INTEGER NOT NULL DEFAULT 0,
    last_ok_at   INTEGER,
    last_error   TEXT
);
CREATE TABLE peer_acks (
    peer    TEXT    NOT NULL,
    device  BLOB    NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (peer, device)
) WITHOUT ROWID;

-- Operations the hub refused, with its reason: shown to the user, never dropped.
CREATE TABLE needs_attention (
    device     BLOB    NOT NULL,
    seq        INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    resolved   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (device, seq)
) WITHOUT ROWID;
