"""The README's "Library" snippets run as written (from the repository root) and give what
they say: shapes, and the same numbers as the lower-level calls they stand for."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import numpy as np

import geomem

ROOT = Path(__file__).resolve().parents[1]


def _snippets() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Library\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def _run(code: str) -> dict:
    ns: dict = {}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(code, "README.md", "exec"), ns)
    finally:
        os.chdir(cwd)
    return ns


def test_the_library_section_has_two_short_snippets():
    snippets = _snippets()
    assert len(snippets) == 2
    assert all(len(s.strip().splitlines()) <= 5 for s in snippets)
    assert not any("experiments" in s or "geomem.cli" in s for s in snippets)


def test_diffusers_snippet_measures_the_fixture_like_jacobian_spectrum():
    ns = _run(_snippets()[0])
    res, model, images = ns["result"], ns["model"], ns["images"]
    assert res.route == "autodiff" and res.dimension("threshold").shape == (2, 2)
    # the same number through the lower-level calls
    v = 1e-2
    t = float(model.score.schedule.t_of_noise_var(v))
    x = float(model.score.schedule.alpha(t)) * images
    sp = geomem.jacobian_spectrum(model.score, x, t, method="autodiff")
    np.testing.assert_array_equal(res.dimension()[0], geomem.threshold_dimension(sp))


def test_exact_snippet_gives_gram_route_and_flipd_identity():
    ns = _run(_snippets()[1])
    res = ns["result"]
    assert res.route == "gram"
    assert res.dimension("gap").shape == (10, 8) and res.flipd.shape == (10, 8)
    # the exact score of the points memorizes: at the smallest noise nothing is kept
    assert (res.dimension()[0] == 0).all()
    # FLIPD = d - sum r + v |s_VE|^2; at a training point itself the score is ~0 at small v
    assert np.allclose(res.flipd[0], 30 - res.spectra[0].sum(1), atol=1e-6)
