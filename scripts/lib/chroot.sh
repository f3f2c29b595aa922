# shellcheck shell=bash
# A cached Debian bookworm root, provisioned with scripts/provision run inside it as on an image
# being prepared: shared by scripts/test-arm64 (arm64 under qemu-user) and scripts/test-boot
# (x86_64, booted with systemd-nspawn). Source after lib/bootstrap.sh, with these set:
#   NAME        how messages start ("test-arm64")
#   ARCH        debootstrap's --arch
#   CACHE       ~/.cache/smartmirror
#   BASE        the cached debootstrap result;  WORK_ROOT  the provisioned root (kept between runs)
#   RECIPE      bump to rebuild BASE
#   DOWNLOADS   apt's .debs and uv's cache, bound into the root
#   NEED_KEPT_S, NEED_FRESH_S, BUDGET_VAR   seconds a run needs (with the kept roots, from nothing)
#               and the variable .ci/run puts what is left of CI's time in (check_budget)
# The provisioned root is kept: later runs provision it again from this checkout (an upgrade, as
# store IT does); FRESH=1 starts again from the base root.

MAX_AGE_DAYS=30
DEBIAN_MIRROR="http://deb.debian.org/debian"
HOST_CA=/etc/ssl/certs/host-ca-certificates.crt
FRESH=0
MOUNTED=()
STARTED=$SECONDS

say() { printf '%s: %s\n' "$NAME" "$*"; }
skip() { say "skipped: $*"; exit 0; }
timed() { say "$1 took $((SECONDS - $2)) s"; }

unmount_all() {
  local i
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTED[$i]}" 2>/dev/null || umount -l "${MOUNTED[$i]}" 2>/dev/null || true
  done
  MOUNTED=()
}

bind() {
  mkdir -p "$2"
  mount --bind "$1" "$2"
  MOUNTED+=("$2")
}

base_usable() {
  [ -f "$BASE/.smartmirror-recipe" ] && [ "$(cat "$BASE/.smartmirror-recipe")" = "$RECIPE" ] \
    && [ -z "$(find "$BASE/.smartmirror-recipe" -mtime +"$MAX_AGE_DAYS")" ] \
    && chroot "$BASE" /bin/true 2>/dev/null
}

build_base() {
  if base_usable; then say "reusing the cached base root $BASE"; return 0; fi
  local start=$SECONDS log="$CACHE/$ARCH-debootstrap.log"
  say "building the base root with debootstrap (a few minutes)"
  rm -rf --one-file-system "$BASE" "$BASE.partial"
  debootstrap --arch="$ARCH" --variant=minbase bookworm "$BASE.partial" "$DEBIAN_MIRROR" \
    >"$log" 2>&1 || { tail -20 "$log" >&2; die "debootstrap failed (log: $log)"; }
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' \
    "$DEBIAN_MIRROR" "$DEBIAN_MIRROR" >"$BASE.partial/etc/apt/sources.list"
  rm -rf "$BASE.partial/var/cache/apt/archives/"*.deb
  printf '%s\n' "$RECIPE" >"$BASE.partial/.smartmirror-recipe"
  mv -T "$BASE.partial" "$BASE"
  timed "debootstrap" "$start"
}

# With the budget variable set, skip (saying so) a run that would not fit in what is left.
check_budget() {
  local budget="${!BUDGET_VAR:-}" need=$NEED_FRESH_S
  [ -n "$budget" ] || return 0
  if [ "$FRESH" -eq 0 ] && base_usable && [ -f "$WORK_ROOT/.smartmirror-base" ]; then need=$NEED_KEPT_S; fi
  [ "$budget" -ge "$need" ] || skip "not enough time left ($budget s; this run needs about $need s): run scripts/$NAME by itself"
}

# The provisioned root from an earlier run, or a fresh copy of the base root; this checkout goes
# to /usr/src/smartmirror, as an image builder has it.
prepare_work_root() {
  if findmnt -rno TARGET | grep -q "^$WORK_ROOT"; then
    die "$WORK_ROOT still has mounts from an earlier run; unmount them first"
  fi
  if [ "$FRESH" -eq 0 ] && [ -f "$WORK_ROOT/.smartmirror-base" ] \
    && cmp -s "$WORK_ROOT/.smartmirror-base" "$BASE/.smartmirror-recipe" && chroot "$WORK_ROOT" /bin/true 2>/dev/null; then
    say "reusing the provisioned root $WORK_ROOT (provisioning it again from this checkout: an upgrade)"
  else
    rm -rf --one-file-system "$WORK_ROOT"
    cp -a "$BASE" "$WORK_ROOT"
    cp "$BASE/.smartmirror-recipe" "$WORK_ROOT/.smartmirror-base"
    say "a fresh copy of the base root: provisioning installs everything"
  fi
  # The host's certificate authorities and resolver, for apt, pip and uv inside the root: its
  # local CAs (kept when the root's ca-certificates rebuilds its bundle) and its whole bundle,
  # which in_root names to pip and uv.
  mkdir -p "$WORK_ROOT/etc/ssl/certs" "$WORK_ROOT/usr/local/share/ca-certificates"
  cp /etc/ssl/certs/ca-certificates.crt "$WORK_ROOT$HOST_CA"
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$WORK_ROOT/usr/local/share/ca-certificates/"
  fi
  cp -L /etc/resolv.conf "$WORK_ROOT/etc/resolv.conf"
  rm -rf "$WORK_ROOT/usr/src/smartmirror"
  mkdir -p "$WORK_ROOT/usr/src/smartmirror"
  (cd "$PROJECT_ROOT" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) \
    | tar -C "$WORK_ROOT/usr/src/smartmirror" -xf -
  mkdir -p "$DOWNLOADS/apt" "$DOWNLOADS/root-cache"
  trap unmount_all EXIT
  mount -t proc proc "$WORK_ROOT/proc"; MOUNTED+=("$WORK_ROOT/proc")
  mount -t sysfs sysfs "$WORK_ROOT/sys"; MOUNTED+=("$WORK_ROOT/sys")
  bind /dev "$WORK_ROOT/dev"
  bind /dev/pts "$WORK_ROOT/dev/pts"
  bind "$DOWNLOADS/apt" "$WORK_ROOT/var/cache/apt/archives"
  bind "$DOWNLOADS/root-cache" "$WORK_ROOT/root/.cache"
}

in_root() {
  chroot "$WORK_ROOT" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 SSL_CERT_FILE="$HOST_CA" PIP_CERT="$HOST_CA" REQUESTS_CA_BUNDLE="$HOST_CA" "$@"
}

# scripts/provision inside the root, twice: the second run must change nothing. Extra arguments
# go to the first run (e.g. the environment setting SMARTMIRROR_PROVISION_BYTECODE=0).
PROVISION_ARGS=(--store "Test Store" --room "Room 1" --generate-token)
provision_root() {
  local start=$SECONDS
  # Without a system bus or systemd running, package scripts must not try to start services.
  printf '#!/bin/sh\nexit 101\n' >"$WORK_ROOT/usr/sbin/policy-rc.d"
  chmod 0755 "$WORK_ROOT/usr/sbin/policy-rc.d"
  in_root apt-get update -qq
  say "provisioning inside the $ARCH root: scripts/provision ${PROVISION_ARGS[*]}"
  in_root "$@" bash /usr/src/smartmirror/scripts/provision "${PROVISION_ARGS[@]}" \
    || die "scripts/provision failed inside the $ARCH root"
  timed "provisioning (apt, uv sync --locked)" "$start"
  in_root bash /usr/src/smartmirror/scripts/provision "${PROVISION_ARGS[@]}" | grep -q "nothing changed" \
    || die "a second provisioning run inside the $ARCH root changed something"
  [ "$(in_root systemctl is-enabled smartmirror-kiosk.service)" = enabled ] || die "the kiosk unit is not enabled in the $ARCH root"
  in_root id mirror | grep -q video || die "the mirror user is not in the video group"
  rm -f "$WORK_ROOT/usr/sbin/policy-rc.d"
  say "provisioned: a second run changed nothing, the kiosk unit is enabled"
}
