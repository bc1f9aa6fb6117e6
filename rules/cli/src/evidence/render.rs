//! Markdown, CSV and JSON renderings of [`Evidence`].

use std::fmt::Write;

use super::accept::{Accepted, RegisterSection};
use super::compare::{Change, Changes, EntryChange};
use super::{Account, Counts, Evidence};

fn percent(counts: &Counts) -> String {
    counts
        .percent()
        .map_or_else(|| "n/a".to_string(), |p| format!("{p:.0}%"))
}

fn account_label(account: &Account) -> String {
    match &account.name {
        Some(name) => format!("{name} ({})", account.id),
        None => account.id.clone(),
    }
}

/// `EXC-1 (owner platform-team, approved by ciso, until 2026-12-10, ticket SEC-101)`.
pub fn accepted_label(a: &Accepted) -> String {
    let ticket = a
        .ticket
        .as_deref()
        .map(|t| format!(", ticket {t}"))
        .unwrap_or_default();
    format!(
        "{} (owner {}, approved by {}, until {}{ticket})",
        a.id, a.owner, a.approved_by, a.expires
    )
}

/// Markdown table cells: pipes escaped, line breaks flattened.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

pub fn markdown(e: &Evidence) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# ECS hardening evidence\n");
    let _ = writeln!(out, "- Generated: {}", e.generated_at);
    let _ = writeln!(out, "- Source: AWS Config aggregator `{}`", e.aggregator);
    if let Some(pack) = &e.conformance_pack {
        let _ = writeln!(out, "- Conformance pack: `{pack}`");
    }
    let _ = writeln!(
        out,
        "- Evaluations: {} compliant, {} non-compliant ({} of them accepted risk), {} not applicable ({} compliant)",
        e.totals.compliant,
        e.totals.non_compliant,
        e.totals.accepted_risk,
        e.totals.not_applicable,
        percent(&e.totals)
    );
    match &e.exceptions {
        Some(r) => {
            let _ = writeln!(
                out,
                "- Exception register: `{}`, {} entries, judged on {}",
                r.source,
                r.entries.len(),
                r.judged_on
            );
        }
        None => {
            let _ = writeln!(out, "- Exception register: none");
        }
    }
    for note in &e.notes {
        let _ = writeln!(out, "- Note: {note}");
    }
    let _ = writeln!(
        out,
        "\nCoverage: every requirement below is only partly evidenced by these controls; each says what else it needs.\n"
    );
    if let Some(changes) = &e.changes {
        markdown_changes(&mut out, changes);
    }
    if let Some(register) = &e.exceptions {
        markdown_register(&mut out, register);
    }
    let _ = writeln!(out, "## Compliance by account\n");
    let _ = writeln!(
        out,
        "| Account | OU | Compliant | Non-compliant | Accepted risk | Not applicable | Compliant % |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|");
    for a in &e.accounts {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(&account_label(&a.account)),
            cell(a.account.ou_path.as_deref().unwrap_or("")),
            a.counts.compliant,
            a.counts.non_compliant,
            a.counts.accepted_risk,
            a.counts.not_applicable,
            percent(&a.counts)
        );
    }
    let _ = writeln!(out, "\n## Compliance by control\n");
    let _ = writeln!(
        out,
        "| Control | Title | Compliant | Non-compliant | Accepted risk | Not applicable | Compliant % |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|");
    for c in &e.controls {
        let managed = if c.aws_managed.is_some() {
            " (AWS managed)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "| {}{managed} | {} | {} | {} | {} | {} | {} |",
            c.id,
            cell(c.title),
            c.counts.compliant,
            c.counts.non_compliant,
            c.counts.accepted_risk,
            c.counts.not_applicable,
            percent(&c.counts)
        );
    }
    for f in &e.frameworks {
        let _ = writeln!(out, "\n## {}\n", f.name);
        let _ = writeln!(
            out,
            "| Requirement | Status | Coverage | Controls | Compliant | Non-compliant | Accepted risk |"
        );
        let _ = writeln!(out, "|---|---|---|---|---:|---:|---:|");
        for r in &f.requirements {
            let controls: Vec<&str> = r.controls.iter().map(|c| c.id).collect();
            let _ = writeln!(
                out,
                "| {} {} | {} | {} | {} | {} | {} | {} |",
                r.id,
                cell(r.title),
                r.status,
                r.coverage,
                controls.join(", "),
                r.counts.compliant,
                r.counts.non_compliant,
                r.counts.accepted_risk
            );
        }
        for r in &f.requirements {
            let _ = writeln!(out, "\n### {} {} — {}\n", r.id, r.title, r.status);
            let _ = writeln!(
                out,
                "Coverage: {}. Not covered by these controls: {}\n",
                r.coverage, r.not_covered
            );
            for c in &r.controls {
                let managed = c
                    .aws_managed
                    .map(|identifier| format!(", AWS managed rule {identifier}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "#### {} {} ({}{managed}, mapping {}) — {}\n",
                    c.id, c.title, c.severity, c.mapping, c.status
                );
                if c.accounts.is_empty() {
                    let _ = writeln!(
                        out,
                        "No results: the rule reported nothing to the aggregator (not deployed, or no resources of its type).\n"
                    );
                    continue;
                }
                let _ = writeln!(
                    out,
                    "| Account | Region | Resource | Status | Accepted risk | Annotation | Evaluated |"
                );
                let _ = writeln!(out, "|---|---|---|---|---|---|---|");
                for a in &c.accounts {
                    for row in &a.resources {
                        let _ = writeln!(
                            out,
                            "| {} | {} | {} `{}` | {} | {} | {} | {} |",
                            cell(&account_label(&a.account)),
                            row.region,
                            row.resource_type,
                            cell(&row.resource_id),
                            row.compliance,
                            cell(
                                &row.exception
                                    .as_ref()
                                    .map(accepted_label)
                                    .unwrap_or_default()
                            ),
                            cell(row.annotation.as_deref().unwrap_or("")),
                            row.evaluated_at.as_deref().unwrap_or("")
                        );
                    }
                }
                out.push('\n');
            }
        }
    }
    out
}

fn markdown_register(out: &mut String, r: &RegisterSection) {
    let _ = writeln!(out, "## Accepted risk: the exception register\n");
    let _ = writeln!(
        out,
        "Register `{}`, judged on {} (entries may last at most {} days). An accepted result stays NON_COMPLIANT: it is counted as non-compliant and, beside that, as accepted risk with its entry.\n",
        r.source, r.judged_on, r.max_lifetime_days
    );
    if r.entries.is_empty() {
        let _ = writeln!(out, "The register has no entries.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Entry | Controls | Resources | Owner | Approved by | Expires | Ticket | Accepted results | Reason |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---:|---|");
    for entry in &r.entries {
        let expires = if entry.expired {
            format!("{} (expired)", entry.expires)
        } else {
            format!("{} ({} days)", entry.expires, entry.days_left)
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&entry.id),
            entry.controls.join(", "),
            cell(&entry.resources.join(", ")),
            cell(&entry.owner),
            cell(&entry.approved_by),
            expires,
            cell(entry.ticket.as_deref().unwrap_or("")),
            entry.accepted_results,
            cell(&entry.reason)
        );
    }
    if r.expiring_soon.is_empty() {
        let _ = writeln!(out, "\nNo entry expires within 30 days.\n");
    } else {
        let _ = writeln!(out, "\nExpiring within 30 days:\n");
        for id in &r.expiring_soon {
            if let Some(entry) = r.entries.iter().find(|e| &e.id == id) {
                let _ = writeln!(
                    out,
                    "- {} (owner {}): expires {}, in {} days",
                    entry.id, entry.owner, entry.expires, entry.days_left
                );
            }
        }
        out.push('\n');
    }
}

fn markdown_changes(out: &mut String, c: &Changes) {
    let _ = writeln!(
        out,
        "## Changes since the previous bundle\n\nPrevious bundle: `{}`, generated {}.\n",
        c.previous, c.previous_generated_at
    );
    let results = |out: &mut String, title: &str, list: &[Change]| {
        let _ = writeln!(out, "### {title}: {}\n", list.len());
        if list.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "| Account | Region | Control | Resource | Before | Now |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for change in list {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} `{}` | {} | {} |",
                change.account_id,
                change.region,
                change.control,
                change.resource_type,
                cell(&change.resource_id),
                cell(&change.before),
                cell(&change.now)
            );
        }
        out.push('\n');
    };
    results(out, "New failures", &c.new_failures);
    results(out, "Fixed", &c.fixed);
    results(out, "No longer reported", &c.no_longer_reported);
    let entries = |out: &mut String, title: &str, list: &[EntryChange]| {
        let _ = writeln!(out, "### {title}: {}\n", list.len());
        for entry in list {
            let _ = writeln!(
                out,
                "- {} (owner {}, expires {})",
                cell(&entry.id),
                cell(&entry.owner),
                entry.expires
            );
        }
        if !list.is_empty() {
            out.push('\n');
        }
    };
    entries(out, "New exceptions", &c.new_exceptions);
    entries(out, "Expired exceptions", &c.expired_exceptions);
    entries(out, "Removed exceptions", &c.removed_exceptions);
}

/// One CSV field, quoted when needed (RFC 4180); a leading `=`, `+`, `-` or `@` is prefixed
/// with `'` so spreadsheets do not run it as a formula.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// One row per framework requirement × control × evaluation.
pub fn csv(e: &Evidence) -> String {
    let mut out = String::from(
        "framework,requirement,requirement_title,coverage,control,control_title,severity,mapping,account_id,account_name,ou,region,resource_type,resource_id,status,annotation,evaluated_at,config_rule,accepted_risk,exception_owner,exception_approved_by,exception_expires,exception_ticket\r\n",
    );
    for f in &e.frameworks {
        for r in &f.requirements {
            for c in &r.controls {
                for a in &c.accounts {
                    for row in &a.resources {
                        let exception = row.exception.as_ref();
                        let accepted = |field: fn(&Accepted) -> &str| exception.map_or("", field);
                        let fields = [
                            f.key,
                            r.id,
                            r.title,
                            r.coverage,
                            c.id,
                            c.title,
                            c.severity,
                            c.mapping,
                            &a.account.id,
                            a.account.name.as_deref().unwrap_or(""),
                            a.account.ou_path.as_deref().unwrap_or(""),
                            &row.region,
                            &row.resource_type,
                            &row.resource_id,
                            &row.compliance,
                            row.annotation.as_deref().unwrap_or(""),
                            row.evaluated_at.as_deref().unwrap_or(""),
                            &row.config_rule,
                            accepted(|a| &a.id),
                            accepted(|a| &a.owner),
                            accepted(|a| &a.approved_by),
                            accepted(|a| &a.expires),
                            accepted(|a| a.ticket.as_deref().unwrap_or("")),
                        ];
                        let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
                        out.push_str(&line.join(","));
                        out.push_str("\r\n");
                    }
                }
            }
        }
    }
    out
}

pub fn json(e: &Evidence) -> String {
    let mut out = serde_json::to_string_pretty(e).unwrap_or_else(|err| {
        serde_json::json!({"error": format!("cannot serialize the report: {err}")}).to_string()
    });
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
