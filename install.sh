#!/usr/bin/env bash
# Install gitagent into an isolated virtual environment and put `gitagent` on PATH.
#
#   ./install.sh            install for use, then run an offline demo (scripted model, throwaway repo)
#   ./install.sh --dev      install editable with the test tools, Ray (the `ray` extra) and tmux into ./.venv, no demo
#   ./install.sh --no-demo  skip the demo
#
# Safe to run again: it reuses the environment and updates the install. Needs Python 3.11+ and git;
# installs bubblewrap (the sandbox) with apt-get where it can.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dev=0
demo=1
for arg in "$@"; do
  case "$arg" in
    --dev) dev=1; demo=0 ;;
    --no-demo) demo=0 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '==> %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

apt_install() {
  command -v apt-get >/dev/null || return 1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python=$(command -v "$candidate"); break
  fi
done
[ -n "$python" ] || die "Python 3.11 or newer is needed (found: $(python3 --version 2>&1 || echo none))"
command -v git >/dev/null || die "git is needed: sudo apt-get install git"

if ! command -v bwrap >/dev/null; then
  say "installing bubblewrap (the sandbox for the agent's commands)"
  apt_install bubblewrap || say "could not install bubblewrap; install it yourself (package 'bubblewrap') or run with --sandbox none"
fi

if [ "$dev" = 1 ] && ! command -v tmux >/dev/null; then
  say "installing tmux (the chat's terminal tests drive it)"
  apt_install tmux || die "the tests need tmux: install the package 'tmux'"
fi

if [ "$dev" = 1 ]; then venv="$here/.venv"; else venv="${GITAGENT_VENV:-$HOME/.local/share/gitagent/venv}"; fi
if [ ! -x "$venv/bin/python" ]; then
  say "creating the environment in $venv"
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    say "installing python3-venv"
    apt_install python3-venv || die "cannot create a virtual environment: install the python3-venv package"
    "$python" -m venv "$venv"
  fi
fi

say "installing gitagent into $venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
if [ "$dev" = 1 ]; then
  "$venv/bin/python" -m pip install --quiet -e "$here[dev]"   # dev includes the ray extra: the batch tests use Ray
else
  "$venv/bin/python" -m pip install --quiet --upgrade "$here"
fi

bindir="$HOME/.local/bin"
mkdir -p "$bindir"
ln -sf "$venv/bin/gitagent" "$bindir/gitagent"
say "gitagent $("$venv/bin/gitagent" --version | cut -d' ' -f2) is at $bindir/gitagent"
case ":$PATH:" in
  *":$bindir:"*) ;;
  *) say "add $bindir to your PATH, e.g.: echo 'export PATH=\"$bindir:\$PATH\"' >> ~/.bashrc" ;;
esac

if [ "$demo" = 1 ]; then
  GITAGENT="$venv/bin/gitagent" "$here/examples/demo.sh"
fi
