//! AWS Config custom rule `ecs-harden-containers-readonly-root`: ECS.5, ECS containers should be limited to read-only access to root filesystems.
//! Scaffolded by `cargo xtask new-control ECS.5`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.5")
}
