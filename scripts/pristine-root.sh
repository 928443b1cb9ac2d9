#!/usr/bin/env bash
# The tools and the pristine Debian root that the package tests need (test/dist/deb.test.ts):
#
#   scripts/pristine-root.sh install   apt-get installs what is missing: debootstrap, lintian,
#                                      systemd (systemd-analyze), binutils (strip),
#                                      prometheus (promtool), groff-base (the man page check),
#                                      procps (ps); dpkg-deb comes with dpkg
#   scripts/pristine-root.sh bookworm  the above, then a Debian 12 root made by
#                                      `debootstrap --variant=minbase bookworm`, once, at
#                                      $GP_PRISTINE_ROOT (default /var/cache/galera-probe/bookworm);
#                                      reused as long as it is complete (it is never written to:
#                                      the tests see it through a throwaway overlay mount)
#
# Needs root. The root is made in a temporary directory and renamed into place when debootstrap
# succeeded, so a half-made root is never taken for a pristine one.
set -euo pipefail

PACKAGES=(debootstrap lintian systemd binutils prometheus groff-base procps)
ROOT_DIR=${GP_PRISTINE_ROOT:-/var/cache/galera-probe/bookworm}
MIRROR=${GP_DEBIAN_MIRROR:-http://deb.debian.org/debian}

die() { echo "pristine-root: $*" >&2; exit 1; }
((EUID == 0)) || die "run as root (apt-get, debootstrap)"

install_tools() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    echo "pristine-root: installing ${missing[*]}"
    apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
}

make_root() {
    if [[ -f $ROOT_DIR/var/lib/dpkg/status && -x $ROOT_DIR/usr/bin/dpkg ]]; then
        echo "pristine-root: $ROOT_DIR is there"
        return 0
    fi
    [[ -e $ROOT_DIR ]] && die "$ROOT_DIR exists but is not a complete Debian root: remove it first"
    mkdir -p "$(dirname "$ROOT_DIR")"
    local tmp log
    tmp=$(mktemp -d "$(dirname "$ROOT_DIR")/.bookworm.XXXXXX")
    log=$(mktemp /tmp/pristine-root.XXXXXX.log)
    echo "pristine-root: debootstrap --variant=minbase bookworm $ROOT_DIR (about 2 minutes; log $log)"
    if ! debootstrap --variant=minbase bookworm "$tmp" "$MIRROR" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        rm -rf "$tmp"
        die "debootstrap failed"
    fi
    mv "$tmp" "$ROOT_DIR"
    chmod 755 "$ROOT_DIR"
    rm -f "$log"
}

case ${1:-} in
    install) install_tools ;;
    bookworm) install_tools; make_root ;;
    *) die "usage: $0 install | bookworm" ;;
esac
