//! `--format text`: a table for people, then a summary line. Colour (status only) when asked; the caller
//! decides (a terminal, `NO_COLOR` unset). Colour is applied after layout so column widths stay right.

use comfy_table::{presets::ASCII_FULL, ContentArrangement, Table};

use super::Report;
use crate::{Status, Summary};

const WIDTH: u16 = 150;

pub(super) fn render(r: &Report<'_>) -> String {
    let mut table = Table::new();
    table
        .load_preset(ASCII_FULL)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(WIDTH)
        .set_header(["Status", "Control", "Account", "Region", "Reason"]);
    for f in r.findings {
        let mut reason = f.reason.clone();
        if let Some(link) = f.link {
            reason = format!("[{}] {reason}", link.as_str());
        }
        table.add_row([
            f.status.as_str(),
            f.control.as_str(),
            f.account.as_str(),
            f.region.as_str(),
            reason.as_str(),
        ]);
    }
    let mut out = String::new();
    for line in table.to_string().lines() {
        out.push_str(&if r.color {
            colour_status(line)
        } else {
            line.to_string()
        });
        out.push('\n');
    }
    let s = Summary::of(r.findings);
    out.push_str(&format!(
        "{} findings: {} PASS, {} FAIL, {} ERROR ({})\n",
        s.total, s.pass, s.fail, s.error, r.benchmark
    ));
    out
}

/// Colours the status cell, which is the first cell of a row line (`| FAIL   | ...`).
fn colour_status(line: &str) -> String {
    for (status, code) in [
        (Status::Pass, "32"),
        (Status::Fail, "31"),
        (Status::Error, "33"),
    ] {
        let cell = format!("| {} ", status.as_str());
        if line.starts_with(&cell) {
            return format!(
                "| \x1b[1;{code}m{}\x1b[0m {}",
                status.as_str(),
                &line[cell.len()..]
            );
        }
    }
    line.to_string()
}
