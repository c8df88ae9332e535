//! Paste intake: a WeChat group's export read as the desk reads it (which messages are
//! requests, whose "+1" joins whose need, the address in a sender's name, the compound the
//! group belongs to), then confirmed as tickets that the dispatch catalogue sends on like
//! any other intake.

use crate::tickets::{IntakeInput, IntakeResult};
use crate::triage::TriageResult;
use crate::{Result, Service, ServiceError, User};
use yihaotai_domain::triage::{
    check_input, match_household, read_group, split_chat_export, AddressParts, CoRequester,
    CompoundEntry, NotARequest,
};
use yihaotai_domain::vocab::{Lang, Urgency};
use yihaotai_domain::AreaId;

/// The most messages one paste may hold: a busy group's hour, not a whole export.
pub const MAX_PASTE_MESSAGES: usize = 200;
/// The most text one paste may hold; two hundred long messages fit well within it.
pub const MAX_PASTE_BYTES: usize = 256 * 1024;

/// A row of the paste as the agent will confirm it: a request (one or more messages of one
/// sender, with those who said "+1") or a message that is not one, unticked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PastedRequest {
    /// As written in the export: "张阿姨-3-2-501".
    pub sender: Option<String>,
    /// The sender without the address in it: "张阿姨".
    pub name: Option<String>,
    pub sent_at: Option<String>,
    pub text: String,
    /// How many of the sender's messages make up this request.
    pub messages: usize,
    /// The address was read from the sender's name, not the text.
    pub address_from_sender: bool,
    pub co_requesters: Vec<CoRequester>,
    /// Why the row is not a request; such rows start unticked.
    pub skip: Option<NotARequest>,
    pub triage: TriageResult,
}

impl PastedRequest {
    /// The co-requesters as they are recorded on the ticket: "王（3栋2单元502）：+1 我家也没米了".
    pub fn co_requester_lines(&self) -> Vec<String> {
        self.co_requesters.iter().map(co_requester_line).collect()
    }
}

/// A paste read, for the agent to check: the place it was read against and its rows,
/// critical and urgent first.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PastePreview {
    pub compound: CompoundEntry,
    /// The compound came from the group's name, not the agent's choice.
    pub compound_from_title: bool,
    /// The building taken for addresses that give none ("501"), if any.
    pub building: Option<String>,
    pub requests: Vec<PastedRequest>,
}

impl PastePreview {
    /// Requests (rows that are not noise) of an urgency.
    pub fn count(&self, urgency: Urgency) -> usize {
        self.needs()
            .filter(|r| r.triage.analysis.urgency == urgency)
            .count()
    }

    pub fn needs(&self) -> impl Iterator<Item = &PastedRequest> {
        self.requests.iter().filter(|r| r.skip.is_none())
    }
}

/// What the agent chose for the whole paste.
#[derive(Debug, Clone, Default)]
pub struct PasteChoice {
    pub compound: Option<AreaId>,
    pub building: Option<String>,
}

/// One confirmed row: the request and the "+1"s recorded with it.
#[derive(Debug, Clone)]
pub struct ConfirmedRequest {
    /// Its place in the agent's table (0-based), for errors that name the row.
    pub row: usize,
    pub input: IntakeInput,
    pub co_requesters: Vec<String>,
}

fn co_requester_line(c: &CoRequester) -> String {
    let who = c
        .name
        .clone()
        .or_else(|| c.sender.clone())
        .unwrap_or_else(|| "居民".into());
    let place = address_text(&c.address);
    if place.is_empty() {
        format!("{who}：{}", c.text)
    } else {
        format!("{who}（{place}）：{}", c.text)
    }
}

/// "3栋2单元502": the parts of an address that were given.
pub fn address_text(a: &AddressParts) -> String {
    let mut s = String::new();
    if let Some(b) = &a.building {
        s.push_str(&format!("{b}栋"));
    }
    if let Some(e) = &a.entrance {
        s.push_str(&format!("{e}单元"));
    }
    if let Some(r) = &a.room {
        s.push_str(r);
    }
    s
}

/// The ticket's text with its co-requesters on record, so whoever handles it knows how many
/// households wait for the same thing.
pub fn with_co_requesters(text: &str, co: &[String]) -> String {
    if co.is_empty() {
        return text.to_string();
    }
    format!("{text}\n【同求{}人】{}", co.len(), co.join("；"))
}

fn paste_refused(zh: String, en: String) -> ServiceError {
    ServiceError::invalid("text", zh, en)
}

/// Refuses what cannot be a group's text before anything is read.
fn check_paste(text: &str) -> Result<&str> {
    if text.len() > MAX_PASTE_BYTES {
        return Err(paste_refused(
            format!(
                "粘贴的内容太长（{} KB），一次最多 {} KB，请分批粘贴",
                text.len() / 1024,
                MAX_PASTE_BYTES / 1024
            ),
            format!(
                "the paste is too long ({} KB); paste at most {} KB at a time",
                text.len() / 1024,
                MAX_PASTE_BYTES / 1024
            ),
        ));
    }
    if text.trim().is_empty() {
        return Err(paste_refused(
            "粘贴内容为空：请在微信群里长按选中消息，复制后粘贴到框里".into(),
            "the paste is empty: copy the messages in the WeChat group and paste them here".into(),
        ));
    }
    let text = check_input(text)
        .map_err(|e| ServiceError::invalid("text", e.localized(Lang::Zh), e.localized(Lang::En)))?;
    // Bytes of a picture or a file pasted as text: control characters and replacement
    // characters where words should be.
    let garbage = text
        .chars()
        .filter(|c| (c.is_control() && !c.is_whitespace()) || *c == '\u{FFFD}')
        .count();
    if garbage * 20 > text.chars().count() {
        return Err(paste_refused(
            "粘贴的内容不是文字（可能是图片或文件），请在微信里选中消息文字后复制粘贴".into(),
            "the paste is not text (perhaps a picture or a file); copy the messages' text from WeChat".into(),
        ));
    }
    Ok(text)
}

fn urgency_rank(u: Urgency) -> usize {
    Urgency::ALL
        .iter()
        .position(|x| *x == u)
        .unwrap_or(usize::MAX)
}

impl Service {
    /// The compound the paste is read against: the one chosen (it must be the user's), or
    /// the one the group's name gives, or the user's only compound.
    fn paste_compound(
        compounds: &[CompoundEntry],
        chosen: Option<AreaId>,
        from_title: Option<AreaId>,
    ) -> Result<(CompoundEntry, bool)> {
        if let Some(id) = chosen {
            return compounds
                .iter()
                .find(|c| c.id == id)
                .map(|c| (c.clone(), false))
                .ok_or_else(|| {
                    ServiceError::invalid(
                        "compound",
                        "所选小区不存在或不在您负责的区域内，请从列表中选择小区",
                        "the compound chosen does not exist or is outside the areas you serve; choose one from the list",
                    )
                });
        }
        if let Some(c) = from_title.and_then(|id| compounds.iter().find(|c| c.id == id)) {
            return Ok((c.clone(), true));
        }
        match compounds {
            [only] => Ok((only.clone(), false)),
            _ => Err(ServiceError::invalid(
                "compound",
                "请选择这个群所在的小区：没有小区，门牌号无法对应到住户",
                "choose the compound this group belongs to: without it, flat numbers cannot be matched to households",
            )),
        }
    }

    /// Reads a pasted WeChat group export and pre-fills each request; nothing is stored
    /// until the agent confirms.
    #[tracing::instrument(skip(self, user, text), fields(user = %user.id))]
    pub async fn preview_paste(
        &self,
        user: &User,
        text: &str,
        choice: &PasteChoice,
    ) -> Result<PastePreview> {
        if !crate::tickets::is_desk(user) {
            return Err(ServiceError::forbidden(
                "只有坐席、派单员、负责人或管理员可以登记诉求",
                "only desk agents, dispatchers, leaders and admins record requests",
            ));
        }
        let text = check_paste(text)?;
        let building = match choice.building.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(b) if b.chars().count() <= 4 && b.chars().all(|c| c.is_ascii_alphanumeric()) => {
                Some(b.to_ascii_uppercase())
            }
            Some(_) => {
                return Err(ServiceError::invalid(
                    "building",
                    "楼栋请只填编号，如 3 或 B",
                    "give the building as its number only, such as 3 or B",
                ))
            }
        };
        let messages = split_chat_export(text);
        if messages.len() > MAX_PASTE_MESSAGES {
            return Err(paste_refused(
                format!(
                    "一次最多粘贴{MAX_PASTE_MESSAGES}条消息，本次有{}条，请分批粘贴",
                    messages.len()
                ),
                format!(
                    "paste at most {MAX_PASTE_MESSAGES} messages at a time; this has {}",
                    messages.len()
                ),
            ));
        }
        let compounds = self.compound_directory(user).await?;
        let triage = self.triage.get();
        // A danger sign the rules see stays a request of its own; the model's word alone
        // (which asks the agent to check) does not turn a recalled message into one.
        let critical = |t: &str| {
            let a = triage.analyze_with(t, &compounds);
            a.urgency == Urgency::Critical && !a.verify
        };
        let group = read_group(&messages, &compounds, &critical);
        let (compound, compound_from_title) =
            Self::paste_compound(&compounds, choice.compound, group.title_compound)?;
        // The group's name gives the building when the agent did not ("3号楼业主群").
        let building = building.or_else(|| {
            (group.title_compound == Some(compound.id))
                .then(|| group.title_address.building.clone())
                .flatten()
        });
        let rows = self.store.households_within(&user.scope().paths).await?;
        let homes = crate::triage::home_addresses(&rows);
        let mut requests = Vec::with_capacity(group.items.len());
        for item in group.items {
            // The group's noise is read by the rules alone: the model, which may call a
            // bare "[语音]" critical on its own word, would paint an unticked row red.
            let mut analysis = match item.skip {
                None => triage.analyze_with(&item.text, &compounds),
                Some(_) => triage.analyze_blended(
                    &item.text,
                    &compounds,
                    None,
                    yihaotai_domain::triage::blend::BLEND,
                ),
            };
            let from_sender = analysis.address.room.is_none() && item.sender_address.room.is_some();
            let (mut parts, mut compound_id) = if from_sender {
                let id = item
                    .sender_address
                    .compound
                    .as_ref()
                    .and_then(|n| compounds.iter().find(|c| &c.name == n))
                    .map(|c| c.id);
                (item.sender_address.clone(), id)
            } else {
                (analysis.address.clone(), analysis.compound_id)
            };
            // No compound in the text or the name: the paste's own. A compound named that
            // is not one of the user's stays foreign, and its flats are never guessed.
            if compound_id.is_none() && parts.compound.is_none() {
                compound_id = Some(compound.id);
                parts.compound = Some(compound.name.clone());
            }
            if compound_id == Some(compound.id) && parts.building.is_none() && parts.room.is_some()
            {
                parts.building = building.clone();
            }
            let hit = match_household(&parts, compound_id, &homes);
            analysis.address = parts;
            analysis.compound_id = compound_id;
            requests.push(PastedRequest {
                sender: item.sender,
                name: item.name,
                sent_at: item.sent_at,
                text: item.text,
                messages: item.messages,
                address_from_sender: from_sender,
                co_requesters: item.co_requesters,
                skip: item.skip,
                triage: TriageResult {
                    household_id: hit.as_ref().map(|h| h.id.0),
                    household_address: hit
                        .as_ref()
                        .and_then(|h| rows.iter().find(|r| r.id == h.id.0))
                        .map(|r| r.address.clone()),
                    household_confidence: hit.as_ref().map(|h| h.confidence),
                    household_exact: hit.map(|h| h.exact),
                    analysis,
                },
            });
        }
        // The one critical message is first however far down the group it was; the
        // group's noise goes to the bottom, in its own order.
        requests.sort_by_key(|r| (r.skip.is_some(), urgency_rank(r.triage.analysis.urgency)));
        Ok(PastePreview {
            compound,
            compound_from_title,
            building,
            requests,
        })
    }

    /// Records the confirmed rows of a paste: each in the paste's compound unless it names
    /// a household, each sent to the agency the dispatch catalogue names, so its deadlines
    /// run. If any row is refused, nothing is stored and the error names the row.
    #[tracing::instrument(skip(self, user, rows), fields(user = %user.id, rows = rows.len()))]
    pub async fn confirm_paste(
        &self,
        user: &User,
        compound: AreaId,
        rows: Vec<ConfirmedRequest>,
    ) -> Result<Vec<IntakeResult>> {
        if !crate::tickets::is_desk(user) {
            return Err(ServiceError::forbidden(
                "只有坐席、派单员、负责人或管理员可以登记诉求",
                "only desk agents, dispatchers, leaders and admins record requests",
            ));
        }
        let compounds = self.compound_directory(user).await?;
        Self::paste_compound(&compounds, Some(compound), None)?;
        if rows.len() > MAX_PASTE_MESSAGES {
            return Err(paste_refused(
                format!("一次最多登记{MAX_PASTE_MESSAGES}条"),
                format!("record at most {MAX_PASTE_MESSAGES} requests at a time"),
            ));
        }
        let mut inputs = Vec::with_capacity(rows.len());
        for row in rows {
            let i = row.row;
            let mut input = row.input;
            input.content = with_co_requesters(&input.content, &row.co_requesters);
            if input.household.is_none() && input.area.is_none() {
                input.area = Some(compound);
            }
            self.dispatch_by_catalogue(user, &mut input, "dispatch_agency")
                .await
                .map_err(|e| crate::tickets::numbered(i, e))?;
            inputs.push((i, input));
        }
        // A critical request from a household with open tickets is saved like any other
        // and then linked to them, as the intake form does.
        let mut open = Vec::with_capacity(inputs.len());
        for (_, input) in &inputs {
            let critical = matches!(self.urgency_on_save(input), Ok(Urgency::Critical));
            open.push(match (critical, input.household) {
                (true, Some(h)) => self
                    .open_tickets_of_caller(user, None, Some(h))
                    .await
                    .unwrap_or_default(),
                _ => Vec::new(),
            });
        }
        let results = self.intake_rows(user, inputs).await?;
        for (r, open) in results.iter().zip(&open) {
            if let Err(e) = self.link_to_open(user, &r.record, open).await {
                // The ticket is saved and alarming; a missing cross-reference must not
                // turn that into an error.
                tracing::warn!(error = %e, "could not link a pasted critical ticket to the open ones");
            }
        }
        Ok(results)
    }
}
