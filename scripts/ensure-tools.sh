#!/usr/bin/env bash
# Installs what borderflow's local run and tests need and this machine lacks:
# Debian packages (libssl-dev for librdkafka, prometheus for promtool,
# chromium for the dashboard test), the tansu broker and cargo-machete (the
# unused-dependency check) from crates.io, and a Python environment with the
# example client's packages from PyPI. Cargo installs into ~/.cargo/bin,
# which CI keeps between runs. Safe to run again: it only installs what is
# missing.
set -euo pipefail

TANSU_VERSION=0.6.0
MACHETE_VERSION=0.9.2
want_browser=${BORDERFLOW_NEED_BROWSER:-1}
want_promtool=${BORDERFLOW_NEED_PROMTOOL:-1}
want_python=${BORDERFLOW_NEED_PYTHON:-1}

missing=()
dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
dpkg -s pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
[[ $want_promtool == 1 ]] && ! command -v promtool >/dev/null 2>&1 && missing+=(prometheus)
[[ $want_browser == 1 ]] && [[ ! -x /usr/bin/chromium ]] && missing+=(chromium)
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

tansu_bin="${CARGO_HOME:-$HOME/.cargo}/bin/tansu"
if ! { [[ -x $tansu_bin ]] && "$tansu_bin" --version 2>/dev/null | grep -q "$TANSU_VERSION"; }; then
  echo "installing the tansu broker $TANSU_VERSION (about 15 minutes on 2 cores, once per machine)" >&2
  cargo install tansu --locked --version "$TANSU_VERSION" --features dynostore,libsql >&2
fi

machete_bin="${CARGO_HOME:-$HOME/.cargo}/bin/cargo-machete"
if ! { [[ -x $machete_bin ]] && "$machete_bin" --version 2>/dev/null | grep -q "$MACHETE_VERSION"; }; then
  echo "installing cargo-machete $MACHETE_VERSION (a few minutes, once per machine)" >&2
  cargo install cargo-machete --locked --version "$MACHETE_VERSION" >&2
fi

# The Python example client's environment, kept beside the cargo cache and
# rebuilt when its requirements change.
if [[ $want_python == 1 ]]; then
  venv="${CARGO_HOME:-$HOME/.cargo}/borderflow-python"
  requirements=docs/examples/python/requirements.txt
  if ! cmp -s "$requirements" "$venv/requirements.txt"; then
    echo "installing the Python client's packages into $venv" >&2
    rm -rf "$venv"
    if ! python3 -m venv "$venv" 2>/dev/null; then
      sudo_cmd=()
      [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
      "${sudo_cmd[@]}" apt-get update -qq
      DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
      python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" >&2
    cp "$requirements" "$venv/requirements.txt"
  fi
fi
