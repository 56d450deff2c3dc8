#!/usr/bin/env bash
# Starts (or stops) a throw-away 3-master Redis Cluster on loopback for tests and trials.
#   scripts/redis-cluster.sh start   # prints the store URL: redis-cluster://127.0.0.1:17001,...
#   scripts/redis-cluster.sh stop
#   scripts/redis-cluster.sh status  # exits 0 (and prints the URL) when the cluster answers, 1 when not
# Ports: SESSIOND_CLUSTER_PORTS (default "17001 17002 17003"); data under ${TMPDIR:-/tmp}/sessiond-redis-cluster.
set -euo pipefail
ports=(${SESSIOND_CLUSTER_PORTS:-17001 17002 17003})
dir="${TMPDIR:-/tmp}/sessiond-redis-cluster"
url="redis-cluster://$(printf '127.0.0.1:%s,' "${ports[@]}" | sed 's/,$//')"

healthy() { redis-cli -p "${ports[0]}" cluster info 2>/dev/null | grep -q cluster_state:ok; }

case "${1:-start}" in
  start)
    if healthy; then echo "$url"; exit 0; fi
    command -v redis-server >/dev/null || { echo "redis-server is not installed (apt-get install redis-server)" >&2; exit 1; }
    for p in "${ports[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
    rm -rf "$dir" && mkdir -p "$dir"
    for p in "${ports[@]}"; do
      redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$dir/nodes-$p.conf" \
        --cluster-node-timeout 5000 --daemonize yes --save '' --appendonly no --dir "$dir" \
        --pidfile "$dir/redis-$p.pid" --logfile "$dir/redis-$p.log" >/dev/null
    done
    for p in "${ports[@]}"; do until redis-cli -p "$p" ping >/dev/null 2>&1; do sleep 0.1; done; done
    redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1
    for _ in $(seq 1 100); do healthy && break; sleep 0.2; done
    healthy || { echo "the cluster did not reach cluster_state:ok; see $dir" >&2; exit 1; }
    echo "$url"
    ;;
  status)
    healthy || exit 1
    echo "$url"
    ;;
  stop)
    for p in "${ports[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 64 ;;
esac
