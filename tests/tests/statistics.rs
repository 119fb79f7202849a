//! Migration statistics end to end on a real broker: a day and a bit of a
//! network's traffic through ingest and the aggregator, then the
//! StatisticsService's tables checked against the inspections topic counted
//! here (by day, crossing, sex and age band), disclosure control on every
//! small cell, the export, a month as the sum of its days, a country-scoped
//! caller's view, and the same answers from a fresh aggregator that rebuilt
//! the statistics from the topic alone.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use borderflow_access::Role;
use borderflow_common::grpc::{Authorized, Bearer, authorized};
use borderflow_domain::time::{MS_PER_DAY, MS_PER_HOUR};
use borderflow_proto::statistics::v1::statistics_service_client::StatisticsServiceClient;
use borderflow_proto::statistics::v1::{
    Confidentiality, Dimension, ExportFormat, ExportStatisticsRequest, Granularity,
    QueryStatisticsRequest, QueryStatisticsResponse, StatisticsRow,
};
use borderflow_proto::{ms_to_timestamp, timestamp_to_ms};
use borderflow_simulator::model::networks;
use borderflow_simulator::run::{Ingests, run};
use borderflow_simulator::stats::Stats;
use borderflow_systest::testbed::Testbed;
use borderflow_systest::totals::{each_inspection, expected, run_config, traffic_config, wait_for};
use tokio_util::sync::CancellationToken;
use tonic::Code;
use tonic::transport::Channel;

const HOURS: i64 = 28;
const THRESHOLD: u64 = 5;

/// (hour start, crossing, sex, age band's lower bound or 255) → count.
type Reference = BTreeMap<(i64, String, i32, u32), u64>;

/// The band an age falls in, by the documented default bands.
fn band(age: Option<u32>) -> u32 {
    let Some(age) = age else { return 255 };
    [60, 25, 18, 14, 5, 0]
        .into_iter()
        .find(|&from| age >= from)
        .unwrap_or(0)
}

/// Counts the inspections topic by hour, crossing, sex and age band.
fn reference(bed: &Testbed) -> Reference {
    let mut counts = Reference::new();
    each_inspection(&bed.kafka(), &bed.topics.inspections, bed.partitions, |i| {
        let t = i.completed_at.as_ref().and_then(timestamp_to_ms).unwrap();
        let hour = t.div_euclid(MS_PER_HOUR) * MS_PER_HOUR;
        let sex = i.document.as_ref().map_or(0, |d| d.sex);
        let age = i.traveller.as_ref().and_then(|t| t.age_years);
        *counts
            .entry((hour, i.crossing_id, sex, band(age)))
            .or_default() += 1;
    });
    counts
}

/// The reference by day, summed over the crossings `keep` accepts.
fn summed(reference: &Reference, keep: impl Fn(&str) -> bool) -> BTreeMap<(i64, i32, u32), u64> {
    let mut out = BTreeMap::new();
    for ((hour, crossing, sex, band), n) in reference {
        if keep(crossing) {
            let day = hour.div_euclid(MS_PER_DAY) * MS_PER_DAY;
            *out.entry((day, *sex, *band)).or_default() += n;
        }
    }
    out
}

fn request(granularity: Granularity, by: &[Dimension]) -> QueryStatisticsRequest {
    QueryStatisticsRequest {
        granularity: granularity as i32,
        by: by.iter().map(|d| *d as i32).collect(),
        ..QueryStatisticsRequest::default()
    }
}

fn start_of(row: &StatisticsRow) -> i64 {
    row.period_start.as_ref().and_then(timestamp_to_ms).unwrap()
}

/// Checks a sex × age band table by day against the reference: totals
/// exact, every published cell exact, every small cell withheld, and no
/// line (a sex, or an age band) with exactly one withheld cell beside
/// others.
fn check_table(answer: &QueryStatisticsResponse, want: &BTreeMap<(i64, i32, u32), u64>) {
    let mut days: BTreeMap<i64, u64> = BTreeMap::new();
    for ((day, _, _), n) in want {
        *days.entry(*day).or_default() += n;
    }
    let totals: BTreeMap<i64, u64> = answer
        .rows
        .iter()
        .filter(|r| r.total)
        .map(|r| (start_of(r), r.count.expect("day totals are large")))
        .collect();
    assert_eq!(totals, days, "each day's total is the topic's");
    // (day, by sex?, value) → (cells, withheld)
    let mut lines: BTreeMap<(i64, bool, u32), (u32, u32)> = BTreeMap::new();
    let mut seen = 0;
    for row in answer.rows.iter().filter(|r| !r.total) {
        let day = start_of(row);
        let band = if row.age_unknown {
            255
        } else {
            row.age_from.unwrap()
        };
        let count = want[&(day, row.sex, band)];
        seen += 1;
        let withheld = u32::from(row.count.is_none());
        for line in [(day, true, row.sex as u32), (day, false, band)] {
            let entry = lines.entry(line).or_default();
            entry.0 += 1;
            entry.1 += withheld;
        }
        match row.count {
            Some(n) => {
                assert_eq!(n, count, "day {day} sex {} band {band}", row.sex);
                assert!(n >= THRESHOLD, "a published cell is at least the threshold");
                assert_eq!(row.confidentiality, Confidentiality::Free as i32);
            }
            None => {
                let primary = count < THRESHOLD;
                let status = if primary {
                    Confidentiality::Primary
                } else {
                    Confidentiality::Secondary
                };
                assert_eq!(row.confidentiality, status as i32);
            }
        }
    }
    assert_eq!(seen, want.len(), "one row per combination present");
    let given_away: Vec<_> = lines
        .iter()
        .filter(|(_, (cells, withheld))| *withheld == 1 && *cells > 1)
        .collect();
    assert!(
        given_away.is_empty(),
        "lines giving a withheld cell away: {given_away:?}"
    );
}

async fn channel(addr: std::net::SocketAddr, token: &str) -> Authorized {
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    authorized(channel, Bearer::new(Some(token)).unwrap())
}

/// Asks until the day totals hold `total` inspections (the statistics view
/// follows the topic) or a minute passes.
async fn settled(
    client: &mut StatisticsServiceClient<Authorized>,
    query: &QueryStatisticsRequest,
    total: u64,
) -> QueryStatisticsResponse {
    let started = Instant::now();
    loop {
        let answer = client.query_statistics(query.clone()).await;
        if let Ok(answer) = answer {
            let answer = answer.into_inner();
            let sum: u64 = answer
                .rows
                .iter()
                .filter(|r| r.total)
                .filter_map(|r| r.count)
                .sum();
            if sum == total || started.elapsed() > Duration::from_secs(60) {
                return answer;
            }
        } else if started.elapsed() > Duration::from_secs(60) {
            panic!("statistics never answered: {answer:?}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn statistics_count_every_traveller_once_and_withhold_small_cells() {
    let network = networks::generated(6, 5);
    let crossings: Vec<String> = network.crossings.iter().map(|c| c.id.clone()).collect();
    let bed = Testbed::start(network.clone(), 6).await.unwrap();
    bed.publish_registry().await.unwrap();
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    // Unpaced, booths run hours apart in event time: every late event
    // amends its window (and so its hour) instead of falling out.
    let flags = ["--late-retention=2d"];
    let mut aggregator = bed
        .start_aggregator(bed.aggregator_config(&flags))
        .await
        .unwrap();
    run(
        &network,
        &run_config(HOURS, None),
        &Ingests::one(
            bed.ingest_endpoint(ingest.grpc_addr).unwrap(),
            bed.tokens().unwrap(),
        ),
        Vec::new(),
        Arc::new(Stats::default()),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let mut analytics = bed.analytics(aggregator.grpc_addr).await.unwrap();
    let want = expected(&network, HOURS);
    let windows = wait_for(&mut analytics, &crossings, &want, Duration::from_secs(90)).await;
    assert_eq!(windows, want, "every window closed");

    let reference = reference(&bed);
    let all = summed(&reference, |_| true);
    let total: u64 = all.values().sum();
    assert!(total > 1_000, "a day of traffic: {total}");
    assert!(
        all.iter().any(|(_, &n)| n > 0 && n < THRESHOLD),
        "the run has small cells to withhold"
    );

    let statistician = std::fs::read_to_string(bed.token_file(Role::Statistician)).unwrap();
    let mut client =
        StatisticsServiceClient::new(channel(aggregator.grpc_addr, statistician.trim()).await);
    let by_sex_age = request(Granularity::Day, &[Dimension::Sex, Dimension::AgeBand]);
    let days = settled(&mut client, &by_sex_age, total).await;
    assert_eq!(days.threshold, THRESHOLD as u32);
    assert_eq!(days.scope, "*");
    check_table(&days, &all);
    let withheld = days.rows.iter().filter(|r| r.count.is_none()).count();
    eprintln!(
        "{} inspections over {} days, {} cells, {withheld} withheld",
        total,
        days.rows.iter().filter(|r| r.total).count(),
        days.rows.len()
    );

    // A month is the sum of its days; hours of one crossing sum to its days.
    let months = client
        .query_statistics(request(Granularity::Month, &[]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(months.rows.len(), 1, "the run lies within May 2026");
    assert_eq!(months.rows[0].count, Some(total));
    let one = &crossings[0];
    let hours = client
        .query_statistics(QueryStatisticsRequest {
            crossing_id: one.clone(),
            ..request(Granularity::Hour, &[])
        })
        .await
        .unwrap()
        .into_inner();
    let mut by_hour: BTreeMap<i64, u64> = BTreeMap::new();
    for ((hour, crossing, _, _), n) in &reference {
        if crossing == one {
            *by_hour.entry(*hour).or_default() += n;
        }
    }
    let answered: BTreeMap<i64, Option<u64>> =
        hours.rows.iter().map(|r| (start_of(r), r.count)).collect();
    let want_hours: BTreeMap<i64, Option<u64>> = by_hour
        .iter()
        .map(|(&hour, &n)| (hour, (n >= THRESHOLD).then_some(n)))
        .collect();
    assert_eq!(
        answered, want_hours,
        "{one}: every hour, small ones withheld"
    );
    assert!(hours.rows.len() as i64 > HOURS / 2, "hour by hour");
    let start = traffic_config(HOURS).start_ms;
    let first_day = client
        .query_statistics(QueryStatisticsRequest {
            from: Some(ms_to_timestamp(start)),
            to: Some(ms_to_timestamp(start + MS_PER_DAY)),
            ..request(Granularity::Hour, &[])
        })
        .await
        .unwrap()
        .into_inner();
    assert!(first_day.rows.iter().all(|r| {
        let t = start_of(r);
        (start..start + MS_PER_DAY).contains(&t) && t % MS_PER_HOUR == 0
    }));

    // The export: the same table as a file a statistics office loads.
    let export = client
        .export_statistics(ExportStatisticsRequest {
            query: Some(by_sex_age.clone()),
            format: ExportFormat::Csv as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(export.content_type, "text/csv");
    assert_eq!(export.file_name, "borderflow-statistics-_T-day.csv");
    let lines: Vec<&str> = export.content.lines().collect();
    assert_eq!(
        lines[0],
        "FREQ,TIME_PERIOD,REF_AREA,DIRECTION,SEX,AGE,CITIZENSHIP,TRANSPORT_MODE,OUTCOME,REFUSAL_REASON,OBS_VALUE,CONF_STATUS,UNIT_MEASURE"
    );
    assert_eq!(lines.len() - 1, days.rows.len(), "one line per row");
    assert_eq!(export.rows as usize, days.rows.len());
    let withheld_lines = lines
        .iter()
        .filter(|l| l.contains(",,C,") || l.contains(",,D,"))
        .count();
    assert_eq!(
        withheld_lines, withheld,
        "withheld cells have no value in the file"
    );
    assert!(lines[1].starts_with("D,2026-05-04,_T,_T,_T,_T,"));

    // A caller scoped to one country sees that country's crossings only.
    let country = network.crossings[0].country.clone();
    let issuer = bed.setup.identity.issuer().unwrap();
    let scoped = issuer.token(
        "office",
        &[Role::Statistician],
        &[&country],
        Duration::from_secs(600),
    );
    let mut office = StatisticsServiceClient::new(channel(aggregator.grpc_addr, &scoped).await);
    let theirs = office
        .query_statistics(by_sex_age.clone())
        .await
        .unwrap()
        .into_inner();
    let countries: BTreeMap<&str, &str> = network
        .crossings
        .iter()
        .map(|c| (c.id.as_str(), c.country.as_str()))
        .collect();
    let in_country = summed(&reference, |c| countries[c] == country);
    check_table(&theirs, &in_country);
    assert!(
        in_country.values().sum::<u64>() < total,
        "the network spans countries"
    );
    let elsewhere = network
        .crossings
        .iter()
        .find(|c| c.country != country)
        .unwrap();
    let refused = office
        .query_statistics(QueryStatisticsRequest {
            crossing_id: elsewhere.id.clone(),
            ..by_sex_age.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    let by_country = office
        .query_statistics(QueryStatisticsRequest {
            country: country.clone(),
            ..by_sex_age.clone()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        by_country.rows, theirs.rows,
        "the country is the whole scope"
    );

    // Rebuilt from the log: a fresh instance answers the same.
    aggregator.stop_and_wait().await.unwrap();
    let mut fresh = bed
        .start_aggregator(bed.aggregator_config(&flags))
        .await
        .unwrap();
    let mut client =
        StatisticsServiceClient::new(channel(fresh.grpc_addr, statistician.trim()).await);
    let again = settled(&mut client, &by_sex_age, total).await;
    assert_eq!(
        again.rows, days.rows,
        "the statistics are rebuilt from their topic"
    );
    fresh.stop_and_wait().await.unwrap();
    ingest.stop_and_wait().await.unwrap();
}
