//! `--format junit`: JUnit XML for CI test reports. One test suite per file, one test case per
//! resource and control; NON_COMPLIANT is a failure, NOT_APPLICABLE skipped, unreadable
//! documents errors.

use super::escape_markup as escape;
use crate::check::Report;
use ecs_harden_core::Verdict;

pub fn render(report: &Report) -> String {
    let totals = report.totals();
    let tests = totals.compliant + totals.non_compliant + totals.not_applicable + totals.errors;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"ecs-harden\" tests=\"{tests}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
        totals.non_compliant, totals.errors, totals.not_applicable
    ));
    for (path, message) in &report.path_errors {
        out.push_str(&format!(
            "  <testsuite name=\"{0}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n    <testcase classname=\"{0}\" name=\"read\">\n      <error message=\"{1}\"/>\n    </testcase>\n  </testsuite>\n",
            escape(path),
            escape(message)
        ));
    }
    for file in &report.files {
        let mut cases = String::new();
        let (mut count, mut failures, mut skipped) = (0, 0, 0);
        for error in &file.errors {
            count += 1;
            cases.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"parse\">\n      <error message=\"{}\"/>\n    </testcase>\n",
                escape(&file.path),
                escape(&error.message)
            ));
        }
        for resource in &file.resources {
            for finding in &resource.findings {
                count += 1;
                let name = format!("{} {}", finding.control.id, finding.control.title);
                let annotation = finding.outcome.annotation.as_deref().unwrap_or_default();
                cases.push_str(&format!(
                    "    <testcase classname=\"{}\" name=\"{}\"",
                    escape(&resource.resource_id),
                    escape(&name)
                ));
                match finding.outcome.verdict {
                    Verdict::Compliant => cases.push_str("/>\n"),
                    Verdict::NonCompliant => {
                        failures += 1;
                        cases.push_str(&format!(
                            ">\n      <failure type=\"NON_COMPLIANT\" message=\"{}\"/>\n    </testcase>\n",
                            escape(annotation)
                        ));
                    }
                    Verdict::NotApplicable => {
                        skipped += 1;
                        cases.push_str(&format!(
                            ">\n      <skipped message=\"NOT_APPLICABLE: {}\"/>\n    </testcase>\n",
                            escape(annotation)
                        ));
                    }
                }
            }
        }
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{count}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{skipped}\">\n",
            escape(&file.path),
            file.errors.len()
        ));
        out.push_str(&cases);
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
