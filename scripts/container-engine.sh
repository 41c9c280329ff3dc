#!/usr/bin/env bash
# Starts and stops a private container engine with the Docker Engine API on a unix socket, for the
# docker runner's tests and examples/docker-* (scripts/setup.d/42-container-engine.sh installs it).
#
#   scripts/container-engine.sh start DIR   start an engine whose state lives under DIR; prints the
#                                            socket as AGENT_DOCKER_HOST wants it (unix:///DIR/...)
#                                            once the engine answers GET /_ping
#   scripts/container-engine.sh stop DIR    stop it, unmount what it left mounted, remove its state
#   scripts/container-engine.sh status DIR  exit 0 if the engine under DIR answers
#
# COCOS_CONTAINER_ENGINE picks the engine: dockerd (default: Debian's docker.io, the reference
# implementation of the API) or podman (podman 4.3 with runc and its Docker-compatible service;
# apt-get install podman catatonit, which setup.d does not do).
# Either runs without a network of its own (no bridge, no iptables rules), so it never touches
# the host's network set-up, and without systemd. Keep DIR short (/tmp/...): unix socket paths are
# limited to 107 bytes. Needs root.
set -euo pipefail

die() { echo "container-engine: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 start|stop|status DIR"
action="$1"
mkdir -p "$2"
dir="$(cd "$2" && pwd)"
engine="${COCOS_CONTAINER_ENGINE:-dockerd}"
case "$engine" in
  dockerd) sock="$dir/docker.sock" ;;
  podman) sock="$dir/podman.sock" ;;
  *) die "COCOS_CONTAINER_ENGINE must be dockerd or podman, was '$engine'" ;;
esac
[ ${#sock} -le 100 ] || die "socket path $sock is too long for a unix socket; use a shorter DIR"
pidfile="$dir/engine.pid"
log="$dir/engine.log"

answers() {
  [ -S "$sock" ] && [ "$(curl -sf --max-time 2 --unix-socket "$sock" http://engine/_ping 2>/dev/null)" = OK ]
}

find_binary() {
  local name="$1" p
  p="$(command -v "$name" 2>/dev/null || true)"
  [ -n "$p" ] || for d in /usr/sbin /usr/bin /sbin; do [ -x "$d/$name" ] && p="$d/$name" && break; done
  [ -n "$p" ] || die "$name is not installed; run scripts/setup.d/42-container-engine.sh (as root)"
  echo "$p"
}

start() {
  if answers; then echo "unix://$sock"; return 0; fi
  [ "$(id -u)" -eq 0 ] || die "starting $engine needs root (rootless engines are not set up by this script)"
  command -v curl >/dev/null || die "curl is missing; run scripts/setup.d/42-container-engine.sh"
  rm -f "$sock" "$pidfile"
  # The engine's working folder: podman's conmon leaves files (such as 'oom') in it.
  cd "$dir"
  case "$engine" in
    dockerd)
      local dockerd
      dockerd="$(find_binary dockerd)"
      # containerd, runc and docker-init come from the same packages; dockerd finds them on PATH.
      PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH" setsid "$dockerd" \
        --host="unix://$sock" --data-root="$dir/data" --exec-root="$dir/exec" \
        --pidfile="$dir/dockerd.pid" --iptables=false --ip6tables=false --bridge=none \
        --log-level=warn >"$log" 2>&1 </dev/null &
      echo $! >"$pidfile"
      ;;
    podman)
      local podman
      podman="$(find_binary podman)"
      find_binary runc >/dev/null
      # The runner runs the engine's init as PID 1 by default (AGENT_DOCKER_INIT): podman's is catatonit.
      [ -x /usr/libexec/podman/catatonit ] \
        || die "podman needs catatonit for the runner's init process (apt-get install catatonit)"
      # crun fails on this kernel set-up; runc needs limits it may set (see platform-notes.md).
      cat >"$dir/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]
[engine]
runtime = "runc"
events_logger = "file"
cgroup_manager = "cgroupfs"
CONF
      CONTAINERS_CONF="$dir/containers.conf" setsid "$podman" --root "$dir/data" --runroot "$dir/exec" \
        --tmpdir "$dir/tmp" system service --time=0 "unix://$sock" >"$log" 2>&1 </dev/null &
      echo $! >"$pidfile"
      ;;
  esac
  local pid
  pid="$(cat "$pidfile")"
  for _ in $(seq 1 300); do
    if answers; then echo "unix://$sock"; return 0; fi
    alive "$pid" || { tail -20 "$log" >&2; die "$engine exited while starting (log: $log)"; }
    sleep 0.1
  done
  tail -20 "$log" >&2
  stop_engine
  die "$engine did not answer on $sock within 30 s (log: $log)"
}

# A process that exited but was not reaped yet (a zombie) counts as gone.
alive() { [ -r "/proc/$1/stat" ] && ! sed 's/^.*) //' "/proc/$1/stat" | grep -q '^Z'; }

stop_engine() {
  local pid="" children=""
  [ -f "$pidfile" ] && pid="$(cat "$pidfile")"
  if [ -n "$pid" ] && alive "$pid"; then
    children="$(pgrep -P "$pid" || true)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      echo "container-engine: $engine (pid $pid) ignored SIGTERM for 15 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    # dockerd's own containerd, podman's conmons: they belong to this engine only.
    for c in $children; do kill -KILL "$c" 2>/dev/null || true; done
  fi
  # Overlay and shm mounts an engine that was killed could not unmount, deepest first.
  awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$dir/data" "$dir/exec" "$dir/tmp" "$sock" "$pidfile" "$dir/dockerd.pid" "$dir/containers.conf"
}

case "$action" in
  start) start ;;
  stop) stop_engine ;;
  status) answers ;;
  *) die "usage: $0 start|stop|status DIR" ;;
esac
