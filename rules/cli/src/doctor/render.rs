//! The checklist as text (one line per check, its fix indented below it) or as JSON.

use serde_json::{json, Value};

use super::checks::targets_text;
use super::{Facts, Line, Options, Status};

const FIX_INDENT: &str = "      ";

fn count(lines: &[Line], status: Status) -> usize {
    lines.iter().filter(|l| l.status == status).count()
}

pub fn text(facts: &Facts, options: &Options, lines: &[Line]) -> String {
    let mut out = String::new();
    let account = facts
        .read
        .as_ref()
        .map_or_else(|_| "unknown".to_string(), |r| r.caller.clone());
    out.push_str(&format!(
        "ecs-harden doctor (read-only): account {account}, Regions {}, targets {}\n\n",
        facts.regions.join(", "),
        targets_text(options)
    ));
    for line in lines {
        out.push_str(&format!("{:<4}  {}", line.status.label(), line.title));
        if !line.message.is_empty() {
            out.push_str(": ");
            out.push_str(&line.message);
        }
        out.push('\n');
        for (i, fix) in line.fix.iter().enumerate() {
            let lead = if i == 0 { "fix: " } else { "     " };
            out.push_str(&format!("{FIX_INDENT}{lead}{fix}\n"));
        }
        if options.verbose {
            if let Some(error) = &line.aws_error {
                out.push_str(&format!("{FIX_INDENT}AWS error: {error}\n"));
            }
        }
    }
    let (fail, warn, ok) = (
        count(lines, Status::Fail),
        count(lines, Status::Warn),
        count(lines, Status::Ok),
    );
    let verdict = if fail > 0 {
        "the deploy would fail. Fix the FAIL lines, then run ecs-harden doctor again."
    } else if warn > 0 {
        "nothing found that fails the deploy; read the WARN lines for what could not be checked."
    } else {
        "nothing found that fails the deploy."
    };
    out.push_str(&format!("\n{fail} FAIL, {warn} WARN, {ok} OK: {verdict}\n"));
    out
}

pub fn json(facts: &Facts, options: &Options, lines: &[Line]) -> String {
    let checks: Vec<Value> = lines
        .iter()
        .map(|line| {
            json!({
                "check": line.check.id(),
                "status": line.status.label(),
                "title": line.title,
                "account": line.account,
                "region": line.region,
                "message": line.message,
                "fix": line.fix,
                "awsError": line.aws_error,
            })
        })
        .collect();
    let fail = count(lines, Status::Fail);
    let document = json!({
        "account": facts.read.as_ref().ok().map(|r| r.caller.as_str()),
        "regions": facts.regions,
        "targetOus": options.target_ous,
        "checks": checks,
        "summary": {
            "ok": count(lines, Status::Ok),
            "warn": count(lines, Status::Warn),
            "fail": fail,
        },
        "deployWouldFail": fail > 0,
    });
    let mut rendered = serde_json::to_string_pretty(&document).unwrap_or_default();
    rendered.push('\n');
    rendered
}
