//! The store's tables, as versioned migrations.
//!
//! Each migration runs once, in order, inside a transaction; the version
//! reached is kept in SQLite's `user_version`. A database written by a
//! newer `journey` (a higher version than this one knows) is refused rather
//! than guessed at.

/// Migrations, oldest first. Never edit one that has shipped: add another.
pub const MIGRATIONS: &[&str] = &[
    // 1: the first layout.
    "
    CREATE TABLE deployments (
        id INTEGER PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        artifact BLOB NOT NULL,
        deployed_at INTEGER NOT NULL
    );

    -- `fields` is a JSON object by field name, so contacts survive schema
    -- changes between deployments. `zone` is the contact's valid IANA zone.
    CREATE TABLE contacts (
        id INTEGER PRIMARY KEY,
        external_id TEXT NOT NULL UNIQUE,
        fields TEXT NOT NULL,
        zone TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );

    CREATE TABLE list_members (
        list TEXT NOT NULL,
        contact INTEGER NOT NULL REFERENCES contacts(id),
        joined_at INTEGER NOT NULL,
        PRIMARY KEY (list, contact)
    ) WITHOUT ROWID;

    CREATE TABLE segment_members (
        segment TEXT NOT NULL,
        contact INTEGER NOT NULL REFERENCES contacts(id),
        joined_at INTEGER NOT NULL,
        PRIMARY KEY (segment, contact)
    ) WITHOUT ROWID;

    -- One row per run of a journey by a contact. `version` increases with
    -- every committed step, so two engines cannot both advance one run:
    -- the second commit finds the version changed and is rolled back.
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        contact INTEGER NOT NULL REFERENCES contacts(id),
        journey TEXT NOT NULL,
        deployment INTEGER NOT NULL REFERENCES deployments(id),
        state BLOB NOT NULL,
        version INTEGER NOT NULL DEFAULT 0,
        active INTEGER NOT NULL,
        end_reason TEXT,
        wake_at INTEGER,
        wakes INTEGER NOT NULL DEFAULT 0,
        entered_at INTEGER NOT NULL,
        ended_at INTEGER
    );
    CREATE UNIQUE INDEX one_active_run ON runs (contact, journey) WHERE active = 1;
    CREATE INDEX runs_due ON runs (wake_at) WHERE active = 1 AND wake_at IS NOT NULL;
    CREATE INDEX runs_by_journey ON runs (journey, contact);

    -- Opens, clicks, custom events and contact updates, as they happened.
    CREATE TABLE happenings (
        id INTEGER PRIMARY KEY,
        contact INTEGER NOT NULL REFERENCES contacts(id),
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        name TEXT,
        link TEXT,
        data TEXT,
        automated INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX happenings_by_contact ON happenings (contact, at);

    -- Every email a step queued. `key` is the idempotency key (contact,
    -- run, step, visit): a step's effects are written at most once.
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        contact INTEGER NOT NULL REFERENCES contacts(id),
        run INTEGER NOT NULL REFERENCES runs(id),
        journey TEXT NOT NULL,
        step TEXT NOT NULL,
        email TEXT NOT NULL,
        priority INTEGER NOT NULL,
        due_at INTEGER NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        reason TEXT,
        message_id TEXT,
        sent_at INTEGER
    );
    CREATE INDEX outbox_due ON outbox (priority DESC, due_at) WHERE status = 'queued';

    -- Per step of each journey: arrivals, sends, ends.
    CREATE TABLE step_stats (
        journey TEXT NOT NULL,
        step TEXT NOT NULL,
        arrived INTEGER NOT NULL DEFAULT 0,
        ended INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (journey, step)
    ) WITHOUT ROWID;

    -- Marketing authorisation and suppression (see docs/operations.md).
    CREATE TABLE consent (
        contact INTEGER PRIMARY KEY REFERENCES contacts(id),
        granted_at INTEGER,
        expires_at INTEGER,
        revoked_at INTEGER
    );
    CREATE TABLE suppressions (
        contact INTEGER NOT NULL REFERENCES contacts(id),
        reason TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (contact, reason)
    ) WITHOUT ROWID;

    -- Who did what to which contact (by opaque id), and when.
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        contact INTEGER,
        detail TEXT
    );
    ",
    // 2: delivery claims an email before sending it, so two engines never
    // send the same one; a claim that outlives its lease (a crash) lapses.
    "
    ALTER TABLE outbox ADD COLUMN lease_until INTEGER;
    CREATE INDEX outbox_leases ON outbox (lease_until) WHERE status = 'sending';
    ",
    // 3: the next date-triggered entry (a birthday, a renewal date) of each
    // contact into each journey that enters on a date.
    "
    CREATE TABLE date_entries (
        journey TEXT NOT NULL,
        contact INTEGER NOT NULL REFERENCES contacts(id),
        due_at INTEGER NOT NULL,
        PRIMARY KEY (journey, contact)
    ) WITHOUT ROWID;
    CREATE INDEX date_entries_due ON date_entries (due_at);
    ",
    // 4: API tokens of `journey serve`, kept as SHA-256 hashes only (see
    // store/sqlite/access.rs).
    "
    CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        scope TEXT NOT NULL,
        hash BLOB NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
    );
    ",
    // 5: a contact's segments, read by contact for every step the engine
    // takes (the primary key leads with the segment).
    "
    CREATE INDEX segment_members_by_contact ON segment_members (contact, segment);
    ",
    // 6: hits on tracked URLs (open pixel, links) until they are settled as
    // a person's or automated and handed to the engine (see
    // store/sqlite/tracking.rs). Nothing from the request is kept.
    "
    CREATE TABLE tracking_hits (
        id INTEGER PRIMARY KEY,
        outbox INTEGER NOT NULL REFERENCES outbox(id),
        kind TEXT NOT NULL,
        link TEXT,
        at INTEGER NOT NULL,
        sign TEXT,
        window INTEGER NOT NULL,
        settle_at INTEGER NOT NULL,
        automated INTEGER NOT NULL DEFAULT 0,
        settled INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX tracking_hits_unsettled ON tracking_hits (settle_at) WHERE settled = 0;
    CREATE INDEX tracking_hits_by_outbox ON tracking_hits (outbox, at);
    ",
    // 7: suppressions that outlive an erasure, keyed by an HMAC-SHA256 of
    // the normalised address under a key made here, for this store only
    // (SQLite's randomblob, seeded from the operating system), so that an
    // erased address that comes back is not mailed, and no address is
    // kept (see store/sqlite/erasure.rs).
    "
    CREATE TABLE store_keys (
        name TEXT PRIMARY KEY,
        key BLOB NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO store_keys (name, key) VALUES ('address_suppression', randomblob(32));
    CREATE TABLE address_suppressions (
        hash BLOB NOT NULL,
        reason TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (hash, reason)
    ) WITHOUT ROWID;
    ",
    // 8: which deployment is current. Deploying a project that compiles to
    // an earlier artifact (a rollback) makes that deployment current again
    // under its old id; `current` orders deployments by when they last
    // became current, so every reader agrees on the latest one.
    "
    ALTER TABLE deployments ADD COLUMN current INTEGER NOT NULL DEFAULT 0;
    UPDATE deployments SET current = id;
    ",
    // 9: fewer index entries for the engine to write. Every step commit
    // writes one entry per index of the rows it adds or changes: an entry
    // wrote seven, a run's end three.
    //
    // Runs: one index for every lookup by contact (the entry checks, a
    // contact's runs), in place of `runs_by_journey` and `one_active_run`;
    // a run's end no longer touches it. At most one active run per contact
    // and journey is kept by the commit's check, inside the write
    // transaction, that no run was added since the entry was decided and
    // none is active (see store/sqlite/steps.rs; the newest-run part also
    // covers runs that ended on entry, and re-entry rules).
    //
    // Outbox: the idempotency key (contact, run, step, visit) is unique as
    // (run, step, visit), integers first (a run has one contact); `key`,
    // its text, is computed from them when read (for Message-IDs and
    // tracking tokens) instead of stored and indexed as text. Rows keep
    // their ids (tracking tokens of sent emails name them). The migration
    // stops (a CHECK fails) if an old key is not its columns' text.
    // Foreign keys are off while it runs (see `SqliteStore::migrate`).
    "
    DROP INDEX one_active_run;
    DROP INDEX runs_by_journey;
    CREATE INDEX runs_by_contact ON runs (contact, journey);

    CREATE TABLE outbox_v9 (
        id INTEGER PRIMARY KEY,
        contact INTEGER NOT NULL REFERENCES contacts(id),
        run INTEGER NOT NULL REFERENCES runs(id),
        journey TEXT NOT NULL,
        step TEXT NOT NULL,
        visit INTEGER NOT NULL,
        key TEXT GENERATED ALWAYS AS (contact || ':' || run || ':' || step || ':' || visit)
            VIRTUAL,
        email TEXT NOT NULL,
        priority INTEGER NOT NULL,
        due_at INTEGER NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        reason TEXT,
        message_id TEXT,
        sent_at INTEGER,
        lease_until INTEGER,
        UNIQUE (run, step, visit)
    );
    INSERT INTO outbox_v9 (id, contact, run, journey, step, visit, email, priority, due_at,
        status, attempts, reason, message_id, sent_at, lease_until)
    SELECT id, contact, run, journey, step,
        CAST(substr(key, length(contact || ':' || run || ':' || step || ':') + 1) AS INTEGER),
        email, priority, due_at, status, attempts, reason, message_id, sent_at, lease_until
    FROM outbox;
    CREATE TEMP TABLE outbox_keys_kept (changed INTEGER NOT NULL CHECK (changed = 0));
    INSERT INTO outbox_keys_kept
    SELECT count(*) FROM outbox o JOIN outbox_v9 n ON n.id = o.id WHERE n.key IS NOT o.key;
    DROP TABLE outbox_keys_kept;
    DROP TABLE outbox;
    ALTER TABLE outbox_v9 RENAME TO outbox;
    CREATE INDEX outbox_due ON outbox (priority DESC, due_at) WHERE status = 'queued';
    CREATE INDEX outbox_leases ON outbox (lease_until) WHERE status = 'sending';
    ",
    // 10: two savings on the engine's writes.
    //
    // Happenings are kept in contact order, without a separate index. They
    // are only ever read by contact (a contact's history, the runs an event
    // wakes, engagement joined on the contact); a table in insertion order
    // with an index by contact cost an event two pages of its commit (the
    // table's last page and a page of the index), and on a durable commit
    // every page written is time waited for the disk. `seq` orders the
    // happenings of one contact at one instant as they were recorded (the
    // old ids did). A happening larger than about 1 KB (a very wide
    // update) spills into an overflow page here, where the old table kept
    // up to 4 KB in place; events are far smaller.
    //
    // The outbox's `key` column goes: a virtual column costs every insert
    // (about 3% of the engine's time on the bulk enrolment benchmark),
    // though nothing stores it. The idempotency key is still unique as
    // (run, step, visit) and its text, `contact:run:step:visit`, is made
    // where it is read (`outbox_key!` in store/sqlite/mod.rs).
    // Foreign keys are off while it runs (see `SqliteStore::migrate`).
    "
    CREATE TABLE happenings_v10 (
        contact INTEGER NOT NULL REFERENCES contacts(id),
        at INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        name TEXT,
        link TEXT,
        data TEXT,
        automated INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (contact, at, seq)
    ) WITHOUT ROWID;
    INSERT INTO happenings_v10 (contact, at, seq, kind, name, link, data, automated)
    SELECT contact, at, row_number() OVER (PARTITION BY contact, at ORDER BY id),
        kind, name, link, data, automated
    FROM happenings;
    DROP TABLE happenings;
    ALTER TABLE happenings_v10 RENAME TO happenings;
    ALTER TABLE outbox DROP COLUMN key;
    ",
];
