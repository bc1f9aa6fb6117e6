//! A self-contained HTML page of [`Evidence`]: no scripts, no external resources, charts as
//! inline SVG, laid out to print.

use std::fmt::Write;

use super::accept::RegisterSection;
use super::compare::{Change, Changes, EntryChange};
use super::render::accepted_label;
use super::{Account, Counts, Evidence};
use crate::output::escape_markup as escape;

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { border-bottom: 2px solid #d0d7de; padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { margin-top: 1.6rem; }
h4 { margin: 1rem 0 .4rem; font-size: 1rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 12px; word-break: break-all; }
.meta { color: #57606a; margin: 0 0 1rem; }
.tiles { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }
.tile { border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem 1rem; min-width: 9rem; }
.tile b { display: block; font-size: 1.5rem; }
.status { font-weight: 600; white-space: nowrap; }
.COMPLIANT { color: #1a7f37; } .NON_COMPLIANT { color: #cf222e; } .ACCEPTED_RISK { color: #9a6700; } .NOT_APPLICABLE, .NO_DATA { color: #57606a; }
.gap { background: #fff8c5; border-left: 4px solid #d4a72c; padding: .4rem .7rem; margin: .4rem 0 .8rem; }
.note { background: #ddf4ff; border-left: 4px solid #54aeff; padding: .4rem .7rem; }
.legend span { display: inline-block; margin-right: 1rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  h2 { break-before: page; }
  h2.first { break-before: auto; }
  table, svg, .tile { break-inside: avoid; }
  tr { break-inside: avoid; }
}
"#;

const GREEN: &str = "#2da44e";
const RED: &str = "#cf222e";
const AMBER: &str = "#d4a72c";
const GREY: &str = "#afb8c1";

fn account_label(account: &Account) -> String {
    match &account.name {
        Some(name) => format!("{name} ({})", account.id),
        None => account.id.clone(),
    }
}

fn percent(counts: &Counts) -> String {
    counts
        .percent()
        .map_or_else(|| "n/a".to_string(), |p| format!("{p:.0}%"))
}

/// Horizontal stacked bars, one per row: compliant, non-compliant, not applicable.
fn bar_chart(title: &str, rows: &[(String, Counts)]) -> String {
    let label_width = 300.0;
    let bar_width = 560.0;
    let row_height = 22.0;
    let top = 28.0;
    let height = top + row_height * rows.len() as f64 + 8.0;
    let width = label_width + bar_width + 90.0;
    let max = rows
        .iter()
        .map(|(_, c)| c.compliant + c.non_compliant + c.not_applicable)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{t}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="12">"#,
        t = escape(title)
    );
    let _ = write!(
        svg,
        r#"<text x="0" y="16" font-weight="600" font-size="13">{}</text>"#,
        escape(title)
    );
    for (i, (label, counts)) in rows.iter().enumerate() {
        let y = top + row_height * i as f64;
        let short: String = if label.chars().count() > 40 {
            label.chars().take(39).collect::<String>() + "…"
        } else {
            label.clone()
        };
        let _ = write!(
            svg,
            r#"<text x="{x}" y="{ty}" text-anchor="end">{}</text>"#,
            escape(&short),
            x = label_width - 8.0,
            ty = y + 14.0
        );
        let mut x = label_width;
        for (value, colour, what) in [
            (counts.compliant, GREEN, "compliant"),
            (counts.failing(), RED, "non-compliant"),
            (counts.accepted_risk, AMBER, "non-compliant, accepted risk"),
            (counts.not_applicable, GREY, "not applicable"),
        ] {
            if value == 0 {
                continue;
            }
            let w = bar_width * value as f64 / max;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="16" fill="{colour}"><title>{} {what}</title></rect>"#,
                value
            );
            x += w;
        }
        let _ = write!(
            svg,
            r#"<text x="{tx:.1}" y="{ty}">{}</text>"#,
            escape(&percent(counts)),
            tx = x + 6.0,
            ty = y + 13.0
        );
    }
    svg.push_str("</svg>");
    svg
}

fn legend() -> String {
    format!(
        r#"<p class="legend"><span><i style="background:{GREEN}"></i>compliant</span><span><i style="background:{RED}"></i>non-compliant</span><span><i style="background:{AMBER}"></i>non-compliant, accepted risk</span><span><i style="background:{GREY}"></i>not applicable</span> — percentages are compliant ÷ (compliant + non-compliant).</p>"#
    )
}

pub fn render(e: &Evidence) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>ECS hardening evidence — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&e.aggregator)
    );
    let _ = write!(out, "<h1>ECS hardening evidence</h1>\n<p class=\"meta\">Generated {} from AWS Config aggregator <code>{}</code>", escape(&e.generated_at), escape(&e.aggregator));
    if let Some(pack) = &e.conformance_pack {
        let _ = write!(out, ", conformance pack <code>{}</code>", escape(pack));
    }
    out.push_str(".</p>\n");
    let _ = writeln!(
        out,
        "<div class=\"tiles\"><div class=\"tile\"><b>{}</b>evaluations compliant</div><div class=\"tile\"><b class=\"NON_COMPLIANT\">{}</b>non-compliant</div><div class=\"tile\"><b class=\"ACCEPTED_RISK\">{}</b>of them accepted risk</div><div class=\"tile\"><b>{}</b>not applicable</div><div class=\"tile\"><b>{}</b>compliant</div><div class=\"tile\"><b>{}</b>accounts</div></div>",
        e.totals.compliant,
        e.totals.non_compliant,
        e.totals.accepted_risk,
        e.totals.not_applicable,
        escape(&percent(&e.totals)),
        e.accounts.len()
    );
    for note in &e.notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(note));
    }
    if let Some(changes) = &e.changes {
        html_changes(&mut out, changes);
    }
    match &e.exceptions {
        Some(register) => html_register(&mut out, register),
        None => out.push_str("<p class=\"meta\">Exception register: none.</p>\n"),
    }
    out.push_str("<p class=\"gap\">Every requirement in this report is only <b>partly</b> evidenced by these controls: they check Amazon ECS configuration. Each requirement below says what else it needs.</p>\n");
    out.push_str("<h2 class=\"first\">Compliance by account and by control</h2>\n");
    out.push_str(&legend());
    let accounts: Vec<(String, Counts)> = e
        .accounts
        .iter()
        .map(|a| (account_label(&a.account), a.counts))
        .collect();
    out.push_str(&bar_chart("Evaluations by account", &accounts));
    let controls: Vec<(String, Counts)> = e
        .controls
        .iter()
        .map(|c| (format!("{} {}", c.id, c.title), c.counts))
        .collect();
    out.push_str(&bar_chart("Evaluations by control", &controls));
    out.push_str("\n<table><thead><tr><th>Account</th><th>OU</th><th>Compliant</th><th>Non-compliant</th><th>Accepted risk</th><th>Not applicable</th><th>Compliant %</th></tr></thead><tbody>\n");
    for a in &e.accounts {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&account_label(&a.account)),
            escape(a.account.ou_path.as_deref().unwrap_or("")),
            a.counts.compliant,
            a.counts.non_compliant,
            a.counts.accepted_risk,
            a.counts.not_applicable,
            escape(&percent(&a.counts))
        );
    }
    out.push_str("</tbody></table>\n");
    for f in &e.frameworks {
        let _ = writeln!(out, "<h2 id=\"{}\">{}</h2>", escape(f.key), escape(f.name));
        out.push_str("<table><thead><tr><th>Requirement</th><th>Status</th><th>Coverage</th><th>Controls</th><th>Compliant</th><th>Non-compliant</th><th>Accepted risk</th></tr></thead><tbody>\n");
        for r in &f.requirements {
            let controls: Vec<&str> = r.controls.iter().map(|c| c.id).collect();
            let _ = writeln!(
                out,
                "<tr><td><a href=\"#{f}-{id}\">{id}</a> {title}</td><td class=\"status {s}\">{s}</td><td>{cov}</td><td>{ctl}</td><td class=\"num\">{c}</td><td class=\"num\">{n}</td><td class=\"num\">{a}</td></tr>",
                f = escape(f.key),
                id = escape(r.id),
                title = escape(r.title),
                s = r.status,
                cov = r.coverage,
                ctl = escape(&controls.join(", ")),
                c = r.counts.compliant,
                n = r.counts.non_compliant,
                a = r.counts.accepted_risk
            );
        }
        out.push_str("</tbody></table>\n");
        for r in &f.requirements {
            let _ = writeln!(
                out,
                "<h3 id=\"{}-{}\">{} {} — <span class=\"status {s}\">{s}</span></h3>",
                escape(f.key),
                escape(r.id),
                escape(r.id),
                escape(r.title),
                s = r.status
            );
            let _ = writeln!(
                out,
                "<p class=\"gap\">Coverage: <b>{}</b>. Not covered by these controls: {}</p>",
                r.coverage,
                escape(r.not_covered)
            );
            for c in &r.controls {
                let managed = c
                    .aws_managed
                    .map(|identifier| format!(", AWS managed rule {}", escape(identifier)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "<h4>{} {} <small>({}{managed}, mapping {})</small> — <span class=\"status {s}\">{s}</span></h4>",
                    escape(c.id),
                    escape(c.title),
                    c.severity,
                    escape(c.mapping),
                    s = c.status
                );
                if c.accounts.is_empty() {
                    out.push_str("<p>No results: the rule reported nothing to the aggregator (not deployed, or no resources of its type).</p>\n");
                    continue;
                }
                out.push_str("<table><thead><tr><th>Account</th><th>Region</th><th>Resource</th><th>Status</th><th>Accepted risk</th><th>Annotation</th><th>Evaluated</th></tr></thead><tbody>\n");
                for a in &c.accounts {
                    for row in &a.resources {
                        let _ = writeln!(
                            out,
                            "<tr><td>{}</td><td>{}</td><td>{}<br><code>{}</code></td><td class=\"status {s}\">{s}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            escape(&account_label(&a.account)),
                            escape(&row.region),
                            escape(&row.resource_type),
                            escape(&row.resource_id),
                            escape(&row.exception.as_ref().map(accepted_label).unwrap_or_default()),
                            escape(row.annotation.as_deref().unwrap_or("")),
                            escape(row.evaluated_at.as_deref().unwrap_or("")),
                            s = escape(&row.compliance)
                        );
                    }
                }
                out.push_str("</tbody></table>\n");
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn html_register(out: &mut String, r: &RegisterSection) {
    out.push_str("<h2>Accepted risk: the exception register</h2>\n");
    let _ = writeln!(
        out,
        "<p>Register <code>{}</code>, judged on {} (entries may last at most {} days). An accepted result stays NON_COMPLIANT: it is counted as non-compliant and, beside that, as accepted risk with its entry.</p>",
        escape(&r.source),
        escape(&r.judged_on),
        r.max_lifetime_days
    );
    if r.entries.is_empty() {
        out.push_str("<p>The register has no entries.</p>\n");
        return;
    }
    out.push_str("<table><thead><tr><th>Entry</th><th>Controls</th><th>Resources</th><th>Owner</th><th>Approved by</th><th>Expires</th><th>Ticket</th><th>Accepted results</th><th>Reason</th></tr></thead><tbody>\n");
    for entry in &r.entries {
        let expires = if entry.expired {
            format!("{} (expired)", entry.expires)
        } else {
            format!("{} ({} days)", entry.expires, entry.days_left)
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&entry.id),
            escape(&entry.controls.join(", ")),
            escape(&entry.resources.join(", ")),
            escape(&entry.owner),
            escape(&entry.approved_by),
            escape(&expires),
            escape(entry.ticket.as_deref().unwrap_or("")),
            entry.accepted_results,
            escape(&entry.reason)
        );
    }
    out.push_str("</tbody></table>\n");
    if r.expiring_soon.is_empty() {
        out.push_str("<p>No entry expires within 30 days.</p>\n");
        return;
    }
    out.push_str("<p class=\"gap\">Expiring within 30 days:</p>\n<ul>\n");
    for entry in r
        .expiring_soon
        .iter()
        .filter_map(|id| r.entries.iter().find(|e| &e.id == id))
    {
        let _ = writeln!(
            out,
            "<li>{} (owner {}): expires {}, in {} days</li>",
            escape(&entry.id),
            escape(&entry.owner),
            escape(&entry.expires),
            entry.days_left
        );
    }
    out.push_str("</ul>\n");
}

fn html_changes(out: &mut String, c: &Changes) {
    let _ = writeln!(
        out,
        "<h2>Changes since the previous bundle</h2>\n<p>Previous bundle <code>{}</code>, generated {}.</p>",
        escape(&c.previous),
        escape(&c.previous_generated_at)
    );
    let results = |out: &mut String, title: &str, list: &[Change]| {
        let _ = writeln!(out, "<h3>{title}: {}</h3>", list.len());
        if list.is_empty() {
            return;
        }
        out.push_str("<table><thead><tr><th>Account</th><th>Region</th><th>Control</th><th>Resource</th><th>Before</th><th>Now</th></tr></thead><tbody>\n");
        for change in list {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}<br><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                escape(&change.account_id),
                escape(&change.region),
                escape(&change.control),
                escape(&change.resource_type),
                escape(&change.resource_id),
                escape(&change.before),
                escape(&change.now)
            );
        }
        out.push_str("</tbody></table>\n");
    };
    results(out, "New failures", &c.new_failures);
    results(out, "Fixed", &c.fixed);
    results(out, "No longer reported", &c.no_longer_reported);
    let entries = |out: &mut String, title: &str, list: &[EntryChange]| {
        let _ = writeln!(out, "<h3>{title}: {}</h3>", list.len());
        if list.is_empty() {
            return;
        }
        out.push_str("<ul>\n");
        for entry in list {
            let _ = writeln!(
                out,
                "<li>{} (owner {}, expires {})</li>",
                escape(&entry.id),
                escape(&entry.owner),
                escape(&entry.expires)
            );
        }
        out.push_str("</ul>\n");
    };
    entries(out, "New exceptions", &c.new_exceptions);
    entries(out, "Expired exceptions", &c.expired_exceptions);
    entries(out, "Removed exceptions", &c.removed_exceptions);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<script>\"x\" & 'y'\u{1}</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn charts_scale_bars_to_the_largest_row() {
        let rows = vec![
            (
                "a".to_string(),
                Counts {
                    compliant: 10,
                    non_compliant: 0,
                    accepted_risk: 0,
                    not_applicable: 0,
                },
            ),
            (
                "b".to_string(),
                Counts {
                    compliant: 2,
                    non_compliant: 3,
                    accepted_risk: 1,
                    not_applicable: 0,
                },
            ),
        ];
        let svg = bar_chart("t", &rows);
        assert!(
            svg.contains(r##"width="560.0" height="16" fill="#2da44e""##),
            "{svg}"
        );
        // Of b's 3 non-compliant, 1 is accepted risk: 2 red, 1 amber.
        assert!(
            svg.contains(r##"width="112.0" height="16" fill="#cf222e""##),
            "{svg}"
        );
        assert!(
            svg.contains(r##"width="56.0" height="16" fill="#d4a72c""##),
            "{svg}"
        );
        assert!(svg.contains(">40%<"));
    }
}
