#!/bin/bash
# Creates borderflow's Kafka topics with the partitions of DESIGN §4 and the
# retention of DESIGN §6, then (re)applies their configuration so a rerun
# converges an existing cluster. Runs in the apache/kafka image; safe to run
# again. The table in deploy/compose/README.md explains every choice; the
# Strimzi KafkaTopic resources in deploy/k8s/kafka/topics.yaml carry the same
# settings.
set -euo pipefail

bootstrap=${KAFKA_BOOTSTRAP:-kafka:9092}
replication=${KAFKA_REPLICATION_FACTOR:-1}
min_isr=${KAFKA_MIN_INSYNC_REPLICAS:-1}
inspection_partitions=${INSPECTION_PARTITIONS:-12}
bin=${KAFKA_HOME:-/opt/kafka}/bin

# Retention in milliseconds. Years are Julian (365.25 days), so a leap
# year never cuts a record's retention short.
three_years=94672800000   # EES entry/exit records (Regulation 2017/2226 Art. 34)
five_years=157788000000   # overstayers' records (Art. 34(3)): the anomaly log, the audit trail
document_history=17280000000  # 200 days = BORDERFLOW_DOCUMENT_RETENTION
window_results=604800000  # 7 days >= BORDERFLOW_QUERY_RETENTION + BORDERFLOW_LATE_RETENTION
dead_letters=2592000000   # 30 days to inspect and replay poison records

# topic NAME PARTITIONS KEY=VALUE...
topic() {
  local name=$1 partitions=$2
  shift 2
  local create_args=() alter=()
  for kv in "min.insync.replicas=${min_isr}" "$@"; do
    create_args+=(--config "$kv")
    local key=${kv%%=*} value=${kv#*=}
    # kafka-configs.sh takes lists in brackets.
    [[ $value == *,* ]] && value="[${value}]"
    alter+=("${key}=${value}")
  done
  "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic "$name" --partitions "$partitions" --replication-factor "$replication" \
    "${create_args[@]}"
  local IFS=,
  "$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter \
    --entity-type topics --entity-name "$name" --add-config "${alter[*]}"
  echo "topic $name ready: $partitions partitions, ${alter[*]}"
}

topic "${BORDERFLOW_TOPIC_INSPECTIONS:-borderflow.inspections.v1}" "$inspection_partitions" \
  cleanup.policy=delete "retention.ms=${three_years}"
topic "${BORDERFLOW_TOPIC_BY_DOCUMENT:-borderflow.inspections-by-document.v1}" "$inspection_partitions" \
  cleanup.policy=delete "retention.ms=${document_history}"
# The per-document state's changelog: one record per document (its latest
# history), compacted; partitioned exactly as the by-document topic, whose
# partition N keeps its state in partition N here. Deletions (forgotten
# histories) are kept a day, longer than BORDERFLOW_STATE_MAX_AGE (12h).
topic "${BORDERFLOW_TOPIC_DOCUMENT_STATE:-borderflow.document-state.v1}" "$inspection_partitions" \
  cleanup.policy=compact retention.ms=-1 delete.retention.ms=86400000 \
  min.compaction.lag.ms=60000 segment.ms=3600000
topic "${BORDERFLOW_TOPIC_CROSSING_STATS:-borderflow.crossing-stats.v1}" 6 \
  cleanup.policy=compact,delete "retention.ms=${window_results}" \
  min.compaction.lag.ms=60000 segment.ms=86400000
topic "${BORDERFLOW_TOPIC_ANOMALIES:-borderflow.anomalies.v1}" 6 \
  cleanup.policy=delete "retention.ms=${five_years}"
topic "${BORDERFLOW_TOPIC_REFERENCE:-borderflow.reference.v1}" 3 \
  cleanup.policy=compact retention.ms=-1 delete.retention.ms=86400000 segment.ms=86400000
topic "${BORDERFLOW_TOPIC_DEADLETTER:-borderflow.deadletter.v1}" 3 \
  cleanup.policy=delete "retention.ms=${dead_letters}"
# The audit trail (one record per API call, keyed by principal): never
# compacted, and kept as long as the longest-kept data it records access
# to (the anomaly log), so a data-protection supervisor can still trace
# who saw a record while it exists, as the EES keeps its access logs.
topic "${BORDERFLOW_TOPIC_AUDIT:-borderflow.audit.v1}" 3 \
  cleanup.policy=delete "retention.ms=${five_years}"
# Hourly statistics per crossing and hour: compacted (a late event's
# re-publication replaces the hour) and kept for good; days, months and
# years are summed from them.
topic "${BORDERFLOW_TOPIC_STATISTICS:-borderflow.statistics.v1}" 6 \
  cleanup.policy=compact retention.ms=-1 min.compaction.lag.ms=60000 segment.ms=86400000
# Protection referrals for partner services (minimal data, no identities):
# kept 30 days, long enough for a partner to recover from an outage.
topic "${BORDERFLOW_TOPIC_REFERRALS:-borderflow.referrals.v1}" 3 \
  cleanup.policy=delete retention.ms=2592000000
# The exchange with neighbouring countries' systems for twin pairs (signed
# aggregates and pair-keyed sets, never identities), keyed by pair: kept
# 7 days, what a restart reads back to reconcile and learn from.
topic "${BORDERFLOW_TOPIC_LIAISON:-borderflow.liaison.v1}" 3 \
  cleanup.policy=delete retention.ms=604800000
# The operators' triage of anomalies, keyed by anomaly id: compacted (the
# latest record is the anomaly's lifecycle) and kept as the anomalies are.
topic "${BORDERFLOW_TOPIC_TRIAGE:-borderflow.triage.v1}" 3 \
  cleanup.policy=compact retention.ms=-1 min.compaction.lag.ms=60000

"$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --describe --topics-with-overrides \
  | grep -E '^Topic: borderflow\.' || true
