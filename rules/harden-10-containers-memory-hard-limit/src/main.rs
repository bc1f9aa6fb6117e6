//! AWS Config custom rule `ecs-harden-containers-memory-hard-limit`: HARDEN.10, ECS containers should have a memory hard limit.
//! Scaffolded by `cargo xtask new-control HARDEN.10`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.10")
}
