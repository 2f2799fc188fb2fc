-- config_stamp names the current version of the configuration that ticket
-- writes read on every create and update: SLA policies, business calendars,
-- categories, service units, teams and their members and skills, routing
-- rules, custom fields, webhooks and automation rules. Each instance keeps
-- that configuration in memory and reads the stamp (one row) to know its
-- copy is current; the triggers below change the stamp in the same
-- transaction as any change to those tables, so every instance on the
-- database sees it at its next write (issue #18).
-- The stamp is random, not a count: a transaction that changed the
-- configuration and rolled back must never leave a stamp that a later
-- change could take again.
CREATE TABLE config_stamp (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    stamp INTEGER NOT NULL
);
INSERT INTO config_stamp (id, stamp) VALUES (1, 0);
CREATE TRIGGER config_sla_policies_insert AFTER INSERT ON sla_policies BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_sla_policies_update AFTER UPDATE ON sla_policies BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_sla_policies_delete AFTER DELETE ON sla_policies BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_business_calendars_insert AFTER INSERT ON business_calendars BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_business_calendars_update AFTER UPDATE ON business_calendars BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_business_calendars_delete AFTER DELETE ON business_calendars BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_product_categories_insert AFTER INSERT ON product_categories BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_product_categories_update AFTER UPDATE ON product_categories BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_product_categories_delete AFTER DELETE ON product_categories BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_service_units_insert AFTER INSERT ON service_units BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_service_units_update AFTER UPDATE ON service_units BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_service_units_delete AFTER DELETE ON service_units BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_teams_insert AFTER INSERT ON teams BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_teams_update AFTER UPDATE OF name, service_unit_id, strategy, capacity, calendar_id ON teams BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_teams_delete AFTER DELETE ON teams BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_users_insert AFTER INSERT ON users BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_users_update AFTER UPDATE OF name, team_id, active, available ON users BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_users_delete AFTER DELETE ON users BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_user_skills_insert AFTER INSERT ON user_skills BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_user_skills_update AFTER UPDATE ON user_skills BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_user_skills_delete AFTER DELETE ON user_skills BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_routing_rules_insert AFTER INSERT ON routing_rules BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_routing_rules_update AFTER UPDATE ON routing_rules BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_routing_rules_delete AFTER DELETE ON routing_rules BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_custom_fields_insert AFTER INSERT ON custom_fields BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_custom_fields_update AFTER UPDATE ON custom_fields BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_custom_fields_delete AFTER DELETE ON custom_fields BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_webhooks_insert AFTER INSERT ON webhooks BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_webhooks_update AFTER UPDATE OF events, active ON webhooks BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_webhooks_delete AFTER DELETE ON webhooks BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_automation_rules_insert AFTER INSERT ON automation_rules BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_automation_rules_update AFTER UPDATE ON automation_rules BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER config_automation_rules_delete AFTER DELETE ON automation_rules BEGIN UPDATE config_stamp SET stamp = random() WHERE id = 1; END;
