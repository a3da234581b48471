"""The supervisor's OpenBLAS setting: a kernel made for the CPU when the library would run a generic one."""

from __future__ import annotations

from pathlib import Path

from policy_kb.blas_check import better_core, cpu_flags

_PRESCOTT = [{"internal_api": "openblas", "architecture": "Prescott", "version": "0.3.20"}]
_AVX2 = {"sse2", "avx", "avx2", "fma"}
_AVX512 = _AVX2 | {"avx512f", "avx512bw", "avx512dq", "avx512vl"}


def test_generic_kernel_on_an_avx512_cpu_gets_the_skylakex_setting() -> None:
    assert better_core(_PRESCOTT, _AVX512) == "SkylakeX"


def test_generic_kernel_on_an_avx2_cpu_gets_the_haswell_setting() -> None:
    assert better_core(_PRESCOTT, _AVX2) == "Haswell"


def test_a_kernel_made_for_the_cpu_needs_no_advice() -> None:
    libraries = [{"internal_api": "openblas", "architecture": "SkylakeX", "version": "0.3.20"}]
    assert better_core(libraries, _AVX512) is None


def test_a_cpu_without_avx2_or_unknown_flags_needs_no_advice() -> None:
    assert better_core(_PRESCOTT, {"sse2", "sse3"}) is None
    assert better_core(_PRESCOTT, set()) is None


def test_a_cpu_with_only_part_of_avx512_gets_the_avx2_kernel() -> None:
    """SkylakeX kernels need AVX-512 F, BW, DQ and VL; with F alone the Haswell kernel is the safe one."""
    assert better_core(_PRESCOTT, _AVX2 | {"avx512f"}) == "Haswell"
    assert better_core(_PRESCOTT, _AVX512) == "SkylakeX"


def test_cpu_flags_are_read_from_the_flags_line(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f\n\n", encoding="utf-8")
    assert cpu_flags(cpuinfo) == {"fpu", "sse2", "avx2", "avx512f"}
    assert cpu_flags(tmp_path / "missing") is None
