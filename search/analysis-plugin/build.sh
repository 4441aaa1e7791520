#!/usr/bin/env bash
# Build the shop-analysis plugin zip for one unpacked Elasticsearch:
#
#   search/analysis-plugin/build.sh ES_HOME OUTPUT.zip
#
# Compiles src/ with javac against ES_HOME/lib/* (the server and Lucene jars), packs the
# classes into a jar and puts it beside the descriptor in a zip, the layout
# `bin/elasticsearch-plugin install file://OUTPUT.zip` expects. Needs a JDK whose javac can
# target the Java release the server was built for ($ES_JAVA_HOME, else javac on PATH).
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 ES_HOME OUTPUT.zip" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
ES_HOME=$(cd "$1" && pwd)
OUTPUT=$2
JAVA_BIN=${ES_JAVA_HOME:+$ES_JAVA_HOME/bin/}

server_jar=$(ls "$ES_HOME"/lib/elasticsearch-[0-9]*.jar)
es_version=$(basename "$server_jar" .jar)
es_version=${es_version#elasticsearch-}
# The Java release the server itself targets, from one of its bundled module descriptors.
java_version=$(sed -n 's/^java.version=//p' "$ES_HOME/modules/transport-netty4/plugin-descriptor.properties")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/classes" "$work/zip"
"${JAVA_BIN}javac" --release "$java_version" -Xlint:all,-processing -Werror \
    -cp "$ES_HOME/lib/*" -d "$work/classes" $(find "$HERE/src" -name '*.java' | sort)
"${JAVA_BIN}jar" --create --file "$work/zip/shop-analysis.jar" -C "$work/classes" .
sed -e "s/@ES_VERSION@/$es_version/g" -e "s/@JAVA_VERSION@/$java_version/g" \
    "$HERE/plugin-descriptor.properties.in" > "$work/zip/plugin-descriptor.properties"
rm -f "$OUTPUT"
(cd "$work/zip" && "${JAVA_BIN}jar" --create --no-manifest --file "$work/plugin.zip" .)
mv "$work/plugin.zip" "$OUTPUT"
echo "built $OUTPUT for Elasticsearch $es_version (Java $java_version)"
