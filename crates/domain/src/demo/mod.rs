//! The fictional demo street: 云江市 → 桂湖区 → 望江街道, two communities, four compounds,
//! 2,216 households and their residents, the agencies that serve them and one login per role.
//!
//! Everything is invented and generated from a fixed seed by a pure function, so the demo,
//! the store loader and the labelled triage set all see the same street on every run and
//! every machine. Collections are returned in load order: a parent always comes before
//! the things that refer to it, and references are indices into the earlier vectors.

pub mod lists;
mod names;
mod people;
mod territory;
#[cfg(test)]
mod tests;

use crate::area::AreaKind;
use crate::person::Phone;
use crate::role::Role;
use crate::vocab::{CareTag, ControlLevel};

/// Ages, 70+ and infant tags are computed against this year, not the clock, so that the
/// generated street does not change as time passes.
pub const REFERENCE_YEAR: i16 = 2026;

/// Households on the street, as the issue fixes it.
pub const HOUSEHOLD_COUNT: usize = 2_216;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStreet {
    pub areas: Vec<DemoArea>,
    pub agencies: Vec<DemoAgency>,
    pub households: Vec<DemoHousehold>,
    pub users: Vec<DemoUser>,
    /// The dispatch catalogue (派单目录) the street starts with.
    pub dispatch_rules: Vec<DemoDispatchRule>,
}

/// One row of the demo's dispatch catalogue, by the stable keys of area and agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDispatchRule {
    pub category: &'static str,
    pub area_key: String,
    pub agency_key: String,
    pub mode: crate::ticket::DispatchMode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoArea {
    /// Stable and unique, e.g. `jinxiu/b3/e2`; survives reloads where database ids do not.
    pub key: String,
    /// Index into `areas`; always smaller than this area's own index.
    pub parent: Option<usize>,
    pub kind: AreaKind,
    pub name: String,
    pub aliases: Vec<String>,
    /// Set on compounds and their zones; buildings and entrances inherit it.
    pub control: Option<ControlLevel>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAgency {
    pub key: String,
    pub name: String,
    /// desk, community_committee, medical_team, supply_team, logistics_team,
    /// property_manager, district_department or operations_centre.
    pub kind: String,
    /// The agency one level up, for escalation; an index smaller than this agency's own.
    pub parent: Option<usize>,
    /// Index into `areas`.
    pub home_area: usize,
    /// Indices into `areas`.
    pub serves_areas: Vec<usize>,
    /// Codes from [`crate::vocab::BUILTIN_CATEGORIES`].
    pub categories: Vec<&'static str>,
    pub is_forwarding_centre: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoHousehold {
    /// Index into `areas`: the entrance the flat is reached by.
    pub area: usize,
    /// `3`, or `A` for the high-rises of 金桂小区.
    pub building: String,
    pub entrance: Option<String>,
    /// Floor followed by a two-digit flat number: `501`, `1102`.
    pub room: String,
    /// `锦绣花园3栋2单元501`
    pub address: String,
    pub residents: Vec<DemoResident>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoResident {
    pub name: String,
    pub phone: Option<Phone>,
    pub birth_year: i16,
    /// '男' or '女'
    pub gender: char,
    /// 户主, 配偶, 子女, 父母, 孙辈 or 租户
    pub relation: &'static str,
    pub care_tags: Vec<CareTag>,
    /// An 18-character 身份证号 under the unassigned province code 99, so it cannot be anyone's.
    pub id_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub login: &'static str,
    pub display_name: String,
    pub password: &'static str,
    pub roles: Vec<Role>,
    /// Indices into `areas`.
    pub areas: Vec<usize>,
    /// Index into `agencies`.
    pub agency: Option<usize>,
}

/// Builds the whole demo street. Pure and deterministic: equal on every call.
pub fn demo_street() -> DemoStreet {
    let territory = territory::build(&mut Rng::stream(1));
    let agencies = territory::agencies(&territory);
    let households = people::populate(&territory.units, &mut Rng::stream(2));
    let users = users(&territory.areas, &agencies);
    let dispatch_rules = territory::dispatch_rules(&territory.areas);
    DemoStreet {
        areas: territory.areas,
        agencies,
        households,
        users,
        dispatch_rules,
    }
}

/// `(login, password, display name, roles, area keys, agency key)`
type UserRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static [Role],
    &'static [&'static str],
    Option<&'static str>,
);

/// The demo logins. Passwords are public on purpose: this is a demo, and the docs print them.
#[rustfmt::skip] // one login per line reads as the table it is
const USERS: &[UserRow] = &[
    ("admin", "demo-admin-2026", "周立平（系统管理员）", &[Role::Admin], &["yunjiang"], None),
    ("agent", "demo-agent-2026", "林晓雯（一号台坐席）", &[Role::Agent], &["wangjiang"], Some("desk")),
    ("dispatcher", "demo-dispatcher-2026", "高俊峰（派单员）", &[Role::Dispatcher], &["wangjiang"], Some("desk")),
    ("handler", "demo-handler-2026", "苏慧敏（医疗保障组）", &[Role::Handler], &["wangjiang"], Some("medical-team")),
    ("leader", "demo-leader-2026", "郑国华（街道负责人）", &[Role::Leader], &["wangjiang"], Some("desk")),
    ("gate", "demo-gate-2026", "马建军（锦绣花园门岗）", &[Role::Gate], &["jinxiu"], Some("jinxiu-property")),
    ("logistics", "demo-logistics-2026", "邓宇航（后勤保障一队）", &[Role::Logistics], &["wangjiang"], Some("logistics-1")),
    ("viewer", "demo-viewer-2026", "唐静怡（只读）", &[Role::Viewer], &["wangjiang"], None),
    ("qingshi", "demo-qingshi-2026", "谢秀兰（青石社区书记）", &[Role::Admin], &["qingshi"], Some("qingshi-committee")),
    ("liuan", "demo-liuan-2026", "罗志明（柳岸社区书记）", &[Role::Admin], &["liuan"], Some("liuan-committee")),
];

fn users(areas: &[DemoArea], agencies: &[DemoAgency]) -> Vec<DemoUser> {
    USERS
        .iter()
        .map(
            |&(login, password, display_name, roles, area_keys, agency)| DemoUser {
                login,
                display_name: display_name.to_string(),
                password,
                roles: roles.to_vec(),
                areas: area_keys.iter().map(|k| area_index(areas, k)).collect(),
                agency: agency.map(|k| agency_index(agencies, k)),
            },
        )
        .collect()
}

/// Looks up a key the generator itself wrote; a miss is a bug in this module.
fn area_index(areas: &[DemoArea], key: &str) -> usize {
    areas
        .iter()
        .position(|a| a.key == key)
        .unwrap_or_else(|| panic!("demo area '{key}' is not generated"))
}

fn agency_index(agencies: &[DemoAgency], key: &str) -> usize {
    agencies
        .iter()
        .position(|a| a.key == key)
        .unwrap_or_else(|| panic!("demo agency '{key}' is not generated"))
}

/// splitmix64: tiny, fast and good enough for demo data. The generator must not depend on
/// the `rand` crate, whose streams may change between versions and reshuffle the street.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    /// Separate streams keep the territory stable when the people generator changes.
    fn stream(n: u64) -> Rng {
        Rng(0x5747_4A49_414E_4721 ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (multiply-shift, no modulo bias worth speaking of).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i16, hi: i16) -> i16 {
        lo + self.below((hi - lo + 1) as u64) as i16
    }
    /// True with probability `per_10k` / 10,000.
    fn chance(&mut self, per_10k: u64) -> bool {
        self.below(10_000) < per_10k
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}
