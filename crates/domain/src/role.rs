//! Staff roles and what each may do. The service layer asks these questions; pages only
//! hide what the service would refuse anyway.

crate::vocabulary!(
    /// A staff role. An account has one or more, and a set of areas it serves.
    Role, "role" {
        Admin => "admin", "管理员", "Administrator";
        Agent => "agent", "坐席", "Desk agent";
        Dispatcher => "dispatcher", "派单员", "Dispatcher";
        Handler => "handler", "承办人员", "Handler";
        Leader => "leader", "负责人", "Leader";
        Gate => "gate", "门岗", "Gate";
        Logistics => "logistics", "后勤保障", "Logistics";
        Viewer => "viewer", "只读", "Viewer";
    }
);

/// Desk staff: they record requests, dispatch, call back, and see who called. The one list;
/// every layer asks [`Roles::is_desk`] or uses this.
pub const DESK: &[Role] = &[Role::Admin, Role::Agent, Role::Dispatcher, Role::Leader];

/// The roles of one account.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Roles(pub Vec<Role>);

impl Roles {
    pub fn has(&self, r: Role) -> bool {
        self.0.contains(&r)
    }
    pub fn any(&self, rs: &[Role]) -> bool {
        rs.iter().any(|r| self.has(*r))
    }
    /// Parses a comma-separated list such as `agent,dispatcher`.
    pub fn parse_list(s: &str) -> Result<Roles, crate::vocab::UnknownCode> {
        let mut out = Vec::new();
        for part in s.split([',', ' ', '，']).filter(|p| !p.trim().is_empty()) {
            let r = Role::parse(part)?;
            if !out.contains(&r) {
                out.push(r);
            }
        }
        out.sort();
        Ok(Roles(out))
    }
    pub fn codes(&self) -> String {
        self.0
            .iter()
            .map(|r| r.code())
            .collect::<Vec<_>>()
            .join(",")
    }
    pub fn is_admin(&self) -> bool {
        self.has(Role::Admin)
    }
    /// One of the desk roles ([`DESK`]).
    pub fn is_desk(&self) -> bool {
        self.any(DESK)
    }
    /// Desk staff may see full phone numbers of callers (they must call back).
    pub fn may_reveal_phone(&self) -> bool {
        self.any(&[Role::Admin, Role::Agent, Role::Dispatcher, Role::Handler])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_list_dedups_and_rejects_unknown() {
        let r = Roles::parse_list("agent, dispatcher,agent").unwrap();
        assert_eq!(r.0, vec![Role::Agent, Role::Dispatcher]);
        assert_eq!(r.codes(), "agent,dispatcher");
        let e = Roles::parse_list("agent,boss").unwrap_err();
        assert_eq!(e.value, "boss");
    }
}
