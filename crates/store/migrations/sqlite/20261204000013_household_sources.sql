-- The household lists a street imports (网格员摸排, 派出所户籍, 物业业主): each import with
-- its file and the column each field was read from, and every row as read and normalised,
-- kept for the three-source cross-check. A row names the household card of its door when
-- one exists (or was registered by the import itself).
CREATE TABLE source_imports (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sheet TEXT,
    row_count INTEGER NOT NULL,
    mapping TEXT NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    at INTEGER NOT NULL
);
CREATE TABLE source_records (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES source_imports(id),
    source TEXT NOT NULL,
    row_number INTEGER NOT NULL,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    compound_id INTEGER NOT NULL REFERENCES areas(id),
    building TEXT NOT NULL,
    entrance TEXT,
    room TEXT NOT NULL,
    address TEXT NOT NULL,
    household_id INTEGER REFERENCES households(id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    name_pinyin TEXT NOT NULL,
    phone TEXT,
    id_number TEXT,
    id_valid INTEGER,
    birth_year INTEGER,
    gender TEXT,
    relation TEXT NOT NULL,
    care_tags TEXT NOT NULL,
    owner INTEGER NOT NULL,
    notes TEXT NOT NULL,
    flags TEXT NOT NULL,
    raw TEXT NOT NULL
);
CREATE INDEX source_records_unit ON source_records(compound_id, building, entrance, room);
CREATE INDEX source_records_household ON source_records(household_id);
CREATE INDEX source_records_phone ON source_records(phone);
CREATE INDEX source_records_id_number ON source_records(id_number);
