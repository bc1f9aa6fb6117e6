//! AWS Config custom rule `ecs-harden-cluster-container-insights`: ECS.12, ECS clusters should use Container Insights.
//! Scaffolded by `cargo xtask new-control ECS.12`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.12")
}
