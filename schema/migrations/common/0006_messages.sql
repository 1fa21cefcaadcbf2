-- Messages to customers (`MessageQueued`), each with the latest status the
-- hub reported of it (`MessageReported`). The status moves only forward
-- (`status_rank`, see `sync_core::domain::messages::Status::rank`).
CREATE TABLE messages (
    id          BLOB PRIMARY KEY,
    branch      BLOB    NOT NULL,
    customer    BLOB    NOT NULL,
    job         BLOB,
    event       TEXT    NOT NULL,
    language    TEXT    NOT NULL,
    recipient   TEXT    NOT NULL,
    msg_values  TEXT    NOT NULL,
    resend_of   BLOB,
    author      BLOB    NOT NULL,
    at          INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    status_rank INTEGER NOT NULL,
    channel     TEXT,
    provider_id TEXT,
    reason      TEXT,
    status_at   INTEGER
);
CREATE INDEX messages_job ON messages (job);
CREATE INDEX messages_status ON messages (status);

-- The customer's language for messages (a code: en, hi, kn, ta; none means
-- the branch's choice) and their wish to get none.
ALTER TABLE customers ADD COLUMN language TEXT;
ALTER TABLE customers ADD COLUMN no_messages INTEGER NOT NULL DEFAULT 0;

-- The delivery OTP sealed under the branch key (JSON), for the "ready for
-- pickup" message; its hash stays what delivery is checked against.
ALTER TABLE jobs ADD COLUMN otp_sealed TEXT;
