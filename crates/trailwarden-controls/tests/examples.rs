//! Every example event of every control, through every pattern the control knows (canonical,
//! alternatives, Security Hub), with `cwl-filter` evaluating the raw one-line record exactly as
//! CloudWatch Logs receives it. All failures are reported at once.

use trailwarden_controls::{Catalog, Kind, CANONICAL};

#[test]
fn every_example_gets_its_expected_verdict_from_every_pattern() {
    let catalog = Catalog::builtin().expect("built-in catalog loads");
    let mut failures = Vec::new();
    let mut checked = 0;
    for b in catalog.benchmarks() {
        for c in b.controls() {
            for v in c.variants() {
                for (i, e) in c.examples.iter().enumerate() {
                    let want = e.expected(v.name);
                    let got = v.compiled.matches_message(&e.event);
                    // The parsed-value path must agree with the message path.
                    let got_json = v.compiled.matches_json(e.event_json());
                    checked += 1;
                    if got != want || got_json != want {
                        failures.push(format!(
                            "{} {} examples[{i}] ({}): pattern `{}` should {}match but {}\n    {}",
                            b.id,
                            c.id,
                            e.description,
                            v.name,
                            if want { "" } else { "not " },
                            if got != want {
                                format!("matches_message said {got}")
                            } else {
                                format!("matches_json said {got_json}")
                            },
                            v.text,
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} verdicts wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 1000, "only {checked} verdicts checked");
}

#[test]
fn every_metric_filter_control_has_two_matches_and_two_near_misses() {
    let catalog = Catalog::builtin().expect("built-in catalog loads");
    let mut short = Vec::new();
    for b in catalog.benchmarks() {
        for c in b.controls().iter().filter(|c| c.kind == Kind::MetricFilter) {
            let hits = c.examples.iter().filter(|e| e.expected(CANONICAL)).count();
            let misses = c.examples.len() - hits;
            if hits < 2 || misses < 2 {
                short.push(format!(
                    "{} {}: {hits} matching, {misses} not matching",
                    b.id, c.id
                ));
            }
        }
    }
    assert!(
        short.is_empty(),
        "controls with too few examples:\n{}",
        short.join("\n")
    );
}

#[test]
fn alternatives_that_differ_are_shown_to_differ() {
    // Each alternative that means something else than the canonical text has an example proving it.
    let catalog = Catalog::builtin().expect("built-in catalog loads");
    for (bench, control, alt) in [
        ("v1.4.0", "4.1", "grouped"),
        ("v3.0.0", "4.2", "sso"),
        ("v3.0.0", "4.13", "audit-text"),
        ("v1.2.0", "3.2", "security_hub"),
    ] {
        let c = catalog
            .benchmark(bench)
            .and_then(|b| b.control(control))
            .expect("control exists");
        assert!(
            c.examples.iter().any(|e| e.expected(alt) != e.matches),
            "{bench} {control}: no example where `{alt}` differs from the canonical pattern"
        );
    }
}
