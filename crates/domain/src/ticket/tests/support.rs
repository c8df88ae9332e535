//! Fixtures: a Monday-morning ticket, named agencies, and a story that replays as it goes.

use crate::role::{Role, Roles};
use crate::ticket::*;
use crate::vocab::{Category, Channel, RequestType, Urgency};
use crate::{AgencyId, TicketId, UserId};
use jiff::Timestamp;

/// The community committee, the medical team, a forwarding centre, the district above.
pub const A: AgencyId = AgencyId(10);
pub const B: AgencyId = AgencyId(20);
pub const CENTRE: AgencyId = AgencyId(30);
pub const UPPER: AgencyId = AgencyId(40);

/// China time `2026-03-02T09:00` as an instant.
pub fn at(local: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = local.parse().expect("test date");
    CST.to_timestamp(dt).expect("in range")
}

/// Monday 2 March 2026, 09:00 China time: an ordinary working morning.
pub fn t0() -> Timestamp {
    at("2026-03-02T09:00")
}

pub fn desk() -> Actor {
    Actor {
        user: Some(UserId(1)),
        agency: None,
        roles: Roles(vec![Role::Agent, Role::Dispatcher]),
    }
}

pub fn handler(a: AgencyId) -> Actor {
    Actor {
        user: Some(UserId(100 + a.0)),
        agency: Some(a),
        roles: Roles(vec![Role::Handler]),
    }
}

pub fn new_ticket(urgency: Urgency, epidemic_related: bool, rt: RequestType) -> NewTicket {
    NewTicket {
        channel: Channel::Hotline12345,
        request_type: rt,
        category: Category::parse("medicine").expect("category"),
        urgency,
        epidemic_related,
        confidential: false,
        caller_name: Some("王阿姨".to_string()),
        caller_phone: None,
        household: None,
        area: None,
        content: "  家中老人降压药只剩两天的量，小区封控无法外出购药  ".to_string(),
        disposition: Disposition::Dispatch,
    }
}

pub fn normal() -> NewTicket {
    new_ticket(Urgency::Normal, false, RequestType::Help)
}

/// A ticket with its history, advanced command by command as a test tells it.
pub struct Story {
    pub t: Ticket,
    pub events: Vec<Event>,
    pub policy: Policy,
    pub now: Timestamp,
}

impl Story {
    pub fn register(new: NewTicket) -> Story {
        let policy = Policy::default();
        let events = register(new, &desk(), t0(), &policy).expect("register");
        let mut t = Ticket::from_events(&events).expect("starts with Registered");
        t.id = Some(TicketId(1));
        Story {
            t,
            events,
            policy,
            now: t0(),
        }
    }

    /// Registered and dispatched directly to `a` at t0.
    pub fn dispatched(a: AgencyId) -> Story {
        let mut s = Story::register(normal());
        s.run(dispatch(a, DispatchMode::Direct), &desk());
        s
    }

    pub fn accepted(a: AgencyId) -> Story {
        let mut s = Story::dispatched(a);
        s.at("2026-03-02T09:30").run(Command::Accept, &handler(a));
        s
    }

    pub fn resolved(a: AgencyId) -> Story {
        let mut s = Story::accepted(a);
        let result = "已联系社区医生送药上门".to_string();
        s.at("2026-03-03T10:00")
            .run(Command::Resolve { result }, &handler(a));
        s
    }

    pub fn at(&mut self, local: &str) -> &mut Story {
        self.now = at(local);
        self
    }

    pub fn try_run(&self, cmd: Command, actor: &Actor) -> Result<Vec<Event>, TicketError> {
        decide(&self.t, cmd, actor, self.now, &self.policy)
    }

    /// Decides, applies, and checks that replaying the whole history gives the same ticket.
    pub fn run(&mut self, cmd: Command, actor: &Actor) -> Vec<Event> {
        let events = self.try_run(cmd.clone(), actor).unwrap_or_else(|e| {
            panic!("{cmd:?} refused: {e}");
        });
        for e in &events {
            apply(&mut self.t, e);
        }
        self.events.extend(events.iter().cloned());
        let mut replayed = Ticket::from_events(&self.events).expect("replay");
        replayed.id = self.t.id;
        assert_eq!(replayed, self.t, "replay differs after {cmd:?}");
        events
    }

    /// Expects a refusal and checks the ticket is untouched.
    pub fn refused(&self, cmd: Command, actor: &Actor) -> TicketError {
        let before = self.t.clone();
        let err = self
            .try_run(cmd.clone(), actor)
            .expect_err(&format!("{cmd:?} should be refused"));
        assert_eq!(before, self.t);
        err
    }
}

pub fn dispatch(a: AgencyId, mode: DispatchMode) -> Command {
    Command::Dispatch {
        agency: a,
        mode,
        assisting: Vec::new(),
        note: String::new(),
    }
}

pub fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.code()).collect()
}
