"""YAML for people: keys in the order written, multi-line strings as literal blocks, no aliases."""

from __future__ import annotations

from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump(data: Any, header: str = "") -> str:
    """`data` as a YAML document, after `header` (comment lines without the '# ')."""
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return comments + body


def dump_all(documents: list[Any], header: str = "") -> str:
    """Several YAML documents in one file (Kubernetes objects), after `header`."""
    return "---\n".join(dump(document, header if i == 0 else "") for i, document in enumerate(documents))
