-- Foundation: territory, agencies, accounts, sessions, audit, households.
-- Times are INTEGER milliseconds since the epoch (UTC); booleans are INTEGER 0/1.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE areas (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES areas(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]',
    path TEXT NOT NULL DEFAULT '',
    control_level TEXT,
    control_since INTEGER,
    demo_key TEXT UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE INDEX areas_path ON areas(path);
CREATE INDEX areas_parent ON areas(parent_id);

CREATE TABLE categories (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    sort INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE agencies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id INTEGER REFERENCES agencies(id),
    home_area_id INTEGER NOT NULL REFERENCES areas(id),
    is_forwarding_centre INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    demo_key TEXT UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE INDEX agencies_home ON agencies(home_area_id);

CREATE TABLE agency_areas (
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    area_id INTEGER NOT NULL REFERENCES areas(id),
    PRIMARY KEY (agency_id, area_id)
);

CREATE TABLE agency_categories (
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    category TEXT NOT NULL REFERENCES categories(code),
    PRIMARY KEY (agency_id, category)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    agency_id INTEGER REFERENCES agencies(id),
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE user_areas (
    user_id INTEGER NOT NULL REFERENCES users(id),
    area_id INTEGER NOT NULL REFERENCES areas(id),
    PRIMARY KEY (user_id, area_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_login ON login_failures(login, at);

CREATE TABLE area_control_history (
    id INTEGER PRIMARY KEY,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    level TEXT NOT NULL,
    effective_at INTEGER NOT NULL,
    reason TEXT NOT NULL,
    set_by INTEGER REFERENCES users(id),
    set_at INTEGER NOT NULL
);
CREATE INDEX area_control_history_area ON area_control_history(area_id, effective_at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id INTEGER,
    area_path TEXT,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);

CREATE TABLE households (
    id INTEGER PRIMARY KEY,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    compound_id INTEGER NOT NULL REFERENCES areas(id),
    building TEXT NOT NULL,
    entrance TEXT,
    room TEXT NOT NULL,
    address TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX households_area ON households(area_id);
CREATE INDEX households_compound ON households(compound_id, building, entrance, room);

CREATE TABLE residents (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    name TEXT NOT NULL,
    phone TEXT,
    id_number TEXT,
    birth_year INTEGER,
    gender TEXT,
    relation TEXT NOT NULL DEFAULT '',
    care_tags TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX residents_household ON residents(household_id);
CREATE INDEX residents_phone ON residents(phone);

CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
