-- Ops a replica applied that the hub then refused: a LAN peer passed one on
-- before the hub's verdict could (its device revoked meanwhile, say). The
-- log is append-only, so the hub's verdict is kept beside it; the tables are
-- rebuilt without these ops, the digest leaves them out, and the audit log
-- keeps its entry, marked overruled.
CREATE TABLE overruled_ops (
    device BLOB    NOT NULL,
    seq    INTEGER NOT NULL,
    reason TEXT    NOT NULL,
    at     INTEGER NOT NULL,
    PRIMARY KEY (device, seq)
);

-- The ops a replica counts: in its log, refused by the hub neither on
-- receipt (`ops.rejected`) nor afterwards (`overruled_ops`).
CREATE VIEW held_ops AS
SELECT o.* FROM ops o
 WHERE o.rejected IS NULL
   AND NOT EXISTS (SELECT 1 FROM overruled_ops x WHERE x.device = o.device AND x.seq = o.seq);
