//! Store errors, mapped from sqlx in one place so callers never match on driver codes.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique or foreign-key constraint refused the write; the text names the constraint.
    /// Retrying the same write gives the same answer.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Someone else changed the record since it was read (optimistic concurrency): read it
    /// again and decide again. Names the record.
    #[error("{0} was changed concurrently")]
    VersionConflict(String),
    #[error("unsupported database URL '{0}': use sqlite://PATH or postgres://USER@HOST/DB")]
    BadUrl(String),
    #[error("cannot reach the database: {0}")]
    Unreachable(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// A record's change was written with no event to explain it: its version would not
    /// move, so a concurrent writer could overwrite it and a rebuild would undo it.
    #[error("a change to a {0} must append at least one event")]
    NoEvents(&'static str),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db)
                if db.is_unique_violation() || db.is_foreign_key_violation() =>
            {
                StoreError::Conflict(db.constraint().unwrap_or(db.message()).to_string())
            }
            _ if is_unavailable(&e) => StoreError::Unreachable(unreachable_cause(&e)),
            _ => StoreError::Database(e),
        }
    }
}

/// Whether the error says the database cannot be used right now (it is down, restarting,
/// full, or the network between us broke) rather than that this request was wrong: such
/// errors become `Unreachable`, which clients see as 503 with Retry-After, and a retry
/// later can succeed.
fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Protocol(msg) => {
            let msg = msg.to_ascii_lowercase();
            ["connection closed", "connection reset", "unexpected eof"]
                .iter()
                .any(|p| msg.contains(p))
        }
        sqlx::Error::Database(db) => {
            // SQLite's codes are numbers; only PostgreSQL's SQLSTATEs say "unavailable".
            db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .is_some()
                && db.code().is_some_and(|c| is_unavailable_sqlstate(&c))
        }
        _ => false,
    }
}

/// Class 08 (connection exception), 57P01–57P03 (the server is shutting down, crashed, or
/// not accepting connections yet) and 53300 (too many connections).
fn is_unavailable_sqlstate(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
}

/// The cause of an outage in plain words, for the operator's terminal and the logs.
pub(crate) fn unreachable_cause(e: &sqlx::Error) -> String {
    use std::io::ErrorKind;
    match e {
        sqlx::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => {
                "connection refused (is the server running, and listening on that host and port?)"
                    .into()
            }
            ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::UnexpectedEof
            | ErrorKind::BrokenPipe => "the server closed the connection".into(),
            ErrorKind::TimedOut => "the server did not answer in time".into(),
            _ => io.to_string(),
        },
        sqlx::Error::PoolTimedOut => {
            "no connection became available in time (the server does not answer, or every connection is busy)"
                .into()
        }
        sqlx::Error::PoolClosed => "the connection pool is closed".into(),
        sqlx::Error::Tls(e) => format!("TLS failed: {e}"),
        sqlx::Error::Database(db) => match db.code() {
            Some(code) => format!("{} (SQLSTATE {code})", db.message()),
            None => db.message().to_string(),
        },
        other => other.to_string(),
    }
}

impl StoreError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, StoreError::NotFound)
    }
    /// A constraint refused the write (not a version clash).
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict(_))
    }
    /// Another writer got there first; the command may be decided again.
    pub fn is_version_conflict(&self) -> bool {
        matches!(self, StoreError::VersionConflict(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_are_unreachable_not_internal_errors() {
        let refused = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        let e = StoreError::from(refused);
        assert!(matches!(e, StoreError::Unreachable(_)), "{e:?}");
        assert!(e.to_string().contains("connection refused"), "{e}");
        for e in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::WorkerCrashed,
            sqlx::Error::Protocol("connection closed unexpectedly".into()),
            sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
        ] {
            assert!(matches!(StoreError::from(e), StoreError::Unreachable(_)));
        }
        assert!(matches!(
            StoreError::from(sqlx::Error::Protocol("unknown message type".into())),
            StoreError::Database(_)
        ));
    }

    #[test]
    fn connection_class_sqlstates_are_unavailability() {
        for code in [
            "08000", "08006", "08P01", "57P01", "57P02", "57P03", "53300",
        ] {
            assert!(is_unavailable_sqlstate(code), "{code}");
        }
        for code in ["23505", "40001", "42P01", "57014", "53100"] {
            assert!(!is_unavailable_sqlstate(code), "{code}");
        }
    }
}
