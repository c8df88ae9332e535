//! The kinds of agency a street's tickets go to: the one list the agency pages offer and
//! the agency import reads.

/// (code, 中文, English).
pub const AGENCY_KINDS: &[(&str, &str, &str)] = &[
    ("desk", "一号台/服务台", "Service desk"),
    ("community_committee", "社区居委会", "Community committee"),
    ("medical_team", "医疗保障组", "Medical team"),
    ("supply_team", "物资保障组", "Supply team"),
    ("logistics_team", "后勤跑腿队", "Logistics team"),
    ("property_manager", "物业服务企业", "Property manager"),
    ("district_department", "区级部门", "District department"),
    ("operations_centre", "城市运行中心", "Operations centre"),
];

/// A kind as people write it in a spreadsheet: the code, the Chinese or English label, or
/// a common short word for it.
pub fn parse_kind(s: &str) -> Option<&'static str> {
    let s = s.trim();
    if let Some(k) = AGENCY_KINDS
        .iter()
        .find(|k| k.0 == s || k.1 == s || k.2.eq_ignore_ascii_case(s))
    {
        return Some(k.0);
    }
    let code = match s {
        "一号台" | "服务台" | "热线" => "desk",
        "居委会" | "社区" | "村委会" => "community_committee",
        "医疗组" | "医疗队" | "社区卫生服务中心" | "卫生服务站" => {
            "medical_team"
        }
        "物资组" | "保供组" => "supply_team",
        "后勤组" | "跑腿队" | "志愿者队" => "logistics_team",
        "物业" | "物业公司" => "property_manager",
        "区级部门" | "委办局" => "district_department",
        "城运中心" | "运行中心" => "operations_centre",
        _ => return None,
    };
    Some(code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn kinds_are_read_as_people_write_them() {
        assert_eq!(super::parse_kind("医疗保障组"), Some("medical_team"));
        assert_eq!(super::parse_kind("物业"), Some("property_manager"));
        assert_eq!(super::parse_kind("Medical team"), Some("medical_team"));
        assert_eq!(super::parse_kind("supply_team"), Some("supply_team"));
        assert_eq!(super::parse_kind("警察局"), None);
    }
}
