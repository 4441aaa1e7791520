#!/usr/bin/env bash
# Install the Elasticsearch server the native runner starts (common/runtime/launchers/
# elasticsearch.py), pinned to one version, into a cache the project controls:
#
#   ${SHOP_TOOLS_DIR:-$HOME/.cache/shop-evolution}/elasticsearch/<version>/   (ES_HOME)
#   ${SHOP_TOOLS_DIR:-$HOME/.cache/shop-evolution}/elasticsearch/current -> <version>
#
# What it does, once:
#   1. downloads the server distribution from Maven Central with Maven (the `integ-test-zip`
#      artifact: the server without a bundled JDK) and checks the sha256 recorded below;
#   2. unpacks it, builds the shop-analysis plugin (search/analysis-plugin: the english
#      analyzer, stemmers, asciifolding, edge_ngram, synonym this build lacks) for exactly
#      this version and installs it;
#   3. creates the system user `elasticsearch` (Elasticsearch refuses to run as root) and lets
#      it reach the installation (see grant_reach below).
# Everything is assembled in <version>.partial and moved into place at the end, so an
# interrupted run leaves nothing that looks installed. Idempotent: when installed, it only
# checks and returns (well under a second). When the plugin's sources change, only the plugin
# is rebuilt and reinstalled.
#
# Why 9.5.3 on Temurin 25 (and not 8.19.21 on the default Java 17): 9.x is the current major
# line (the official Docker image and the documentation students find are 9.x) and the
# current Python client (9.5.1) speaks it natively; this machine kind ships a Temurin 25 JDK
# beside Debian's OpenJDK 17, and 9.x needs Java 21 or newer. Other versions are not served
# by Maven Central or come without checksum files, hence the sha256 recorded here.
#
# The distribution's LICENSE.txt is the AGPL-3.0: it is downloaded and run here unmodified,
# as a separate local server process the shop talks to over HTTP.
set -euo pipefail

ES_VERSION=9.5.3
# sha256 of elasticsearch-9.5.3.zip as downloaded on 2026-11-29 (Maven Central publishes no
# checksum file for the 9.x integ-test-zip artifacts).
ES_SHA256=bec49f3b8d00e75c8d1cec85c35298635ec9fbd3ae80ef5aeb6bc05abdb3db2d
ES_ARTIFACT=org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
# The user the launcher runs the server as: the same name as in the official image.
ES_USER=elasticsearch
DEFAULT_JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
MIN_JAVA=21

REPO=$(cd "$(dirname "$0")/.." && pwd)
PLUGIN_DIR=$REPO/search/analysis-plugin
TOOLS_DIR=${SHOP_TOOLS_DIR:-$HOME/.cache/shop-evolution}
BASE=$TOOLS_DIR/elasticsearch
TARGET=$BASE/$ES_VERSION
STAMP=$TARGET/.shop-install # written last: java_home, plugin_sha256, zip_sha256

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# The plugin is rebuilt when any of its build inputs change.
plugin_digest() {
    (cd "$PLUGIN_DIR" && find build.sh plugin-descriptor.properties.in src -type f | LC_ALL=C sort |
        xargs sha256sum) | sha256sum | cut -d' ' -f1
}

as_es_user() {
    $SUDO setpriv --reuid="$ES_USER" --regid="$ES_USER" --clear-groups "$@"
}

stamped() {
    [ -f "$STAMP" ] && sed -n "s/^$1=//p" "$STAMP"
}

installed() {
    local java_home
    [ -x "$TARGET/bin/elasticsearch" ] &&
        [ "$(stamped plugin_sha256)" = "$(plugin_digest)" ] &&
        java_home=$(stamped java_home) && [ -x "$java_home/bin/java" ] &&
        id -u "$ES_USER" >/dev/null 2>&1 &&
        as_es_user test -r "$TARGET/lib/elasticsearch-$ES_VERSION.jar"
}

link_current() {
    ln -sfn "$ES_VERSION" "$BASE/current"
}

if installed; then
    link_current
    echo "elasticsearch $ES_VERSION already installed: $TARGET"
    exit 0
fi

started=$(date +%s)

# ---- what the install needs from Debian: Maven, unzip, setfacl -------------------------------
missing=()
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
command -v setfacl >/dev/null 2>&1 || missing+=(acl)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}"
    $SUDO apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ---- a JDK the server accepts (it also compiles the plugin) ----------------------------------
JAVA_HOME_FOR_ES=${ES_JAVA_HOME:-$DEFAULT_JAVA_HOME}
java_major=$("$JAVA_HOME_FOR_ES/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java.specification.version = //p' || true)
if [ -z "$java_major" ] || [ "$java_major" -lt "$MIN_JAVA" ] || [ ! -x "$JAVA_HOME_FOR_ES/bin/javac" ]; then
    echo "install-elasticsearch: Elasticsearch $ES_VERSION needs a JDK $MIN_JAVA or newer (java and" \
        "javac); none at $JAVA_HOME_FOR_ES. Point ES_JAVA_HOME at one and retry." >&2
    exit 1
fi

# ---- the dedicated system user ------------------------------------------------------------------
if ! id -u "$ES_USER" >/dev/null 2>&1; then
    echo "creating system user $ES_USER"
    $SUDO useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --comment "Elasticsearch for shop-evolution" "$ES_USER"
fi

# Let ES_USER reach $1: every directory above it that the user cannot pass through (e.g. a
# mode-0700 /root holding ~/.cache) gets an ACL entry allowing exactly that user to traverse
# it (x, not list or read). Nothing else about those directories changes.
grant_reach() {
    local path=$1 dir="" part
    IFS=/ read -ra parts <<<"${path#/}"
    for part in "${parts[@]}"; do
        dir="$dir/$part"
        if ! as_es_user test -x "$dir"; then
            echo "letting $ES_USER traverse $dir (ACL u:$ES_USER:x)"
            $SUDO setfacl -m "u:$ES_USER:x" "$dir"
        fi
    done
}

install_plugin() { # $1 = ES_HOME
    local plugin_zip=$BASE/shop-analysis-$ES_VERSION.zip
    ES_JAVA_HOME=$JAVA_HOME_FOR_ES bash "$PLUGIN_DIR/build.sh" "$1" "$plugin_zip"
    if [ -d "$1/plugins/shop-analysis" ]; then
        ES_JAVA_HOME=$JAVA_HOME_FOR_ES ES_PATH_CONF=$1/config "$1/bin/elasticsearch-plugin" \
            remove --purge shop-analysis
    fi
    ES_JAVA_HOME=$JAVA_HOME_FOR_ES ES_PATH_CONF=$1/config "$1/bin/elasticsearch-plugin" \
        install --batch "file://$plugin_zip"
    rm -f "$plugin_zip"
}

write_stamp() { # $1 = file
    printf 'java_home=%s\nplugin_sha256=%s\nzip_sha256=%s\n' \
        "$JAVA_HOME_FOR_ES" "$(plugin_digest)" "$ES_SHA256" >"$1"
}

mkdir -p "$BASE"
if [ -x "$TARGET/bin/elasticsearch" ]; then
    # The server is there (it only ever appears complete); the plugin or the stamp is not.
    echo "elasticsearch $ES_VERSION is in place; (re)installing the shop-analysis plugin"
    rm -f "$STAMP" # until the plugin is in again, this is not an installation
    install_plugin "$TARGET"
    write_stamp "$STAMP"
else
    partial=$TARGET.partial
    rm -rf "$partial" "$BASE/download" "$BASE/unpack"
    echo "downloading Elasticsearch $ES_VERSION (about 130 MB) from Maven Central"
    mkdir -p "$BASE/download"
    if ! mvn -B -q -Dmaven.repo.local="$BASE/m2" "$DEPENDENCY_PLUGIN:copy" \
        -Dartifact="$ES_ARTIFACT" -DoutputDirectory="$BASE/download" >"$BASE/download/mvn.log" 2>&1; then
        cat "$BASE/download/mvn.log" >&2
        echo "install-elasticsearch: Maven could not download $ES_ARTIFACT (log above)" >&2
        exit 1
    fi
    zip=$BASE/download/elasticsearch-$ES_VERSION.zip
    # Maven keeps a second copy in its local repository; the one checked below is enough.
    rm -rf "$BASE/m2/org/elasticsearch"
    actual=$(sha256sum "$zip" | cut -d' ' -f1)
    if [ "$actual" != "$ES_SHA256" ]; then
        rm -rf "$BASE/download"
        echo "install-elasticsearch: $zip has sha256 $actual, expected $ES_SHA256;" \
            "refusing to install it" >&2
        exit 1
    fi
    echo "unpacking into $partial"
    unzip -q "$zip" -d "$BASE/unpack"
    mv "$BASE/unpack/elasticsearch-$ES_VERSION" "$partial"
    rm -rf "$BASE/unpack" "$BASE/download"
    install_plugin "$partial"
    write_stamp "$partial/.shop-install"
    mv "$partial" "$TARGET"
fi
grant_reach "$TARGET"
link_current
echo "elasticsearch $ES_VERSION installed in $(($(date +%s) - started))s: $TARGET"
