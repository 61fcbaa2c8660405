#!/usr/bin/env bash
# A private MariaDB for tests, without systemd. Source it:  source scripts/mariadb.sh <folder>
# It starts mariadbd on 127.0.0.1 and a free port with its data under <folder>, creates database
# chat_test and user chat, waits until a real login works, exports CHAT_TEST_MYSQL_URL, and installs
# an EXIT trap that stops the server. Fails loudly (non-zero) if MariaDB cannot start.
chat_mariadb_start() {
  local base=$1
  mkdir -p "$base" && base=$(cd "$base" && pwd)
  local port
  # A random port in a range the kernel does not hand out as ephemeral (32768-60999), skipping
  # ones that answer. Plain bash (/dev/tcp): a bare Debian image has no python3.
  local tries=0
  while :; do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    ((++tries < 50)) || { echo "mariadb: no free port found" >&2; return 1; }
  done
  rm -rf "$base/data"; mkdir -p "$base/data"
  cat > "$base/my.cnf" <<CNF
[mariadbd]
datadir=$base/data
socket=$base/mysqld.sock
pid-file=$base/mysqld.pid
log-error=$base/error.log
bind-address=127.0.0.1
port=$port
user=root
skip-name-resolve
innodb_buffer_pool_size=128M
innodb_flush_log_at_trx_commit=1
max_connections=500
[client]
socket=$base/mysqld.sock
port=$port
CNF
  mariadb-install-db --defaults-file="$base/my.cnf" --auth-root-authentication-method=normal \
    --skip-test-db >"$base/install.log" 2>&1 || { echo "mariadb: install-db failed, see $base/install.log" >&2; cat "$base/install.log" >&2; return 1; }
  mariadbd --defaults-file="$base/my.cnf" >"$base/stdout.log" 2>&1 &
  CHAT_MARIADB_PID=$!
  CHAT_MARIADB_CNF=$base/my.cnf
  trap chat_mariadb_stop EXIT
  local i up=0
  # Up to 60 s: the first start after a heavy build on 2 busy cores can be slow.
  for i in $(seq 1 600); do
    if mariadb --defaults-file="$base/my.cnf" -uroot -e 'SELECT 1' >/dev/null 2>&1; then up=1; break; fi
    if ! kill -0 "$CHAT_MARIADB_PID" 2>/dev/null; then
      echo "mariadb: server exited during start; error log:" >&2; tail -20 "$base/error.log" >&2; return 1
    fi
    sleep 0.1
  done
  if ((!up)); then
    echo "mariadb: server did not answer within 60 s; error log:" >&2; tail -20 "$base/error.log" >&2; return 1
  fi
  mariadb --defaults-file="$base/my.cnf" -uroot -e "
    CREATE DATABASE IF NOT EXISTS chat_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
    CREATE USER IF NOT EXISTS 'chat'@'127.0.0.1' IDENTIFIED BY 'chatpw';
    GRANT ALL ON *.* TO 'chat'@'127.0.0.1';" || { echo "mariadb: could not create database/user" >&2; return 1; }
  # A real login over TCP as the test user, not just a ping (ping succeeds on access denied).
  mariadb -h127.0.0.1 -P"$port" -uchat -pchatpw chat_test -e 'SELECT 1' >/dev/null ||
    { echo "mariadb: test user cannot log in over TCP" >&2; return 1; }
  export CHAT_TEST_MYSQL_URL="mysql://chat:chatpw@127.0.0.1:$port/chat_test"
  export CHAT_TEST_MYSQL_ADMIN_URL="mysql://chat:chatpw@127.0.0.1:$port/mysql"
  echo "mariadb: up on 127.0.0.1:$port (pid $CHAT_MARIADB_PID)"
}
chat_mariadb_stop() {
  [[ -n ${CHAT_MARIADB_PID:-} ]] || return 0
  mariadb-admin --defaults-file="$CHAT_MARIADB_CNF" -uroot shutdown >/dev/null 2>&1 || kill "$CHAT_MARIADB_PID" 2>/dev/null
  local i; for i in $(seq 1 100); do kill -0 "$CHAT_MARIADB_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$CHAT_MARIADB_PID" 2>/dev/null || true
  CHAT_MARIADB_PID=
}
chat_mariadb_start "${1:-${CHAT_MARIADB_DIR:-build/mariadb}}"
