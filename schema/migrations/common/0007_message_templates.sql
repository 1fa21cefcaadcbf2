-- The owner's words for customer messages (`TemplateSet`), by scope (a
-- branch's id, or the head office's for the whole business), event and
-- language; none means the built-in words.
CREATE TABLE message_templates (
    scope    BLOB    NOT NULL,
    event    TEXT    NOT NULL,
    language TEXT    NOT NULL,
    text     TEXT    NOT NULL,
    PRIMARY KEY (scope, event, language)
);
