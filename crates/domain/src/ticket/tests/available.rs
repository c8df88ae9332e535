//! `available_commands`: what `decide` would accept, by status and actor.

use super::support::*;
use crate::ticket::*;
use CommandKind::*;

fn offered(s: &Story, actor: &Actor) -> Vec<CommandKind> {
    available_commands(&s.t, actor, s.now, &s.policy)
}

#[test]
fn each_status_offers_what_decide_accepts() {
    let s = Story::register(normal());
    assert_eq!(offered(&s, &desk()), vec![Dispatch, Merge, Cancel, AddNote]);
    let s = Story::dispatched(A);
    // Roles are the service's table: the domain says only what the state allows this
    // actor (here the lead agency, who alone may accept or hand it back).
    assert_eq!(
        offered(&s, &handler(A)),
        vec![
            Accept,
            RequestReturn,
            Escalate,
            Supervise,
            Merge,
            Cancel,
            AddNote
        ],
    );
    assert!(
        !offered(&s, &handler(AgencyId(11))).contains(&Accept),
        "not the lead"
    );
    assert_eq!(
        offered(&s, &desk()),
        vec![Escalate, Supervise, Merge, Cancel, AddNote],
        "the desk supervises and escalates; it does not accept for the agency"
    );
    let s = Story::accepted(A);
    assert_eq!(
        offered(&s, &handler(A)),
        vec![
            RecordContact,
            RequestReturn,
            RequestExtension,
            Resolve,
            Escalate,
            Supervise,
            Merge,
            Cancel,
            AddNote
        ]
    );
    let s = Story::resolved(A);
    assert_eq!(
        offered(&s, &desk()),
        vec![Callback, Reopen, Merge, Cancel, AddNote]
    );
}

#[test]
fn a_request_is_reviewed_by_someone_else_and_a_finished_ticket_offers_nothing() {
    let mut s = Story::dispatched(A);
    s.run(
        Command::RequestReturn {
            reason: "不属于本单位".into(),
        },
        &handler(A),
    );
    assert!(offered(&s, &desk()).contains(&ApproveReturn));
    assert!(offered(&s, &desk()).contains(&RefuseReturn));
    assert!(
        !offered(&s, &handler(A)).contains(&ApproveReturn),
        "not one's own request"
    );
    s.run(
        Command::Cancel {
            reason: "重复".into(),
        },
        &desk(),
    );
    assert!(offered(&s, &desk()).is_empty());
}

#[test]
fn supervision_is_offered_until_its_highest_level() {
    let mut s = Story::dispatched(A);
    for level in [1, 2] {
        assert!(offered(&s, &desk()).contains(&Supervise));
        s.run(
            Command::Supervise {
                level,
                note: String::new(),
            },
            &desk(),
        );
    }
    assert!(
        !offered(&s, &desk()).contains(&Supervise),
        "level 2 is the highest"
    );
}
