//! `--format junit`: JUnit XML for CI test reports. One test suite per file, one test case per
//! resource and control; NON_COMPLIANT is a failure, NOT_APPLICABLE skipped, unreadable
//! documents errors. A NON_COMPLIANT result the exception register accepts is skipped, its
//! message saying so (`NON_COMPLIANT, accepted risk EXC-12 until 2027-06-30 (owner): reason`).
//!
//! Written with quick-xml's writer, which escapes every attribute value; characters XML 1.0
//! does not allow at all (most control characters) are dropped first, so that any path or
//! annotation gives a well-formed document.

use std::borrow::Cow;
use std::io;

use quick_xml::events::{BytesDecl, Event};
use quick_xml::Writer;

use crate::check::Report;
use ecs_harden_core::Verdict;

pub fn render(report: &Report) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a `Vec<u8>` has no I/O to fail.
    write_report(&mut writer, report).expect("writing XML into memory does not fail");
    let mut xml = String::from_utf8(writer.into_inner())
        .expect("quick-xml writes the UTF-8 it is given as UTF-8");
    xml.push('\n');
    xml
}

/// Text as XML 1.0 allows it: without the control characters other than tab, line feed and
/// carriage return, and without U+FFFE and U+FFFF.
fn xml_text(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}');
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|c| allowed(*c)).collect())
    }
}

/// One `<testcase>`: its class name, name, and what it holds beyond passing.
struct Case<'a> {
    classname: &'a str,
    name: Cow<'a, str>,
    outcome: CaseOutcome<'a>,
}

enum CaseOutcome<'a> {
    Passed,
    Failure(&'a str),
    Skipped(Cow<'a, str>),
    Error(&'a str),
}

struct Suite<'a> {
    name: &'a str,
    cases: Vec<Case<'a>>,
}

impl Suite<'_> {
    fn count(&self, which: fn(&CaseOutcome<'_>) -> bool) -> usize {
        self.cases.iter().filter(|c| which(&c.outcome)).count()
    }
}

fn suites(report: &Report) -> Vec<Suite<'_>> {
    let mut suites = Vec::new();
    for (path, message) in &report.path_errors {
        suites.push(Suite {
            name: path,
            cases: vec![Case {
                classname: path,
                name: Cow::Borrowed("read"),
                outcome: CaseOutcome::Error(message),
            }],
        });
    }
    for file in &report.files {
        let mut cases: Vec<Case<'_>> = file
            .errors
            .iter()
            .map(|error| Case {
                classname: &file.path,
                name: Cow::Borrowed("parse"),
                outcome: CaseOutcome::Error(&error.message),
            })
            .collect();
        for resource in &file.resources {
            for finding in &resource.findings {
                let annotation = finding.outcome.annotation.as_deref().unwrap_or_default();
                cases.push(Case {
                    classname: &resource.resource_id,
                    name: Cow::Owned(format!("{} {}", finding.control.id, finding.control.title)),
                    outcome: match (finding.outcome.verdict, &finding.exception) {
                        (Verdict::Compliant, _) => CaseOutcome::Passed,
                        (Verdict::NonCompliant, None) => CaseOutcome::Failure(annotation),
                        (Verdict::NonCompliant, Some(accepted)) => {
                            CaseOutcome::Skipped(Cow::Owned(format!(
                                "NON_COMPLIANT, accepted risk {} until {} ({}): {}. {annotation}",
                                accepted.id, accepted.expires, accepted.owner, accepted.reason
                            )))
                        }
                        (Verdict::NotApplicable, _) => CaseOutcome::Skipped(Cow::Owned(format!(
                            "NOT_APPLICABLE: {annotation}"
                        ))),
                    },
                });
            }
        }
        suites.push(Suite {
            name: &file.path,
            cases,
        });
    }
    suites
}

fn is_failure(outcome: &CaseOutcome<'_>) -> bool {
    matches!(outcome, CaseOutcome::Failure(_))
}

fn is_error(outcome: &CaseOutcome<'_>) -> bool {
    matches!(outcome, CaseOutcome::Error(_))
}

fn is_skipped(outcome: &CaseOutcome<'_>) -> bool {
    matches!(outcome, CaseOutcome::Skipped(_))
}

fn write_report(writer: &mut Writer<Vec<u8>>, report: &Report) -> io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let suites = suites(report);
    let total = |which: fn(&CaseOutcome<'_>) -> bool| -> String {
        suites
            .iter()
            .map(|s| s.count(which))
            .sum::<usize>()
            .to_string()
    };
    let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
    writer
        .create_element("testsuites")
        .with_attributes([
            ("name", "ecs-harden"),
            ("tests", tests.to_string().as_str()),
            ("failures", total(is_failure).as_str()),
            ("errors", total(is_error).as_str()),
            ("skipped", total(is_skipped).as_str()),
        ])
        .write_inner_content(|writer| {
            for suite in &suites {
                write_suite(writer, suite)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_suite(writer: &mut Writer<Vec<u8>>, suite: &Suite<'_>) -> io::Result<()> {
    writer
        .create_element("testsuite")
        .with_attributes([
            ("name", xml_text(suite.name).as_ref()),
            ("tests", suite.cases.len().to_string().as_str()),
            ("failures", suite.count(is_failure).to_string().as_str()),
            ("errors", suite.count(is_error).to_string().as_str()),
            ("skipped", suite.count(is_skipped).to_string().as_str()),
        ])
        .write_inner_content(|writer| {
            for case in &suite.cases {
                let element = writer.create_element("testcase").with_attributes([
                    ("classname", xml_text(case.classname).as_ref()),
                    ("name", xml_text(&case.name).as_ref()),
                ]);
                match &case.outcome {
                    CaseOutcome::Passed => {
                        element.write_empty()?;
                    }
                    CaseOutcome::Failure(annotation) => {
                        element.write_inner_content(|writer| {
                            writer
                                .create_element("failure")
                                .with_attributes([
                                    ("type", "NON_COMPLIANT"),
                                    ("message", xml_text(annotation).as_ref()),
                                ])
                                .write_empty()?;
                            Ok(())
                        })?;
                    }
                    CaseOutcome::Skipped(message) => {
                        element.write_inner_content(|writer| {
                            writer
                                .create_element("skipped")
                                .with_attribute(("message", xml_text(message).as_ref()))
                                .write_empty()?;
                            Ok(())
                        })?;
                    }
                    CaseOutcome::Error(message) => {
                        element.write_inner_content(|writer| {
                            writer
                                .create_element("error")
                                .with_attribute(("message", xml_text(message).as_ref()))
                                .write_empty()?;
                            Ok(())
                        })?;
                    }
                }
            }
            Ok(())
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::xml_text;

    #[test]
    fn characters_xml_forbids_are_dropped_and_the_rest_kept() {
        assert_eq!(xml_text("a\u{0}b\u{1b}[31mc\u{FFFF}"), "ab[31mc");
        assert_eq!(
            xml_text("tab\tline\nreturn\r<&>\"'é"),
            "tab\tline\nreturn\r<&>\"'é"
        );
    }
}
