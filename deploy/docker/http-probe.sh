#!/bin/bash
# borderflow-http-probe PORT [PATH]
#
# Exits 0 when http://127.0.0.1:PORT/PATH answers 200, else 1. For container
# health checks in an image without curl or wget: bash's /dev/tcp is enough
# for the admin port's /healthz and /readyz.
set -euo pipefail

port=${1:?usage: borderflow-http-probe PORT [PATH]}
path=${2:-/healthz}

exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$path" "$port" >&3
IFS= read -r -t 5 status <&3 || exit 1
exec 3<&-
case $status in
  "HTTP/1."[01]" 200 "*) exit 0 ;;
  *) echo "GET $path: ${status%$'\r'}" >&2; exit 1 ;;
esac
