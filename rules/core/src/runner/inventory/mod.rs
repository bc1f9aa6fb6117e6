//! An account's ECS resources in one Region, each handed to a sink as it is described: used by
//! periodic Config rule runs (one resource type) and by `ecs-harden scan` (all of them).
//!
//! Every type is read through the ECS API today (`ecs.rs`): listings page by page, describes in
//! the largest batches the API takes, at most `concurrency` requests in flight, every request
//! through the [`Caller`]. What does not depend on where the documents come from is in
//! `shared.rs`: the documents ([`Listed`]), which task definition revisions are evaluated
//! ([`latest_revisions`]), failures and progress — so that a second source (AWS Config's own
//! inventory, where the recorder records the type) can sit beside `ecs.rs`, use `shared.rs` the
//! same way, and be chosen per type in [`inventory`]. Within this module: `ecs` uses `shared`;
//! this file uses both.

mod ecs;
mod shared;

pub use shared::{
    family_and_revision, latest_revisions, Failed, Inventory, Listed, Progress, Sink, Stage,
    Superseded, CLUSTERS_PER_DESCRIBE, DEFAULT_CONCURRENCY, SERVICES_PER_DESCRIBE,
};

use super::io::{ApiError, Clock, EcsApi};
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
