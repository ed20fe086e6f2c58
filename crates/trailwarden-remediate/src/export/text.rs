//! `--format plan`: what will be created, where, and for which controls; then what cannot be fixed and why.

use std::fmt::Write;

use crate::Plan;

/// The readable plan.
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    if plan.actions.is_empty() {
        out.push_str("Nothing to create.\n");
    } else {
        let _ = writeln!(out, "{} action(s):", plan.actions.len());
        let mut place = None;
        for (i, a) in plan.actions.iter().enumerate() {
            let here = a.location();
            if place != Some(here) {
                let _ = writeln!(out, "  account {}, {}:", here.0, here.1);
                place = Some(here);
            }
            let _ = writeln!(out, "    {}. {}", i + 1, a.describe());
        }
    }
    if !plan.blocked.is_empty() {
        let _ = writeln!(out, "\nNot planned ({}):", plan.blocked.len());
        for b in &plan.blocked {
            let _ = writeln!(
                out,
                "  - {} (account {}, {}, broken link: {}): {}",
                b.controls.join(", "),
                b.account,
                b.region,
                b.link,
                b.reason
            );
        }
    }
    if !plan.notes.is_empty() {
        out.push_str("\nNotes:\n");
        for n in &plan.notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    out
}
