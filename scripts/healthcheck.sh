#!/usr/bin/env bash
# The containers' health check: GET <path> (default /health) from the process's own API on
# 127.0.0.1:$PORT with bash's /dev/tcp, healthy on a 200. A few KB of memory, where a
# `deno eval` costs a whole runtime (~100 MB) at every check.
set -euo pipefail
path=${1:-/health}
exec 3<>"/dev/tcp/127.0.0.1/${PORT:-8080}"
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$path" >&3
read -r -t 3 _ status _ <&3
[ "$status" = 200 ]
