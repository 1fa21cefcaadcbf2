-- The hub on PostgreSQL, first part: what several hub processes over one
-- database must share. Every table is keyed by `business` first, so that a
-- deployment of many businesses can shard by it (Citus distributes by that
-- column) and no query of one business can reach another's rows.
-- Ids are 16 raw bytes (bytea), as in the SQLite schema.

CREATE TABLE businesses (
    business    bytea  PRIMARY KEY CHECK (length(business) = 16),
    name        text   NOT NULL,
    created_at  bigint NOT NULL
);

-- Every signed operation, exactly as received. `lsn` is the pull cursor:
-- appends to one business's log are serialized (a transaction-scoped
-- advisory lock on the business), so its lsn order is its commit order and
-- a puller never skips an op that commits late with a smaller lsn.
CREATE TABLE ops (
    business  bytea   NOT NULL REFERENCES businesses,
    lsn       bigint  NOT NULL,
    device    bytea   NOT NULL,
    seq       bigint  NOT NULL CHECK (seq > 0),
    branch    bytea   NOT NULL,
    kind      text    NOT NULL,
    hash      bytea   NOT NULL,
    wire      bytea   NOT NULL,
    rejected  text,
    PRIMARY KEY (business, device, seq),
    UNIQUE (business, lsn)
);

-- The last op of each device's chain (the hub's own signing devices
-- included): the next one is seq + 1 and names this hash.
CREATE TABLE chain_heads (
    business  bytea   NOT NULL REFERENCES businesses,
    device    bytea   NOT NULL,
    seq       bigint  NOT NULL,
    hash      bytea   NOT NULL,
    PRIMARY KEY (business, device)
);

-- The last number leased in each series: a grant raises it in one
-- statement, under the row's lock, so two hub processes never hand out
-- the same block.
CREATE TABLE series_high (
    business  bytea   NOT NULL REFERENCES businesses,
    prefix    text    NOT NULL,
    doc_type  text    NOT NULL,
    fy        integer NOT NULL,
    high      bigint  NOT NULL CHECK (high >= 0),
    PRIMARY KEY (business, prefix, doc_type, fy)
);

CREATE TABLE leases (
    business  bytea   NOT NULL REFERENCES businesses,
    id        bytea   NOT NULL,
    device    bytea   NOT NULL,
    prefix    text    NOT NULL,
    doc_type  text    NOT NULL,
    fy        integer NOT NULL,
    first     bigint  NOT NULL,
    last      bigint  NOT NULL CHECK (last >= first),
    PRIMARY KEY (business, id)
);
CREATE INDEX leases_by_series ON leases (business, prefix, doc_type, fy, first);

-- Signed requests seen inside the clock window, by any hub process: the
-- second sight of one is a replay.
CREATE TABLE seen_requests (
    business    bytea   NOT NULL REFERENCES businesses,
    device      bytea   NOT NULL,
    signature   bytea   NOT NULL,
    expires_at  bigint  NOT NULL,
    PRIMARY KEY (business, device, signature)
);
CREATE INDEX seen_requests_expiry ON seen_requests (expires_at);
