#!/usr/bin/env bash
# Fetch the Compose Specification's JSON schema from the compose-go module (the library the
# docker compose CLI itself loads files with), through the Go module proxy, at a pinned
# version. Used by tests/test_compose_files.py to validate every compose.yaml.
set -euo pipefail
VERSION=v2.16.2
out=${1:-.cache/compose-spec.json}
if ! command -v go >/dev/null 2>&1; then
    echo "fetch-compose-schema: the Go toolchain is needed (apt-get install golang-go)" >&2
    exit 1
fi
dir=$(GOFLAGS=-mod=mod go mod download -json "github.com/compose-spec/compose-go/v2@${VERSION}" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
mkdir -p "$(dirname "$out")"
cp "$dir/schema/compose-spec.json" "$out"
chmod 644 "$out"
echo "compose schema ${VERSION} -> $out"
