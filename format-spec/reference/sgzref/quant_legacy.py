"""The 32-weight types Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 (format-spec/quantizers.md, "The
32-weight types"): the quantizer of one block (no importance) and the rounding of a block's
values with its stored scale fields."""

from .f32 import (FLT_MAX, div, f32, load_half, madd, round_away, store_half, trunc_to_int)
from .quant_search import signed_abs_max

Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 = 2, 3, 6, 7, 8
BLOCK_BYTES = {Q4_0: 18, Q4_1: 20, Q5_0: 22, Q5_1: 24, Q8_0: 34}
SCALE_BYTES = {Q4_0: 2, Q4_1: 4, Q5_0: 2, Q5_1: 4, Q8_0: 2}


def _trunc_min(v, hi):
    """(uint8_t)MIN((int)v, hi)."""
    return min(trunc_to_int(v), hi) & 0xFF


def _pack(type_id, L, b):
    """The quants L (32) into the block after its scale fields."""
    at = SCALE_BYTES[type_id]
    if type_id in (Q4_0, Q4_1):
        for j in range(16):
            b[at + j] = (L[j] | (L[j + 16] << 4)) & 0xFF
        return
    h = 0
    for j in range(16):
        b[at + 4 + j] = (L[j] & 0x0F) | ((L[j + 16] & 0x0F) << 4)
        h |= ((L[j] & 0x10) >> 4) << j
        h |= ((L[j + 16] & 0x10) >> 4) << (j + 16)
    b[at:at + 4] = h.to_bytes(4, "little")


def quantize_block(rnd, type_id, x):
    """The quantizer's block of the 32 values x."""
    b = bytearray(BLOCK_BYTES[type_id])
    if type_id == Q8_0:
        amax = 0.0
        for v in x:
            amax = amax if amax > abs(v) else abs(v)
        d = f32(amax / 127)
        inv = div(1.0, d) if d != 0 else 0.0
        store_half(b, 0, d)
        for j, v in enumerate(x):
            b[2 + j] = trunc_to_int(round_away(f32(v * inv))) & 0xFF
        return b
    if type_id in (Q4_0, Q5_0):
        half_range = 8 if type_id == Q4_0 else 16
        mx, _ = signed_abs_max(x)
        d = div(mx, float(-half_range))
        inv = div(1.0, d) if d != 0 else 0.0
        offset = half_range + 0.5
        L = [_trunc_min(madd(rnd, v, inv, offset), 2 * half_range - 1) for v in x]
        store_half(b, 0, d)
        _pack(type_id, L, b)
        return b
    nmax = 15 if type_id == Q4_1 else 31
    lo, hi = FLT_MAX, -FLT_MAX
    for v in x:
        if v < lo:
            lo = v
        if v > hi:
            hi = v
    d = f32(f32(hi - lo) / nmax)
    inv = div(1.0, d) if d != 0 else 0.0
    L = []
    for v in x:
        t = madd(rnd, f32(v - lo), inv, 0.5)
        L.append(_trunc_min(t, nmax) if type_id == Q4_1 else trunc_to_int(t) & 0xFF)
    store_half(b, 0, d)
    store_half(b, 2, lo)
    _pack(type_id, L, b)
    return b


def round_with_scales(type_id, x, b):
    """Rewrites the quants of block b (bytearray) from its stored scale fields."""
    d = load_half(b, 0)
    inv = div(1.0, d) if d != 0 else 0.0
    if type_id == Q8_0:
        for j, v in enumerate(x):
            b[2 + j] = trunc_to_int(round_away(f32(v * inv))) & 0xFF
        return
    if type_id in (Q4_0, Q5_0):
        half_range = 8 if type_id == Q4_0 else 16
        offset = half_range + 0.5
        _pack(type_id, [_trunc_min(f32(f32(v * inv) + offset), 2 * half_range - 1) for v in x], b)
        return
    m = load_half(b, 2)
    nmax = 15 if type_id == Q4_1 else 31
    _pack(type_id, [_trunc_min(f32(f32(f32(v - m) * inv) + 0.5), nmax) for v in x], b)


def predict_block(rnd, type_id, x, b):
    """PredictQuantsNoSearch of one block: the quantizer's block when its scale fields
    equal the stored ones, else the values rounded with the stored scale fields."""
    mine = quantize_block(rnd, type_id, x)
    n = SCALE_BYTES[type_id]
    if mine[:n] == b[:n]:
        b[:] = mine
    else:
        round_with_scales(type_id, x, b)
