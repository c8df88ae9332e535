//! Triage at intake: the domain's analysis of free text, with the address matched against
//! the households of the caller's areas. The lexicon can be replaced from a file and
//! reloaded without a restart.

use crate::{Result, Service, ServiceError, User};
use std::sync::{Arc, RwLock};
use yihaotai_domain::area::AreaKind;
use yihaotai_domain::triage::{
    check_input, match_household, Analysis, CompoundEntry, HouseholdAddress, Triage,
};
use yihaotai_domain::vocab::Lang;
use yihaotai_domain::{AreaId, HouseholdId};

/// The parts of each household's address that triage matches a request's address against.
pub(crate) fn home_addresses(
    rows: &[yihaotai_store::households::HouseholdRow],
) -> Vec<HouseholdAddress> {
    rows.iter()
        .map(|h| HouseholdAddress {
            id: HouseholdId(h.id),
            compound_id: AreaId(h.compound_id),
            building: h.building.clone(),
            entrance: h.entrance.clone(),
            room: h.room.clone(),
        })
        .collect()
}

/// The current lexicon, swappable at run time.
#[derive(Clone)]
pub struct TriageEngine {
    current: Arc<RwLock<Arc<Triage>>>,
}

impl Default for TriageEngine {
    fn default() -> Self {
        TriageEngine {
            current: Arc::new(RwLock::new(Arc::new(Triage::builtin()))),
        }
    }
}

impl TriageEngine {
    pub fn get(&self) -> Arc<Triage> {
        self.current
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Replaces the lexicon with the TOML text; a bad file changes nothing.
    pub fn reload_from_str(&self, src: &str) -> Result<()> {
        let t = Triage::from_toml(src).map_err(|e| {
            ServiceError::invalid("lexicon", e.localized(Lang::Zh), e.localized(Lang::En))
        })?;
        match self.current.write() {
            Ok(mut g) => *g = Arc::new(t),
            Err(p) => *p.into_inner() = Arc::new(t),
        }
        Ok(())
    }
}

/// The analysis plus the household it points to, if one was found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TriageResult {
    #[serde(flatten)]
    pub analysis: Analysis,
    pub household_id: Option<i64>,
    pub household_address: Option<String>,
    pub household_confidence: Option<f32>,
    /// False when the household is the nearest to a partly matching address: a guess the
    /// agent must check with the caller.
    pub household_exact: Option<bool>,
}

use yihaotai_store::households::PhoneQuery;

impl Service {
    /// The compounds (with aliases) the user serves, for the address parser.
    pub async fn compound_directory(&self, user: &User) -> Result<Vec<CompoundEntry>> {
        Ok(self
            .areas_for(user)
            .await?
            .into_iter()
            .filter(|a| a.kind == AreaKind::Compound)
            .map(|a| CompoundEntry {
                id: a.id,
                name: a.name,
                aliases: a.aliases,
            })
            .collect())
    }

    pub async fn analyze_text(&self, user: &User, text: &str) -> Result<TriageResult> {
        let text = check_input(text).map_err(|e| {
            ServiceError::invalid("text", e.localized(Lang::Zh), e.localized(Lang::En))
        })?;
        let compounds = self.compound_directory(user).await?;
        let analysis = self.triage.get().analyze_with(text, &compounds);
        let mut result = TriageResult {
            analysis,
            household_id: None,
            household_address: None,
            household_confidence: None,
            household_exact: None,
        };
        if result.analysis.address.building.is_some() && result.analysis.address.room.is_some() {
            let rows = self.store.households_within(&user.scope().paths).await?;
            let homes = home_addresses(&rows);
            if let Some(m) = match_household(
                &result.analysis.address,
                result.analysis.compound_id,
                &homes,
            ) {
                result.household_id = Some(m.id.0);
                result.household_confidence = Some(m.confidence);
                result.household_exact = Some(m.exact);
                result.household_address = rows
                    .iter()
                    .find(|h| h.id == m.id.0)
                    .map(|h| h.address.clone());
            }
        }
        Ok(result)
    }

    /// Households in the user's areas by address fragment, phone fragment or exact name.
    pub async fn find_households(
        &self,
        user: &User,
        q: &str,
    ) -> Result<Vec<yihaotai_store::households::HouseholdHit>> {
        require_household_lookup(user)?;
        let q = q.trim();
        if q.chars().count() < 2 {
            return Ok(Vec::new());
        }
        let q = yihaotai_domain::person::normalize_digits(q);
        let phone = PhoneQuery::of(&q);
        // An address in any form triage reads ("12-2-502", "翠竹苑12号楼2单元"), best
        // matches first; then the stored address text, names and phones.
        let by_address = self.households_by_address(user, &q, 20).await?;
        let mut hits = self.store.household_hits(&by_address).await?;
        if phone.is_none() || hits.is_empty() {
            for h in self
                .store
                .find_households(&user.scope().paths, &q, phone.as_ref(), 20)
                .await?
            {
                if !by_address.contains(&h.id) {
                    hits.push(h);
                }
            }
        }
        hits.truncate(20);
        if phone.is_some() && !hits.is_empty() {
            // Who looked whom up by phone stays on record, as a reveal does.
            let detail = format!("q={}", yihaotai_domain::person::mask_middle(&q, 3, 4));
            self.store
                .audit(&yihaotai_store::audit::NewAudit {
                    at: self.now(),
                    actor: Some(user.id),
                    action: "household.search_phone",
                    target_kind: "household",
                    target_id: hits.first().map(|h| h.id),
                    area_path: hits.first().map(|h| h.area_path.as_str()),
                    detail: &detail,
                    before: None,
                    after: None,
                })
                .await?;
        }
        Ok(hits)
    }

    /// Households whose address agrees with every address part `q` gives (compound when
    /// named, building, entrance, room), in address order; with a room, only that room.
    /// Nothing when `q` names no building.
    async fn households_by_address(&self, user: &User, q: &str, limit: usize) -> Result<Vec<i64>> {
        let compounds = self.compound_directory(user).await?;
        let (parts, compound) = yihaotai_domain::triage::parse_address_with_id(q, &compounds);
        let Some(building) = parts.building.as_deref() else {
            return Ok(Vec::new());
        };
        // A compound named but not one of the user's: no household of theirs agrees.
        if parts.compound.is_some() && compound.is_none() {
            return Ok(Vec::new());
        }
        let rows = self.store.households_within(&user.scope().paths).await?;
        let mut found: Vec<&yihaotai_store::households::HouseholdRow> = rows
            .iter()
            .filter(|h| compound.is_none_or(|c| h.compound_id == c.0))
            .filter(|h| h.building == building)
            .filter(|h| {
                parts
                    .entrance
                    .as_deref()
                    .is_none_or(|e| h.entrance.as_deref() == Some(e))
            })
            .filter(|h| parts.room.as_deref().is_none_or(|r| r == h.room))
            .collect();
        found.sort_by(|a, b| a.address.cmp(&b.address));
        Ok(found.into_iter().take(limit).map(|h| h.id).collect())
    }

    /// Open critical tickets in the user's areas that nobody has accepted: the alarm banner.
    pub async fn critical_alarms(
        &self,
        user: &User,
    ) -> Result<Vec<yihaotai_store::tickets::TicketRow>> {
        let f = yihaotai_store::tickets::TicketFilter {
            scope: Some(
                user.scope()
                    .paths
                    .iter()
                    .map(|p| p.as_str().to_string())
                    .collect(),
            ),
            urgency: Some("critical"),
            statuses: vec!["registered", "dispatched"],
            urgency_first: true,
            limit: 50,
            ..Default::default()
        };
        let rows = self.store.list_tickets(&f).await?;
        Ok(rows
            .into_iter()
            .map(|r| crate::tickets::mask_row(user, r))
            .collect())
    }
}

impl Service {
    /// Reads the configured lexicon file again (the built-in lexicon when none is
    /// configured). A broken file is refused with the line at fault and changes nothing.
    pub fn reload_triage(&self) -> Result<()> {
        match &self.config.triage_lexicon {
            Some(path) => {
                let src = std::fs::read_to_string(path).map_err(|e| {
                    ServiceError::invalid(
                        "lexicon",
                        format!("无法读取词库文件 {}：{e}", path.display()),
                        format!("cannot read the lexicon file {}: {e}", path.display()),
                    )
                })?;
                self.triage.reload_from_str(&src)
            }
            None => self
                .triage
                .reload_from_str(yihaotai_domain::triage::BUILTIN_LEXICON),
        }
    }

    /// The admin's "reload the lexicon" button.
    pub async fn reload_triage_as(&self, user: &User) -> Result<()> {
        crate::admin::require_any_role(user, &[yihaotai_domain::role::Role::Admin])?;
        self.reload_triage()?;
        self.store
            .audit(&yihaotai_store::audit::NewAudit {
                at: self.now(),
                actor: Some(user.id),
                action: "triage.reload",
                target_kind: "lexicon",
                target_id: None,
                area_path: user.areas.first().map(|a| a.path.as_str()),
                detail: "",
                before: None,
                after: None,
            })
            .await?;
        Ok(())
    }
}

/// Names, phones and care tags are personal data: only those who record requests (and so
/// must find the caller's household) may search households.
pub(crate) fn require_household_lookup(user: &User) -> Result<()> {
    if crate::tickets::is_desk(user) {
        Ok(())
    } else {
        Err(ServiceError::forbidden(
            "只有登记诉求的坐席、派单员、负责人或管理员可以查找住户",
            "only staff who record requests may look up households",
        ))
    }
}
