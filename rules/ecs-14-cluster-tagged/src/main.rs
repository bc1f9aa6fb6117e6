//! AWS Config custom rule `ecs-harden-cluster-tagged`: ECS.14, ECS clusters should be tagged.
//! Scaffolded by `cargo xtask new-control ECS.14`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.14")
}
