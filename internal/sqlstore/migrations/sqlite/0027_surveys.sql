-- Surveys by link (issue #20): templates that administrators version, one
-- invitation per ticket (created when it is resolved, or when staff ask for
-- its link), and at most one response per ticket. The response also fills
-- ticket_feedback (channel 'survey'), so the CSAT and NPS KPIs read it as
-- they read a follow-up call.

-- A template's versions share a code; a version is never changed, an edit
-- adds the next, and an answer keeps the version it answered.
CREATE TABLE survey_templates (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    kind       TEXT NOT NULL CHECK (kind IN ('csat', 'nps', 'ces')),
    title_zh   TEXT NOT NULL,
    title_en   TEXT NOT NULL,
    questions  TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    UNIQUE (code, version)
);

-- What resolving a ticket does: one row, versioned like app_settings.
CREATE TABLE survey_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    template_code TEXT NOT NULL DEFAULT 'csat',
    delay_minutes INTEGER NOT NULL DEFAULT 60 CHECK (delay_minutes BETWEEN 0 AND 10080),
    expiry_days   INTEGER NOT NULL DEFAULT 14 CHECK (expiry_days BETWEEN 1 AND 90),
    version       INTEGER NOT NULL DEFAULT 1,
    updated_at    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO survey_settings (id) VALUES (1);

-- channel is how the invitation reached the customer ('' until it did);
-- sent_at is set when a link is handed out, and for email is the outbox
-- row's sent_at. region_id is the ticket's region when invited, so the
-- response rate by region does not walk the network on every read.
CREATE TABLE survey_invitations (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL UNIQUE REFERENCES tickets(id),
    template_id INTEGER NOT NULL REFERENCES survey_templates(id),
    channel     TEXT NOT NULL DEFAULT '' CHECK (channel IN ('', 'email', 'sms', 'wechat', 'link')),
    region_id   INTEGER,
    email_id    INTEGER REFERENCES email_outbox(id),
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    expires_at  INTEGER NOT NULL,
    answered_at INTEGER
);
CREATE INDEX survey_invitations_created ON survey_invitations (created_at);

CREATE TABLE survey_responses (
    invitation_id INTEGER PRIMARY KEY REFERENCES survey_invitations(id),
    ticket_id     INTEGER NOT NULL UNIQUE REFERENCES tickets(id),
    template_id   INTEGER NOT NULL REFERENCES survey_templates(id),
    csat          INTEGER CHECK (csat BETWEEN 1 AND 5),
    nps           INTEGER CHECK (nps BETWEEN 0 AND 10),
    ces           INTEGER CHECK (ces BETWEEN 1 AND 7),
    reasons       TEXT NOT NULL DEFAULT '[]',
    comment       TEXT NOT NULL DEFAULT '',
    lang          TEXT NOT NULL,
    at            INTEGER NOT NULL,
    CHECK (csat IS NOT NULL OR nps IS NOT NULL OR ces IS NOT NULL)
);

-- The default template of every kind.
INSERT INTO survey_templates (code, version, kind, title_zh, title_en, questions, created_at) VALUES
    ('csat', 1, 'csat', '服务满意度调查', 'How did we do?', '[{"key":"csat","type":"score","scale":"csat","zh":"您对本次服务满意吗？","en":"How satisfied are you with our service?"},{"key":"reasons","type":"reasons","zh":"主要原因（可多选）","en":"What mattered most? (pick any)","options":[{"code":"fast","zh":"响应及时","en":"Quick response"},{"code":"fixed","zh":"问题已解决","en":"Problem solved"},{"code":"friendly","zh":"服务态度好","en":"Friendly staff"},{"code":"slow","zh":"等待太久","en":"Waited too long"},{"code":"not_fixed","zh":"问题没有解决","en":"Problem not solved"},{"code":"repeat_visit","zh":"多次上门","en":"Needed several visits"},{"code":"attitude","zh":"服务态度差","en":"Unfriendly staff"},{"code":"price","zh":"收费不合理","en":"Unfair charges"},{"code":"other","zh":"其他","en":"Other"}]},{"key":"comment","type":"text","zh":"还有什么想告诉我们？（选填）","en":"Anything else you want to tell us? (optional)"}]', 0),
    ('nps', 1, 'nps', '推荐意愿调查', 'Would you recommend us?', '[{"key":"nps","type":"score","scale":"nps","zh":"您有多大可能向亲友推荐我们？","en":"How likely are you to recommend us to a friend?"},{"key":"comment","type":"text","zh":"您打这个分的主要原因是？（选填）","en":"What is the main reason for your score? (optional)"}]', 0),
    ('ces', 1, 'ces', '服务便捷度调查', 'How easy was it?', '[{"key":"ces","type":"score","scale":"ces","zh":"解决这个问题对您来说有多费力？","en":"How much effort did it take to get your issue solved?"},{"key":"comment","type":"text","zh":"还有什么想告诉我们？（选填）","en":"Anything else you want to tell us? (optional)"}]', 0);
