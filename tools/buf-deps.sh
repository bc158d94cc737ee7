#!/usr/bin/env bash
# Copy the googleapis protos our contracts import from the installed wheel into .tools/proto,
# so buf sees the same files protoc does (no registry access needed).
set -euo pipefail
cd "$(dirname "$0")/.."
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
rm -rf .tools/proto
mkdir -p .tools/proto/google/api .tools/proto/google/rpc
cp "$site"/google/api/{annotations,http}.proto .tools/proto/google/api/
cp "$site"/google/rpc/{status,error_details}.proto .tools/proto/google/rpc/
