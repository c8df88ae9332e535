//! The token→user and category copies (`yihaotai_store::cache`) never answer with
//! something this process has changed: every change is seen by the very next lookup.
//! Runs on SQLite, and on PostgreSQL when YIHAOTAI_TEST_DATABASE_URL is set.

use yihaotai_domain::area::AreaKind;
use yihaotai_domain::role::{Role, Roles};
use yihaotai_domain::AreaId;
use yihaotai_store::areas::NewArea;
use yihaotai_store::testing::TestDb;
use yihaotai_store::users::NewUser;
use yihaotai_store::Store;

const T0: i64 = 1_795_000_000_000;

async fn area(s: &Store, parent: Option<AreaId>, name: &str) -> AreaId {
    let kind = if parent.is_some() {
        AreaKind::Community
    } else {
        AreaKind::Street
    };
    s.insert_area(
        &NewArea {
            parent,
            kind,
            name,
            aliases: &[],
            demo_key: None,
        },
        T0,
        None,
    )
    .await
    .unwrap()
    .id
}

#[tokio::test]
async fn a_cached_token_user_follows_every_change_at_once() {
    let db = TestDb::new().await;
    let s = &db.store;
    let street = area(s, None, "望江街道").await;
    let c1 = area(s, Some(street), "青石社区").await;
    let c2 = area(s, Some(street), "柳岸社区").await;
    let id = s
        .insert_user(
            &NewUser {
                login: "wang",
                display_name: "王芳",
                password_hash: "h1",
                agency: None,
                roles: &Roles(vec![Role::Agent]),
                areas: &[c1],
            },
            T0,
            None,
        )
        .await
        .unwrap();
    s.insert_api_token(id, "ci", "th", T0, Some(T0 + 60_000), None)
        .await
        .unwrap();
    let lookup = || s.user_by_api_token("th", T0);
    assert!(s.user_by_api_token("forged", T0).await.unwrap().is_none());
    let u = lookup().await.unwrap().unwrap();
    assert_eq!((u.id, u.roles.clone()), (id, Roles(vec![Role::Agent])));
    assert_eq!(lookup().await.unwrap().unwrap().areas[0].id, c1.0);

    // Roles and areas changed by an admin apply to the next request.
    s.update_user_access(id, "王芳", None, &Roles(vec![Role::Viewer]), &[c2], None)
        .await
        .unwrap();
    let u = lookup().await.unwrap().unwrap();
    assert_eq!(u.roles, Roles(vec![Role::Viewer]));
    assert_eq!(u.areas[0].id, c2.0);
    s.rename_area(c2, "柳岸新村", &[], None).await.unwrap();
    assert_eq!(lookup().await.unwrap().unwrap().areas[0].name, "柳岸新村");

    // A copy never outlives the token itself.
    assert!(s
        .user_by_api_token("th", T0 + 60_000)
        .await
        .unwrap()
        .is_none());

    // Disabling the account revokes the token, cached or not.
    assert!(lookup().await.unwrap().is_some());
    s.set_user_active(id, false, None).await.unwrap();
    assert!(lookup().await.unwrap().is_none());
}

#[tokio::test]
async fn the_cached_category_list_follows_seeding() {
    let db = TestDb::new().await;
    let s = &db.store;
    assert!(s.categories().await.unwrap().is_empty());
    s.seed_categories().await.unwrap();
    let cats = s.categories().await.unwrap();
    assert!(!cats.is_empty());
    assert!(cats.iter().any(|c| c.code == "medical"));
}

#[tokio::test]
async fn a_household_is_found_once_it_exists_and_its_copy_matches() {
    let db = TestDb::new().await;
    let s = &db.store;
    let first = yihaotai_domain::HouseholdId(1);
    assert!(s.household(first).await.is_err(), "no households yet");
    let street = yihaotai_domain::demo::demo_street();
    let hashes: Vec<String> = street.users.iter().map(|u| u.login.to_string()).collect();
    s.load_demo(&street, &hashes, T0).await.unwrap();
    let h = s.household(first).await.unwrap();
    let again = s.household(first).await.unwrap();
    assert_eq!(
        (h.id, &h.area_path, &h.address),
        (1, &again.area_path, &again.address)
    );
    assert_eq!(
        s.area(AreaId(h.area_id)).await.unwrap().path.as_str(),
        h.area_path
    );
}
