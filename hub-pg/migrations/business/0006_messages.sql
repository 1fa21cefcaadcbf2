-- Messages to customers (`MessageQueued`), each with the latest status the
-- hub reported of it (`MessageReported`). The status moves only forward
-- (`status_rank`, see `sync_core::domain::messages::Status::rank`).
CREATE TABLE messages (
    id          bytea PRIMARY KEY,
    branch      bytea    NOT NULL,
    customer    bytea    NOT NULL,
    job         bytea,
    event       text COLLATE "C" NOT NULL,
    language    text COLLATE "C" NOT NULL,
    recipient   text COLLATE "C" NOT NULL,
    msg_values  text COLLATE "C" NOT NULL,
    resend_of   bytea,
    author      bytea    NOT NULL,
    at          bigint NOT NULL,
    status      text COLLATE "C" NOT NULL,
    status_rank bigint NOT NULL,
    channel     text COLLATE "C",
    provider_id text COLLATE "C",
    reason      text COLLATE "C",
    status_at   bigint
);
CREATE INDEX messages_job ON messages (job);
CREATE INDEX messages_status ON messages (status);

-- The customer's language for messages (a code: en, hi, kn, ta; none means
-- the branch's choice) and their wish to get none.
ALTER TABLE customers ADD COLUMN language text COLLATE "C";
ALTER TABLE customers ADD COLUMN no_messages bigint NOT NULL DEFAULT 0;

-- The delivery OTP sealed under the branch key (JSON), for the "ready for
-- pickup" message; its hash stays what delivery is checked against.
ALTER TABLE jobs ADD COLUMN otp_sealed text COLLATE "C";
-- The hub's side of sending customer messages (never synced).
--
-- `message_sends`: a row is written and committed *before* the provider is
-- asked, so a message is asked for at most once whatever crashes or
-- duplicated pushes come: `sending` until the provider answers, then
-- `answered`; a `sending` row left by a hub that stopped is `unanswered`,
-- never sent again by itself.
CREATE TABLE message_sends (
    message     bytea PRIMARY KEY,
    branch      bytea    NOT NULL,
    channel     text COLLATE "C" NOT NULL,
    state       text COLLATE "C" NOT NULL,
    provider_id text COLLATE "C",
    reason      text COLLATE "C",
    claimed_at  bigint NOT NULL,
    answered_at bigint
);
CREATE INDEX message_sends_provider ON message_sends (provider_id);
CREATE INDEX message_sends_state ON message_sends (state);

-- A channel's settings for this business (its credentials stay here, never
-- on a device): `whatsapp` as JSON.
CREATE TABLE message_channels (
    channel    text COLLATE "C" PRIMARY KEY,
    settings   text COLLATE "C" NOT NULL,
    updated_at bigint NOT NULL
);

-- Status webhooks already taken, by the provider's event id: a delivery
-- report sent twice is acted on once.
CREATE TABLE webhook_events (
    event_id text COLLATE "C" PRIMARY KEY,
    at       bigint NOT NULL
);
