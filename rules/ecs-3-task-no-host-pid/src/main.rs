//! AWS Config custom rule `ecs-harden-task-no-host-pid`: ECS.3, ECS task definitions should not share the host's process namespace.
//! Scaffolded by `cargo xtask new-control ECS.3`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.3")
}
