//! AWS Config custom rule `ecs-harden-task-no-host-network`: ECS.17, ECS task definitions should not use host network mode.
//! Scaffolded by `cargo xtask new-control ECS.17`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.17")
}
