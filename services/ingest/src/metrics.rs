//! Ingest's telemetry contract: every metric it exports, with help text.
//! Labels are bounded: crossing ids, RPC names, result and error kinds.

use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};

pub const EVENTS: &str = "borderflow_ingest_events_total";
pub const REQUESTS: &str = "borderflow_ingest_requests_total";
pub const ERRORS: &str = "borderflow_ingest_errors_total";
pub const ACK_LATENCY: &str = "borderflow_ingest_ack_latency_seconds";
pub const BATCH_SIZE: &str = "borderflow_ingest_batch_size_events";
pub const DOCUMENTS: &str = "borderflow_ingest_documents_total";
pub const HEARTBEATS: &str = "borderflow_ingest_heartbeats_total";
pub const IN_FLIGHT: &str = "borderflow_ingest_in_flight_records";
pub const STREAMS: &str = "borderflow_ingest_active_streams";
pub const KAFKA_UP: &str = "borderflow_ingest_kafka_up";

/// Registers help text for every metric.
pub fn describe() {
    describe_counter!(
        EVENTS,
        "Inspection events by crossing and result (published or rejected)."
    );
    describe_counter!(
        REQUESTS,
        "gRPC calls and stream batches by RPC and status code."
    );
    describe_counter!(ERRORS, "Refused requests and batches by error kind.");
    describe_histogram!(
        ACK_LATENCY,
        metrics::Unit::Seconds,
        "Time from receiving a request or batch to acknowledging it after Kafka confirmed delivery."
    );
    describe_histogram!(
        BATCH_SIZE,
        metrics::Unit::Count,
        "Events per streamed batch."
    );
    describe_counter!(
        DOCUMENTS,
        "Documents read, by format and whether every check passed."
    );
    describe_counter!(HEARTBEATS, "Checkpoint heartbeats published.");
    describe_gauge!(
        IN_FLIGHT,
        "Records enqueued to Kafka and not yet confirmed."
    );
    describe_gauge!(STREAMS, "Open checkpoint streams.");
    describe_gauge!(KAFKA_UP, "1 while a Kafka broker answers, else 0.");
}

pub fn events_published(crossing: &str, count: u64) {
    counter!(EVENTS, "crossing" => crossing.to_owned(), "result" => "published").increment(count);
}

pub fn event_rejected(crossing: &str) {
    counter!(EVENTS, "crossing" => crossing.to_owned(), "result" => "rejected").increment(1);
}

pub fn request(rpc: &'static str, code: tonic::Code) {
    counter!(REQUESTS, "rpc" => rpc, "code" => code_name(code)).increment(1);
}

pub fn error(kind: &'static str) {
    counter!(ERRORS, "kind" => kind).increment(1);
}

pub fn acked(rpc: &'static str, elapsed: Duration) {
    histogram!(ACK_LATENCY, "rpc" => rpc).record(elapsed.as_secs_f64());
}

pub fn batch(events: usize) {
    histogram!(BATCH_SIZE).record(events as f64);
}

pub fn document(format: &'static str, valid: bool) {
    counter!(DOCUMENTS, "format" => format, "valid" => if valid { "true" } else { "false" })
        .increment(1);
}

pub fn heartbeat() {
    counter!(HEARTBEATS).increment(1);
}

pub fn in_flight(records: usize) {
    gauge!(IN_FLIGHT).set(records as f64);
}

pub fn streams(delta: f64) {
    gauge!(STREAMS).increment(delta);
}

pub fn kafka_up(up: bool) {
    gauge!(KAFKA_UP).set(if up { 1.0 } else { 0.0 });
}

fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "OK",
        Cancelled => "CANCELLED",
        Unknown => "UNKNOWN",
        InvalidArgument => "INVALID_ARGUMENT",
        DeadlineExceeded => "DEADLINE_EXCEEDED",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        PermissionDenied => "PERMISSION_DENIED",
        ResourceExhausted => "RESOURCE_EXHAUSTED",
        FailedPrecondition => "FAILED_PRECONDITION",
        Aborted => "ABORTED",
        OutOfRange => "OUT_OF_RANGE",
        Unimplemented => "UNIMPLEMENTED",
        Internal => "INTERNAL",
        Unavailable => "UNAVAILABLE",
        DataLoss => "DATA_LOSS",
        Unauthenticated => "UNAUTHENTICATED",
    }
}
