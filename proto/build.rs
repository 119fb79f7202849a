//! Compiles the contract without a system `protoc`: protox parses the .proto
//! files into a descriptor set, tonic-prost-build generates Rust from it, and
//! the encoded set is kept for gRPC server reflection.

use std::{env, fs, path::PathBuf};

use prost::Message;

const PROTOS: &[&str] = &[
    "borderflow/inspection/v1/inspection.proto",
    "borderflow/ingest/v1/ingest.proto",
    "borderflow/analytics/v1/analytics.proto",
    "borderflow/analytics/v1/state.proto",
    "borderflow/reference/v1/reference.proto",
    "borderflow/audit/v1/audit.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=borderflow");
    let descriptors = protox::compile(PROTOS, ["."])?;
    let out = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(
        out.join("borderflow_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    tonic_prost_build::configure()
        .bytes(".borderflow.inspection.v1.DocumentFacts")
        .compile_fds(descriptors)?;
    Ok(())
}
