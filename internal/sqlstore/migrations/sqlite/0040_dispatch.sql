-- The dispatch board (issue #19). Where each technician's phone last said
-- they were: a check-in, setting off, or a position update. Re-planning
-- the rest of today starts from there.
CREATE TABLE technician_positions (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id),
    lat        REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng        REAL NOT NULL CHECK (lng BETWEEN -180 AND 180),
    at         INTEGER NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('check_in','en_route','update'))
);

-- The customer's visit confirmation, one text per language, plain text
-- with {window}, {technician}, {number} and {link}, so that the same
-- template serves email now and SMS or WeChat later.
CREATE TABLE visit_templates (
    lang       TEXT PRIMARY KEY CHECK (lang IN ('zh-CN','en')),
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);
INSERT INTO visit_templates (lang, subject, body, updated_at) VALUES
('zh-CN', '上门服务确认：工单 {number}', '您好，

您的上门服务时间为 {window}，由 {technician} 上门。工单号 {number}。
查看进度或留言：{link}', 0),
('en', 'Your service visit: ticket {number}', 'Hello,

Your service visit is booked for {window}; {technician} will come. Ticket {number}.
Follow it or write to us: {link}', 0);

-- More links to follow a ticket, one per visit confirmation: the
-- customer's first token is kept only as a hash, so a later message
-- carries a new one. Only hashes are kept.
CREATE TABLE ticket_follow_links (
    token_hash TEXT PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    created_at INTEGER NOT NULL
);
