-- A hub database at PostgreSQL schema version 3, made by the storage code of commit 3d8bec5
-- (before the shared SQL base) with a few rows of every kind; pg_dump --inserts --no-owner
-- --no-privileges, comments and psql commands left out. tests/hub/test_storage_upgrade.py

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public.advisor_presence (
    advisor_id bigint NOT NULL,
    instance_id text NOT NULL,
    presence text NOT NULL,
    updated_at double precision NOT NULL,
    CONSTRAINT advisor_presence_presence_check CHECK ((presence = ANY (ARRAY['available'::text, 'busy'::text, 'away'::text])))
);

CREATE TABLE public.advisor_tokens (
    token_hash text NOT NULL,
    advisor_id bigint NOT NULL,
    created_at double precision NOT NULL,
    expires_at double precision NOT NULL
);

CREATE TABLE public.advisors (
    id bigint NOT NULL,
    username text NOT NULL,
    display_name text NOT NULL,
    password_hash text NOT NULL,
    created_at double precision NOT NULL
);

CREATE SEQUENCE public.advisors_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.advisors_id_seq OWNED BY public.advisors.id;

CREATE TABLE public.chat_messages (
    consultation_id bigint NOT NULL,
    seq integer NOT NULL,
    client_id text NOT NULL,
    author_role text NOT NULL,
    author_name text NOT NULL,
    text text NOT NULL,
    sent_at double precision NOT NULL
);

CREATE TABLE public.consultation_records (
    consultation_id bigint NOT NULL,
    pdf bytea NOT NULL,
    created_at double precision NOT NULL
);

CREATE TABLE public.consultation_shown_pages (
    consultation_id bigint NOT NULL,
    pdf bytea NOT NULL,
    manifest bytea NOT NULL,
    created_at double precision NOT NULL
);

CREATE TABLE public.consultations (
    id bigint NOT NULL,
    customer_id bigint NOT NULL,
    advisor_id bigint NOT NULL,
    advisor_name text NOT NULL,
    mode text NOT NULL,
    see_advisor boolean NOT NULL,
    show_me boolean NOT NULL,
    started_at double precision NOT NULL,
    ended_at double precision,
    ended_by text
);

CREATE SEQUENCE public.consultations_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.consultations_id_seq OWNED BY public.consultations.id;

CREATE TABLE public.customer_links (
    customer_id bigint NOT NULL,
    instance_id text NOT NULL,
    since double precision NOT NULL
);

CREATE TABLE public.customers (
    id bigint NOT NULL,
    token_hash text NOT NULL,
    name text NOT NULL,
    phone text NOT NULL,
    mode text NOT NULL,
    see_advisor boolean NOT NULL,
    show_me boolean NOT NULL,
    consent_version text NOT NULL,
    consent_at double precision NOT NULL,
    joined_at double precision NOT NULL,
    state text NOT NULL,
    state_at double precision NOT NULL,
    language text DEFAULT 'de'::text NOT NULL,
    CONSTRAINT customers_language_check CHECK ((language = ANY (ARRAY['de'::text, 'en'::text]))),
    CONSTRAINT customers_mode_check CHECK ((mode = ANY (ARRAY['av'::text, 'text'::text])))
);

CREATE SEQUENCE public.customers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.customers_id_seq OWNED BY public.customers.id;

CREATE TABLE public.hub_events (
    id bigint NOT NULL,
    origin text NOT NULL,
    kind text NOT NULL,
    target_id bigint,
    body text NOT NULL,
    created_at double precision NOT NULL
);

CREATE SEQUENCE public.hub_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.hub_events_id_seq OWNED BY public.hub_events.id;

CREATE TABLE public.hub_instances (
    instance_id text NOT NULL,
    started_at double precision NOT NULL,
    seen_at double precision NOT NULL
);

CREATE TABLE public.hub_secret (
    id integer NOT NULL,
    value bytea NOT NULL,
    CONSTRAINT hub_secret_id_check CHECK ((id = 1))
);

CREATE TABLE public.login_known_addresses (
    account text NOT NULL,
    address text NOT NULL,
    at double precision NOT NULL
);

CREATE TABLE public.offline_messages (
    id bigint NOT NULL,
    name text NOT NULL,
    phone text NOT NULL,
    text text NOT NULL,
    consent_version text NOT NULL,
    created_at double precision NOT NULL,
    done_at double precision,
    done_by text
);

CREATE SEQUENCE public.offline_messages_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.offline_messages_id_seq OWNED BY public.offline_messages.id;

CREATE TABLE public.rate_events (
    scope text NOT NULL,
    key text NOT NULL,
    at double precision NOT NULL
);

CREATE TABLE public.schema_version (
    version integer NOT NULL
);

ALTER TABLE ONLY public.advisors ALTER COLUMN id SET DEFAULT nextval('public.advisors_id_seq'::regclass);

ALTER TABLE ONLY public.consultations ALTER COLUMN id SET DEFAULT nextval('public.consultations_id_seq'::regclass);

ALTER TABLE ONLY public.customers ALTER COLUMN id SET DEFAULT nextval('public.customers_id_seq'::regclass);

ALTER TABLE ONLY public.hub_events ALTER COLUMN id SET DEFAULT nextval('public.hub_events_id_seq'::regclass);

ALTER TABLE ONLY public.offline_messages ALTER COLUMN id SET DEFAULT nextval('public.offline_messages_id_seq'::regclass);

INSERT INTO public.advisor_tokens VALUES ('token-anna', 1, 1780000000, 1780043200);

INSERT INTO public.advisors VALUES (1, 'Anna.Berg', 'Anna Berg', 'hash-anna', 1780000000);
INSERT INTO public.advisors VALUES (2, 'ben', 'Ben Kurz', 'hash-ben', 1780000000);

INSERT INTO public.chat_messages VALUES (1, 1, 'm1', 'customer', 'Max Muster', 'Guten Tag', 1780000030);
INSERT INTO public.chat_messages VALUES (1, 2, 'm2', 'advisor', 'Anna Berg', 'Hallo', 1780000031);

INSERT INTO public.consultation_records VALUES (1, '\x255044462d7265636f7264', 1780000601);

INSERT INTO public.consultation_shown_pages VALUES (1, '\x255044462d7061676573', '\x7b7d', 1780000601);

INSERT INTO public.consultations VALUES (1, 2, 1, 'Anna Berg', 'text', false, false, 1780000020, 1780000600, 'advisor');

INSERT INTO public.customers VALUES (1, 'c-wait', 'Erika Mustermann', '+49 30 1234567', 'av', true, false, '2026-11-01', 1779999995, 1780000010, 'waiting', 1780000010, 'en');
INSERT INTO public.customers VALUES (2, 'c-served', 'Max Muster', '+49 40 7654321', 'text', false, false, '2026-11-01', 1779999995, 1780000000, 'ended', 1780000600, 'de');

INSERT INTO public.hub_secret VALUES (1, '\xbade35c400b94fcf8d9a1db465cae0191e88482cad6e46c4bb3291344760e083');

INSERT INTO public.login_known_addresses VALUES ('acct', 'addr', 1780000000);

INSERT INTO public.offline_messages VALUES (1, 'Erika', '030 1234567', 'Bitte anrufen', '2026-11-01', 1780000000, NULL, NULL);

INSERT INTO public.rate_events VALUES ('join', 'sender', 1780000000);
INSERT INTO public.rate_events VALUES ('login.address', 'addr', 1780000000);
INSERT INTO public.rate_events VALUES ('login.account', 'acct', 1780000000);

INSERT INTO public.schema_version VALUES (3);

SELECT pg_catalog.setval('public.advisors_id_seq', 2, true);

SELECT pg_catalog.setval('public.consultations_id_seq', 1, true);

SELECT pg_catalog.setval('public.customers_id_seq', 2, true);

SELECT pg_catalog.setval('public.hub_events_id_seq', 1, false);

SELECT pg_catalog.setval('public.offline_messages_id_seq', 1, true);

ALTER TABLE ONLY public.advisor_presence
    ADD CONSTRAINT advisor_presence_pkey PRIMARY KEY (advisor_id, instance_id);

ALTER TABLE ONLY public.advisor_tokens
    ADD CONSTRAINT advisor_tokens_pkey PRIMARY KEY (token_hash);

ALTER TABLE ONLY public.advisors
    ADD CONSTRAINT advisors_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.chat_messages
    ADD CONSTRAINT chat_messages_consultation_id_author_role_client_id_key UNIQUE (consultation_id, author_role, client_id);

ALTER TABLE ONLY public.chat_messages
    ADD CONSTRAINT chat_messages_pkey PRIMARY KEY (consultation_id, seq);

ALTER TABLE ONLY public.consultation_records
    ADD CONSTRAINT consultation_records_pkey PRIMARY KEY (consultation_id);

ALTER TABLE ONLY public.consultation_shown_pages
    ADD CONSTRAINT consultation_shown_pages_pkey PRIMARY KEY (consultation_id);

ALTER TABLE ONLY public.consultations
    ADD CONSTRAINT consultations_customer_id_key UNIQUE (customer_id);

ALTER TABLE ONLY public.consultations
    ADD CONSTRAINT consultations_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.customer_links
    ADD CONSTRAINT customer_links_pkey PRIMARY KEY (customer_id, instance_id);

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_token_hash_key UNIQUE (token_hash);

ALTER TABLE ONLY public.hub_events
    ADD CONSTRAINT hub_events_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.hub_instances
    ADD CONSTRAINT hub_instances_pkey PRIMARY KEY (instance_id);

ALTER TABLE ONLY public.hub_secret
    ADD CONSTRAINT hub_secret_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.login_known_addresses
    ADD CONSTRAINT login_known_addresses_pkey PRIMARY KEY (account, address);

ALTER TABLE ONLY public.offline_messages
    ADD CONSTRAINT offline_messages_pkey PRIMARY KEY (id);

CREATE INDEX advisor_tokens_advisor ON public.advisor_tokens USING btree (advisor_id);

CREATE UNIQUE INDEX advisors_username ON public.advisors USING btree (lower(username));

CREATE UNIQUE INDEX consultations_active ON public.consultations USING btree (advisor_id) WHERE (ended_at IS NULL);

CREATE INDEX consultations_ended ON public.consultations USING btree (ended_at);

CREATE INDEX customer_links_instance ON public.customer_links USING btree (instance_id);

CREATE INDEX customers_by_joined ON public.customers USING btree (joined_at);

CREATE INDEX customers_waiting ON public.customers USING btree (id) WHERE (state = 'waiting'::text);

CREATE INDEX hub_events_created ON public.hub_events USING btree (created_at);

CREATE INDEX offline_messages_created ON public.offline_messages USING btree (created_at);

CREATE INDEX rate_events_by_key ON public.rate_events USING btree (scope, key, at);

CREATE INDEX rate_events_by_time ON public.rate_events USING btree (at);

ALTER TABLE ONLY public.advisor_presence
    ADD CONSTRAINT advisor_presence_advisor_id_fkey FOREIGN KEY (advisor_id) REFERENCES public.advisors(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.advisor_presence
    ADD CONSTRAINT advisor_presence_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES public.hub_instances(instance_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.advisor_tokens
    ADD CONSTRAINT advisor_tokens_advisor_id_fkey FOREIGN KEY (advisor_id) REFERENCES public.advisors(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.chat_messages
    ADD CONSTRAINT chat_messages_consultation_id_fkey FOREIGN KEY (consultation_id) REFERENCES public.consultations(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.consultation_records
    ADD CONSTRAINT consultation_records_consultation_id_fkey FOREIGN KEY (consultation_id) REFERENCES public.consultations(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.consultation_shown_pages
    ADD CONSTRAINT consultation_shown_pages_consultation_id_fkey FOREIGN KEY (consultation_id) REFERENCES public.consultations(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.consultations
    ADD CONSTRAINT consultations_advisor_id_fkey FOREIGN KEY (advisor_id) REFERENCES public.advisors(id);

ALTER TABLE ONLY public.consultations
    ADD CONSTRAINT consultations_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.customer_links
    ADD CONSTRAINT customer_links_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.customer_links
    ADD CONSTRAINT customer_links_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES public.hub_instances(instance_id) ON DELETE CASCADE;
