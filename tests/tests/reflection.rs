//! Generic clients find their way without a credential: both servers answer
//! gRPC server reflection in `v1` and in `v1alpha` (what grpcio-reflection,
//! older grpcurl, evans and Postman speak) and list exactly the services
//! they serve, with the standard health service.

use std::collections::BTreeSet;

use borderflow_simulator::model::networks;
use borderflow_systest::testbed::Testbed;
use tokio_stream::StreamExt;
use tonic::transport::Channel;
use tonic_reflection::pb::{v1, v1alpha};

async fn services_v1(channel: Channel) -> BTreeSet<String> {
    let request = v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(v1::server_reflection_request::MessageRequest::ListServices(
            String::new(),
        )),
    };
    let mut client = v1::server_reflection_client::ServerReflectionClient::new(channel);
    let mut answers = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let answer = answers.next().await.unwrap().unwrap();
    match answer.message_response.unwrap() {
        v1::server_reflection_response::MessageResponse::ListServicesResponse(list) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("not a service list: {other:?}"),
    }
}

async fn services_v1alpha(channel: Channel) -> BTreeSet<String> {
    let request = v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(
            v1alpha::server_reflection_request::MessageRequest::ListServices(String::new()),
        ),
    };
    let mut client = v1alpha::server_reflection_client::ServerReflectionClient::new(channel);
    let mut answers = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let answer = answers.next().await.unwrap().unwrap();
    match answer.message_response.unwrap() {
        v1alpha::server_reflection_response::MessageResponse::ListServicesResponse(list) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("not a service list: {other:?}"),
    }
}

#[tokio::test]
async fn both_servers_list_their_services_in_v1_and_v1alpha() {
    let bed = Testbed::start(networks::generated(2, 1), 2).await.unwrap();
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    let mut aggregator = bed
        .start_aggregator(bed.aggregator_config(&[]))
        .await
        .unwrap();
    let ingest_channel = bed.ingest_channel(ingest.grpc_addr).await.unwrap();
    let aggregator_channel = Channel::from_shared(format!("http://{}", aggregator.grpc_addr))
        .unwrap()
        .connect()
        .await
        .unwrap();

    let reflection = |set: BTreeSet<String>| -> BTreeSet<String> {
        set.into_iter()
            .filter(|s| !s.starts_with("grpc.reflection."))
            .collect()
    };
    for (channel, served) in [
        (ingest_channel, vec!["borderflow.ingest.v1.IngestService"]),
        (
            aggregator_channel,
            vec![
                "borderflow.analytics.v1.AnalyticsService",
                "borderflow.reference.v1.ReferenceService",
                "borderflow.audit.v1.AuditService",
                "borderflow.statistics.v1.StatisticsService",
                "borderflow.protection.v1.ProtectionService",
            ],
        ),
    ] {
        let v1 = services_v1(channel.clone()).await;
        let v1alpha = services_v1alpha(channel).await;
        assert!(v1.contains("grpc.reflection.v1.ServerReflection"), "{v1:?}");
        assert!(
            v1alpha.contains("grpc.reflection.v1alpha.ServerReflection"),
            "{v1alpha:?}"
        );
        let (v1, v1alpha) = (reflection(v1), reflection(v1alpha));
        assert_eq!(v1, v1alpha, "both versions list the same services");
        let want: BTreeSet<String> = served
            .iter()
            .chain(&["grpc.health.v1.Health"])
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(v1, want, "exactly the services this server serves");
    }
    aggregator.stop_and_wait().await.unwrap();
    ingest.stop_and_wait().await.unwrap();
}
