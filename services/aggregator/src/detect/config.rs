//! Detection thresholds: every one a flag with an environment variable and a
//! documented default (the README explains how each default was chosen).

use std::time::Duration;

use borderflow_common::config::parse_duration;
use borderflow_domain::biometric::hard_to_match;
use borderflow_domain::crossing_rules::QUEUE_SLA_SHARE;
use borderflow_domain::ees::{STAY_LIMIT_DAYS, STAY_WINDOW_DAYS};
use borderflow_domain::minor::{ALONE_AGE, MINOR_AGE};
use borderflow_domain::rescan::RESCAN_GRACE;
use borderflow_domain::travel::{AIR_SPEED_LIMIT_KMH, MIN_DISTANCE_KM, SURFACE_SPEED_LIMIT_KMH};
use borderflow_proto::inspection::v1::BiometricModality;

#[derive(clap::Args, Clone, Debug)]
pub struct DetectConfig {
    /// Face match score (0-1) below which an admitted adult is flagged.
    #[arg(
        long,
        env = "BORDERFLOW_BIOMETRIC_THRESHOLD_FACE",
        default_value_t = 0.5
    )]
    pub biometric_threshold_face: f32,

    /// Fingerprint match score (0-1) below which an admitted adult is flagged.
    #[arg(
        long,
        env = "BORDERFLOW_BIOMETRIC_THRESHOLD_FINGERPRINT",
        default_value_t = 0.45
    )]
    pub biometric_threshold_fingerprint: f32,

    /// Iris match score (0-1) below which an admitted adult is flagged.
    #[arg(
        long,
        env = "BORDERFLOW_BIOMETRIC_THRESHOLD_IRIS",
        default_value_t = 0.5
    )]
    pub biometric_threshold_iris: f32,

    /// How much lower the threshold is for young children and the elderly,
    /// whom matchers score lower when they are who they claim to be.
    #[arg(long, env = "BORDERFLOW_BIOMETRIC_AGE_MARGIN", default_value_t = 0.1)]
    pub biometric_age_margin: f32,

    /// A zone that fails its checks is reported only if its checkpoint does
    /// not start a clean read of the same document within this long (a
    /// misread re-scanned, a worn zone keyed in); 0 reports at once.
    #[arg(long, env = "BORDERFLOW_RESCAN_GRACE", default_value = RESCAN_GRACE, value_parser = parse_duration)]
    pub rescan_grace: Duration,

    /// A failed zone whose checkpoint starts no further inspection (closed,
    /// or silent) is reported once the checkpoint's heartbeats or the
    /// partition's watermark pass it by this long.
    #[arg(long, env = "BORDERFLOW_RESCAN_FALLBACK", default_value = "1h", value_parser = parse_duration)]
    pub rescan_fallback: Duration,

    /// Age in years below which a traveller is a minor.
    #[arg(long, env = "BORDERFLOW_MINOR_AGE", default_value_t = MINOR_AGE)]
    pub minor_age: u32,

    /// Age in years from which a minor may lawfully cross alone (set it to
    /// the minor age where the law allows none).
    #[arg(long, env = "BORDERFLOW_MINOR_ALONE_AGE", default_value_t = ALONE_AGE)]
    pub minor_alone_age: u32,

    /// A national entering their own country on a national passport expired
    /// less than this long ago is admitted without a finding.
    #[arg(long, env = "BORDERFLOW_NATIONAL_EXPIRED_GRACE", default_value = "365d", value_parser = parse_duration)]
    pub national_expired_grace: Duration,

    /// Fastest plausible travel between two crossings when one is an airport, km/h.
    #[arg(
        long,
        env = "BORDERFLOW_TRAVEL_SPEED_AIR_KMH",
        default_value_t = AIR_SPEED_LIMIT_KMH
    )]
    pub travel_speed_air_kmh: f64,

    /// Fastest plausible travel between two land or sea crossings, km/h.
    #[arg(
        long,
        env = "BORDERFLOW_TRAVEL_SPEED_SURFACE_KMH",
        default_value_t = SURFACE_SPEED_LIMIT_KMH
    )]
    pub travel_speed_surface_kmh: f64,

    /// Crossings closer than this are never impossible travel, km.
    #[arg(
        long,
        env = "BORDERFLOW_TRAVEL_MIN_DISTANCE_KM",
        default_value_t = MIN_DISTANCE_KM
    )]
    pub travel_min_distance_km: f64,

    /// A refusal within this long of an earlier one is a repeated refusal.
    #[arg(long, env = "BORDERFLOW_REFUSAL_WINDOW", default_value = "30d", value_parser = parse_duration)]
    pub refusal_window: Duration,

    /// Days of presence allowed in any rolling stay window (EES: 90).
    #[arg(long, env = "BORDERFLOW_STAY_LIMIT_DAYS", default_value_t = STAY_LIMIT_DAYS)]
    pub stay_limit_days: u32,

    /// Length of the rolling stay window in days (EES: 180).
    #[arg(long, env = "BORDERFLOW_STAY_WINDOW_DAYS", default_value_t = STAY_WINDOW_DAYS)]
    pub stay_window_days: u32,

    /// Nationalities exempt from the stay limit besides the crossing
    /// country's own nationals (comma separated ICAO codes).
    #[arg(long, env = "BORDERFLOW_STAY_EXEMPT", value_delimiter = ',')]
    pub stay_exempt: Vec<String>,

    /// Per-document history kept after a document's last event.
    #[arg(long, env = "BORDERFLOW_DOCUMENT_RETENTION", default_value = "200d", value_parser = parse_duration)]
    pub document_retention: Duration,

    /// Evaluation period of the per-crossing detectors.
    #[arg(long, env = "BORDERFLOW_DETECTION_PERIOD", default_value = "15m", value_parser = parse_duration)]
    pub period: Duration,

    /// Event time a crossing is observed before its baselines raise alarms.
    #[arg(long, env = "BORDERFLOW_BASELINE_WARMUP", default_value = "1d", value_parser = parse_duration)]
    pub baseline_warmup: Duration,

    /// A period with at least this many times its expected traffic is a surge.
    #[arg(long, env = "BORDERFLOW_SURGE_FACTOR", default_value_t = 2.0)]
    pub surge_factor: f64,

    /// A period with at most this share of its expected traffic is a drop.
    #[arg(long, env = "BORDERFLOW_DROP_FACTOR", default_value_t = 0.3)]
    pub drop_factor: f64,

    /// Standard deviations a period's traffic must also lie from its expectation.
    #[arg(long, env = "BORDERFLOW_FLOW_Z", default_value_t = 4.0)]
    pub flow_z: f64,

    /// Consecutive periods a surge or drop must last before it is reported
    /// (a coach or a train unloading is one period's burst).
    #[arg(long, env = "BORDERFLOW_FLOW_PERIODS", default_value_t = 2)]
    pub flow_periods: u32,

    /// Fewest travellers (observed for a surge, expected for a drop) worth an alarm.
    #[arg(long, env = "BORDERFLOW_FLOW_MIN_COUNT", default_value_t = 20.0)]
    pub flow_min_count: f64,

    /// Mean inspection time this many times the baseline, two periods
    /// running, is slow (below the doubling the rule is meant to catch:
    /// inspections under way when booths slow down dilute the first
    /// periods' mean).
    #[arg(long, env = "BORDERFLOW_SLOW_FACTOR", default_value_t = 1.5)]
    pub slow_factor: f64,

    /// Fewest inspections in a period to judge their speed.
    #[arg(long, env = "BORDERFLOW_SLOW_MIN_COUNT", default_value_t = 10)]
    pub slow_min_count: u64,

    /// Service level: the longest acceptable queue wait (the default is
    /// `crossing_rules::QUEUE_SLA_WAIT_MINUTES`, pinned by a test).
    #[arg(long, env = "BORDERFLOW_QUEUE_SLA_WAIT", default_value = "45m", value_parser = parse_duration)]
    pub queue_sla_wait: Duration,

    /// Service level: the share of travellers who must wait less than that.
    #[arg(long, env = "BORDERFLOW_QUEUE_SLA_SHARE", default_value_t = QUEUE_SLA_SHARE)]
    pub queue_sla_share: f64,

    /// Fewest travellers in a period to judge the service level.
    #[arg(long, env = "BORDERFLOW_QUEUE_SLA_MIN_COUNT", default_value_t = 20)]
    pub queue_sla_min_count: u64,

    /// Fewest refusals in a period for a refusal spike.
    #[arg(long, env = "BORDERFLOW_REFUSAL_SPIKE_MIN", default_value_t = 5)]
    pub refusal_spike_min: u64,

    /// A refusal share this many times the baseline (and 2 points above it) is a spike.
    #[arg(long, env = "BORDERFLOW_REFUSAL_SPIKE_FACTOR", default_value_t = 5.0)]
    pub refusal_spike_factor: f64,

    /// Arrivals (entries) at least this many times the usual for the hour
    /// make a mass influx, when enough of them need protection.
    #[arg(long, env = "BORDERFLOW_INFLUX_FACTOR", default_value_t = 3.0)]
    pub influx_factor: f64,

    /// Share of a period's arrivals in need of protection (asking for it,
    /// without valid documents, unaccompanied or separated children,
    /// suspected victims of trafficking) from which a surge of arrivals is
    /// a mass influx; it must also be three times the crossing's usual share.
    #[arg(long, env = "BORDERFLOW_INFLUX_NEED_SHARE", default_value_t = 0.2)]
    pub influx_need_share: f64,

    /// Fewest arrivals in need of protection in a period for a mass influx.
    #[arg(long, env = "BORDERFLOW_INFLUX_MIN_NEED", default_value_t = 10)]
    pub influx_min_need: u64,

    /// How long a minor's inspection and that of the adult it names may lie
    /// apart to be paired (a booth inspects a party together); what is
    /// held keeps the inspections offsets back as long.
    #[arg(long, env = "BORDERFLOW_ESCORT_PAIRING", default_value = "5m", value_parser = parse_duration)]
    pub escort_pairing: Duration,

    /// Age in years from which a traveller is no longer a young adult (the
    /// age band most trafficked for labour and sexual exploitation).
    #[arg(long, env = "BORDERFLOW_YOUNG_ADULT_UNTIL", default_value_t = 25)]
    pub young_adult_until: u32,

    /// Look-back over which an adult's escorts of minors are combined into
    /// a trafficking case.
    #[arg(long, env = "BORDERFLOW_TRAFFICKING_WINDOW", default_value = "30d", value_parser = parse_duration)]
    pub trafficking_window: Duration,

    /// Escorted crossings, each with other minors, that make "repeated
    /// crossings with different minors" a trafficking indicator.
    #[arg(long, env = "BORDERFLOW_TRAFFICKING_REPEATS", default_value_t = 3)]
    pub trafficking_repeats: u32,

    /// Young adults in one party on one state's documents that make a
    /// trafficking indicator.
    #[arg(long, env = "BORDERFLOW_TRAFFICKING_YOUNG_GROUP", default_value_t = 4)]
    pub trafficking_young_group: u32,

    /// Jensen-Shannon divergence (bits) of the nationality mix from its
    /// baseline that is a shift.
    #[arg(
        long,
        env = "BORDERFLOW_NATIONALITY_DIVERGENCE",
        default_value_t = 0.15
    )]
    pub nationality_divergence: f64,

    /// Fewest parties (a group travelling together is one) over the
    /// look-back to judge the nationality mix.
    #[arg(long, env = "BORDERFLOW_NATIONALITY_MIN_COUNT", default_value_t = 60)]
    pub nationality_min_count: u64,

    /// Periods pooled to judge the nationality mix.
    #[arg(long, env = "BORDERFLOW_NATIONALITY_LOOKBACK", default_value_t = 4)]
    pub nationality_lookback: usize,

    /// Fewest alerted travellers an officer admitted before OFFICER_OVERRIDE.
    #[arg(long, env = "BORDERFLOW_OFFICER_MIN_ADMITTED", default_value_t = 3)]
    pub officer_min_admitted: u32,

    /// An officer's admit rate of alerted travellers must exceed the peers'
    /// by this much.
    #[arg(long, env = "BORDERFLOW_OFFICER_MARGIN", default_value_t = 0.4)]
    pub officer_margin: f64,

    /// Look-back over which officers are compared.
    #[arg(long, env = "BORDERFLOW_OFFICER_LOOKBACK", default_value = "24h", value_parser = parse_duration)]
    pub officer_lookback: Duration,

    /// Longest a traveller takes from one post of a twin pair to the other:
    /// a traveller not inspected at the far post this long after leaving
    /// the near one has not arrived (and one inspected there was recorded
    /// leaving within this long before, or not at all).
    #[arg(long, env = "BORDERFLOW_MIRROR_HORIZON", default_value = "3h", value_parser = parse_duration)]
    pub mirror_horizon: Duration,

    /// How far back a traveller inspected on entry at one post of a twin
    /// pair may have left the other: the drive, the queue on a market day,
    /// a night in the hall of second-line inspection.
    #[arg(long, env = "BORDERFLOW_MIRROR_LOOKBACK", default_value = "48h", value_parser = parse_duration)]
    pub mirror_lookback: Duration,

    /// Fewest travellers in a window who do not reconcile across a twin
    /// pair before MIRROR_GAP.
    #[arg(long, env = "BORDERFLOW_MIRROR_MIN_MISSING", default_value_t = 10)]
    pub mirror_min_missing: u32,

    /// The span of periods over which travellers who do not reconcile
    /// across a twin pair are added up.
    #[arg(long, env = "BORDERFLOW_MIRROR_WINDOW", default_value = "2h", value_parser = parse_duration)]
    pub mirror_window: Duration,

    /// Standard deviations of the learned share's binomial spread a
    /// period's travellers who do not reconcile must exceed.
    #[arg(long, env = "BORDERFLOW_MIRROR_Z", default_value_t = 4.0)]
    pub mirror_z: f64,

    /// Periods of a twin pair's flow learned before its gaps and delays are
    /// judged.
    #[arg(long, env = "BORDERFLOW_MIRROR_LEARNING_PERIODS", default_value_t = 8)]
    pub mirror_learning_periods: u32,

    /// A period's median transit between twin posts this many times the
    /// learned one is a TRANSIT_DELAY.
    #[arg(long, env = "BORDERFLOW_TRANSIT_DELAY_FACTOR", default_value_t = 2.0)]
    pub transit_delay_factor: f64,

    /// ... and at least this much longer.
    #[arg(long, env = "BORDERFLOW_TRANSIT_DELAY_MIN", default_value = "15m", value_parser = parse_duration)]
    pub transit_delay_min: Duration,

    /// Fewest travellers who arrived over the window to judge its transit
    /// time.
    #[arg(long, env = "BORDERFLOW_TRANSIT_MIN_TRAVELLERS", default_value_t = 30)]
    pub transit_min_travellers: u32,

    /// An open checkpoint silent this long (event time) is flagged.
    #[arg(long, env = "BORDERFLOW_CHECKPOINT_SILENCE", default_value = "15m", value_parser = parse_duration)]
    pub checkpoint_silence: Duration,
}

impl DetectConfig {
    /// The match score below which an admitted traveller of `age` (when
    /// known) checked by `modality` is flagged. A score whose modality is
    /// not recorded is held to the strictest threshold.
    pub fn biometric_threshold(&self, modality: BiometricModality, age: Option<u32>) -> f32 {
        let base = match modality {
            BiometricModality::Face => self.biometric_threshold_face,
            BiometricModality::Fingerprint => self.biometric_threshold_fingerprint,
            BiometricModality::Iris => self.biometric_threshold_iris,
            BiometricModality::Unspecified => self
                .biometric_threshold_face
                .max(self.biometric_threshold_fingerprint)
                .max(self.biometric_threshold_iris),
        };
        if age.is_some_and(hard_to_match) {
            base - self.biometric_age_margin
        } else {
            base
        }
    }

    pub fn period_ms(&self) -> i64 {
        self.period.as_millis().max(60_000) as i64
    }
}

impl Default for DetectConfig {
    fn default() -> Self {
        use clap::Parser;

        #[derive(clap::Parser)]
        struct Defaults {
            #[command(flatten)]
            detect: DetectConfig,
        }
        Defaults::parse_from(["defaults"]).detect
    }
}

#[cfg(test)]
mod tests {
    use borderflow_domain::crossing_rules::QUEUE_SLA_WAIT_MINUTES;

    use super::*;

    /// The simulator reads the service level from the domain crate: the
    /// rule's default must be that one.
    #[test]
    fn the_queue_service_level_is_the_domain_one() {
        let c = DetectConfig::default();
        assert_eq!(
            c.queue_sla_wait,
            Duration::from_secs(QUEUE_SLA_WAIT_MINUTES * 60)
        );
        assert_eq!(c.queue_sla_share, QUEUE_SLA_SHARE);
    }
}
