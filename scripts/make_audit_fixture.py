"""Build the committed ``geomem audit`` test fixture: a tiny DDPM that memorized 8 digits.

    python scripts/make_audit_fixture.py --out tests/fixtures/audit

scikit-learn's 8x8 digits (pixels 0..16 scaled to [-1, 1] as x / 8 - 1, shape (1, 8, 8)):
one training image per class 0..7 and 16 held-out images from the other indices, all drawn
with ``numpy.random.default_rng(seed)``. A tiny diffusers ``UNet2DModel`` is trained on CPU
with the standard eps-prediction loss ||eps - eps_theta(sqrt(abar_t) x0 + sqrt(1 - abar_t)
eps, t)||^2 (DDPM, 1000 linear steps) on the 8 images until it memorizes them (its samples
are copies). Writes, under ``--out``:

- ``tiny-memorizer/``: ``DDPMPipeline.save_pretrained`` folder (safetensors weights);
- ``train.npy`` (8, 1, 8, 8) and ``heldout.npy`` (16, 1, 8, 8), float32;
- ``README.md``: how it was made (command, seed, steps, final loss).

Deterministic: initial weights from ``torch.manual_seed(seed)``, timesteps and noise from a
``torch.Generator`` seeded with ``seed``; one thread.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

N_TRAIN, N_HELDOUT = 8, 16
N_STEPS_DIFFUSION = 1000
STEPS, LR, REPEAT = 2000, 2e-3, 8  # the committed fixture's training


def digits_split(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(train (8, 1, 8, 8), heldout (16, 1, 8, 8)) float32 in [-1, 1]: one training image per
    class 0..7, held-out images from the remaining indices (disjoint)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images.astype(np.float64) / 8.0 - 1.0).astype(np.float32)[:, None]
    rng = np.random.default_rng(seed)
    train_idx = np.array([rng.choice(np.flatnonzero(digits.target == c)) for c in range(N_TRAIN)])
    rest = np.setdiff1d(np.arange(len(images)), train_idx)
    heldout_idx = rng.choice(rest, N_HELDOUT, replace=False)
    return images[train_idx], images[heldout_idx]


def make_unet(seed: int = 0):
    """The tiny U-Net (about 164k parameters), initialised from ``torch.manual_seed(seed)``."""
    import diffusers

    torch.manual_seed(seed)
    return diffusers.UNet2DModel(
        sample_size=8,
        in_channels=1,
        out_channels=1,
        block_out_channels=(16, 32),
        layers_per_block=1,
        down_block_types=("DownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "UpBlock2D"),
        norm_num_groups=8,
        attention_head_dim=8,
    )


def make_scheduler():
    import diffusers

    return diffusers.DDPMScheduler(
        num_train_timesteps=N_STEPS_DIFFUSION, beta_schedule="linear", prediction_type="epsilon"
    )


def train(
    steps: int,
    seed: int = 0,
    *,
    lr: float = LR,
    repeat: int = REPEAT,
    log_every: int = 0,
):
    """Train the tiny U-Net on the 8 training digits with the eps-prediction loss.

    Parameters
    ----------
    steps : int
        Adam steps (learning rate ``lr`` with cosine decay to 0).
    seed : int
        Seeds the data split, the initial weights and the generator of timesteps and noise.
    repeat : int
        Each step's batch is the 8 training images repeated ``repeat`` times (8 * repeat rows),
        each with its own timestep and noise.
    log_every : int
        Print the running loss every ``log_every`` steps (0: silent).

    Returns
    -------
    unet : diffusers.UNet2DModel
        The trained network (eval mode).
    scheduler : diffusers.DDPMScheduler
    losses : ndarray (steps,)
        Per-step loss.
    """
    x0, _ = digits_split(seed)
    x0 = torch.from_numpy(x0).repeat(repeat, 1, 1, 1)
    unet, scheduler = make_unet(seed), make_scheduler()
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(unet.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps, 1))
    unet.train()
    losses = np.empty(steps)
    for i in range(steps):
        t = torch.randint(0, N_STEPS_DIFFUSION, (len(x0),), generator=gen)
        eps = torch.randn(x0.shape, generator=gen)
        x_t = scheduler.add_noise(x0, eps, t)
        loss = torch.mean((unet(x_t, t).sample - eps) ** 2)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses[i] = loss.item()
        if log_every and (i + 1) % log_every == 0:
            print(f"step {i + 1}: loss {losses[max(0, i - log_every + 1) : i + 1].mean():.4f}")
    return unet.eval(), scheduler, losses


README = """# `geomem audit` fixture: a tiny DDPM that memorized 8 digits

Made by `scripts/make_audit_fixture.py` (do not edit by hand; re-run it):

    {command}

- `train.npy` (8, 1, 8, 8) float32: scikit-learn's 8x8 digits scaled to [-1, 1] (x / 8 - 1),
  one image per class 0..7, drawn with `numpy.random.default_rng({seed})`.
- `heldout.npy` (16, 1, 8, 8) float32: 16 other digits (disjoint indices), same scaling.
- `tiny-memorizer/`: diffusers `DDPMPipeline` (`UNet2DModel`, {n_params} parameters, block
  channels (16, 32), one res-block per level; `DDPMScheduler` 1000 linear steps, epsilon
  prediction), safetensors weights.

Training: CPU, seed {seed} (`torch.manual_seed` for the weights, a seeded `torch.Generator` for
timesteps and noise), Adam lr {lr} with cosine decay, {steps} steps, each a batch of the 8
training images repeated {repeat} times with random timesteps; eps-prediction MSE loss.
Final loss (mean of the last 200 steps): {final_loss:.4f}.
Wall time {wall:.0f} s on one CPU thread.

What it is for: a model that copies its training set, so `geomem audit` must call it
"copying" (copies among its samples, dimension at training images far below held-out ones).
Checked when made: {n_samples} DDIM samples ({ddim_steps} steps, generator seed 0) give
copy rate {copy_rate:.2f} by the ratio test (d1 / d2 < 1/3).
"""


def copy_rate(folder: Path, train_images: np.ndarray, n_samples: int = 32, steps: int = 50):
    """Fraction of ``n_samples`` DDIM samples of the saved model that are copies (ratio test)."""
    from geomem.memorization import nearest_neighbors, ratio_test
    from geomem.sampling import SamplerConfig, sample
    from geomem.scores.diffusers import DiffusersScore

    score = DiffusersScore.from_pretrained(folder)
    cfg = SamplerConfig(sampler="ddim", steps=steps, dtype="float32")
    x = sample(score, n_samples, cfg, generator=torch.Generator().manual_seed(0))
    nn = nearest_neighbors(x, train_images.reshape(len(train_images), -1))
    return float(ratio_test(nn.distance).mean()), nn


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("tests/fixtures/audit"))
    p.add_argument("--steps", type=int, default=STEPS)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=LR)
    p.add_argument("--repeat", type=int, default=REPEAT)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    from diffusers import DDPMPipeline

    start = time.perf_counter()
    unet, scheduler, losses = train(
        args.steps, args.seed, lr=args.lr, repeat=args.repeat, log_every=250
    )
    wall = time.perf_counter() - start
    args.out.mkdir(parents=True, exist_ok=True)
    folder = args.out / "tiny-memorizer"
    DDPMPipeline(unet=unet, scheduler=scheduler).save_pretrained(folder, safe_serialization=True)
    train_images, heldout = digits_split(args.seed)
    np.save(args.out / "train.npy", train_images, allow_pickle=False)
    np.save(args.out / "heldout.npy", heldout, allow_pickle=False)
    n_samples, ddim_steps = 32, 50
    rate, _ = copy_rate(folder, train_images, n_samples, ddim_steps)
    final = float(losses[-200:].mean())
    command = "python scripts/make_audit_fixture.py --out tests/fixtures/audit"
    if (args.steps, args.seed, args.lr, args.repeat) != (STEPS, 0, LR, REPEAT):
        command += f" --steps {args.steps} --seed {args.seed} --lr {args.lr} --repeat {args.repeat}"
    (args.out / "README.md").write_text(
        README.format(
            command=command,
            seed=args.seed,
            n_params=sum(p.numel() for p in unet.parameters()),
            lr=args.lr,
            steps=args.steps,
            repeat=args.repeat,
            final_loss=final,
            wall=wall,
            n_samples=n_samples,
            ddim_steps=ddim_steps,
            copy_rate=rate,
        )
    )
    print(f"final loss {final:.4f}, copy rate {rate:.2f}, {wall:.0f} s -> {args.out}")


if __name__ == "__main__":
    main()
