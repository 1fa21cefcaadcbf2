-- Which life of the hub a device last spoke to. A hub restored from a backup
-- starts a new one: the device then re-sends everything (the hub may have
-- lost what it acknowledged after the backup), rewinds its pull cursor to
-- where the backup ended, and tells the hub once it has sent it all.
ALTER TABLE peer_state ADD COLUMN incarnation TEXT;
ALTER TABLE peer_state ADD COLUMN resync_due INTEGER NOT NULL DEFAULT 0;
