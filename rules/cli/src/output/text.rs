//! Text output for a terminal: grouped by file, failures first-class, a summary line.

use ecs_harden_core::catalogue::{CATALOGUE, MANAGED};
use ecs_harden_core::Verdict;

use crate::check::Report;

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn red(&self, t: &str) -> String {
        self.wrap("31", t)
    }
    fn green(&self, t: &str) -> String {
        self.wrap("32", t)
    }
    fn yellow(&self, t: &str) -> String {
        self.wrap("33", t)
    }
    fn dim(&self, t: &str) -> String {
        self.wrap("2", t)
    }
    fn bold(&self, t: &str) -> String {
        self.wrap("1", t)
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `path:line:column` when the position is known, else the path.
fn at(path: &str, position: Option<ecs_harden_core::parse::position::Position>) -> String {
    match position {
        Some(p) => format!("{path}:{}:{}", p.line, p.column),
        None => path.to_string(),
    }
}

pub fn render(report: &Report, color: bool, all: bool, verbose: bool) -> String {
    let p = Paint { on: color };
    let mut out = String::new();
    for (path, message) in &report.path_errors {
        out.push_str(&format!(
            "{}\n  {} {message}\n\n",
            p.bold(path),
            p.red("error")
        ));
    }
    for file in &report.files {
        let interesting = all
            || !file.errors.is_empty()
            || file.resources.iter().any(|r| {
                r.findings
                    .iter()
                    .any(|f| f.outcome.verdict == Verdict::NonCompliant)
            });
        if !interesting {
            continue;
        }
        out.push_str(&p.bold(&file.path));
        out.push('\n');
        for error in &file.errors {
            // A syntax error's message begins with its line and column already.
            let place = error
                .position
                .filter(|_| !error.message.starts_with("line "))
                .map(|p| format!(" (line {}, column {})", p.line, p.column))
                .unwrap_or_default();
            out.push_str(&format!("  {} {}{place}\n", p.red("error"), error.message));
        }
        for resource in &file.resources {
            let failed = resource
                .findings
                .iter()
                .filter(|f| f.outcome.verdict == Verdict::NonCompliant)
                .count();
            let passed = resource
                .findings
                .iter()
                .filter(|f| f.outcome.verdict == Verdict::Compliant)
                .count();
            let skipped = resource.findings.len() - failed - passed;
            let accepted = resource
                .findings
                .iter()
                .filter(|f| f.exception.is_some())
                .count();
            let failed_text = if accepted > 0 {
                format!("{failed} failed ({accepted} accepted)")
            } else {
                format!("{failed} failed")
            };
            if failed == 0 && !all && resource.warnings.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "  {} {}  {}\n",
                resource.resource_id,
                p.dim(&format!("({})", resource.resource_type)),
                p.dim(&format!(
                    "{failed_text}, {passed} passed, {skipped} not applicable"
                ))
            ));
            for finding in &resource.findings {
                let (mark, verdict) = match finding.outcome.verdict {
                    Verdict::NonCompliant if finding.exception.is_some() => {
                        (p.yellow("!"), p.yellow("NON_COMPLIANT "))
                    }
                    Verdict::NonCompliant => (p.red("✗"), p.red("NON_COMPLIANT ")),
                    Verdict::Compliant if all => (p.green("✓"), p.green("COMPLIANT     ")),
                    Verdict::NotApplicable if all => (p.dim("-"), p.dim("NOT_APPLICABLE")),
                    _ => continue,
                };
                let severity = format!("{:<6}", finding.control.severity.as_str());
                let annotation = match &finding.exception {
                    Some(accepted) => format!(
                        "{} {}",
                        p.yellow(&accepted.label()),
                        finding.outcome.annotation.as_deref().unwrap_or_default()
                    ),
                    None => finding.outcome.annotation.clone().unwrap_or_default(),
                };
                out.push_str(&format!(
                    "    {mark} {:<9} {verdict} {} {annotation}\n",
                    finding.control.id,
                    if finding.outcome.verdict == Verdict::NonCompliant {
                        p.yellow(&severity)
                    } else {
                        p.dim(&severity)
                    },
                ));
                if finding.outcome.verdict == Verdict::NonCompliant && finding.position.is_some() {
                    out.push_str(&format!(
                        "      {}\n",
                        p.dim(&format!("at {}", at(&file.path, finding.position)))
                    ));
                }
            }
            for warning in &resource.warnings {
                out.push_str(&format!("    {} {warning}\n", p.yellow("warning")));
            }
        }
        out.push('\n');
    }
    for (path, warning) in &report.warnings {
        out.push_str(&format!("{} {path}: {warning}\n", p.yellow("warning")));
    }
    if !report.warnings.is_empty() {
        out.push('\n');
    }
    if verbose && !report.skipped.is_empty() {
        out.push_str(&p.dim("Skipped, not ECS documents:"));
        out.push('\n');
        for skipped in &report.skipped {
            out.push_str(&p.dim(&format!("  {} ({})", skipped.path, skipped.reason)));
            out.push('\n');
        }
        out.push('\n');
    }
    let t = report.totals();
    let non_compliant = if t.accepted > 0 {
        format!(
            "{} non-compliant ({} accepted risk)",
            t.non_compliant, t.accepted
        )
    } else {
        format!("{} non-compliant", t.non_compliant)
    };
    let mut summary = format!(
        "{}, {}, {}: {}, {} compliant, {} not applicable, {}",
        plural(t.files, "file", "files"),
        plural(t.resources, "resource", "resources"),
        plural(report.controls.len(), "control", "controls"),
        non_compliant,
        t.compliant,
        t.not_applicable,
        plural(t.errors, "error", "errors"),
    );
    if t.skipped > 0 {
        summary.push_str(&format!(
            "; {} without ECS resources skipped{}",
            plural(t.skipped, "file", "files"),
            if verbose {
                ""
            } else {
                " (--verbose lists them)"
            }
        ));
    }
    let summary = if t.errors > 0 || t.non_compliant > t.accepted {
        p.red(&summary)
    } else {
        p.green(&summary)
    };
    out.push_str(&summary);
    out.push('\n');
    out
}

/// `controls` as a table.
pub fn controls() -> String {
    let mut out = format!(
        "{:<9} {:<7} {:<17} {:<46} {}\n",
        "CONTROL", "SEVERITY", "RESOURCE", "CONFIG RULE", "TITLE"
    );
    for c in CATALOGUE {
        out.push_str(&format!(
            "{:<9} {:<8} {:<17} {:<46} {}\n",
            c.id,
            c.severity.as_str(),
            c.resource_type()
                .aws_name()
                .trim_start_matches("AWS::ECS::"),
            c.rule_name(),
            c.title
        ));
    }
    // AWS Config evaluates these; the packs deploy them under the rule name shown.
    for m in MANAGED {
        out.push_str(&format!(
            "{:<9} {:<8} {:<17} {:<46} {} (AWS managed {})\n",
            m.id,
            m.severity.as_str(),
            m.resource_types.join(",").trim_start_matches("AWS::"),
            m.rule_name(),
            m.title,
            m.identifier
        ));
    }
    out
}
