"""A trained network as a Score: ``score(x, t)`` with its schedule attached (k-diffusion style).

The network is called as ``net(x_in, c_noise)`` with the inputs of ``geomem.nets.precond`` and
its output is read as noise (``eps``), clean data (``x0``) or scaled score (``score``).
"""

from __future__ import annotations

import copy
from pathlib import Path

import torch

from geomem import _validate
from geomem.checkpoints.format import read_checkpoint
from geomem.nets.arch import network_from_checkpoint, precond_of
from geomem.nets.precond import Precond, check_parameterization, network_inputs, to_score
from geomem.schedules import Schedule, get_schedule
from geomem.scores.base import as_points, coefficients


class NetworkScore:
    """Score of a trained network.

    Parameters
    ----------
    net : torch.nn.Module
        ``net(x_in (B, d), c_noise (B,)) -> (B, d)``; a frozen copy in ``dtype`` is kept.
    schedule : Schedule
        The forward process the network was trained for.
    d : int
        Dimension of x.
    parameterization : {"eps", "x0", "score"}
        What the output means (see ``geomem.nets.precond``).
    precond : Precond or None
        Input scaling used in training (default ``Precond()``); ``Precond(scale_input=False)``
        feeds x unscaled (c_noise = log(v)/2 always).
    dtype, device
        Evaluation dtype (float64 by default, for spectra) and device.
    """

    def __init__(
        self,
        net: torch.nn.Module,
        schedule: Schedule,
        d: int,
        *,
        parameterization: str = "eps",
        precond: Precond | None = None,
        dtype: torch.dtype = torch.float64,
        device: str | torch.device = "cpu",
    ):
        self.parameterization = check_parameterization(parameterization)
        self.schedule, self.d = schedule, int(d)
        self.precond = precond if precond is not None else Precond()
        self.dtype, self.device = dtype, torch.device(device)
        self.net = copy.deepcopy(net).to(dtype=dtype, device=self.device).eval()
        self.net.requires_grad_(False)

    def __call__(self, x, t) -> torch.Tensor:
        """(B, d) score s(x, t)."""
        x = as_points(x, self.d, self.dtype, self.device)
        a, s = coefficients(self.schedule, t, x.shape[0], self.dtype, self.device)
        out = self.net(*network_inputs(x, a, s, self.precond))
        return to_score(out, x, a, s, self.parameterization)

    def at_time(self, t):
        """The function x (B, d) -> s(x, t) at one fixed time, with the schedule's coefficients
        computed once (cheaper inside Jacobian-vector products)."""
        a, s = coefficients(self.schedule, t, 1, self.dtype, self.device)
        precond, param, net = self.precond, self.parameterization, self.net

        dtype, device = self.dtype, self.device

        def fixed(x):
            x = x.to(dtype=dtype, device=device)  # as __call__ does
            A, S = a.expand(x.shape[0], 1), s.expand(x.shape[0], 1)
            return to_score(net(*network_inputs(x, A, S, precond)), x, A, S, param)

        return fixed

    @classmethod
    def from_run(
        cls,
        run_dir: str | Path,
        *,
        ema: bool = True,
        dtype=torch.float64,
        device: str = "cpu",
        step: int | None = None,
    ) -> NetworkScore:
        """The network of a `geomem train` run directory (EMA weights unless ``ema=False``),
        at its final step or at a kept checkpoint ``step``, read through
        ``geomem.checkpoints.format``."""
        ck = read_checkpoint(run_dir, device=device, step=step)
        where = Path(run_dir) / ("checkpoint.pt" if step is None else f"checkpoints (step {step})")
        return cls.from_checkpoint(ck, ema=ema, dtype=dtype, device=device, where=where)

    @classmethod
    def from_checkpoint(
        cls, ck: dict, *, ema: bool = True, dtype=torch.float64, device: str = "cpu", where=None
    ) -> NetworkScore:
        """The network of a checkpoint dict already read (``read_checkpoint``): a caller that
        must know the step it evaluates reads the file once and builds the score from it."""
        model = network_from_checkpoint(ck, ema=ema, where=where)  # config "arch"; none: MLP
        cfg = ck["config"]
        missing = [k for k in ("schedule", "parameterization", "sigma_data") if k not in cfg]
        if missing:
            _validate.fail(
                "checkpoint", "a training config with schedule fields", f"{missing} missing"
            )
        return cls(
            model,
            get_schedule(cfg["schedule"]),
            model.config.d,
            parameterization=cfg["parameterization"],
            precond=precond_of(cfg),
            dtype=dtype,
            device=device,
        )
