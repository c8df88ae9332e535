//! The household card (一户一卡): the door, who lives behind it, how to reach them, who is
//! vulnerable, the area's control level and the household's requests. What a viewer may
//! see of each resident is decided here, in the view types, once: phones masked, in full
//! only through an audited reveal by the roles that must call (`Roles::may_reveal_phone`);
//! ID numbers always masked; and a handler whose agency holds a confidential ticket of the
//! household sees the door and the residents' ages and care tags, never names or phones.
//!
//! The card changes only through events (`yihaotai_domain::household`), each with who and
//! why, stored by the one event store; a household kept before cards had a history has
//! version 0, and its first change writes the card as its rows held it first.

use crate::{Result, Service, ServiceError, User};
use yihaotai_domain::area::AreaPath;
use yihaotai_domain::household::{self as hh, Change, Member};
use yihaotai_domain::person::{mask_middle, Phone};
use yihaotai_domain::vocab::{CareTag, ControlLevel};
use yihaotai_domain::HouseholdId;
use yihaotai_store::audit::NewAudit;
use yihaotai_store::households::{HouseholdHit, ResidentRow};
use yihaotai_store::streams::NewEvent;
use yihaotai_store::tickets::{TicketFilter, TicketRow};

/// One resident as this viewer may see them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ResidentView {
    /// The resident's number within the household, which changes name.
    pub key: u32,
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
    /// Each care need with the day it was recorded (`None`: before cards had a history).
    pub care: Vec<(CareTag, Option<i64>)>,
}

/// The emergency contact as this viewer may see it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ContactView {
    pub name: String,
    pub phone: String,
    pub relation: String,
}

/// One change in a card's history.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HistoryEntry {
    pub at: i64,
    pub actor: Option<String>,
    pub event: hh::Event,
    pub reason: String,
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
    pub notes: String,
    pub emergency_contact: Option<ContactView>,
    /// Oldest first; empty for a viewer who sees only the door.
    pub history: Vec<HistoryEntry>,
    /// Whether this viewer may change the card (care needs, notes, emergency contact).
    pub may_edit: bool,
    /// Whether this viewer may ask for the phones in full (an audited reveal).
    pub may_reveal: bool,
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

fn resident_view(m: &Member, sight: Sight, year: i64) -> ResidentView {
    let named = sight != Sight::DoorOnly;
    ResidentView {
        key: m.key,
        name: named.then(|| m.name.clone()),
        age: m
            .birth_year
            .map(|y| year - y)
            .filter(|a| (0..=130).contains(a)),
        sex: m.gender.clone().filter(|g| !g.is_empty()),
        relation: m.relation.clone(),
        phone: match sight {
            Sight::Full => m.phone.clone(),
            Sight::Masked => m.phone.as_deref().map(masked_phone),
            Sight::DoorOnly => None,
        },
        id_number: if named {
            m.id_number.as_deref().map(mask_id)
        } else {
            None
        },
        care_tags: m.care.iter().map(|c| c.tag).collect(),
        care: m
            .care
            .iter()
            .map(|c| (c.tag, (c.since > 0).then_some(c.since)))
            .collect(),
    }
}

/// An event of the card's history as this viewer may read it: phones in it masked as on
/// the card, ID numbers always masked (the history is the card at an earlier time, and
/// shows no more than the card does).
fn masked_event(e: hh::Event, sight: Sight) -> hh::Event {
    let phone = |p: String| match sight {
        Sight::Full => p,
        _ => masked_phone(&p),
    };
    match e {
        hh::Event::Registered { members } => hh::Event::Registered {
            members: members
                .into_iter()
                .map(|m| Member {
                    phone: m.phone.map(phone),
                    id_number: m.id_number.as_deref().map(mask_id),
                    ..m
                })
                .collect(),
        },
        hh::Event::EmergencyContactSet { contact } => hh::Event::EmergencyContactSet {
            contact: contact.map(|c| hh::Contact {
                phone: phone(c.phone),
                ..c
            }),
        },
        other => other,
    }
}

/// An ID number with its first and last four characters only, and at least half hidden
/// (a short passport number shows less).
fn mask_id(n: &str) -> String {
    let len = n.chars().count();
    let keep = (len / 4).min(4);
    mask_middle(n, keep, keep)
}

/// The card as rows kept before cards had a history: residents numbered in the order
/// they were registered, care needs without a day.
fn from_rows(rows: &[ResidentRow]) -> hh::Household {
    let members = rows
        .iter()
        .enumerate()
        .map(|(i, r)| Member {
            key: i as u32 + 1,
            name: r.name.clone(),
            phone: r.phone.clone(),
            id_number: r.id_number.clone(),
            birth_year: r.birth_year,
            gender: r.gender.clone().filter(|g| !g.is_empty()),
            relation: r.relation.clone(),
            care: care_tags_of(&r.care_tags)
                .into_iter()
                .map(|tag| hh::CareSince { tag, since: 0 })
                .collect(),
            registered_at: Some(r.created_at),
        })
        .collect();
    hh::replay(&[hh::Event::Registered { members }])
}

fn refusal(r: hh::Refusal) -> ServiceError {
    ServiceError::invalid(r.field, r.zh, r.en)
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
            if !s.q.trim().is_empty() {
                // Both: the households the text finds that have the care need.
                let hits = self.find_households(user, &s.q).await?;
                return Ok(hits
                    .into_iter()
                    .map(list_item)
                    .filter(|h| h.care_tags.contains(&tag))
                    .collect());
            }
            let hits = self
                .store
                .households_with_care_tag(&user.scope().paths, tag.code(), 1000)
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
        let desk = in_areas && user.roles.is_desk();
        let sight = if desk {
            Sight::Masked
        } else {
            // Not the household's desk: only through a ticket of theirs.
            let handled = self.tickets_of_household(user, id, false).await?;
            if handled.is_empty() {
                return Err(ServiceError::out_of_scope());
            }
            // One confidential ticket of theirs ties the household to a caller who must
            // stay hidden: the door and care needs only.
            if handled.iter().any(|t| t.confidential != 0) {
                Sight::DoorOnly
            } else {
                Sight::Masked
            }
        };
        let sight = match (at_most, sight) {
            (_, Sight::DoorOnly) | (Some(Sight::DoorOnly), _) => Sight::DoorOnly,
            (Some(Sight::Full), _) => Sight::Full,
            _ => Sight::Masked,
        };
        let (version, card) = self.household_state(id).await?;
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
        let history = if sight == Sight::DoorOnly || version == 0 {
            Vec::new()
        } else {
            self.store
                .household_history(id)
                .await?
                .into_iter()
                .filter_map(|e| {
                    let s: hh::Stored = serde_json::from_str(&e.payload).ok()?;
                    Some(HistoryEntry {
                        at: e.at,
                        actor: e.actor_name,
                        event: masked_event(s.event, sight),
                        reason: s.reason,
                    })
                })
                .collect()
        };
        let named = sight != Sight::DoorOnly;
        Ok(HouseholdCard {
            id: row.id,
            address: row.address,
            building: row.building,
            entrance: row.entrance,
            room: row.room,
            area_names,
            control_level,
            residents: card
                .members
                .iter()
                .map(|m| resident_view(m, sight, year))
                .collect(),
            phones_full: sight == Sight::Full,
            identities_hidden: !named,
            tickets,
            notes: if named {
                card.notes.clone()
            } else {
                String::new()
            },
            emergency_contact: card.emergency_contact.as_ref().filter(|_| named).map(|c| {
                ContactView {
                    name: c.name.clone(),
                    phone: if sight == Sight::Full {
                        c.phone.clone()
                    } else {
                        masked_phone(&c.phone)
                    },
                    relation: c.relation.clone(),
                }
            }),
            history,
            may_edit: desk,
            may_reveal: desk && user.roles.may_reveal_phone() && sight != Sight::Full,
        })
    }

    /// The card with every phone in full, for a desk role that calls residents back; who
    /// asked and why goes to the audit log first.
    pub async fn reveal_household_phones(
        &self,
        user: &User,
        id: HouseholdId,
        reason: &str,
    ) -> Result<HouseholdCard> {
        let row = self.store.household(id).await?;
        let in_areas = user
            .scope()
            .covers(&AreaPath::from_stored(row.area_path.clone()));
        if !(in_areas && user.roles.is_desk()) {
            return Err(ServiceError::out_of_scope());
        }
        if !user.roles.may_reveal_phone() {
            return Err(ServiceError::forbidden(
                "只有坐席、派单员和管理员可以查看住户的完整号码",
                "only agents, dispatchers and administrators may see residents' full numbers",
            ));
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(ServiceError::invalid(
                "reason",
                "请说明查看完整号码的原因（1到200字）",
                "say why you need the full numbers (1-200 characters)",
            ));
        }
        self.store
            .audit(&NewAudit {
                at: self.now(),
                actor: Some(user.id),
                action: "household.reveal_phones",
                target_kind: "household",
                target_id: Some(id.0),
                area_path: Some(&row.area_path),
                detail: &format!("{}: {reason}", row.address),
                before: None,
                after: None,
            })
            .await?;
        self.card_with(user, id, Some(Sight::Full)).await
    }

    /// A card's version and state: from its stream, or, for a household kept before
    /// cards had a history (version 0), from its rows.
    async fn household_state(&self, id: HouseholdId) -> Result<(i64, hh::Household)> {
        let st = self
            .store
            .stream_state(&yihaotai_store::households::HOUSEHOLD_STREAM, id.0)
            .await?;
        if st.version == 0 {
            let rows = self.store.residents_of(id).await?;
            return Ok((0, from_rows(&rows)));
        }
        let card = serde_json::from_str(&st.state).map_err(|e| {
            ServiceError::Store(yihaotai_store::StoreError::Corrupt(format!(
                "household {}: {e}",
                id.0
            )))
        })?;
        Ok((st.version, card))
    }

    /// Changes a card: desk staff of the household's areas, with a reason. The change is
    /// decided on the card as it stands and stored as events at that version; a change
    /// made meanwhile by someone else is decided again on the fresh card.
    pub async fn change_household(
        &self,
        user: &User,
        id: HouseholdId,
        change: &Change,
        reason: &str,
    ) -> Result<()> {
        crate::triage::require_household_lookup(user)?;
        let row = self.store.household(id).await?;
        if !user
            .scope()
            .covers(&AreaPath::from_stored(row.area_path.clone()))
        {
            return Err(ServiceError::out_of_scope());
        }
        for _ in 0..3 {
            let (version, card) = self.household_state(id).await?;
            let decided = hh::decide(&card, change, reason).map_err(refusal)?;
            let now = self.now();
            let mut events: Vec<hh::Stored> = Vec::new();
            if version == 0 {
                events.push(hh::Stored {
                    event: hh::Event::Registered {
                        members: card.members.clone(),
                    },
                    reason: "建卡：此前登记的住户信息 / the card as registered before its history"
                        .to_string(),
                });
            }
            let mut next = card.clone();
            for e in decided {
                hh::apply(&mut next, &e);
                events.push(hh::Stored {
                    event: e,
                    reason: reason.trim().to_string(),
                });
            }
            let payloads: Vec<(String, &'static str)> = events
                .iter()
                .map(|e| {
                    serde_json::to_string(e)
                        .map(|p| (p, e.event.kind()))
                        .map_err(|e| {
                            ServiceError::Store(yihaotai_store::StoreError::Corrupt(e.to_string()))
                        })
                })
                .collect::<Result<_>>()?;
            let new: Vec<NewEvent<'_>> = payloads
                .iter()
                .map(|(p, kind)| NewEvent {
                    kind,
                    payload: p.clone(),
                    schema_version: hh::EVENT_VERSION,
                    actor: Some(user.id),
                    at: now,
                })
                .collect();
            match self.store.append_household(id, version, &next, &new).await {
                Err(yihaotai_store::StoreError::VersionConflict(_)) => continue,
                other => return other.map_err(ServiceError::from),
            }
        }
        Err(ServiceError::Store(
            yihaotai_store::StoreError::VersionConflict(format!("household {}", id.0)),
        ))
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
            limit: 200,
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
        rows.sort_by_key(|r| {
            let finished = matches!(r.status.as_str(), "closed" | "cancelled" | "merged");
            (finished, -r.id)
        });
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
