#!/usr/bin/env bash
# Install the servers the native runner starts (common/runtime): MariaDB, Redis, nginx,
# RabbitMQ (with the Erlang runtime it needs, epmd included); and wrk, a load generator.
#
# Idempotent and fast when everything is there: apt is only touched for missing packages.
# The packages' own system services do not matter to the runner (it uses its own ports,
# data dirs and config files), but they are kept from starting during the install so they
# neither take ports like 80/3306 nor spend the CI machine's CPU.
set -euo pipefail

# wrk: the HTTP load generator of `shop bench framework` (a page against bare Flask).
PACKAGES=(mariadb-server mariadb-client redis-server nginx rabbitmq-server wrk)

missing=()
for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "servers already installed: ${PACKAGES[*]}"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

# policy-rc.d exit code 101 = "action forbidden": invoke-rc.d then skips starting services.
# Keep any policy the machine already has (a Docker image ships one); else add ours briefly.
POLICY=/usr/sbin/policy-rc.d
added_policy=""
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod 755 "$POLICY"
    added_policy="yes"
fi
cleanup() {
    if [ -n "$added_policy" ]; then
        $SUDO rm -f "$POLICY"
    fi
}
trap cleanup EXIT

echo "installing: ${missing[*]}"
$SUDO apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"

# On machines where systemd started them anyway, stop and disable them: ours run alongside.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    for unit in mariadb redis-server nginx rabbitmq-server epmd.socket epmd; do
        $SUDO systemctl disable --now "$unit" >/dev/null 2>&1 || true
    done
fi

for binary in mariadbd mariadb-install-db mariadb redis-server nginx rabbitmq-server epmd; do
    if ! command -v "$binary" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$binary" ]; then
        echo "install-servers: $binary still missing after install" >&2
        exit 1
    fi
done
echo "servers installed: ${PACKAGES[*]}"
