"""Code run inside an environment's own Python: which modules a distribution provides."""

from __future__ import annotations

# Defines modules_of(dist): the public top-level modules of an importlib.metadata distribution,
# from top_level.txt, else from the files it installed. Prepended to code run in builds and kernels.
MODULES_OF = r"""
def modules_of(dist):
    names = (dist.read_text("top_level.txt") or "").split()
    if not names:
        for item in dist.files or []:
            parts = item.parts
            if not parts or parts[0] in ("..", "bin") or parts[0].endswith((".dist-info", ".data")):
                continue
            if len(parts) > 1 or item.suffix == ".py" or ".so" in parts[0]:
                names.append(parts[0].split(".")[0])
    return sorted(name for name in set(names) if name.isidentifier() and not name.startswith("_"))
"""
