//! Live updates: `GET /events` streams the notice bus as server-sent events, filtered to
//! the tickets the viewer may see; `GET /alarms` lists the critical tickets nobody has
//! accepted, so a page that loads late still raises their banner.
//!
//! Every stream ends when the server shuts down: `serve` trips [`Shutdown`] as soon as its
//! shutdown future completes, before axum waits for open connections to finish. Streams
//! also end when their session is gone (re-checked every minute) or the bus closes.

use crate::error::AppError;
use crate::extract::{Staff, SESSION_COOKIE};
use crate::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use futures::Stream;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use yihaotai_domain::area::{AreaPath, Scope};
use yihaotai_service::bus::Notice;
use yihaotai_service::{Service, ServiceError, User};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events", get(events))
        .route("/alarms", get(alarms))
}

/// Idle streams send a comment this often, so proxies keep them open and a dead peer is
/// noticed.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How often a stream checks that its session is still valid.
const SESSION_CHECK: Duration = Duration::from_secs(60);

/// Tells every live stream that the server is stopping. Cheap to clone; one per app.
#[derive(Clone)]
pub struct Shutdown {
    tx: Arc<watch::Sender<bool>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown {
            tx: Arc::new(watch::channel(false).0),
        }
    }
}

impl Shutdown {
    /// Ends every open stream, and any opened afterwards at once.
    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }

    fn subscribe(&self) -> watch::Receiver<bool> {
        self.tx.subscribe()
    }
}

/// May this viewer see the notice: in their areas, or about their agency's ticket.
fn visible(scope: &Scope, user: &User, n: &Notice) -> bool {
    scope.covers(&AreaPath::from_stored(n.area_path.clone()))
        || (user.agency_id.is_some() && user.agency_id.map(|a| a.0) == n.agency_id)
}

struct Client {
    notices: broadcast::Receiver<Notice>,
    stop: watch::Receiver<bool>,
    check: tokio::time::Interval,
    service: Service,
    token: String,
    user: User,
    scope: Scope,
}

enum Step {
    Send(Event),
    Skip,
    End,
}

impl Client {
    async fn step(&mut self) -> Step {
        tokio::select! {
            // Shutdown first: a busy bus must not hold a stopping server open.
            biased;
            // The guard `wait_for` returns is not `Send`; drop it inside.
            _ = async { drop(self.stop.wait_for(|stopping| *stopping).await) } => Step::End,
            _ = self.check.tick() => match self.service.session_user(&self.token).await {
                Err(ServiceError::Unauthenticated) => Step::End,
                _ => Step::Skip,
            },
            r = self.notices.recv() => match r {
                Ok(n) if visible(&self.scope, &self.user, &n) => {
                    let mut n = n;
                    n.origin.clear();
                    match Event::default().json_data(&n) {
                        Ok(e) => Step::Send(e),
                        Err(_) => Step::Skip,
                    }
                }
                Ok(_) => Step::Skip,
                // This client fell a whole buffer behind: it cannot know what it missed,
                // so it reloads what it shows.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    Step::Send(Event::default().event("reload").data("lagged"))
                }
                Err(broadcast::error::RecvError::Closed) => Step::End,
            },
        }
    }
}

async fn events(
    State(state): State<AppState>,
    staff: Staff,
    jar: CookieJar,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut check = tokio::time::interval(SESSION_CHECK);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick fires at once; the session was just checked by the extractor.
    check.reset();
    let client = Client {
        notices: state.service.bus.subscribe(),
        stop: state.shutdown.subscribe(),
        check,
        service: state.service.clone(),
        token: jar
            .get(SESSION_COOKIE)
            .map(|c| c.value().to_string())
            .unwrap_or_default(),
        scope: staff.user.scope(),
        user: staff.user,
    };
    let stream = futures::stream::unfold(client, |mut c| async move {
        loop {
            match c.step().await {
                Step::Send(e) => return Some((Ok(e), c)),
                Step::Skip => continue,
                Step::End => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

#[derive(serde::Serialize)]
struct Alarm {
    ticket_id: i64,
    number: String,
    title: String,
    status: String,
    accept_by: Option<i64>,
    /// The accept deadline has passed: the banner says so.
    critical_overdue: bool,
    /// When it was registered, so the banner says how long it has waited.
    registered_at: i64,
    /// Who has it; `None` while it waits for dispatch.
    agency_name: Option<String>,
}

async fn alarms(State(state): State<AppState>, staff: Staff) -> Result<Json<Vec<Alarm>>, AppError> {
    let now = state.service.now();
    let rows = state
        .service
        .critical_alarms(&staff.user)
        .await
        .map_err(|e| AppError::api(e, staff.lang))?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Alarm {
                critical_overdue: r.accept_by.is_some_and(|d| d <= now),
                ticket_id: r.id,
                number: r.number,
                title: r.title,
                status: r.status,
                accept_by: r.accept_by,
                registered_at: r.registered_at,
                agency_name: r.agency_name,
            })
            .collect(),
    ))
}
