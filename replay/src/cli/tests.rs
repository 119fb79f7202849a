use clap::Parser as _;

use super::*;

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("borderflow-replay").chain(args.iter().copied()))
}

#[test]
fn a_run_takes_a_scenario_or_records_with_a_network() {
    let cli = parse(&[
        "run",
        "--scenario",
        "flow-surge",
        "--days",
        "2",
        "--what-if",
        "--surge-factor 3",
    ])
    .unwrap();
    let Command::Run(args) = cli.command else {
        panic!("a run")
    };
    assert_eq!(args.what_if, "--surge-factor 3");
    assert_eq!(args.baseline, "");
    assert_eq!(args.tolerance, Duration::from_secs(3_600));
    assert!(parse(&["run", "--records", "r.bin", "--network", "central-asia"]).is_ok());
    // A source is required, one only; records need their registry.
    assert!(parse(&["run"]).is_err());
    assert!(parse(&["run", "--scenario", "a", "--records", "r.bin"]).is_err());
    let err = parse(&["run", "--records", "r.bin"])
        .unwrap_err()
        .to_string();
    assert!(err.contains("--network"), "{err}");
    assert!(parse(&["run", "--records", "r", "--network", "n", "--days", "1"]).is_err());
}

#[test]
fn an_export_takes_a_range_of_event_times() {
    let cli = parse(&[
        "export",
        "--brokers",
        "b:9092",
        "--topic",
        "t",
        "--from",
        "2026-05-04T00:00:00Z",
        "--out",
        "r.bin",
    ])
    .unwrap();
    let Command::Export(args) = cli.command else {
        panic!("an export")
    };
    assert_eq!(args.from, Some(1_777_852_800_000));
    assert_eq!(args.to, None);
    let err = parse(&["export", "--from", "monday", "--out", "r"])
        .unwrap_err()
        .to_string();
    assert!(err.contains("RFC 3339"), "{err}");
}

#[test]
fn a_records_run_reads_its_file_and_network_and_names_a_bad_flag() {
    use borderflow_proto::inspection::v1::{
        CheckpointHeartbeat, InspectionRecord, inspection_record,
    };

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("beats.records");
    let mut records = Records::new();
    for at in 0..3 {
        records.push(&InspectionRecord {
            body: Some(inspection_record::Body::Heartbeat(CheckpointHeartbeat {
                checkpoint_id: "KZ-NQZ-L1".into(),
                crossing_id: "KZ-NQZ".into(),
                at: Some(borderflow_proto::ms_to_timestamp(
                    1_777_852_800_000 + at * 60_000,
                )),
                ..Default::default()
            })),
        });
    }
    records.write(&path).unwrap();
    let file = path.display().to_string();
    let args = |what_if: &str| {
        let cli = parse(&[
            "run",
            "--records",
            &file,
            "--network",
            "central-asia",
            "--what-if",
            what_if,
        ])
        .unwrap();
        let Command::Run(args) = cli.command else {
            panic!("a run")
        };
        args
    };
    let c = run(&args("--surge-factor 3")).unwrap();
    assert_eq!(c.records, 3);
    assert_eq!(c.baseline.outcome.records, 3);
    assert!(c.scorecards.is_none());
    assert!(c.diff.is_empty());
    let err = run(&args("--flow-surge-factor 3")).unwrap_err().to_string();
    assert!(err.contains("'--flow-surge-factor'"), "{err}");
    let err = run(&RunArgs {
        network: Some("no-such-network.toml".into()),
        ..*args("")
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("no-such-network.toml"), "{err}");
}
