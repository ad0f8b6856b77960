"""Each query's own kept training rows, for EmpiricalScore's covariance pass."""

from __future__ import annotations

import torch


def own_rows(w, Y, m, whole_ok: bool, space: list, scale=None):
    """Each query's own kept rows of one block: w (B, n) weights (0 where not kept), Y (n, d),
    m (B, d) -> (Z (B, k, d) with Z[b, j] = sqrt(w) (y - m_b) over query b's k_b kept rows in
    ascending order, zero-padded to k = max k_b; k_b (B,)), or (None, None) if nothing is kept.
    With ``whole_ok`` (dense route) and more than half the rows kept, all n rows instead
    (the w = 0 rows add nothing to Z^T Z; no sort and gather). Z is written into ``space[0]``,
    a flat buffer reused between blocks (grown when too small): no fresh (B, k, d) pages.
    ``scale`` (B,), if given, multiplies each query's weights (w unnormalised, scale = 1 / sum w).
    """
    kept = w > 0
    cnt = kept.sum(1)
    k = int(cnt.max())
    if k == 0:
        return None, None
    B, n, d = w.shape[0], w.shape[1], Y.shape[1]
    whole = whole_ok and 2 * k > n
    size = B * (n if whole else k) * d
    if space[0].numel() < size:
        space[0] = torch.empty(size, dtype=Y.dtype, device=Y.device)
    Z = space[0][:size].view(B, -1, d)
    if whole:  # dense route, most rows kept: the whole block
        torch.sub(Y[None], m[:, None, :], out=Z)
        ws = w.sqrt() if scale is None else (w * scale[:, None]).sqrt_()
        return Z.mul_(ws[:, :, None]), cnt
    # each row's kept columns in ascending order (nonzero is row-major) at slots 0..k_b - 1;
    # pads keep row 0 with weight 0
    bi, ci = torch.nonzero(kept, as_tuple=True)
    pos = kept.cumsum(1)[bi, ci] - 1
    idx = torch.zeros(B, k, dtype=torch.int64, device=w.device)
    wk = torch.zeros(B, k, dtype=w.dtype, device=w.device)
    idx[bi, pos], wk[bi, pos] = ci, w[bi, ci]
    torch.index_select(Y, 0, idx.flatten(), out=Z.view(-1, d))
    if scale is not None:
        wk.mul_(scale[:, None])
    return Z.sub_(m[:, None, :]).mul_(wk.sqrt_()[:, :, None]), cnt
