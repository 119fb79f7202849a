//! The booths that overload ingest: streaming booths that send batches as
//! fast as ingest reads them and reopen their stream whenever it is
//! refused, and unary callers that submit one event after another. Each
//! keeps a tally of what it offered and how every event was answered.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use borderflow_domain::mrz::{self, DocumentSpec, Format};
use borderflow_domain::time::Date;
use borderflow_proto::ingest::v1::{StreamInspectionsRequest, SubmitInspectionRequest};
use borderflow_proto::inspection::v1::{
    BoothChecks, Direction, DocumentRead, InspectionEvent, MachineReadableZone, Outcome,
    TravelMode, Traveller, document_read,
};
use borderflow_proto::{Message as _, ms_to_timestamp};
use borderflow_simulator::link::{IngestClient, client};
use borderflow_systest::testbed::Testbed;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::Code;
use tonic::transport::Channel;

use crate::BATCH;

/// One booth's credentials and a pool of documents to show.
#[derive(Clone)]
pub(crate) struct Booth {
    crossing: String,
    checkpoint: String,
    lane: String,
    token: String,
    zones: Arc<Vec<Vec<String>>>,
}

/// Unique event ids across all booths.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Booth {
    pub(crate) fn event(&self) -> (u128, InspectionEvent) {
        let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let id = uuid::Uuid::from_u64_pair(0x0b0a_7d00_f10e, n);
        let t = Date::new(2026, 5, 4).unwrap().start_epoch_ms() + 9 * 3_600_000 + n as i64;
        let event = InspectionEvent {
            event_id: id.to_string(),
            crossing_id: self.crossing.clone(),
            lane_id: self.lane.clone(),
            checkpoint_id: self.checkpoint.clone(),
            officer_id: format!("{}-O001", self.crossing),
            direction: Direction::Entry as i32,
            mode: TravelMode::Road as i32,
            queued_at: Some(ms_to_timestamp(t - 300_000)),
            started_at: Some(ms_to_timestamp(t - 60_000)),
            completed_at: Some(ms_to_timestamp(t)),
            document: Some(DocumentRead {
                source: Some(document_read::Source::Mrz(MachineReadableZone {
                    lines: self.zones[n as usize % self.zones.len()].clone(),
                })),
            }),
            traveller: Some(Traveller::default()),
            checks: Some(BoothChecks {
                biometric_score: Some(0.9),
                ..BoothChecks::default()
            }),
            outcome: Outcome::Admitted as i32,
            refusal_reason: 0,
            protection: None,
        };
        (id.as_u128(), event)
    }

    pub(crate) fn batch(&self, sequence: u64) -> (Vec<u128>, StreamInspectionsRequest) {
        let (ids, events) = (0..BATCH).map(|_| self.event()).unzip();
        let batch = StreamInspectionsRequest {
            sequence,
            events,
            heartbeat: None,
        };
        (ids, batch)
    }

    pub(crate) fn client(&self, channel: &Channel) -> IngestClient {
        client(channel.clone(), &self.token).unwrap()
    }
}

/// What one load task saw.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) offered: u64,
    pub(crate) acked: Vec<u128>,
    /// Events in calls and batches refused with RESOURCE_EXHAUSTED.
    pub(crate) refused: u64,
    /// Final status of each refused call or stream, by code.
    pub(crate) codes: BTreeMap<String, u64>,
    pub(crate) streams_refused: u64,
    /// Events sent on a stream that ended without answering for them.
    pub(crate) unanswered: u64,
    /// How long unary calls took to be refused, and to be acknowledged.
    pub(crate) unary_refused_in: Vec<Duration>,
    pub(crate) unary_acked_in: Vec<Duration>,
    /// Encoded size of the events offered.
    pub(crate) offered_bytes: u64,
}

impl Tally {
    pub(crate) fn merge(&mut self, other: Tally) {
        self.offered += other.offered;
        self.acked.extend(other.acked);
        self.refused += other.refused;
        for (code, n) in other.codes {
            *self.codes.entry(code).or_default() += n;
        }
        self.streams_refused += other.streams_refused;
        self.unanswered += other.unanswered;
        self.unary_refused_in.extend(other.unary_refused_in);
        self.unary_acked_in.extend(other.unary_acked_in);
        self.offered_bytes += other.offered_bytes;
    }

    fn status(&mut self, code: Code) {
        *self.codes.entry(format!("{code:?}")).or_default() += 1;
    }
}

/// Streams batches as fast as ingest lets it until `stop`, reopening the
/// stream whenever ingest ends it; then closes the stream and reads every
/// outstanding acknowledgement.
pub(crate) async fn stream_booth(booth: Booth, channel: Channel, stop: CancellationToken) -> Tally {
    let mut tally = Tally::default();
    let mut sequence = 0;
    while !stop.is_cancelled() {
        let (requests, outbound) = mpsc::channel(2);
        let mut requests = Some(requests);
        let mut client = booth.client(&channel);
        let call = client.stream_inspections(ReceiverStream::new(outbound));
        let mut responses = match call.await {
            Ok(response) => response.into_inner(),
            Err(status) => {
                tally.status(status.code());
                continue;
            }
        };
        let mut pending: HashMap<u64, Vec<u128>> = HashMap::new();
        let ended = loop {
            // An owned permit, so that closing the stream need not wait for it.
            let sender = requests.clone();
            tokio::select! {
                answer = responses.message() => match answer {
                    Ok(Some(ack)) => {
                        let ids = pending.remove(&ack.sequence).expect("an ack for a batch sent");
                        assert_eq!(ack.accepted as usize, ids.len(), "every event is valid");
                        tally.acked.extend(ids);
                    }
                    Ok(None) => break None,
                    Err(status) => break Some(status),
                },
                permit = async move { sender?.reserve_owned().await.ok() },
                    if requests.is_some() && !stop.is_cancelled() =>
                {
                    // The request side is closed: the answer says why.
                    let Some(permit) = permit else {
                        requests = None;
                        continue;
                    };
                    sequence += 1;
                    let (ids, batch) = booth.batch(sequence);
                    tally.offered += ids.len() as u64;
                    tally.offered_bytes += batch.encoded_len() as u64;
                    pending.insert(sequence, ids);
                    permit.send(batch);
                }
                _ = stop.cancelled(), if requests.is_some() => requests = None,
            }
        };
        let left: u64 = pending.values().map(|ids| ids.len() as u64).sum();
        match ended {
            Some(status) if status.code() == Code::ResourceExhausted => {
                tally.status(status.code());
                tally.streams_refused += 1;
                tally.refused += left;
            }
            Some(status) => {
                tally.status(status.code());
                tally.unanswered += left;
            }
            None => tally.unanswered += left,
        }
    }
    tally
}

/// Submits events one by one until `stop`.
pub(crate) async fn unary_caller(booth: Booth, channel: Channel, stop: CancellationToken) -> Tally {
    let mut tally = Tally::default();
    let mut client = booth.client(&channel);
    while !stop.is_cancelled() {
        let (id, event) = booth.event();
        tally.offered += 1;
        tally.offered_bytes += event.encoded_len() as u64;
        let started = Instant::now();
        match client
            .submit_inspection(SubmitInspectionRequest { event: Some(event) })
            .await
        {
            Ok(_) => {
                tally.acked.push(id);
                tally.unary_acked_in.push(started.elapsed());
            }
            Err(status) => {
                tally.status(status.code());
                if status.code() == Code::ResourceExhausted {
                    tally.refused += 1;
                    tally.unary_refused_in.push(started.elapsed());
                }
            }
        }
    }
    tally
}

/// Two booths (lanes L01 and L02) of every crossing, sharing a pool of
/// documents.
pub(crate) fn booths(bed: &Testbed) -> Vec<Booth> {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let day = Date::new(2026, 5, 4).unwrap();
    let zones: Arc<Vec<Vec<String>>> = Arc::new(
        (0..64)
            .map(|_| mrz::write(&DocumentSpec::random(&mut rng, Format::Td3, day)).unwrap())
            .collect(),
    );
    let tokens = bed.tokens().unwrap();
    bed.network
        .crossings
        .iter()
        .flat_map(|c| ["L01", "L02"].map(|lane| (c.id.clone(), lane)))
        .map(|(crossing, lane)| {
            let checkpoint = format!("{crossing}-{lane}");
            Booth {
                token: tokens.token(&checkpoint),
                crossing,
                checkpoint,
                lane: lane.into(),
                zones: zones.clone(),
            }
        })
        .collect()
}
