//! Protection referrals end to end on a real broker: booths record
//! protection requests and referrals through ingest, the aggregator counts
//! them in the crossing's window and publishes one minimal-data referral
//! per service to the referrals topic, and a partner scoped to one country
//! watches exactly that country's referrals to its services, live and
//! replayed, and nothing else.

use std::collections::BTreeSet;
use std::time::Duration;

use borderflow_access::Role;
use borderflow_common::grpc::Bearer;
use borderflow_domain::mrz::{self, DocumentSpec, Format};
use borderflow_domain::time::{Date, MS_PER_HOUR};
use borderflow_proto::analytics::v1::GetCrossingStatsRequest;
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_proto::ingest::v1::SubmitInspectionRequest;
use borderflow_proto::ingest::v1::ingest_service_client::IngestServiceClient;
use borderflow_proto::inspection::v1::{
    BoothChecks, Direction, DocumentRead, InspectionEvent, MachineReadableZone, Outcome,
    Protection, ReferralCategory, TravelMode, Traveller, document_read,
};
use borderflow_proto::ms_to_timestamp;
use borderflow_proto::protection::v1::protection_service_client::ProtectionServiceClient;
use borderflow_proto::protection::v1::{Accompaniment, Referral, WatchReferralsRequest};
use borderflow_simulator::cli::register_crossings;
use borderflow_simulator::model::networks;
use borderflow_systest::testbed::{Testbed, aggregator_channel, eventually};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tonic::Code;

/// The referrals recorded for one traveller at one crossing.
struct Case {
    crossing: String,
    requested: bool,
    trafficking: bool,
    referrals: Vec<ReferralCategory>,
}

fn event(rng: &mut ChaCha8Rng, case: &Case, at_ms: i64) -> InspectionEvent {
    let today = Date::from_epoch_ms(at_ms);
    let spec = DocumentSpec::random(rng, Format::Td3, today);
    let lines = mrz::write(&spec).unwrap();
    let protection = (!case.referrals.is_empty() || case.requested).then(|| Protection {
        protection_requested: case.requested,
        suspected_trafficking_victim: case.trafficking,
        referrals: case.referrals.iter().map(|c| *c as i32).collect(),
    });
    InspectionEvent {
        event_id: uuid::Builder::from_random_bytes(rng.random::<[u8; 16]>())
            .into_uuid()
            .to_string(),
        crossing_id: case.crossing.clone(),
        lane_id: "L01".into(),
        checkpoint_id: format!("{}-L01", case.crossing),
        officer_id: format!("{}-O001", case.crossing),
        direction: Direction::Entry as i32,
        mode: TravelMode::Road as i32,
        queued_at: Some(ms_to_timestamp(at_ms - 600_000)),
        started_at: Some(ms_to_timestamp(at_ms - 120_000)),
        completed_at: Some(ms_to_timestamp(at_ms)),
        document: Some(DocumentRead {
            source: Some(document_read::Source::Mrz(MachineReadableZone { lines })),
        }),
        traveller: Some(Traveller::default()),
        checks: Some(BoothChecks {
            biometric_score: Some(0.95),
            ..BoothChecks::default()
        }),
        outcome: if protection.is_some() {
            Outcome::ReferredToSecondary
        } else {
            Outcome::Admitted
        } as i32,
        refusal_reason: 0,
        protection,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_partner_watches_its_countrys_referrals_and_no_others() {
    let network = networks::generated(6, 3);
    let home = network.crossings[0].clone();
    let away = network
        .crossings
        .iter()
        .find(|c| c.country != home.country)
        .expect("two countries")
        .clone();
    let bed = Testbed::start(network.clone(), 3).await.unwrap();
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    let mut aggregator = bed
        .start_aggregator(bed.aggregator_config(&[]))
        .await
        .unwrap();
    let trainer = Bearer::from_file(&bed.token_file(Role::Trainer)).unwrap();
    let url = format!("http://{}", aggregator.grpc_addr);
    register_crossings(&url, None, trainer, &network)
        .await
        .unwrap();

    // Partners of the home country: one holding every service's role, and
    // a medical service.
    let issuer = bed.setup.identity.issuer().unwrap();
    let token = |name: &str, roles: &[Role]| {
        let file = bed.dir().join(format!("{name}.jwt"));
        let signed = issuer.token(name, roles, &[&home.country], Duration::from_secs(3_600));
        std::fs::write(&file, signed).unwrap();
        file
    };
    let every_service = token(
        "partners-home",
        &[
            Role::AsylumPartner,
            Role::ChildProtectionPartner,
            Role::AntiTraffickingPartner,
            Role::MedicalPartner,
        ],
    );
    let medical_token = token("clinic-home", &[Role::MedicalPartner]);
    let mut partner = ProtectionServiceClient::new(
        aggregator_channel(aggregator.grpc_addr, &every_service)
            .await
            .unwrap(),
    );
    let mut medical = ProtectionServiceClient::new(
        aggregator_channel(aggregator.grpc_addr, &medical_token)
            .await
            .unwrap(),
    );
    let asylum_asked = medical
        .watch_referrals(WatchReferralsRequest {
            categories: vec![ReferralCategory::AsylumAuthority as i32],
            ..WatchReferralsRequest::default()
        })
        .await;
    assert_eq!(
        asylum_asked.unwrap_err().code(),
        Code::PermissionDenied,
        "a partner sees the referrals to its own service only"
    );
    let mut clinic = medical
        .watch_referrals(WatchReferralsRequest::default())
        .await
        .unwrap()
        .into_inner();
    // Subscribed before anything is submitted: what follows arrives live.
    let mut live = partner
        .watch_referrals(WatchReferralsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let denied = partner
        .watch_referrals(WatchReferralsRequest {
            crossing_ids: vec![away.id.clone()],
            ..WatchReferralsRequest::default()
        })
        .await;
    assert_eq!(denied.unwrap_err().code(), Code::PermissionDenied);
    let analyst = ProtectionServiceClient::new(
        bed.aggregator_channel(aggregator.grpc_addr, Role::Analyst)
            .await
            .unwrap(),
    )
    .watch_referrals(WatchReferralsRequest::default())
    .await;
    assert_eq!(
        analyst.unwrap_err().code(),
        Code::PermissionDenied,
        "referrals are the partners' alone"
    );

    use ReferralCategory::*;
    let cases = [
        (&home, true, false, vec![AsylumAuthority]),
        (&home, true, false, vec![AsylumAuthority, Medical]),
        (&home, false, true, vec![AntiTrafficking, ChildProtection]),
        (&home, false, false, vec![]),
        (&away, true, false, vec![AsylumAuthority]),
        (&away, false, false, vec![Medical]),
    ];
    let at = Date::new(2026, 5, 4).unwrap().start_epoch_ms() + 10 * MS_PER_HOUR;
    let mut rng = ChaCha8Rng::seed_from_u64(20);
    let channel = bed.ingest_channel(ingest.grpc_addr).await.unwrap();
    let tokens = bed.tokens().unwrap();
    for (k, (crossing, requested, trafficking, referrals)) in cases.iter().enumerate() {
        let case = Case {
            crossing: crossing.id.clone(),
            requested: *requested,
            trafficking: *trafficking,
            referrals: referrals.clone(),
        };
        let event = event(&mut rng, &case, at + k as i64 * 1_000);
        let bearer = Bearer::new(Some(&tokens.token(&event.checkpoint_id))).unwrap();
        IngestServiceClient::with_interceptor(channel.clone(), bearer)
            .submit_inspection(SubmitInspectionRequest { event: Some(event) })
            .await
            .unwrap();
    }

    let home_referrals = 5;
    let mut seen: Vec<Referral> = Vec::new();
    while seen.len() < home_referrals {
        let next = tokio::time::timeout(Duration::from_secs(60), live.message())
            .await
            .expect("a referral within a minute")
            .unwrap()
            .expect("the stream stays open");
        seen.push(next.referral.unwrap());
    }
    // Nothing more for this partner: the away country's never comes.
    let more = tokio::time::timeout(Duration::from_secs(3), live.message()).await;
    assert!(more.is_err(), "{more:?}");
    let categories: Vec<i32> = seen.iter().map(|r| r.category).collect();
    let mut want = vec![
        AsylumAuthority as i32,
        AsylumAuthority as i32,
        Medical as i32,
        AntiTrafficking as i32,
        ChildProtection as i32,
    ];
    let mut got = categories.clone();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
    for r in &seen {
        assert_eq!(r.crossing_id, home.id);
        assert_eq!(r.country, home.country);
        assert!(r.case_reference.starts_with("BF-"));
        assert_eq!(r.direction, Direction::Entry as i32);
        assert_ne!(r.accompaniment, Accompaniment::Unspecified as i32);
        assert!(r.age_from.is_some(), "the age band comes from the zone");
    }
    let references: BTreeSet<&str> = seen.iter().map(|r| r.case_reference.as_str()).collect();
    assert_eq!(references.len(), home_referrals, "one case per service");
    // The clinic gets the one medical referral of its country.
    let first = tokio::time::timeout(Duration::from_secs(10), clinic.message())
        .await
        .expect("the medical referral")
        .unwrap()
        .unwrap()
        .referral
        .unwrap();
    assert_eq!(first.category, Medical as i32);
    assert_eq!(first.crossing_id, home.id);
    let more = tokio::time::timeout(Duration::from_secs(2), clinic.message()).await;
    assert!(more.is_err(), "{more:?}");

    // A partner joining later is given the same referrals first.
    let mut replayed = partner
        .watch_referrals(WatchReferralsRequest {
            replay: 100,
            ..WatchReferralsRequest::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut again = BTreeSet::new();
    while again.len() < home_referrals {
        let next = tokio::time::timeout(Duration::from_secs(10), replayed.message())
            .await
            .expect("the replay")
            .unwrap()
            .unwrap();
        again.insert(next.referral.unwrap().case_reference);
    }
    assert_eq!(
        again.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        references
    );

    // The crossing's window counts the requests and the referrals.
    let mut analytics = bed.analytics(aggregator.grpc_addr).await.unwrap();
    let counted = eventually(Duration::from_secs(30), || {
        let mut analytics = analytics.clone();
        let id = home.id.clone();
        async move {
            let stats = analytics
                .get_crossing_stats(GetCrossingStatsRequest {
                    crossing_id: id,
                    recent_windows: 10,
                })
                .await
                .ok()?
                .into_inner();
            let summary = stats.summary?;
            let windows = summary.current.into_iter().chain(stats.recent);
            let (mut requests, mut trafficking, mut referrals) = (0, 0, 0);
            for w in windows {
                requests += w.protection_requests;
                trafficking += w.suspected_trafficking_victims;
                referrals += w.referrals.iter().map(|r| r.count).sum::<u64>();
            }
            (requests == 2 && referrals == 5).then_some(trafficking)
        }
    })
    .await;
    assert_eq!(
        counted,
        Some(1),
        "two requests, five referrals, one suspected victim"
    );
    // A viewer reads the same windows without their protection figures.
    let mut viewer = AnalyticsServiceClient::new(
        bed.aggregator_channel(aggregator.grpc_addr, Role::Viewer)
            .await
            .unwrap(),
    );
    let seen = viewer
        .get_crossing_stats(GetCrossingStatsRequest {
            crossing_id: home.id.clone(),
            recent_windows: 10,
        })
        .await
        .unwrap()
        .into_inner();
    let summary = seen.summary.unwrap();
    let windows: Vec<_> = summary.current.into_iter().chain(seen.recent).collect();
    assert!(windows.iter().map(|w| w.inspections).sum::<u64>() > 0);
    for w in &windows {
        assert_eq!(
            (
                w.protection_requests,
                w.suspected_trafficking_victims,
                w.unaccompanied_minors,
                w.undocumented_entries,
                w.entries_in_need,
                w.referrals.len()
            ),
            (0, 0, 0, 0, 0, 0),
            "a viewer's window: {w:?}"
        );
    }
    let _ = &mut analytics;
    ingest.stop_and_wait().await.unwrap();
    aggregator.stop_and_wait().await.unwrap();
}
