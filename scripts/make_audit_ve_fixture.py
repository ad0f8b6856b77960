"""Build the committed ``geomem audit`` VE fixture: a tiny random ``ScoreSdeVePipeline``.

    python scripts/make_audit_ve_fixture.py --out tests/fixtures/audit/tiny-ve

An untrained NCSN++-style diffusers ``UNet2DModel`` (``time_embedding_type="fourier"``, so its
output is the network's divided by sigma, as in google/ncsnpp-*; 3 channels, as the pipeline
samples them; 8x8, block channels (8, 16), one res-block per level, no attention) with a
``ScoreSdeVeScheduler`` (sigma_min 0.01, sigma_max 50, snr 0.15, one corrector step), saved
by ``ScoreSdeVePipeline.save_pretrained`` (safetensors). Weights from ``torch.manual_seed(seed)``.
It is a model of nothing: what it is for is loading, the pipeline's own predictor-corrector
sampler (``tests/sampling/test_pipeline.py``) and an end-to-end audit of a VE folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch


def tiny_ve_pipeline(seed: int = 0, sigma_max: float = 50.0):
    """The fixture's ``ScoreSdeVePipeline`` (untrained, seeded)."""
    import diffusers

    torch.manual_seed(seed)
    unet = diffusers.UNet2DModel(
        sample_size=8,
        in_channels=3,
        out_channels=3,
        time_embedding_type="fourier",
        block_out_channels=(8, 16),
        layers_per_block=1,
        norm_num_groups=4,
        down_block_types=("DownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "UpBlock2D"),
    )
    sched = diffusers.ScoreSdeVeScheduler(sigma_min=0.01, sigma_max=sigma_max, snr=0.15)
    return diffusers.ScoreSdeVePipeline(unet=unet, scheduler=sched)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("tests/fixtures/audit/tiny-ve"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    tiny_ve_pipeline(args.seed).save_pretrained(args.out, safe_serialization=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
