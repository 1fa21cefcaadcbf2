-- The owner's words for customer messages (`TemplateSet`), by scope (a
-- branch's id, or the head office's for the whole business), event and
-- language; none means the built-in words.
CREATE TABLE message_templates (
    scope    bytea NOT NULL,
    event    text COLLATE "C" NOT NULL,
    language text COLLATE "C" NOT NULL,
    text     text COLLATE "C" NOT NULL,
    PRIMARY KEY (scope, event, language)
);
