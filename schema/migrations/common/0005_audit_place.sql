-- The audit entries of one place of a chain (a device's op at a seq). A
-- place has one entry, except where the hub's op replaced a forked one
-- (`forked_ops`, devices only): the digest counts the latest entry of each
-- place, found through this index.
CREATE INDEX audit_place ON audit (device, seq);
