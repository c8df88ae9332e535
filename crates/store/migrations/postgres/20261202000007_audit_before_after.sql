-- What an admin change changed: the record before and after it, as JSON (NULL where there
-- was nothing before, as for an addition, or nothing after, as for a removal). Written in
-- the transaction of the change itself.
ALTER TABLE audit_log ADD COLUMN before_json TEXT;
ALTER TABLE audit_log ADD COLUMN after_json TEXT;
