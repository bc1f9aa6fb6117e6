//! The exception register as the rule Lambdas and the gate read it: one object in a versioned
//! S3 bucket of the central account, named by `ECS_HARDEN_EXCEPTIONS` (`s3://<bucket>/<key>`).
//! A container reads it at its first invocation and again at the first invocation after
//! [`CACHE_TTL`], so a new register takes effect within minutes without touching the
//! functions. A register that cannot be read or is invalid counts as no register at all: no
//! violation is accepted, every failure is logged with the object and what is wrong, and the
//! read is tried again after [`RETRY_AFTER_FAILURE`].

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ecs_harden_core::contract;
use ecs_harden_core::exceptions::{Date, Register};
use ecs_harden_core::parse::Syntax;

use crate::errors::{api_error, explain, CallContext};

/// How long a container keeps the register it read: a change to the register (a new entry, a
/// revoked one) reaches every function within this time; a container reads at most one object
/// per this time. Expiry needs no re-read: entries are judged on each invocation's date.
pub const CACHE_TTL: Duration = Duration::from_secs(300);

/// How long a container keeps "no register" after a failed read before trying again.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);

/// Where the register lives: `s3://<bucket>/<key>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub bucket: String,
    pub key: String,
}

impl Location {
    pub fn parse(value: &str) -> Result<Location, String> {
        let malformed = || {
            format!(
                "{}: {value:?} is not s3://<bucket>/<key>",
                contract::EXCEPTIONS.name
            )
        };
        let rest = value.trim().strip_prefix("s3://").ok_or_else(malformed)?;
        match rest.split_once('/') {
            Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => Ok(Location {
                bucket: bucket.to_string(),
                key: key.to_string(),
            }),
            _ => Err(malformed()),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// The register a container holds, and until when.
#[derive(Clone)]
struct Cached {
    register: Option<Arc<Register>>,
    until_millis: u64,
}

/// The register of `ECS_HARDEN_EXCEPTIONS`, cached per container.
pub struct Exceptions {
    source: Source,
    cached: Mutex<Option<Cached>>,
}

enum Source {
    /// Not set: the deployment has no register.
    Unset,
    /// Set to something that is not a location; logged at every read.
    Malformed(String),
    S3(aws_sdk_s3::Client, Location),
}

impl Exceptions {
    /// From the environment; `base` is the function's own SDK configuration (the register is
    /// in the function's account and Region). With an endpoint override (a local endpoint),
    /// S3 is addressed by path.
    pub fn from_environment(base: &aws_config::SdkConfig) -> Exceptions {
        let value = std::env::var(contract::EXCEPTIONS.name).unwrap_or_default();
        let source = if value.trim().is_empty() {
            Source::Unset
        } else {
            match Location::parse(&value) {
                Ok(location) => {
                    let config = aws_sdk_s3::config::Builder::from(base)
                        .force_path_style(base.endpoint_url().is_some())
                        .build();
                    Source::S3(aws_sdk_s3::Client::from_conf(config), location)
                }
                Err(problem) => Source::Malformed(problem),
            }
        };
        Exceptions {
            source,
            cached: Mutex::new(None),
        }
    }

    /// Where the register is read from, for the logs (empty when there is none).
    pub fn location(&self) -> String {
        match &self.source {
            Source::S3(_, location) => location.to_string(),
            Source::Unset | Source::Malformed(_) => String::new(),
        }
    }

    /// The register in force at `now_millis`: the cached one while it is fresh, else read
    /// again. `None` when the deployment has none, or it cannot be read or used (logged).
    pub async fn current(&self, now_millis: u64, calls: &CallContext) -> Option<Arc<Register>> {
        let (client, location) = match &self.source {
            Source::Unset => return None,
            Source::Malformed(problem) => {
                tracing::error!(
                    error = problem.as_str(),
                    "exception register not read: no exceptions apply; set {} to the location the deployment gives",
                    contract::EXCEPTIONS.name
                );
                return None;
            }
            Source::S3(client, location) => (client, location),
        };
        let today = Date::from_unix_millis(now_millis);
        self.cached_or(now_millis, read(client, location, today, calls))
            .await
    }

    /// The cached register while it is fresh at `now_millis`; else what `read` gives, kept
    /// for [`CACHE_TTL`] (a register) or [`RETRY_AFTER_FAILURE`] (none).
    async fn cached_or(
        &self,
        now_millis: u64,
        read: impl std::future::Future<Output = Option<Register>>,
    ) -> Option<Arc<Register>> {
        if let Some(cached) = self.lock().as_ref() {
            if now_millis < cached.until_millis {
                return cached.register.clone();
            }
        }
        let (register, keep) = match read.await {
            Some(register) => (Some(Arc::new(register)), CACHE_TTL),
            None => (None, RETRY_AFTER_FAILURE),
        };
        *self.lock() = Some(Cached {
            register: register.clone(),
            until_millis: now_millis.saturating_add(keep.as_millis() as u64),
        });
        register
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Cached>> {
        self.cached.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One read of the object, validated as `ecs-harden check --exceptions` validates a file.
/// Every failure is logged here, naming the object (and its version once known).
async fn read(
    client: &aws_sdk_s3::Client,
    location: &Location,
    today: Date,
    calls: &CallContext,
) -> Option<Register> {
    const APPLIES: &str = "exception register unusable: no exceptions apply until it is fixed";
    let object = match client
        .get_object()
        .bucket(&location.bucket)
        .key(&location.key)
        .send()
        .await
    {
        Ok(object) => object,
        Err(e) => {
            let error = api_error("s3:GetObject", e);
            let hint = explain(&error, calls);
            tracing::error!(location = %location, error = %error, hint = %hint, "{APPLIES}");
            return None;
        }
    };
    let version = object.version_id().unwrap_or("null").to_string();
    let source_name = format!("{location} (version {version})");
    let bytes = match object.body.collect().await {
        Ok(body) => body.into_bytes(),
        Err(e) => {
            tracing::error!(location = %location, version, error = %e, "{APPLIES}");
            return None;
        }
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        tracing::error!(
            location = %location,
            version,
            error = "the object is not UTF-8 text",
            "{APPLIES}"
        );
        return None;
    };
    let syntax = Syntax::for_file(&location.key, text);
    match Register::from_text(text, syntax, &source_name, today) {
        Ok(register) => {
            tracing::info!(
                location = %location,
                version,
                entries = register.entries().len(),
                cache_seconds = CACHE_TTL.as_secs(),
                "exception register read"
            );
            Some(register)
        }
        Err(e) => {
            tracing::error!(location = %location, version, error = %e, "{APPLIES}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    /// A register with one entry whose id says which read produced it.
    fn register(id: &str) -> Register {
        let text = format!(
            "exceptions:\n  - {{id: {id}, controls: [ECS.4], resources: [x], reason: r, owner: o, \
             approvedBy: a, expires: 1970-01-02}}\n"
        );
        Register::from_text(&text, Syntax::Yaml, "test", Date::from_unix_millis(0)).unwrap()
    }

    #[test]
    fn a_register_is_kept_for_the_cache_time_and_a_failed_read_for_less() {
        let exceptions = Exceptions {
            source: Source::Unset,
            cached: Mutex::new(None),
        };
        let reads = Cell::new(0);
        let current = |now: u64, found: Option<&str>| {
            let reads = &reads;
            let exceptions = &exceptions;
            block_on(async move {
                let read = async move {
                    reads.set(reads.get() + 1);
                    found.map(register)
                };
                exceptions
                    .cached_or(now, read)
                    .await
                    .map(|r| r.entries()[0].id.clone())
            })
        };
        let ttl = CACHE_TTL.as_millis() as u64;
        assert_eq!(current(1_000, Some("EXC-1")).as_deref(), Some("EXC-1"));
        // Within the cache time, a changed register is not read.
        assert_eq!(
            current(1_000 + ttl - 1, Some("EXC-2")).as_deref(),
            Some("EXC-1")
        );
        assert_eq!(reads.get(), 1);
        // Once it is stale, it is read again; a failed read means no register...
        assert_eq!(current(1_000 + ttl, None), None);
        assert_eq!(reads.get(), 2);
        let retry = 1_000 + ttl + RETRY_AFTER_FAILURE.as_millis() as u64;
        assert_eq!(current(retry - 1, Some("EXC-2")), None);
        assert_eq!(reads.get(), 2);
        // ...until the read is tried again.
        assert_eq!(current(retry, Some("EXC-2")).as_deref(), Some("EXC-2"));
        assert_eq!(reads.get(), 3);
    }

    #[test]
    fn locations_are_s3_urls_with_a_bucket_and_a_key() {
        assert_eq!(
            Location::parse(" s3://ecs-harden-exceptions/register/exceptions.yaml").unwrap(),
            Location {
                bucket: "ecs-harden-exceptions".into(),
                key: "register/exceptions.yaml".into(),
            }
        );
        for bad in [
            "ecs-harden/exceptions.yaml",
            "s3://bucket",
            "s3://bucket/",
            "s3:///key",
        ] {
            let problem = Location::parse(bad).unwrap_err();
            assert!(
                problem.starts_with("ECS_HARDEN_EXCEPTIONS: ")
                    && problem.ends_with("is not s3://<bucket>/<key>"),
                "{problem}"
            );
        }
    }
}
