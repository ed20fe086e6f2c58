//! `--format junit`: JUnit XML for CI dashboards. One test suite per control, one test case per
//! (account, region): FAIL is a `<failure>`, ERROR an `<error>` (could not be checked), PASS a success.
//! No timestamps or durations, so the output is reproducible. Valid against both the Surefire/Jenkins xunit
//! schema and Jenkins' dtkit junit-4 schema (tests/schemas.rs checks it with xmllint).

use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};

use super::Report;
use crate::{AuditError, Status};

pub(super) fn render(r: &Report<'_>) -> Result<String, AuditError> {
    let mut report = JReport::new(format!("trailwarden audit {}", r.benchmark));
    let mut order: Vec<&str> = Vec::new();
    for f in r.findings {
        if !order.contains(&f.control.as_str()) {
            order.push(&f.control);
        }
    }
    for control in order {
        let mut title = "";
        let mut cases = Vec::new();
        for f in r.findings.iter().filter(|f| f.control == control) {
            title = &f.title;
            let status = match f.status {
                Status::Pass => TestCaseStatus::success(),
                Status::Fail | Status::Error => {
                    let kind = if f.status == Status::Fail {
                        NonSuccessKind::Failure
                    } else {
                        NonSuccessKind::Error
                    };
                    let mut s = TestCaseStatus::non_success(kind);
                    s.set_message(f.reason.clone());
                    s.set_type(f.link.map(|l| l.as_str()).unwrap_or("audit"));
                    if let Some(rem) = &f.remediation {
                        s.set_description(rem.clone());
                    }
                    s
                }
            };
            let mut case = TestCase::new(format!("{} {} {}", control, f.account, f.region), status);
            case.set_classname(format!("cis.{}.{}", control, f.account));
            cases.push(case);
        }
        let mut suite = TestSuite::new(format!("{control} {title}"));
        suite.add_test_cases(cases);
        report.add_test_suite(suite);
    }
    let xml = report.to_string().map_err(|e| AuditError::Render {
        format: "junit",
        message: e.to_string(),
    })?;
    // quick-junit writes `disabled="0"` on every <testsuite>, an attribute the Surefire schema that
    // Jenkins' xunit plugin validates with (testdata/schemas/junit-10.xsd) rejects; we never disable a
    // test, so it says nothing. quick-junit escapes `"` in attribute values and text alike (`&quot;`),
    // so this literal can only be that attribute.
    Ok(xml.replace(" disabled=\"0\"", ""))
}
