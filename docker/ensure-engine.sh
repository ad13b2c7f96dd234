#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine, starting one if it can.
#
# CI calls this before the docker suites. It is idempotent: an engine that already answers is left
# alone. When no engine can be had (no root, no docker.io package, dockerd refuses to start inside a
# restricted sandbox) it still exits 0 after printing "no engine", because the docker suites then skip
# themselves instead of failing: a missing engine is a property of the machine, not a defect.
#
# Environment:
#   STREAMCHAOS_DOCKERD_LOG   where dockerd writes its log (default /var/log/streamchaos-dockerd.log)
#   STREAMCHAOS_NO_INSTALL=1  never apt-get install (only start what is installed)
#   STREAMCHAOS_ENGINE_WAIT   seconds to wait for a started dockerd to answer (default 30)
set -u

log_file="${STREAMCHAOS_DOCKERD_LOG:-/var/log/streamchaos-dockerd.log}"
wait_s="${STREAMCHAOS_ENGINE_WAIT:-30}"

say() { printf 'ensure-engine: %s\n' "$*"; }
no_engine() {
  say "no engine: $*"
  say "docker suites will be skipped. Fix: run this script as root on Debian/Ubuntu, or point DOCKER_HOST at an engine."
  exit 0
}

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && engine_answers; then
  say "engine answers (server $(docker version --format '{{.Server.Version}}' 2>/dev/null)); nothing to do"
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ]; then
  # Someone pointed us at a specific engine; starting a local one would hide their mistake.
  no_engine "DOCKER_HOST=${DOCKER_HOST} is set but does not answer"
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
  if [ "${STREAMCHAOS_NO_INSTALL:-}" = "1" ]; then
    no_engine "dockerd/docker/debootstrap not installed and STREAMCHAOS_NO_INSTALL=1"
  fi
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    no_engine "dockerd is not installed and this is not a root Debian/Ubuntu machine (cannot apt-get install docker.io)"
  fi
  say "installing docker.io and debootstrap with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq docker.io debootstrap; } >/dev/null 2>&1; then
    no_engine "apt-get install docker.io debootstrap failed"
  fi
fi

if [ "$(id -u)" != "0" ]; then
  no_engine "dockerd is installed but not running, and starting it needs root"
fi

if pgrep -x dockerd >/dev/null 2>&1; then
  say "a dockerd process exists but does not answer yet; waiting for it"
else
  say "starting dockerd (log: ${log_file})"
  mkdir -p "$(dirname "$log_file")"
  # setsid + nohup: the engine must outlive this script and the CI step that called it.
  setsid nohup dockerd >>"$log_file" 2>&1 </dev/null &
fi

for _ in $(seq 1 $((wait_s * 4))); do
  if engine_answers; then
    say "engine answers (server $(docker version --format '{{.Server.Version}}' 2>/dev/null))"
    exit 0
  fi
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    break
  fi
  sleep 0.25
done

tail -n 15 "$log_file" 2>/dev/null | sed 's/^/  dockerd| /'
no_engine "dockerd did not answer within ${wait_s}s (log: ${log_file})"
