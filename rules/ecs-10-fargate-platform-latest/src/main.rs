//! AWS Config custom rule `ecs-harden-fargate-platform-latest`: ECS.10, ECS Fargate services should run on the latest Fargate platform version.
//! Scaffolded by `cargo xtask new-control ECS.10`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.10")
}
