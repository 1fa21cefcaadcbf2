-- Trust carried by each device's enrollment, read by the rule book on every
-- replica: the highest role that may sign on it, whether it is one of the
-- hub's own signing devices, and its number in its branch (job numbers).
-- A device enrolled before this knew no ceiling: a store device gets a
-- manager's, any other a technician's, as the enrollment op's default.
ALTER TABLE devices ADD COLUMN ceiling TEXT NOT NULL DEFAULT 'technician';
ALTER TABLE devices ADD COLUMN hub INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN number INTEGER;
UPDATE devices SET ceiling = 'manager' WHERE holds_store = 1;
-- The branch an item belongs to; NULL (items from before) is the shared
-- catalogue's, which only the root edits.
ALTER TABLE items ADD COLUMN branch BLOB;
-- How an op waiting for its causal past is to be checked when it becomes
-- ready: 'trust' (the hub's verdict came with it), 'rules' (the hub: record
-- a refusal), 'gate' (from a LAN peer: a refused op is not taken at all).
ALTER TABLE pending_ops ADD COLUMN check_kind TEXT NOT NULL DEFAULT 'trust';
-- Every edit of a job (fields, text, estimate lines, parts used), as a fact
-- keyed by its op: an edit whose stamp is later than the change that closed
-- the job was made without knowing of the closure, and is shown for review.
-- A fact set, so every replica holds the same rows in any arrival order.
CREATE TABLE job_edits (
    device       BLOB    NOT NULL,
    seq          INTEGER NOT NULL,
    job          BLOB    NOT NULL,
    hlc_wall     INTEGER NOT NULL,
    hlc_logical  INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    PRIMARY KEY (device, seq)
) WITHOUT ROWID;
CREATE INDEX job_edits_job ON job_edits (job);
