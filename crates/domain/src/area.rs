//! The territory tree (属地): city → district → street → community → compound → zone →
//! building → entrance. Access is granted by area: whoever serves a node serves everything
//! under it. Paths are materialised as `/1/4/9/` so "is under" is a prefix test.

use crate::AreaId;
use serde::{Deserialize, Serialize};

crate::vocabulary!(
    /// The level of a node in the territory tree.
    AreaKind, "area_kind" {
        City => "city", "市", "City";
        District => "district", "区", "District";
        Street => "street", "街道", "Street";
        Community => "community", "社区", "Community";
        Compound => "compound", "小区院落", "Compound";
        Zone => "zone", "分控区域", "Control zone";
        Building => "building", "楼栋", "Building";
        Entrance => "entrance", "单元", "Entrance";
    }
);

impl AreaKind {
    fn depth(self) -> u8 {
        match self {
            AreaKind::City => 0,
            AreaKind::District => 1,
            AreaKind::Street => 2,
            AreaKind::Community => 3,
            AreaKind::Compound => 4,
            AreaKind::Zone => 5,
            AreaKind::Building => 6,
            AreaKind::Entrance => 7,
        }
    }
    /// A child must sit strictly below its parent; levels may be skipped
    /// (a small compound has no control zones, a building may have no entrances).
    pub fn may_contain(self, child: AreaKind) -> bool {
        child.depth() > self.depth()
    }
    /// Control levels (封控/管控/防范) are set on compounds and the levels below them.
    pub fn takes_control_level(self) -> bool {
        self.depth() >= AreaKind::Compound.depth()
    }
}

/// A materialised path such as `/1/4/9/`: the ids from the root down to the node.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AreaPath(String);

impl AreaPath {
    pub fn root(id: AreaId) -> AreaPath {
        AreaPath(format!("/{id}/"))
    }
    pub fn child(&self, id: AreaId) -> AreaPath {
        AreaPath(format!("{}{id}/", self.0))
    }
    pub fn from_stored(s: String) -> AreaPath {
        AreaPath(s)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// True when `self` is `other` or lies beneath it.
    pub fn is_within(&self, other: &AreaPath) -> bool {
        self.0.starts_with(&other.0)
    }
    pub fn ids(&self) -> Vec<AreaId> {
        self.0
            .split('/')
            .filter_map(|p| p.parse::<i64>().ok())
            .map(AreaId)
            .collect()
    }
}

/// The areas an account serves, as paths. Empty means it serves nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub paths: Vec<AreaPath>,
}

impl Scope {
    pub fn new(paths: Vec<AreaPath>) -> Scope {
        Scope { paths }
    }
    pub fn covers(&self, p: &AreaPath) -> bool {
        self.paths.iter().any(|s| p.is_within(s))
    }
    /// True when every path in `ps` is covered (and there is at least one).
    pub fn covers_all<'a>(&self, mut ps: impl Iterator<Item = &'a AreaPath>) -> bool {
        let mut any = false;
        let all = ps.all(|p| {
            any = true;
            self.covers(p)
        });
        any && all
    }
}

/// A validated area name: 1–64 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AreaName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AreaError {
    #[error("area name must not be empty")]
    EmptyName,
    #[error("area name is longer than 64 characters")]
    NameTooLong,
    #[error("area name contains control characters")]
    ControlCharacters,
    #[error("a {child} cannot be placed under a {parent}")]
    BadNesting { parent: AreaKind, child: AreaKind },
    #[error(
        "a control level can only be set on a compound, zone, building or entrance, not on a {0}"
    )]
    NoControlLevel(AreaKind),
}

impl AreaError {
    pub fn localized(&self, lang: crate::vocab::Lang) -> String {
        use crate::vocab::Lang;
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (AreaError::EmptyName, Lang::Zh) => "区域名称不能为空".into(),
            (AreaError::NameTooLong, Lang::Zh) => "区域名称不能超过64个字".into(),
            (AreaError::ControlCharacters, Lang::Zh) => "区域名称含有不可见的控制字符".into(),
            (AreaError::BadNesting { parent, child }, Lang::Zh) => format!(
                "{}不能建在{}之下",
                child.label(Lang::Zh),
                parent.label(Lang::Zh)
            ),
            (AreaError::NoControlLevel(k), Lang::Zh) => format!(
                "只有小区、分控区域、楼栋和单元可以设置管控等级，{}不可以",
                k.label(Lang::Zh)
            ),
        }
    }
}

impl AreaName {
    pub fn parse(s: &str) -> Result<AreaName, AreaError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(AreaError::EmptyName);
        }
        if t.chars().count() > 64 {
            return Err(AreaError::NameTooLong);
        }
        if t.chars().any(char::is_control) {
            return Err(AreaError::ControlCharacters);
        }
        Ok(AreaName(t.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub fn check_nesting(parent: AreaKind, child: AreaKind) -> Result<(), AreaError> {
    if parent.may_contain(child) {
        Ok(())
    } else {
        Err(AreaError::BadNesting { parent, child })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_is_prefix_containment() {
        let street = AreaPath::root(AreaId(1)).child(AreaId(3));
        let c1 = street.child(AreaId(4));
        let c2 = street.child(AreaId(5));
        let b = c1.child(AreaId(40));
        let scope = Scope::new(vec![c1.clone()]);
        assert!(scope.covers(&c1));
        assert!(scope.covers(&b));
        assert!(!scope.covers(&c2));
        assert!(!scope.covers(&street));
        // /1/3/4/ must not cover /1/3/45/
        let c45 = street.child(AreaId(45));
        assert!(!scope.covers(&c45));
        assert!(scope.covers_all([c1.clone(), b.clone()].iter()));
        assert!(!scope.covers_all([c1, c2].iter()));
        assert!(!scope.covers_all(std::iter::empty()));
        assert_eq!(b.ids(), vec![AreaId(1), AreaId(3), AreaId(4), AreaId(40)]);
    }

    #[test]
    fn nesting_and_names() {
        assert!(check_nesting(AreaKind::Community, AreaKind::Compound).is_ok());
        assert!(check_nesting(AreaKind::Compound, AreaKind::Building).is_ok());
        assert!(check_nesting(AreaKind::Building, AreaKind::Community).is_err());
        assert!(check_nesting(AreaKind::Street, AreaKind::Street).is_err());
        assert_eq!(AreaName::parse("  "), Err(AreaError::EmptyName));
        assert_eq!(
            AreaName::parse(&"楼".repeat(65)),
            Err(AreaError::NameTooLong)
        );
        assert_eq!(AreaName::parse(" 锦绣花园 ").unwrap().as_str(), "锦绣花园");
        assert!(AreaKind::Compound.takes_control_level());
        assert!(!AreaKind::Community.takes_control_level());
    }
}
