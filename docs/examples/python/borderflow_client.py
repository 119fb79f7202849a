#!/usr/bin/env python3
"""A borderflow client in Python, from the .proto files only.

Shows what another system does with the aggregator's gRPC API:

1. lists the services through server reflection (v1alpha, what the standard
   grpcio-reflection package speaks);
2. signs in: every call carries the bearer token (a JWT from the
   organisation's OIDC issuer, e.g. Keycloak's client-credentials grant;
   locally `target/local/secrets/tokens/<role>.jwt` or `borderflow-sim token`);
3. lists the crossings it may see;
4. watches anomalies for a while (after replaying recent ones);
5. pages through every anomaly it may see.

It prints one JSON line with what it found, for scripts and tests:

    python3 borderflow_client.py --aggregator 127.0.0.1:50052 \\
        --ca target/local/secrets/ca.pem \\
        --token-file target/local/secrets/tokens/analyst.jwt

Requirements: requirements.txt beside this file (grpcio, grpcio-tools,
grpcio-reflection).
"""

import argparse
import importlib
import json
import pathlib
import sys
import tempfile
import time

import grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_tools import protoc

PROTO_ROOT = pathlib.Path(__file__).resolve().parents[3] / "proto"
PROTOS = [
    "google/api/http.proto",
    "google/api/annotations.proto",
    "borderflow/inspection/v1/inspection.proto",
    "borderflow/triage/v1/triage.proto",
    "borderflow/analytics/v1/analytics.proto",
    "borderflow/audit/v1/audit.proto",
]


def generate_stubs(out_dir: pathlib.Path, proto_root: pathlib.Path):
    """Generates the Python modules from the .proto files into out_dir."""
    well_known = pathlib.Path(protoc.__file__).parent / "_proto"
    for proto in PROTOS:
        status = protoc.main([
            "grpc_tools.protoc",
            f"-I{proto_root}",
            f"-I{well_known}",
            f"--python_out={out_dir}",
            f"--grpc_python_out={out_dir}",
            str(proto_root / proto),
        ])
        if status != 0:
            raise SystemExit(f"protoc failed on {proto}")
    sys.path.insert(0, str(out_dir))
    analytics = importlib.import_module("borderflow.analytics.v1.analytics_pb2")
    analytics_grpc = importlib.import_module("borderflow.analytics.v1.analytics_pb2_grpc")
    return analytics, analytics_grpc


def channel(address: str, ca: str | None, domain: str | None):
    if ca is None:
        return grpc.insecure_channel(address)
    credentials = grpc.ssl_channel_credentials(root_certificates=pathlib.Path(ca).read_bytes())
    options = [("grpc.ssl_target_name_override", domain)] if domain else []
    return grpc.secure_channel(address, credentials, options=options)


def list_services(chan) -> list[str]:
    """Service names through reflection v1alpha (no credential needed)."""
    stub = reflection_pb2_grpc.ServerReflectionStub(chan)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    for response in stub.ServerReflectionInfo(iter([request]), timeout=10):
        return sorted(s.name for s in response.list_services_response.service)
    return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aggregator", default="127.0.0.1:50052", help="host:port of the aggregator's gRPC")
    parser.add_argument("--ca", help="PEM CA that signed the aggregator's certificate (TLS); plaintext without")
    parser.add_argument("--domain", help="name to verify in the certificate, when not the host")
    parser.add_argument("--token-file", required=True, help="file with the bearer token (JWT)")
    parser.add_argument("--watch-seconds", type=float, default=5.0, help="how long to watch anomalies")
    parser.add_argument("--replay", type=int, default=10, help="recent anomalies the watch starts with")
    parser.add_argument("--page-size", type=int, default=10, help="anomalies per page")
    parser.add_argument("--proto-root", default=str(PROTO_ROOT), help="the repository's proto/ folder")
    args = parser.parse_args()

    token = pathlib.Path(args.token_file).read_text().strip()
    signed_in = [("authorization", f"Bearer {token}")]
    with tempfile.TemporaryDirectory() as stubs:
        analytics, analytics_grpc = generate_stubs(pathlib.Path(stubs), pathlib.Path(args.proto_root))
        chan = channel(args.aggregator, args.ca, args.domain)
        services = list_services(chan)
        client = analytics_grpc.AnalyticsServiceStub(chan)

        crossings = client.ListCrossings(analytics.ListCrossingsRequest(), metadata=signed_in, timeout=10)

        watched = 0
        deadline = time.monotonic() + args.watch_seconds
        stream = client.WatchAnomalies(
            analytics.WatchAnomaliesRequest(replay=args.replay),
            metadata=signed_in,
            timeout=args.watch_seconds,
        )
        try:
            for _ in stream:
                watched += 1
                if time.monotonic() > deadline:
                    break
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                raise
        finally:
            stream.cancel()

        pages, anomalies, token_ = 0, 0, ""
        while True:
            page = client.ListAnomalies(
                analytics.ListAnomaliesRequest(page_size=args.page_size, page_token=token_),
                metadata=signed_in,
                timeout=10,
            )
            pages += 1
            anomalies += len(page.anomalies)
            token_ = page.next_page_token
            if not token_:
                break

        print(json.dumps({
            "services": services,
            "crossings": [c.crossing.id for c in crossings.crossings],
            "watched": watched,
            "pages": pages,
            "anomalies": anomalies,
        }))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except grpc.RpcError as err:
        print(f"{err.code().name}: {err.details()}", file=sys.stderr)
        sys.exit(1)
