#!/usr/bin/env bash
# Validates everything under deploy/ that can be validated without Docker or
# a cluster; CI runs it (scripts/test.sh). Needs python3 with PyYAML and
# promtool (Debian: apt-get install prometheus). Uses kubectl's built-in
# kustomize to render the overlays when kubectl is installed.
#
# The metrics referenced by the rules and dashboards are checked against
# the services' telemetry contract by a Rust test:
#   cargo test -p borderflow-systest --test metrics_contract
#
# Prints one line per check and exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")"

PROMTOOL=${PROMTOOL:-promtool}
failed=()
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME COMMAND...: runs COMMAND, prints its output indented under
# NAME with ok or FAILED.
check() {
  local name=$1
  shift
  local output status
  output=$("$@" 2>&1)
  status=$?
  if ((status == 0)); then
    printf 'ok      %s\n' "$name"
  else
    printf 'FAILED  %s\n' "$name"
    failed+=("$name")
  fi
  [[ -n $output ]] && sed 's/^/        /' <<<"$output"
}

if ! command -v "$PROMTOOL" >/dev/null 2>&1; then
  echo "promtool not found (Debian: apt-get install prometheus; or set PROMTOOL)" >&2
  exit 2
fi
if ! python3 -c 'import yaml' 2>/dev/null; then
  echo "python3 with PyYAML is required" >&2
  exit 2
fi
echo "deploy/ checks with $("$PROMTOOL" --version 2>&1 | head -n1)"

check "every YAML file parses" python3 check.py yaml
check "every JSON file parses" python3 check.py json
check "shell scripts parse (bash -n)" \
  bash -c 'for f in $(find . -name "*.sh" | sort); do bash -n "$f" || exit 1; echo "$f"; done'

# Prometheus.
check "promtool check config prometheus/prometheus.yml" \
  "$PROMTOOL" check config prometheus/prometheus.yml

k8s_config=prometheus/prometheus-kubernetes.yml
if "$PROMTOOL" check config "$k8s_config" >"$tmp/k8s-config.out" 2>&1; then
  check "promtool check config $k8s_config" cat "$tmp/k8s-config.out"
elif grep -q "kubernetes_sd_configs not found" "$tmp/k8s-config.out"; then
  # Debian builds promtool without Kubernetes service discovery: check the
  # rest of the file with the discovery swapped for static targets.
  python3 check.py k8s-sd-free-copy "$k8s_config" "$tmp/prometheus-kubernetes.yml"
  check "promtool check config $k8s_config (this promtool lacks kubernetes_sd; checked with it replaced)" \
    "$PROMTOOL" check config "$tmp/prometheus-kubernetes.yml"
else
  printf 'FAILED  promtool check config %s\n' "$k8s_config"
  sed 's/^/        /' "$tmp/k8s-config.out"
  failed+=("promtool check config $k8s_config")
fi

shopt -s nullglob
rules=(prometheus/*rules*.yml)
tests=(prometheus/tests/*.yml)
shopt -u nullglob
if ((${#rules[@]} == 0 || ${#tests[@]} == 0)); then
  printf 'FAILED  alert rules and rule tests exist\n'
  failed+=("alert rules and rule tests exist")
else
  check "promtool check rules ${rules[*]}" "$PROMTOOL" check rules "${rules[@]}"
  check "promtool test rules ${tests[*]}" "$PROMTOOL" test rules "${tests[@]}"
fi
check "alerts: labels, annotations, runbook, tested firing and quiet" python3 check.py alerts

# Grafana.
check "grafana: dashboards and provisioning" python3 check.py dashboards "$PROMTOOL"

# Compose and Kubernetes.
check "compose: services, wiring, mounts" python3 check.py compose
check "k8s: manifests, references, topics" python3 check.py k8s

if command -v kubectl >/dev/null 2>&1; then
  check "kubectl kustomize k8s/overlays/production" \
    bash -c 'n=$(kubectl kustomize k8s/overlays/production | grep -c "^kind:") && echo "$n objects rendered"'
  # The dev overlay generates Secrets and the JWKS ConfigMap from
  # dev-setup files; render it on a copy with stand-in files.
  cp -r k8s "$tmp/k8s"
  mkdir -p "$tmp/k8s/overlays/dev/secrets"
  for f in pseudonymisation.secret server.pem server-key.pem ca.pem credentials.toml jwks.json; do
    echo "stand-in" >"$tmp/k8s/overlays/dev/secrets/$f"
  done
  check "kubectl kustomize k8s/overlays/dev (stand-in secret files)" \
    bash -c "n=\$(kubectl kustomize '$tmp/k8s/overlays/dev' | grep -c '^kind:') && echo \"\$n objects rendered\""
else
  echo "skipped kubectl kustomize (kubectl not installed)"
fi

echo
if ((${#failed[@]})); then
  echo "${#failed[@]} check(s) failed:"
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
echo "all deploy/ checks passed"
