//! The territory tree of the demo street and the agencies that serve it.

use super::{agency_index, area_index, DemoAgency, DemoArea, Rng};
use crate::area::AreaKind;
use crate::vocab::{ControlLevel, BUILTIN_CATEGORIES};

/// How the flats of a group of buildings are laid out.
struct Layout {
    floors: (i16, i16),
    entrances: (i16, i16),
    flats_per_floor: i16,
}

/// 1990s walk-ups: six or seven floors, two flats on each landing.
const WALK_UP: Layout = Layout {
    floors: (6, 7),
    entrances: (3, 3),
    flats_per_floor: 2,
};
const OLD_WALK_UP: Layout = Layout {
    floors: (6, 7),
    entrances: (1, 3),
    flats_per_floor: 2,
};
/// 2000s mid-rises with a lift.
const MID_RISE: Layout = Layout {
    floors: (9, 12),
    entrances: (2, 2),
    flats_per_floor: 2,
};
const MIXED: Layout = Layout {
    floors: (7, 12),
    entrances: (2, 2),
    flats_per_floor: 2,
};
const HIGH_RISE: Layout = Layout {
    floors: (18, 18),
    entrances: (2, 2),
    flats_per_floor: 4,
};

struct CompoundSpec {
    key: &'static str,
    name: &'static str,
    aliases: &'static [&'static str],
    /// Prefix of the zone aliases: 锦绣一区.
    short: &'static str,
    community: usize,
    control: ControlLevel,
    /// Buildings `1栋..N栋`, then the named high-rises (`A座`).
    numbered: i16,
    high_rises: &'static [&'static str],
    /// Buildings in each control zone, in building order.
    zones: &'static [usize],
    layout: Layout,
}

const COMMUNITIES: [(&str, &str, &str); 2] = [
    ("qingshi", "青石社区", "青石"),
    ("liuan", "柳岸社区", "柳岸"),
];

/// The names, aliases, control levels and building numbers are fixed by the issue: the triage
/// address parser and its labelled test set use these exact strings.
const COMPOUNDS: [CompoundSpec; 4] = [
    CompoundSpec {
        key: "jinxiu",
        name: "锦绣花园",
        aliases: &["锦绣", "锦绣小区"],
        short: "锦绣",
        community: 0,
        control: ControlLevel::Sealed,
        numbered: 20,
        high_rises: &[],
        zones: &[7, 7, 6],
        layout: WALK_UP,
    },
    CompoundSpec {
        key: "cuizhu",
        name: "翠竹苑",
        aliases: &["翠竹", "翠竹小区"],
        short: "翠竹",
        community: 0,
        control: ControlLevel::Controlled,
        numbered: 16,
        high_rises: &[],
        zones: &[8, 8],
        layout: MID_RISE,
    },
    CompoundSpec {
        key: "heping",
        name: "和平里",
        aliases: &["和平小区", "和平里小区"],
        short: "和平",
        community: 1,
        control: ControlLevel::Precaution,
        numbered: 12,
        high_rises: &[],
        zones: &[6, 6],
        layout: OLD_WALK_UP,
    },
    CompoundSpec {
        key: "jingui",
        name: "金桂小区",
        aliases: &["金桂", "金桂园"],
        short: "金桂",
        community: 1,
        control: ControlLevel::Precaution,
        numbered: 10,
        high_rises: &["A", "B"],
        zones: &[6, 6],
        layout: MIXED,
    },
];

/// One flat that may be occupied.
#[derive(Debug, Clone)]
pub(super) struct Flat {
    pub area: usize,
    pub compound: &'static str,
    pub building: String,
    pub building_name: String,
    pub entrance: String,
    pub room: String,
}

pub(super) struct Territory {
    pub areas: Vec<DemoArea>,
    pub units: Vec<Flat>,
}

struct Tree(Vec<DemoArea>);

impl Tree {
    fn add(
        &mut self,
        parent: Option<usize>,
        key: String,
        kind: AreaKind,
        name: String,
        aliases: Vec<String>,
        control: Option<ControlLevel>,
    ) -> usize {
        self.0.push(DemoArea {
            key,
            parent,
            kind,
            name,
            aliases,
            control,
        });
        self.0.len() - 1
    }
}

fn strings(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

/// 1 → 一 (for 1–9): zones, teams and entrances are often written with Chinese numerals.
fn chinese_numeral(n: usize) -> &'static str {
    ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"][n % 10]
}

pub(super) fn build(rng: &mut Rng) -> Territory {
    let mut t = Tree(Vec::new());
    let city = t.add(
        None,
        "yunjiang".into(),
        AreaKind::City,
        "云江市".into(),
        strings(&["云江"]),
        None,
    );
    let district = t.add(
        Some(city),
        "guihu".into(),
        AreaKind::District,
        "桂湖区".into(),
        strings(&["桂湖"]),
        None,
    );
    let street = t.add(
        Some(district),
        "wangjiang".into(),
        AreaKind::Street,
        "望江街道".into(),
        strings(&["望江", "望江街"]),
        None,
    );
    let communities: Vec<usize> = COMMUNITIES
        .iter()
        .map(|(key, name, alias)| {
            t.add(
                Some(street),
                key.to_string(),
                AreaKind::Community,
                name.to_string(),
                strings(&[alias]),
                None,
            )
        })
        .collect();

    let mut units = Vec::new();
    for spec in &COMPOUNDS {
        let control = Some(spec.control);
        let compound = t.add(
            Some(communities[spec.community]),
            spec.key.into(),
            AreaKind::Compound,
            spec.name.into(),
            strings(spec.aliases),
            control,
        );
        let labels: Vec<String> = (1..=spec.numbered)
            .map(|n| n.to_string())
            .chain(spec.high_rises.iter().map(|s| s.to_string()))
            .collect();
        let mut labels = labels.into_iter();
        for (z, &size) in spec.zones.iter().enumerate() {
            let numeral = chinese_numeral(z + 1);
            let zone = t.add(
                Some(compound),
                format!("{}/z{}", spec.key, z + 1),
                AreaKind::Zone,
                format!("{}{numeral}区", spec.name),
                vec![format!("{}{numeral}区", spec.short)],
                control,
            );
            for label in labels.by_ref().take(size) {
                let high_rise = spec.high_rises.contains(&label.as_str());
                let layout = if high_rise { &HIGH_RISE } else { &spec.layout };
                let (name, aliases) = if high_rise {
                    (format!("{label}座"), vec![format!("{label}栋")])
                } else {
                    (
                        format!("{label}栋"),
                        vec![format!("{label}号楼"), format!("{label}幢")],
                    )
                };
                let building = t.add(
                    Some(zone),
                    format!("{}/b{label}", spec.key),
                    AreaKind::Building,
                    name.clone(),
                    aliases,
                    None,
                );
                let floors = rng.range(layout.floors.0, layout.floors.1);
                let entrances = rng.range(layout.entrances.0, layout.entrances.1);
                for e in 1..=entrances {
                    let entrance = t.add(
                        Some(building),
                        format!("{}/b{label}/e{e}", spec.key),
                        AreaKind::Entrance,
                        format!("{e}单元"),
                        vec![format!("{}单元", chinese_numeral(e as usize))],
                        None,
                    );
                    for floor in 1..=floors {
                        for flat in 1..=layout.flats_per_floor {
                            units.push(Flat {
                                area: entrance,
                                compound: spec.name,
                                building: label.clone(),
                                building_name: name.clone(),
                                entrance: e.to_string(),
                                room: format!("{floor}{flat:02}"),
                            });
                        }
                    }
                }
            }
        }
    }
    Territory { areas: t.0, units }
}

struct Agencies<'a> {
    areas: &'a [DemoArea],
    out: Vec<DemoAgency>,
}

impl Agencies<'_> {
    /// Every demo agency serves exactly the area it is based in.
    fn add(
        &mut self,
        key: impl Into<String>,
        name: impl Into<String>,
        kind: &str,
        parent: Option<&str>,
        home: &str,
        categories: &[&'static str],
    ) -> &mut DemoAgency {
        let home_area = area_index(self.areas, home);
        self.out.push(DemoAgency {
            key: key.into(),
            name: name.into(),
            kind: kind.to_string(),
            parent: parent.map(|p| agency_index(&self.out, p)),
            home_area,
            serves_areas: vec![home_area],
            categories: categories.to_vec(),
            is_forwarding_centre: false,
        });
        let last = self.out.len() - 1;
        &mut self.out[last]
    }
}

/// The agencies, parents first. Forwarding centres are the two places that receive orders
/// in bulk and dispatch them on (分转): the district operations centre and desk No. 1.
pub(super) fn agencies(t: &Territory) -> Vec<DemoAgency> {
    let all: Vec<&'static str> = BUILTIN_CATEGORIES.iter().map(|c| c.0).collect();
    let mut a = Agencies {
        areas: &t.areas,
        out: Vec::new(),
    };
    a.add(
        "district-ops",
        "桂湖区城市运行管理中心",
        "operations_centre",
        None,
        "guihu",
        &all,
    )
    .is_forwarding_centre = true;
    a.add(
        "district-health",
        "桂湖区卫生健康委员会",
        "district_department",
        Some("district-ops"),
        "guihu",
        &[
            "medical",
            "medicine",
            "testing",
            "transfer",
            "psychological",
        ],
    );
    a.add(
        "desk",
        "望江街道一号台",
        "desk",
        Some("district-ops"),
        "wangjiang",
        &all,
    )
    .is_forwarding_centre = true;
    for (key, name, _) in COMMUNITIES {
        a.add(
            format!("{key}-committee"),
            format!("{name}居民委员会"),
            "community_committee",
            Some("desk"),
            key,
            &[
                "elderly_child_care",
                "psychological",
                "consultation",
                "testing",
                "pet",
                "other",
            ],
        );
    }
    // Medical orders escalate to the health commission, not to the desk: 涉疫 medical
    // cases are handled one level up, by the district.
    a.add(
        "medical-team",
        "望江街道医疗保障组",
        "medical_team",
        Some("district-health"),
        "wangjiang",
        &["medical", "medicine", "testing", "transfer"],
    );
    a.add(
        "supply-team",
        "望江街道物资保障组",
        "supply_team",
        Some("desk"),
        "wangjiang",
        &["supplies", "delivery"],
    );
    // One logistics team per control zone: errands are carried door to door inside a zone.
    let zones: Vec<&str> = t
        .areas
        .iter()
        .filter(|z| z.kind == AreaKind::Zone)
        .map(|z| z.key.as_str())
        .collect();
    for (i, zone) in zones.into_iter().enumerate() {
        a.add(
            format!("logistics-{}", i + 1),
            format!("后勤保障{}队", chinese_numeral(i + 1)),
            "logistics_team",
            Some("supply-team"),
            zone,
            &["supplies", "delivery", "medicine"],
        );
    }
    for spec in &COMPOUNDS {
        let committee = format!("{}-committee", COMMUNITIES[spec.community].0);
        a.add(
            format!("{}-property", spec.key),
            format!("{}物业服务中心", spec.name),
            "property_manager",
            Some(&committee),
            spec.key,
            &["sanitation", "delivery", "pet", "other"],
        );
    }
    a.out
}

/// The street's dispatch catalogue: medical needs go to the medical team, supplies to the
/// logistics team of the caller's control zone (the supply team elsewhere), household and
/// welfare matters to the community committee, the estate's own matters to its property
/// manager. The most specific area wins, so a zone's rule overrides the street's.
pub(super) fn dispatch_rules(areas: &[DemoArea]) -> Vec<super::DemoDispatchRule> {
    use crate::ticket::DispatchMode::Direct;
    let rule = |category, area: &str, agency: String| super::DemoDispatchRule {
        category,
        area_key: area.to_string(),
        agency_key: agency,
        mode: Direct,
    };
    let mut out = Vec::new();
    for c in ["medical", "medicine", "testing", "transfer"] {
        out.push(rule(c, "wangjiang", "medical-team".into()));
    }
    for c in ["supplies", "delivery"] {
        out.push(rule(c, "wangjiang", "supply-team".into()));
    }
    for (key, _, _) in COMMUNITIES {
        for c in [
            "elderly_child_care",
            "psychological",
            "consultation",
            "pet",
            "other",
        ] {
            out.push(rule(c, key, format!("{key}-committee")));
        }
    }
    for spec in &COMPOUNDS {
        out.push(rule(
            "sanitation",
            spec.key,
            format!("{}-property", spec.key),
        ));
    }
    let zones = areas.iter().filter(|z| z.kind == AreaKind::Zone);
    for (i, zone) in zones.enumerate() {
        for c in ["supplies", "delivery"] {
            out.push(rule(c, &zone.key, format!("logistics-{}", i + 1)));
        }
    }
    out
}
