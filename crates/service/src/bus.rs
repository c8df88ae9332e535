//! The notice bus: every saved change to a ticket is published here after its transaction
//! commits, and the live queues and alarms subscribe. With PostgreSQL, notices also travel
//! through LISTEN/NOTIFY so screens served by other app processes see them.

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

pub const CHANNEL: &str = "yihaotai_tickets";

/// What a screen needs to know that a ticket changed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Notice {
    pub ticket_id: i64,
    pub number: String,
    pub status: String,
    pub urgency: String,
    pub title: String,
    pub area_path: String,
    pub agency_id: Option<i64>,
    /// The event kind that caused it, e.g. `registered`, `accepted`, `breach_recorded`.
    pub event: String,
    /// A critical ticket that nobody has accepted yet: every on-duty screen alarms.
    pub critical_unaccepted: bool,
    /// The accept deadline of a critical ticket has passed: the leader on duty is alarmed.
    pub critical_overdue: bool,
    /// When the ticket was registered (ms since the epoch): the banner says how long it has
    /// waited.
    #[serde(default)]
    pub registered_at: i64,
    /// The accept deadline (ms since the epoch), so a screen marks the alarm overdue when
    /// it passes without another notice.
    #[serde(default)]
    pub accept_by: Option<i64>,
    /// The agency that has the ticket, for the banner; `None` while it waits for dispatch.
    #[serde(default)]
    pub agency_name: Option<String>,
    /// Which process published it, so a process ignores its own notices coming back.
    #[serde(default)]
    pub origin: String,
}

#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Notice>,
    origin: String,
}

impl Default for Bus {
    fn default() -> Self {
        Bus::new()
    }
}

impl Bus {
    pub fn new() -> Bus {
        // A slow screen that falls 1,024 notices behind skips ahead (and reloads); the
        // sender never waits for it.
        let (tx, _) = broadcast::channel(1024);
        let mut b = [0u8; 8];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
        Bus {
            tx,
            origin: hex::encode(b),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.tx.subscribe()
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Delivers to this process's subscribers.
    pub fn send_local(&self, n: Notice) {
        let _ = self.tx.send(n);
    }
}
