-- An op of another device that this replica held (a LAN peer passed it on)
-- where the hub holds a different one at the same place, both signed by
-- that device: it signed two, and the hub's chain is the one that counts.
-- The hub's op takes the place in the log (at the same lsn, so the log's
-- order stays causal); the op held here before is kept in this table, the
-- evidence it is.
CREATE TABLE forked_ops (
    device BLOB    NOT NULL,
    seq    INTEGER NOT NULL,
    hash   BLOB    NOT NULL,
    wire   BLOB    NOT NULL,
    reason TEXT    NOT NULL,
    at     INTEGER NOT NULL,
    PRIMARY KEY (device, seq)
);

-- The log stays append-only but for that one replacement: a row may leave
-- it only once its very bytes are kept in `forked_ops`.
DROP TRIGGER ops_no_delete;
CREATE TRIGGER ops_no_delete BEFORE DELETE ON ops
WHEN NOT EXISTS (SELECT 1 FROM forked_ops f WHERE f.device = OLD.device AND f.seq = OLD.seq AND f.hash = OLD.hash AND f.wire = OLD.wire)
BEGIN SELECT RAISE(ABORT, 'the operation log is append-only'); END;
