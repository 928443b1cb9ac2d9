#!/usr/bin/env bash
# galera-cluster.sh - a three-node MariaDB Galera cluster on loopback for
# galera-probe's integration tests, built from Debian's packages.
#
# Usage: scripts/galera-cluster.sh install | start | stop [--purge] | status | env
#
#   install  apt-get installs whatever of the packages below is missing, and
#            stops the default mariadbd that the Debian package may leave running;
#            with GP_MARIADB=11.8 also makes the Debian 13 root (debootstrap) and
#            apt-get installs what it lacks inside it.
#   start    install if needed, create/repair the cluster, wait until all three
#            nodes are Synced with cluster size 3 and every test user can log in.
#   stop     stop every node (SIGTERM, then SIGKILL after GP_STOP_TIMEOUT s);
#            --purge also deletes GP_CLUSTER_BASE.
#   status   one line per node; exit 0 only if all three are Synced.
#   env      print `export` lines for the tests: eval "$(scripts/galera-cluster.sh env)"
#
# Must run as root (apt-get, chown to mysql, root@localhost via unix_socket),
# except `env`.
#
# Variables read (all optional) and printed back by `env`:
#   GP_CLUSTER_BASE        base directory (default /tmp/galera-probe-cluster); must be
#                          absolute and traversable by the mysql user
#   GP_NODEn_PORT          MySQL TCP port of node n on 127.0.0.1 (3311, 3312, 3313)
#   GP_NODEn_GALERA_PORT   group communication, gmcast.listen_addr (4561, 4562, 4563)
#   GP_NODEn_IST_PORT      incremental state transfer, ist.recv_addr (4571, 4572, 4573)
#   GP_NODEn_SST_PORT      rsync state transfer, wsrep_sst_receive_address (4481, 4482, 4483)
#   GP_MARIADB             server line: 10.11 (Debian 12's packages, installed on this
#                          machine) or 11.8 (Debian 13's, run with chroot from GP_TRIXIE_ROOT).
#                          Unset: what the base dir last ran, else 10.11.  Switching a base
#                          dir to the other line deletes its nodes' data (not its TLS files).
# Variables read only:
#   GP_START_TIMEOUT       seconds one node may take to become Synced (default 120)
#   GP_STOP_TIMEOUT        seconds one node may take to shut down before SIGKILL (default 60)
#   GP_TRIXIE_ROOT         11.8 only: the Debian 13 root (default /var/cache/galera-probe/trixie),
#                          made once with debootstrap and shared by every 11.8 cluster.  The
#                          nodes run inside it with /proc, /dev and GP_CLUSTER_BASE bind-mounted
#                          (same paths inside and out); `stop` unmounts the base, and /proc and
#                          /dev once no process runs inside the root any more.
#
# Variables printed by `env` only:
#   GP_HOST                127.0.0.1: every node listens there only
#   GP_NODES               3
#   GP_NODEn_SOCKET        unix socket of node n ($BASE/noden/mysqld.sock); root may log
#                          in over it with no password (unix_socket auth)
#   GP_NODEn_PID_FILE      pid file written by node n's mariadbd
#   GP_NODEn_ERROR_LOG     node n's error log
#   GP_NODEn_DATADIR       node n's data directory
#   GP_NODEn_CNF           node n's option file (mariadbd --defaults-file)
#   GP_TLS_CA              CA certificate (PEM) that signed the server and client certs
#   GP_TLS_SERVER_CERT     server certificate, SAN DNS:localhost, IP:127.0.0.1, IP:::1
#   GP_TLS_SERVER_KEY      its key
#   GP_TLS_CLIENT_CERT     client certificate (CN=gp_tls) signed by the CA
#   GP_TLS_CLIENT_KEY      its key
#   GP_USER_NATIVE  GP_PASSWORD_NATIVE   mysql_native_password, USAGE + SELECT on mysql.wsrep_cluster_members
#   GP_USER_ED      GP_PASSWORD_ED       ed25519, USAGE + SELECT on mysql.wsrep_cluster_members
#   GP_USER_TLS     GP_PASSWORD_TLS      mysql_native_password, REQUIRE SSL, USAGE only (no members table)
#   GP_USER_ADMIN   GP_PASSWORD_ADMIN    mysql_native_password, ALL PRIVILEGES WITH GRANT OPTION
#   GP_USER_PARSEC  GP_PASSWORD_PARSEC   11.8 only: parsec, USAGE + SELECT on mysql.wsrep_cluster_members
#   (all users are '<name>'@'%')
#   GP_MARIADB             the server line the base dir runs (10.11 or 11.8)
#   GP_TRIXIE_ROOT         11.8 only: the root the nodes run in; `chroot "$GP_TRIXIE_ROOT"
#                          mariadb ...` is the matching client (it knows parsec); garbd
#                          (galera-arbitrator-4) is there too

set -euo pipefail

PROG=${0##*/}
NODES=(1 2 3)
HOST=127.0.0.1
# What the tests use on the host whatever the server line: the mariadb client
# is their referee (test/galera/support/cluster.ts), the rest real peers, and
# valgrind, which bench:instructions counts instructions with.
HOST_PACKAGES=(mariadb-client haproxy openssl iproute2 prometheus sphinxsearch chromium valgrind)
PROVIDER=/usr/lib/galera/libgalera_smm.so
START_TIMEOUT=${GP_START_TIMEOUT:-120}
STOP_TIMEOUT=${GP_STOP_TIMEOUT:-60}

USER_NATIVE=gp_native PASSWORD_NATIVE=native-pw
USER_ED=gp_ed PASSWORD_ED=ed-pw
USER_TLS=gp_tls PASSWORD_TLS=tls-pw
USER_ADMIN=gp_admin PASSWORD_ADMIN=admin-pw
USER_PARSEC=gp_parsec PASSWORD_PARSEC=parsec-pw

BASE=${GP_CLUSTER_BASE:-/tmp/galera-probe-cluster}
BASE=${BASE%/}
TLS_DIR=$BASE/tls
# Beside (not inside) the base dir, so that --purge can delete the base dir
# while holding the lock.  Never deleted: a waiter would then lock the
# unlinked file while a newcomer locks a new one.
LOCK_FILE=$BASE.lock
# Says "made by this script" (stop --purge checks it) and which server line
# the base dir's data belongs to ("mariadb=11.8").
MARKER=$BASE/.galera-probe-cluster

TRIXIE_ROOT=${GP_TRIXIE_ROOT:-/var/cache/galera-probe/trixie}
TRIXIE_ROOT=${TRIXIE_ROOT%/}
# Debian 13's packages in the root; galera-arbitrator-4 for garbd.
ROOT_PACKAGES=(mariadb-server galera-4 mariadb-client galera-arbitrator-4 rsync iproute2 procps lsof)

# marker_version: the server line recorded in the base dir, or '' if none.
marker_version() {
    [[ -r $MARKER ]] || return 0
    local v
    v=$(sed -n 's/^mariadb=//p' "$MARKER" | head -n 1)
    # Markers written before GP_MARIADB existed are empty: 10.11.
    echo "${v:-10.11}"
}

MARIADB=${GP_MARIADB:-}
BASE_VERSION=$(marker_version)
[[ -n $MARIADB ]] || MARIADB=${BASE_VERSION:-10.11}
# The same script drives both lines; these differ.  ROOT_RUN prefixes every
# server-side program (mariadbd, mariadb-install-db, the client used for
# root's own SQL) with the chroot on 11.8.
if [[ $MARIADB == 11.8 ]]; then
    PACKAGES=("${HOST_PACKAGES[@]}" debootstrap debian-archive-keyring)
    ROOT_RUN=(chroot "$TRIXIE_ROOT")
else
    PACKAGES=(mariadb-server galera-4 galera-arbitrator-4 mariadb-client rsync "${HOST_PACKAGES[@]:1}")
    ROOT_RUN=()
fi
# The root's mysql user has other ids than the host's: chown by number.
MYSQL_OWNER=mysql:mysql MYSQL_GROUP=mysql

declare -A PORT GALERA_PORT IST_PORT SST_PORT
for n in "${NODES[@]}"; do
    v=GP_NODE${n}_PORT;        PORT[$n]=${!v:-$((3310 + n))}
    v=GP_NODE${n}_GALERA_PORT; GALERA_PORT[$n]=${!v:-$((4560 + n))}
    v=GP_NODE${n}_IST_PORT;    IST_PORT[$n]=${!v:-$((4570 + n))}
    v=GP_NODE${n}_SST_PORT;    SST_PORT[$n]=${!v:-$((4480 + n))}
done
unset v n

node_dir() { echo "$BASE/node$1"; }
datadir()  { echo "$BASE/node$1/data"; }
sock()     { echo "$BASE/node$1/mysqld.sock"; }
pidfile()  { echo "$BASE/node$1/mariadbd.pid"; }
errlog()   { echo "$BASE/node$1/error.log"; }
cnf()      { echo "$BASE/node$1/my.cnf"; }

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

validate_settings() {
    [[ $BASE == /* ]] || die "GP_CLUSTER_BASE must be an absolute path (got '$BASE')"
    [[ $BASE != / ]] || die "GP_CLUSTER_BASE must not be /"
    # `env` prints values in single quotes; the option files take them bare.
    [[ $BASE != *[[:space:]\'\"\\\#\;]* ]] || die "GP_CLUSTER_BASE must not contain blanks, quotes, backslashes, # or ;"
    [[ $START_TIMEOUT =~ ^[0-9]+$ && $STOP_TIMEOUT =~ ^[0-9]+$ ]] ||
        die "GP_START_TIMEOUT and GP_STOP_TIMEOUT must be whole seconds"
    [[ $MARIADB == 10.11 || $MARIADB == 11.8 ]] || die "GP_MARIADB must be 10.11 or 11.8 (got '$MARIADB')"
    if [[ $MARIADB == 11.8 ]]; then
        [[ $TRIXIE_ROOT == /?* && $TRIXIE_ROOT != *[[:space:]\'\"\\]* ]] ||
            die "GP_TRIXIE_ROOT must be an absolute path without blanks, quotes or backslashes (got '$TRIXIE_ROOT')"
        [[ $BASE/ != "$TRIXIE_ROOT"/* && $TRIXIE_ROOT/ != "$BASE"/* ]] ||
            die "GP_CLUSTER_BASE and GP_TRIXIE_ROOT must not contain one another (the base is bind-mounted into the root)"
    fi
    local n p all=()
    for n in "${NODES[@]}"; do
        for p in "${PORT[$n]}" "${GALERA_PORT[$n]}" "${IST_PORT[$n]}" "${SST_PORT[$n]}"; do
            if ! [[ $p =~ ^[0-9]+$ ]] || ((p < 1 || p > 65535)); then die "bad port '$p' for node$n"; fi
            all+=("$p")
        done
        # sun_path holds 108 bytes; mariadbd refuses longer socket paths.
        (($(sock "$n" | wc -c) < 100)) || die "socket path $(sock "$n") is too long; use a shorter GP_CLUSTER_BASE"
    done
    [[ $(printf '%s\n' "${all[@]}" | sort -u | wc -l) -eq ${#all[@]} ]] || die "the node ports must all differ"
}

require_root() { ((EUID == 0)) || die "run as root (apt-get, chown to mysql, unix_socket login as root)"; }

# Serialises start/stop/install: several test runs on one machine may call
# `start` at once, and two bootstraps would make two clusters.
take_lock() {
    mkdir -p "${BASE%/*}/"
    exec 9>"$LOCK_FILE"
    flock -w 900 9 || die "another $PROG holds $LOCK_FILE"
}

# --------------------------------------------------------------------------
# install

missing_packages() {
    local p
    for p in "${PACKAGES[@]}"; do
        [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || echo "$p"
    done
}

apt_update() {
    log "apt-get update"
    apt-get update -q -o DPkg::Lock::Timeout=600 >"$APT_LOG" 2>&1 || { tail -n 20 "$APT_LOG" >&2; die "apt-get update failed"; }
}

cmd_install() {
    require_root
    local missing p need_update=0
    mapfile -t missing < <(missing_packages)
    if ((${#missing[@]})); then
        export DEBIAN_FRONTEND=noninteractive
        APT_LOG=$(mktemp /tmp/galera-cluster-apt.XXXXXX)
        local opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=600
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
        # Only refresh the lists when they cannot serve the request: a fresh
        # machine has none, an old one may not know a package.
        compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || need_update=1
        for p in "${missing[@]}"; do
            apt-cache show --no-all-versions "$p" >/dev/null 2>&1 || need_update=1
        done
        ((need_update)) && apt_update
        log "installing: ${missing[*]}"
        if ! apt-get install "${opts[@]}" "${missing[@]}" >>"$APT_LOG" 2>&1; then
            # Stale lists name versions the mirror no longer has (404): refresh once.
            local retried=0
            if ((!need_update)); then
                apt_update
                apt-get install "${opts[@]}" "${missing[@]}" >>"$APT_LOG" 2>&1 && retried=1
            fi
            ((retried)) || { tail -n 30 "$APT_LOG" >&2; die "apt-get install failed (log: $APT_LOG)"; }
        fi
        rm -f "$APT_LOG"
    fi
    if [[ $MARIADB == 11.8 ]]; then
        stop_default_server
        return 0
    fi
    [[ -e $PROVIDER ]] || die "$PROVIDER is missing although galera-4 is installed"
    stop_default_server
}

# The Debian package's postinst starts the stock server through
# /etc/init.d/mariadb (mysqld_safe + mariadbd on 3306) wherever invoke-rc.d
# lets it; that is ~100 MB we do not want and a port we do not use.  Only
# processes of that stock instance are touched, never another cluster's.
stop_default_server() {
    local p comm cmd args pids=() stock_pid=''
    [[ -r /run/mysqld/mysqld.pid ]] && read -r stock_pid </run/mysqld/mysqld.pid 2>/dev/null
    for p in /proc/[0-9]*; do
        read -r comm 2>/dev/null <"$p/comm" || continue
        case $comm in
            mysqld_safe | mariadbd-safe | mariadbd | mysqld) ;;
            *) continue ;;
        esac
        mapfile -d '' args 2>/dev/null <"$p/cmdline" || continue
        cmd=" ${args[*]} "
        if [[ ${p#/proc/} == "$stock_pid" || $cmd == *" --pid-file=/run/mysqld/mysqld.pid "* ||
            $cmd == *" --datadir=/var/lib/mysql "* ||
            ($comm == mysqld_safe || $comm == mariadbd-safe) && $cmd != *--defaults-file=* ]]; then
            pids+=("${p#/proc/}")
        fi
    done
    ((${#pids[@]})) || return 0
    log "stopping the stock mariadbd the package left running (pids ${pids[*]})"
    kill_and_wait 30 "${pids[@]}"
}

# kill_and_wait SECONDS PID... : SIGTERM, wait, then SIGKILL what is left.
kill_and_wait() {
    local secs=$1 p alive i
    shift
    kill -TERM "$@" 2>/dev/null || true
    for ((i = 0; i < secs * 5; i++)); do
        alive=0
        for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
        ((alive)) || return 0
        sleep 0.2
    done
    log "SIGKILL after ${secs}s: $*"
    kill -KILL "$@" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        alive=0
        for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
        ((alive)) || return 0
        sleep 0.1
    done
}

# --------------------------------------------------------------------------
# the Debian 13 root (GP_MARIADB=11.8)
#
# Made once with debootstrap from Debian's own packages and shared: several
# clusters (other base dirs, other ports) may run from it at once.  Inside it
# a node needs /proc and /dev (bind-mounted), the host's /etc/hosts
# (mariadb-install-db looks the host name up) and its base dir, bind-mounted
# at the same path so that every file name is the same inside and out.

# One lock beside the root (fd 8) serialises making it, apt-get inside it and
# mounting or unmounting /proc and /dev.  A start holds it shared from its
# mounts until its nodes run, so another cluster's `stop` never unmounts
# /proc under a node that is starting.
open_root_lock() {
    mkdir -p "${TRIXIE_ROOT%/*}/"
    exec 8>>"$TRIXIE_ROOT.lock"
}

root_ready() { [[ -x $TRIXIE_ROOT/usr/sbin/mariadbd && -x $TRIXIE_ROOT/usr/bin/mariadb-install-db ]]; }

# unmount_under DIR: every mount at or below DIR, deepest first.
unmount_under() {
    local m
    while read -r m; do
        [[ -n $m ]] || continue
        umount "$m" 2>/dev/null || umount -l "$m" || die "cannot unmount $m"
    done < <(findmnt -rn -o TARGET | awk -v d="$1" '$0 == d || index($0, d "/") == 1' | sort -r)
}

make_root() {
    root_ready && return 0
    if [[ -e $TRIXIE_ROOT ]]; then
        rmdir "$TRIXIE_ROOT" 2>/dev/null ||
            die "$TRIXIE_ROOT exists but holds no MariaDB server; delete it or choose another GP_TRIXIE_ROOT"
    fi
    command -v debootstrap >/dev/null || die "debootstrap is missing although it was installed"
    # Made beside and renamed when complete: an interrupted debootstrap never
    # leaves a root that looks ready.  It may leave /proc mounted in it.
    local partial=$TRIXIE_ROOT.partial dlog=$TRIXIE_ROOT.debootstrap.log started=$SECONDS
    if [[ -e $partial ]]; then
        unmount_under "$partial"
        rm -rf --one-file-system -- "$partial"
    fi
    log "making the Debian 13 root $TRIXIE_ROOT with debootstrap (about 2 minutes, 650 MiB; log: $dlog)"
    local include
    include=$(IFS=,; echo "${ROOT_PACKAGES[*]}")
    if ! debootstrap --variant=minbase --include="$include" trixie "$partial" http://deb.debian.org/debian >"$dlog" 2>&1; then
        tail -n 30 "$dlog" >&2
        unmount_under "$partial"
        die "debootstrap failed (log: $dlog)"
    fi
    unmount_under "$partial"
    mv -T -- "$partial" "$TRIXIE_ROOT"
    log "Debian 13 root made in $((SECONDS - started)) s"
}

root_missing_packages() {
    local p
    for p in "${ROOT_PACKAGES[@]}"; do
        [[ $(chroot "$TRIXIE_ROOT" dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || echo "$p"
    done
}

mount_proc_dev() {
    local d
    for d in proc dev; do
        mountpoint -q "$TRIXIE_ROOT/$d" || mount --bind "/$d" "$TRIXIE_ROOT/$d" || die "cannot bind-mount /$d into $TRIXIE_ROOT"
    done
}

# pids of the processes whose root directory is root R.
pids_in_root() {
    local p
    for p in /proc/[0-9]*; do
        [[ $(readlink "$p/root" 2>/dev/null) == "$1" ]] && echo "${p#/proc/}"
    done
    return 0
}

# release_proc_dev R: unmount R's /proc and /dev unless a process runs in R
# or another script holds R's lock (it is starting a cluster there).
release_proc_dev() {
    local r=$1 users d
    [[ -d $r ]] || return 0
    exec 8>>"$r.lock"
    if ! flock -n -x 8; then
        log "another cluster is starting in $r: /proc and /dev stay mounted there"
        return 0
    fi
    mapfile -t users < <(pids_in_root "$r")
    if ((${#users[@]})); then
        log "processes still run in $r (pids ${users[*]}): /proc and /dev stay mounted there"
    else
        for d in dev proc; do
            if mountpoint -q "$r/$d"; then umount "$r/$d" 2>/dev/null || umount -l "$r/$d" || log "cannot unmount $r/$d"; fi
        done
    fi
    flock -u 8
}

# unbind_base R: the base dir's bind mount in root R, which our nodes (now
# stopped) used.
unbind_base() {
    local r=$1
    [[ -d $r$BASE ]] || return 0
    if mountpoint -q "$r$BASE"; then umount "$r$BASE" 2>/dev/null || umount -l "$r$BASE" || die "cannot unmount $r$BASE"; fi
    rmdir "$r$BASE" 2>/dev/null || true
}

# prepare_root: the root exists, holds every package, has /proc, /dev and
# /etc/hosts, and we know its mysql user.  Called with the root lock held.
prepare_root() {
    make_root
    # Never start services inside the root (package scripts would).
    if [[ ! -e $TRIXIE_ROOT/usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\n# galera-cluster.sh: no services inside this root\nexit 101\n' >"$TRIXIE_ROOT/usr/sbin/policy-rc.d"
        chmod 0755 "$TRIXIE_ROOT/usr/sbin/policy-rc.d"
    fi
    cp /etc/hosts "$TRIXIE_ROOT/etc/hosts"
    mount_proc_dev
    local missing
    mapfile -t missing < <(root_missing_packages)
    if ((${#missing[@]})); then
        log "installing in $TRIXIE_ROOT: ${missing[*]}"
        cp -L /etc/resolv.conf "$TRIXIE_ROOT/etc/resolv.conf" 2>/dev/null || true
        local alog=$TRIXIE_ROOT.apt.log
        chroot "$TRIXIE_ROOT" env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$alog" 2>&1 &&
            chroot "$TRIXIE_ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
                -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >>"$alog" 2>&1 ||
            { tail -n 30 "$alog" >&2; die "apt-get install in $TRIXIE_ROOT failed (log: $alog)"; }
    fi
    local f
    for f in "$PROVIDER" /usr/lib/mysql/plugin/auth_ed25519.so /usr/lib/mysql/plugin/auth_parsec.so; do
        [[ -e $TRIXIE_ROOT$f ]] || die "$TRIXIE_ROOT$f is missing although its package is installed"
    done
    local uid gid
    uid=$(chroot "$TRIXIE_ROOT" id -u mysql) && gid=$(chroot "$TRIXIE_ROOT" id -g mysql) ||
        die "no mysql user in $TRIXIE_ROOT"
    MYSQL_OWNER=$uid:$gid MYSQL_GROUP=$gid
}

# install_root: for `install`: the root made and complete, nothing left mounted.
install_root() {
    open_root_lock
    flock -w 900 -x 8 || die "another $PROG holds $TRIXIE_ROOT.lock"
    prepare_root
    flock -u 8
    release_proc_dev "$TRIXIE_ROOT"
}

# enter_root: for `start`: the root ready and the base dir bound in it; the
# lock stays held shared until this script ends.
enter_root() {
    open_root_lock
    flock -w 900 -x 8 || die "another $PROG holds $TRIXIE_ROOT.lock"
    prepare_root
    mkdir -p "$BASE" "$TRIXIE_ROOT$BASE"
    mountpoint -q "$TRIXIE_ROOT$BASE" || mount --bind "$BASE" "$TRIXIE_ROOT$BASE" ||
        die "cannot bind-mount $BASE into $TRIXIE_ROOT"
    flock -s 8
}

# The server line this base dir held until now, and the root it ran in.
marker_root() {
    [[ -r $MARKER ]] || return 0
    sed -n 's/^root=//p' "$MARKER" | head -n 1
}

# switch_line: a base dir that held the other server line loses its nodes'
# data (an 11.8 server would upgrade 10.11 data in place, and back is not
# possible), keeping its TLS files.
switch_line() {
    [[ -n $BASE_VERSION && $BASE_VERSION != "$MARIADB" ]] || return 0
    local n old_root
    for n in "${NODES[@]}"; do
        node_pid "$n" >/dev/null &&
            die "node$n of the MariaDB $BASE_VERSION cluster in $BASE is running: '$PROG stop' it before starting $MARIADB there"
    done
    old_root=$(marker_root)
    if [[ -n $old_root ]]; then unbind_base "$old_root"; fi
    log "$BASE held MariaDB $BASE_VERSION: deleting its nodes' data to start MariaDB $MARIADB"
    for n in "${NODES[@]}"; do rm -rf -- "$(node_dir "$n")"; done
    rm -f -- "$MARKER"
}

write_marker() {
    {
        echo "mariadb=$MARIADB"
        if [[ $MARIADB == 11.8 ]]; then echo "root=$TRIXIE_ROOT"; fi
    } >"$MARKER.tmp"
    mv "$MARKER.tmp" "$MARKER"
}

# --------------------------------------------------------------------------
# processes and queries

# pid of the mariadbd running with node n's option file, if any.  Found from
# /proc rather than the pid file: a joiner writes its pid file only after the
# state transfer, and a crashed node leaves a stale one.
node_pid() {
    local want p args
    want="--defaults-file=$(cnf "$1")"
    for p in /proc/[0-9]*; do
        [[ -r $p/cmdline ]] || continue
        mapfile -d '' -n 2 args 2>/dev/null <"$p/cmdline" || continue
        ((${#args[@]} == 2)) || continue
        [[ ${args[0]##*/} == mariadbd && ${args[1]} == "$want" ]] || continue
        # A zombie is a dead node whose parent has not reaped it yet.
        alive "${p#/proc/}" || continue
        echo "${p#/proc/}"
        return 0
    done
    return 1
}

# Processes left by state transfers (wsrep_sst_rsync, rsync --daemon) of
# this base dir, which outlive a killed mariadbd.  Someone's `tail -f` of an
# error log also names the base dir, hence the check on the program.
stray_pids() {
    local p args
    for p in /proc/[0-9]*; do
        mapfile -d '' args 2>/dev/null <"$p/cmdline" || continue
        [[ " ${args[*]} " == *"$BASE/node"* ]] || continue
        [[ ${args[0]##*/} == @(rsync|mariadbd|socat|stunnel*) || " ${args[*]} " == *"/wsrep_sst_"* ]] || continue
        echo "${p#/proc/}"
    done
    return 0
}

# root@localhost authenticates by unix_socket, so no password is stored anywhere.
root_sql() {
    local n=$1
    shift
    timeout 20 "${ROOT_RUN[@]}" mariadb --no-defaults --protocol=socket --socket="$(sock "$n")" -uroot \
        --connect-timeout=5 -N -B "$@"
}

# Prints "cluster_status local_state state_comment cluster_size" or fails.
node_wsrep() {
    local out
    out=$(root_sql "$1" -e "SHOW GLOBAL STATUS WHERE Variable_name IN
        ('wsrep_cluster_status','wsrep_local_state','wsrep_local_state_comment','wsrep_cluster_size')" 2>/dev/null) || return 1
    awk -F'\t' '{v[$1]=$2} END {
        printf "%s %s %s %s\n", (v["wsrep_cluster_status"]==""?"-":v["wsrep_cluster_status"]),
            (v["wsrep_local_state"]==""?"-":v["wsrep_local_state"]),
            (v["wsrep_local_state_comment"]==""?"-":v["wsrep_local_state_comment"]),
            (v["wsrep_cluster_size"]==""?"-":v["wsrep_cluster_size"]) }' <<<"$out"
}

node_healthy() { # n [size]
    local st cs ls size
    st=$(node_wsrep "$1") || return 1
    read -r cs ls _ size <<<"$st"
    # At least: an arbitrator (garbd) that a test joined counts as a member.
    [[ $cs == Primary && $ls == 4 && $size =~ ^[0-9]+$ ]] && ((size >= ${2:-3}))
}

show_log_tail() {
    log "last lines of $(errlog "$1"):"
    tail -n 40 "$(errlog "$1")" >&2 2>/dev/null || true
}

# wait_synced N SIZE: until node N is Primary, Synced and sees SIZE members
# (or more: a garbd counts as one).
wait_synced() {
    local n=$1 size=$2 deadline st=''
    deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)); do
        if ! node_pid "$n" >/dev/null; then
            show_log_tail "$n"
            die "node$n (port ${PORT[$n]}) exited while starting"
        fi
        st=$(node_wsrep "$n") || st='unreachable'
        read -r cs ls _ sz <<<"$st"
        [[ $cs == Primary && $ls == 4 && $sz =~ ^[0-9]+$ ]] && ((sz >= size)) && return 0
        sleep 1
    done
    show_log_tail "$n"
    die "node$n (port ${PORT[$n]}) not Synced with cluster size $size after ${START_TIMEOUT}s (last: $st)"
}

# --------------------------------------------------------------------------
# start

make_tls() {
    local d=$TLS_DIR f ok=1
    for f in ca.pem ca-key.pem server-cert.pem server-key.pem client-cert.pem client-key.pem; do
        [[ -s $d/$f ]] || ok=0
    done
    # Regenerate well before expiry rather than let a long-lived machine fail.
    if ((ok)) && openssl x509 -checkend $((30 * 86400)) -noout -in "$d/server-cert.pem" >/dev/null; then
        tls_modes
        return 0
    fi
    log "generating TLS material in $d"
    mkdir -p "$d"
    (
        cd "$d"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
            -subj "/CN=galera-probe test CA" -keyout ca-key.pem -out ca.pem \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
        printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" "basicConstraints=CA:FALSE" \
            "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >server.ext
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server-key.pem -out server.csr
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -set_serial "0x$(openssl rand -hex 8)" \
            -days 3650 -sha256 -extfile server.ext -out server-cert.pem
        printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=clientAuth" >client.ext
        openssl req -newkey rsa:2048 -nodes -subj "/CN=$USER_TLS" -keyout client-key.pem -out client.csr
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -set_serial "0x$(openssl rand -hex 8)" \
            -days 3650 -sha256 -extfile client.ext -out client-cert.pem
        rm -f server.csr client.csr server.ext client.ext
    ) >"$BASE/tls.log" 2>&1 || { cat "$BASE/tls.log" >&2; die "openssl failed"; }
    tls_modes
}

# The key readable by the server's group: on every start, since the base dir
# may switch between the host's mysql user and the root's (other ids).
tls_modes() {
    local d=$TLS_DIR
    chown "root:$MYSQL_GROUP" "$d/server-key.pem" && chmod 0640 "$d/server-key.pem"
    chmod 0600 "$d/ca-key.pem"
    # The tests may run as any user; these are throwaway test credentials.
    chmod 0644 "$d/ca.pem" "$d/server-cert.pem" "$d/client-cert.pem" "$d/client-key.pem"
    chmod 0755 "$d"
}

write_cnf() {
    local n=$1 m members=() line11=''
    for m in "${NODES[@]}"; do members+=("$HOST:${GALERA_PORT[$m]}"); done
    # 11.8 only.  Its wsrep_provider plugin, loaded by default, turns every
    # provider option into a wsrep_provider_* variable and makes
    # wsrep_provider_options read-only; gmcast.isolate, which the tests use to
    # cut a node off, gets no variable.  Off, options are set at run time as
    # on 10.11.  auth_parsec on every node (the account replicates to all).
    [[ $MARIADB == 11.8 ]] && line11=$'plugin-wsrep-provider=OFF\nplugin_load_add=auth_parsec\n'
    local IFS=,
    cat >"$(cnf "$n").tmp" <<EOF
# Written by scripts/galera-cluster.sh on every start; edits are lost.
[mariadbd]
user=mysql
basedir=/usr
datadir=$(datadir "$n")
socket=$(sock "$n")
pid-file=$(pidfile "$n")
log-error=$(errlog "$n")
port=${PORT[$n]}
bind-address=$HOST
plugin_load_add=auth_ed25519
${line11}ssl-ca=$TLS_DIR/ca.pem
ssl-cert=$TLS_DIR/server-cert.pem
ssl-key=$TLS_DIR/server-key.pem

# Three nodes share one small machine.
innodb_buffer_pool_size=64M
innodb_log_file_size=16M
innodb_log_buffer_size=4M
innodb_flush_log_at_trx_commit=2
key_buffer_size=4M
aria_pagecache_buffer_size=8M
performance_schema=OFF
max_connections=100

# Galera
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=galera-probe
wsrep_cluster_address=gcomm://${members[*]}
wsrep_node_name=node$n
wsrep_node_address=$HOST
wsrep_node_incoming_address=$HOST:${PORT[$n]}
wsrep_sst_method=rsync
wsrep_sst_receive_address=$HOST:${SST_PORT[$n]}
wsrep_provider_options="gmcast.listen_addr=tcp://$HOST:${GALERA_PORT[$n]};ist.recv_addr=$HOST:${IST_PORT[$n]};gcache.size=32M;gcache.page_size=32M"

# With ssl-* set above, the rsync SST script would tunnel through stunnel,
# which is neither installed nor useful on loopback.
[sst]
ssl-mode=DISABLED
EOF
    mv "$(cnf "$n").tmp" "$(cnf "$n")"
}

prepare_dirs() {
    local n
    mkdir -p "$BASE"
    chmod 0755 "$BASE"
    write_marker
    for n in "${NODES[@]}"; do
        mkdir -p "$(datadir "$n")"
        write_cnf "$n"
        touch "$(errlog "$n")"
        chown "$MYSQL_OWNER" "$(node_dir "$n")" "$(errlog "$n")"
        chown -R "$MYSQL_OWNER" "$(datadir "$n")"
        chmod 0750 "$(datadir "$n")"
        chmod 0755 "$(node_dir "$n")"
    done
    if [[ $MARIADB == 11.8 ]]; then
        chroot --userspec="$MYSQL_OWNER" "$TRIXIE_ROOT" test -w "$(node_dir 1)" ||
            die "the mysql user of $TRIXIE_ROOT cannot reach $BASE inside it (a parent directory is not traversable?)"
    else
        runuser -u mysql -- test -w "$(node_dir 1)" ||
            die "the mysql user cannot reach $BASE (a parent directory is not traversable?)"
    fi
}

# grastate.dat field of node n, or '' when the file is absent.
grastate() {
    local f
    f=$(datadir "$1")/grastate.dat
    [[ -r $f ]] || return 0
    awk -F': *' -v k="$2" '$1 == k {print $2}' "$f"
}

has_data() { [[ -d $(datadir "$1")/mysql ]]; }

init_datadir() {
    local n=$1
    log "initialising node$n's data directory"
    "${ROOT_RUN[@]}" mariadb-install-db --no-defaults --user=mysql --basedir=/usr --datadir="$(datadir "$n")" \
        --auth-root-authentication-method=socket --skip-test-db \
        --skip-name-resolve >"$(node_dir "$n")/install-db.log" 2>&1 ||
        { tail -n 30 "$(node_dir "$n")/install-db.log" >&2; die "mariadb-install-db failed for node$n"; }
}

check_ports_free() {
    local n=$1 p
    for p in "${PORT[$n]}" "${GALERA_PORT[$n]}" "${IST_PORT[$n]}" "${SST_PORT[$n]}"; do
        if [[ -n $(ss -Hltn "( sport = :$p )" 2>/dev/null) ]]; then
            ss -Hltnp "( sport = :$p )" >&2 || true
            die "port $p (needed by node$n) is already in use"
        fi
    done
}

launch_node() { # n [bootstrap]
    local n=$1 extra=()
    [[ ${2:-} == bootstrap ]] && extra=(--wsrep-new-cluster)
    check_ports_free "$n"
    log "starting node$n on port ${PORT[$n]}${extra:+ (bootstrapping a new cluster)}"
    printf '\n=== %s: %s starting node%s %s ===\n' "$(date '+%F %T')" "$PROG" "$n" "${extra[*]}" >>"$(errlog "$n")"
    # setsid: the node must outlive this script and the CI step's process
    # group; 8>&- 9>&- so the node does not inherit (and hold) our locks.
    setsid "${ROOT_RUN[@]}" /usr/sbin/mariadbd --defaults-file="$(cnf "$n")" "${extra[@]}" \
        </dev/null >>"$(errlog "$n")" 2>&1 8>&- 9>&- &
    local child=$! i
    # Until setsid has exec'd, /proc shows "setsid mariadbd ...", which
    # node_pid does not match; wait for the exec (or for an early death).
    for ((i = 0; i < 100; i++)); do
        node_pid "$n" >/dev/null && return 0
        alive "$child" || break
        sleep 0.1
    done
    show_log_tail "$n"
    die "node$n did not start"
}

# alive PID: running, and not a zombie waiting to be reaped.
alive() { [[ -r /proc/$1/stat && $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }

# Pick the node whose data is newest, so that bootstrapping never throws
# away transactions the others have (Galera would refuse them as diverged).
choose_bootstrap_node() {
    local n best='' best_seq=-2 seq
    for n in "${NODES[@]}"; do
        has_data "$n" || continue
        if [[ $(grastate "$n" safe_to_bootstrap) == 1 ]]; then echo "$n"; return; fi
        seq=$(grastate "$n" seqno)
        [[ $seq =~ ^-?[0-9]+$ ]] || seq=-1
        if ((seq > best_seq)); then best=$n best_seq=$seq; fi
    done
    echo "$best"
}

# Running nodes may be left isolated or desynced by a test that died; bring
# them back, and re-form a Primary component if the survivors lost quorum.
heal_running_nodes() {
    local n up=() st cs ls i best best_lc lc
    for n in "${NODES[@]}"; do node_pid "$n" >/dev/null && up+=("$n"); done
    ((${#up[@]})) || return 0
    for n in "${up[@]}"; do
        st=$(node_wsrep "$n") || continue
        read -r cs ls _ _ <<<"$st"
        if [[ $cs != Primary || $ls != 4 ]]; then
            log "node$n is $cs/$ls: clearing gmcast.isolate and wsrep_desync"
            root_sql "$n" -e "SET GLOBAL wsrep_provider_options='gmcast.isolate=0'; SET GLOBAL wsrep_desync=OFF" || true
        fi
    done
    # Give a reconnecting node time to find its peers before calling it lost.
    for ((i = 0; i < 20; i++)); do
        for n in "${up[@]}"; do
            st=$(node_wsrep "$n") || continue
            [[ $st == Primary* ]] && return 0
        done
        sleep 1
    done
    best='' best_lc=-2
    for n in "${up[@]}"; do
        lc=$(root_sql "$n" -e "SHOW GLOBAL STATUS LIKE 'wsrep_last_committed'" 2>/dev/null | awk '{print $2}') || continue
        [[ $lc =~ ^-?[0-9]+$ ]] || continue
        if ((lc > best_lc)); then best=$n best_lc=$lc; fi
    done
    [[ -n $best ]] || die "no running node answers and none is Primary; try '$PROG stop' then '$PROG start'"
    log "no Primary component among running nodes: pc.bootstrap on node$best"
    root_sql "$best" -e "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'" ||
        die "pc.bootstrap failed on node$best"
}

user_sql() {
    cat <<EOF
CREATE USER IF NOT EXISTS '$USER_NATIVE'@'%';
ALTER USER '$USER_NATIVE'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('$PASSWORD_NATIVE') REQUIRE NONE;
CREATE USER IF NOT EXISTS '$USER_ED'@'%';
ALTER USER '$USER_ED'@'%' IDENTIFIED VIA ed25519 USING PASSWORD('$PASSWORD_ED') REQUIRE NONE;
CREATE USER IF NOT EXISTS '$USER_TLS'@'%';
ALTER USER '$USER_TLS'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('$PASSWORD_TLS') REQUIRE SSL;
CREATE USER IF NOT EXISTS '$USER_ADMIN'@'%';
ALTER USER '$USER_ADMIN'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('$PASSWORD_ADMIN') REQUIRE NONE;
GRANT ALL PRIVILEGES ON *.* TO '$USER_ADMIN'@'%' WITH GRANT OPTION;
GRANT SELECT ON mysql.wsrep_cluster_members TO '$USER_NATIVE'@'%', '$USER_ED'@'%';
DROP DATABASE IF EXISTS test;
EOF
    [[ $MARIADB == 11.8 ]] || return 0
    # auth_parsec is loaded by every node's option file (plugin_load_add):
    # INSTALL SONAME would load it on one node only, and Galera replicates the
    # account to nodes that then could not check its password.
    cat <<EOF
CREATE USER IF NOT EXISTS '$USER_PARSEC'@'%';
ALTER USER '$USER_PARSEC'@'%' IDENTIFIED VIA parsec USING PASSWORD('$PASSWORD_PARSEC') REQUIRE NONE;
GRANT SELECT ON mysql.wsrep_cluster_members TO '$USER_PARSEC'@'%';
EOF
}

# DROP USER rather than DELETE FROM mysql.global_priv: that table is Aria,
# and Galera replicates only InnoDB rows, but it does replicate DDL.
ensure_users() {
    local n=$1 anon
    anon=$(root_sql "$n" -e "SELECT CONCAT('DROP USER IF EXISTS ''''@''', Host, ''';') FROM mysql.global_priv WHERE User=''") ||
        die "cannot query users on node$n"
    { printf '%s\n' "$anon"; user_sql; } | root_sql "$n" || die "creating the test users on node$n failed"
}

# login_check N : every test user can log in over TCP on node N.
login_check() {
    local n=$1 port=${PORT[$1]} c=(timeout 20 "${ROOT_RUN[@]}" mariadb --no-defaults --protocol=tcp -h"$HOST" --connect-timeout=5 -N -B)
    "${c[@]}" -P"$port" -u"$USER_NATIVE" -p"$PASSWORD_NATIVE" -e 'SELECT 1' >/dev/null 2>&1 || return 1
    if [[ $MARIADB == 11.8 ]]; then
        "${c[@]}" -P"$port" -u"$USER_PARSEC" -p"$PASSWORD_PARSEC" -e 'SELECT 1' >/dev/null 2>&1 || return 1
    fi
    "${c[@]}" -P"$port" -u"$USER_ED" -p"$PASSWORD_ED" -e 'SELECT 1' >/dev/null 2>&1 || return 1
    "${c[@]}" -P"$port" -u"$USER_ADMIN" -p"$PASSWORD_ADMIN" -e 'SELECT 1' >/dev/null 2>&1 || return 1
    [[ $("${c[@]}" -P"$port" -u"$USER_TLS" -p"$PASSWORD_TLS" --ssl --ssl-ca="$TLS_DIR/ca.pem" \
        --ssl-verify-server-cert -e "SHOW SESSION STATUS LIKE 'Ssl_version'" 2>/dev/null) == Ssl_version$'\t'TLS* ]]
}

cmd_start() {
    require_root
    validate_settings
    take_lock
    cmd_install
    switch_line
    if [[ $MARIADB == 11.8 ]]; then
        local n old_root
        old_root=$(marker_root)
        if [[ -n $old_root && $old_root != "$TRIXIE_ROOT" ]]; then
            for n in "${NODES[@]}"; do
                node_pid "$n" >/dev/null && die "node$n runs from $old_root, not GP_TRIXIE_ROOT=$TRIXIE_ROOT: '$PROG stop' first"
            done
            unbind_base "$old_root"
        fi
        enter_root
    fi
    prepare_dirs
    make_tls

    local n up=() down=() boot=''
    for n in "${NODES[@]}"; do
        if node_pid "$n" >/dev/null; then up+=("$n"); else down+=("$n"); fi
    done

    if ((${#up[@]} == ${#NODES[@]})) && all_healthy && all_logins_ok; then
        log "cluster already up and Synced"
        return 0
    fi

    if ((${#up[@]} == 0)); then
        boot=$(choose_bootstrap_node)
        if [[ -z $boot ]]; then
            boot=1
            init_datadir 1
        else
            # After a crash no node is marked safe; we chose the newest one.
            sed -i 's/^safe_to_bootstrap:.*/safe_to_bootstrap: 1/' "$(datadir "$boot")/grastate.dat" 2>/dev/null || true
            local bseq s
            bseq=$(grastate "$boot" seqno)
            for n in "${NODES[@]}"; do
                [[ $n == "$boot" ]] && continue
                s=$(grastate "$n" seqno)
                # A position unknown (crash) or ahead of the bootstrap node's
                # would be refused as diverged: make that node take a full SST.
                if [[ -n $s ]] && { [[ $s == -1 || $bseq == -1 || -z $bseq ]] || ((s > bseq)); }; then
                    log "node$n's state (seqno $s) cannot be trusted against node$boot's ($bseq): full SST"
                    rm -f "$(datadir "$n")/grastate.dat"
                fi
            done
        fi
        launch_node "$boot" bootstrap
        wait_synced "$boot" 1
        ensure_users "$boot"
        up=("$boot")
        down=()
        for n in "${NODES[@]}"; do [[ $n == "$boot" ]] || down+=("$n"); done
    else
        heal_running_nodes
    fi

    # One joiner at a time: a donor serves one state transfer at once, and
    # the next joiner would only sit retrying.
    local size=${#up[@]}
    for n in "${down[@]}"; do
        launch_node "$n"
        size=$((size + 1))
        wait_synced "$n" "$size"
    done

    for n in "${NODES[@]}"; do wait_synced "$n" "${#NODES[@]}"; done

    if ! all_logins_ok; then
        log "a test user cannot log in: (re)creating the users"
        ensure_users 1
        all_logins_ok || die "test users still cannot log in over TCP; see $(errlog 1)"
    fi
    log "cluster up: $(for n in "${NODES[@]}"; do printf 'node%s=%s ' "$n" "${PORT[$n]}"; done)"
}

all_healthy() {
    local n
    for n in "${NODES[@]}"; do node_healthy "$n" "${#NODES[@]}" || return 1; done
}

all_logins_ok() {
    local n
    for n in "${NODES[@]}"; do login_check "$n" || return 1; done
}

# --------------------------------------------------------------------------
# stop, status, env

stop_nodes() { # n...
    local n p pids=()
    for n in "$@"; do
        if p=$(node_pid "$n"); then
            log "stopping node$n (pid $p)"
            pids+=("$p")
        fi
    done
    ((${#pids[@]})) && kill_and_wait "$STOP_TIMEOUT" "${pids[@]}"
    return 0
}

cmd_stop() {
    require_root
    validate_settings
    local purge=0
    case ${1:-} in
        --purge) purge=1 ;;
        '') ;;
        *) die "usage: $PROG stop [--purge]" ;;
    esac
    take_lock
    # Node 1 last: the last node to leave is the one Galera marks
    # safe_to_bootstrap, and `start` then bootstraps from it.
    stop_nodes 3 2
    stop_nodes 1
    local strays
    mapfile -t strays < <(stray_pids)
    if ((${#strays[@]})); then
        log "stopping leftover state-transfer processes: ${strays[*]}"
        kill_and_wait 10 "${strays[@]}"
    fi
    # An 11.8 base dir: leave its root as found (the base unbound; /proc and
    # /dev unmounted unless another cluster still runs there).
    local r
    r=$(marker_root)
    if [[ -n $r ]]; then
        unbind_base "$r"
        release_proc_dev "$r"
    fi
    if ((purge)) && [[ -e $BASE ]]; then
        [[ -e $BASE/.galera-probe-cluster ]] || die "$BASE does not look like a cluster made by $PROG; not deleting it"
        log "deleting $BASE"
        rm -rf -- "$BASE"
    fi
    rm -f -- "$LOCK_FILE"
}

cmd_status() {
    require_root
    validate_settings
    local n pid st cs ls comment size ok=1
    for n in "${NODES[@]}"; do
        if pid=$(node_pid "$n"); then
            st=$(node_wsrep "$n") || st='- - unreachable -'
        else
            pid=down st='- - - -'
        fi
        read -r cs ls comment size <<<"$st"
        printf 'node%s port=%s pid=%s cluster_status=%s state_comment=%s cluster_size=%s\n' \
            "$n" "${PORT[$n]}" "$pid" "$cs" "$comment" "$size"
        [[ $comment == Synced ]] || ok=0
    done
    ((ok))
}

cmd_env() {
    validate_settings
    local n
    e() { printf "export %s='%s'\n" "$1" "$2"; }
    e GP_CLUSTER_BASE "$BASE"
    e GP_HOST "$HOST"
    e GP_NODES "${#NODES[@]}"
    for n in "${NODES[@]}"; do
        e "GP_NODE${n}_PORT" "${PORT[$n]}"
        e "GP_NODE${n}_SOCKET" "$(sock "$n")"
        e "GP_NODE${n}_PID_FILE" "$(pidfile "$n")"
        e "GP_NODE${n}_ERROR_LOG" "$(errlog "$n")"
        e "GP_NODE${n}_DATADIR" "$(datadir "$n")"
        e "GP_NODE${n}_CNF" "$(cnf "$n")"
        e "GP_NODE${n}_GALERA_PORT" "${GALERA_PORT[$n]}"
        e "GP_NODE${n}_IST_PORT" "${IST_PORT[$n]}"
        e "GP_NODE${n}_SST_PORT" "${SST_PORT[$n]}"
    done
    e GP_TLS_CA "$TLS_DIR/ca.pem"
    e GP_TLS_SERVER_CERT "$TLS_DIR/server-cert.pem"
    e GP_TLS_SERVER_KEY "$TLS_DIR/server-key.pem"
    e GP_TLS_CLIENT_CERT "$TLS_DIR/client-cert.pem"
    e GP_TLS_CLIENT_KEY "$TLS_DIR/client-key.pem"
    e GP_USER_NATIVE "$USER_NATIVE"
    e GP_PASSWORD_NATIVE "$PASSWORD_NATIVE"
    e GP_USER_ED "$USER_ED"
    e GP_PASSWORD_ED "$PASSWORD_ED"
    e GP_USER_TLS "$USER_TLS"
    e GP_PASSWORD_TLS "$PASSWORD_TLS"
    e GP_USER_ADMIN "$USER_ADMIN"
    e GP_PASSWORD_ADMIN "$PASSWORD_ADMIN"
    e GP_MARIADB "$MARIADB"
    if [[ $MARIADB == 11.8 ]]; then
        e GP_TRIXIE_ROOT "$TRIXIE_ROOT"
        e GP_USER_PARSEC "$USER_PARSEC"
        e GP_PASSWORD_PARSEC "$PASSWORD_PARSEC"
    fi
}

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0" >&2
    exit 2
}

main() {
    local cmd=${1:-}
    [[ $# -gt 0 ]] && shift
    case $cmd in
        install)
            require_root
            validate_settings
            take_lock
            cmd_install
            if [[ $MARIADB == 11.8 ]]; then install_root; fi
            ;;
        start) cmd_start ;;
        stop) cmd_stop "$@" ;;
        status) cmd_status ;;
        env) cmd_env ;;
        -h | --help | help) usage ;;
        *) usage ;;
    esac
}

main "$@"
