//! `yihaotai demo`: load the fictional street and print its logins.

use crate::settings::Settings;
use yihaotai_domain::demo::DemoUser;
use yihaotai_domain::vocab::Lang;
use yihaotai_service::model::DemoLoad;
use yihaotai_service::Service;

pub async fn run(s: &Settings) -> anyhow::Result<()> {
    let service = super::open_service(s).await?;
    load_and_print(&service).await?;
    service.store.close().await;
    Ok(())
}

pub async fn load_and_print(service: &Service) -> anyhow::Result<()> {
    let (load, users) = service.load_demo().await.map_err(super::err)?;
    match load {
        DemoLoad::Loaded {
            areas,
            agencies,
            households,
            residents,
            users,
        } => println!(
            "demo street loaded: {areas} areas, {agencies} agencies, {households} households, {residents} residents, {users} accounts"
        ),
        DemoLoad::AlreadyPresent => println!("demo street already loaded; nothing changed"),
    }
    print_logins(&users);
    Ok(())
}

fn print_logins(users: &[DemoUser]) {
    println!();
    println!("演示账号 / demo logins (all names, phones and addresses are invented):");
    println!("  {:<12} {:<22} roles", "login", "password");
    for u in users {
        let roles: Vec<&str> = u.roles.iter().map(|r| r.label(Lang::Zh)).collect();
        println!(
            "  {:<12} {:<22} {} — {}",
            u.login,
            u.password,
            roles.join("、"),
            u.display_name
        );
    }
    println!();
}
