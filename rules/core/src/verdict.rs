//! Verdicts and annotations.

use std::fmt;

/// The verdict a control reaches on one resource, as AWS Config names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    Compliant,
    NonCompliant,
    NotApplicable,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Compliant => "COMPLIANT",
            Verdict::NonCompliant => "NON_COMPLIANT",
            Verdict::NotApplicable => "NOT_APPLICABLE",
        }
    }

    pub fn parse(text: &str) -> Option<Verdict> {
        Some(match text {
            "COMPLIANT" => Verdict::Compliant,
            "NON_COMPLIANT" => Verdict::NonCompliant,
            "NOT_APPLICABLE" => Verdict::NotApplicable,
            _ => return None,
        })
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Longest annotation AWS Config accepts, in characters.
pub const MAX_ANNOTATION_CHARS: usize = 256;

/// A verdict with its annotation. Every NON_COMPLIANT outcome has an annotation of 1–256
/// characters naming what is wrong; it never contains a secret's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub verdict: Verdict,
    pub annotation: Option<String>,
    /// The property a NON_COMPLIANT verdict is about, so that a report can point at its line.
    pub pointer: Option<Pointer>,
}

/// The offending property of a resource: a field (named as the ECS API spells it; every shape's
/// spelling matches it when case, `_` and `-` are ignored) of the resource itself, of one of
/// its containers or of one of its volumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pointer {
    pub within: Within,
    pub field: &'static str,
}

/// What a [`Pointer`]'s field belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Within {
    Resource,
    /// The container definition at this position of the document's list.
    Container(usize),
    /// The volume at this position of the document's list.
    Volume(usize),
}

impl Outcome {
    pub fn compliant() -> Outcome {
        Outcome {
            verdict: Verdict::Compliant,
            annotation: None,
            pointer: None,
        }
    }

    pub fn not_applicable(reason: impl Into<String>) -> Outcome {
        Outcome {
            verdict: Verdict::NotApplicable,
            annotation: Some(fit(reason.into())),
            pointer: None,
        }
    }

    pub fn non_compliant(annotation: impl Into<String>) -> Outcome {
        Outcome {
            verdict: Verdict::NonCompliant,
            annotation: Some(fit(annotation.into())),
            pointer: None,
        }
    }

    /// NON_COMPLIANT naming offenders: `"{lead}: a, b, c (+2 more). {advice}"`, as many
    /// offenders as fit in 256 characters (at least the first, shortened if need be).
    pub fn offenders(lead: &str, offenders: &[String], advice: &str) -> Outcome {
        Outcome::non_compliant(list_within_limit(lead, offenders, advice))
    }

    /// Points a NON_COMPLIANT outcome at the property it is about.
    pub fn at(mut self, within: Within, field: &'static str) -> Outcome {
        if self.verdict == Verdict::NonCompliant {
            self.pointer = Some(Pointer { within, field });
        }
        self
    }
}

/// Cuts text to 256 characters on a character boundary, ending in `…` when cut; never empty.
pub fn fit(text: String) -> String {
    if text.chars().count() <= MAX_ANNOTATION_CHARS {
        return if text.is_empty() { "-".into() } else { text };
    }
    let mut out: String = text.chars().take(MAX_ANNOTATION_CHARS - 1).collect();
    out.push('…');
    out
}

fn list_within_limit(lead: &str, items: &[String], advice: &str) -> String {
    let chars = |s: &str| s.chars().count();
    let full = format!("{lead}: {}. {advice}", items.join(", "));
    if chars(&full) <= MAX_ANNOTATION_CHARS {
        return full;
    }
    // Keep as many whole items as fit beside a "(+N more)" note; the advice goes first. The
    // length of each candidate is counted, not built, so that long lists stay linear.
    let fixed = chars(lead) + chars(advice) + ": ".len() + ". ".len();
    let mut listed = 0;
    let mut best = None;
    for keep in 1..items.len() {
        listed += chars(&items[keep - 1]) + if keep > 1 { ", ".len() } else { 0 };
        let more = items.len() - keep;
        if fixed + listed + format!(" (+{more} more)").len() <= MAX_ANNOTATION_CHARS {
            best = Some(keep);
        } else if listed > MAX_ANNOTATION_CHARS {
            break;
        }
    }
    if let Some(keep) = best {
        let more = items.len() - keep;
        return format!(
            "{lead}: {} (+{more} more). {advice}",
            items[..keep].join(", ")
        );
    }
    let more = items.len().saturating_sub(1);
    let first = items.first().map(String::as_str).unwrap_or_default();
    let text = if more > 0 {
        format!("{lead}: {first} (+{more} more)")
    } else {
        format!("{lead}: {first}")
    };
    fit(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_are_cut_with_a_count() {
        let items: Vec<String> = (0..40).map(|i| format!("ingest-shard-{i:02}")).collect();
        let outcome =
            Outcome::offenders("Privileged containers", &items, "Set privileged to false.");
        let text = outcome.annotation.unwrap();
        assert!(text.chars().count() <= MAX_ANNOTATION_CHARS, "{text}");
        assert!(text.contains("ingest-shard-00"));
        assert!(text.contains("more)"));
    }

    #[test]
    fn a_single_huge_name_is_cut_on_a_char_boundary() {
        let items = vec!["é".repeat(600)];
        let text = Outcome::offenders("Containers", &items, "Fix.")
            .annotation
            .unwrap();
        assert_eq!(text.chars().count(), MAX_ANNOTATION_CHARS);
    }
}
