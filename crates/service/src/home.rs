//! The figures on a user's home page, for the areas they serve.

use crate::{Result, Service, User};
use yihaotai_store::households::PopulationFigures;

#[derive(Debug, Clone, serde::Serialize)]
pub struct HomeFigures {
    pub population: PopulationFigures,
    /// Compounds and below with a control level, as (name, level code).
    pub controlled: Vec<(i64, String, String)>,
    pub agencies: usize,
}

impl Service {
    pub async fn home_figures(&self, user: &User) -> Result<HomeFigures> {
        let scope = user.scope();
        let population = self.store.population_within(&scope.paths).await?;
        let areas = self.store.areas_within(&scope.paths).await?;
        let controlled = areas
            .iter()
            .filter(|a| a.kind == yihaotai_domain::area::AreaKind::Compound)
            .filter_map(|a| {
                a.control_level
                    .map(|l| (a.id.0, a.name.clone(), l.code().to_string()))
            })
            .collect();
        let agencies = self.store.agencies_within(&scope.paths).await?.len();
        Ok(HomeFigures {
            population,
            controlled,
            agencies,
        })
    }
}
