#!/usr/bin/env bash
# An offline tour of gitagent with the scripted model, in a throwaway repository:
# a turn that writes and runs code, a second turn, the git record of both, a rewind, and an export.
set -euo pipefail
gitagent=${GITAGENT:-gitagent}
examples=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(mktemp -d "${TMPDIR:-/tmp}/gitagent-demo.XXXXXX")
sandbox=()
command -v bwrap >/dev/null || sandbox=(--sandbox none)

show() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

cd "$repo"
git init -q
git -c user.name=demo -c user.email=demo@example.com commit -q --allow-empty -m "initial commit"
git config user.name "gitagent demo"
git config user.email demo@example.com
echo "demo repository: $repo"

show "$gitagent" run -c demo "${sandbox[@]}" --model "scripted:$examples/hello.json" "Add a hello script"
show "$gitagent" run -c demo "${sandbox[@]}" --model "scripted:$examples/greeting.json" "Make the greeting friendlier"
show "$gitagent" log demo
show git log --format='%h %s%n%(trailers:key=Gitagent-Tools)' refs/gitagent/conversations/demo
show "$gitagent" diff demo@2
show "$gitagent" rewind demo 1
show "$gitagent" log --all
show "$gitagent" export demo feature/hello
show git log --stat --format='%h %s' -1 feature/hello
printf '\nThe demo repository is %s; the user checkout was never touched:\n' "$repo"
git status --short --branch
