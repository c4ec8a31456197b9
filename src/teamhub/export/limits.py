"""Memory and CPU from the team file as KubeSpawner takes them: limits and guarantees."""

from __future__ import annotations

from teamhub.team.model import MEMORY, ExportSection, Limits

UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
GUARANTEE_SHARE = 4  # without [export] guarantees, a server is guaranteed a quarter of its limit


def to_bytes(memory: str) -> int:
    """A team-file size ("2G", "512 MiB", "1.5g") in bytes; units are binary, as on the host."""
    found = MEMORY.fullmatch(memory.strip())
    if not found:
        raise ValueError(f"memory {memory!r} is not a size")
    unit = found[2][:1].upper()
    return int(float(found[1]) * UNITS[unit])


def spec(size: int) -> str | int:
    """Bytes in KubeSpawner's notation: the largest unit that keeps it whole ("2G", "384M")."""
    for unit in ("T", "G", "M", "K"):
        if size % UNITS[unit] == 0:
            return f"{size // UNITS[unit]}{unit}"
    return size


def kube_spawner_limits(limits: Limits, export: ExportSection) -> dict[str, str | int | float]:
    """mem_limit, mem_guarantee, cpu_limit and cpu_guarantee for one set of limits."""
    found: dict[str, str | int | float] = {}
    if limits.memory is not None:
        limit = to_bytes(limits.memory)
        found["mem_limit"] = spec(limit)
        wanted = to_bytes(export.memory_guarantee) if export.memory_guarantee else limit // GUARANTEE_SHARE
        found["mem_guarantee"] = spec(min(wanted, limit))
    elif export.memory_guarantee:
        found["mem_guarantee"] = spec(to_bytes(export.memory_guarantee))
    if limits.cpu is not None:
        found["cpu_limit"] = limits.cpu
        wanted_cpu = export.cpu_guarantee or round(limits.cpu / GUARANTEE_SHARE, 3)
        found["cpu_guarantee"] = min(wanted_cpu, limits.cpu)
    elif export.cpu_guarantee:
        found["cpu_guarantee"] = export.cpu_guarantee
    return found


def user_limits(base: Limits, own: Limits | None) -> Limits:
    """A user's limits: their own values over the team's."""
    if own is None:
        return base
    return Limits(
        memory=own.memory if own.memory is not None else base.memory,
        cpu=own.cpu if own.cpu is not None else base.cpu,
    )
