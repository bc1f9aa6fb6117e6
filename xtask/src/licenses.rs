//! `cargo xtask test` step: every third-party crate in the dependency graph (`cargo metadata`,
//! all platforms) carries an SPDX licence expression that the allow-list satisfies. An `OR`
//! needs one allowed side, an `AND` both, `A WITH exception` an allowed `A` and exception; the
//! legacy `MIT/Apache-2.0` spelling is read as `OR`. A crate without an expression, or one the
//! list cannot satisfy, fails the step, named with its licence.
//!
//! Security advisories (RustSec) need the advisory database, a git repository this project's
//! machines cannot reach; see docs/security.md.

use std::process::Command;

use anyhow::{bail, Context};
use serde_json::Value;

/// Licences a dependency may be under: permissive ones, and MPL-2.0 (file-level copyleft,
/// compatible with shipping Apache-2.0 binaries).
pub const ALLOWED: &[&str] = &[
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSL-1.0",
    "CC0-1.0",
    "ISC",
    "MIT",
    "MIT-0",
    "MPL-2.0",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "Zlib",
];

/// Licence exceptions (`WITH …`) that only add permissions.
pub const ALLOWED_EXCEPTIONS: &[&str] = &["LLVM-exception"];

/// Checks the workspace's dependency graph; prints a summary of the licences in use.
pub fn check(root: &std::path::Path) -> anyhow::Result<()> {
    println!("==> dependency licences are on the allow-list");
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args(["metadata", "--format-version", "1"])
        .output()
        .context("cannot run cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)?;
    let mut refused = Vec::new();
    let mut in_use = std::collections::BTreeMap::<String, usize>::new();
    let packages = metadata["packages"].as_array().context("no packages")?;
    let mut checked = 0;
    for package in packages {
        // Workspace members (no registry source) are this project's own, under its licence.
        if package["source"].is_null() {
            continue;
        }
        checked += 1;
        let name = format!(
            "{} {}",
            package["name"].as_str().unwrap_or("?"),
            package["version"].as_str().unwrap_or("?")
        );
        match package["license"].as_str() {
            None => refused.push(format!(
                "{name}: no SPDX licence expression (license-file {})",
                package["license_file"]
            )),
            Some(expression) => match allowed(expression) {
                Ok(true) => *in_use.entry(expression.to_string()).or_default() += 1,
                Ok(false) => refused.push(format!("{name}: {expression} is not allowed")),
                Err(e) => refused.push(format!("{name}: {expression:?} cannot be read: {e}")),
            },
        }
    }
    if !refused.is_empty() {
        bail!(
            "{} crate(s) under licences outside the allow-list (xtask/src/licenses.rs):\n  {}",
            refused.len(),
            refused.join("\n  ")
        );
    }
    println!(
        "{checked} third-party crates, every licence allowed ({} distinct expressions)",
        in_use.len()
    );
    Ok(())
}

#[derive(Debug, PartialEq)]
enum Token<'a> {
    Id(&'a str),
    And,
    Or,
    With,
    Open,
    Close,
}

fn tokens(expression: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = expression;
    while !rest.is_empty() {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let (token, len) = match rest.as_bytes()[0] {
            b'(' => (Token::Open, 1),
            b')' => (Token::Close, 1),
            // The legacy `MIT/Apache-2.0` means either.
            b'/' => (Token::Or, 1),
            _ => {
                let len = rest
                    .find(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '/')
                    .unwrap_or(rest.len());
                let word = &rest[..len];
                let token = match word {
                    "AND" => Token::And,
                    "OR" => Token::Or,
                    "WITH" => Token::With,
                    id => Token::Id(id),
                };
                (token, len)
            }
        };
        out.push(token);
        rest = &rest[len..];
    }
    out
}

/// Whether the allow-list satisfies an SPDX expression (`OR` binds looser than `AND`).
pub fn allowed(expression: &str) -> Result<bool, String> {
    let tokens = tokens(expression);
    let mut position = 0;
    let value = or(&tokens, &mut position)?;
    if position != tokens.len() {
        return Err(format!("unexpected {:?}", tokens[position]));
    }
    Ok(value)
}

fn or(tokens: &[Token<'_>], position: &mut usize) -> Result<bool, String> {
    let mut value = and(tokens, position)?;
    while tokens.get(*position) == Some(&Token::Or) {
        *position += 1;
        let right = and(tokens, position)?;
        value = value || right;
    }
    Ok(value)
}

fn and(tokens: &[Token<'_>], position: &mut usize) -> Result<bool, String> {
    let mut value = term(tokens, position)?;
    while tokens.get(*position) == Some(&Token::And) {
        *position += 1;
        let right = term(tokens, position)?;
        value = value && right;
    }
    Ok(value)
}

fn term(tokens: &[Token<'_>], position: &mut usize) -> Result<bool, String> {
    match tokens.get(*position) {
        Some(Token::Open) => {
            *position += 1;
            let value = or(tokens, position)?;
            if tokens.get(*position) != Some(&Token::Close) {
                return Err("a parenthesis is not closed".into());
            }
            *position += 1;
            Ok(value)
        }
        Some(Token::Id(id)) => {
            *position += 1;
            let mut value = ALLOWED.contains(&id.trim_end_matches('+'));
            if tokens.get(*position) == Some(&Token::With) {
                *position += 1;
                let Some(Token::Id(exception)) = tokens.get(*position) else {
                    return Err("WITH needs an exception".into());
                };
                *position += 1;
                value = value && ALLOWED_EXCEPTIONS.contains(exception);
            }
            Ok(value)
        }
        other => Err(format!("expected a licence, found {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn expressions_are_evaluated_as_spdx_says() {
        for ok in [
            "MIT",
            "MIT OR Apache-2.0",
            "MIT/Apache-2.0",
            "Apache-2.0 / MIT",
            "Apache-2.0 AND ISC",
            "(MIT OR Apache-2.0) AND Unicode-3.0",
            "Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT",
            "MIT OR Apache-2.0 OR LGPL-2.1-or-later",
        ] {
            assert_eq!(allowed(ok), Ok(true), "{ok}");
        }
        for refused in [
            "GPL-3.0-only",
            "MIT AND GPL-2.0-only",
            "(MIT OR Apache-2.0) AND AGPL-3.0-only",
            "Apache-2.0 WITH Classpath-exception-2.0",
            "SSPL-1.0 OR BUSL-1.1",
        ] {
            assert_eq!(allowed(refused), Ok(false), "{refused}");
        }
        assert!(allowed("MIT AND").is_err());
        assert!(allowed("(MIT").is_err());
        assert!(allowed("MIT Apache-2.0").is_err());
    }
}
