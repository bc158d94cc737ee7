#!/usr/bin/env bash
# Fail when the contracts in the working tree break those on a base ref (default: main).
# The base is read from git, so uncommitted and branch changes are checked against what has
# landed; on main itself the check compares main with itself and passes.
set -euo pipefail
cd "$(dirname "$0")/.."
buf=${1:-.tools/npm/node_modules/.bin/buf}
base=${BUF_BREAKING_AGAINST:-main}
if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null || ! git cat-file -e "$base:proto" 2>/dev/null; then
  echo "buf breaking: $base has no proto/ yet; nothing to compare"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git archive "$base" proto | tar -x -C "$tmp"
mkdir -p "$tmp/.tools"
cp -r .tools/proto "$tmp/.tools/proto"
cp buf.yaml "$tmp/"
"$buf" breaking --against "$tmp"
echo "buf breaking: no breaking change against $base"
