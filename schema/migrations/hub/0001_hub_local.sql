-- What only the hub keeps: the organization, enrollment, wrapped branch keys,
-- rejected operations and the lease book's high-water marks.

-- Pull by branch, in arrival order.
CREATE INDEX ops_branch_lsn ON ops (branch, lsn);

-- Branches besides an op's own that may see it (a transfer is seen by the
-- receiving branch).
CREATE TABLE op_audience (
    lsn     INTEGER NOT NULL,
    branch  BLOB    NOT NULL,
    PRIMARY KEY (branch, lsn)
) WITHOUT ROWID;

CREATE TABLE hub_meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;

-- Branch keys, only ever wrapped under the owner's passphrase (argon2).
CREATE TABLE branch_keys (
    branch   BLOB PRIMARY KEY,
    nonce    BLOB NOT NULL,
    wrapped  BLOB NOT NULL
);

CREATE TABLE enrollments (
    code_hash    BLOB PRIMARY KEY,            -- SHA-256 of the one-time code
    branch       BLOB    NOT NULL,
    label        TEXT    NOT NULL,
    holds_store  INTEGER NOT NULL,
    wrapped_key  BLOB    NOT NULL,            -- branch key wrapped under the code's secret
    nonce        BLOB    NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_by      BLOB,
    used_at      INTEGER
);

CREATE TABLE rejected_ops (
    device  BLOB    NOT NULL,
    seq     INTEGER NOT NULL,
    hash    BLOB    NOT NULL,
    wire    BLOB    NOT NULL,
    reason  TEXT    NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (device, seq)
) WITHOUT ROWID;

CREATE TABLE series_high (
    prefix    TEXT    NOT NULL,
    doc_type  TEXT    NOT NULL,
    fy        INTEGER NOT NULL,
    high      INTEGER NOT NULL,
    PRIMARY KEY (prefix, doc_type, fy)
) WITHOUT ROWID;
