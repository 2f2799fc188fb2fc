-- auth_stamp names the current version of what authenticating an API
-- token reads: the token (revoked or not, whose it is), its owner's
-- account (role, team, active...) and skills. Each instance keeps the
-- owners of the tokens it has seen in memory and reads this one row per
-- request to know they are current; the triggers below change the stamp in
-- the same transaction as a revocation or a change of a user, so every
-- instance on the database sees it at its next request (issue #18). As
-- with config_stamp (0030) the stamp is random, never a count a rolled-back
-- change could leave behind for a later one to take again. Recording a
-- token's use (last_used_at) or a sign-in (last_login_at) changes nothing
-- a request is authorised by and leaves the stamp alone.
CREATE TABLE auth_stamp (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    stamp INTEGER NOT NULL
);
INSERT INTO auth_stamp (id, stamp) VALUES (1, 0);
CREATE TRIGGER auth_api_tokens_update AFTER UPDATE OF user_id, token_hash, revoked_at ON api_tokens BEGIN UPDATE auth_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER auth_api_tokens_delete AFTER DELETE ON api_tokens BEGIN UPDATE auth_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER auth_users_update AFTER UPDATE OF email, name, phone, role, password_hash, team_id, service_unit_id, department_id, locale, active, version, updated_at, available ON users BEGIN UPDATE auth_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER auth_users_delete AFTER DELETE ON users BEGIN UPDATE auth_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER auth_user_skills_insert AFTER INSERT ON user_skills BEGIN UPDATE auth_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER auth_user_skills_update AFTER UPDATE ON user_skills BEGIN UPDATE auth_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER auth_user_skills_delete AFTER DELETE ON user_skills BEGIN UPDATE auth_stamp SET stamp = random() WHERE id = 1; END;
