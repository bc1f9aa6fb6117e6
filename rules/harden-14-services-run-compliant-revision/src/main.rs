//! AWS Config custom rule `ecs-harden-services-run-compliant-revision`: HARDEN.14, ECS services should run a task definition revision that passes the gate's controls.
//! Scaffolded by `cargo xtask new-control HARDEN.14`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.14")
}
