//! The AWS configuration every binary of the project starts from: the rule and gate Lambdas,
//! `ecs-harden scan` and `ecs-harden evidence`.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider, TlsContext, TrustStore};

/// The usual credential and Region chain (environment, profiles, `AWS_ENDPOINT_URL`), rustls on
/// ring for TLS with the platform's trusted root certificates (a corporate proxy's own root
/// included), the given retries, and timeouts so that a connection that hangs is cut off and
/// retried instead of eating a deadline. For the command line.
pub fn config_loader(retry: RetryConfig) -> aws_config::ConfigLoader {
    loader(retry, TrustStore::default())
}

/// [`config_loader`] for a Lambda, loaded: the same chain, trusting only the roots AWS
/// endpoints chain to ([`aws_roots`]), built into the binary, instead of reading and parsing the
/// platform's whole certificate bundle and directory at every cold start. In the China Regions
/// (`cn-*`), whose endpoints local operators run, the platform's roots as on the command line.
pub async fn load(retry: RetryConfig) -> aws_config::SdkConfig {
    let china = std::env::var("AWS_REGION").is_ok_and(|region| region.starts_with("cn-"));
    let roots = if china {
        TrustStore::default()
    } else {
        aws_roots()
    };
    loader(retry, roots).load().await
}

fn loader(retry: RetryConfig, roots: TrustStore) -> aws_config::ConfigLoader {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .tls_context(
            TlsContext::builder()
                .with_trust_store(roots)
                .build()
                .expect("a TLS context with a trust store and no other setting always builds"),
        )
        .build_https();
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .read_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(15))
        .build();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(retry)
        .timeout_config(timeouts)
}

/// Amazon Trust Services' roots, which AWS service endpoints chain to: Amazon Root CA 1 to 4 and
/// Starfield Services Root Certificate Authority - G2, as PEM. `cargo xtask codegen` takes them
/// from the Mozilla root program's set (`webpki-root-certs`) by their subject names.
const AWS_ROOTS_PEM: &str = include_str!("aws-roots.pem");

fn aws_roots() -> TrustStore {
    TrustStore::empty().with_pem_certificate(AWS_ROOTS_PEM)
}

#[cfg(test)]
mod tests {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;

    use super::AWS_ROOTS_PEM;

    /// The five roots, each once, and nothing else: the header lines are no certificate.
    #[test]
    fn the_lambdas_trust_the_five_amazon_trust_services_roots() {
        let certificates: Vec<CertificateDer> =
            CertificateDer::pem_slice_iter(AWS_ROOTS_PEM.as_bytes())
                .collect::<Result<_, _>>()
                .expect("aws-roots.pem is PEM");
        assert_eq!(certificates.len(), 5);
        let holding = |name: &str| {
            certificates
                .iter()
                .filter(|der| der.windows(name.len()).any(|w| w == name.as_bytes()))
                .count()
        };
        for n in 1..=4 {
            assert_eq!(
                holding(&format!("Amazon Root CA {n}")),
                1,
                "Amazon Root CA {n}"
            );
        }
        assert_eq!(
            holding("Starfield Services Root Certificate Authority - G2"),
            1
        );
    }
}
