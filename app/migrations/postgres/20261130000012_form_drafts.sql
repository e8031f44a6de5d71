-- A form posted without JavaScript and refused goes back to the page with the
-- error and its short fields in the URL; free text (a justification) stays out
-- of URLs and waits here instead: one draft per user and form, read back only
-- by its user with the token the redirect carries, ignored after an hour and
-- dropped once the form is filed.
CREATE TABLE form_drafts (
    user_id    BIGINT NOT NULL REFERENCES users (id),
    form       TEXT NOT NULL,
    token      TEXT NOT NULL,
    fields     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, form)
);
CREATE INDEX form_drafts_created ON form_drafts (created_at);
