-- The hub's side of sending customer messages (never synced).
--
-- `message_sends`: a row is written and committed *before* the provider is
-- asked, so a message is asked for at most once whatever crashes or
-- duplicated pushes come: `sending` until the provider answers, then
-- `answered`; a `sending` row left by a hub that stopped is `unanswered`,
-- never sent again by itself.
CREATE TABLE message_sends (
    message     BLOB PRIMARY KEY,
    branch      BLOB    NOT NULL,
    channel     TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    provider_id TEXT,
    reason      TEXT,
    claimed_at  INTEGER NOT NULL,
    answered_at INTEGER
);
CREATE INDEX message_sends_provider ON message_sends (provider_id);
CREATE INDEX message_sends_state ON message_sends (state);

-- A channel's settings for this business (its credentials stay here, never
-- on a device): `whatsapp` as JSON.
CREATE TABLE message_channels (
    channel    TEXT PRIMARY KEY,
    settings   TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Status webhooks already taken, by the provider's event id: a delivery
-- report sent twice is acted on once.
CREATE TABLE webhook_events (
    event_id TEXT PRIMARY KEY,
    at       INTEGER NOT NULL
);
