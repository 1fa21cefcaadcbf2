-- Ops this device sent that a peer holds back, waiting for their causal
-- past (a gap): the sync bar says so instead of "online".
ALTER TABLE peer_state ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
