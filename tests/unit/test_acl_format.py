"""The ACL xattr format and the wanted permissions of shared trees (pure: no file is touched)."""

from __future__ import annotations

import stat

from teamhub.apply import acl
from teamhub.apply.acl import GROUP, GROUP_OBJ, MASK, OTHER, UNDEFINED, USER_OBJ

U = UNDEFINED
PROJECT = acl.Policy(gid=2000, readers=(2001,), other=0)
SHARED = acl.Policy(gid=3000, other=5)


def test_encode_orders_entries_as_the_kernel_wants_and_decodes_back() -> None:
    entries = [(OTHER, 0, U), (GROUP, 5, 2001), (USER_OBJ, 7, U), (MASK, 7, U), (GROUP_OBJ, 7, U)]
    raw = acl.encode(entries)
    assert raw[:4] == b"\x02\x00\x00\x00" and len(raw) == 4 + 5 * 8
    assert acl.decode(raw) == [
        (USER_OBJ, 7, U),
        (GROUP_OBJ, 7, U),
        (GROUP, 5, 2001),
        (MASK, 7, U),
        (OTHER, 0, U),
    ]


def test_project_folders_are_setgid_group_writable_reader_readable_and_closed_to_others() -> None:
    bits, access, default = PROJECT.want(True, 0o40700)
    assert bits == stat.S_ISGID | 0o770
    assert access == default
    assert (GROUP, 5, 2001) in access and (OTHER, 0, U) in access and (MASK, 7, U) in access


def test_project_files_become_group_writable_keep_x_and_lose_setuid() -> None:
    bits, access, default = PROJECT.want(False, 0o104700)
    assert default is None
    assert bits == 0o770
    assert acl.effective(access) == [
        (USER_OBJ, 7, U),
        (GROUP_OBJ, 7, U),
        (GROUP, 5, 2001),
        (MASK, 7, U),
        (OTHER, 0, U),
    ]
    bits, access, _ = PROJECT.want(False, 0o100600)
    assert bits == 0o660
    assert acl.effective(access) == [
        (USER_OBJ, 6, U),
        (GROUP_OBJ, 6, U),
        (GROUP, 4, 2001),
        (MASK, 6, U),
        (OTHER, 0, U),
    ]


def test_a_file_made_under_the_default_acl_already_counts_as_normal() -> None:
    # what the kernel gives a file created with mode 0666 under the folder's default ACL
    _, _, default = PROJECT.want(True, 0o40770)
    inherited = [(tag, perm & 6 if tag in (USER_OBJ, MASK) else perm, i) for tag, perm, i in default]
    _, access, _ = PROJECT.want(False, 0o100660)
    assert acl.effective(inherited) == acl.effective(access)


def test_the_shared_area_is_readable_by_everyone_and_needs_no_access_acl() -> None:
    bits, access, default = SHARED.want(True, 0o40755)
    assert bits == stat.S_ISGID | 0o775 and access is None
    assert default == [(USER_OBJ, 7, U), (GROUP_OBJ, 7, U), (OTHER, 5, U)]
    bits, access, _ = SHARED.want(False, 0o100600)
    assert bits == 0o664 and access is None
