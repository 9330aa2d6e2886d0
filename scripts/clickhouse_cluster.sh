#!/usr/bin/env bash
# A ClickHouse cluster of N shards on loopback (2 by default), for the ClickHouse store's tests and
# benchmarks (docs/clickhouse.md).
#
#   scripts/clickhouse_cluster.sh start FOLDER   # N clickhouse-server processes, configs and data in FOLDER
#   scripts/clickhouse_cluster.sh stop FOLDER    # stops every shard in FOLDER (SIGTERM, then SIGKILL after 30 s)
#   scripts/clickhouse_cluster.sh stop-shard FOLDER K    # stops shard K (1..N) of a running cluster
#   scripts/clickhouse_cluster.sh start-shard FOLDER K   # starts it again, with its data, once it answers
#
# CLICKHOUSE_SHARDS sets N (default 2; `start-shard` and `stop-shard` read it to check K). Each
# shard is its own process with its own ports and data folder. Every shard knows a `remote_servers`
# cluster named `strataN` (`strata2` by default) naming the N shards (one replica each), so that
# Distributed tables work without ZooKeeper. The ports start at CLICKHOUSE_PORT_BASE (default
# 18120): shard k serves HTTP on BASE+k, the native protocol on BASE+100+k and interserver HTTP on
# BASE+200+k, so N is at most 99. `start` prints the shards' HTTP URLs, one a line, and writes them
# to FOLDER/urls; it returns once every shard answers a query, and fails (stopping what it started)
# when one does not within 60 s. `stop` stops every shardK folder it finds, whatever N is.
# Written for Debian's clickhouse-server 18.16, whose configuration root is <yandex>.
set -euo pipefail

shards="${CLICKHOUSE_SHARDS:-2}"
case "$shards" in
[1-9] | [1-9][0-9]) ;;
*)
    echo "CLICKHOUSE_SHARDS must be a number from 1 to 99, not '$shards'" >&2
    exit 2
    ;;
esac
usage() {
    echo "usage: $0 start|stop FOLDER, or $0 start-shard|stop-shard FOLDER 1..$shards" >&2
    exit 2
}
[ $# -ge 2 ] || usage
action="$1"
folder="$2"
case "$action" in
start | stop) [ $# -eq 2 ] || usage ;;
start-shard | stop-shard)
    [ $# -eq 3 ] || usage
    case "$3" in [1-9] | [1-9][0-9]) ;; *) usage ;; esac
    [ "$3" -le "$shards" ] || usage
    ;;
*) usage ;;
esac
base="${CLICKHOUSE_PORT_BASE:-18120}"
server="${CLICKHOUSE_SERVER:-clickhouse-server}"

# The <shard> elements of the cluster for the servers' remote_servers, one for each shard.
remote_shards() {
    local n
    for n in $(seq 1 "$shards"); do
        cat <<EOF
            <shard>
                <replica>
                    <host>127.0.0.1</host>
                    <port>$((base + 100 + n))</port>
                </replica>
            </shard>
EOF
    done
}

write_config() {
    local shard="$1" dir="$2"
    mkdir -p "$dir/data/tmp" "$dir/data/user_files" "$dir/log"
    cat >"$dir/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$dir/log/server.log</log>
        <errorlog>$dir/log/server.err.log</errorlog>
        <size>100M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$((base + shard))</http_port>
    <tcp_port>$((base + 100 + shard))</tcp_port>
    <interserver_http_port>$((base + 200 + shard))</interserver_http_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <max_connections>256</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>64</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
    <path>$dir/data/</path>
    <tmp_path>$dir/data/tmp/</tmp_path>
    <user_files_path>$dir/data/user_files/</user_files_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <remote_servers>
        <strata$shards>
$(remote_shards)
        </strata$shards>
    </remote_servers>
</yandex>
EOF
    cat >"$dir/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
}

stop_shard() {
    local pidfile="$1/server.pid"
    [ -f "$pidfile" ] || return 0
    local pid
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 300); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "shard in $1 did not stop within 30 s; killing it" >&2
            kill -KILL "$pid"
        fi
    fi
    rm -f "$pidfile"
}

# Starts shard $1's process over the configuration in its folder.
start_shard() {
    local shard="$1" dir="$folder/shard$1"
    if [ -f "$dir/server.pid" ] && kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
        echo "shard $shard is already running (pid $(cat "$dir/server.pid")); stop it first" >&2
        exit 1
    fi
    (cd "$dir" && exec "$server" --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1) &
    echo $! >"$dir/server.pid"
}

# Waits until shard $1 answers a query; returns 1 when it does not within 60 s.
wait_shard() {
    local shard="$1" url="http://127.0.0.1:$((base + $1))"
    for _ in $(seq 1 600); do
        if [ "$(curl -s --max-time 2 --data-binary 'SELECT 1' "$url/" 2>/dev/null)" = "1" ]; then
            return 0
        fi
        if ! kill -0 "$(cat "$folder/shard$shard/server.pid")" 2>/dev/null; then break; fi
        sleep 0.1
    done
    echo "shard $shard did not answer at $url; its log:" >&2
    tail -n 20 "$folder/shard$shard/log/server.err.log" "$folder/shard$shard/log/stdout.log" >&2 || true
    return 1
}

case "$action" in
start)
    mkdir -p "$folder"
    folder="$(cd "$folder" && pwd)"
    : >"$folder/urls"
    for shard in $(seq 1 "$shards"); do
        write_config "$shard" "$folder/shard$shard"
        start_shard "$shard"
        echo "http://127.0.0.1:$((base + shard))" >>"$folder/urls"
    done
    for shard in $(seq 1 "$shards"); do
        if ! wait_shard "$shard"; then
            for other in $(seq 1 "$shards"); do stop_shard "$folder/shard$other"; done
            exit 1
        fi
    done
    cat "$folder/urls"
    ;;
stop)
    [ -d "$folder" ] || exit 0
    for dir in "$folder"/shard*; do
        if [ -d "$dir" ]; then stop_shard "$dir"; fi
    done
    ;;
stop-shard)
    stop_shard "$folder/shard$3"
    ;;
start-shard)
    folder="$(cd "$folder" && pwd)"
    start_shard "$3"
    if ! wait_shard "$3"; then
        stop_shard "$folder/shard$3"
        exit 1
    fi
    ;;
esac
