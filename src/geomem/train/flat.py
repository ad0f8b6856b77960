"""E networks' parameters, EMA and RAdam/Adam moments as (E, P) buffers: a step is a few ops.

Each named parameter is a view ``flat[:, o:o + n].view(E, *shape)`` that autograd treats as a
leaf; the gradients are gathered into one (E, P) buffer, so per-member clipping, the optimizer
update and the EMA are each one elementwise pass over all members and all tensors, instead of
a loop of small kernels over P tensors x E members. The update is ``torch.optim.RAdam`` /
``torch.optim.Adam`` (no weight decay) formula for formula (Liu et al. 2020; Kingma & Ba
2015), and the optimizer state reads and writes those classes' ``state_dict`` format.
"""

from __future__ import annotations

import copy
import inspect
import math

import torch


class FlatStack:
    """Stacked weights of E networks of one architecture, with EMA and optimizer moments.

    ``params`` holds the leaves that ``stacked_forward`` takes (Linear weights transposed,
    (E, in, out)); ``views`` gives any buffer in the network's own layout.

    Parameters
    ----------
    states : list of dict
        E state dicts (name -> tensor) of the members' initial weights, all keys parameters.
    optimizer : {"radam", "adam"}
    lr, betas, eps : float
        The optimizer's settings (PyTorch defaults for betas and eps).
    device : torch.device
    """

    def __init__(self, states, optimizer, lr, *, betas=(0.9, 0.999), eps=1e-8, device="cpu"):
        E, ref = len(states), states[0]
        self.names = list(ref)
        # Linear weights (2-D) are stored transposed, (in, out): then x W^T is a bmm with a
        # contiguous operand and the weight gradient x^T g is contiguous (no transposing copy)
        self.transposed = [ref[k].ndim == 2 for k in self.names]
        self.shapes = [tuple(ref[k].mT.shape if t else ref[k].shape) for k, t in self._named()]
        sizes = [math.prod(s) for s in self.shapes]
        self.offsets = [0, *torch.tensor(sizes).cumsum(0).tolist()]
        rows = [
            torch.cat([(s[k].mT if t else s[k]).reshape(-1) for k, t in self._named()])
            for s in states
        ]
        self.flat = torch.stack(rows).to(device=device, dtype=torch.float32)
        self.ema = self.flat.clone()
        self.exp_avg = torch.zeros_like(self.flat)
        self.exp_avg_sq = torch.zeros_like(self.flat)
        self.grad = torch.zeros_like(self.flat)  # preallocated: fresh (E, P) buffers each step
        self._tmp = torch.zeros_like(self.flat)  # cost page faults that rival the arithmetic
        self.step = 0
        self.optimizer, self.lr, self.betas, self.eps = optimizer, lr, tuple(betas), eps
        self.E = E
        self.params = {
            k: self._view(self.flat, j).requires_grad_(True) for j, k in enumerate(self.names)
        }
        self._groups = [param_group(optimizer, len(self.names), lr, self.betas, eps)]

    def _named(self):
        return zip(self.names, self.transposed, strict=True)

    def _view(self, buf: torch.Tensor, j: int) -> torch.Tensor:
        """Parameter j of an (E, P) buffer in storage layout (Linear weights (E, in, out))."""
        lo, hi = self.offsets[j], self.offsets[j + 1]
        return buf[:, lo:hi].view(self.E, *self.shapes[j])

    def views(self, buf: torch.Tensor) -> dict[str, torch.Tensor]:
        """{name: (E, *shape)} views of an (E, P) buffer (weights, EMA or a moment) in the
        layout of the network's state dict (Linear weights (E, out, in))."""
        return {
            k: self._view(buf, j).mT if t else self._view(buf, j)
            for j, (k, t) in enumerate(self._named())
        }

    def flat_grad(self, loss: torch.Tensor) -> torch.Tensor:
        """(E, P) gradient of ``loss`` with respect to the stacked parameters."""
        grads = torch.autograd.grad(loss, list(self.params.values()))
        return torch.cat([g.reshape(self.E, -1) for g in grads], dim=1, out=self.grad)

    def coefficients(self) -> tuple[float, float, bool]:
        """(a, c, adaptive) of the next step: p += c m / (a sqrt(v) + eps) when ``adaptive``
        (Adam; RAdam once its rectification term exists), else p += c m (early RAdam)."""
        b1, b2 = self.betas
        k = self.step + 1
        bc1, bc2 = 1 - b1**k, 1 - b2**k
        if self.optimizer == "adam":
            return 1 / math.sqrt(bc2), -self.lr / bc1, True
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * k * (b2**k) / bc2
        if rho_t <= 5.0:
            return 1.0, -self.lr / bc1, False
        rect = (
            (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        ) ** 0.5
        return 1.0, -self.lr * rect * bc2**0.5 / bc1, True

    @torch.no_grad()
    def update_(self, grad: torch.Tensor, clip: float, ema_weight: float, kernel=None) -> None:
        """Clip each member's gradient row to global norm ``clip`` (0: no clipping) as
        ``clip_grad_norm_`` does for one network, take one optimizer step and lerp the EMA by
        ``ema_weight``. ``kernel``: ``step_kernel`` (default) or a compiled copy of it."""
        a, c, adaptive = self.coefficients()
        kernel = kernel or step_kernel
        args = (self.flat, grad, self.exp_avg, self.exp_avg_sq, self.ema, self._tmp)
        kernel(*args, self.betas, self.eps, clip, ema_weight, a, c, adaptive)
        self.step += 1

    def optimizer_state(self) -> dict:
        """The stacked optimizer state in ``torch.optim`` state_dict format (moments (E, ...))."""
        m, v = self.views(self.exp_avg), self.views(self.exp_avg_sq)
        fmt = torch.contiguous_format
        state = {
            j: {
                "step": torch.tensor(float(self.step)),
                "exp_avg": m[k].clone(memory_format=fmt),
                "exp_avg_sq": v[k].clone(memory_format=fmt),
            }
            for j, k in enumerate(self.names)
        }
        return {"state": state, "param_groups": copy.deepcopy(self._groups)}

    @torch.no_grad()
    def load(self, model: dict, ema: dict, optimizer: dict) -> None:
        """Set weights, EMA and moments from stacked state dicts ({name: (E, *shape)})."""
        bufs = [self.views(b) for b in (self.flat, self.ema, self.exp_avg, self.exp_avg_sq)]
        for j, k in enumerate(self.names):
            s = optimizer["state"][j]
            srcs = (model[k], ema[k], s["exp_avg"], s["exp_avg_sq"])
            for buf, src in zip(bufs, srcs, strict=True):
                buf[k].copy_(src)
        steps = {float(s["step"]) for s in optimizer["state"].values()}
        if len(steps) != 1:
            raise ValueError(f"optimizer: expected one step for all tensors, got {sorted(steps)}")
        self.step = int(steps.pop())


def param_group(optimizer: str, n_params: int, lr, betas, eps) -> dict:
    """The ``param_groups[0]`` that ``torch.optim.RAdam``/``Adam`` (``foreach=True``) over
    ``n_params`` tensors writes in its state_dict: the constructor's defaults with ours (read
    from its signature, so that constructing one, and importing torch._dynamo, is not needed)."""
    cls = torch.optim.RAdam if optimizer == "radam" else torch.optim.Adam
    sig = inspect.signature(cls.__init__).parameters
    group = {k: v.default for k, v in sig.items() if k not in ("self", "params")}
    group.update(lr=lr, betas=tuple(betas), eps=eps, foreach=True)
    return {**group, "params": list(range(n_params))}


def step_kernel(p, g, m, v, ema, tmp, betas, eps, clip, w, a, c, adaptive) -> None:
    """The elementwise part of a step on (E, P) buffers (see ``FlatStack.update_``), in place,
    with ``tmp`` as scratch."""
    b1, b2 = betas
    if clip > 0:
        norms = torch.linalg.vector_norm(g, dim=1, keepdim=True)
        g.mul_(torch.clamp(clip / (norms + 1e-6), max=1.0))
    m.lerp_(g, 1 - b1)
    v.mul_(b2).addcmul_(g, g, value=1 - b2)
    if adaptive:
        torch.sqrt(v, out=tmp)
        if a != 1.0:
            tmp.mul_(a)
        p.addcdiv_(m, tmp.add_(eps), value=c)
    else:
        p.add_(m, alpha=c)
    ema.lerp_(p, w)


def _fusable_kernel(p, g, m, v, ema, betas, eps, clip, w, a, c, adaptive) -> None:
    """``step_kernel`` written for ``torch.compile`` (``a``, ``c`` 0-d tensors, no scratch)."""
    b1, b2 = betas
    if clip > 0:
        g = g * torch.clamp(
            clip / (torch.linalg.vector_norm(g, dim=1, keepdim=True) + 1e-6), max=1.0
        )
    m.lerp_(g, 1 - b1)
    v.mul_(b2).addcmul_(g, g, value=1 - b2)
    p.add_(c * m / (torch.sqrt(v) * a + eps) if adaptive else c * m)
    ema.lerp_(p, w)


def compiled_kernel():
    """``step_kernel`` through ``torch.compile`` (one fused pass); scalars as 0-d tensors, so
    that the changing step sizes do not recompile it."""
    fused = torch.compile(_fusable_kernel, dynamic=False)

    def kernel(p, g, m, v, ema, tmp, betas, eps, clip, w, a, c, adaptive):
        a, c = torch.tensor(a, dtype=p.dtype), torch.tensor(c, dtype=p.dtype)
        fused(p, g, m, v, ema, betas, eps, clip, w, a, c, adaptive)

    return kernel
