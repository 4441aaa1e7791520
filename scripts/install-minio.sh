#!/usr/bin/env bash
# Build the MinIO server the native runner starts (common/runtime/launchers/minio.py) from its
# Go module, pinned to one version, into a cache the project controls:
#
#   ${SHOP_TOOLS_DIR:-$HOME/.cache/shop-evolution}/minio/<version>/minio
#   ${SHOP_TOOLS_DIR:-$HOME/.cache/shop-evolution}/minio/current -> <version>   (what runs)
#
# Idempotent: when that binary exists and answers `--version`, nothing is built (well under a
# second). The Go module and build caches live under the same directory, so a rebuild after
# a pin change downloads only what changed, and nothing outside it is touched.
#
# MinIO is AGPL-3.0: it is built and run here unmodified, as a separate local server process
# the shop talks to over HTTP; the project neither links nor distributes it.
#
# MinIO's release tags (RELEASE.2025-...) are not semantic versions, so the Go module proxy
# knows it by pseudo-version only: v0.0.0-<commit time>-<commit>.
set -euo pipefail

MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=${SHOP_MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}

TOOLS_DIR=${SHOP_TOOLS_DIR:-$HOME/.cache/shop-evolution}
TARGET_DIR="$TOOLS_DIR/minio/$MINIO_VERSION"
BINARY="$TARGET_DIR/minio"

link_current() {
    ln -sfn "$MINIO_VERSION" "$TOOLS_DIR/minio/current"
}

if [ -x "$BINARY" ] && "$BINARY" --version >/dev/null 2>&1; then
    link_current
    echo "minio $MINIO_VERSION already built: $BINARY"
    exit 0
fi

# shellcheck source=scripts/go-build-env.sh
. "$(dirname "$0")/go-build-env.sh"
go_build_env install-minio MinIO
mkdir -p "$TARGET_DIR"
export GOBIN="$TARGET_DIR.partial"

echo "building $MINIO_MODULE@$MINIO_VERSION with $(go version | cut -d' ' -f3) into $TARGET_DIR"
echo "(a large module: the first build takes several minutes on 2 cores; later runs reuse it)"
started=$(date +%s)
rm -rf "$GOBIN"
go install -trimpath -ldflags "-s -w" "$MINIO_MODULE@$MINIO_VERSION"
# Move into place only once the build succeeded: an interrupted build leaves no binary behind.
mv "$GOBIN/minio" "$BINARY"
rmdir "$GOBIN"
link_current
echo "minio built in $(( $(date +%s) - started ))s: $("$BINARY" --version | head -1)"
