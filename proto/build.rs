//! Compiles the contract without a system `protoc`: protox parses the .proto
//! files into a descriptor set, tonic-prost-build generates Rust from it, and
//! the encoded set (with every option, `google.api.http` included) is kept
//! for gRPC server reflection and the JSON API.

use std::{env, fs, path::PathBuf};

const PROTOS: &[&str] = &[
    "borderflow/inspection/v1/inspection.proto",
    "borderflow/ingest/v1/ingest.proto",
    "borderflow/analytics/v1/analytics.proto",
    "borderflow/analytics/v1/state.proto",
    "borderflow/reference/v1/reference.proto",
    "borderflow/audit/v1/audit.proto",
    "borderflow/statistics/v1/statistics.proto",
    "borderflow/protection/v1/protection.proto",
    "borderflow/liaison/v1/liaison.proto",
    "borderflow/triage/v1/triage.proto",
    "borderflow/exercise/v1/exercise.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=borderflow");
    println!("cargo:rerun-if-changed=google");
    let mut compiler = protox::Compiler::new(["."])?;
    compiler.include_imports(true).open_files(PROTOS)?;
    let out = PathBuf::from(env::var("OUT_DIR")?);
    // Encoded by protox itself, so the `google.api.http` method options
    // survive for reflection and the JSON API.
    fs::write(
        out.join("borderflow_descriptor.bin"),
        compiler.encode_file_descriptor_set(),
    )?;
    tonic_prost_build::configure()
        .bytes(".borderflow.inspection.v1.DocumentFacts")
        // Ordered, so a snapshot encodes the same way every time.
        .btree_map(".borderflow.analytics.v1.CrossingDetectorState.rules")
        .compile_fds(compiler.file_descriptor_set())?;
    Ok(())
}
