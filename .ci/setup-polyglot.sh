#!/usr/bin/env bash
# The cross-language toolchains of the bridge tests (test/polyglot/*.test.ts, test/bridge/bridge-protoc.test.ts):
#   protoc          Debian's protobuf-compiler (apt), an independent OTLP protobuf encoder
#   proto files     opentelemetry-proto's .proto sources, from the Maven Central artifact
#                   io.opentelemetry.proto:opentelemetry-proto (never committed: fetched here)
#   python          a virtualenv with examples/polyglot/python/requirements.txt (OTLP/HTTP and
#                   OTLP/gRPC exporters)
#   parity-python   a virtualenv with test/parity/python/requirements.txt: LangSmith's Python SDK and
#                   the OpenAI instrumentations of the parity tests (test/parity/langsmith-python.test.ts)
#   strands-python  a virtualenv with test/polyglot/strands/requirements.txt: Strands Agents, a producer
#                   of GenAI span events with provider-shaped content (test/polyglot/polyglot-strands.test.ts)
#   go example      examples/polyglot/go built into a binary
#   collector       an OpenTelemetry Collector built by the official builder (ocb) from
#                   examples/collector/builder-config.yaml
# Everything heavy lives OUTSIDE the repo, in ${OTEL_LANGSMITH_CACHE:-$HOME/.cache/otel-langsmith},
# keyed by a hash of what it is built from, so later runs reuse it. Idempotent; quiet unless a step
# fails; one line per step saying what it did or skipped and why. Each step also leaves one line in
# $CACHE/status/<step>, which test/helpers/polyglot-tools.ts shows when a test skips.
# Exits non-zero when a step failed (not when one was skipped for lack of a toolchain).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
CACHE="${OTEL_LANGSMITH_CACHE:-$HOME/.cache/otel-langsmith}"
mkdir -p "$CACHE/status" "$CACHE/logs"
LOGS="$CACHE/logs"

# Go: own module and build caches in $CACHE unless the caller set them; writable module cache so
# `rm -rf $CACHE` works; never download a Go toolchain (GOTOOLCHAIN=local).
export GOMODCACHE="${GOMODCACHE:-$CACHE/go/mod}"
export GOCACHE="${GOCACHE:-$CACHE/go/build}"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-modcacherw"
export GOTOOLCHAIN=local

failures=0
say() { printf 'setup-polyglot: %-12s %s\n' "$1" "$2"; }
# status STEP ok|skipped|failed TEXT: the line tests print when they skip.
status() { printf '%s %s\n' "$2" "$3" >"$CACHE/status/$1"; }
ok() { say "$1" "$2"; status "$1" ok "$2"; }
skipped() { say "$1" "skipped: $2"; status "$1" skipped "$2"; }
failed() { say "$1" "FAILED: $2 (log: $3)"; status "$1" failed "$2 (log: $3)"; failures=$((failures + 1)); }
# quiet LOG CMD...: runs CMD with its output in LOG; on failure prints the end of LOG.
quiet() {
  local log=$1
  shift
  if "$@" >"$log" 2>&1; then return 0; fi
  echo "---- last lines of $log ----" >&2
  tail -n 30 "$log" >&2
  return 1
}
# hash16 FILE...: the first 16 hex digits of the sha256 of the files' contents, concatenated.
hash16() { cat "$@" | sha256sum | cut -c1-16; }
since() { echo "$(($(date +%s) - $1))s"; }

apt_updated=false
apt_install() {
  local log=$1
  shift
  if [ "$apt_updated" = false ]; then
    quiet "$log.update" apt-get update || return 1
    apt_updated=true
  fi
  DEBIAN_FRONTEND=noninteractive quiet "$log" apt-get install -y --no-install-recommends "$@"
}

step_protoc() {
  local t0 log="$LOGS/protoc.log"
  t0=$(date +%s)
  if command -v protoc >/dev/null 2>&1; then
    ok protoc "present ($(protoc --version)), nothing to do"
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
    skipped protoc "not installed, and apt-get as root is not available to install protobuf-compiler"
    return 0
  fi
  if apt_install "$log" protobuf-compiler && command -v protoc >/dev/null 2>&1; then
    ok protoc "installed protobuf-compiler ($(protoc --version)) in $(since "$t0")"
  else
    failed protoc "apt-get install protobuf-compiler failed" "$log"
  fi
}

step_proto_files() {
  local t0 version dir jar tmp log="$LOGS/proto-files.log"
  t0=$(date +%s)
  version=$(tr -d ' \n' <"$REPO/test/fixtures/otlp/opentelemetry-proto.version")
  dir="$CACHE/opentelemetry-proto/$version"
  if [ -f "$dir/opentelemetry/proto/collector/trace/v1/trace_service.proto" ]; then
    ok proto-files "opentelemetry-proto $version already in $dir"
    return 0
  fi
  if ! command -v mvn >/dev/null 2>&1; then
    skipped proto-files "mvn not installed (it fetches io.opentelemetry.proto:opentelemetry-proto:$version)"
    return 0
  fi
  tmp=$(mktemp -d)
  if ! quiet "$log" mvn -B -q dependency:copy "-Dartifact=io.opentelemetry.proto:opentelemetry-proto:$version" "-DoutputDirectory=$tmp"; then
    rm -rf "$tmp"
    failed proto-files "mvn dependency:copy io.opentelemetry.proto:opentelemetry-proto:$version failed" "$log"
    return 0
  fi
  jar="$tmp/opentelemetry-proto-$version.jar"
  mkdir -p "$tmp/x"
  # The jar carries the .proto sources next to the generated classes; keep only the sources.
  if ! quiet "$log.unzip" python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = [n for n in z.namelist() if n.startswith("opentelemetry/proto/") and n.endswith(".proto")]
z.extractall(sys.argv[2], names)
print(len(names), "proto files")' "$jar" "$tmp/x"; then
    rm -rf "$tmp"
    failed proto-files "could not extract the .proto files from $jar" "$log.unzip"
    return 0
  fi
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  mv "$tmp/x" "$dir"
  rm -rf "$tmp"
  ok proto-files "fetched opentelemetry-proto $version from Maven Central into $dir in $(since "$t0")"
}

# python_venv STEP DIR REQ MIN_MINOR PROBE WHY: a virtualenv in $CACHE/DIR/venv-<hash of REQ> with
# REQ installed, reused while PROBE (a Python import line) still runs in it; older ones removed.
# MIN_MINOR is the least Python 3 minor version; WHY says why, for the skip line.
python_venv() {
  local step=$1 dir=$2 req=$3 min_minor=$4 probe=$5 why=$6
  local t0 h venv py log="$LOGS/$step.log"
  t0=$(date +%s)
  py=$(command -v python3 || true)
  if [ -z "$py" ]; then
    skipped "$step" "python3 not installed"
    return 0
  fi
  if ! "$py" -c "import sys, venv; sys.exit(0 if sys.version_info >= (3, $min_minor) else 1)" 2>/dev/null; then
    skipped "$step" "$("$py" --version 2>&1) has no venv module or is older than 3.$min_minor$why"
    return 0
  fi
  h=$(hash16 "$req")
  venv="$CACHE/$dir/venv-$h"
  if [ -f "$venv/.complete" ] && "$venv/bin/python" -c "$probe" 2>/dev/null; then
    ok "$step" "venv for requirements $h reused ($venv)"
    return 0
  fi
  rm -rf "$venv"
  mkdir -p "$CACHE/$dir"
  if quiet "$log" "$py" -m venv "$venv" &&
    quiet "$log.pip" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" &&
    "$venv/bin/python" -c "$probe" 2>>"$log.pip"; then
    touch "$venv/.complete"
    # Venvs of older requirements are no use any more.
    find "$CACHE/$dir" -mindepth 1 -maxdepth 1 -name 'venv-*' ! -name "venv-$h" -exec rm -rf {} +
    ok "$step" "created venv $venv ($("$venv/bin/python" --version), $(grep -c '==' "$req") pinned packages) in $(since "$t0")"
  else
    rm -rf "$venv"
    failed "$step" "venv or pip install -r ${req#"$REPO"/} failed" "$log.pip"
  fi
}

step_python() {
  python_venv python python "$REPO/examples/polyglot/python/requirements.txt" 9 \
    'import opentelemetry.sdk.trace, opentelemetry.exporter.otlp.proto.http, opentelemetry.exporter.otlp.proto.grpc' ''
}

# The parity tests' venv: LangSmith's Python SDK, openai, OpenInference, OpenLLMetry, the OTel
# contrib OpenAI instrumentation and Pydantic AI (test/parity/python/requirements.txt). Its own venv,
# keyed by that file's hash, so the polyglot example's venv stays small. Status in status/parity-python,
# shown by test/parity/python-tools.ts when the test skips.
step_parity_python() {
  python_venv parity-python parity-python "$REPO/test/parity/python/requirements.txt" 10 \
    'import langsmith, openai, pydantic_ai, openinference.instrumentation.openai, opentelemetry.instrumentation.openai, opentelemetry.instrumentation.openai_v2, opentelemetry.sdk.trace, opentelemetry.exporter.otlp.proto.http' \
    ' (Pydantic AI needs 3.10)'
}

go_usable() { command -v go >/dev/null 2>&1; }

# Strands Agents, a producer of GenAI span events in Bedrock's content shapes
# (test/polyglot/polyglot-strands.test.ts): its own venv, since its pins conflict with the parity venv's.
step_strands_python() {
  python_venv strands-python strands-python "$REPO/test/polyglot/strands/requirements.txt" 10 \
    'import strands, strands.models.bedrock, opentelemetry.sdk.trace, opentelemetry.exporter.otlp.proto.http' \
    ' (strands-agents needs 3.10)'
}

step_go_example() {
  local t0 src h out log="$LOGS/go-example.log"
  local -a go_files
  t0=$(date +%s)
  src="$REPO/examples/polyglot/go"
  if ! go_usable; then
    skipped go-example "go not installed"
    return 0
  fi
  # Same hash as polyglot-tools.ts: go.mod, go.sum, then the .go files in C-locale order.
  mapfile -t go_files < <(cd "$src" && LC_ALL=C ls -- *.go)
  h=$(cd "$src" && hash16 go.mod go.sum "${go_files[@]}")
  out="$CACHE/go-example/$h"
  if [ -x "$out/weather" ]; then
    ok go-example "binary for sources $h reused ($out/weather)"
    return 0
  fi
  mkdir -p "$out"
  if (cd "$src" && quiet "$log" go mod download && quiet "$log.build" go build -mod=readonly -trimpath -o "$out/weather.tmp" .); then
    mv "$out/weather.tmp" "$out/weather"
    find "$CACHE/go-example" -mindepth 1 -maxdepth 1 ! -name "$h" -exec rm -rf {} +
    ok go-example "built $out/weather ($(go version | cut -d' ' -f3)) in $(since "$t0")"
  else
    rm -rf "$out"
    failed go-example "go mod download / go build in examples/polyglot/go failed" "$log.build"
  fi
}

step_collector() {
  local t0 manifest h version dir builder log="$LOGS/collector.log" seconds
  t0=$(date +%s)
  manifest="$REPO/examples/collector/builder-config.yaml"
  if ! go_usable; then
    skipped collector "go not installed (the Collector is built from source by ocb)"
    return 0
  fi
  h=$(hash16 "$manifest")
  dir="$CACHE/otelcol/$h"
  if [ -x "$dir/otelcol-langsmith" ]; then
    ok collector "binary for manifest $h reused ($dir/otelcol-langsmith; first build took $(cat "$dir/build-seconds" 2>/dev/null || echo '?')s)"
    return 0
  fi
  # The builder's version is the components' (core receiver's) version in the manifest.
  version=$(grep -oE 'otlpreceiver v[0-9]+\.[0-9]+\.[0-9]+' "$manifest" | cut -d' ' -f2)
  if [ -z "$version" ]; then
    failed collector "no otlpreceiver version in $manifest to pick the builder's version" "$manifest"
    return 0
  fi
  builder="$CACHE/otelcol/builder-$version/builder"
  if [ ! -x "$builder" ]; then
    if ! GOBIN="$(dirname "$builder")" quiet "$log.builder" go install "go.opentelemetry.io/collector/cmd/builder@$version"; then
      failed collector "go install go.opentelemetry.io/collector/cmd/builder@$version failed" "$log.builder"
      return 0
    fi
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  # The manifest with this machine's output path; nothing is written into the repo.
  sed "s|^dist:|dist:\n  output_path: $dir/build|" "$manifest" >"$dir/manifest.yaml"
  if (cd "$dir" && quiet "$log" "$builder" --config "$dir/manifest.yaml") && [ -x "$dir/build/otelcol-langsmith" ]; then
    mv "$dir/build/otelcol-langsmith" "$dir/otelcol-langsmith"
    rm -rf "$dir/build"
    seconds=$(($(date +%s) - t0))
    echo "$seconds" >"$dir/build-seconds"
    find "$CACHE/otelcol" -mindepth 1 -maxdepth 1 ! -name "$h" ! -name 'builder-*' -exec rm -rf {} +
    ok collector "built $dir/otelcol-langsmith with ocb $version in ${seconds}s"
  else
    failed collector "ocb $version could not build $manifest" "$log"
  fi
}

t_start=$(date +%s)
step_protoc
step_proto_files
step_python
step_parity_python
step_strands_python
step_go_example
step_collector
say "done" "in $(since "$t_start"), cache $CACHE, $failures failed"
[ "$failures" -eq 0 ]
