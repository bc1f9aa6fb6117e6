//! AWS Config custom rule `ecs-harden-service-connect-tls`: HARDEN.8, ECS Service Connect endpoints should use TLS.
//! Scaffolded by `cargo xtask new-control HARDEN.8`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.8")
}
