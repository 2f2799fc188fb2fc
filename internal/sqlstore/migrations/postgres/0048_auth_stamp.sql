-- auth_stamp names the current version of what authenticating an API
-- token reads: the token (revoked or not, whose it is), its owner's
-- account (role, team, active...) and skills. Each instance keeps the
-- owners of the tokens it has seen in memory and reads this one row per
-- request to know they are current; the triggers below change the stamp in
-- the same transaction as a revocation or a change of a user, so every
-- instance on the database sees it at its next request (issue #18). As
-- with config_stamp (0030) the stamp comes from a sequence, which a
-- rolled-back transaction never gives back. Recording a token's use
-- (last_used_at) or a sign-in (last_login_at) changes nothing a request is
-- authorised by and leaves the stamp alone.
CREATE SEQUENCE auth_stamp_seq;
CREATE TABLE auth_stamp (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    stamp BIGINT NOT NULL
);
INSERT INTO auth_stamp (id, stamp) VALUES (1, 0);
CREATE FUNCTION auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_stamp SET stamp = nextval('auth_stamp_seq') WHERE id = 1;
    RETURN NULL;
END $$;
CREATE TRIGGER auth_api_tokens AFTER DELETE OR TRUNCATE OR UPDATE OF user_id, token_hash, revoked_at ON api_tokens FOR EACH STATEMENT EXECUTE FUNCTION auth_changed();
CREATE TRIGGER auth_users AFTER DELETE OR TRUNCATE OR UPDATE OF email, name, phone, role, password_hash, team_id, service_unit_id, department_id, locale, active, version, updated_at, available ON users FOR EACH STATEMENT EXECUTE FUNCTION auth_changed();
CREATE TRIGGER auth_user_skills AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE ON user_skills FOR EACH STATEMENT EXECUTE FUNCTION auth_changed();
