"""Memory and CPU from [limits] as KubeSpawner takes them, with guarantees."""

from __future__ import annotations

import pytest

from teamhub.export.limits import kube_spawner_limits, spec, to_bytes
from teamhub.team.model import ExportSection, Limits


@pytest.mark.parametrize(
    ("size", "expected"),
    [("2G", "2G"), ("512M", "512M"), ("1.5G", "1536M"), ("2 GiB", "2G"), ("2gb", "2G"), ("1000", 1000)],
)
def test_memory_sizes_become_kubespawner_sizes(size: str, expected: str | int):
    assert spec(to_bytes(size)) == expected


def test_guarantees_are_a_quarter_of_the_limit_and_never_above_it():
    assert kube_spawner_limits(Limits(memory="3G", cpu=1.0), ExportSection()) == {
        "mem_limit": "3G",
        "mem_guarantee": "768M",
        "cpu_limit": 1.0,
        "cpu_guarantee": 0.25,
    }
    big = ExportSection(memory_guarantee="8G", cpu_guarantee=4.0)
    assert kube_spawner_limits(Limits(memory="2G", cpu=1.0), big) == {
        "mem_limit": "2G",
        "mem_guarantee": "2G",
        "cpu_limit": 1.0,
        "cpu_guarantee": 1.0,
    }
    assert kube_spawner_limits(Limits(), ExportSection()) == {}
