-- After a restore from a backup, the devices whose re-sent work the hub
-- still waits for. While any device of a branch is listed, the hub signs
-- nothing in that branch's chain (its lost tail may be on that device, and
-- a new op at the same place would fork the chain); while any is listed at
-- all, nothing in the root's chain.
CREATE TABLE restore_waits (
    device  BLOB PRIMARY KEY,
    branch  BLOB NOT NULL
) WITHOUT ROWID;

-- What the hub had to sign in a chain that was recovering (a transfer's
-- notice to the other branch, a forger's revocation), signed in order once
-- the chain has recovered.
CREATE TABLE deferred_hub_ops (
    id      INTEGER PRIMARY KEY,
    device  BLOB NOT NULL,
    branch  BLOB NOT NULL,
    author  BLOB NOT NULL,
    body    TEXT NOT NULL
);
