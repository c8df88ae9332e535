//! Loading the demo street, with its staff accounts' passwords hashed here.

use crate::{Result, Service};
use yihaotai_domain::demo::{demo_street, DemoUser};
use yihaotai_store::demo::DemoLoad;

impl Service {
    /// Loads the demo street unless it is already there; returns what happened and the
    /// demo logins to print.
    pub async fn load_demo(&self) -> Result<(DemoLoad, Vec<DemoUser>)> {
        let street = demo_street();
        let load = if self.store.demo_loaded().await? {
            DemoLoad::AlreadyPresent
        } else {
            let mut hashes = Vec::with_capacity(street.users.len());
            for u in &street.users {
                hashes.push(self.passwords.hash(u.password).await?);
            }
            self.store.load_demo(&street, &hashes, self.now()).await?
        };
        // Once, and also for a demo street loaded before the catalogue existed.
        self.store
            .load_demo_dispatch_rules(&street.dispatch_rules, self.now())
            .await?;
        Ok((load, street.users))
    }
}
