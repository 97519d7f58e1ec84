-- A hub database at SQLite schema version 4, made by the storage code of commit 3d8bec5
-- (before the shared SQL base) with a few rows of every kind; Python's iterdump.
-- tests/hub/test_storage_upgrade.py
BEGIN TRANSACTION;
CREATE TABLE advisor_tokens (
        token_hash TEXT PRIMARY KEY,
        advisor_id INTEGER NOT NULL REFERENCES advisors(id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL
    );
INSERT INTO "advisor_tokens" VALUES('token-anna',1,1780000000.0,1780043200.0);
CREATE TABLE advisors (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at REAL NOT NULL
    );
INSERT INTO "advisors" VALUES(1,'Anna.Berg','Anna Berg','hash-anna',1780000000.0);
INSERT INTO "advisors" VALUES(2,'ben','Ben Kurz','hash-ben',1780000000.0);
CREATE TABLE chat_messages (
        consultation_id INTEGER NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        client_id TEXT NOT NULL,
        author_role TEXT NOT NULL,
        author_name TEXT NOT NULL,
        text TEXT NOT NULL,
        sent_at REAL NOT NULL,
        PRIMARY KEY (consultation_id, seq),
        UNIQUE (consultation_id, author_role, client_id)
    );
INSERT INTO "chat_messages" VALUES(1,1,'m1','customer','Max Muster','Guten Tag',1780000030.0);
INSERT INTO "chat_messages" VALUES(1,2,'m2','advisor','Anna Berg','Hallo',1780000031.0);
CREATE TABLE consultation_records (
        consultation_id INTEGER PRIMARY KEY REFERENCES consultations(id) ON DELETE CASCADE,
        pdf BLOB NOT NULL,
        created_at REAL NOT NULL
    );
INSERT INTO "consultation_records" VALUES(1,X'255044462D7265636F7264',1780000601.0);
CREATE TABLE consultation_shown_pages (
        consultation_id INTEGER PRIMARY KEY REFERENCES consultations(id) ON DELETE CASCADE,
        pdf BLOB NOT NULL,
        manifest BLOB NOT NULL,
        created_at REAL NOT NULL
    );
INSERT INTO "consultation_shown_pages" VALUES(1,X'255044462D7061676573',X'7B7D',1780000601.0);
CREATE TABLE consultations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        customer_id INTEGER NOT NULL UNIQUE REFERENCES customers(id) ON DELETE CASCADE,
        advisor_id INTEGER NOT NULL REFERENCES advisors(id),
        advisor_name TEXT NOT NULL,
        mode TEXT NOT NULL,
        see_advisor INTEGER NOT NULL,
        show_me INTEGER NOT NULL,
        started_at REAL NOT NULL,
        ended_at REAL,
        ended_by TEXT
    );
INSERT INTO "consultations" VALUES(1,2,1,'Anna Berg','text',0,0,1780000020.0,1780000600.0,'advisor');
CREATE TABLE customers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token_hash TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        phone TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('av', 'text')),
        see_advisor INTEGER NOT NULL,
        show_me INTEGER NOT NULL,
        consent_version TEXT NOT NULL,
        consent_at REAL NOT NULL,
        joined_at REAL NOT NULL,
        state TEXT NOT NULL,
        state_at REAL NOT NULL
    , language TEXT NOT NULL DEFAULT 'de'
        CHECK (language IN ('de', 'en')));
INSERT INTO "customers" VALUES(1,'c-wait','Erika Mustermann','+49 30 1234567','av',1,0,'2026-11-01',1779999995.0,1780000010.0,'waiting',1780000010.0,'en');
INSERT INTO "customers" VALUES(2,'c-served','Max Muster','+49 40 7654321','text',0,0,'2026-11-01',1779999995.0,1780000000.0,'ended',1780000600.0,'de');
CREATE TABLE hub_secret (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        value BLOB NOT NULL
    );
INSERT INTO "hub_secret" VALUES(1,X'C15F066805D3BDEF97372D1A312F97C9117F546731BC10E386D7D72FD173269F');
CREATE TABLE login_known_addresses (
        account TEXT NOT NULL,
        address TEXT NOT NULL,
        at REAL NOT NULL,
        PRIMARY KEY (account, address)
    );
INSERT INTO "login_known_addresses" VALUES('acct','addr',1780000000.0);
CREATE TABLE offline_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        phone TEXT NOT NULL,
        text TEXT NOT NULL,
        consent_version TEXT NOT NULL,
        created_at REAL NOT NULL,
        done_at REAL,
        done_by TEXT
    );
INSERT INTO "offline_messages" VALUES(1,'Erika','030 1234567','Bitte anrufen','2026-11-01',1780000000.0,NULL,NULL);
CREATE TABLE rate_events (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        at REAL NOT NULL
    );
INSERT INTO "rate_events" VALUES('join','sender',1780000000.0);
INSERT INTO "rate_events" VALUES('login.address','addr',1780000000.0);
INSERT INTO "rate_events" VALUES('login.account','acct',1780000000.0);
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO "schema_version" VALUES(4);
CREATE INDEX customers_by_state ON customers(state, id);
CREATE INDEX customers_by_joined ON customers(joined_at);
CREATE INDEX consultations_active ON consultations(advisor_id) WHERE ended_at IS NULL;
CREATE INDEX consultations_ended ON consultations(ended_at);
CREATE INDEX offline_messages_created ON offline_messages(created_at);
CREATE INDEX rate_events_by_key ON rate_events (scope, key, at);
CREATE INDEX rate_events_by_time ON rate_events (at);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('advisors',2);
INSERT INTO "sqlite_sequence" VALUES('customers',2);
INSERT INTO "sqlite_sequence" VALUES('consultations',1);
INSERT INTO "sqlite_sequence" VALUES('offline_messages',1);
COMMIT;
