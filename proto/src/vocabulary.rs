//! The contract's words, once: every anomaly kind's name, metric label and
//! scope, every severity's and document format's label, and parsing them
//! back. Matches are exhaustive, so a kind added to the proto does not
//! compile until it is named here; the services, the simulator's scorecard
//! and the dashboard (through the aggregator's API) all read this module.

mod triage;

use crate::analytics::v1::{AnomalyKind, Severity};
use crate::inspection::v1::{DocumentFormat, ReferralCategory};

/// What an anomaly kind is about, and so which part of the aggregator
/// detects it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KindScope {
    /// One inspection alone (per-event rules).
    Event,
    /// One travel document's history (per-document rules).
    Document,
    /// A crossing's traffic over event-time periods.
    Crossing,
    /// One booth (checkpoint) of a crossing.
    Booth,
    /// One officer among a crossing's officers.
    Officer,
    /// The two posts of a twin pair, reconciled.
    Pair,
}

impl KindScope {
    pub fn label(self) -> &'static str {
        match self {
            Self::Event => "event",
            Self::Document => "document",
            Self::Crossing => "crossing",
            Self::Booth => "booth",
            Self::Officer => "officer",
            Self::Pair => "pair",
        }
    }

    /// Raised by the per-crossing detectors (on windows, not on a record):
    /// matched to what caused them by crossing and time, not by event id.
    pub fn is_crossing_level(self) -> bool {
        match self {
            Self::Crossing | Self::Booth | Self::Officer | Self::Pair => true,
            Self::Event | Self::Document => false,
        }
    }
}

impl AnomalyKind {
    /// Every kind the contract defines, `Unspecified` excluded.
    pub const ALL: [AnomalyKind; 22] = [
        Self::MrzCheckDigit,
        Self::DocumentExpired,
        Self::LostStolenDocument,
        Self::WatchlistHit,
        Self::ImpossibleTravel,
        Self::DoubleEntry,
        Self::Overstay,
        Self::RepeatedRefusal,
        Self::MinorUnaccompanied,
        Self::BiometricMismatch,
        Self::FlowSurge,
        Self::FlowDrop,
        Self::SlowInspections,
        Self::QueueSla,
        Self::RefusalRateSpike,
        Self::NationalityMixShift,
        Self::OfficerOverride,
        Self::CheckpointSilent,
        Self::MassInflux,
        Self::TraffickingCase,
        Self::MirrorGap,
        Self::TransitDelay,
    ];

    /// The metric label: `flow_surge`, `checkpoint_silent`, …
    pub fn label(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::MrzCheckDigit => "mrz_check_digit",
            Self::DocumentExpired => "document_expired",
            Self::LostStolenDocument => "lost_stolen_document",
            Self::WatchlistHit => "watchlist_hit",
            Self::ImpossibleTravel => "impossible_travel",
            Self::DoubleEntry => "double_entry",
            Self::Overstay => "overstay",
            Self::RepeatedRefusal => "repeated_refusal",
            Self::MinorUnaccompanied => "minor_unaccompanied",
            Self::BiometricMismatch => "biometric_mismatch",
            Self::FlowSurge => "flow_surge",
            Self::FlowDrop => "flow_drop",
            Self::SlowInspections => "slow_inspections",
            Self::QueueSla => "queue_sla",
            Self::RefusalRateSpike => "refusal_rate_spike",
            Self::NationalityMixShift => "nationality_mix_shift",
            Self::OfficerOverride => "officer_override",
            Self::CheckpointSilent => "checkpoint_silent",
            Self::MassInflux => "mass_influx",
            Self::TraffickingCase => "trafficking_case",
            Self::MirrorGap => "mirror_gap",
            Self::TransitDelay => "transit_delay",
        }
    }

    /// The name operators and files use: `FLOW_SURGE` for
    /// `ANOMALY_KIND_FLOW_SURGE`.
    pub fn name(self) -> &'static str {
        let name = self.as_str_name();
        name.strip_prefix("ANOMALY_KIND_").unwrap_or(name)
    }

    /// What the kind is about. `Unspecified` is an event's (it never
    /// leaves a detector).
    pub fn scope(self) -> KindScope {
        match self {
            Self::Unspecified
            | Self::MrzCheckDigit
            | Self::DocumentExpired
            | Self::LostStolenDocument
            | Self::WatchlistHit
            | Self::MinorUnaccompanied
            | Self::BiometricMismatch => KindScope::Event,
            Self::ImpossibleTravel
            | Self::DoubleEntry
            | Self::Overstay
            | Self::RepeatedRefusal
            | Self::TraffickingCase => KindScope::Document,
            Self::FlowSurge
            | Self::FlowDrop
            | Self::SlowInspections
            | Self::QueueSla
            | Self::RefusalRateSpike
            | Self::NationalityMixShift
            | Self::MassInflux => KindScope::Crossing,
            Self::CheckpointSilent => KindScope::Booth,
            Self::OfficerOverride => KindScope::Officer,
            Self::MirrorGap | Self::TransitDelay => KindScope::Pair,
        }
    }

    /// The label of a kind as carried on the wire (unknown numbers are
    /// `unspecified`).
    pub fn label_of(kind: i32) -> &'static str {
        Self::try_from(kind).unwrap_or_default().label()
    }

    /// The name of a kind as carried on the wire.
    pub fn name_of(kind: i32) -> &'static str {
        Self::try_from(kind).unwrap_or_default().name()
    }

    /// A kind from its name, label or full proto name, in any case:
    /// `FLOW_SURGE`, `flow_surge`, `ANOMALY_KIND_FLOW_SURGE`.
    pub fn parse(text: &str) -> Option<Self> {
        let upper = text.trim().to_ascii_uppercase();
        let full = if upper.starts_with("ANOMALY_KIND_") {
            upper
        } else {
            format!("ANOMALY_KIND_{upper}")
        };
        Self::from_str_name(&full).filter(|k| *k != Self::Unspecified)
    }
}

impl Severity {
    /// The metric label: `info`, `low`, `medium`, `high`, `critical`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// The label of a severity as carried on the wire.
    pub fn label_of(severity: i32) -> &'static str {
        Self::try_from(severity).unwrap_or_default().label()
    }

    /// A severity from its label, full proto name or rank (`high`,
    /// `SEVERITY_HIGH`, `4`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(rank) = text.parse::<i32>() {
            return Self::try_from(rank).ok();
        }
        let upper = text.to_ascii_uppercase();
        Self::from_str_name(&upper).or_else(|| Self::from_str_name(&format!("SEVERITY_{upper}")))
    }
}

impl ReferralCategory {
    /// Every category the contract defines, `Unspecified` excluded.
    pub const ALL: [ReferralCategory; 4] = [
        Self::AsylumAuthority,
        Self::ChildProtection,
        Self::AntiTrafficking,
        Self::Medical,
    ];

    /// The metric label: `asylum_authority`, `child_protection`, …
    pub fn label(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::AsylumAuthority => "asylum_authority",
            Self::ChildProtection => "child_protection",
            Self::AntiTrafficking => "anti_trafficking",
            Self::Medical => "medical",
        }
    }

    /// A category from its label or full proto name, in any case.
    pub fn parse(text: &str) -> Option<Self> {
        let upper = text.trim().to_ascii_uppercase();
        let full = if upper.starts_with("REFERRAL_CATEGORY_") {
            upper
        } else {
            format!("REFERRAL_CATEGORY_{upper}")
        };
        Self::from_str_name(&full).filter(|c| *c != Self::Unspecified)
    }
}

impl DocumentFormat {
    /// The metric label: `td1`, `td3`, `mrv_a`, … (`unknown` unspecified).
    pub fn label(self) -> &'static str {
        match self {
            Self::Td1 => "td1",
            Self::Td2 => "td2",
            Self::Td3 => "td3",
            Self::MrvA => "mrv_a",
            Self::MrvB => "mrv_b",
            Self::Fields => "fields",
            Self::Unspecified => "unknown",
        }
    }

    /// The label of a format as carried on the wire.
    pub fn label_of(format: i32) -> &'static str {
        Self::try_from(format).unwrap_or_default().label()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_once_with_its_own_words() {
        let mut labels = std::collections::HashSet::new();
        for number in 1..=(AnomalyKind::ALL.len() as i32 + 1) {
            let Ok(kind) = AnomalyKind::try_from(number) else {
                assert_eq!(
                    number,
                    AnomalyKind::ALL.len() as i32 + 1,
                    "numbers are dense"
                );
                continue;
            };
            assert!(
                AnomalyKind::ALL.contains(&kind),
                "{kind:?} missing from ALL"
            );
            assert!(labels.insert(kind.label()), "{kind:?} label reused");
            assert_eq!(kind.label(), kind.name().to_ascii_lowercase());
            assert_eq!(AnomalyKind::parse(kind.name()), Some(kind));
            assert_eq!(AnomalyKind::parse(kind.label()), Some(kind));
            assert_eq!(AnomalyKind::parse(kind.as_str_name()), Some(kind));
        }
        assert_eq!(labels.len(), AnomalyKind::ALL.len());
        assert_eq!(AnomalyKind::parse("UNSPECIFIED"), None);
        assert_eq!(AnomalyKind::parse("surge"), None);
        assert_eq!(AnomalyKind::label_of(999), "unspecified");
    }

    #[test]
    fn crossing_level_kinds_are_the_per_crossing_and_per_pair_detectors() {
        let crossing_level: Vec<_> = AnomalyKind::ALL
            .into_iter()
            .filter(|k| k.scope().is_crossing_level())
            .map(AnomalyKind::name)
            .collect();
        assert_eq!(
            crossing_level,
            [
                "FLOW_SURGE",
                "FLOW_DROP",
                "SLOW_INSPECTIONS",
                "QUEUE_SLA",
                "REFUSAL_RATE_SPIKE",
                "NATIONALITY_MIX_SHIFT",
                "OFFICER_OVERRIDE",
                "CHECKPOINT_SILENT",
                "MASS_INFLUX",
                "MIRROR_GAP",
                "TRANSIT_DELAY"
            ]
        );
    }

    #[test]
    fn severities_parse_by_label_name_and_rank() {
        for severity in [Severity::Info, Severity::High, Severity::Critical] {
            assert_eq!(Severity::parse(severity.label()), Some(severity));
            assert_eq!(Severity::parse(severity.as_str_name()), Some(severity));
            assert_eq!(
                Severity::parse(&(severity as i32).to_string()),
                Some(severity)
            );
        }
        assert_eq!(Severity::parse("severe"), None);
        assert_eq!(DocumentFormat::label_of(3), DocumentFormat::Td3.label());
    }
}
