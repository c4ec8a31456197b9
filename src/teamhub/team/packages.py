"""Rules for what an environment may contain: plain pip requirements and a Python version."""

from __future__ import annotations

import re

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

PYTHON_VERSION = re.compile(r"3\.\d{1,2}(\.\d{1,3})?")
# A URL requirement (`name @ url`) may not carry anything a shell or a requirements file would read.
UNSAFE_URL = re.compile(r"[\s;&|`$<>()'\"\\{}*?!#]")
URL_SCHEMES = ("https://", "http://", "file://")


def requirement_problem(spec: str) -> str | None:
    """Why `spec` is not a plain pip requirement, or None when it is one."""
    stripped = spec.strip()
    if not stripped or stripped.startswith("-") or "\n" in spec or "\r" in spec:
        return f"package {spec!r} is not a plain requirement like 'pandas' or 'numpy>=1.26'"
    try:
        requirement = Requirement(stripped)
    except InvalidRequirement:
        return f"package {spec!r} is not a plain requirement like 'pandas' or 'numpy>=1.26'"
    if requirement.url is not None and (
        UNSAFE_URL.search(requirement.url) or not requirement.url.startswith(URL_SCHEMES)
    ):
        return (
            f"package {spec!r} has a URL teamhub does not accept; use an http(s) or file URL without spaces"
        )
    return None


def normalise(spec: str) -> str:
    """The requirement as packaging writes it ('Pandas >= 2' becomes 'Pandas>=2')."""
    return str(Requirement(spec.strip()))


def package_name(spec: str) -> str:
    """The canonical distribution name of a requirement ('Scikit_Learn>=1' gives 'scikit-learn')."""
    return canonicalize_name(Requirement(spec.strip()).name)


def expected_names(specs: list[str], locked: dict[str, str]) -> list[str]:
    """Declared names a build must hold: a requirement whose marker kept it out of the lock is not."""
    pinned = {canonicalize_name(name) for name in locked}
    names = []
    for spec in specs:
        requirement = Requirement(spec.strip())
        name = canonicalize_name(requirement.name)
        if requirement.marker is None or name in pinned:
            names.append(name)
    return names


def duplicate_names(specs: list[str]) -> list[str]:
    """Distribution names that appear more than once in `specs`."""
    seen: set[str] = set()
    twice: list[str] = []
    for spec in specs:
        name = package_name(spec)
        if name in seen and name not in twice:
            twice.append(name)
        seen.add(name)
    return twice


def python_version_problem(version: str) -> str | None:
    """Why `version` is not a Python version teamhub can ask for, or None."""
    if not PYTHON_VERSION.fullmatch(version):
        return f"Python version {version!r} must look like '3.11' or '3.11.2'"
    return None


def version_matches(wanted: str, found: str) -> bool:
    """True when an interpreter of version `found` (3.11.2) satisfies `wanted` (3.11 or 3.11.2)."""
    return found == wanted or found.startswith(wanted + ".")


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a package index address, or None."""
    if not url.startswith(URL_SCHEMES) or UNSAFE_URL.search(url):
        return f"index URL {url!r} must be an http(s) or file URL without spaces or shell characters"
    return None
