//! Shared by the integration tests: the rules most of them run.

use trailwarden_controls::Catalog;
use trailwarden_detect::Rule;

/// The CIS v3.0.0 controls as detector rules (the default benchmark; 4.16 has no pattern).
pub fn cis_v3_rules() -> Vec<Rule> {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let v3 = catalog.benchmark("v3.0.0").expect("v3.0.0");
    v3.controls()
        .iter()
        .filter_map(|c| {
            c.pattern
                .as_ref()
                .map(|p| Rule::control(&c.id, &c.title, p).expect("control pattern parses"))
        })
        .collect()
}
