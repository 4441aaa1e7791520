#!/usr/bin/env bash
# Build the real Docker Compose tool from its Go module, pinned to one version, into the
# project's tool cache, so `make test` checks every stage's compose.yaml with the tool a
# Docker user runs (`config` needs no Docker engine):
#
#   ${SHOP_TOOLS_DIR:-$HOME/.cache/shop-evolution}/compose/<version>/docker-compose
#   ${SHOP_TOOLS_DIR:-$HOME/.cache/shop-evolution}/compose/current -> <version>
#
# Idempotent: when that binary exists and answers `version`, nothing is built (well under a
# second). The Go module and build caches live under the same directory, so nothing outside
# it is touched and a rebuild after a pin change downloads only what changed.
#
# `go install github.com/docker/compose/v2/cmd@<version>` refuses to build it (its go.mod has
# `exclude` lines, which `go install pkg@version` does not allow), so the module is downloaded
# and built from a writable copy of its directory, as its own Makefile does: about 4-5 minutes
# on 2 cores the first time.
set -euo pipefail

COMPOSE_MODULE=github.com/docker/compose/v2
COMPOSE_VERSION=${SHOP_COMPOSE_VERSION:-v2.40.3}

TOOLS_DIR=${SHOP_TOOLS_DIR:-$HOME/.cache/shop-evolution}
TARGET_DIR="$TOOLS_DIR/compose/$COMPOSE_VERSION"
BINARY="$TARGET_DIR/docker-compose"

link_current() {
    ln -sfn "$COMPOSE_VERSION" "$TOOLS_DIR/compose/current"
}

if [ -x "$BINARY" ] && "$BINARY" version >/dev/null 2>&1; then
    link_current
    echo "docker compose $COMPOSE_VERSION already built: $BINARY"
    exit 0
fi

# shellcheck source=scripts/go-build-env.sh
. "$(dirname "$0")/go-build-env.sh"
go_build_env install-compose "Docker Compose"
mkdir -p "$TARGET_DIR"

echo "building $COMPOSE_MODULE@$COMPOSE_VERSION with $(go version | cut -d' ' -f3) into $TARGET_DIR"
echo "(the first build takes about 5 minutes on 2 cores; later runs reuse it)"
started=$(date +%s)
module_dir=$(go mod download -json "$COMPOSE_MODULE@$COMPOSE_VERSION" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')

# The module cache is shared and meant to stay pristine: build in a private copy, and move the
# binary into place only once the build succeeded (an interrupted build leaves nothing behind).
work_dir="$TARGET_DIR.src"
rm -rf "$work_dir" "$BINARY.partial"
cp -r "$module_dir" "$work_dir"
chmod -R u+w "$work_dir"
(
    cd "$work_dir"
    go build -trimpath \
        -ldflags "-s -w -X $COMPOSE_MODULE/internal.Version=$COMPOSE_VERSION" \
        -o "$BINARY.partial" ./cmd
)
mv "$BINARY.partial" "$BINARY"
rm -rf "$work_dir"
link_current
echo "docker compose built in $(( $(date +%s) - started ))s: $("$BINARY" version)"
