//! Triage at the service layer: text pre-fills category, urgency and household; a pasted
//! chat batch becomes pre-filled requests; similar requests from one building form a
//! cluster the leader handles at once; a broken lexicon is refused and changes nothing.

mod support;

use support::*;

use yihaotai_domain::ticket::{DispatchMode, Disposition};
use yihaotai_domain::vocab::{Channel, RequestType, Urgency};
use yihaotai_domain::TicketId;
use yihaotai_service::clusters::{default_rule, ClusterAction};
use yihaotai_service::paste::{ConfirmedRequest, PasteChoice};
use yihaotai_service::tickets::IntakeInput;
use yihaotai_service::{Service, ServiceConfig, ServiceError, User};

async fn compound_id(svc: &Service, user: &User, name: &str) -> yihaotai_domain::AreaId {
    svc.compound_directory(user)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} is one of the user's compounds"))
        .id
}

#[tokio::test]
async fn typed_text_prefills_urgency_address_and_household() {
    let Desk { _db, svc, .. } = desk().await;
    let agent = user(&svc, "agent").await;
    let r = svc
        .analyze_text(&agent, "锦绣花园3栋2单元501，我老婆羊水破了，快来人")
        .await
        .unwrap();
    assert_eq!(r.analysis.urgency, Urgency::Critical);
    assert_eq!(r.analysis.address.building.as_deref(), Some("3"));
    assert_eq!(r.analysis.address.entrance.as_deref(), Some("2"));
    assert_eq!(r.analysis.address.room.as_deref(), Some("501"));
    let hh = r.household_id.expect("the demo street has this household");
    assert_eq!(r.household_address.as_deref(), Some("锦绣花园3栋2单元501"));
    assert_eq!(r.household_exact, Some(true));
    assert!(r.analysis.reasons.iter().any(|x| x.field == "urgency"));
    // An entrance that has no such flat: the nearest household is offered, marked as a
    // guess for the agent to check.
    let near = svc
        .analyze_text(&agent, "锦绣花园3栋9单元501，药吃完了")
        .await
        .unwrap();
    assert_eq!(
        near.household_address.as_deref(),
        Some("锦绣花园3栋1单元501"),
        "the nearest flat is offered"
    );
    assert_eq!(near.household_exact, Some(false));
    assert!(near.household_confidence.unwrap() < 0.8);
    let h = svc
        .store
        .household(yihaotai_domain::HouseholdId(hh))
        .await
        .unwrap();
    assert_eq!(h.room, "501");
    // The other community's secretary never gets a household outside her own areas.
    let liuan = user(&svc, "liuan").await;
    let theirs = svc
        .analyze_text(&liuan, "锦绣花园3栋2单元501 羊水破了")
        .await
        .unwrap();
    assert_ne!(theirs.household_id, Some(hh));
    if let Some(other) = theirs.household_id {
        let h = svc
            .store
            .household(yihaotai_domain::HouseholdId(other))
            .await
            .unwrap();
        assert!(liuan
            .scope()
            .covers(&yihaotai_domain::area::AreaPath::from_stored(h.area_path)));
    }
    assert!(matches!(
        svc.analyze_text(&agent, "  ").await,
        Err(ServiceError::Invalid { .. })
    ));
    let big = "药".repeat(400_000);
    assert!(
        svc.analyze_text(&agent, &big).await.is_ok(),
        "1 MB of text gets an answer"
    );
}

#[tokio::test]
async fn a_pasted_batch_becomes_prefilled_requests() {
    let Desk { _db, svc, .. } = desk().await;
    let agent = user(&svc, "agent").await;
    let mut paste = String::new();
    for i in 0..30 {
        paste.push_str(&format!("居民{i} 2022-04-05 08:{:02}:00\n翠竹苑{}栋1单元{}02 家里米和油都没了，什么时候能送菜\n\n", i, i % 16 + 1, i % 9 + 1));
    }
    let cuizhu = compound_id(&svc, &agent, "翠竹苑").await;
    let choice = PasteChoice {
        compound: Some(cuizhu),
        building: None,
    };
    let reqs = svc
        .preview_paste(&agent, &paste, &choice)
        .await
        .unwrap()
        .requests;
    assert_eq!(reqs.len(), 30);
    assert_eq!(reqs[0].sender.as_deref(), Some("居民0"));
    assert!(
        reqs.iter()
            .all(|r| r.triage.analysis.category.as_str() == "supplies"),
        "{:?}",
        reqs.iter()
            .map(|r| r.triage.analysis.category.as_str())
            .collect::<Vec<_>>()
    );
    assert!(
        reqs.iter()
            .filter(|r| r.triage.household_id.is_some())
            .count()
            >= 25
    );
    let viewer = user(&svc, "viewer").await;
    assert!(svc.preview_paste(&viewer, &paste, &choice).await.is_err());

    // Confirmed as they are, the 30 become 30 tickets; one bad row stops the whole batch.
    let inputs: Vec<IntakeInput> = reqs
        .iter()
        .map(|r| IntakeInput {
            channel: Channel::Wechat,
            request_type: RequestType::Help,
            category: r.triage.analysis.category.as_str().to_string(),
            urgency: r.triage.analysis.urgency,
            epidemic_related: r.triage.analysis.epidemic_related,
            confidential: false,
            caller_name: r.sender.clone(),
            caller_phone: None,
            household: r.triage.household_id.map(yihaotai_domain::HouseholdId),
            area: None,
            content: r.text.clone(),
            disposition: Disposition::Dispatch,
            dispatch_to: None,
            suggestion: serde_json::to_string(&r.triage).ok(),
            downgrade_reason: None,
        })
        .collect();
    let mut bad = inputs.clone();
    bad[17].caller_phone = Some("12".into());
    let e = svc.intake_batch(&agent, bad).await.unwrap_err();
    assert!(
        matches!(e, ServiceError::Invalid { ref field, .. } if field == "caller_phone#18"),
        "{e:?}"
    );
    assert_eq!(
        svc.store.count_tickets().await.unwrap(),
        0,
        "nothing was stored"
    );
    let made = svc.intake_batch(&agent, inputs).await.unwrap();
    assert_eq!(made.len(), 30);
    assert_eq!(svc.store.count_tickets().await.unwrap(), 30);
    assert!(
        !made[0].record.suggestion.is_empty(),
        "the suggestion is kept beside the choice"
    );
}

#[tokio::test]
async fn similar_requests_from_one_building_form_a_cluster_the_leader_handles_at_once() {
    let Desk { _db, svc, clock } = desk().await;
    let agent = user(&svc, "agent").await;
    let leader = user(&svc, "leader").await;
    let admin = user(&svc, "admin").await;
    // Six households of one building ask for vegetables within half an hour; one elsewhere.
    let hits = svc.find_households(&agent, "锦绣花园5栋").await.unwrap();
    assert!(hits.len() >= 6);
    let mut ids = Vec::new();
    for (i, h) in hits.iter().take(6).enumerate() {
        let r = svc
            .intake(
                &agent,
                IntakeInput {
                    channel: Channel::Wechat,
                    request_type: RequestType::Help,
                    category: "supplies".into(),
                    urgency: Urgency::Normal,
                    epidemic_related: true,
                    confidential: false,
                    caller_name: None,
                    caller_phone: Some(format!("1990000{:04}", 100 + i)),
                    household: Some(yihaotai_domain::HouseholdId(h.id)),
                    area: None,
                    content: "家里没有蔬菜了，保供的菜什么时候送到".into(),
                    disposition: Disposition::Dispatch,
                    dispatch_to: None,
                    suggestion: None,
                    downgrade_reason: None,
                },
            )
            .await
            .unwrap();
        ids.push(r.record.id);
        clock.advance(5 * 60_000);
    }
    let clusters = svc.clusters_for(&leader, &default_rule()).await.unwrap();
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    assert_eq!(clusters[0].tickets.len(), 6);
    assert!(
        clusters[0].place.contains("锦绣花园"),
        "{}",
        clusters[0].place
    );
    assert!(matches!(
        svc.clusters_for(&agent, &default_rule()).await,
        Err(ServiceError::Forbidden { .. })
    ));
    let supply = svc
        .agencies_for(&admin)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.row.kind == "supply_team")
        .unwrap();
    let n = svc
        .handle_cluster(
            &leader,
            &ids,
            &ClusterAction::DispatchAll {
                agency: yihaotai_domain::AgencyId(supply.row.id),
                mode: DispatchMode::Direct,
            },
        )
        .await
        .unwrap();
    assert_eq!(n, 6);
    for id in &ids {
        assert_eq!(
            svc.store.ticket(*id).await.unwrap().ticket.status.code(),
            "dispatched"
        );
    }
    let merged = svc
        .handle_cluster(&leader, &ids, &ClusterAction::MergeInto { main: ids[0] })
        .await
        .unwrap();
    assert_eq!(merged, 5);
    assert_eq!(
        svc.store.ticket(ids[1]).await.unwrap().ticket.status.code(),
        "merged"
    );
    assert!(svc
        .handle_cluster(
            &leader,
            &[TicketId(ids[0].0)],
            &ClusterAction::MergeInto { main: ids[0] }
        )
        .await
        .is_err());
    // Outside the window, no cluster.
    clock.advance(3 * 3600 * 1000);
    assert!(svc
        .clusters_for(&leader, &default_rule())
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_broken_lexicon_is_refused_and_the_old_one_stays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lexicon.toml");
    std::fs::write(&path, "this is = = not toml").unwrap();
    let Desk { _db, svc, .. } = desk_with(ServiceConfig {
        triage_lexicon: Some(path.clone()),
        ..Default::default()
    })
    .await;
    let e = svc.reload_triage().unwrap_err();
    assert!(
        matches!(e, ServiceError::Invalid { ref field, .. } if field == "lexicon"),
        "{e:?}"
    );
    let agent = user(&svc, "agent").await;
    assert_eq!(
        svc.analyze_text(&agent, "胸口剧烈疼痛")
            .await
            .unwrap()
            .analysis
            .urgency,
        Urgency::Critical,
        "built-in rules still work"
    );
    std::fs::write(&path, yihaotai_domain::triage::BUILTIN_LEXICON).unwrap();
    let admin = user(&svc, "admin").await;
    assert!(svc.reload_triage_as(&agent).await.is_err(), "admins only");
    svc.reload_triage_as(&admin).await.unwrap();
}

/// The household picker: only those who record requests may search; a phone matches
/// whole or by its last four digits, never a fragment that would uncover masked digits;
/// each phone search is on record.
#[tokio::test]
async fn the_household_picker_reveals_nothing_a_fragment_could_uncover() {
    let Desk { _db, svc, .. } = desk().await;
    let agent = user(&svc, "agent").await;
    for login in ["viewer", "gate", "logistics", "handler"] {
        let u = user(&svc, login).await;
        let e = svc.find_households(&u, "锦绣花园").await.unwrap_err();
        assert!(
            matches!(e, ServiceError::Forbidden { .. }),
            "{login}: {e:?}"
        );
    }
    let hits = svc
        .find_households(&agent, "锦绣花园3栋2单元501")
        .await
        .unwrap();
    let phone = hits[0]
        .phones
        .split('、')
        .next()
        .expect("the demo household has a phone")
        .to_string();
    let id = hits[0].id;
    // The whole number, typed as callers say it, finds the household.
    let spaced = format!("+86 {} {} {}", &phone[..3], &phone[3..7], &phone[7..]);
    let found = svc.find_households(&agent, &spaced).await.unwrap();
    assert!(found.iter().any(|h| h.id == id), "{spaced}");
    // So do its last four digits.
    let found = svc.find_households(&agent, &phone[7..]).await.unwrap();
    assert!(found.iter().any(|h| h.id == id));
    // A fragment longer than the visible tail matches nobody's phone.
    for k in [5, 6, 8, 10] {
        let frag = &phone[11 - k..];
        let found = svc.find_households(&agent, frag).await.unwrap();
        assert!(
            found.iter().all(|h| !h.phones.contains(&phone)),
            "fragment {frag} found the number"
        );
    }
    let audit = svc
        .store
        .audit_entries(
            &[yihaotai_domain::area::AreaPath::from_stored("/".into())],
            true,
            100,
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "household.search_phone")
        .count();
    assert_eq!(
        audit, 2,
        "each phone search that found someone is on record"
    );
}

/// A household of another community and one that does not exist are refused alike at
/// intake, so a scoped agent cannot learn which ids exist elsewhere.
#[tokio::test]
async fn a_foreign_household_reads_like_a_missing_one() {
    let Desk { _db, svc, .. } = desk().await;
    let qingshi = user(&svc, "qingshi").await;
    let liuan = user(&svc, "liuan").await;
    let theirs = svc.find_households(&liuan, "金桂小区").await.unwrap()[0].id;
    let mut said = Vec::new();
    for h in [theirs, 9_999_999] {
        let e = svc
            .intake(
                &qingshi,
                IntakeInput {
                    channel: Channel::Wechat,
                    request_type: RequestType::Help,
                    category: "other".into(),
                    urgency: Urgency::Normal,
                    epidemic_related: false,
                    confidential: false,
                    caller_name: None,
                    caller_phone: None,
                    household: Some(yihaotai_domain::HouseholdId(h)),
                    area: None,
                    content: "楼道灯坏了".into(),
                    disposition: Disposition::Dispatch,
                    dispatch_to: None,
                    suggestion: None,
                    downgrade_reason: None,
                },
            )
            .await
            .unwrap_err();
        said.push(e.localized(yihaotai_domain::vocab::Lang::Zh));
    }
    assert_eq!(said[0], said[1]);
    assert_eq!(svc.store.count_tickets().await.unwrap(), 0);
}

/// The picker reads every address form triage reads (issue 8): with or without the
/// compound, 3-2-501, 3号楼2单元501室, a building and entrance alone.
#[tokio::test]
async fn the_household_picker_reads_the_address_forms_people_type() {
    let Desk { _db, svc, .. } = desk().await;
    let agent = user(&svc, "agent").await;
    let id = svc
        .find_households(&agent, "锦绣花园3栋2单元501")
        .await
        .unwrap()[0]
        .id;
    for q in [
        "锦绣3号楼2单元501室",
        "锦绣花园3-2-501",
        "锦绣小区３栋２单元５０１",
    ] {
        let hits = svc.find_households(&agent, q).await.unwrap();
        assert_eq!(hits.first().map(|h| h.id), Some(id), "{q}: {hits:?}");
    }
    // Without the compound, every compound's 3-2-501 is offered.
    let hits = svc.find_households(&agent, "3-2-501").await.unwrap();
    assert!(hits.iter().any(|h| h.id == id), "{hits:?}");
    assert!(hits.iter().all(|h| h.address.contains('3')), "{hits:?}");
    // A building and entrance: the households behind that door.
    let hits = svc
        .find_households(&agent, "锦绣花园3号楼2单元")
        .await
        .unwrap();
    assert!(
        hits.len() > 1 && hits.iter().any(|h| h.id == id),
        "{hits:?}"
    );
}

/// Three households of one building of 锦绣花园 with an entrance, for addresses in names.
async fn jinxiu_flats(svc: &Service, user: &User) -> Vec<yihaotai_store::households::HouseholdRow> {
    let jinxiu = compound_id(svc, user, "锦绣花园").await;
    let rows = svc
        .store
        .households_within(&user.scope().paths)
        .await
        .unwrap();
    let mut flats: Vec<_> = rows
        .into_iter()
        .filter(|h| h.compound_id == jinxiu.0 && h.building == "3" && h.entrance.is_some())
        .collect();
    // One flat per entrance-and-room, so an address names exactly one household.
    flats.dedup_by(|a, b| a.entrance == b.entrance && a.room == b.room);
    assert!(flats.len() >= 4, "the demo building has flats: {flats:?}");
    flats
}

#[tokio::test]
async fn a_real_group_paste_becomes_its_requests_critical_first_each_dispatched() {
    let Desk { _db, svc, .. } = desk().await;
    let agent = user(&svc, "agent").await;
    let flats = jinxiu_flats(&svc, &agent).await;
    let jinxiu = compound_id(&svc, &agent, "锦绣花园").await;
    let choice = PasteChoice {
        compound: Some(jinxiu),
        building: None,
    };
    let p = svc
        .preview_paste(
            &agent,
            &yihaotai_store::testing::group_export(&flats),
            &choice,
        )
        .await
        .unwrap();
    assert_eq!(p.compound.id, jinxiu);
    let needs: Vec<_> = p.needs().collect();
    assert_eq!(needs.len(), 3, "{:#?}", p.requests);
    // The critical message from the bottom of the group is first, and the counts say so.
    assert_eq!(needs[0].name.as_deref(), Some("郑一"));
    assert_eq!(needs[0].triage.analysis.urgency, Urgency::Critical);
    assert_eq!(p.count(Urgency::Critical), 1);
    let ranks: Vec<usize> = p
        .requests
        .iter()
        .map(|r| {
            let u = Urgency::ALL
                .iter()
                .position(|u| *u == r.triage.analysis.urgency)
                .unwrap();
            if r.skip.is_some() {
                u + 10
            } else {
                u
            }
        })
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "sorted: {ranks:?}");
    // The address in the name, in the chosen compound, is the household.
    let zhang = needs
        .iter()
        .find(|r| r.name.as_deref() == Some("张阿姨"))
        .expect("张阿姨's request");
    assert_eq!(zhang.messages, 2);
    assert!(zhang.address_from_sender);
    assert_eq!(zhang.triage.household_id, Some(flats[0].id));
    assert_eq!(zhang.triage.household_exact, Some(true));
    let sun = needs
        .iter()
        .find(|r| r.name.as_deref() == Some("孙女士"))
        .expect("孙女士's request");
    assert_eq!(sun.triage.household_id, Some(flats[1].id));
    assert_eq!(sun.co_requesters.len(), 2);
    assert_eq!(needs[0].triage.household_id, Some(flats[3].id));
    // Nine lines are not requests, each with its reason.
    let skipped: Vec<_> = p.requests.iter().filter_map(|r| r.skip).collect();
    assert_eq!(skipped.len(), 8, "{skipped:?}");

    // Confirmed as shown: exactly three tickets, each dispatched with its clock running.
    let rows: Vec<ConfirmedRequest> = p
        .requests
        .iter()
        .enumerate()
        .filter(|(_, r)| r.skip.is_none())
        .map(|(i, r)| ConfirmedRequest {
            row: i,
            input: IntakeInput {
                channel: Channel::Wechat,
                request_type: RequestType::Help,
                category: r.triage.analysis.category.as_str().to_string(),
                urgency: r.triage.analysis.urgency,
                epidemic_related: r.triage.analysis.epidemic_related,
                confidential: false,
                caller_name: r.name.clone(),
                caller_phone: None,
                household: r.triage.household_id.map(yihaotai_domain::HouseholdId),
                area: None,
                content: r.text.clone(),
                disposition: Disposition::Dispatch,
                dispatch_to: None,
                suggestion: None,
                downgrade_reason: None,
            },
            co_requesters: r.co_requester_lines(),
        })
        .collect();
    // Another community's compound is refused, and nothing is stored.
    let liuan = user(&svc, "liuan").await;
    let e = svc
        .confirm_paste(&liuan, jinxiu, rows.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(e, ServiceError::Invalid { ref field, .. } if field == "compound"),
        "{e:?}"
    );
    assert_eq!(svc.store.count_tickets().await.unwrap(), 0);
    let made = svc
        .confirm_paste(&agent, jinxiu, rows.clone())
        .await
        .unwrap();
    assert_eq!(made.len(), 3);
    assert_eq!(svc.store.count_tickets().await.unwrap(), 3);
    // The critical one pasted again (the household's next message, say) is saved at once
    // and linked both ways to the ticket still open for that household.
    let critical_row: Vec<ConfirmedRequest> = rows
        .iter()
        .filter(|r| r.input.urgency == Urgency::Critical)
        .cloned()
        .collect();
    assert_eq!(critical_row.len(), 1);
    let again = svc
        .confirm_paste(&agent, jinxiu, critical_row)
        .await
        .unwrap();
    let first = made
        .iter()
        .find(|m| m.record.ticket.urgency == Urgency::Critical)
        .unwrap();
    let new_notes = notes(&svc, again[0].record.id).await;
    assert!(
        new_notes.iter().any(|n| n.contains(&first.record.number)),
        "{new_notes:?}"
    );
    let old_notes = notes(&svc, first.record.id).await;
    assert!(
        old_notes
            .iter()
            .any(|n| n.contains(&again[0].record.number)),
        "{old_notes:?}"
    );
    for m in &made {
        let t = svc.store.ticket(m.record.id).await.unwrap().ticket;
        assert_eq!(
            t.status,
            yihaotai_domain::ticket::Status::Dispatched,
            "{t:?}"
        );
        assert!(t.assigned.is_some(), "an agency: {t:?}");
        assert!(t.deadlines.accept_by.is_some(), "a deadline runs: {t:?}");
        assert!(t.area.is_some());
    }
    let sun_ticket = made
        .iter()
        .find(|m| m.record.ticket.caller_name.as_deref() == Some("孙女士"))
        .unwrap();
    let content = &sun_ticket.record.ticket.content;
    assert!(content.contains("【同求2人】"), "{content}");
    assert!(
        content.contains(&format!(
            "王（3栋{}单元{}）：+1 我家也没米了",
            flats[2].entrance.as_deref().unwrap(),
            flats[2].room
        )),
        "{content}"
    );
    assert!(content.contains("李大爷：同求"), "{content}");
    let zhang_ticket = made
        .iter()
        .find(|m| m.record.ticket.caller_name.as_deref() == Some("张阿姨"))
        .unwrap();
    assert!(zhang_ticket.record.ticket.content.contains("硝苯地平"));
    assert_eq!(
        zhang_ticket.record.ticket.household,
        Some(yihaotai_domain::HouseholdId(flats[0].id))
    );
}

#[tokio::test]
async fn a_paste_without_a_compound_takes_the_groups_or_asks_and_bad_input_changes_nothing() {
    let Desk { _db, svc, .. } = desk().await;
    let agent = user(&svc, "agent").await;
    let flats = jinxiu_flats(&svc, &agent).await;
    let none = PasteChoice::default();
    // The group's name gives the compound and the building.
    let p = svc
        .preview_paste(
            &agent,
            &yihaotai_store::testing::group_export(&flats),
            &none,
        )
        .await
        .unwrap();
    assert_eq!(p.compound.name, "锦绣花园");
    assert!(p.compound_from_title);
    assert_eq!(p.building.as_deref(), Some("3"));
    // Without a title and with several compounds, the agent is asked to choose one.
    let invalid_field = |r: Result<_, ServiceError>| match r {
        Err(ServiceError::Invalid { field, .. }) => field,
        Err(e) => panic!("{e:?}"),
        Ok(_) => panic!("accepted"),
    };
    assert_eq!(
        invalid_field(
            svc.preview_paste(&agent, "张阿姨-3-2-501：药没了\n", &none)
                .await
                .map(|_| ())
        ),
        "compound"
    );
    // A compound outside the user's areas is refused by name.
    let liuan = user(&svc, "liuan").await;
    let jinxiu = compound_id(&svc, &agent, "锦绣花园").await;
    let theirs = PasteChoice {
        compound: Some(jinxiu),
        building: None,
    };
    assert_eq!(
        invalid_field(
            svc.preview_paste(&liuan, "张阿姨-3-2-501：药没了\n", &theirs)
                .await
                .map(|_| ())
        ),
        "compound"
    );
    let ours = PasteChoice {
        compound: Some(jinxiu),
        building: None,
    };
    for bad in [
        String::new(),
        " \n\t".into(),
        "药".repeat(400_000),
        "\u{0}\u{1}\u{2}\u{3}\u{FFFD}\u{FFFD}\u{7}a\u{8}\u{FFFD}\u{1b}".repeat(50),
    ] {
        assert_eq!(
            invalid_field(svc.preview_paste(&agent, &bad, &ours).await.map(|_| ())),
            "text",
            "{:?}",
            bad.chars().take(10).collect::<String>()
        );
    }
    let bad_building = PasteChoice {
        compound: Some(jinxiu),
        building: Some("三号楼<script>".into()),
    };
    assert_eq!(
        invalid_field(
            svc.preview_paste(&agent, "药没了", &bad_building)
                .await
                .map(|_| ())
        ),
        "building"
    );
    assert_eq!(svc.store.count_tickets().await.unwrap(), 0);
}

/// The notes on a ticket's record, as stored.
async fn notes(svc: &Service, id: yihaotai_domain::TicketId) -> Vec<String> {
    let events = svc.store.ticket_events(id).await.unwrap();
    events
        .into_iter()
        .filter(|e| e.kind == "note_added")
        .map(|e| e.payload)
        .collect()
}
