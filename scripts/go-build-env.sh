# Sourced by the scripts that build a server or tool from its Go module (install-minio.sh,
# install-compose.sh): finds the Go toolchain and keeps every Go cache under the project's
# tool cache, so a build touches nothing outside it and a rebuild downloads only what changed.
#
#   go_build_env WHO WHAT   WHO names the calling script in errors, WHAT what it builds;
#                           needs TOOLS_DIR set.

go_build_env() {
    if ! command -v go >/dev/null 2>&1; then
        for candidate in /usr/local/go/bin /usr/lib/go/bin; do
            if [ -x "$candidate/go" ]; then
                PATH="$candidate:$PATH"
                break
            fi
        done
    fi
    if ! command -v go >/dev/null 2>&1; then
        echo "$1: the Go toolchain is needed to build $2 (https://go.dev/dl/)" >&2
        exit 1
    fi
    export GOPATH="$TOOLS_DIR/go"
    export GOMODCACHE="$TOOLS_DIR/go/pkg/mod"
    export GOCACHE="$TOOLS_DIR/go/build-cache"
    export GOFLAGS="-buildvcs=false -modcacherw"
    export CGO_ENABLED=0
}
