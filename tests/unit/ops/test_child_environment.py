"""The stack's children run one compute thread per library unless the operator says otherwise.

Three processes share a couple of cores; OpenBLAS and TensorFlow pools sized to the machine
oversubscribe it (bench/RESULTS.md, policy mix).
"""

from __future__ import annotations

import pytest

from bot.ops.supervisor import SINGLE_THREAD_COMPUTE, child_environment
from bot.settings import settings_from_environ
from tests.conftest import make_environ


@pytest.fixture()
def settings(tmp_path):
    return settings_from_environ(make_environ(tmp_path / "var"))


def test_children_get_one_blas_and_tensorflow_thread_by_default(settings, monkeypatch) -> None:
    for name in SINGLE_THREAD_COMPUTE:
        monkeypatch.delenv(name, raising=False)
    env = child_environment(settings)
    for name in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "TF_INTRA_OP_PARALLELISM_THREADS",
        "TF_INTER_OP_PARALLELISM_THREADS",
    ):
        assert env[name] == "1"


def test_thread_counts_set_by_the_operator_or_the_caller_win(settings, monkeypatch) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    env = child_environment(settings, {"TF_INTRA_OP_PARALLELISM_THREADS": "2"})
    assert env["OPENBLAS_NUM_THREADS"] == "4"
    assert env["TF_INTRA_OP_PARALLELISM_THREADS"] == "2"
    assert env["TF_INTER_OP_PARALLELISM_THREADS"] == "1"


def test_children_get_the_blas_kernel_for_this_cpu_unless_the_operator_chose_one(settings, monkeypatch) -> None:
    """A generic OpenBLAS kernel on an AVX-512 CPU: the children start with OPENBLAS_CORETYPE=SkylakeX."""
    from bot.ops import supervisor

    monkeypatch.setattr(supervisor, "blas_kernel_setting", lambda: {"OPENBLAS_CORETYPE": "SkylakeX"})
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    assert child_environment(settings)["OPENBLAS_CORETYPE"] == "SkylakeX"
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    assert child_environment(settings)["OPENBLAS_CORETYPE"] == "Haswell"


def test_the_blas_kernel_setting_names_a_kernel_only_when_the_library_runs_a_generic_one() -> None:
    from bot.ops.supervisor import blas_kernel_setting
    from policy_kb.blas_check import better_core

    core = better_core()
    assert blas_kernel_setting() == ({"OPENBLAS_CORETYPE": core} if core else {})
