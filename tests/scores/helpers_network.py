"""Modules that compute an exact score through the network interface net(x, c_noise)."""

from __future__ import annotations

import torch

from geomem.scores import EmpiricalScore


class EmpiricalModule(torch.nn.Module):
    """Outputs eps, x0 or scaled score of an EmpiricalScore; fed x unscaled and
    c_noise = log(v)/2 (``Precond(scale_input=False)``)."""

    def __init__(self, emp: EmpiricalScore, parameterization: str):
        super().__init__()
        self.emp, self.parameterization = emp, parameterization

    def forward(self, x, c_noise):
        sched = self.emp.schedule
        t = float(sched.t_of_noise_var(torch.exp(2 * c_noise[0]).item()))
        sigma = float(sched.sigma(t))
        if self.parameterization == "x0":
            return self.emp.denoiser(x, t)
        s = self.emp(x, t)
        return -sigma * s if self.parameterization == "eps" else sigma * s
