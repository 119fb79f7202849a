//! A set of thresholds as an analyst writes it: the aggregator's own
//! detection flags ([`DetectConfig`], the same `clap::Args` the service
//! parses), e.g. `--surge-factor 3 --flow-periods 3`. Flags are split on
//! whitespace, without quoting (no detection flag takes a value with a
//! space; lists are comma-separated); unset flags keep their production
//! defaults, or the `BORDERFLOW_*` environment variable when set, as the
//! service reads them.

use borderflow_aggregator::detect::DetectConfig;
use clap::{CommandFactory as _, Parser};

use crate::error::{Error, Result};

/// The aggregator's detection flags alone.
#[derive(Parser)]
#[command(name = "thresholds", no_binary_name = true)]
struct Flags {
    #[command(flatten)]
    detect: DetectConfig,
}

/// One of the two settings a replay compares.
#[derive(Clone, Debug)]
pub struct Setting {
    /// `baseline` or `what-if`.
    pub name: String,
    /// The flags as given; empty for the production defaults.
    pub flags: String,
    pub detect: DetectConfig,
}

impl Setting {
    /// Parses `flags` for the setting `name`; an unknown flag or a bad
    /// value is an error naming it.
    pub fn parse(name: &str, flags: &str) -> Result<Self> {
        let detect = Flags::try_parse_from(flags.split_whitespace())
            .map_err(|err| Error::Flags {
                setting: name.to_owned(),
                flags: flags.to_owned(),
                message: summary(&err),
            })?
            .detect;
        Ok(Self {
            name: name.to_owned(),
            flags: flags.trim().to_owned(),
            detect,
        })
    }
}

/// Every detection flag with its help and default: what a setting may say.
pub fn help() -> String {
    Flags::command()
        .about("The aggregator's detection flags, as --baseline and --what-if take them")
        .override_usage("borderflow-replay run --baseline \"[FLAGS]\" --what-if \"[FLAGS]\" …")
        .render_long_help()
        .to_string()
}

/// clap's message on one line, without its usage and help pointers:
/// `unexpected argument '--flow-surge-factor' found; tip: a similar
/// argument exists: '--surge-factor'`.
fn summary(err: &clap::Error) -> String {
    let rendered = err.render().to_string();
    let lines: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .filter(|line| {
            !line.is_empty() && !line.starts_with("Usage:") && !line.starts_with("For more")
        })
        .collect();
    let joined = lines.join("; ");
    joined.strip_prefix("error: ").unwrap_or(&joined).to_owned()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn flags_set_thresholds_and_leave_the_rest_at_their_defaults() {
        let s = Setting::parse(
            "what-if",
            "  --surge-factor 1.5\t--flow-periods 3 --period 30m ",
        )
        .unwrap();
        let defaults = DetectConfig::default();
        assert_eq!(s.detect.surge_factor, 1.5);
        assert_eq!(s.detect.flow_periods, 3);
        assert_eq!(s.detect.period, Duration::from_secs(1_800));
        assert_eq!(s.detect.drop_factor, defaults.drop_factor);
        assert_eq!(s.flags, "--surge-factor 1.5\t--flow-periods 3 --period 30m");
        let empty = Setting::parse("baseline", "").unwrap();
        assert_eq!(empty.detect.surge_factor, defaults.surge_factor);
        let listed = Setting::parse("what-if", "--stay-exempt KAZ,KGZ").unwrap();
        assert_eq!(listed.detect.stay_exempt, ["KAZ", "KGZ"]);
    }

    #[test]
    fn an_unknown_flag_is_named_with_the_real_one() {
        let err = Setting::parse("what-if", "--flow-surge-factor 1.5")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("the what-if thresholds \"--flow-surge-factor 1.5\": "),
            "{err}"
        );
        assert!(err.contains("'--flow-surge-factor'"), "{err}");
        assert!(err.contains("'--surge-factor'"), "the suggestion: {err}");
        assert!(!err.contains("Usage"), "{err}");
    }

    #[test]
    fn a_bad_value_is_named_with_its_flag() {
        let err = Setting::parse("baseline", "--surge-factor lots")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("'lots'") && err.contains("--surge-factor"),
            "{err}"
        );
        let err = Setting::parse("baseline", "--period soon")
            .unwrap_err()
            .to_string();
        assert!(err.contains("--period"), "{err}");
        let err = Setting::parse("baseline", "--surge-factor")
            .unwrap_err()
            .to_string();
        assert!(err.contains("--surge-factor"), "{err}");
    }

    #[test]
    fn the_help_lists_the_detection_flags() {
        let help = help();
        assert!(help.contains("--surge-factor"), "{help}");
        assert!(help.contains("--checkpoint-silence"), "{help}");
    }
}
