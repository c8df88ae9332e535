//! A household's card (一户一卡) as a record that changes over time: its residents, their
//! care needs with the day each began, free notes and an emergency contact outside the
//! compound. Every change is an event with who made it and why; the card is the events
//! applied in order ([`apply`]), and [`decide`] turns what a person asked for into events
//! or says, in Chinese and English, why it cannot be done.

use crate::vocab::{CareTag, Lang};
use serde::{Deserialize, Serialize};

/// The format of [`Household`] as stored in the projection's `state`.
pub const STATE_VERSION: i64 = 1;
/// The format of [`Stored`] event payloads.
pub const EVENT_VERSION: i64 = 1;

/// The longest free text (notes, reasons) a card keeps.
pub const MAX_TEXT: usize = 2000;

/// A care need and when it began (milliseconds since the epoch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareSince {
    pub tag: CareTag,
    pub since: i64,
}

/// One resident. `key` is the resident's number within the household, never reused, so
/// an event names the same person whatever changed before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub key: u32,
    pub name: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub birth_year: Option<i64>,
    /// 男 or 女, as registered.
    pub gender: Option<String>,
    pub relation: String,
    pub care: Vec<CareSince>,
    /// When the resident was first registered (milliseconds); `None` in events written
    /// before it was kept, and for a resident the change itself registers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_at: Option<i64>,
}

impl Member {
    pub fn has(&self, tag: CareTag) -> bool {
        self.care.iter().any(|c| c.tag == tag)
    }
    /// The care tags as the residents table stores them ("elderly_alone,aged_70_plus").
    pub fn care_codes(&self) -> String {
        let codes: Vec<&str> = self.care.iter().map(|c| c.tag.code()).collect();
        codes.join(",")
    }
}

/// Someone to call outside the compound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub phone: String,
    pub relation: String,
}

/// The card's changing part (the address lives in the projection's columns).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Household {
    pub members: Vec<Member>,
    pub notes: String,
    pub emergency_contact: Option<Contact>,
    /// The key the next resident gets.
    pub next_key: u32,
}

impl Household {
    pub fn member(&self, key: u32) -> Option<&Member> {
        self.members.iter().find(|m| m.key == key)
    }
}

/// What happened to a household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// The card as it stood when its history began (registered, imported, or kept before
    /// cards had a history).
    Registered {
        members: Vec<Member>,
    },
    CareAdded {
        key: u32,
        tag: CareTag,
        since: i64,
    },
    CareRemoved {
        key: u32,
        tag: CareTag,
    },
    NotesSet {
        notes: String,
    },
    EmergencyContactSet {
        contact: Option<Contact>,
    },
}

impl Event {
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Registered { .. } => "registered",
            Event::CareAdded { .. } => "care_added",
            Event::CareRemoved { .. } => "care_removed",
            Event::NotesSet { .. } => "notes_set",
            Event::EmergencyContactSet { .. } => "emergency_contact_set",
        }
    }
}

/// An event as stored: the event and the reason the person gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    pub event: Event,
    pub reason: String,
}

/// Applies one event. Events were checked by [`decide`] when written, so one that no
/// longer fits (a resident since removed) changes nothing rather than failing a replay.
pub fn apply(h: &mut Household, e: &Event) {
    match e {
        Event::Registered { members } => {
            h.members = members.clone();
            h.next_key = members.iter().map(|m| m.key + 1).max().unwrap_or(1);
        }
        Event::CareAdded { key, tag, since } => {
            if let Some(m) = h.members.iter_mut().find(|m| m.key == *key) {
                if !m.has(*tag) {
                    m.care.push(CareSince {
                        tag: *tag,
                        since: *since,
                    });
                    m.care.sort_by_key(|c| c.tag);
                }
            }
        }
        Event::CareRemoved { key, tag } => {
            if let Some(m) = h.members.iter_mut().find(|m| m.key == *key) {
                m.care.retain(|c| c.tag != *tag);
            }
        }
        Event::NotesSet { notes } => h.notes = notes.clone(),
        Event::EmergencyContactSet { contact } => h.emergency_contact = contact.clone(),
    }
}

/// Replays a household's events from the start.
pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Household {
    let mut h = Household::default();
    for e in events {
        apply(&mut h, e);
    }
    h
}

/// A change a person asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    AddCare { key: u32, tag: CareTag, since: i64 },
    RemoveCare { key: u32, tag: CareTag },
    SetNotes { notes: String },
    SetEmergencyContact { contact: Option<Contact> },
}

/// Why a change was refused: the field at fault and the message in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub zh: String,
    pub en: String,
}

impl Refusal {
    fn new(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Refusal {
        Refusal {
            field,
            zh: zh.into(),
            en: en.into(),
        }
    }
    pub fn localized(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

fn member_of(h: &Household, key: u32) -> Result<&Member, Refusal> {
    h.member(key).ok_or_else(|| {
        Refusal::new(
            "resident",
            format!("本户没有编号为 {key} 的成员"),
            format!("this household has no resident number {key}"),
        )
    })
}

fn check_text(field: &'static str, s: &str) -> Result<(), Refusal> {
    if s.chars().count() > MAX_TEXT {
        return Err(Refusal::new(
            field,
            format!("内容过长（最多 {MAX_TEXT} 字）"),
            format!("too long (at most {MAX_TEXT} characters)"),
        ));
    }
    Ok(())
}

/// The events a change makes, or why it cannot be made. `reason` is required: every
/// change to a card says why.
pub fn decide(h: &Household, change: &Change, reason: &str) -> Result<Vec<Event>, Refusal> {
    if reason.trim().is_empty() {
        return Err(Refusal::new(
            "reason",
            "请填写修改原因",
            "say why the card is changed",
        ));
    }
    check_text("reason", reason)?;
    let e = match change {
        Change::AddCare { key, tag, since } => {
            let m = member_of(h, *key)?;
            if m.has(*tag) {
                return Err(Refusal::new(
                    "tag",
                    format!("{}已登记为“{}”", m.name, tag.label(Lang::Zh)),
                    format!("{} already has '{}'", m.name, tag.label(Lang::En)),
                ));
            }
            Event::CareAdded {
                key: *key,
                tag: *tag,
                since: *since,
            }
        }
        Change::RemoveCare { key, tag } => {
            let m = member_of(h, *key)?;
            if !m.has(*tag) {
                return Err(Refusal::new(
                    "tag",
                    format!("{}没有登记“{}”", m.name, tag.label(Lang::Zh)),
                    format!("{} does not have '{}'", m.name, tag.label(Lang::En)),
                ));
            }
            Event::CareRemoved {
                key: *key,
                tag: *tag,
            }
        }
        Change::SetNotes { notes } => {
            check_text("notes", notes)?;
            if notes.trim() == h.notes {
                return Err(Refusal::new(
                    "notes",
                    "备注没有变化",
                    "the notes are unchanged",
                ));
            }
            Event::NotesSet {
                notes: notes.trim().to_string(),
            }
        }
        Change::SetEmergencyContact { contact } => {
            let contact = match contact {
                None => None,
                // A phone left blank keeps the one on the card: correcting a name or a
                // relation needs no number the viewer sees only masked.
                Some(c) if c.phone.trim().is_empty() && h.emergency_contact.is_some() => {
                    Some(Contact {
                        name: c.name.trim().to_string(),
                        phone: h
                            .emergency_contact
                            .as_ref()
                            .map(|k| k.phone.clone())
                            .unwrap_or_default(),
                        relation: c.relation.trim().to_string(),
                    })
                }
                Some(c) => Some(Contact {
                    name: c.name.trim().to_string(),
                    phone: crate::person::Phone::parse(&c.phone)
                        .map_err(|_| {
                            Refusal::new(
                                "contact_phone",
                                format!("“{}”不是有效的电话号码", c.phone.trim()),
                                format!("'{}' is not a valid phone number", c.phone.trim()),
                            )
                        })?
                        .as_str()
                        .to_string(),
                    relation: c.relation.trim().to_string(),
                }),
            };
            if let Some(c) = &contact {
                if c.name.is_empty() {
                    return Err(Refusal::new(
                        "contact_name",
                        "请填写紧急联系人姓名",
                        "the emergency contact needs a name",
                    ));
                }
                check_text("contact_name", &c.name)?;
                check_text("contact_relation", &c.relation)?;
            }
            if contact == h.emergency_contact {
                return Err(Refusal::new(
                    "contact_name",
                    "紧急联系人没有变化",
                    "the emergency contact is unchanged",
                ));
            }
            Event::EmergencyContactSet { contact }
        }
    };
    Ok(vec![e])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(key: u32, name: &str) -> Member {
        Member {
            key,
            name: name.into(),
            phone: None,
            id_number: None,
            birth_year: Some(1940),
            gender: Some("女".into()),
            relation: "户主".into(),
            care: vec![],
            registered_at: None,
        }
    }

    #[test]
    fn care_needs_are_added_with_their_day_and_removed_by_events() {
        let mut h = replay(&[Event::Registered {
            members: vec![member(1, "金桂凤"), member(2, "金小明")],
        }]);
        assert_eq!(h.next_key, 3);
        let add = Change::AddCare {
            key: 1,
            tag: CareTag::ElderlyAlone,
            since: 1_000,
        };
        let es = decide(&h, &add, "儿子转运隔离，老人独居").unwrap();
        for e in &es {
            apply(&mut h, e);
        }
        assert!(h.members[0].has(CareTag::ElderlyAlone));
        assert_eq!(h.members[0].care[0].since, 1_000);
        // The same need twice, a resident who is not there, no reason: refused, named.
        assert_eq!(decide(&h, &add, "再次").unwrap_err().field, "tag");
        let nobody = Change::AddCare {
            key: 9,
            tag: CareTag::Infant,
            since: 0,
        };
        assert_eq!(decide(&h, &nobody, "x").unwrap_err().field, "resident");
        assert_eq!(decide(&h, &add, "  ").unwrap_err().field, "reason");
        let rm = Change::RemoveCare {
            key: 1,
            tag: CareTag::ElderlyAlone,
        };
        for e in decide(&h, &rm, "儿子已回家").unwrap() {
            apply(&mut h, &e);
        }
        assert!(!h.members[0].has(CareTag::ElderlyAlone));
        assert_eq!(decide(&h, &rm, "再次").unwrap_err().field, "tag");
    }

    #[test]
    fn a_contact_phone_left_blank_keeps_the_one_on_the_card() {
        let set = |name: &str, phone: &str, relation: &str| Change::SetEmergencyContact {
            contact: Some(Contact {
                name: name.into(),
                phone: phone.into(),
                relation: relation.into(),
            }),
        };
        let mut h = replay(&[Event::Registered {
            members: vec![member(1, "金桂凤")],
        }]);
        // With no contact yet, the phone is needed.
        assert_eq!(
            decide(&h, &set("金伟", "", "儿子"), "x").unwrap_err().field,
            "contact_phone"
        );
        for e in decide(&h, &set("金伟", "139 1234 5678", "儿子"), "住在区外").unwrap() {
            apply(&mut h, &e);
        }
        for e in decide(&h, &set("金卫", "", "儿子"), "名字写错").unwrap() {
            apply(&mut h, &e);
        }
        let k = h.emergency_contact.clone().unwrap();
        assert_eq!((k.name.as_str(), k.phone.as_str()), ("金卫", "13912345678"));
        assert_eq!(
            decide(&h, &set("金卫", "", "儿子"), "x").unwrap_err().field,
            "contact_name",
            "unchanged"
        );
    }

    #[test]
    fn events_round_trip_as_json_with_their_kind() {
        let s = Stored {
            event: Event::CareAdded {
                key: 2,
                tag: CareTag::Pregnant,
                since: 5,
            },
            reason: "孕32周".into(),
        };
        let j = serde_json::to_string(&s).unwrap();
        assert!(j.contains("\"kind\":\"care_added\""), "{j}");
        assert_eq!(serde_json::from_str::<Stored>(&j).unwrap(), s);
    }
}
