//! AWS Config custom rule `ecs-harden-service-ecs-exec-off`: HARDEN.12, ECS services should not turn on ECS Exec.
//! Scaffolded by `cargo xtask new-control HARDEN.12`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.12")
}
