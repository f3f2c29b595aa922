# shellcheck shell=bash
# Shared set-up for scripts/demo and scripts/test: Debian packages, uv, the locked environment.
# Idempotent: a second run installs nothing and takes a second or two.

UV_VERSION="0.13.9"
PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# What the mirror needs to run (Qt Quick on xcb with Mesa, Qt Multimedia, Python), and the font
# its screens are drawn in: every symbol on them has a glyph in DejaVu (tests/unit/test_ui_glyphs.py).
RUNTIME_PACKAGES=(
  ca-certificates python3 python3-venv
  libglib2.0-0 libxkbcommon0 libxkbcommon-x11-0 libegl1 libgl1 libgl1-mesa-dri libfontconfig1 fonts-dejavu-core
  libdbus-1-3 libpulse0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-image0
  libxcb-render-util0 v4l-utils
)
# PySide6 6.8.0.2 on Raspberry Pi OS bookworm: xcb needs libSM/libICE and video goes through GStreamer.
AARCH64_PACKAGES=(
  libsm6 libice6 libgstreamer1.0-0 libgstreamer-plugins-base1.0-0 libgstreamer-gl1.0-0
  libgstreamer-plugins-bad1.0-0 gstreamer1.0-plugins-good
)
# What the tests use as real components: a virtual screen, a browser, ffprobe, mDNS, namespaces,
# and the store's own tools: systemd-analyze (with cage, the kiosk unit's compositor), Prometheus
# (with promtool) and ansible-playbook.
TEST_PACKAGES=(
  xvfb xdotool imagemagick ffmpeg chromium avahi-daemon avahi-utils dbus iproute2 procps
  systemd cage prometheus ansible-core
)

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to install Debian packages (run as root or install sudo): $*"
  fi
}

missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || printf '%s\n' "$pkg"
  done
}

install_packages() {
  command -v dpkg-query >/dev/null 2>&1 || die "this set-up script needs Debian or Raspberry Pi OS (apt)"
  local wanted=("$@") missing
  if [ "$(uname -m)" = "aarch64" ]; then wanted+=("${AARCH64_PACKAGES[@]}"); fi
  mapfile -t missing < <(missing_packages "${wanted[@]}")
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_uv() {
  if command -v uv >/dev/null 2>&1 && [ "$(uv --version | awk '{print $2}')" = "$UV_VERSION" ]; then
    UV=uv; return 0
  fi
  local home="${XDG_CACHE_HOME:-$HOME/.cache}/smartmirror/uv-$UV_VERSION"
  if [ ! -x "$home/bin/uv" ]; then
    log "installing uv $UV_VERSION into $home"
    python3 -m venv "$home" || die "python3 -m venv failed (is python3-venv installed?)"
    "$home/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi
  UV="$home/bin/uv"
}

sync_environment() {
  cd "$PROJECT_ROOT"
  # Use the machine's Python 3.11; never download an interpreter at set-up time.
  UV_PYTHON_DOWNLOADS=never "$UV" sync --locked --quiet || die "uv sync failed (see above)"
}
