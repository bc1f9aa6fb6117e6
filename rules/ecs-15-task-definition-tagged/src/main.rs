//! AWS Config custom rule `ecs-harden-task-definition-tagged`: ECS.15, ECS task definitions should be tagged.
//! Scaffolded by `cargo xtask new-control ECS.15`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.15")
}
