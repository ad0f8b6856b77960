"""Devices: ``--device`` against what this torch build and machine offer."""

from __future__ import annotations

import re

from geomem import _validate

FORM = re.compile(r"^(cpu|cpu:0|cuda|cuda:\d+|mps)$")


def check_form(name: str, device: object) -> str:
    """Return ``device`` if it is spelled like a torch device geomem uses (cpu, cuda[:K], mps)."""
    if not isinstance(device, str) or not FORM.match(device):
        _validate.fail(name, "'cpu', 'cuda', 'cuda:K' or 'mps'", device)
    return device


def check_device(name: str, device: object) -> str:
    """Return ``device`` if torch can use it here; else one line saying what is missing."""
    device = check_form(name, device)
    if device in ("cpu", "cpu:0"):
        return device
    import torch

    if device.startswith("cuda"):
        if not torch.backends.cuda.is_built():
            _validate.fail(
                name,
                "'cpu' (CUDA is not available on this machine: this torch build has none)",
                device,
            )
        if not torch.cuda.is_available():
            _validate.fail(name, "'cpu' (CUDA is not available on this machine)", device)
        index = int(device.split(":")[1]) if ":" in device else 0
        count = torch.cuda.device_count()
        if index >= count:
            _validate.fail(name, f"a CUDA device index below {count}", device)
    elif not torch.backends.mps.is_available():
        _validate.fail(name, "'cpu' (MPS is not available on this machine)", device)
    return device
