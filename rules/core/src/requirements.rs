//! The framework requirements the catalogue maps to: their titles, and what the controls do
//! and do not cover of each. Evidence reports print this beside the results so that nobody
//! mistakes "every control passed" for "the requirement is met".

use crate::catalogue::{entries, Framework};

/// How much of a requirement the mapped controls can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// The controls test everything the requirement asks of ECS configuration, and ECS
    /// configuration is all the requirement asks about.
    Full,
    /// The controls test part of the requirement; `gap` names what other evidence is needed.
    Partial,
}

impl Coverage {
    pub fn label(self) -> &'static str {
        match self {
            Coverage::Full => "full",
            Coverage::Partial => "partial",
        }
    }
}

/// One requirement of a framework.
#[derive(Clone, Copy, Debug)]
pub struct Requirement {
    pub framework: Framework,
    pub id: &'static str,
    pub title: &'static str,
    pub coverage: Coverage,
    /// What the requirement needs beyond the ECS configuration these controls check.
    pub gap: &'static str,
}

const fn nist(id: &'static str, title: &'static str, gap: &'static str) -> Requirement {
    Requirement {
        framework: Framework::Nist80053R5,
        id,
        title,
        coverage: Coverage::Partial,
        gap,
    }
}

const fn pci(id: &'static str, title: &'static str, gap: &'static str) -> Requirement {
    Requirement {
        framework: Framework::PciDss4,
        id,
        title,
        coverage: Coverage::Partial,
        gap,
    }
}

const IAM_AND_PROCESS: &str = "IAM policies, account and role management, and the organization's access procedures are outside ECS configuration.";
const NETWORK: &str = "Security groups, routing, network ACLs, load balancers and VPC design decide the boundary; these controls only show that ECS tasks do not bypass it.";
const LOGGING: &str = "Log retention, protection, review and correlation happen in CloudWatch, CloudTrail and the SIEM, not in ECS configuration.";
const MONITORING: &str = "The monitoring strategy, alerting and who reviews findings are organizational; Container Insights and these Config rules are one input.";
const PATCHING: &str = "Image vulnerability scanning, patch timelines and rebuilding images are outside ECS configuration; the controls show only that the platform layer is current.";
const SUPPLY_CHAIN: &str = "Image signing, signature verification at deploy time and the provenance of what is in a registry need evidence from the build pipeline and registry.";

/// Every requirement a control of the catalogue maps to.
pub const REQUIREMENTS: &[Requirement] = &[
    pci("1.4.4", "System components that store cardholder data are not directly accessible from untrusted networks.", NETWORK),
    pci("2.2.4", "Only necessary services, protocols, daemons, and functions are enabled, and all unnecessary functionality is removed or disabled.", "Services, daemons and functions inside images and on hosts, and the justification of each enabled one, are outside ECS configuration."),
    pci("6.2.3", "Bespoke and custom software is reviewed prior to being released into production or to customers, to identify and correct potential coding vulnerabilities.", "Code review and its records are outside configuration; image scanning configured on the repositories shows only that known vulnerabilities in pushed images are looked for."),
    pci("6.2.4", "Software engineering techniques or other methods are defined and in use by software development personnel to prevent or mitigate common software attacks and related vulnerabilities in bespoke and custom software.", "Secure development practices are outside configuration; image scanning configured on the repositories is one technique among those the requirement asks for."),
    pci("6.3.3", "All system components are protected from known vulnerabilities by installing applicable security patches/updates.", PATCHING),
    pci("8.6.2", "Passwords/passphrases for application and system accounts are not hard coded in scripts, configuration/property files, or bespoke and custom source code.", "Source code, images and configuration outside task definitions (and the rotation of the secrets that replaced the values) need their own evidence."),
    pci("10.2.1.2", "Audit logs capture all actions taken by any individual with administrative access, including any interactive use of application or system accounts.", "Administrative actions outside ECS Exec (consoles, SSH to instances, CI/CD roles) and the review and retention of the logs need their own evidence."),
    nist("AC-2(1)", "Account Management | Automated System Account Management", IAM_AND_PROCESS),
    nist("AC-3", "Access Enforcement", IAM_AND_PROCESS),
    nist("AC-3(7)", "Access Enforcement | Role-based Access Control", IAM_AND_PROCESS),
    nist("AC-3(15)", "Access Enforcement | Discretionary and Mandatory Access Control", IAM_AND_PROCESS),
    nist("AC-4", "Information Flow Enforcement", NETWORK),
    nist("AC-4(21)", "Information Flow Enforcement | Physical or Logical Separation of Information Flows", NETWORK),
    nist("AC-4(26)", "Information Flow Enforcement | Audit Filtering Actions", LOGGING),
    nist("AC-5", "Separation of Duties", IAM_AND_PROCESS),
    nist("AC-6", "Least Privilege", IAM_AND_PROCESS),
    nist("AC-17", "Remote Access", "Who may start a session (IAM policies on ecs:ExecuteCommand and ssm:StartSession), the usage restrictions and other remote access paths are outside ECS configuration."),
    nist("AC-21", "Information Sharing", NETWORK),
    nist("AU-2", "Event Logging", LOGGING),
    nist("AU-3", "Content of Audit Records", LOGGING),
    nist("AU-6(3)", "Audit Record Review, Analysis, and Reporting | Correlate Audit Record Repositories", LOGGING),
    nist("AU-6(4)", "Audit Record Review, Analysis, and Reporting | Central Review and Analysis", LOGGING),
    nist("AU-9", "Protection of Audit Information", "Access policies, retention and integrity protection of the log groups and buckets are configured there, not in ECS."),
    nist("AU-10", "Non-repudiation", LOGGING),
    nist("AU-12", "Audit Record Generation", LOGGING),
    nist("CA-7", "Continuous Monitoring", MONITORING),
    nist("CA-9(1)", "Internal System Connections | Compliance Checks", "Connections outside ECS (databases, peered VPCs, on-premises links) need their own compliance checks."),
    nist("CM-2", "Baseline Configuration", "The documented baseline, its review cycle and configuration of other services are outside these controls."),
    nist("CM-8(1)", "System Component Inventory | Updates During Installation and Removal", "The inventory itself and the process that updates it are organizational; immutable image tags only keep a recorded tag pointing at the image it named."),
    nist("CM-6", "Configuration Settings", "Settings inside images and of services other than ECS, and the process that approves deviations, are outside these controls."),
    nist("CM-7", "Least Functionality", "Ports, protocols and software inside images are not visible in ECS configuration."),
    nist("CM-14", "Signed Components", SUPPLY_CHAIN),
    nist("IA-5(7)", "Authenticator Management | No Embedded Unencrypted Static Authenticators", "Authenticators embedded in images, code or other services' configuration are not visible here."),
    nist("RA-5", "Vulnerability Monitoring and Scanning", "Scanning of hosts and of what runs outside ECR, and the review and remediation of what scans find, need their own evidence; the rule shows only that repositories are configured to scan."),
    nist("SC-6", "Resource Availability", "Capacity planning, quotas and limits outside task definitions (service auto scaling, instance sizes) need their own evidence."),
    nist("SC-7", "Boundary Protection", NETWORK),
    nist("SC-7(3)", "Boundary Protection | Access Points", NETWORK),
    nist("SC-7(4)", "Boundary Protection | External Telecommunications Services", NETWORK),
    nist("SC-7(9)", "Boundary Protection | Restrict Threatening Outgoing Communications Traffic", NETWORK),
    nist("SC-7(11)", "Boundary Protection | Restrict Incoming Communications Traffic", NETWORK),
    nist("SC-7(16)", "Boundary Protection | Prevent Discovery of System Components", NETWORK),
    nist("SC-7(20)", "Boundary Protection | Dynamic Isolation and Segregation", NETWORK),
    nist("SC-7(21)", "Boundary Protection | Isolation of System Components", NETWORK),
    nist("SC-8", "Transmission Confidentiality and Integrity", "Traffic other than ECS Exec sessions, and the TLS of the applications themselves, are outside these controls."),
    nist("SC-12", "Cryptographic Key Establishment and Management", "Key policies, rotation and the lifecycle of the KMS keys are managed in KMS, not in ECS."),
    nist("SC-28(1)", "Protection of Information at Rest | Cryptographic Protection", "Data on EBS volumes, EFS, S3 and databases the tasks use is encrypted (or not) by those services."),
    nist("SI-2", "Flaw Remediation", PATCHING),
    nist("SI-2(2)", "Flaw Remediation | Automated Flaw Remediation Status", PATCHING),
    nist("SI-2(4)", "Flaw Remediation | Automated Patch Management Tools", PATCHING),
    nist("SI-2(5)", "Flaw Remediation | Automatic Software and Firmware Updates", PATCHING),
    nist("SI-7(8)", "Software, Firmware, and Information Integrity | Auditing Capability for Significant Events", LOGGING),
    nist("SR-11", "Component Authenticity", SUPPLY_CHAIN),
];

/// The requirement `id` of `framework`.
pub fn find(framework: Framework, id: &str) -> Option<&'static Requirement> {
    REQUIREMENTS
        .iter()
        .find(|r| r.framework == framework && r.id == id)
}

/// Requirements of `framework` that some control maps to, in the framework's own order
/// (numeric for PCI DSS, family then number for NIST).
pub fn mapped(framework: Framework) -> Vec<&'static Requirement> {
    let mut out: Vec<&'static Requirement> = REQUIREMENTS
        .iter()
        .filter(|r| r.framework == framework)
        .filter(|r| {
            entries().any(|e| {
                e.mappings()
                    .iter()
                    .any(|m| m.framework == framework && m.requirements.contains(&r.id))
            })
        })
        .collect();
    out.sort_by_key(|r| sort_key(r.id));
    out
}

/// `AC-3(15)` → ("AC", [3, 15]); `1.4.4` → ("", [1, 4, 4]).
fn sort_key(id: &str) -> (String, Vec<u32>) {
    let (family, rest) = match id.split_once('-') {
        Some((family, rest)) => (family.to_string(), rest),
        None => (String::new(), id),
    };
    let numbers = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .filter_map(|n| n.parse().ok())
        .collect();
    (family, numbers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mapped_requirement_has_a_title_and_a_coverage_statement() {
        for entry in entries() {
            for mapping in entry.mappings() {
                for id in mapping.requirements {
                    let requirement = find(mapping.framework, id).unwrap_or_else(|| {
                        panic!(
                            "{} maps to {} {id}, which requirements.rs does not describe",
                            entry.id(),
                            mapping.framework.name()
                        )
                    });
                    assert!(!requirement.title.is_empty() && !requirement.gap.is_empty());
                }
            }
        }
        for framework in Framework::ALL {
            let listed = REQUIREMENTS
                .iter()
                .filter(|r| r.framework == framework)
                .count();
            assert_eq!(
                mapped(framework).len(),
                listed,
                "{}: a requirement is described that no control maps to",
                framework.name()
            );
        }
    }

    #[test]
    fn requirements_sort_in_framework_order() {
        let ids: Vec<&str> = mapped(Framework::Nist80053R5)
            .iter()
            .map(|r| r.id)
            .collect();
        let ac3 = ids.iter().position(|i| *i == "AC-3").unwrap();
        let ac3_7 = ids.iter().position(|i| *i == "AC-3(7)").unwrap();
        let ac3_15 = ids.iter().position(|i| *i == "AC-3(15)").unwrap();
        let ac21 = ids.iter().position(|i| *i == "AC-21").unwrap();
        assert!(ac3 < ac3_7 && ac3_7 < ac3_15 && ac3_15 < ac21);
        assert_eq!(ids[0], "AC-2(1)");
    }
}
