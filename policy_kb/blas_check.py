"""Whether numpy's OpenBLAS runs a matrix kernel made for this CPU.

The retriever scores a question against every stored sentence with float32 matrix products.
OpenBLAS chooses its kernel from the CPU model when the library loads; a model newer than the
library (common in virtual machines) gets the generic "Prescott" kernel, which uses neither AVX2
nor AVX-512 and runs these products about 3x slower.  The remedy is an environment variable read
when numpy loads, so the supervisor sets it for the processes it starts (``bot/ops/supervisor.py``).
Changing the kernel changes float rounding, not answers (``bench/RESULTS_KB.md``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, List, Mapping, Optional, Set

__all__ = ["GENERIC_CORES", "blas_cores", "cpu_flags", "better_core", "numpy_blas"]

#: OpenBLAS kernels with neither AVX2 nor AVX-512 (what it falls back to for a CPU model it does not know)
GENERIC_CORES = frozenset({"prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "generic"})


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> Optional[Set[str]]:
    """The CPU's feature flags (Linux), or ``None`` when they cannot be read."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return None


def blas_cores() -> List[Mapping[str, object]]:
    """threadpoolctl's description of each OpenBLAS loaded in this process ([] without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [info for info in threadpool_info() if info.get("internal_api") == "openblas"]


def better_core(
    libraries: Optional[Iterable[Mapping[str, object]]] = None, flags: Optional[Set[str]] = None
) -> Optional[str]:
    """The ``OPENBLAS_CORETYPE`` to start a process with, when numpy's OpenBLAS runs a generic kernel
    on a CPU with AVX2 (``"Haswell"``) or AVX-512 (``"SkylakeX"``); ``None`` when its own choice stands.

    ``libraries`` and ``flags`` default to this process's (:func:`blas_cores`, :func:`cpu_flags`).
    """
    libraries = list(blas_cores() if libraries is None else libraries)
    flags = cpu_flags() if flags is None else flags
    if not flags or not {"avx2", "fma"} <= flags:
        return None
    numpy_library = numpy_blas(libraries)
    if numpy_library is None or str(numpy_library.get("architecture") or "").lower() not in GENERIC_CORES:
        return None
    return "SkylakeX" if {"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= flags else "Haswell"


def numpy_blas(libraries: Iterable[Mapping[str, object]]) -> Optional[Mapping[str, object]]:
    """numpy's OpenBLAS among ``libraries`` (the first one if none is numpy's): it runs the retriever's
    products, while scipy may load another copy."""
    ordered = sorted(libraries, key=lambda lib: "numpy" not in str(lib.get("filepath") or ""))
    return ordered[0] if ordered else None
