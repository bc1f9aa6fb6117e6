//! An account's ECS resources in one Region, each handed to a sink as it is described: used by
//! periodic Config rule runs (one resource type) and by `ecs-harden scan` (all of them).
//!
//! The ECS types are read through the ECS API (`ecs.rs`, [`inventory`]): listings page by page,
//! describes in the largest batches the API takes, at most `concurrency` requests in flight,
//! every request through the [`Caller`]. Types the ECS API does not list (launch templates of
//! container instances) are read from AWS Config's own inventory (`config.rs`,
//! [`config_inventory`]) the same way. Where the configuration recorder records an ECS type,
//! a periodic run reads it from Config's record at Config's call floor instead (`recorded.rs`,
//! [`recorded_inventory`], chosen per type with [`records`]). What does not depend on where the
//! documents come from is in `shared.rs`: the documents ([`Listed`]), which task definition
//! revisions are evaluated ([`latest_revisions`]), failures and progress. Within this module:
//! `ecs`, `config` and `recorded` use `shared`; this file uses all four.

mod config;
mod ecs;
mod recorded;
mod shared;

pub use recorded::{recorders, records};

pub use shared::{
    family_and_revision, latest_revisions, Failed, Inventory, Listed, Progress, Sink, Stage,
    Superseded, CLUSTERS_PER_DESCRIBE, DEFAULT_CONCURRENCY, SERVICES_PER_DESCRIBE,
};

use super::io::{ApiError, Clock, ConfigApi, EcsApi};
use super::retry::Caller;
use crate::model::ResourceType;

/// Lists and describes every resource of `types`, handing each to `sink`. A listing that fails
/// for good (after its page's retries) fails the whole inventory: nothing of that type could be
/// known. A failed describe is recorded in [`Inventory::failed`] and the rest goes on.
pub async fn inventory<E: EcsApi, K: Clock>(
    ecs: &E,
    types: &[ResourceType],
    caller: &Caller<'_, K>,
    concurrency: usize,
    progress: &(dyn Fn(Progress) + Sync),
    sink: &mut Sink<'_>,
) -> Result<Inventory, ApiError> {
    ecs::EcsInventory {
        ecs,
        caller,
        concurrency: concurrency.max(1),
        progress,
    }
    .read(types, sink)
    .await
}

/// Lists every resource of `types` AWS Config has discovered (`ListDiscoveredResources`) and
/// reads their configuration items (`BatchGetResourceConfig`, a hundred at a time), handing
/// each to `sink`: the source for types the ECS API does not list. A listing that fails for
/// good fails the whole inventory; a batch that fails, or keys Config leaves unprocessed twice,
/// are recorded in [`Inventory::failed`] and the rest goes on.
pub async fn config_inventory<C: ConfigApi, K: Clock>(
    config: &C,
    types: &[ResourceType],
    caller: &Caller<'_, K>,
    concurrency: usize,
    progress: &(dyn Fn(Progress) + Sync),
    sink: &mut Sink<'_>,
) -> Result<Inventory, ApiError> {
    config::ConfigInventory {
        config,
        caller,
        concurrency: concurrency.max(1),
        progress,
    }
    .read(types, sink)
    .await
}

/// Every resource of `types`, ECS types the configuration recorder records, from AWS Config's
/// record: advanced query pages with each item's tags, and for task definitions the latest
/// ACTIVE revision of each family read a hundred at a time (`recorded.rs`). A query that fails
/// for good fails the whole inventory; a batch that fails is recorded in
/// [`Inventory::failed`].
pub async fn recorded_inventory<C: ConfigApi, K: Clock>(
    config: &C,
    types: &[ResourceType],
    caller: &Caller<'_, K>,
    concurrency: usize,
    progress: &(dyn Fn(Progress) + Sync),
    sink: &mut Sink<'_>,
) -> Result<Inventory, ApiError> {
    recorded::RecordedInventory {
        config,
        caller,
        concurrency: concurrency.max(1),
        progress,
    }
    .read(types, sink)
    .await
}
