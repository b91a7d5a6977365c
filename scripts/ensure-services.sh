#!/usr/bin/env bash
# Starts the services the tests talk to (PostgreSQL, NATS with JetStream) when they are down and
# this machine has them installed (as on CI). On a laptop without them the tests that need them
# report themselves skipped; under CI=true they fail instead.
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 50); do port_open "$1" && return 0; sleep 0.2; done
  return 1
}

if ! port_open 5432 && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  echo "services: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  wait_port 5432 || echo "services: PostgreSQL did not come up on 127.0.0.1:5432"
fi

if ! port_open 4222 && [ -x /usr/sbin/nats-server ]; then
  echo "services: starting NATS with JetStream"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
  wait_port 4222 || echo "services: NATS did not come up on 127.0.0.1:4222"
fi

for p in 5432:PostgreSQL 4222:NATS; do
  port_open "${p%%:*}" && echo "services: ${p#*:} is up on 127.0.0.1:${p%%:*}" || echo "services: ${p#*:} is not reachable"
done
exit 0
