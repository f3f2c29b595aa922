"""scripts/provision into directory trees (``--root``): the installed tree, idempotence, dry runs,
upgrade and rollback, uninstall and purge, and every refusal of bad input.

Each install is real: the account files are written by useradd/groupadd ``--prefix``, the
release's environment by ``uv sync --locked`` from this checkout (byte-compiling skipped, which
only the arm64 smoke in scripts/test-arm64 does), units enabled by ``systemctl --root``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import tomllib
from contextlib import closing
from pathlib import Path

import pytest

from tests.unit.test_doctor_checks import zone_data

ROOT = Path(__file__).resolve().parents[2]
PROVISION = ROOT / "scripts" / "provision"
TOKEN = "t0ken-" + "x" * 40
ENV = dict(os.environ, SMARTMIRROR_PROVISION_BYTECODE="0")

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="provisioning needs root (it sets owners)")


def provision(*args: str, checkout: Path = ROOT, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    res = subprocess.run(
        ["bash", str(checkout / "scripts" / "provision"), *args], capture_output=True, text=True, env=env or ENV,
        timeout=300,
    )
    if check:
        assert res.returncode == 0, res.stdout + res.stderr
    return res


def snapshot(tree: Path) -> dict[str, tuple]:
    """Every path under ``tree`` with type, mode, owner and content (a release's files by inode)."""
    seen = {}
    for dirpath, dirnames, filenames in os.walk(tree):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            st = path.lstat()
            rel = str(path.relative_to(tree))
            if stat.S_ISLNK(st.st_mode):
                body = os.readlink(path)
            elif stat.S_ISDIR(st.st_mode):
                body = None
            elif "/releases/" in f"/{rel}" and rel.count("/") > 3:
                body = (st.st_ino, st.st_size, st.st_mtime_ns)  # uv's files: rewritten means new inode or mtime
            else:
                body = hashlib.sha256(path.read_bytes()).hexdigest()
            seen[rel] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, body)
    return seen


def ids(tree: Path, name: str) -> tuple[int, int]:
    for line in (tree / "etc/passwd").read_text().splitlines():
        f = line.split(":")
        if f[0] == name:
            return int(f[2]), int(f[3])
    raise AssertionError(f"{name} is not in {tree}/etc/passwd")


def members(tree: Path, group: str) -> list[str]:
    for line in (tree / "etc/group").read_text().splitlines():
        f = line.split(":")
        if f[0] == group:
            return f[3].split(",") if f[3] else []
    raise AssertionError(f"group {group} is not in {tree}/etc/group")


def config(tree: Path) -> dict:
    return tomllib.loads((tree / "etc/smartmirror/kiosk.toml").read_text())


def mode_owner(path: Path) -> tuple[str, int, int]:
    st = path.lstat()
    return oct(stat.S_IMODE(st.st_mode)), st.st_uid, st.st_gid


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A tree provisioned once for the read-only checks below."""
    tree = tmp_path_factory.mktemp("mirror-root")
    res = provision("--root", str(tree), "--store", "Oxford Street", "--room", "Fitting room 3", "--api-token", TOKEN, "--pin", "2468")
    return tree, res


def newer_checkout(tmp: Path) -> Path:
    """A copy of this checkout's files with one change (a new release), without git."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    dest = tmp / "checkout-newer"
    for name in filter(None, files):
        src = ROOT / os.fsdecode(name)
        if src.is_file():
            (dest / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / os.fsdecode(name))
    with open(dest / "README.md", "a") as fh:
        fh.write("\nA newer release.\n")
    return dest


def test_the_installed_tree_has_every_part_with_its_mode_and_owner(installed):
    tree, res = installed
    assert "24 changes made" in res.stdout
    uid, gid = ids(tree, "mirror")
    assert 0 < uid < 1000 and 0 < gid < 1000  # a system user
    passwd = next(line for line in (tree / "etc/passwd").read_text().splitlines() if line.startswith("mirror:"))
    assert passwd.endswith(":/var/lib/smartmirror:/usr/sbin/nologin")
    for group in ("video", "render", "input", "dialout"):
        assert "mirror" in members(tree, group), group

    assert mode_owner(tree / "etc/smartmirror") == ("0o750", 0, gid)
    assert mode_owner(tree / "etc/smartmirror/kiosk.toml") == ("0o640", 0, gid)
    assert mode_owner(tree / "etc/smartmirror/store-secret") == ("0o600", uid, gid)
    assert mode_owner(tree / "var/lib/smartmirror") == ("0o750", uid, gid)
    assert mode_owner(tree / "var/cache/smartmirror") == ("0o750", uid, gid)
    secret = (tree / "etc/smartmirror/store-secret").read_text().strip()
    assert len(bytes.fromhex(secret)) == 32

    cfg = config(tree)
    assert cfg["api"]["store"] == "Oxford Street" and cfg["api"]["room"] == "Fitting room 3"
    assert cfg["api"]["token"] == TOKEN and cfg["api"]["pin"] == "2468"
    assert len(cfg["api"]["mirror_id"]) == 36
    assert cfg["library"]["data_dir"] == "/var/lib/smartmirror"
    assert cfg["identity"]["secret_file"] == "/etc/smartmirror/store-secret"
    assert cfg["camera"]["source"] == "v4l2:/dev/smartmirror-camera"
    assert cfg["reader"]["port"] == "/dev/smartmirror-reader"
    # the file keeps the example's comments: a person can still read what each key does
    assert "# Camera source spec" in (tree / "etc/smartmirror/kiosk.toml").read_text()
    assert TOKEN not in res.stdout + res.stderr and "2468" not in res.stdout  # secrets never printed

    current = tree / "opt/smartmirror/current"
    assert os.readlink(current).startswith("releases/0.1.0-")
    assert not (tree / "opt/smartmirror/previous").exists()
    assert os.readlink(tree / "usr/local/bin/kiosk") == "/opt/smartmirror/current/.venv/bin/kiosk"
    assert (current / "scripts/provision").is_file() and not (current / "tests").exists()
    for name, dest in (
        ("smartmirror-kiosk.service", "etc/systemd/system/smartmirror-kiosk.service"),
        ("smartmirror-kiosk-eglfs.service", "etc/systemd/system/smartmirror-kiosk-eglfs.service"),
        ("smartmirror-kiosk-retry@.timer", "etc/systemd/system/smartmirror-kiosk-retry@.timer"),
        ("smartmirror-kiosk-retry@.service", "etc/systemd/system/smartmirror-kiosk-retry@.service"),
        ("smartmirror-kiosk-retry@.target", "etc/systemd/system/smartmirror-kiosk-retry@.target"),
        ("smartmirror-kiosk.pam", "etc/pam.d/smartmirror-kiosk"),
        ("70-smartmirror.rules", "etc/udev/rules.d/70-smartmirror.rules"),
        ("smartmirror.tmpfiles", "etc/tmpfiles.d/smartmirror.conf"),
    ):
        assert (tree / dest).read_bytes() == (ROOT / "systemd" / name).read_bytes()
        assert mode_owner(tree / dest) == ("0o644", 0, 0)
    wants = tree / "etc/systemd/system/multi-user.target.wants"
    assert os.readlink(wants / "smartmirror-kiosk.service") == "/etc/systemd/system/smartmirror-kiosk.service"
    assert not (wants / "smartmirror-kiosk-eglfs.service").exists()
    # the retry is started by the kiosk units when they fail, never enabled by itself
    assert not list((tree / "etc/systemd/system").glob("*.wants/smartmirror-kiosk-retry@*"))


def test_the_installed_release_runs_and_reads_the_written_configuration(installed):
    tree, _ = installed
    kiosk = tree / "opt/smartmirror/current/.venv/bin/kiosk"
    res = subprocess.run([str(kiosk), "config", "check", "--json", "--config", str(tree / "etc/smartmirror/kiosk.toml")],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert '"store": "Oxford Street"' in res.stdout
    # its own interpreter is Debian's, not this checkout's environment
    cfg = (tree / "opt/smartmirror/current/.venv/pyvenv.cfg").read_text()
    assert "home = /usr/bin" in cfg and "relocatable = true" in cfg


def test_the_installed_release_reports_its_release_id_not_just_the_version(installed):
    """The fleet tells builds apart by the release id (kiosk_build_info, /status, mDNS), which the
    version alone never does: every build of 0.1.0 is 0.1.0."""
    tree, _ = installed
    release = os.path.basename(os.readlink(tree / "opt/smartmirror/current"))
    code = "from kiosk.release import read_release; print(read_release())"
    for through in ("opt/smartmirror/current", f"opt/smartmirror/releases/{release}"):
        res = subprocess.run([str(tree / through / ".venv/bin/python"), "-c", code], capture_output=True, text=True,
                             timeout=60, cwd="/", env={"PATH": ENV["PATH"]})
        assert res.returncode == 0, res.stderr
        assert res.stdout == f"{release}\n", through


def test_a_second_run_changes_nothing_byte_for_byte(installed):
    tree, _ = installed
    before = snapshot(tree)
    res = provision("--root", str(tree), "--store", "Oxford Street", "--room", "Fitting room 3", "--api-token", TOKEN, "--pin", "2468")
    assert "nothing changed" in res.stdout
    assert snapshot(tree) == before
    # --generate-token keeps the token it already has
    res = provision("--root", str(tree), "--generate-token")
    assert "nothing changed" in res.stdout and snapshot(tree) == before


def test_a_dry_run_prints_the_changes_and_changes_nothing(installed, tmp_path):
    tree, _ = installed
    before = snapshot(tree)
    (tree / "etc/smartmirror/kiosk.toml").chmod(0o644)  # someone loosened it
    before = snapshot(tree)
    res = provision("--root", str(tree), "--room", "Fitting room 4", "--dry-run")
    assert "would update /etc/smartmirror/kiosk.toml: content mode 0644 -> 0640" in res.stdout
    assert 'api.room: "Fitting room 3" -> "Fitting room 4"' in res.stdout
    assert "dry run: 1 changes would be made" in res.stdout
    assert snapshot(tree) == before
    (tree / "etc/smartmirror/kiosk.toml").chmod(0o640)

    empty = tmp_path / "empty"
    empty.mkdir()
    res = provision("--root", str(empty), "--store", "S", "--dry-run")
    assert "would create system user mirror" in res.stdout
    assert "would install release" in res.stdout and "would enable smartmirror-kiosk.service" in res.stdout
    assert list(empty.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--colour", "blue"], "unknown option --colour"),
        (["--api-token", "short-token"], "at least 32 characters long (it has 11)"),
        (["--api-token", TOKEN, "--generate-token"], "either --api-token, --api-token-file or --generate-token"),
        (["--pin", "2468", "--pin", "1357"], "either --pin or --pin-file"),
        (["--api-token-file", "/nonexistent/token"], "--api-token-file /nonexistent/token: cannot read that file"),
        (["--pin-file", "/dev/null"], "--pin-file /dev/null: cannot read that file"),
        (["--api-token", "x" * 31 + " "], "may contain only"),
        (["--pin", "12ab"], "4 to 12 digits"),
        (["--purge"], "--purge only goes with --uninstall"),
        (["--rollback", "--room", "5"], "take no settings"),
        (["--store"], "--store needs a value"),
        (["--room", "x" * 64], "at most 63"),
        (["--timezone", "Europe/Pariss"], 'unknown time zone "Europe/Pariss": give an Area/City name such as Europe/Paris'),
        (["--timezone", "../../etc/passwd"], "unknown time zone"),
        (["--timezone", "zone.tab"], "unknown time zone"),  # a file of the zone data, not a zone
        (["--timezone", "localtime"], "unknown time zone"),  # zoneinfo's link back to /etc/localtime
        (["--rollback", "--timezone", "Europe/Paris"], "take no settings"),
        (["--name", ""], "--name needs a non-empty name"),
        (["--name", "x" * 64], "--name is 64 characters long; at most 63"),
        (["--name", "Anprobe " + "\u00f6" * 30], "--name is 68 bytes long in UTF-8 (letters such as \u00f6 take two); at most 63"),
        (["--name", "Fitting room\t3"], "--name must not contain control characters"),
        (["--rollback", "--name", "Fitting room 3"], "take no settings"),
        (["--rollback", "--no-reader"], "take no settings"),
    ],
)
def test_bad_input_is_one_sentence_and_changes_nothing(installed, args, message):
    tree, _ = installed
    before = snapshot(tree)
    res = provision("--root", str(tree), *args, check=False)
    assert res.returncode != 0
    assert res.stdout == ""
    assert res.stderr.count("\n") == 1 and message in res.stderr, res.stderr
    assert snapshot(tree) == before


def test_the_mirror_s_name_is_set_shown_in_a_dry_run_and_kept_when_not_given(tmp_path):
    """Without --name every mirror is "Smart Mirror" and the second one up becomes "Smart Mirror-2"."""
    tree = tmp_path
    provision("--root", str(tree), "--store", "Oxford Street", "--room", "3", "--name", "Fitting room 3")
    assert config(tree)["api"]["name"] == "Fitting room 3"
    res = provision("--root", str(tree), "--name", "Fitting room 4", "--dry-run")
    assert 'api.name: "Fitting room 3" -> "Fitting room 4"' in res.stdout
    res = provision("--root", str(tree), "--room", "4")
    assert config(tree)["api"]["name"] == "Fitting room 3" and config(tree)["api"]["room"] == "4"


def test_a_mirror_without_a_card_reader_is_installed_without_one_and_one_with_can_drop_it(installed, tmp_path):
    """A first install sets reader.port to /dev/smartmirror-reader; --no-reader leaves it empty
    (no reader: no reader check failing, no MirrorReaderDown alert), also on a mirror installed with one."""
    provision("--root", str(tmp_path), "--store", "Oxford Street", "--no-reader")
    assert config(tmp_path)["reader"]["port"] == ""
    assert config(tmp_path)["camera"]["source"] == "v4l2:/dev/smartmirror-camera"
    assert "nothing changed" in provision("--root", str(tmp_path), "--no-reader").stdout
    assert "nothing changed" in provision("--root", str(tmp_path)).stdout  # kept when not given
    tree, _ = installed
    res = provision("--root", str(tree), "--no-reader", "--dry-run")
    assert 'reader.port: "/dev/smartmirror-reader" -> ""' in res.stdout


def argv_logger(tmp_path: Path) -> tuple[dict, Path]:
    """provision's environment with a python3 first on PATH that writes down every command line it gets."""
    real = shutil.which("python3", path=ENV["PATH"])
    assert real
    log = tmp_path / "argv.log"
    fake = tmp_path / "bin/python3"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {log}\nexec {real} "$@"\n')
    fake.chmod(0o755)
    return dict(ENV, PATH=f"{fake.parent}:{ENV['PATH']}"), log


def test_the_secrets_never_reach_a_command_line_any_user_can_read(tmp_path):
    """The token, the PIN and the store secret go to provision's helpers on stdin, never in argv (/proc/PID/cmdline)."""
    env, log = argv_logger(tmp_path)
    (tmp_path / "token").write_text(TOKEN + "\n")
    (tmp_path / "pin").write_text("802741\n")
    store_secret = "5e" * 32
    (tmp_path / "store-secret").write_text(store_secret + "\n")
    tree = tmp_path / "root"
    tree.mkdir()
    res = provision("--root", str(tree), "--store", "Oxford Street", "--api-token-file", str(tmp_path / "token"),
                    "--pin-file", str(tmp_path / "pin"), "--store-secret-file", str(tmp_path / "store-secret"), env=env)
    assert config(tree)["api"]["token"] == TOKEN and config(tree)["api"]["pin"] == "802741"
    assert (tree / "etc/smartmirror/store-secret").read_text() == store_secret + "\n"
    assert "toml_keys.py set" in log.read_text()  # the helpers did run through the logger
    # typed by hand, the secrets are on provision's own command line only, never its helpers'
    provision("--root", str(tree), "--api-token", "typed-" + TOKEN, "--pin", "913570", env=env)
    assert config(tree)["api"]["token"] == "typed-" + TOKEN and config(tree)["api"]["pin"] == "913570"
    # a token provision makes itself, for a mirror that has none
    settings = tree / "etc/smartmirror/kiosk.toml"
    settings.write_text(settings.read_text().replace(f'token = "typed-{TOKEN}"', 'token = ""'))
    provision("--root", str(tree), "--generate-token", env=env)
    argv = log.read_text()
    made = config(tree)["api"]["token"]
    assert len(made) >= 32
    for secret in (TOKEN, "802741", store_secret, "913570", made):
        assert secret not in argv, secret
    assert TOKEN not in res.stdout + res.stderr and store_secret not in res.stdout + res.stderr


def test_the_store_s_secret_replaces_a_mirror_s_own_and_a_bad_one_is_refused(tmp_path):
    tree = tmp_path / "root"
    tree.mkdir()
    provision("--root", str(tree), "--generate-token")
    own = (tree / "etc/smartmirror/store-secret").read_text()
    store = tmp_path / "store.secret"
    store.write_text("ab" * 32 + "\n")
    res = provision("--root", str(tree), "--store-secret-file", str(store))
    # a change like any other: a running kiosk is restarted onto it (it reads the secret when it starts)
    assert "update /etc/smartmirror/store-secret: content" in res.stdout and "1 changes made" in res.stdout, res.stdout
    secret = tree / "etc/smartmirror/store-secret"
    assert secret.read_text() == store.read_text() != own
    assert mode_owner(secret) == ("0o600", *ids(tree, "mirror"))
    assert "nothing changed" in provision("--root", str(tree), "--store-secret-file", str(store)).stdout
    before = snapshot(tree)
    for text in ("not a secret\n", "abcd\n", "ab" * 31 + "a\n"):
        store.write_text(text)
        res = provision("--root", str(tree), "--store-secret-file", str(store), check=False)
        assert res.returncode != 0 and res.stdout == "" and res.stderr.count("\n") == 1, res.stderr
        assert "the store secret file must hold hexadecimal text of 32 digits or more" in res.stderr
        assert text.strip() not in res.stderr
    assert snapshot(tree) == before


def test_the_time_zone_is_set_as_debian_does_shown_in_a_dry_run_and_kept_when_not_given(tmp_path):
    tree = tmp_path / "root"
    tree.mkdir()
    res = provision("--root", str(tree), "--store", "Fifth Avenue", "--timezone", "America/New_York")
    assert "set the time zone to America/New_York (was unset, read as UTC)" in res.stdout
    assert os.readlink(tree / "etc/localtime") == "/usr/share/zoneinfo/America/New_York"
    assert (tree / "etc/timezone").read_text() == "America/New_York\n"
    assert mode_owner(tree / "etc/timezone") == ("0o644", 0, 0)
    before = snapshot(tree)
    assert "nothing changed" in provision("--root", str(tree), "--timezone", "America/New_York").stdout
    assert "nothing changed" in provision("--root", str(tree)).stdout  # not given: kept
    assert snapshot(tree) == before

    res = provision("--root", str(tree), "--timezone", "Europe/Paris", "--dry-run")
    assert ("would set the time zone to Europe/Paris (was America/New_York): "
            "/etc/localtime -> /usr/share/zoneinfo/Europe/Paris, /etc/timezone") in res.stdout
    assert "dry run: 1 changes would be made" in res.stdout and snapshot(tree) == before


def test_opening_hours_read_as_utc_are_pointed_out_until_a_zone_is_given(tmp_path):
    """A Debian image as shipped: /etc/localtime links (relatively, as timedatectl writes it) to Etc/UTC."""
    tree = tmp_path / "root"
    (tree / "etc").mkdir(parents=True)
    (tree / "etc/localtime").symlink_to("../usr/share/zoneinfo/Etc/UTC")
    (tree / "etc/timezone").write_text("Etc/UTC\n")
    provision("--root", str(tree), "--store", "Fifth Avenue")
    settings = tree / "etc/smartmirror/kiosk.toml"
    settings.write_text(settings.read_text().replace('opening_hours = ""', 'opening_hours = "Mo-Sa 09:00-20:00"'))
    res = provision("--root", str(tree))
    assert ('the time zone is Etc/UTC, so the opening hours "Mo-Sa 09:00-20:00" are read as UTC: '
            "--timezone Area/City sets the store's zone") in res.stdout
    assert "nothing changed" in res.stdout

    res = provision("--root", str(tree), "--timezone", "America/New_York")
    assert "set the time zone to America/New_York (was Etc/UTC)" in res.stdout and "read as UTC" not in res.stdout
    assert os.readlink(tree / "etc/localtime") == "/usr/share/zoneinfo/America/New_York"
    assert (tree / "etc/timezone").read_text() == "America/New_York\n"
    assert "read as UTC" not in provision("--root", str(tree)).stdout


def tree_with_hours(tmp_path: Path) -> Path:
    """A tree whose settings have opening hours, with a little zone data of its own (dry runs only)."""
    tree = tmp_path / "root"
    (tree / "etc/smartmirror").mkdir(parents=True)
    example = (ROOT / "docs/kiosk.example.toml").read_text()
    (tree / "etc/smartmirror/kiosk.toml").write_text(example.replace('opening_hours = ""', 'opening_hours = "Mo-Sa 09:00-20:00"'))
    zone_data(tree, "America/New_York", "Europe/Paris", "Etc/UTC")
    return tree


def test_a_copied_localtime_is_named_by_its_bytes_as_kiosk_doctor_names_it(tmp_path):
    """/etc/localtime copied from the zone data, without /etc/timezone: glibc reads the copy's zone, not UTC."""
    tree = tree_with_hours(tmp_path)
    shutil.copyfile(tree / "usr/share/zoneinfo/America/New_York", tree / "etc/localtime")
    assert "read as UTC" not in provision("--root", str(tree), "--dry-run").stdout
    res = provision("--root", str(tree), "--timezone", "Europe/Paris", "--dry-run")
    assert "would set the time zone to Europe/Paris (was America/New_York, a copied /etc/localtime): /etc/localtime ->" in res.stdout

    shutil.copyfile(tree / "usr/share/zoneinfo/Etc/UTC", tree / "etc/localtime")
    assert ('the time zone is Etc/UTC, so the opening hours "Mo-Sa 09:00-20:00" are read as UTC: '
            "--timezone Area/City sets the store's zone") in provision("--root", str(tree), "--dry-run").stdout

    if not Path("/usr/share/zoneinfo/Asia/Tokyo").is_file():
        pytest.skip("this machine has no zone data for Asia/Tokyo (tzdata)")
    shutil.copyfile("/usr/share/zoneinfo/Asia/Tokyo", tree / "etc/localtime")  # not in the tree's zone data
    res = provision("--root", str(tree), "--timezone", "Europe/Paris", "--dry-run")
    assert "(was a copied /etc/localtime that matches no zone file)" in res.stdout and "read as UTC" not in res.stdout


def test_a_tz_in_kiosk_env_that_overrides_the_timezone_for_the_kiosk_is_said_plainly(tmp_path):
    tree = tree_with_hours(tmp_path)
    env = tree / "etc/smartmirror/kiosk.env"
    env.write_text("KIOSK_LOG_LEVEL=debug\nTZ=Europe/Paris\n")
    warning = ("TZ=Europe/Paris in /etc/smartmirror/kiosk.env overrides the system's time zone for the kiosk, so the "
               "kiosk will not follow --timezone America/New_York: remove that line, then restart the kiosk "
               "(sudo systemctl restart smartmirror-kiosk)")
    res = provision("--root", str(tree), "--timezone", "America/New_York", "--dry-run")
    assert warning in res.stdout and "would set the time zone to America/New_York" in res.stdout
    # said too when the system's zone is already the one asked for
    (tree / "etc/localtime").symlink_to("/usr/share/zoneinfo/America/New_York")
    res = provision("--root", str(tree), "--timezone", "America/New_York", "--dry-run")
    assert warning in res.stdout and "would set the time zone" not in res.stdout
    for text in ("TZ=America/New_York\n", 'TZ=":America/New_York"\n', "#TZ=Europe/Paris\n", "KIOSK_LOG_LEVEL=debug\n"):
        env.write_text(text)
        assert "kiosk.env" not in provision("--root", str(tree), "--timezone", "America/New_York", "--dry-run").stdout, text


def alias(tree: Path, name: str, zone: str) -> None:
    """``name`` a link to ``zone`` in the tree's zone data, as Debian's tzdata ships US/Eastern."""
    link = tree / "usr/share/zoneinfo" / name
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(os.path.relpath(tree / "usr/share/zoneinfo" / zone, link.parent))


@pytest.mark.parametrize("own_zone_data", [True, False], ids=["tree's zone data", "this machine's"])
def test_a_tz_in_kiosk_env_naming_the_same_zone_by_another_name_is_not_an_override(tmp_path, own_zone_data):
    """US/Eastern is America/New_York (a link to it, the same bytes): the kiosk follows --timezone."""
    tree = tree_with_hours(tmp_path)
    if own_zone_data:
        alias(tree, "US/Eastern", "America/New_York")
    else:
        shutil.rmtree(tree / "usr/share/zoneinfo")  # a bare tree: read with this machine's zone data
        if not Path("/usr/share/zoneinfo/US/Eastern").is_file():
            pytest.skip("this machine has no zone data for US/Eastern (tzdata)")
    env = tree / "etc/smartmirror/kiosk.env"
    for text in ("TZ=US/Eastern\n", "TZ=:US/Eastern\n", "TZ=/usr/share/zoneinfo/US/Eastern\n"):
        env.write_text(text)
        res = provision("--root", str(tree), "--timezone", "America/New_York", "--dry-run")
        assert "kiosk.env" not in res.stdout and "would set the time zone to America/New_York" in res.stdout, text
    # another zone, another UTC, a name of no zone: still said
    for tz in ("Europe/Paris", "Etc/UTC", "US/Easternn"):
        env.write_text(f"TZ={tz}\n")
        res = provision("--root", str(tree), "--timezone", "America/New_York", "--dry-run")
        assert f"TZ={tz} in /etc/smartmirror/kiosk.env overrides the system's time zone" in res.stdout, tz


def set_zone(tree: Path, link: str, named: str | None) -> None:
    """/etc/localtime a link to ``link`` in the zone data, /etc/timezone naming ``named`` (None: no such file)."""
    (tree / "etc/localtime").unlink(missing_ok=True)
    (tree / "etc/localtime").symlink_to(f"/usr/share/zoneinfo/{link}")
    (tree / "etc/timezone").unlink(missing_ok=True)
    if named is not None:
        (tree / "etc/timezone").write_text(f"{named}\n")
        (tree / "etc/timezone").chmod(0o644)


def test_the_time_zone_already_set_by_another_of_its_names_is_left_as_it_is(tmp_path):
    """/etc/localtime linking to US/Eastern gives America/New_York's local time (the same zone file): nothing to change."""
    if not Path("/usr/share/zoneinfo/US/Eastern").is_file() or not Path("/usr/share/zoneinfo/America/Detroit").is_file():
        pytest.skip("this machine has no zone data for US/Eastern and America/Detroit (tzdata)")
    tree = tmp_path / "root"
    tree.mkdir()
    provision("--root", str(tree), "--store", "Fifth Avenue")  # read with this machine's zone data
    for link, named in (("US/Eastern", "US/Eastern"), ("US/Eastern", None), ("America/New_York", "US/Eastern"),
                        ("US/Eastern", "America/New_York")):
        set_zone(tree, link, named)
        before = snapshot(tree)
        res = provision("--root", str(tree), "--timezone", "America/New_York")
        assert "set the time zone" not in res.stdout and "nothing changed" in res.stdout, (link, named, res.stdout)
        assert snapshot(tree) == before
    # a real difference is still one: Detroit keeps New York's clock today, not its history
    set_zone(tree, "US/Eastern", "US/Eastern")
    res = provision("--root", str(tree), "--timezone", "America/Detroit", "--dry-run")
    assert ("would set the time zone to America/Detroit (was US/Eastern): "
            "/etc/localtime -> /usr/share/zoneinfo/America/Detroit, /etc/timezone") in res.stdout
    set_zone(tree, "US/Eastern", "Europe/Paris")  # /etc/timezone, which Debian's tools read, says another zone
    res = provision("--root", str(tree), "--timezone", "America/New_York", "--dry-run")
    assert "would set the time zone to America/New_York (was US/Eastern)" in res.stdout


def test_the_tree_s_own_zone_data_tells_an_alias_of_the_zone_asked_for(tmp_path):
    tree = tree_with_hours(tmp_path)
    alias(tree, "US/Eastern", "America/New_York")
    set_zone(tree, "US/Eastern", "US/Eastern")
    res = provision("--root", str(tree), "--timezone", "America/New_York", "--dry-run")
    assert "set the time zone" not in res.stdout, res.stdout
    res = provision("--root", str(tree), "--timezone", "Europe/Paris", "--dry-run")
    assert "would set the time zone to Europe/Paris (was US/Eastern)" in res.stdout


def failing_zones(tmp_path: Path, ending: str) -> dict:
    """provision's environment with a python3 first on PATH that runs everything but kiosk/doctor/zones.py."""
    real = shutil.which("python3", path=ENV["PATH"])
    assert real
    fake = tmp_path / "bin/python3"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\ncase "$*" in *kiosk/doctor/zones.py*) {ending} ;; esac\nexec {real} "$@"\n')
    fake.chmod(0o755)
    return dict(ENV, PATH=f"{fake.parent}:{ENV['PATH']}")


@pytest.mark.parametrize("ending, why", [
    ("""printf 'Traceback (most recent call last):\\n  File "zones.py"\\nMemoryError\\n' >&2; exit 1""",
     "python3 failed on kiosk/doctor/zones.py: MemoryError"),
    ("printf 'python3: not found\\n' >&2; exit 127", "there is no python3 to run kiosk/doctor/zones.py with"),
], ids=["crash", "missing"])
def test_a_zone_check_that_cannot_run_is_said_once_not_taken_for_no_tz_or_not_utc(tmp_path, ending, why):
    tree = tree_with_hours(tmp_path)
    (tree / "etc/localtime").symlink_to("/usr/share/zoneinfo/Etc/UTC")
    (tree / "etc/smartmirror/kiosk.env").write_text("TZ=Europe/Paris\n")
    env = failing_zones(tmp_path, ending)
    said = (f"could not check the time zone ({why}): carrying on without that check; "
            "'sudo -u mirror kiosk doctor' checks it on the mirror")
    res = provision("--root", str(tree), "--timezone", "America/New_York", "--dry-run", env=env)
    assert res.stdout.count(said) == 1, res.stdout
    assert "would set the time zone to America/New_York (was not known)" in res.stdout and "kiosk.env" not in res.stdout
    res = provision("--root", str(tree), "--dry-run", env=env)  # neither "no TZ" nor "UTC" nor "not UTC"
    assert res.stdout.count(said) == 1 and "read as UTC" not in res.stdout, res.stdout


def test_a_zone_check_that_cannot_run_still_knows_a_link_to_the_very_zone_asked_for(tmp_path):
    tree = tree_with_hours(tmp_path)
    alias(tree, "US/Eastern", "America/New_York")
    env = failing_zones(tmp_path, "printf 'MemoryError\\n' >&2; exit 1")
    set_zone(tree, "America/New_York", "America/New_York")
    res = provision("--root", str(tree), "--timezone", "America/New_York", "--dry-run", env=env)
    assert res.stdout.count("could not check the time zone") == 1, res.stdout
    assert "set the time zone" not in res.stdout, res.stdout
    set_zone(tree, "US/Eastern", "US/Eastern")  # the same zone, which only the zone files' bytes can tell
    res = provision("--root", str(tree), "--timezone", "America/New_York", "--dry-run", env=env)
    assert "would set the time zone to America/New_York (was not known)" in res.stdout


def test_a_tree_without_zone_data_is_read_with_this_machines_and_says_so(tmp_path):
    """A --root tree gets tzdata later (no Debian packages go into it): its copied /etc/localtime is still named."""
    tree = tree_with_hours(tmp_path)
    shutil.rmtree(tree / "usr/share/zoneinfo")
    shutil.copyfile("/usr/share/zoneinfo/America/New_York", tree / "etc/localtime")  # tree_with_hours: it exists
    said = f"{tree} has no time zone data of its own (/usr/share/zoneinfo, from tzdata): its time zone is read with this machine's"
    res = provision("--root", str(tree), "--timezone", "Europe/Paris", "--dry-run")
    assert "would set the time zone to Europe/Paris (was America/New_York, a copied /etc/localtime)" in res.stdout
    assert said in res.stdout
    res = provision("--root", str(tree), "--dry-run")
    assert said in res.stdout and "read as UTC" not in res.stdout
    shutil.copyfile("/usr/share/zoneinfo/Etc/UTC", tree / "etc/localtime")
    assert ('the time zone is Etc/UTC, so the opening hours "Mo-Sa 09:00-20:00" are read as UTC'
            in provision("--root", str(tree), "--dry-run").stdout)
    (tree / "etc/localtime").unlink()  # nothing to name: nothing said
    assert "time zone data" not in provision("--root", str(tree), "--dry-run").stdout


def test_the_opening_hours_note_follows_the_zone_kiosk_env_gives_the_kiosk(tmp_path):
    tree = tree_with_hours(tmp_path)
    (tree / "etc/localtime").symlink_to("/usr/share/zoneinfo/Etc/UTC")
    env = tree / "etc/smartmirror/kiosk.env"
    env.write_text("TZ=America/New_York\n")
    assert "read as UTC" not in provision("--root", str(tree), "--dry-run").stdout

    (tree / "etc/localtime").unlink()
    (tree / "etc/localtime").symlink_to("/usr/share/zoneinfo/America/New_York")
    env.write_text("TZ=\n")
    assert ('TZ= in /etc/smartmirror/kiosk.env gives the kiosk UTC, so the opening hours "Mo-Sa 09:00-20:00" are read '
            "as UTC: remove that line so that the kiosk follows the system's zone (--timezone Area/City sets it)"
            ) in provision("--root", str(tree), "--dry-run").stdout


def test_refuses_a_system_that_is_not_debian_and_a_user_who_is_not_root(tmp_path):
    tree = tmp_path / "ubuntu"
    (tree / "etc").mkdir(parents=True)
    (tree / "etc/os-release").write_text('PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nID_LIKE=debian\n')
    res = provision("--root", str(tree), "--store", "S", check=False)
    assert res.returncode != 0 and res.stdout == ""
    assert res.stderr == "provision: this is Ubuntu 24.04 LTS; provisioning supports Debian and Raspberry Pi OS only\n"
    assert sorted(p.name for p in tree.rglob("*")) == ["etc", "os-release"]

    raspbian = tmp_path / "pi"
    (raspbian / "etc").mkdir(parents=True)
    (raspbian / "etc/os-release").write_text('PRETTY_NAME="Raspbian GNU/Linux 12 (bookworm)"\nID=raspbian\n')
    assert "would create system user" in provision("--root", str(raspbian), "--dry-run").stdout

    empty = tmp_path / "empty"
    empty.mkdir(mode=0o777)
    res = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash", str(PROVISION), "--root", str(empty)],
        capture_output=True, text=True, timeout=30, env=ENV,
    )
    assert res.returncode != 0 and res.stdout == ""
    assert res.stderr == "provision: provisioning must run as root (sudo scripts/provision …)\n"
    assert list(empty.iterdir()) == []


def test_upgrade_keeps_settings_and_data_then_rollback_and_uninstall(tmp_path):
    tree = tmp_path / "root"
    tree.mkdir()
    provision("--root", str(tree), "--store", "Oxford Street", "--room", "3", "--generate-token", "--timezone", "Europe/London")
    first = os.readlink(tree / "opt/smartmirror/current")
    settings = tree / "etc/smartmirror/kiosk.toml"
    # a person's edits, a look in the library, the secrets made on the first run
    text = settings.read_text().replace("rotation = 0", "rotation = 90  # portrait, turned right")
    settings.write_text(text.replace("[reader]", "# wall mirror in room 3, glass replaced 2026-11\n[reader]"))
    look = tree / "var/lib/smartmirror/looks/20261201-abc.mp4"
    look.parent.mkdir()
    look.write_bytes(b"\0\0\0\x18ftypmp42 a look")
    secret = (tree / "etc/smartmirror/store-secret").read_bytes()
    before = config(tree)
    edited = settings.read_bytes()

    newer = newer_checkout(tmp_path)
    res = provision("--root", str(tree), checkout=newer)
    second = os.readlink(tree / "opt/smartmirror/current")
    assert second != first and second.startswith("releases/0.1.0-")
    assert os.readlink(tree / "opt/smartmirror/previous") == first
    assert "install release" in res.stdout
    assert settings.read_bytes() == edited and config(tree) == before
    assert look.read_bytes() == b"\0\0\0\x18ftypmp42 a look"
    assert (tree / "etc/smartmirror/store-secret").read_bytes() == secret
    assert os.readlink(tree / "etc/localtime") == "/usr/share/zoneinfo/Europe/London"
    assert "nothing changed" in provision("--root", str(tree), checkout=newer).stdout

    res = provision("--root", str(tree), "--rollback")
    assert os.readlink(tree / "opt/smartmirror/current") == first
    assert os.readlink(tree / "opt/smartmirror/previous") == second
    assert settings.read_bytes() == edited and look.exists()
    assert (tree / "etc/timezone").read_text() == "Europe/London\n"  # the system's, not a release's
    # the newer checkout again: forward to its release, without building it a second time
    res = provision("--root", str(tree), checkout=newer)
    assert os.readlink(tree / "opt/smartmirror/current") == second and "install release" not in res.stdout
    # a third release replaces the oldest: two are kept
    third = newer_checkout(tmp_path / "third")
    with open(third / "README.md", "a") as fh:
        fh.write("Third.\n")
    res = provision("--root", str(tree), "--dry-run", checkout=third)  # shows the oldest going, as the real run
    assert f"would link /opt/smartmirror/previous -> {second}" in res.stdout, res.stdout
    assert f"would remove /opt/smartmirror/{first}" in res.stdout, res.stdout
    res = provision("--root", str(tree), checkout=third)
    assert f"provision: remove /opt/smartmirror/{first}" in res.stdout, res.stdout
    releases = sorted(p.name for p in (tree / "opt/smartmirror/releases").iterdir())
    assert len(releases) == 2 and second.split("/")[1] in releases and first.split("/")[1] not in releases

    res = provision("--root", str(tree), "--uninstall")
    assert "kept /etc/smartmirror (settings, secrets) /var/lib/smartmirror (looks, customers)" in res.stdout
    for gone in ("opt/smartmirror", "usr/local/bin/kiosk", "etc/systemd/system/smartmirror-kiosk.service",
                 "etc/systemd/system/multi-user.target.wants/smartmirror-kiosk.service", "etc/udev/rules.d/70-smartmirror.rules",
                 "etc/pam.d/smartmirror-kiosk", "etc/tmpfiles.d/smartmirror.conf", "etc/systemd/system/smartmirror-kiosk-retry@.timer",
                 "etc/systemd/system/smartmirror-kiosk-retry@.service", "etc/systemd/system/smartmirror-kiosk-retry@.target"):
        assert not os.path.lexists(tree / gone), gone
    assert settings.read_bytes() == edited and look.exists() and ids(tree, "mirror")
    kept = snapshot(tree)
    assert "nothing changed" in provision("--root", str(tree), "--uninstall").stdout and snapshot(tree) == kept
    with pytest.raises(AssertionError):
        provision("--root", str(tree), "--rollback")

    # reinstalling over the kept settings and library keeps them
    provision("--root", str(tree))
    assert config(tree) == before and look.exists()

    res = provision("--root", str(tree), "--uninstall", "--purge", "--dry-run")
    assert "would remove /var/lib/smartmirror" in res.stdout and look.exists()
    provision("--root", str(tree), "--uninstall", "--purge")
    for gone in ("etc/smartmirror", "var/lib/smartmirror", "var/cache/smartmirror", "opt/smartmirror"):
        assert not (tree / gone).exists(), gone
    assert "mirror:" not in (tree / "etc/passwd").read_text()
    assert "mirror" not in members(tree, "video")
    assert os.readlink(tree / "etc/localtime") == "/usr/share/zoneinfo/Europe/London"  # the system's zone stays


def test_the_installed_copy_of_provision_is_its_own_release_and_keeps_the_rollback_target(tmp_path):
    """Store IT runs /opt/smartmirror/current/scripts/provision for a setting (docs/STORE-IT.md): that
    copy is the release it sits in, never a new one that would push the rollback target out."""
    tree = tmp_path / "root"
    tree.mkdir()
    provision("--root", str(tree), "--store", "Oxford Street", "--generate-token")
    first = os.readlink(tree / "opt/smartmirror/current")
    provision("--root", str(tree), checkout=newer_checkout(tmp_path))
    second = os.readlink(tree / "opt/smartmirror/current")
    releases = tree / "opt/smartmirror/releases"
    kept = sorted(p.name for p in releases.iterdir())

    installed_copy = tree / "opt/smartmirror/current"
    res = provision("--root", str(tree), "--pin", "135790", checkout=installed_copy)
    assert "install release" not in res.stdout and "link /opt/smartmirror" not in res.stdout, res.stdout
    assert "1 changes made" in res.stdout, res.stdout  # the settings file alone
    assert config(tree)["api"]["pin"] == "135790"
    assert os.readlink(tree / "opt/smartmirror/current") == second
    assert os.readlink(tree / "opt/smartmirror/previous") == first
    assert sorted(p.name for p in releases.iterdir()) == kept
    assert "nothing changed" in provision("--root", str(tree), checkout=installed_copy).stdout

    # a copy of the installed release (its .release marker and byte code with it) is the same files
    copy = tmp_path / "copy"
    shutil.copytree(installed_copy, copy, ignore=shutil.ignore_patterns(".venv"))
    (copy / "scripts/lib/__pycache__").mkdir(exist_ok=True)
    (copy / "scripts/lib/__pycache__/toml_keys.cpython-311.pyc").write_bytes(b"byte code")
    assert "nothing changed" in provision("--root", str(tree), checkout=copy).stdout


def test_a_rollback_to_a_release_that_cannot_open_the_data_is_refused(tmp_path):
    """A newer release's migration leaves a database at a version the older kiosk refuses to open
    (kiosk/storage/database.py): the rollback says so and changes nothing, never a kiosk that
    cannot start after provision said it was done."""
    from kiosk.library.schema import SCHEMA as LOOKS

    tree = tmp_path / "root"
    tree.mkdir()
    provision("--root", str(tree), "--generate-token")
    first = os.readlink(tree / "opt/smartmirror/current")
    provision("--root", str(tree), checkout=newer_checkout(tmp_path))
    looks = tree / "var/lib/smartmirror/looks.db"

    def at_version(version: int) -> None:
        with closing(sqlite3.connect(looks)) as conn:
            conn.execute(f"PRAGMA user_version = {version}")

    at_version(LOOKS.version + 1)  # what a migration only the newer release has leaves
    before = snapshot(tree)
    for dry_run in ([], ["--dry-run"]):
        res = provision("--root", str(tree), "--rollback", *dry_run, check=False)
        assert res.returncode != 0 and res.stdout == "" and res.stderr.count("\n") == 1, res.stdout + res.stderr
        assert (f"provision: release {first.split('/')[1]} cannot open the data a newer release upgraded (the look "
                f"database /var/lib/smartmirror/looks.db is at version {LOOKS.version + 1}, it knows up to "
                f"{LOOKS.version}), so its kiosk would not start; nothing was changed: stay on the current release"
                ) in res.stderr, res.stderr
        assert "restore the data folder from a backup made before the upgrade, then roll back" in res.stderr
        assert snapshot(tree) == before

    at_version(LOOKS.version)  # data the older release knows: the rollback goes ahead
    provision("--root", str(tree), "--rollback")
    assert os.readlink(tree / "opt/smartmirror/current") == first


def stricter_checkout(tmp: Path) -> Path:
    """A newer checkout whose release accepts fitting-room names of at most 5 characters."""
    dest = newer_checkout(tmp)
    source = dest / "kiosk" / "config.py"
    text = source.read_text()
    assert 'room: str = Field("", max_length=63,' in text
    source.write_text(text.replace('room: str = Field("", max_length=63,', 'room: str = Field("", max_length=5,'))
    return dest


def test_the_settings_are_checked_by_the_release_whatever_pythonpath_the_shell_has(tmp_path):
    # A PYTHONPATH in store IT's shell (or a developer's worktree) made the settings check run
    # that code instead of the release's, and refuse valid settings in its words.
    elsewhere = tmp_path / "elsewhere" / "kiosk"
    elsewhere.mkdir(parents=True)
    (elsewhere / "__init__.py").write_text("raise SystemExit('kiosk: not the release: wrong code')\n")
    tree = tmp_path / "root"
    tree.mkdir()
    res = provision("--root", str(tree), "--generate-token", check=False,
                    env=dict(ENV, PYTHONPATH=str(elsewhere.parent)))
    assert res.returncode == 0, res.stderr
    assert os.path.isdir(tree / "opt/smartmirror/current/.venv")


def test_a_release_that_rejects_the_settings_is_never_switched_to(tmp_path):
    tree = tmp_path / "root"
    tree.mkdir()
    provision("--root", str(tree), "--store", "Oxford Street", "--room", "Fitting room 3", "--generate-token")
    releases = sorted(p.name for p in (tree / "opt/smartmirror/releases").iterdir())
    strict = stricter_checkout(tmp_path / "strict")

    def switched_parts() -> dict:
        """What a switch would change: the links, settings, units, rules and the kiosk command."""
        return {rel: entry for rel, entry in snapshot(tree).items()
                if not rel.startswith(("opt/smartmirror/releases", "usr/src"))}

    before = switched_parts()
    res = provision("--root", str(tree), checkout=strict, check=False)
    assert res.returncode != 0
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr, res.stderr
    assert res.stderr.startswith("provision: /etc/smartmirror/kiosk.toml: api.room:"), res.stderr
    assert "nothing was switched and the release was removed again" in res.stderr
    assert switched_parts() == before  # current, previous, kiosk.toml, units: all as they were
    # the rejected build does not stay on the SD card until the next successful run
    assert sorted(p.name for p in (tree / "opt/smartmirror/releases").iterdir()) == releases
    assert os.path.isdir(tree / "opt/smartmirror/current/.venv")

    # the stricter release installed by a tree whose settings it accepts, then this checkout over it:
    # rolling back to it with a room name it rejects is refused the same way
    other = tmp_path / "other"
    other.mkdir()
    provision("--root", str(other), "--room", "3", "--generate-token", checkout=strict)
    provision("--root", str(other), "--room", "Fitting room 3")
    tree = other
    before = switched_parts()
    res = provision("--root", str(other), "--rollback", check=False)
    assert res.returncode != 0 and res.stderr.count("\n") == 1, res.stderr
    assert res.stderr.startswith("provision: /etc/smartmirror/kiosk.toml: api.room:") and "nothing was switched" in res.stderr
    assert switched_parts() == before
