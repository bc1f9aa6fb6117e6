//! Accepted risk: the exception register and the one decision every surface takes from it.
//!
//! The register is one YAML or JSON file (`schemas/exceptions.schema.json`): entries with an
//! `id`, the `controls` and `resources` (globs) they cover, optionally `accounts` and `regions`,
//! who asked (`owner`), who approved (`approvedBy`), why (`reason`), a `ticket` and an
//! `expires` date no further than the register's maximum lifetime from today.
//!
//! An entry applies to every resource its globs match, for its controls, until it expires:
//! the register alone says which resources are excepted, so every surface (`check`, `scan`,
//! the Config rules, the gate) decides alike whatever the shape a resource arrives in carries.
//! A resource may also name entries (the `ecs-harden:exception` tag, CloudFormation
//! `Metadata: {ecs-harden: {exceptions: [...]}}`): a reference never excepts anything the
//! register does not cover; a reference to an entry that does not exist, has expired or does
//! not list the resource is reported, so that a developer sees at once that it has no effect.
//!
//! An excepted violation stays NON_COMPLIANT: it is marked accepted risk with the entry's id,
//! owner and expiry, never turned into COMPLIANT or NOT_APPLICABLE.
//!
//! Pure: `today` is always an argument.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use crate::catalogue::{self, Control};
use crate::model::{Body, ExceptionRef, Field, Resource};
use crate::parse::{load, Syntax};
use crate::verdict::{fit, Verdict};

/// The resource tag that names register entries: `<id>[,<id>..]`.
pub const TAG_KEY: &str = "ecs-harden:exception";
/// How far ahead `expires` may be, unless the register says otherwise (`maxLifetimeDays`).
pub const DEFAULT_MAX_LIFETIME_DAYS: i64 = 365;
/// Entries expiring within this many days are listed by the evidence.
pub const EXPIRING_SOON_DAYS: i64 = 30;
/// How an annotation of an accepted violation begins: `Accepted risk EXC-12 until 2027-06-30: `.
pub const ANNOTATION_PREFIX: &str = "Accepted risk ";

/// A calendar date (UTC), as days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    days: i64,
}

impl Date {
    /// `YYYY-MM-DD`, a real date of the Gregorian calendar.
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = text.get(range)?;
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date {
            days: days_from_civil(year, month, day),
        })
    }

    /// The UTC date of a Unix time in milliseconds.
    pub fn from_unix_millis(millis: u64) -> Date {
        Date {
            days: (millis / 86_400_000) as i64,
        }
    }

    /// The UTC date of a Unix time in seconds.
    pub fn from_unix_seconds(seconds: i64) -> Date {
        Date {
            days: seconds.div_euclid(86_400),
        }
    }

    pub fn add_days(self, days: i64) -> Date {
        Date {
            days: self.days + days,
        }
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days - self.days
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = civil_from_days(self.days);
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A pattern over identifiers: `*` stands for any run of characters (`/` and `:` included),
/// `?` for one character; everything else is itself (case-sensitive, as ARNs are).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob(String);

impl Glob {
    pub fn new(pattern: impl Into<String>) -> Glob {
        Glob(pattern.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn matches(&self, text: &str) -> bool {
        let pattern: Vec<char> = self.0.chars().collect();
        let text: Vec<char> = text.chars().collect();
        let (mut p, mut t) = (0, 0);
        // Where the last `*` was, and how much of the text it has taken.
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match pattern.get(p) {
                Some('*') => {
                    star = Some((p, t));
                    p += 1;
                }
                Some('?') => {
                    p += 1;
                    t += 1;
                }
                Some(c) if *c == text[t] => {
                    p += 1;
                    t += 1;
                }
                _ => match star {
                    Some((star_p, star_t)) => {
                        p = star_p + 1;
                        t = star_t + 1;
                        star = Some((star_p, star_t + 1));
                    }
                    None => return false,
                },
            }
        }
        pattern[p..].iter().all(|c| *c == '*')
    }
}

/// One entry of the register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    /// Catalogue control ids, as the catalogue spells them.
    pub controls: Vec<&'static str>,
    pub resources: Vec<Glob>,
    /// Empty: every account.
    pub accounts: Vec<Glob>,
    /// Empty: every Region.
    pub regions: Vec<Glob>,
    pub reason: String,
    pub owner: String,
    pub approved_by: String,
    pub expires: Date,
    pub ticket: Option<String>,
}

impl Entry {
    pub fn covers_control(&self, control: &Control) -> bool {
        self.controls.contains(&control.id)
    }

    /// Whether the entry's globs match one of the resource's identifiers, and its account and
    /// Region lists (when it has them) the resource's. An entry limited to accounts or Regions
    /// does not cover a resource whose input does not say its account or Region.
    pub fn covers_resource(&self, resource: &Resource) -> bool {
        let within = |globs: &[Glob], value: &Option<String>| {
            globs.is_empty()
                || value
                    .as_deref()
                    .is_some_and(|v| globs.iter().any(|g| g.matches(v)))
        };
        within(&self.accounts, &resource.meta.account)
            && within(&self.regions, &resource.meta.region)
            && identifiers(resource)
                .iter()
                .any(|id| self.resources.iter().any(|g| g.matches(id)))
    }

    pub fn covers(&self, control: &Control, resource: &Resource) -> bool {
        self.covers_control(control) && self.covers_resource(resource)
    }

    pub fn is_expired(&self, today: Date) -> bool {
        self.expires < today
    }

    pub fn acceptance(&self) -> Acceptance {
        Acceptance {
            id: self.id.clone(),
            owner: self.owner.clone(),
            expires: self.expires,
            reason: self.reason.clone(),
        }
    }
}

/// Every identifier a resource has in its shape: the id its input knows it by (ARN, Config
/// resource id, CloudFormation logical id, Terraform address), its ARN, and its name (a task
/// definition's family and `family:revision`, a service's, cluster's or capacity provider's
/// name, a task set's id, a launch template's name).
pub fn identifiers(resource: &Resource) -> Vec<String> {
    let mut out = vec![resource.meta.resource_id.clone()];
    out.extend(resource.meta.arn.clone());
    let name = |field: &Field<String>| field.known().cloned();
    match &resource.body {
        Body::TaskDefinition(td) => {
            if let Some(family) = name(&td.family) {
                if let Some(revision) = td.revision {
                    out.push(format!("{family}:{revision}"));
                }
                out.push(family);
            }
        }
        Body::Service(s) => out.extend(name(&s.name)),
        Body::Cluster(c) => out.extend(name(&c.name)),
        Body::TaskSet(t) => out.extend(name(&t.id)),
        Body::CapacityProvider(c) => out.extend(name(&c.name)),
        Body::LaunchTemplate(t) => out.extend(name(&t.name)),
        Body::Role(_) | Body::Policy(_) | Body::Gone => {}
    }
    out.dedup();
    out
}

/// What a NON_COMPLIANT result carries when a register entry accepts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acceptance {
    pub id: String,
    pub owner: String,
    pub expires: Date,
    pub reason: String,
}

impl Acceptance {
    /// `accepted (EXC-12, until 2027-06-30)`.
    pub fn label(&self) -> String {
        format!("accepted ({}, until {})", self.id, self.expires)
    }

    /// The annotation AWS Config shows: `Accepted risk EXC-12 until 2027-06-30: <annotation>`,
    /// 256 characters at most.
    pub fn annotate(&self, annotation: Option<&str>) -> String {
        fit(format!(
            "{ANNOTATION_PREFIX}{} until {}: {}",
            self.id,
            self.expires,
            annotation.unwrap_or("")
        ))
    }
}

/// The entry id and expiry an annotation written by [`Acceptance::annotate`] names.
pub fn accepted_in_annotation(annotation: &str) -> Option<(String, Date)> {
    let rest = annotation.strip_prefix(ANNOTATION_PREFIX)?;
    let (id, rest) = rest.split_once(" until ")?;
    let date = Date::parse(rest.get(..10)?)?;
    (rest.get(10..11) == Some(":") && !id.is_empty() && !id.contains(' '))
        .then(|| (id.to_string(), date))
}

/// The decision on one control's result on one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision<'a> {
    /// NON_COMPLIANT, and accepted risk by this entry.
    Accepted(&'a Entry),
    /// Nothing in the register is about it (or the result is not NON_COMPLIANT).
    NotExcepted,
    /// The resource names an entry the register does not have.
    UnknownEntry(&'a str),
    /// The entry that would accept it has expired.
    Expired(&'a Entry),
    /// The entry the resource names does not cover this control or this resource.
    NotCovered(&'a Entry),
}

impl Decision<'_> {
    pub fn acceptance(&self) -> Option<Acceptance> {
        match self {
            Decision::Accepted(entry) => Some(entry.acceptance()),
            _ => None,
        }
    }
}

/// The register with the date it is judged on: what every surface holds.
#[derive(Clone, Copy, Debug)]
pub struct InForce<'a> {
    pub register: &'a Register,
    pub today: Date,
}

impl<'a> InForce<'a> {
    pub fn decide(
        &self,
        verdict: Verdict,
        control: &Control,
        resource: &'a Resource,
    ) -> Decision<'a> {
        decide(verdict, control, resource, self.register, self.today)
    }
}

/// The one decision: a control's `verdict` on `resource`, the register, the entries the
/// resource names, and `today`. Only a NON_COMPLIANT result can be accepted; it is, when an
/// entry that has not expired covers the control and the resource (whether or not the resource
/// names it). Otherwise the decision says why not, most specific first: an entry the resource
/// names for this control has expired or does not list the resource; an entry covering it by
/// its globs has expired; the resource names an entry that does not exist; the entries it
/// names are for other controls.
pub fn decide<'a>(
    verdict: Verdict,
    control: &Control,
    resource: &'a Resource,
    register: &'a Register,
    today: Date,
) -> Decision<'a> {
    if verdict != Verdict::NonCompliant {
        return Decision::NotExcepted;
    }
    let covering: Vec<&Entry> = register
        .entries
        .iter()
        .filter(|e| e.covers(control, resource))
        .collect();
    if let Some(active) = covering.iter().find(|e| !e.is_expired(today)) {
        return Decision::Accepted(active);
    }
    let named: Vec<(&'a str, Option<&'a Entry>)> = resource
        .meta
        .exceptions
        .iter()
        .map(|r| (r.id.as_str(), register.find(&r.id)))
        .collect();
    for (_, entry) in &named {
        if let Some(entry) = entry.filter(|e| e.covers_control(control)) {
            return if entry.is_expired(today) {
                Decision::Expired(entry)
            } else {
                Decision::NotCovered(entry)
            };
        }
    }
    if let Some(expired) = covering.first() {
        return Decision::Expired(expired);
    }
    if let Some((id, _)) = named.iter().find(|(_, entry)| entry.is_none()) {
        return Decision::UnknownEntry(id);
    }
    match named.iter().find_map(|(_, entry)| *entry) {
        Some(entry) => Decision::NotCovered(entry),
        None => Decision::NotExcepted,
    }
}

/// What is wrong with the entries a resource names, whatever the control: each becomes a
/// warning on the resource.
pub fn reference_warnings(resource: &Resource, in_force: &InForce<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for ExceptionRef { id, source } in &resource.meta.exceptions {
        let source = source.describe();
        match in_force.register.find(id) {
            None => out.push(format!(
                "{source} names {id}, which is not in the exception register: it has no effect"
            )),
            Some(entry) if entry.is_expired(in_force.today) => out.push(format!(
                "{source} names {id}, which expired on {}: it no longer counts",
                entry.expires
            )),
            Some(entry) if !entry.covers_resource(resource) => out.push(format!(
                "{source} names {id}, whose resources, accounts or Regions do not include this \
                 resource: it has no effect here"
            )),
            Some(_) => {}
        }
    }
    out
}

/// Warnings for the `resources` globs that match none of an input's resource identifiers
/// ([`identifiers`] of each; a typo, or a resource that is gone):
/// `EXC-12: resources "payments-*" matches no resource of the input`.
pub fn unmatched_globs(register: &Register, identifiers: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for entry in &register.entries {
        for glob in &entry.resources {
            if !identifiers.iter().any(|id| glob.matches(id)) {
                out.push(format!(
                    "{}: resources {:?} matches no resource of the input",
                    entry.id,
                    glob.as_str()
                ));
            }
        }
    }
    out
}

/// The exception register.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Register {
    entries: Vec<Entry>,
    max_lifetime_days: i64,
}

/// A register that cannot be used: every problem, each naming the entry and field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {}", problems.join("; "))]
pub struct RegisterError {
    /// The file, or where the Lambdas read it from.
    pub source_name: String,
    pub problems: Vec<String>,
}

const ENTRY_KEYS: [&str; 10] = [
    "id",
    "controls",
    "resources",
    "accounts",
    "regions",
    "reason",
    "owner",
    "approvedBy",
    "expires",
    "ticket",
];

impl Register {
    /// The register of a file's text (YAML or JSON).
    pub fn from_text(
        text: &str,
        syntax: Syntax,
        source_name: &str,
        today: Date,
    ) -> Result<Register, RegisterError> {
        let value = load(text, syntax).map_err(|e| RegisterError {
            source_name: source_name.to_string(),
            problems: vec![e.to_string()],
        })?;
        Register::from_value(&value, source_name, today)
    }

    /// The register of a decoded document `{maxLifetimeDays?, exceptions: [entry, ..]}`. Every
    /// problem is reported at once: an unknown control, a missing or malformed field, an
    /// `expires` that is not a date or lies beyond the maximum lifetime from `today`, a
    /// duplicate id. An entry that has already expired is valid: it no longer counts.
    pub fn from_value(
        value: &Value,
        source_name: &str,
        today: Date,
    ) -> Result<Register, RegisterError> {
        let mut problems = Vec::new();
        let fail = |problems: Vec<String>| RegisterError {
            source_name: source_name.to_string(),
            problems,
        };
        let Some(root) = value.as_object() else {
            return Err(fail(vec![
                "the register must be an object with an `exceptions` list".into(),
            ]));
        };
        for key in root.keys() {
            if !["exceptions", "maxLifetimeDays", "$schema"].contains(&key.as_str()) {
                problems.push(format!(
                    "{key}: unknown key (expected exceptions, maxLifetimeDays)"
                ));
            }
        }
        let max_lifetime_days = match root.get("maxLifetimeDays") {
            None => DEFAULT_MAX_LIFETIME_DAYS,
            Some(days) => match days.as_i64().filter(|d| *d >= 1) {
                Some(days) => days,
                None => {
                    problems.push(format!(
                        "maxLifetimeDays: expected a whole number of days, at least 1, found {days}"
                    ));
                    DEFAULT_MAX_LIFETIME_DAYS
                }
            },
        };
        let items = match root.get("exceptions") {
            Some(Value::Array(items)) => items.as_slice(),
            Some(Value::Null) | None => &[],
            Some(_) => {
                problems.push("exceptions: expected a list of entries".into());
                &[]
            }
        };
        let latest = today.add_days(max_lifetime_days);
        let mut entries = Vec::new();
        let mut seen = BTreeSet::new();
        for (index, item) in items.iter().enumerate() {
            let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
            let at = if id.is_empty() {
                format!("exceptions[{index}]")
            } else {
                format!("exceptions[{index}] ({id})")
            };
            match read_entry(item, &at, today, latest, max_lifetime_days) {
                Ok(entry) => {
                    if !seen.insert(entry.id.clone()) {
                        problems.push(format!(
                            "{at}.id: {} is used by an earlier entry; ids must be unique",
                            entry.id
                        ));
                    }
                    entries.push(entry);
                }
                Err(found) => problems.extend(found),
            }
        }
        if problems.is_empty() {
            Ok(Register {
                entries,
                max_lifetime_days,
            })
        } else {
            Err(fail(problems))
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn find(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    pub fn max_lifetime_days(&self) -> i64 {
        self.max_lifetime_days
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries still in force that expire within `days` of `today`, soonest first.
    pub fn expiring_within(&self, today: Date, days: i64) -> Vec<&Entry> {
        let mut soon: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| !e.is_expired(today) && today.days_until(e.expires) <= days)
            .collect();
        soon.sort_by_key(|e| e.expires);
        soon
    }
}

fn read_entry(
    item: &Value,
    at: &str,
    today: Date,
    latest: Date,
    max_lifetime_days: i64,
) -> Result<Entry, Vec<String>> {
    let mut problems = Vec::new();
    let Some(object) = item.as_object() else {
        return Err(vec![format!("{at}: an entry must be an object")]);
    };
    for key in object.keys() {
        if !ENTRY_KEYS.contains(&key.as_str()) {
            problems.push(format!(
                "{at}.{key}: unknown field (expected {})",
                ENTRY_KEYS.join(", ")
            ));
        }
    }
    let mut text = |field: &str, required: bool| -> Option<String> {
        match object.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            None | Some(Value::Null) if !required => None,
            None | Some(Value::Null) => {
                problems.push(format!("{at}.{field}: missing (required)"));
                None
            }
            Some(other) => {
                problems.push(format!(
                    "{at}.{field}: expected a non-empty string, found {other}"
                ));
                None
            }
        }
    };
    let id = text("id", true);
    let reason = text("reason", true);
    let owner = text("owner", true);
    let approved_by = text("approvedBy", true);
    let ticket = text("ticket", false);
    let expires_text = text("expires", true);
    let mut list = |field: &str, required: bool| -> Vec<String> {
        match object.get(field) {
            Some(Value::Array(items))
                if !items.is_empty()
                    && items
                        .iter()
                        .all(|i| i.as_str().is_some_and(|s| !s.trim().is_empty())) =>
            {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|s| s.trim().to_string())
                    .collect()
            }
            None | Some(Value::Null) if !required => Vec::new(),
            None | Some(Value::Null) => {
                problems.push(format!("{at}.{field}: missing (required)"));
                Vec::new()
            }
            Some(_) => {
                problems.push(format!(
                    "{at}.{field}: expected a non-empty list of non-empty strings"
                ));
                Vec::new()
            }
        }
    };
    let control_ids = list("controls", true);
    let resources = list("resources", true);
    let accounts = list("accounts", false);
    let regions = list("regions", false);
    let mut controls = Vec::new();
    for id in &control_ids {
        match catalogue::find(id) {
            Some(control) => controls.push(control.id),
            None => problems.push(format!(
                "{at}.controls: no control {id:?} in the catalogue (`ecs-harden controls` lists them)"
            )),
        }
    }
    let expires = expires_text.and_then(|text| match Date::parse(&text) {
        None => {
            problems.push(format!("{at}.expires: {text:?} is not a date (YYYY-MM-DD)"));
            None
        }
        Some(date) if date > latest => {
            problems.push(format!(
                "{at}.expires: {date} is more than {max_lifetime_days} days after today ({today}); \
                 the latest allowed is {latest}"
            ));
            None
        }
        Some(date) => Some(date),
    });
    match (id, reason, owner, approved_by, expires) {
        (Some(id), Some(reason), Some(owner), Some(approved_by), Some(expires))
            if problems.is_empty() =>
        {
            Ok(Entry {
                id,
                controls,
                resources: resources.into_iter().map(Glob::new).collect(),
                accounts: accounts.into_iter().map(Glob::new).collect(),
                regions: regions.into_iter().map(Glob::new).collect(),
                reason,
                owner,
                approved_by,
                expires,
                ticket,
            })
        }
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests;
