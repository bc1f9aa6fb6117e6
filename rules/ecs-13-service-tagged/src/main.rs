//! AWS Config custom rule `ecs-harden-service-tagged`: ECS.13, ECS services should be tagged.
//! Scaffolded by `cargo xtask new-control ECS.13`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.13")
}
