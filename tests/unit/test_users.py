"""``kiosk.users.whose``: whom store IT's command is to run as when a file is refused to it."""

from __future__ import annotations

import os

import pytest

from kiosk.users import refused_file, user_name, whose


@pytest.fixture
def as_root():
    if os.geteuid() != 0:
        pytest.skip("giving files to other users needs root")


def test_a_file_of_another_user_is_that_users(tmp_path, as_root):
    path = tmp_path / "looks.db"
    path.touch()
    os.chown(path, 65534, 65534)
    assert whose(path) == user_name(65534)


def test_a_file_in_a_folder_of_another_user_is_that_users(tmp_path, as_root):
    folder = tmp_path / "data"
    folder.mkdir()
    os.chown(folder, 65534, 65534)
    assert whose(folder / "not-seen" / "looks.db") == user_name(65534)


def test_a_file_of_this_users_is_no_one_elses(tmp_path):
    path = tmp_path / "out.mp4"
    path.touch()
    assert whose(path) == "", "this user's own file: running as another would not help"


def test_a_file_of_root_and_roots_group_is_no_one_elses(tmp_path, as_root):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    os.chown(folder, 65534, 65534)
    path = folder / "out.mp4"
    path.touch()
    os.chown(path, 0, 0)
    assert whose(path) == "", "root's own file: the kiosk's user would be refused it as well"


def test_a_root_file_of_a_users_group_is_that_users(tmp_path, as_root):
    import grp
    import pwd

    group = grp.getgrgid(pwd.getpwuid(65534).pw_gid)
    path = tmp_path / "kiosk.toml"  # as provision leaves it: 0640 root:mirror
    path.touch()
    os.chown(path, 0, group.gr_gid)
    try:
        pwd.getpwnam(group.gr_name)
    except KeyError:
        assert whose(path) == "", "a group without a user of its name names no one"
    else:
        assert whose(path) == group.gr_name


def test_only_a_refusal_that_names_a_file_counts():
    def raised(context: BaseException) -> BaseException:
        try:
            try:
                raise context
            except OSError:
                raise ValueError("one plain sentence") from None
        except ValueError as exc:
            return exc

    named = PermissionError(13, "Permission denied", "/var/lib/smartmirror/looks.db")
    assert refused_file(raised(named)) is named, "found behind a sentence raised 'from None'"
    assert refused_file(raised(PermissionError(13, "Permission denied"))) is None, "a port refused is no one's file"
    assert refused_file(raised(FileNotFoundError(2, "No such file", "/x"))) is None
