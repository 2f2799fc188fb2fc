-- config_stamp names the current version of the configuration that ticket
-- writes read on every create and update: SLA policies, business calendars,
-- categories, service units, teams and their members and skills, routing
-- rules, custom fields, webhooks and automation rules. Each instance keeps
-- that configuration in memory and reads the stamp (one row) to know its
-- copy is current; the triggers below change the stamp in the same
-- transaction as any change to those tables, so every instance on the
-- database sees it at its next write (issue #18).
-- The stamp comes from a sequence, which a rolled-back transaction never
-- gives back, so a stamp is never taken twice.
CREATE SEQUENCE config_stamp_seq;
CREATE TABLE config_stamp (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    stamp BIGINT NOT NULL
);
INSERT INTO config_stamp (id, stamp) VALUES (1, 0);
CREATE FUNCTION config_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE config_stamp SET stamp = nextval('config_stamp_seq') WHERE id = 1;
    RETURN NULL;
END $$;
CREATE TRIGGER config_sla_policies AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE ON sla_policies FOR EACH STATEMENT EXECUTE FUNCTION config_changed();
CREATE TRIGGER config_business_calendars AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE ON business_calendars FOR EACH STATEMENT EXECUTE FUNCTION config_changed();
CREATE TRIGGER config_product_categories AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE ON product_categories FOR EACH STATEMENT EXECUTE FUNCTION config_changed();
CREATE TRIGGER config_service_units AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE ON service_units FOR EACH STATEMENT EXECUTE FUNCTION config_changed();
CREATE TRIGGER config_teams AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF name, service_unit_id, strategy, capacity, calendar_id ON teams FOR EACH STATEMENT EXECUTE FUNCTION config_changed();
CREATE TRIGGER config_users AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF name, team_id, active, available ON users FOR EACH STATEMENT EXECUTE FUNCTION config_changed();
CREATE TRIGGER config_user_skills AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE ON user_skills FOR EACH STATEMENT EXECUTE FUNCTION config_changed();
CREATE TRIGGER config_routing_rules AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE ON routing_rules FOR EACH STATEMENT EXECUTE FUNCTION config_changed();
CREATE TRIGGER config_custom_fields AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE ON custom_fields FOR EACH STATEMENT EXECUTE FUNCTION config_changed();
CREATE TRIGGER config_webhooks AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF events, active ON webhooks FOR EACH STATEMENT EXECUTE FUNCTION config_changed();
CREATE TRIGGER config_automation_rules AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE ON automation_rules FOR EACH STATEMENT EXECUTE FUNCTION config_changed();
