"""Shared fixtures, and one thread for the whole session (torch, OpenMP, BLAS; subprocesses
inherit it through the environment): the suite's tensors are small, and on a shared 2-core
machine a second intra-op thread waiting for a busy core made small-op tests 10-20x slower in
CPU time (e.g. 1000 SDE steps on (2000, 30) points: 35 s against 2 s). An explicitly set
``OMP_NUM_THREADS`` etc. is kept."""

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))


@pytest.fixture
def one_thread():
    """Run a test on one torch thread (whatever the session's count): for tiny networks thread
    hand-offs cost more than they save on a 2-core machine."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
