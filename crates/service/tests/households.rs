//! Household cards on the event store, on SQLite and (with YIHAOTAI_TEST_DATABASE_URL)
//! PostgreSQL: what a change keeps of the rows it rewrites.

mod support;

use support::*;

use yihaotai_domain::household::Change;
use yihaotai_domain::vocab::CareTag;
use yihaotai_domain::HouseholdId;

/// 锦绣花园12栋2单元502: 任霞, 任小涛, 任丹妮.
const JX_12_2_502: HouseholdId = HouseholdId(431);

#[tokio::test]
async fn a_change_keeps_when_each_resident_was_first_registered() {
    let d = desk().await;
    let svc = &d.svc;
    let before = svc.store.residents_of(JX_12_2_502).await.unwrap();
    assert_eq!(before.len(), 3);
    let agent = user(svc, "agent").await;
    d.clock.advance(86_400_000);
    for change in [
        Change::AddCare {
            key: 3,
            tag: CareTag::Pregnant,
            since: T0,
        },
        Change::SetNotes {
            notes: "次卧朝北".into(),
        },
    ] {
        svc.change_household(&agent, JX_12_2_502, &change, "入户核实")
            .await
            .unwrap();
        d.clock.advance(60_000);
    }
    let after = svc.store.residents_of(JX_12_2_502).await.unwrap();
    let names = |rows: &[yihaotai_store::households::ResidentRow]| {
        rows.iter()
            .map(|r| (r.name.clone(), r.created_at))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&after), names(&before));
    assert_eq!(after[2].care_tags, "pregnant");
}
