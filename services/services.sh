#!/usr/bin/env bash
# The real services Sluice's tests and benchmarks talk to, all on 127.0.0.1.
#
#   bash services/services.sh start  [kafka|postgres|redis|mongo|prometheus|s3|all]  (default: kafka postgres redis)
#   bash services/services.sh stop   [kafka|mongo|prometheus|s3|all]  (default: what was started here)
#   bash services/services.sh status                                   (one line per service)
#   bash services/services.sh env                                      (KAFKA_BROKERS=... lines)
#
# Kafka (KRaft, one node, 9092/9093), mongo-java-server (27017) and Adobe S3Mock (S3 API over HTTP on
# 9090, path-style, any credentials; its objects under $CACHE/s3mock-*/data) run from jars that Maven fetches
# from Maven Central into $SLUICE_SERVICES_DIR (default ~/.cache/sluice-services), cached between
# runs; their logs and pid files live there too. PostgreSQL and Redis are the machine's own: started
# if they do not answer, never stopped. A variable the user set (KAFKA_BROKERS, DATABASE_URL,
# Prometheus is Debian's package (it brings promtool), installed by apt-get when missing and run as a
# plain process on 127.0.0.1:9095 with its config in $CACHE/prometheus: it scrapes every target
# file a test writes into $CACHE/prometheus/targets (file_sd, every second).
# REDIS_URL, MONGODB_URL, S3_ENDPOINT, PROMETHEUS_URL) means that service is theirs and is left alone.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${SLUICE_SERVICES_DIR:-$HOME/.cache/sluice-services}
pom_prop() { sed -n "s:.*<$2>\(.*\)</$2>.*:\1:p" "$HERE/$1/pom.xml" | head -n 1; }
KAFKA_VERSION=$(pom_prop kafka kafka.version)
MONGO_VERSION=$(pom_prop mongo mongo.version)
KAFKA_HOME="$CACHE/kafka-$KAFKA_VERSION"
MONGO_HOME="$CACHE/mongo-$MONGO_VERSION"
S3MOCK_VERSION=4.11.0
S3MOCK_HOME="$CACHE/s3mock-$S3MOCK_VERSION"
KAFKA_LOG4J=(-Dlog4j2.configurationFile="$HERE/kafka/log4j2.properties")

log() { echo "services: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; } # tcp_open <host> <port>
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }         # alive <pidfile>
deadline_wait() { # deadline_wait <end (in $SECONDS)> <command...>: poll until it succeeds
  local end=$1; shift
  until "$@" >/dev/null 2>&1; do [ "$SECONDS" -lt "$end" ] || return 1; sleep 0.5; done
}
up_or_dead() { tcp_open 127.0.0.1 "$2" || ! alive "$1"; } # up_or_dead <pidfile> <port>: stop waiting

pg_user() { # a user that PostgreSQL's trust auth lets into `test` (postgres, else root)
  local u
  for u in postgres root "$(id -un)"; do
    psql -h 127.0.0.1 -U "$u" -d test -Atqc 'select 1' >/dev/null 2>&1 && { echo "$u"; return; }
  done
  echo postgres
}

fetch_jars() { # fetch_jars <pom dir> <libs dir>: mvn copy-dependencies once, then cached
  [ -f "$2/.complete" ] && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch jars from Maven Central"
  log "fetching $(basename "$1") jars from Maven Central into $2 (once)"
  rm -rf "$2" && mkdir -p "$2"
  (cd "$1" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$2") >"$2.mvn.log" 2>&1 ||
    { tail -n 30 "$2.mvn.log" >&2; die "mvn dependency:copy-dependencies failed in $1"; }
  touch "$2/.complete"
}

kafka_ready() { # kafka_ready <seconds>: real client requests (create, describe, delete a topic)
  local secs=$(($1 > 10 ? $1 : 10))
  timeout $((secs + 20)) java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$KAFKA_HOME/libs/*" \
    "${KAFKA_LOG4J[@]}" -Dkafka.log.file=/dev/null "$HERE/kafka/Ready.java" 127.0.0.1:9092 "$secs"
}

start_kafka() {
  if [ -n "${KAFKA_BROKERS:-}" ]; then log "KAFKA_BROKERS is set ($KAFKA_BROKERS): not starting Kafka"; return; fi
  if tcp_open 127.0.0.1 9092; then log "kafka already answers on 127.0.0.1:9092"; return; fi
  command -v java >/dev/null || die "Java 17 is needed to run the Kafka broker"
  local end=$((SECONDS + 90))
  if ! alive "$KAFKA_HOME/kafka.pid"; then
    fetch_jars "$HERE/kafka" "$KAFKA_HOME/libs"
    end=$((SECONDS + 90)) # the deadline counts from the broker's start, not the download
    mkdir -p "$KAFKA_HOME/data"
    { grep -v '^log.dirs=' "$HERE/kafka/server.properties"; echo "log.dirs=$KAFKA_HOME/data"; } \
      >"$KAFKA_HOME/server.properties"
    # Kafka's own collector settings (kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS): with the
    # serial collector, young collections stopped the broker 20-30 ms every ~9 s under the ingest
    # bench, each one a stall of every produce; G1's were 4-12 ms.
    local jvm=(-Xms128m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
      -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
      -cp "$KAFKA_HOME/libs/*" "${KAFKA_LOG4J[@]}" -Dkafka.log.file="$KAFKA_HOME/kafka.log")
    if [ ! -f "$KAFKA_HOME/data/meta.properties" ]; then
      # A cluster id is 16 random bytes in URL-safe base64 without padding (what `random-uuid` prints).
      local id; id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
      log "formatting Kafka storage in $KAFKA_HOME/data (cluster $id)"
      java "${jvm[@]}" kafka.tools.StorageTool format --cluster-id="$id" -c "$KAFKA_HOME/server.properties" \
        --ignore-formatted >"$KAFKA_HOME/format.log" 2>&1 ||
        { cat "$KAFKA_HOME/format.log" >&2; die "formatting Kafka storage failed"; }
    fi
    log "starting Kafka $KAFKA_VERSION (KRaft) on 127.0.0.1:9092, log $KAFKA_HOME/kafka.log"
    setsid nohup java "${jvm[@]}" kafka.Kafka "$KAFKA_HOME/server.properties" \
      </dev/null >"$KAFKA_HOME/stdout.log" 2>&1 9>&- &
    echo $! >"$KAFKA_HOME/kafka.pid"
  else
    log "kafka (pid $(cat "$KAFKA_HOME/kafka.pid")) is starting: waiting for it"
  fi
  if deadline_wait "$end" up_or_dead "$KAFKA_HOME/kafka.pid" 9092 && tcp_open 127.0.0.1 9092 &&
    kafka_ready $((end - SECONDS)) >"$KAFKA_HOME/ready.log" 2>&1; then
    log "kafka is up on 127.0.0.1:9092 ($(tail -n 1 "$KAFKA_HOME/ready.log"))"
  else
    log "last lines of the broker's logs:"
    tail -n 30 "$KAFKA_HOME/stdout.log" "$KAFKA_HOME/kafka.log" "$KAFKA_HOME/ready.log" >&2 2>/dev/null || true
    alive "$KAFKA_HOME/kafka.pid" || die "the Kafka broker exited before answering on 127.0.0.1:9092"
    die "Kafka did not answer a client request on 127.0.0.1:9092 within 90 s"
  fi
}

start_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then log "DATABASE_URL is set: not touching PostgreSQL"; return; fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    log "PostgreSQL does not answer: starting it"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start >&2 9>&- ||
      die "PostgreSQL could not be started"
    deadline_wait $((SECONDS + 30)) pg_isready -q -h 127.0.0.1 -p 5432 ||
      die "PostgreSQL does not answer on 127.0.0.1:5432"
    log "postgres is up on 127.0.0.1:5432"
  fi
}

start_redis() {
  if [ -n "${REDIS_URL:-}" ]; then log "REDIS_URL is set: not touching Redis"; return; fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    log "Redis does not answer: starting it"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >&2 9>&- ||
      die "Redis could not be started"
    deadline_wait $((SECONDS + 20)) redis-cli -h 127.0.0.1 -p 6379 ping ||
      die "Redis does not answer on 127.0.0.1:6379"
    log "redis is up on 127.0.0.1:6379"
  fi
}

start_mongo() {
  if [ -n "${MONGODB_URL:-}" ]; then log "MONGODB_URL is set: not starting the MongoDB wire server"; return; fi
  if tcp_open 127.0.0.1 27017; then log "mongo already answers on 127.0.0.1:27017"; return; fi
  command -v java >/dev/null || die "Java 17 is needed to run mongo-java-server"
  if ! alive "$MONGO_HOME/mongo.pid"; then
    fetch_jars "$HERE/mongo" "$MONGO_HOME/libs"
    log "starting mongo-java-server $MONGO_VERSION on 127.0.0.1:27017, log $MONGO_HOME/mongo.log"
    setsid nohup java -Xms128m -Xmx1g -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
      -cp "$MONGO_HOME/libs/*" "$HERE/mongo/Launcher.java" 127.0.0.1 27017 \
      </dev/null >"$MONGO_HOME/mongo.log" 2>&1 9>&- &
    echo $! >"$MONGO_HOME/mongo.pid"
  fi
  deadline_wait $((SECONDS + 60)) up_or_dead "$MONGO_HOME/mongo.pid" 27017 && tcp_open 127.0.0.1 27017 ||
    { tail -n 30 "$MONGO_HOME/mongo.log" >&2 || true; die "mongo-java-server did not listen on 127.0.0.1:27017"; }
  log "mongo is up on 127.0.0.1:27017"
}

PROM_HOME="$CACHE/prometheus"
PROM_PORT=9095

start_prometheus() {
  if [ -n "${PROMETHEUS_URL:-}" ]; then log "PROMETHEUS_URL is set: not starting Prometheus"; return; fi
  if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
    log "installing Debian's prometheus package (prometheus, promtool)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus; } >&2 ||
      die "apt-get install prometheus failed"
  fi
  if curl -fsS "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1; then
    log "prometheus already answers on 127.0.0.1:$PROM_PORT"; return
  fi
  tcp_open 127.0.0.1 "$PROM_PORT" && die "127.0.0.1:$PROM_PORT is taken by something that is not Prometheus"
  mkdir -p "$PROM_HOME/targets"
  cp "$HERE/prometheus/prometheus.yml" "$PROM_HOME/prometheus.yml"
  if ! alive "$PROM_HOME/prometheus.pid"; then
    rm -rf "$PROM_HOME/data" # a test's series are of no use to the next run
    log "starting Prometheus on 127.0.0.1:$PROM_PORT, log $PROM_HOME/prometheus.log"
    setsid nohup prometheus --config.file="$PROM_HOME/prometheus.yml" \
      --storage.tsdb.path="$PROM_HOME/data" --storage.tsdb.retention.time=6h \
      --web.listen-address="127.0.0.1:$PROM_PORT" \
      </dev/null >"$PROM_HOME/prometheus.log" 2>&1 9>&- &
    echo $! >"$PROM_HOME/prometheus.pid"
  fi
  deadline_wait $((SECONDS + 60)) curl -fsS "http://127.0.0.1:$PROM_PORT/-/ready" ||
    { tail -n 30 "$PROM_HOME/prometheus.log" >&2 || true; die "Prometheus did not answer on 127.0.0.1:$PROM_PORT"; }
  log "prometheus is up on 127.0.0.1:$PROM_PORT"
}
start_s3() {
  if [ -n "${S3_ENDPOINT:-}" ]; then log "S3_ENDPOINT is set ($S3_ENDPOINT): not starting S3Mock"; return; fi
  if s3_ready; then log "s3 already answers on 127.0.0.1:9090"; return; fi
  command -v java >/dev/null || die "Java 17 is needed to run S3Mock"
  local jar="$S3MOCK_HOME/s3mock-$S3MOCK_VERSION-exec.jar"
  if ! alive "$S3MOCK_HOME/s3mock.pid"; then
    if [ ! -f "$jar" ]; then
      command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch S3Mock from Maven Central"
      log "fetching S3Mock $S3MOCK_VERSION from Maven Central into $S3MOCK_HOME (once)"
      mkdir -p "$S3MOCK_HOME"
      mvn -q -B dependency:copy -Dartifact="com.adobe.testing:s3mock:$S3MOCK_VERSION:jar:exec" \
        -DoutputDirectory="$S3MOCK_HOME" >"$S3MOCK_HOME/mvn.log" 2>&1 ||
        { tail -n 30 "$S3MOCK_HOME/mvn.log" >&2; die "fetching S3Mock failed"; }
    fi
    mkdir -p "$S3MOCK_HOME/data"
    s3_quarantine
    log "starting S3Mock $S3MOCK_VERSION on 127.0.0.1:9090, log $S3MOCK_HOME/s3mock.log"
    COM_ADOBE_TESTING_S3MOCK_STORE_ROOT="$S3MOCK_HOME/data" \
      COM_ADOBE_TESTING_S3MOCK_STORE_RETAIN_FILES_ON_EXIT=true SERVER_ADDRESS=127.0.0.1 \
      setsid nohup java -Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$jar" \
      </dev/null >"$S3MOCK_HOME/s3mock.log" 2>&1 9>&- &
    echo $! >"$S3MOCK_HOME/s3mock.pid"
  fi
  deadline_wait $((SECONDS + 90)) s3_up_or_dead
  s3_ready || {
    tail -n 30 "$S3MOCK_HOME/s3mock.log" >&2 || true
    local code; code=$(s3_status)
    [ "$code" = 000 ] && die "S3Mock did not answer on 127.0.0.1:9090"
    log "ListBuckets answered HTTP $code: $(curl -s --max-time 2 http://127.0.0.1:9090/ | head -c 300)"
    die "S3Mock answers but cannot list its buckets (see its log above): 'services.sh stop s3' then 'start s3' moves unreadable buckets out of $S3MOCK_HOME/data"
  }
  log "s3 is up on 127.0.0.1:9090"
}
s3_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:9090/ || true; }
s3_ready() { [ "$(s3_status)" = 200 ]; } # ListBuckets answers
s3_up_or_dead() { [ "$(s3_status)" != 000 ] || ! alive "$S3MOCK_HOME/s3mock.pid"; } # any answer ends the wait
# A bucket folder S3Mock cannot load (its metadata cut short by a kill mid-write) makes every
# ListBuckets answer 500: before S3Mock starts, such folders move to <data>.unreadable/.
s3_quarantine() {
  local data="$S3MOCK_HOME/data" bad b to
  command -v deno >/dev/null || { log "deno not found: not checking $data for unreadable buckets"; return 0; }
  bad=$(deno run --quiet --allow-read "$HERE/s3_unreadable.ts" "$data") ||
    { log "could not check $data for unreadable buckets"; return 0; }
  [ -n "$bad" ] || return 0
  mkdir -p "$data.unreadable"
  while IFS= read -r b; do
    to="$data.unreadable/$b.$(date +%s)"
    mv "$data/$b" "$to"
    log "WARNING: S3Mock cannot load bucket '$b' (bucketMetadata.json missing or cut short): moved to $to"
  done <<<"$bad"
}

stop_jvm() { # stop_jvm <name> <pidfile> <main class>: SIGTERM, then SIGKILL after 20 s
  if ! alive "$2"; then rm -f "$2"; log "$1: not running (from here)"; return 0; fi
  local pid; pid=$(cat "$2")
  if ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$3"; then
    rm -f "$2"; log "$1: pid $pid is no longer ours, not stopping it"; return 0
  fi
  log "stopping $1 (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local end=$((SECONDS + 20))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "$1 still runs after 20 s: SIGKILL"; kill -KILL "$pid" || true; fi
  rm -f "$2"
}

hostport() { # hostport <url or host:port list> <default port>: "host port" of the first address
  local u=${1#*://}; u=${u##*@}; u=${u%%/*}; u=${u%%\?*}; u=${u%%,*}
  case "$u" in *:*) echo "${u%:*} ${u##*:}" ;; *) echo "$u $2" ;; esac
}

status_line() { # status_line <name> <address> <probe...>
  local name=$1 addr=$2; shift 2
  if "$@" >/dev/null 2>&1; then printf '%-9s up    %s\n' "$name" "$addr"; else printf '%-9s down  %s\n' "$name" "$addr"; fi
}

status() {
  local k p r m s
  read -r -a k <<<"$(hostport "${KAFKA_BROKERS:-127.0.0.1:9092}" 9092)"
  read -r -a p <<<"$(hostport "${DATABASE_URL:-postgres://127.0.0.1:5432}" 5432)"
  read -r -a r <<<"$(hostport "${REDIS_URL:-redis://127.0.0.1:6379}" 6379)"
  read -r -a m <<<"$(hostport "${MONGODB_URL:-mongodb://127.0.0.1:27017}" 27017)"
  read -r -a s <<<"$(hostport "${S3_ENDPOINT:-http://127.0.0.1:9090}" 9090)"
  status_line kafka "${k[0]}:${k[1]}" tcp_open "${k[@]}"
  status_line postgres "${p[0]}:${p[1]}" pg_isready -q -t 2 -h "${p[0]}" -p "${p[1]}"
  status_line redis "${r[0]}:${r[1]}" timeout 2 redis-cli -h "${r[0]}" -p "${r[1]}" ping
  status_line mongo "${m[0]}:${m[1]}" tcp_open "${m[@]}"
  status_line prometheus "${PROMETHEUS_URL:-http://127.0.0.1:$PROM_PORT}" \
    curl -fsS "${PROMETHEUS_URL:-http://127.0.0.1:$PROM_PORT}/-/ready"
  status_line s3 "${s[0]}:${s[1]}" tcp_open "${s[@]}"
}

env_lines() {
  echo "KAFKA_BROKERS=${KAFKA_BROKERS:-127.0.0.1:9092}"
  echo "DATABASE_URL=${DATABASE_URL:-postgres://$(pg_user)@127.0.0.1:5432/test}"
  echo "REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}"
  echo "MONGODB_URL=${MONGODB_URL:-mongodb://127.0.0.1:27017}"
  echo "PROMETHEUS_URL=${PROMETHEUS_URL:-http://127.0.0.1:$PROM_PORT}"
  echo "PROMETHEUS_TARGETS=$PROM_HOME/targets"
  echo "S3_ENDPOINT=${S3_ENDPOINT:-http://127.0.0.1:9090}"
}

usage() { echo "usage: services.sh <start|stop|status|env> [kafka|postgres|redis|mongo|prometheus|s3|all]" >&2; exit 2; }

cmd=${1:-}
target=${2:-default}
[ $# -le 2 ] || usage
case "$cmd:$target" in
  start:default) targets=(kafka postgres redis) ;;
  start:all) targets=(kafka postgres redis mongo prometheus s3) ;;
  start:kafka | start:postgres | start:redis | start:mongo | start:prometheus | start:s3) targets=("$target") ;;
  stop:default | stop:all) targets=(s3 prometheus mongo kafka) ;;
  stop:kafka | stop:mongo | stop:prometheus | stop:s3) targets=("$target") ;;
  stop:postgres | stop:redis) log "$target is the machine's own: never stopped here"; exit 0 ;;
  status:* | env:*) targets=() ;;
  *) usage ;;
esac

if [ "$cmd" = start ] || [ "$cmd" = stop ]; then
  mkdir -p "$CACHE"
  # One start/stop at a time (parallel `deno task test` runs share the broker); the daemons
  # started below must not inherit the lock's fd 9, hence their `9>&-`.
  exec 9>"$CACHE/.lock"
  flock -w 300 9 || die "another services.sh start/stop holds $CACHE/.lock"
fi
case "$cmd" in
  start) for t in "${targets[@]}"; do "start_$t"; done ;;
  stop)
    for t in "${targets[@]}"; do
      case "$t" in
        kafka) stop_jvm kafka "$KAFKA_HOME/kafka.pid" kafka.Kafka ;;
        mongo) stop_jvm mongo "$MONGO_HOME/mongo.pid" Launcher.java ;;
        prometheus) stop_jvm prometheus "$PROM_HOME/prometheus.pid" prometheus.yml ;;
        s3) stop_jvm s3mock "$S3MOCK_HOME/s3mock.pid" s3mock ;;
      esac
    done ;;
  status) status ;;
  env) env_lines ;;
esac
