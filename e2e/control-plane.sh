#!/usr/bin/env bash
# A real Kubernetes control plane on loopback, from the binaries e2e/build-kube.sh built.
#   e2e/control-plane.sh up [--with-controllers]   start etcd + kube-apiserver (and
#                                                  kube-controller-manager + kube-scheduler)
#                                                  and print the kubeconfig path
#   e2e/control-plane.sh down                      stop exactly the processes `up` started
#   e2e/control-plane.sh status                    say what runs
# Environment: CONTROL_PLANE_DIR (state, default $DPU_CACHE_DIR/control-plane),
#              APISERVER_PORT (default 6443), ETCD_PORT (default 2379),
#              APISERVER_EXTRA_ARGS (more kube-apiserver flags, split on blanks; e.g. an audit log),
#              CONTROLLER_MANAGER_EXTRA_ARGS (more kube-controller-manager flags, split on blanks).
set -euo pipefail
. "$(dirname "$0")/lib/cache.sh"

STATE="${CONTROL_PLANE_DIR:-$DPU_CACHE_DIR/control-plane}"
APISERVER_PORT="${APISERVER_PORT:-6443}"
ETCD_PORT="${ETCD_PORT:-2379}"
ETCD_PEER_PORT=$((ETCD_PORT + 1))
KUBECONFIG_PATH="$STATE/admin.kubeconfig"
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler)

log() { printf '[control-plane] %s\n' "$*" >&2; }

# A pid is ours only if the pid file exists and that process still runs our binary.
running_pid() {
  local c=$1 pid
  [ -f "$STATE/$c.pid" ] || return 1
  pid=$(cat "$STATE/$c.pid")
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "$KUBE_BIN_DIR/$c" || return 1
  echo "$pid"
}

make_certs() {
  local pki="$STATE/pki"
  [ -f "$pki/admin.crt" ] && return 0
  log "generating a CA, serving and client certificates in $pki"
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
      -subj "/CN=dpu-offload-test-ca" 2>/dev/null
    cat > server.ext <<EXT
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth
EXT
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=kube-apiserver" 2>/dev/null
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile server.ext -out server.crt 2>/dev/null
    echo "extendedKeyUsage=clientAuth" > client.ext
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr \
      -subj "/O=system:masters/CN=admin" 2>/dev/null
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile client.ext -out admin.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
  cat > "$KUBECONFIG_PATH" <<KC
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $pki/ca.crt
users:
- name: admin
  user:
    client-certificate: $pki/admin.crt
    client-key: $pki/admin.key
contexts:
- name: local
  context: {cluster: local, user: admin}
current-context: local
KC
}

start() { # name, args...
  local c=$1; shift
  if running_pid "$c" >/dev/null; then log "$c already runs (pid $(running_pid "$c"))"; return 0; fi
  setsid "$KUBE_BIN_DIR/$c" "$@" > "$STATE/$c.log" 2>&1 < /dev/null &
  echo $! > "$STATE/$c.pid"
  log "started $c (pid $!, log $STATE/$c.log)"
}

wait_for() { # description, seconds, command...
  local what=$1 secs=$2 i; shift 2
  for ((i = 0; i < secs * 2; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  log "ERROR: $what not ready after ${secs}s; see the logs in $STATE"
  return 1
}

up() {
  local with_controllers=false
  [ "${1:-}" = "--with-controllers" ] && with_controllers=true
  for c in etcd kube-apiserver kubectl; do
    [ -x "$KUBE_BIN_DIR/$c" ] || { log "ERROR: $KUBE_BIN_DIR/$c missing: run e2e/build-kube.sh first"; exit 1; }
  done
  mkdir -p "$STATE"
  make_certs
  start etcd --name=dpu-test --data-dir="$STATE/etcd-data" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="dpu-test=http://127.0.0.1:$ETCD_PEER_PORT" --log-level=warn
  local pki="$STATE/pki"
  start kube-apiserver --bind-address=127.0.0.1 --advertise-address=127.0.0.1 \
    --secure-port="$APISERVER_PORT" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --tls-cert-file="$pki/server.crt" --tls-private-key-file="$pki/server.key" \
    --client-ca-file="$pki/ca.crt" --authorization-mode=Node,RBAC \
    --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$pki/sa.pub" \
    --service-account-signing-key-file="$pki/sa.key" --service-cluster-ip-range=10.96.0.0/16 \
    --enable-priority-and-fairness=false --disable-admission-plugins=ServiceAccount \
    ${APISERVER_EXTRA_ARGS:-}
  wait_for "kube-apiserver /readyz" 90 "$KUBE_BIN_DIR/kubectl" --kubeconfig "$KUBECONFIG_PATH" get --raw /readyz
  if $with_controllers; then
    start kube-controller-manager --kubeconfig="$KUBECONFIG_PATH" --bind-address=127.0.0.1 \
      --secure-port=0 --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
      --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
      --use-service-account-credentials=false --leader-elect=false --controllers='*,-serviceaccount-token' \
      ${CONTROLLER_MANAGER_EXTRA_ARGS:-}
    start kube-scheduler --kubeconfig="$KUBECONFIG_PATH" --bind-address=127.0.0.1 --secure-port=0 \
      --leader-elect=false
  fi
  log "ready: kubectl --kubeconfig $KUBECONFIG_PATH get --raw /readyz"
  echo "$KUBECONFIG_PATH"
}

down() {
  local c pid stopped=0 i
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do   # reverse order: etcd last
    c=${COMPONENTS[$i]}
    if pid=$(running_pid "$c"); then
      kill "$pid"
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      log "stopped $c (pid $pid)"
      stopped=$((stopped + 1))
    fi
    rm -f "$STATE/$c.pid"
  done
  [ $stopped -gt 0 ] || log "nothing was running"
}

status() {
  local c pid any=1
  for c in "${COMPONENTS[@]}"; do
    if pid=$(running_pid "$c"); then echo "$c: running (pid $pid)"; any=0; else echo "$c: stopped"; fi
  done
  [ $any -eq 0 ] && echo "kubeconfig: $KUBECONFIG_PATH"
  return $any
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up [--with-controllers] | down | status" >&2; exit 2 ;;
esac
