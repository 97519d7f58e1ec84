#!/usr/bin/env bash
# One entry point for a fresh Debian machine (as root) and for developers:
#   bash scripts/setup.sh demo   install what is needed, then start the demo (advisor-app --demo)
#   bash scripts/setup.sh test   install what is needed, then run the whole test suite
# Installs Debian packages that are missing, makes .venv with Python >= 3.12 and installs the
# project into it; repeated runs skip what is done already.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
venv="$here/.venv"

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

apt_packages=(
  chromium libpulse0 libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1
  libdbus-1-3 libnss3 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
  fonts-dejavu-core ca-certificates
  postgresql  # the PostgreSQL storage tests start their own temporary server from it
  espeak-ng sox  # benchmarks/echo.py --write-wav: real speech, and measuring what was written
  nodejs  # the customer page's unit tests (node --test) and npm for axe-core (tests/web)
  iproute2 nftables ethtool  # benchmarks/network_quality.py: namespaces, tc tbf, loss, delay
  binutils  # objdump: the frozen bundle's glibc floor (tests/packaging, packaging/linux)
  coturn  # tests/rtc/test_turn_relays.py starts its own turnserver (the service stays off)
)

install_debian_packages() {
  command -v dpkg-query >/dev/null || return 0
  local missing=()
  for package in "${apt_packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages (run as root, or install them): ${missing[*]}"
    return 0
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  keep_coturn_service_off
}

# Debian enables coturn.service on installation (and starts it where systemd runs): a TURN
# server on 3478/5349 with the example configuration is not wanted on a developer's or a CI
# machine; the tests start their own turnserver with a generated configuration.
keep_coturn_service_off() {
  command -v systemctl >/dev/null || return 0
  [ -e /lib/systemd/system/coturn.service ] || return 0
  if [ -d /run/systemd/system ]; then
    systemctl disable --now coturn.service >/dev/null 2>&1 || true
  else
    systemctl disable coturn.service >/dev/null 2>&1 || true  # no systemd running: links only
  fi
}

find_python() {
  local candidate
  for candidate in python3.13 python3.12 \
      /usr/bin/python3.13 /usr/bin/python3.12 /usr/local/bin/python3.13 /usr/local/bin/python3.12 \
      "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3 \
      /root/.pyenv/versions/3.13*/bin/python3 /root/.pyenv/versions/3.12*/bin/python3 python3; do
    if command -v "$candidate" >/dev/null 2>&1 || [ -x "$candidate" ]; then
      if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
        command -v "$candidate" 2>/dev/null || echo "$candidate"
        return 0
      fi
    fi
  done
  return 1
}

make_venv() {
  local stamp="$venv/.setup-stamp" wanted
  wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
    return 0
  fi
  local python
  if ! python="$(find_python)"; then
    say "Python 3.12 or newer is needed (PySide6 6.12 aborts under qasync on 3.11)."
    say "Install python3.12 or python3.13 and run this again."
    exit 1
  fi
  if [ ! -x "$venv/bin/python" ]; then
    say "making .venv with $python ($("$python" --version))"
    "$python" -m venv "$venv"
  fi
  say "installing the project and its test tools into .venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -e ".[dev]"
  echo "$wanted" > "$stamp"
}

# axe-core for the accessibility checks in tests/e2e, pinned by tests/web/package-lock.json.
install_web_tools() {
  command -v npm >/dev/null || { say "npm is missing: the e2e accessibility checks cannot run"; return 0; }
  [ -f tests/web/node_modules/axe-core/axe.min.js ] && return 0
  say "installing axe-core into tests/web/node_modules"
  npm ci --prefix tests/web --no-audit --no-fund --silent
}

command="${1:-}"
shift || true
case "$command" in
  demo)
    install_debian_packages
    make_venv
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
      say "no display: the workstation runs without a window; use the customer page URL below"
      export QT_QPA_PLATFORM=offscreen
    fi
    exec "$venv/bin/python" -m advisor_app --demo "$@"
    ;;
  test)
    install_debian_packages
    make_venv
    export QT_QPA_PLATFORM=offscreen
    install_web_tools
    if [ $# -gt 0 ]; then
      exec "$venv/bin/python" -X faulthandler -m pytest "$@"
    fi
    node --test tests/web/ || exit $?
    "$venv/bin/python" -X faulthandler -m pytest --ignore=tests/ui || exit $?
    # The Qt tests run in a process of their own: the workstation runs Python's garbage
    # collector on its UI thread only (advisor_app/ui/runtime/collector.py switches the automatic one
    # off for the process), and the other tests keep the interpreter's normal collection.
    exec "$venv/bin/python" -X faulthandler -m pytest tests/ui
    ;;
  install)
    install_debian_packages
    make_venv
    ;;
  *)
    echo "usage: bash scripts/setup.sh demo|test|install [arguments for the demo or pytest]" >&2
    exit 2
    ;;
esac
