#!/usr/bin/env bash
# borderflow on one machine: a tansu broker in memory, the topics,
# development secrets and certificates, ingest (TLS, per-booth tokens), the
# aggregator (TLS, access control against a local token issuer; dashboard,
# metrics, gRPC) and the simulator playing a trainer scenario. Prints where
# to look and the tokens to sign in with; Ctrl-C stops everything.
#
#   deploy/local/run.sh [SCENARIO]     # default: central-asia-week
#
# SCENARIO is a shipped scenario name (simulator/scenarios/) or a TOML file.
# Environment: BORDERFLOW_LOCAL_DIR (state and logs, default target/local),
# BORDERFLOW_BROKER_PORT (9092), BORDERFLOW_SIM_SPEED (the scenario's clock
# unless set, e.g. x360), BORDERFLOW_ALLOWED_LATENESS (scaled to the clock
# unless set), BORDERFLOW_KEEP_RUNNING=0 to stop once the scorecard is out,
# BORDERFLOW_SIM_CONTROL_ADDR (the trainer's control endpoint, default
# 127.0.0.1:50070; "off" for none).
#
# Two countries, two systems: BORDERFLOW_LOCAL_NEIGHBOUR=KGZ (ISO codes,
# comma-separated) starts a second borderflow for those countries'
# crossings on the same broker: its own secrets, tokens and CA
# ($state/neighbour/secrets), its own topics (prefix "neighbour."), consumer
# groups, ingest (127.0.0.1:50061) and aggregator (127.0.0.1:50062, dashboard
# 9192). Only the exchange topic and the twin pairs' keys are shared; the
# simulator streams each crossing's booths to its own country's ingest.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
scenario=${1:-central-asia-week}
scenario_file=$scenario
[[ -f $scenario_file ]] || scenario_file=simulator/scenarios/$scenario.toml
if [[ ! -f $scenario_file ]]; then
  echo "no scenario '$scenario'; shipped ones:" >&2
  ls simulator/scenarios/*.toml | xargs -n1 basename | sed 's/\.toml$//' >&2
  exit 2
fi
network=$(sed -n 's/^network *= *"\(.*\)"/\1/p' "$scenario_file" | head -n1)
speed=${BORDERFLOW_SIM_SPEED:-}
broker_port=${BORDERFLOW_BROKER_PORT:-9092}
state=${BORDERFLOW_LOCAL_DIR:-$root/target/local}
# The twin posts exchange with each other when the scenario moves
# travellers between them (couple_twins); uncoupled posts would never
# reconcile.
pair_keys=()
if grep -q '^couple_twins *= *true' "$scenario_file"; then
  pair_keys=(--pair-keys-file "$state/secrets/pair-keys")
fi
keep_running=${BORDERFLOW_KEEP_RUNNING:-1}
neighbour=${BORDERFLOW_LOCAL_NEIGHBOUR:-}
if [[ -n $neighbour && ! $neighbour =~ ^[A-Z]{3}(,[A-Z]{3})*$ ]]; then
  echo "BORDERFLOW_LOCAL_NEIGHBOUR: '$neighbour' is not a comma-separated list of ISO 3166-1 alpha-3 codes" >&2
  exit 2
fi

BORDERFLOW_NEED_BROWSER=0 BORDERFLOW_NEED_PROMTOOL=0 BORDERFLOW_NEED_PYTHON=0 scripts/ensure-tools.sh
echo "building the services (release)…" >&2
cargo build --release --locked -p borderflow-ingest -p borderflow-aggregator -p borderflow-simulator --bins
bin=${CARGO_TARGET_DIR:-$root/target}/release
tansu=${CARGO_HOME:-$HOME/.cargo}/bin/tansu

rm -rf "$state"
mkdir -p "$state/logs" "$state/outbox"
pids=()
cleanup() {
  trap - EXIT INT TERM
  echo "stopping…" >&2
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_for_port() { # port what
  for _ in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "$2 did not open 127.0.0.1:$1; see $state/logs" >&2
  exit 1
}

wait_for_ready() { # port what
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET /readyz HTTP/1.0\r\n\r\n' >&3 && head -n1 <&3 | grep -q ' 200') 2>/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  echo "$2 did not become ready; see $state/logs" >&2
  exit 1
}

broker=127.0.0.1:$broker_port
"$tansu" broker --listener-url "tcp://$broker" --advertised-listener-url "tcp://$broker" \
  --storage-engine memory://tansu/ >"$state/logs/broker.log" 2>&1 &
pids+=($!)
wait_for_port "$broker_port" "the broker"
prefixes=("")
[[ -n $neighbour ]] && prefixes+=("neighbour.")
for prefix in "${prefixes[@]}"; do
  for spec in inspections:12 inspections-by-document:12 document-state:12 crossing-stats:6 anomalies:6 reference:3 deadletter:3 audit:3 statistics:6 referrals:3 liaison:3 triage:3; do
    "$tansu" topic create "${prefix}borderflow.${spec%%:*}.v1" --partitions "${spec##*:}" --broker "tcp://$broker" \
      >>"$state/logs/broker.log" 2>&1
  done
done

"$bin/borderflow-sim" dev-setup --network "$network" --out "$state/secrets" >"$state/logs/dev-setup.log"
# The trainer's control endpoint (pause, speed, inject, end): on loopback,
# behind a secret of its own.
control_addr=${BORDERFLOW_SIM_CONTROL_ADDR:-127.0.0.1:50070}
control_secret=$state/secrets/trainer-control.secret
if [[ $control_addr != off ]]; then
  (umask 077 && head -c 32 /dev/urandom | base64 >"$control_secret")
fi

export BORDERFLOW_KAFKA_BROKERS=$broker
export BORDERFLOW_LOG_FORMAT=text

BORDERFLOW_INGEST_GRPC_ADDR=127.0.0.1:50051 \
BORDERFLOW_INGEST_ADMIN_ADDR=127.0.0.1:9181 \
BORDERFLOW_TLS_CERT=$state/secrets/server.pem \
BORDERFLOW_TLS_KEY=$state/secrets/server-key.pem \
BORDERFLOW_CREDENTIALS=$state/secrets/credentials.toml \
BORDERFLOW_SECRET_FILE=$state/secrets/pseudonymisation.secret \
  "$bin/borderflow-ingest" "${pair_keys[@]}" >"$state/logs/ingest.log" 2>&1 &
pids+=($!)

# Event time runs at the scenario's clock: a tenth of a second of wall
# time between booth and broker is minutes of event time at 720x, so
# windows wait proportionally longer for stragglers.
lateness=${BORDERFLOW_ALLOWED_LATENESS:-15m}
# Operators, trainers and other systems authenticate with tokens of the
# local issuer dev-setup wrote (a deployment names its OIDC provider's JWKS).
# The broker keeps nothing between runs, so neither does the local copy of
# the per-document state.
rm -rf "$state/document-state"
BORDERFLOW_STATE_DIR=$state/document-state \
BORDERFLOW_AGGREGATOR_GRPC_ADDR=127.0.0.1:50052 \
BORDERFLOW_AGGREGATOR_ADMIN_ADDR=127.0.0.1:9182 \
BORDERFLOW_ALLOWED_LATENESS=$lateness \
BORDERFLOW_TLS_CERT=$state/secrets/server.pem \
BORDERFLOW_TLS_KEY=$state/secrets/server-key.pem \
BORDERFLOW_AUTH_JWKS_FILE=$state/secrets/jwks.json \
BORDERFLOW_AUTH_ISSUER=https://borderflow.invalid/dev-issuer \
  "$bin/borderflow-aggregator" "${pair_keys[@]}" >"$state/logs/aggregator.log" 2>&1 &
pids+=($!)

wait_for_ready 9181 "ingest"
wait_for_ready 9182 "the aggregator"

if [[ -n $neighbour ]]; then
  # The neighbour's own secrets; the pair keys are the one thing agreed
  # between the two services.
  nb=$state/neighbour
  mkdir -p "$nb"
  "$bin/borderflow-sim" dev-setup --network "$network" --out "$nb/secrets" >"$state/logs/neighbour-dev-setup.log"
  cp "$state/secrets/pair-keys" "$nb/secrets/pair-keys"
  nb_keys=()
  ((${#pair_keys[@]})) && nb_keys=(--pair-keys-file "$nb/secrets/pair-keys")
  nb_topics=()
  for t in inspections:inspections by-document:inspections-by-document document-state:document-state \
    crossing-stats:crossing-stats anomalies:anomalies reference:reference deadletter:deadletter audit:audit \
    statistics:statistics referrals:referrals triage:triage; do
    nb_topics+=("--topic-${t%%:*}" "neighbour.borderflow.${t##*:}.v1")
  done
  BORDERFLOW_INGEST_GRPC_ADDR=127.0.0.1:50061 \
  BORDERFLOW_INGEST_ADMIN_ADDR=127.0.0.1:9191 \
  BORDERFLOW_TLS_CERT=$nb/secrets/server.pem \
  BORDERFLOW_TLS_KEY=$nb/secrets/server-key.pem \
  BORDERFLOW_CREDENTIALS=$nb/secrets/credentials.toml \
  BORDERFLOW_SECRET_FILE=$nb/secrets/pseudonymisation.secret \
    "$bin/borderflow-ingest" "${nb_topics[@]}" "${nb_keys[@]}" >"$state/logs/neighbour-ingest.log" 2>&1 &
  pids+=($!)
  rm -rf "$nb/document-state"
  BORDERFLOW_STATE_DIR=$nb/document-state \
  BORDERFLOW_GROUP_ID=neighbour-borderflow-aggregator \
  BORDERFLOW_AGGREGATOR_GRPC_ADDR=127.0.0.1:50062 \
  BORDERFLOW_AGGREGATOR_ADMIN_ADDR=127.0.0.1:9192 \
  BORDERFLOW_ALLOWED_LATENESS=$lateness \
  BORDERFLOW_TLS_CERT=$nb/secrets/server.pem \
  BORDERFLOW_TLS_KEY=$nb/secrets/server-key.pem \
  BORDERFLOW_AUTH_JWKS_FILE=$nb/secrets/jwks.json \
  BORDERFLOW_AUTH_ISSUER=https://borderflow.invalid/dev-issuer \
    "$bin/borderflow-aggregator" "${nb_topics[@]}" "${nb_keys[@]}" >"$state/logs/neighbour-aggregator.log" 2>&1 &
  pids+=($!)
  wait_for_ready 9191 "the neighbour's ingest"
  wait_for_ready 9192 "the neighbour's aggregator"
  {
    echo "[[neighbour]]"
    echo "countries = [\"${neighbour//,/\", \"}\"]"
    echo "ingest = \"https://127.0.0.1:50061\""
    echo "aggregator = \"https://127.0.0.1:50062\""
    echo "setup = \"neighbour/secrets\""
  } >"$state/neighbours.toml"
  cat >&2 <<INFO

the neighbour's borderflow ($neighbour) is running
  dashboard          http://127.0.0.1:9192/   tokens in $nb/secrets/tokens/
  gRPC               ingest 127.0.0.1:50061, aggregator 127.0.0.1:50062 (CA $nb/secrets/ca.pem)
  topics             neighbour.borderflow.*.v1; the exchange borderflow.liaison.v1 is shared
INFO
fi

cat >&2 <<INFO

borderflow is running
  dashboard          http://127.0.0.1:9182/   sign in with a token from $state/secrets/tokens/
                     (analyst.jwt sees everything; borderflow-sim token --setup $state/secrets
                     --role viewer --countries KGZ mints a narrower one)
  aggregator metrics http://127.0.0.1:9182/metrics   gRPC 127.0.0.1:50052 (TLS; AnalyticsService,
                     ReferenceService, AuditService; bearer tokens as above)
  ingest metrics     http://127.0.0.1:9181/metrics   gRPC 127.0.0.1:50051 (TLS)
  CA                 $state/secrets/ca.pem
  broker             $broker (tansu, in memory)
  logs               $state/logs/
scenario $scenario on network $network; the scorecard follows when it ends.
INFO
if [[ $control_addr != off ]]; then
  cat >&2 <<INFO
  trainer control    borderflow-sim control --addr $control_addr --token-file $control_secret status
                     (pause, resume, speed x720, inject NAME, end, log --follow); the exercise
                     log is $state/exercise-log.jsonl
INFO
fi
echo >&2

sim_args=(run "$scenario_file"
  --ingest https://127.0.0.1:50051
  --aggregator https://127.0.0.1:50052
  --aggregator-token-file "$state/secrets/tokens/trainer.jwt"
  --tls-ca "$state/secrets/ca.pem"
  --token-secret-file "$state/secrets/checkpoint-tokens.secret"
  --secret-file "$state/secrets/pseudonymisation.secret"
  --outbox-dir "$state/outbox"
  --scorecard "$state/scorecard.json"
  --report "$state/report.html"
  --record "$state/exercise.json")
[[ -n $speed ]] && sim_args+=(--speed "$speed")
[[ $control_addr != off ]] && sim_args+=(--control-addr "$control_addr"
  --control-token-file "$control_secret" --exercise-log "$state/exercise-log.jsonl")
[[ -n $neighbour ]] && sim_args+=(--neighbours-file "$state/neighbours.toml")
"$bin/borderflow-sim" "${sim_args[@]}" 2> >(tee "$state/logs/simulator.log" >&2) &
sim=$!
pids+=($sim)
wait "$sim" || echo "the simulator ended with an error; see $state/logs/simulator.log" >&2

echo "scorecard written to $state/scorecard.json, the after-action report to $state/report.html" >&2
if [[ $keep_running == 1 ]]; then
  echo "services keep running for the dashboard; Ctrl-C stops them" >&2
  wait "${pids[0]}"
fi
