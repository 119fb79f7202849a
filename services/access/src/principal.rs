//! Who a caller is and what they may do: roles, the permissions each role
//! grants, and the countries a principal may see. Pure data, no I/O.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// What a method or route needs. Each role is a set of these (see
/// [`Role::grants`]); nothing is granted by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// Crossings, their windows and figures.
    ReadFigures,
    /// Anomalies with their evidence, and the anomaly watch stream.
    ReadAnomalies,
    /// Watchlist and lost/stolen entries (pseudonymous keys).
    ReadReference,
    /// Adding and removing watchlist and lost/stolen entries.
    WriteReference,
    /// Registering and changing crossings.
    WriteRegistry,
    /// The audit trail.
    ReadAudit,
    /// Published statistics (aggregate, under disclosure control) and
    /// their export.
    ReadStatistics,
    /// The stream of protection referrals (minimal data, no identities).
    WatchReferrals,
    /// Acting on anomalies: acknowledging, escalating, dismissing,
    /// closing, assigning and noting them (their triage).
    TriageAnomalies,
}

impl Permission {
    pub const ALL: [Permission; 9] = [
        Self::ReadFigures,
        Self::ReadAnomalies,
        Self::ReadReference,
        Self::WriteReference,
        Self::WriteRegistry,
        Self::ReadAudit,
        Self::ReadStatistics,
        Self::WatchReferrals,
        Self::TriageAnomalies,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::ReadFigures => "read-figures",
            Self::ReadAnomalies => "read-anomalies",
            Self::ReadReference => "read-reference",
            Self::WriteReference => "write-reference",
            Self::WriteRegistry => "write-registry",
            Self::ReadAudit => "read-audit",
            Self::ReadStatistics => "read-statistics",
            Self::WatchReferrals => "watch-referrals",
            Self::TriageAnomalies => "triage-anomalies",
        }
    }
}

/// The roles a deployment assigns (through a token claim or a client
/// certificate's entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Crossing figures and windows.
    Viewer,
    /// The operators: figures, and anomalies with their evidence, which
    /// they triage.
    Analyst,
    /// Watchlist and lost/stolen lists.
    ReferenceAdmin,
    /// The crossing registry (and the figures to manage it by).
    RegistryAdmin,
    /// The audit trail, nothing else.
    Auditor,
    /// What a training scenario needs: it registers its network, plants its
    /// reference entries and reads back figures and anomalies to score them.
    Trainer,
    /// A statistics office: the published statistics and their export,
    /// nothing live, no anomalies.
    Statistician,
    /// The asylum authority: the referrals to it, of its countries, and
    /// nothing else. Each partner sees only the referrals to its own
    /// service.
    AsylumPartner,
    /// Child protection services: the referrals to them.
    ChildProtectionPartner,
    /// The anti-trafficking referral mechanism: the referrals to it.
    AntiTraffickingPartner,
    /// Medical care: the referrals to it.
    MedicalPartner,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Self::Viewer,
        Self::Analyst,
        Self::ReferenceAdmin,
        Self::RegistryAdmin,
        Self::Auditor,
        Self::Trainer,
        Self::Statistician,
        Self::AsylumPartner,
        Self::ChildProtectionPartner,
        Self::AntiTraffickingPartner,
        Self::MedicalPartner,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Analyst => "analyst",
            Self::ReferenceAdmin => "reference-admin",
            Self::RegistryAdmin => "registry-admin",
            Self::Auditor => "auditor",
            Self::Trainer => "trainer",
            Self::Statistician => "statistician",
            Self::AsylumPartner => "asylum-partner",
            Self::ChildProtectionPartner => "child-protection-partner",
            Self::AntiTraffickingPartner => "anti-trafficking-partner",
            Self::MedicalPartner => "medical-partner",
        }
    }

    /// The permissions this role grants: least privilege, each role only
    /// what its work needs.
    pub fn grants(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Self::Viewer => &[ReadFigures, ReadStatistics],
            Self::Analyst => &[ReadFigures, ReadAnomalies, ReadStatistics, TriageAnomalies],
            Self::ReferenceAdmin => &[ReadReference, WriteReference],
            Self::RegistryAdmin => &[ReadFigures, WriteRegistry],
            Self::Auditor => &[ReadAudit],
            Self::Trainer => &[
                ReadFigures,
                ReadAnomalies,
                ReadStatistics,
                WriteReference,
                WriteRegistry,
            ],
            Self::Statistician => &[ReadStatistics],
            Self::AsylumPartner
            | Self::ChildProtectionPartner
            | Self::AntiTraffickingPartner
            | Self::MedicalPartner => &[WatchReferrals],
        }
    }

    /// The service whose referrals a partner role sees, by the contract's
    /// `ReferralCategory` label; `None` for every other role.
    pub fn referral_service(self) -> Option<&'static str> {
        match self {
            Self::AsylumPartner => Some("asylum_authority"),
            Self::ChildProtectionPartner => Some("child_protection"),
            Self::AntiTraffickingPartner => Some("anti_trafficking"),
            Self::MedicalPartner => Some("medical"),
            Self::Viewer
            | Self::Analyst
            | Self::ReferenceAdmin
            | Self::RegistryAdmin
            | Self::Auditor
            | Self::Trainer
            | Self::Statistician => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|r| r.name()).collect();
                format!("unknown role {s:?}; roles are {}", names.join(", "))
            })
    }
}

/// The countries a principal may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every country (the claim value `*`).
    All,
    /// ISO 3166-1 alpha-3 codes; empty means nothing country-bound.
    Countries(BTreeSet<String>),
}

impl Scope {
    /// The wildcard claim value.
    pub const ALL_COUNTRIES: &'static str = "*";

    /// From claim values: `*` anywhere means every country; codes are
    /// upper-cased.
    pub fn from_values<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut countries = BTreeSet::new();
        for value in values {
            let value = value.as_ref().trim();
            if value == Self::ALL_COUNTRIES {
                return Self::All;
            }
            if !value.is_empty() {
                countries.insert(value.to_ascii_uppercase());
            }
        }
        Self::Countries(countries)
    }

    /// Whether a resource of `country` is in scope. A resource whose
    /// country is not known (empty) is in scope of `All` only.
    pub fn covers(&self, country: &str) -> bool {
        match self {
            Self::All => true,
            Self::Countries(set) => !country.is_empty() && set.contains(country),
        }
    }

    pub fn is_all(&self) -> bool {
        matches!(self, Self::All)
    }

    /// The claim values, for audit records and the dashboard.
    pub fn values(&self) -> Vec<String> {
        match self {
            Self::All => vec![Self::ALL_COUNTRIES.to_owned()],
            Self::Countries(set) => set.iter().cloned().collect(),
        }
    }
}

/// How the principal proved who it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// A bearer JWT verified against the deployment's JWKS.
    Jwt,
    /// A client certificate listed in the principals file.
    Mtls,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Self::Jwt => "jwt",
            Self::Mtls => "mtls",
        }
    }
}

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The token's subject, or the certificate entry's name.
    pub subject: String,
    /// A human name to show, when the token carries one.
    pub display_name: String,
    pub roles: BTreeSet<Role>,
    pub scope: Scope,
    pub method: Method,
    /// Seconds since the epoch when the credential stops being valid
    /// (a token's `exp`); `None` for certificates.
    pub expires_at: Option<u64>,
}

impl Principal {
    pub fn may(&self, permission: Permission) -> bool {
        self.roles.iter().any(|r| r.grants().contains(&permission))
    }

    /// The first of the principal's roles that grants `permission`, for
    /// metrics labels.
    pub fn role_for(&self, permission: Permission) -> Option<Role> {
        self.roles
            .iter()
            .copied()
            .find(|r| r.grants().contains(&permission))
    }

    /// Every permission the principal's roles grant.
    pub fn permissions(&self) -> BTreeSet<Permission> {
        self.roles
            .iter()
            .flat_map(|r| r.grants().iter().copied())
            .collect()
    }

    pub fn role_names(&self) -> Vec<String> {
        self.roles.iter().map(|r| r.name().to_owned()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(roles: &[Role], scope: Scope) -> Principal {
        Principal {
            subject: "someone".into(),
            display_name: String::new(),
            roles: roles.iter().copied().collect(),
            scope,
            method: Method::Jwt,
            expires_at: None,
        }
    }

    #[test]
    fn roles_grant_only_their_own_permissions() {
        let viewer = principal(&[Role::Viewer], Scope::All);
        assert!(viewer.may(Permission::ReadFigures));
        for denied in [
            Permission::ReadAnomalies,
            Permission::ReadReference,
            Permission::WriteReference,
            Permission::WriteRegistry,
            Permission::ReadAudit,
        ] {
            assert!(!viewer.may(denied), "{denied:?}");
        }
        let auditor = principal(&[Role::Auditor], Scope::All);
        assert_eq!(
            auditor.permissions().into_iter().collect::<Vec<_>>(),
            vec![Permission::ReadAudit]
        );
        let nobody = principal(&[], Scope::All);
        assert!(Permission::ALL.iter().all(|p| !nobody.may(*p)));
        let both = principal(&[Role::Viewer, Role::ReferenceAdmin], Scope::All);
        assert_eq!(
            both.role_for(Permission::WriteReference),
            Some(Role::ReferenceAdmin)
        );
    }

    #[test]
    fn scopes_cover_their_countries_and_unknown_ones_only_for_all() {
        let kgz = Scope::from_values(["kgz", " "]);
        assert!(kgz.covers("KGZ"));
        assert!(!kgz.covers("KAZ"));
        assert!(
            !kgz.covers(""),
            "a crossing of unknown country is not in a country scope"
        );
        assert!(Scope::from_values(["KGZ", "*"]).covers(""));
        assert_eq!(
            Scope::from_values(Vec::<String>::new()),
            Scope::Countries(BTreeSet::new())
        );
        assert!(!Scope::from_values(Vec::<String>::new()).covers("KGZ"));
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.name().parse::<Role>(), Ok(role));
        }
        assert!(
            "admin"
                .parse::<Role>()
                .unwrap_err()
                .contains("reference-admin")
        );
    }
}
