//! Both services' live `/metrics`, after real traffic, pass
//! `promtool check metrics` (names, types, help, units, label hygiene), and
//! carry the series the alert rules and dashboards are built on.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use borderflow_simulator::model::networks;
use borderflow_systest::admin::http_get;
use borderflow_systest::harness::Stream;
use borderflow_systest::testbed::{Testbed, eventually};
use borderflow_systest::totals::{expected, wait_for};

fn promtool_check(exposition: &str) -> (bool, String) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool installed (Debian package prometheus)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(exposition.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn live_metrics_of_both_services_pass_promtool() {
    let network = networks::generated(3, 21);
    let crossings: Vec<String> = network.crossings.iter().map(|c| c.id.clone()).collect();
    let bed = Testbed::start(network.clone(), 4).await.unwrap();
    let ingest = bed
        .spawn(
            "borderflow-ingest",
            &bed.ingest_args(&[]),
            bed.dir().join("ingest.log"),
        )
        .await
        .unwrap();
    let aggregator = bed
        .spawn(
            "borderflow-aggregator",
            &bed.aggregator_args(&[]),
            bed.dir().join("aggregator.log"),
        )
        .await
        .unwrap();
    let hours = 3;
    let want = expected(&network, hours);
    Stream::start(&bed, ingest.grpc_addr, hours, None, None)
        .await
        .unwrap()
        .finish()
        .await
        .unwrap();
    let mut client = bed.analytics(aggregator.grpc_addr).await.unwrap();
    let counted = wait_for(&mut client, &crossings, &want, Duration::from_secs(60)).await;
    assert_eq!(counted, want);

    let required = [
        (
            ingest.admin_addr,
            &[
                "borderflow_ingest_events_total",
                "borderflow_ingest_ack_latency_seconds_bucket",
            ][..],
        ),
        (
            aggregator.admin_addr,
            &[
                "borderflow_crossing_inspections_total",
                "borderflow_travellers_total",
                "borderflow_aggregator_records_total",
                "borderflow_aggregator_consumer_lag_records",
                "borderflow_aggregator_watermark_timestamp_seconds",
            ][..],
        ),
    ];
    for (addr, families) in required {
        // Consumer lag arrives with the client statistics (every 5 s).
        let body = eventually(Duration::from_secs(20), || async {
            let (status, body) = http_get(addr, "/metrics").await.ok()?;
            (status == 200 && families.iter().all(|f| body.contains(f))).then_some(body)
        })
        .await
        .unwrap_or_else(|| panic!("{addr}/metrics lacks one of {families:?}"));
        if addr == aggregator.admin_addr {
            // Every inspection in a flow is a traveller of some sex and age.
            let sum = |family: &str| -> f64 {
                body.lines()
                    .filter(|l| l.starts_with(family))
                    .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                    .sum()
            };
            let flows = sum("borderflow_crossing_inspections_total{");
            let travellers = sum("borderflow_travellers_total{");
            let counted: u64 = want.values().sum();
            assert_eq!(flows as u64, counted);
            assert!(
                travellers >= flows
                    && body.contains("sex=\"female\"")
                    && body.contains("age_band=\"25-59\""),
                "travellers by sex and age band: {travellers} for {flows} inspections in flows"
            );
        }
        let (ok, report) = promtool_check(&body);
        assert!(ok, "promtool check metrics on {addr}: {report}");
        assert!(
            report.trim().is_empty(),
            "promtool has remarks on {addr}: {report}"
        );
        eprintln!(
            "{addr}/metrics: {} series, promtool check metrics clean",
            body.lines().filter(|l| !l.starts_with('#')).count()
        );
    }
}
