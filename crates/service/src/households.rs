//! The household card (一户一卡): the door, who lives behind it, how to reach them, who is
//! vulnerable, the area's control level and the household's requests. What a viewer may
//! see of each resident is decided here, in the view types, once: phones in full only for
//! the roles that must call (`Roles::may_reveal_phone`), ID numbers always masked, and a
//! handler who came from a confidential ticket sees the door and the residents' ages and
//! care tags, never names or phones.

use crate::{Result, Service, ServiceError, User};
use yihaotai_domain::area::AreaPath;
use yihaotai_domain::person::{mask_middle, Phone};
use yihaotai_domain::vocab::{CareTag, ControlLevel};
use yihaotai_domain::HouseholdId;
use yihaotai_store::households::{HouseholdHit, ResidentRow};
use yihaotai_store::tickets::{TicketFilter, TicketRow};

/// One resident as this viewer may see them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ResidentView {
    /// `None` where the viewer may see the door but not who is behind it.
    pub name: Option<String>,
    pub age: Option<i64>,
    /// 男 or 女, as registered.
    pub sex: Option<String>,
    pub relation: String,
    /// In full or masked (138****5678) by the viewer's role; `None` when hidden or absent.
    pub phone: Option<String>,
    /// Always masked (1101**********1234): nobody reads a card for an ID number.
    pub id_number: Option<String>,
    pub care_tags: Vec<CareTag>,
}

/// A household's card as one user may see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HouseholdCard {
    pub id: i64,
    /// The full address with building, entrance and room.
    pub address: String,
    pub building: String,
    pub entrance: Option<String>,
    pub room: String,
    /// The area names from the street down ("青石街道 / 青石社区 / 锦绣花园 / 7栋").
    pub area_names: Vec<String>,
    /// The strictest level in force on the household's area or any area above it.
    pub control_level: Option<ControlLevel>,
    pub residents: Vec<ResidentView>,
    /// Whether the phones shown are in full.
    pub phones_full: bool,
    /// Whether names and phones are hidden (a handler reading a confidential ticket).
    pub identities_hidden: bool,
    /// The household's tickets, open first then newest, caller phones masked.
    pub tickets: Vec<TicketRow>,
}

/// A household in a list: phones always masked.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HouseholdListItem {
    pub id: i64,
    pub address: String,
    pub residents: Vec<String>,
    pub phones: Vec<String>,
    pub care_tags: Vec<CareTag>,
}

/// What a search asked for: free text (an address in any form triage reads, a name, a
/// phone), or the households with residents carrying a care tag.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HouseholdSearch {
    pub q: String,
    pub care: Option<CareTag>,
}

/// How much of the residents a viewer sees.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sight {
    /// Names, and phones in full.
    Full,
    /// Names, phones masked.
    Masked,
    /// Ages, sexes, relations and care tags only.
    DoorOnly,
}

fn masked_phone(p: &str) -> String {
    match Phone::parse(p) {
        Ok(p) => p.masked(),
        Err(_) => mask_middle(p, 3, 4),
    }
}

fn care_tags_of(codes: &str) -> Vec<CareTag> {
    let mut tags: Vec<CareTag> = codes
        .split([',', '、'])
        .filter_map(|c| CareTag::parse(c.trim()).ok())
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

fn resident_view(r: &ResidentRow, sight: Sight, year: i64) -> ResidentView {
    let named = sight != Sight::DoorOnly;
    ResidentView {
        name: named.then(|| r.name.clone()),
        age: r
            .birth_year
            .map(|y| year - y)
            .filter(|a| (0..=130).contains(a)),
        sex: r.gender.clone().filter(|g| !g.is_empty()),
        relation: r.relation.clone(),
        phone: match sight {
            Sight::Full => r.phone.clone(),
            Sight::Masked => r.phone.as_deref().map(masked_phone),
            Sight::DoorOnly => None,
        },
        id_number: if named {
            r.id_number.as_deref().map(|n| mask_middle(n, 4, 4))
        } else {
            None
        },
        care_tags: care_tags_of(&r.care_tags),
    }
}

fn list_item(h: HouseholdHit) -> HouseholdListItem {
    let split = |s: &str| -> Vec<String> {
        s.split('、')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    };
    HouseholdListItem {
        id: h.id,
        address: h.address,
        residents: split(&h.residents),
        phones: split(&h.phones).iter().map(|p| masked_phone(p)).collect(),
        care_tags: care_tags_of(&h.care_tags),
    }
}

impl Service {
    /// Households in the user's areas: by address in any form triage reads ("12-2-502"),
    /// by name, by phone (whole, with spaces or +86, or the last four digits), or every
    /// household with a resident carrying a care tag. Phones are masked in the list.
    pub async fn search_households(
        &self,
        user: &User,
        s: &HouseholdSearch,
    ) -> Result<Vec<HouseholdListItem>> {
        if let Some(tag) = s.care {
            crate::triage::require_household_lookup(user)?;
            let hits = self
                .store
                .households_with_care_tag(&user.scope().paths, tag.code(), 200)
                .await?;
            return Ok(hits.into_iter().map(list_item).collect());
        }
        let hits = self.find_households(user, &s.q).await?;
        Ok(hits.into_iter().map(list_item).collect())
    }

    /// One household's card. Desk staff see the households of their areas; a handler sees
    /// the household of a ticket their agency handles, and only its door and who needs
    /// care when that ticket is confidential.
    pub async fn household_card(&self, user: &User, id: HouseholdId) -> Result<HouseholdCard> {
        self.card_with(user, id, None).await
    }

    /// The household of a ticket, on the ticket's page: where the caller is hidden from
    /// this viewer (a confidential ticket), so are the residents' names and phones; the
    /// door and who needs care still show. `None` when the ticket names no household.
    pub async fn household_of_ticket(
        &self,
        user: &User,
        rec: &yihaotai_store::tickets::TicketRecord,
    ) -> Result<Option<HouseholdCard>> {
        let Some(id) = rec.ticket.household else {
            return Ok(None);
        };
        let hide = !crate::tickets::access::may_see_caller(user, rec);
        self.card_with(user, id, hide.then_some(Sight::DoorOnly))
            .await
            .map(Some)
    }

    async fn card_with(
        &self,
        user: &User,
        id: HouseholdId,
        at_most: Option<Sight>,
    ) -> Result<HouseholdCard> {
        let row = self.store.household(id).await?;
        let path = AreaPath::from_stored(row.area_path.clone());
        let in_areas = user.scope().covers(&path);
        let sight = if in_areas && user.roles.is_desk() {
            if user.roles.may_reveal_phone() {
                Sight::Full
            } else {
                Sight::Masked
            }
        } else {
            // Not the household's desk: only through a ticket of theirs.
            let handled = self.tickets_of_household(user, id, false).await?;
            if handled.is_empty() {
                return Err(ServiceError::out_of_scope());
            }
            if handled.iter().all(|t| t.confidential != 0) {
                Sight::DoorOnly
            } else {
                Sight::Masked
            }
        };
        let sight = match at_most {
            Some(Sight::DoorOnly) => Sight::DoorOnly,
            _ => sight,
        };
        let residents = self.store.residents_of(id).await?;
        let year = self.local_year();
        let mut area_names = Vec::new();
        let mut control_level = None;
        for aid in path.ids() {
            let a = self.store.area(aid).await?;
            area_names.push(a.name.clone());
            // Sealed < controlled < precaution < none: the strictest is the least.
            if let Some(l) = a.control_level {
                control_level = Some(control_level.map_or(l, |c: ControlLevel| c.min(l)));
            }
        }
        let tickets = self
            .tickets_of_household(user, id, in_areas && user.roles.is_desk())
            .await?;
        Ok(HouseholdCard {
            id: row.id,
            address: row.address,
            building: row.building,
            entrance: row.entrance,
            room: row.room,
            area_names,
            control_level,
            residents: residents
                .iter()
                .map(|r| resident_view(r, sight, year))
                .collect(),
            phones_full: sight == Sight::Full,
            identities_hidden: sight == Sight::DoorOnly,
            tickets,
        })
    }

    /// The household's tickets the user may see (all of them for its desk; otherwise
    /// those their agency handles), open first then newest, caller phones masked.
    async fn tickets_of_household(
        &self,
        user: &User,
        id: HouseholdId,
        desk: bool,
    ) -> Result<Vec<TicketRow>> {
        let f = TicketFilter {
            scope: desk.then(|| {
                user.scope()
                    .paths
                    .iter()
                    .map(|p| p.as_str().to_string())
                    .collect()
            }),
            agency: if desk { None } else { user.agency_id },
            household: Some(id),
            limit: 50,
            ..Default::default()
        };
        if !desk && user.agency_id.is_none() {
            return Ok(Vec::new());
        }
        let mut rows: Vec<TicketRow> = self
            .store
            .list_tickets(&f)
            .await?
            .into_iter()
            .map(|r| crate::tickets::mask_row(user, r))
            .collect();
        rows.sort_by_key(|r| (r.status == "closed" || r.status == "cancelled", -r.id));
        Ok(rows)
    }

    /// This year where the desk is (the working calendar's China Standard Time).
    fn local_year(&self) -> i64 {
        let tz = yihaotai_domain::ticket::CST.to_time_zone();
        jiff::Timestamp::from_millisecond(self.now())
            .map(|t| t.to_zoned(tz).year() as i64)
            .unwrap_or(2026)
    }
}
