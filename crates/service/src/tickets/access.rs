//! Who may issue which ticket command. The domain decides whether the ticket's state allows
//! it and whether a handler's agency is the one assigned; this decides whether the person's
//! role and areas allow it at all.

use crate::{Result, ServiceError, User};
use yihaotai_domain::area::AreaPath;
use yihaotai_domain::role::Role;
use yihaotai_domain::ticket::CommandKind;
use yihaotai_domain::vocab::Lang;
use yihaotai_store::tickets::TicketRecord;

use yihaotai_domain::role::DESK;
const REVIEW: &[Role] = &[Role::Admin, Role::Dispatcher, Role::Leader];
const HANDLER: &[Role] = &[Role::Handler];
const SUPERVISE: &[Role] = &[Role::Admin, Role::Leader];
const ANY_STAFF: &[Role] = &[
    Role::Admin,
    Role::Agent,
    Role::Dispatcher,
    Role::Handler,
    Role::Leader,
    Role::Gate,
    Role::Logistics,
];

pub trait CommandKindExt {
    /// The roles that may issue this command (besides the scheduler).
    fn allowed_roles(self) -> &'static [Role];
}

impl CommandKindExt for CommandKind {
    fn allowed_roles(self) -> &'static [Role] {
        use CommandKind::*;
        match self {
            Dispatch => &[
                Role::Admin,
                Role::Agent,
                Role::Dispatcher,
                Role::Leader,
                Role::Handler,
            ],
            Accept | RecordContact | RequestReturn | RequestExtension | Resolve => HANDLER,
            ApproveReturn | RefuseReturn | ApproveExtension | RefuseExtension | Escalate
            | Merge | Cancel | Reopen => REVIEW,
            Callback => DESK,
            Supervise => SUPERVISE,
            RecordBreach => &[],
            AddNote => ANY_STAFF,
        }
    }
}

/// Desk staff record requests and call residents back.
pub fn is_desk(user: &User) -> bool {
    user.roles.is_desk()
}

/// In the user's areas, or handled (lead or assisting) by the user's agency.
pub fn may_see(user: &User, rec: &TicketRecord) -> bool {
    user.scope()
        .covers(&AreaPath::from_stored(rec.area_path.clone()))
        || user.agency_id.is_some_and(|a| rec.ticket.involves(a))
}

pub fn check_command(user: &User, _rec: &TicketRecord, kind: CommandKind) -> Result<()> {
    check_role(user, kind)
}

/// The role check alone, made before the command's body is even read, so a caller who
/// may not issue it learns nothing from the validation of what they sent.
pub fn check_role(user: &User, kind: CommandKind) -> Result<()> {
    let allowed = kind.allowed_roles();
    if user.roles.any(allowed) {
        return Ok(());
    }
    let zh: Vec<&str> = allowed.iter().map(|r| r.label(Lang::Zh)).collect();
    let en: Vec<&str> = allowed.iter().map(|r| r.label(Lang::En)).collect();
    Err(ServiceError::forbidden(
        format!(
            "“{}”需要以下角色之一：{}",
            kind.label(Lang::Zh),
            if zh.is_empty() {
                "系统".into()
            } else {
                zh.join("、")
            }
        ),
        format!(
            "'{}' needs one of the roles: {}",
            kind.label(Lang::En),
            if en.is_empty() {
                "system".into()
            } else {
                en.join(", ")
            }
        ),
    ))
}

/// May this user see who called? Not an agency's staff on a confidential ticket.
pub fn may_see_caller(user: &User, rec: &TicketRecord) -> bool {
    !rec.ticket.confidential || is_desk(user)
}

/// May this user reveal the full number: desk staff, or the assigned agency's handler.
pub fn may_reveal_phone(user: &User, rec: &TicketRecord) -> bool {
    if !may_see_caller(user, rec) {
        return false;
    }
    is_desk(user)
        || (user.roles.has(Role::Handler)
            && user.agency_id.is_some()
            && user.agency_id == rec.ticket.assigned)
}

/// Desk staff dispatch any ticket they see; an agency's own staff only pass on (分转) a
/// ticket their agency holds now.
pub fn may_dispatch(user: &User, rec: &TicketRecord) -> bool {
    is_desk(user)
        || user
            .agency_id
            .is_some_and(|a| rec.ticket.assigned == Some(a))
}
