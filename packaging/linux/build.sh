#!/usr/bin/env bash
# Build the advisor workstation as a one-folder app (dist/advisor-app/) and smoke-test it:
#
#   bash packaging/linux/build.sh              build, strip, self-check, start-up time, archive
#   bash packaging/linux/build.sh --check-only  only the checks, on an existing dist/advisor-app
#
# The smoke test starts a hub (.venv/bin/advisor-hub serve on a free loopback port with a temp
# data dir, HTTPS with its self-signed certificate, which the app is told to trust through
# SSL_CERT_FILE: that exercises the frozen TLS stack and truststore) and runs the frozen
# `advisor-app --self-check` with QT_QPA_PLATFORM=offscreen: it must load Qt Multimedia's
# backend, encode and decode a VP8 frame through PyAV, list devices, load the keyring backend,
# find resources and translations, render a PDF page in the worker process, put audio through
# libwebrtc's audio processing (livekit's native library), reach the hub, and exit 0. When
# gnome-keyring-daemon and dbus-run-session exist, the check runs in a D-Bus session with an
# unlocked Secret Service, so the credential store is really used rather than only imported.
#
# Environment: PYTHON (default .venv/bin/python), STARTUP_RUNS (default 7), ARCHIVE=0 to skip
# the .tar.zst, GLIBC_FLOOR (default 2.36: the newest glibc the bundle may need).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
python="${PYTHON:-$here/.venv/bin/python}"
bindir="$(dirname "$python")"
app_dir="$here/dist/advisor-app"
app="$app_dir/advisor-app"
say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

check_only=0
[ "${1:-}" = "--check-only" ] && check_only=1

if [ "$check_only" = 0 ]; then
  say "PyInstaller: packaging/advisor-app.spec -> dist/advisor-app"
  started=$(date +%s)
  "$python" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$here/dist" --workpath "$here/build/pyinstaller" packaging/advisor-app.spec
  say "built in $(( $(date +%s) - started )) s"

  # Debug information (DWARF) in libpython and in extension modules built without stripping
  # (PyAV's, aiohttp's, ...) is about 70 MB. Only debug sections go; symbol tables stay, and
  # libraries repaired by auditwheel (*.libs folders) are left as they are.
  say "removing debug information"
  before=$(du -sb "$app_dir" | cut -f1)
  while IFS= read -r -d '' file; do
    if readelf -S "$file" 2>/dev/null | grep -q '\.debug_info'; then
      strip --strip-debug "$file"
    fi
  done < <(find "$app_dir" -type f \( -name '*.so' -o -name '*.so.*' \) -not -path '*.libs/*' -print0)
  after=$(du -sb "$app_dir" | cut -f1)
  say "debug information: $(( (before - after) / 1000000 )) MB removed"
fi

[ -x "$app" ] || { say "no $app: build first"; exit 1; }

size_mb=$(( $(du -sb "$app_dir" | cut -f1) / 1000000 ))
say "bundle size: ${size_mb} MB (dist/advisor-app, target <= 350 MB)"

work="$(mktemp -d "${TMPDIR:-/tmp}/advisor-app-smoke.XXXXXX")"
hub_pid=""
cleanup() {
  if [ -n "$hub_pid" ] && kill -0 "$hub_pid" 2>/dev/null; then
    kill "$hub_pid" 2>/dev/null || true
    wait "$hub_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
hub_url="https://localhost:$port"
hub_cert="$work/hub/tls/self-signed.crt"
say "starting a hub at $hub_url (self-signed certificate)"
"$bindir/advisor-hub" serve --host 127.0.0.1 --port "$port" --data-dir "$work/hub" \
  --tls-self-signed >"$work/hub.log" 2>&1 &
hub_pid=$!
for _ in $(seq 1 100); do
  if [ -f "$hub_cert" ] && "$python" -c "import ssl, urllib.request; urllib.request.urlopen('$hub_url/healthz', timeout=1, context=ssl.create_default_context(cafile='$hub_cert'))" 2>/dev/null; then
    break
  fi
  kill -0 "$hub_pid" 2>/dev/null || { cat "$work/hub.log" >&2; say "the hub did not start"; exit 1; }
  sleep 0.1
done

# A home of its own: settings, logs, the single-instance lock and keyrings do not meet others'.
home="$work/home"
mkdir -p "$home/.run"
chmod 700 "$home/.run"
app_env=(
  env HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_STATE_HOME="$home/.state"
  XDG_DATA_HOME="$home/.data" XDG_CACHE_HOME="$home/.cache" XDG_RUNTIME_DIR="$home/.run"
  QT_QPA_PLATFORM=offscreen SSL_CERT_FILE="$hub_cert"
)
cat >"$work/self-check.sh" <<EOF
set -e
if command -v gnome-keyring-daemon >/dev/null && [ -n "\${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  printf '' | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
fi
exec "$app" --self-check --hub "$hub_url"
EOF
say "frozen self-check: advisor-app --self-check --hub $hub_url"
status=0
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  "${app_env[@]}" timeout 180 dbus-run-session -- bash "$work/self-check.sh" \
    >"$work/self-check.out" 2>"$work/self-check.err" || status=$?
else
  "${app_env[@]}" timeout 180 bash "$work/self-check.sh" \
    >"$work/self-check.out" 2>"$work/self-check.err" || status=$?
fi
cat "$work/self-check.out"
if [ "$status" -ne 0 ]; then
  tail -n 40 "$work/self-check.err" >&2
  say "the frozen self-check failed (exit $status)"
  exit 1
fi
missing=()
for line in "✔ Hub reachable" "✔ Media connection (ICE)" "✔ Multimedia backend" \
    "✔ Video codec" "✔ Application files" "✔ Translations" "✔ Document display" \
    "✔ Audio processing" "Camera" "Microphone" "Speaker" "Credential store"; do
  grep -qF "$line" "$work/self-check.out" || missing+=("$line")
done
if grep -qF "✘ Credential store" "$work/self-check.out"; then
  missing+=("the keyring backend (missing from the bundle)")
fi
if [ ${#missing[@]} -gt 0 ]; then
  say "the frozen self-check did not report: ${missing[*]}"
  exit 1
fi
say "frozen self-check passed"

say "start-up time to a usable window (frozen, ${STARTUP_RUNS:-7} runs)"
# Reported, not a gate: on a busy build machine the time says little about a workstation's.
SSL_CERT_FILE="$hub_cert" "$python" packaging/linux/startup_time.py "$app" --hub "$hub_url" \
  --runs "${STARTUP_RUNS:-7}" || say "start-up time above its target (see above); the build goes on"

# The oldest C library the bundle runs on: the highest GLIBC_x.y any of its ELF files needs. A
# bundle that needs more than the oldest supported distribution's (GLIBC_FLOOR, 2.36 = Debian
# 12; docs/deployment.md) fails the build: it was built on too new a system.
say "glibc floor (supported from glibc ${GLIBC_FLOOR:-2.36})"
"$python" packaging/linux/glibc_floor.py "$app_dir" --max "${GLIBC_FLOOR:-2.36}"

# A menu entry and its icon, for the installer or `install -D` to put in place.
install -D -m 0644 packaging/linux/advisor-app.desktop "$app_dir/share/applications/advisor-app.desktop"
install -D -m 0644 resources/icons/app.png "$app_dir/share/icons/hicolor/256x256/apps/advisor-app.png"

if [ "$check_only" = 0 ] && [ "${ARCHIVE:-1}" != 0 ]; then
  version=$("$python" -c "import ast, pathlib; print(next(n.value.value for n in ast.parse(pathlib.Path('advisor_app/__init__.py').read_text()).body if isinstance(n, ast.Assign) and n.targets[0].id == '__version__'))")
  archive="$here/dist/advisor-app-$version-linux-$(uname -m).tar.zst"
  tar -C "$here/dist" -cf - advisor-app | zstd -q -T0 -9 -f -o "$archive"
  say "archive: $archive ($(( $(stat -c %s "$archive") / 1000000 )) MB)"
fi
