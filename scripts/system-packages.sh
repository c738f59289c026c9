#!/usr/bin/env bash
# Install the system packages petri uses (bubblewrap and libseccomp2 for the sandbox jail,
# redis-server and nats-server for the scale-out backends' tests, chromium and its driver for
# the dashboard's browser tests) where apt is available.
# Idempotent: does nothing when they are all present; never fails the build when apt is missing
# (tests then skip loudly).
set -euo pipefail
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
libs=$({ /sbin/ldconfig -p || ldconfig -p; } 2>/dev/null || true)
grep -q 'libseccomp\.so\.2' <<<"$libs" || need+=(libseccomp2)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || need+=(nats-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "petri: apt-get not found; install ${need[*]} yourself (the sandbox falls back to rlimits without bubblewrap)" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
        echo "petri: not root and no passwordless sudo; install ${need[*]} yourself" >&2
        exit 0
    fi
fi
echo "petri: installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || \
    echo "petri: apt-get could not install ${need[*]}; continuing without them" >&2
