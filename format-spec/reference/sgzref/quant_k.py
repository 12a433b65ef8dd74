"""The 256-weight types Q2_K, Q3_K, Q4_K, Q5_K, Q6_K (format-spec/quantizers.md, "The K
types"): the scale search of a block (with or without importance) and the last pass, which
rounds the values with the block's stored scales."""

from .f32 import clamp, div, f32, int8, load_half, madd, nearest_int, round_product, sqrt, store_half
from .quant_search import (GROUP_MAX_EPS, search_positive, search_scale_min, search_symmetric,
                           search_symmetric_refined)

Q2_K, Q3_K, Q4_K, Q5_K, Q6_K = 10, 11, 12, 13, 14
BLOCK_BYTES = {Q2_K: 84, Q3_K: 110, Q4_K: 144, Q5_K: 176, Q6_K: 210}
QK = 256


# ---------------------------------------------------------------------------------------
# Scale fields.

def scale_min_k4(j, q):
    """The 6-bit scale and min of sub-block j of a Q4_K/Q5_K scales[12] (q)."""
    if j < 4:
        return q[j] & 63, q[j + 4] & 63
    return (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)


def pack_scale_min_k4(ls, lm):
    q = [0] * 12
    for j in range(8):
        if j < 4:
            q[j] = ls[j]
            q[j + 4] = lm[j]
        else:
            q[j + 4] = ((ls[j] & 0xF) | ((lm[j] & 0xF) << 4)) & 0xFF
            q[j - 4] = (q[j - 4] | ((ls[j] >> 4) << 6)) & 0xFF
            q[j] = (q[j] | ((lm[j] >> 4) << 6)) & 0xFF
    return q


def scale_q3(j, s):
    """The signed scale (6 bits, minus 32) of sub-block j of a Q3_K scales[12] (s)."""
    low = (s[j] & 0xF) if j < 8 else (s[j - 8] >> 4)
    return (low | (((s[8 + j % 4] >> (2 * (j // 4))) & 3) << 4)) - 32


def pack_scale_q3(j, l, s):
    if j < 8:
        s[j] = l & 0xF
    else:
        s[j - 8] = (s[j - 8] | ((l & 0xF) << 4)) & 0xFF
    s[j % 4 + 8] = (s[j % 4 + 8] | ((l >> 4) << (2 * (j // 4)))) & 0xFF


# ---------------------------------------------------------------------------------------
# The last pass: the quants from the stored scales. L (256 ints) holds the quants kept
# where a sub-block's scale is zero (the search's, or 0 for the prediction).

def _pack2(L, b, at):
    for j in range(0, QK, 128):
        for l in range(32):
            b[at + j // 4 + l] = (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4)
                                  | (L[j + l + 96] << 6)) & 0xFF


def round_k(type_id, x, b, L):
    L = list(L)
    if type_id == Q2_K:
        dall, mall = load_half(b, 80), load_half(b, 82)
        for j in range(16):
            d = f32(dall * float(b[j] & 0xF))
            if d == 0:
                continue
            m = f32(mall * float(b[j] >> 4))
            for i in range(16 * j, 16 * j + 16):
                L[i] = clamp(nearest_int(div(f32(x[i] + m), d)), 0, 3)
        _pack2(L, b, 16)
    elif type_id == Q3_K:
        dall = load_half(b, 108)
        for j in range(16):
            d = f32(dall * float(scale_q3(j, b[96:108])))
            if d == 0:
                continue
            for i in range(16 * j, 16 * j + 16):
                L[i] = clamp(nearest_int(div(x[i], d)), -4, 3) + 4
        b[0:32] = bytes(32)
        for j in range(QK):
            b[j % 32] = (b[j % 32] | ((L[j] >> 2) << (j // 32))) & 0xFF
            L[j] &= 3
        _pack2(L, b, 32)
    elif type_id in (Q4_K, Q5_K):
        nmax = 15 if type_id == Q4_K else 31
        dall, mall = load_half(b, 0), load_half(b, 2)
        for j in range(8):
            sc, m = scale_min_k4(j, b[4:16])
            d = f32(dall * float(sc))
            if d == 0:
                continue
            dm = f32(mall * float(m))
            for i in range(32 * j, 32 * j + 32):
                L[i] = clamp(nearest_int(div(f32(x[i] + dm), d)), 0, nmax)
        if type_id == Q4_K:
            for j in range(0, QK, 64):
                for l in range(32):
                    b[16 + j // 2 + l] = (L[j + l] | (L[j + l + 32] << 4)) & 0xFF
            return
        b[16:48] = bytes(32)
        for n in range(0, QK, 64):
            shift = n // 32
            for j in range(32):
                l1, l2 = L[n + j], L[n + j + 32]
                b[16 + j] = (b[16 + j] | ((l1 >> 4) << shift) | ((l2 >> 4) << (shift + 1))) & 0xFF
                b[48 + n // 2 + j] = ((l1 & 15) | ((l2 & 15) << 4)) & 0xFF
    elif type_id == Q6_K:
        dall = load_half(b, 208)
        for j in range(16):
            d = f32(dall * float(int8(b[192 + j])))
            if d == 0:
                continue
            for i in range(16 * j, 16 * j + 16):
                L[i] = clamp(nearest_int(div(x[i], d)), -32, 31) + 32
        for j in range(0, QK, 128):
            ql, qh = j // 2, 128 + j // 4
            for l in range(32):
                b[ql + l] = ((L[j + l] & 0xF) | ((L[j + l + 64] & 0xF) << 4)) & 0xFF
                b[ql + l + 32] = ((L[j + l + 32] & 0xF) | ((L[j + l + 96] & 0xF) << 4)) & 0xFF
                b[qh + l] = ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2)
                             | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6)) & 0xFF


# ---------------------------------------------------------------------------------------
# The searches: a block's scale fields, and the search's quants.

def _sum_squares(rnd, x):
    s = 0.0
    for v in x:
        s = madd(rnd, v, v, s)
    return s


def _importance_weights(rnd, qw, x, sigma2):
    return [f32(q * sqrt(madd(rnd, v, v, sigma2))) for q, v in zip(qw, x)]


def _sum(values):
    s = 0.0
    for v in values:
        s = f32(s + v)
    return s


def _largest(values):
    """The largest of values and 0.0, as ggml's loop finds it: a NaN never wins."""
    m = 0.0
    for v in values:
        m = v if v > m else m
    return m


def _weighted_sub_blocks(rnd, x, qw, size, sigma2):
    """The block x cut in sub-blocks of size weights, each with its importance weights
    (from the importance qw and sigma2), and each sub-block's sum of them: the weights
    of the search of the block's scales over the sub-blocks' (x, w) pairs."""
    subs = []
    for j in range(0, QK, size):
        xs = x[j:j + size]
        subs.append((xs, _importance_weights(rnd, qw[j:j + size], xs, sigma2)))
    return subs, [_sum(w) for _, w in subs]


def _search_q2k(rnd, x, qw, b):
    scales, mins, L = [], [], []
    if qw is None:
        for j in range(16):
            xs = x[16 * j:16 * j + 16]
            s, l, m = search_scale_min(rnd, 3, xs, [abs(v) for v in xs], -0.5, 0.1, 15, True)
            scales.append(s), mins.append(m), L.extend(l)
        max_scale, max_min = _largest(scales), _largest(mins)
        if max_scale > 0:
            inv = div(15.0, max_scale)
            for j in range(16):
                b[j] = round_product(rnd, inv, scales[j]) & 0xFF
            store_half(b, 80, div(max_scale, 15.0))
        else:
            b[0:16] = bytes(16)
            store_half(b, 80, 0.0)
        if max_min > 0:
            inv = div(15.0, max_min)
            for j in range(16):
                b[j] = (b[j] | ((round_product(rnd, inv, mins[j]) << 4) & 0xFF)) & 0xFF
            store_half(b, 82, div(max_min, 15.0))
        else:
            store_half(b, 82, 0.0)
        return L
    subs, sw = _weighted_sub_blocks(rnd, x, qw, 16, f32(_sum_squares(rnd, x) / QK))
    for xs, w in subs:
        s, l, m = search_scale_min(rnd, 3, xs, w, f32(-0.9), f32(0.05), 36, False)
        scales.append(s), mins.append(m), L.extend(l)
    dm, ls = search_positive(rnd, 15, scales, sw)
    mm, lm = search_positive(rnd, 15, mins, sw)
    store_half(b, 80, dm)
    store_half(b, 82, mm)
    for j in range(16):
        b[j] = (ls[j] | (lm[j] << 4)) & 0xFF
    return L


def _search_q3k(rnd, x, qw, b):
    s = [0] * 12
    scales, L = [], []
    if qw is None:
        for j in range(16):
            sc, l = search_symmetric_refined(rnd, 4, x[16 * j:16 * j + 16])
            scales.append(sc), L.extend(l)
        max_scale = amax = 0.0
        for sc in scales:
            if abs(sc) > amax:
                amax, max_scale = abs(sc), sc
        if max_scale != 0:
            inv = div(-32.0, max_scale)
            for j in range(16):
                pack_scale_q3(j, clamp(int8(round_product(rnd, inv, scales[j])), -32, 31) + 32, s)
            store_half(b, 108, div(1.0, inv))
        else:
            store_half(b, 108, 0.0)
        b[96:108] = bytes(s)
        return L
    subs, sw = _weighted_sub_blocks(rnd, x, qw, 16, f32(f32(2 * _sum_squares(rnd, x)) / QK))
    for xs, w in subs:
        sc, l = search_symmetric(rnd, 4, xs, w)
        scales.append(sc), L.extend(l)
    d_block, ls = search_symmetric(rnd, 32, scales, sw)
    for j in range(16):
        pack_scale_q3(j, ls[j], s)
    b[96:108] = bytes(s)
    store_half(b, 108, d_block)
    return L


def _search_q45k(rnd, nmax, x, qw, b):
    scales, mins, L = [], [], []
    if qw is None:
        for j in range(8):
            xs = x[32 * j:32 * j + 32]
            av_x = sqrt(f32(_sum_squares(rnd, xs) / 32))
            w = [f32(av_x + abs(v)) for v in xs]
            if nmax == 15:
                s, l, m = search_scale_min(rnd, 15, xs, w, -1.0, 0.1, 20, False)
            else:
                s, l, m = search_scale_min(rnd, 31, xs, w, -0.5, 0.1, 15, False)
            scales.append(s), mins.append(m), L.extend(l)
        max_scale, max_min = _largest(scales), _largest(mins)
        inv_scale = div(63.0, max_scale) if max_scale > 0 else 0.0
        inv_min = div(63.0, max_min) if max_min > 0 else 0.0
        ls = [min(round_product(rnd, inv_scale, s) & 0xFF, 63) for s in scales]
        lm = [min(round_product(rnd, inv_min, m) & 0xFF, 63) for m in mins]
        b[4:16] = bytes(pack_scale_min_k4(ls, lm))
        store_half(b, 0, div(max_scale, 63.0))
        store_half(b, 2, div(max_min, 63.0))
        return L
    subs, sw = _weighted_sub_blocks(rnd, x, qw, 32, f32(f32(2 * _sum_squares(rnd, x)) / QK))
    for xs, w in subs:
        s, l, m = search_scale_min(rnd, nmax, xs, w, f32(-0.9), f32(0.05), 36, False)
        scales.append(s), mins.append(m), L.extend(l)
    d_block, ls = search_positive(rnd, 63, scales, sw)
    m_block, lm = search_positive(rnd, 63, mins, sw)
    b[4:16] = bytes(pack_scale_min_k4(ls, lm))
    store_half(b, 0, d_block)
    store_half(b, 2, m_block)
    return L


def _search_q6k(rnd, x, qw, b):
    """None when the block is all zero (its bytes final), else the search's quants."""
    scales, L = [], []
    for j in range(16):
        sc, l = search_symmetric(rnd, 32, x[16 * j:16 * j + 16],
                                 None if qw is None else qw[16 * j:16 * j + 16])
        scales.append(sc), L.extend(l)
    max_scale = max_abs = 0.0
    for sc in scales:
        if abs(sc) > max_abs:
            max_abs, max_scale = abs(sc), sc
    if max_abs < GROUP_MAX_EPS:
        b[:] = bytes(210)
        return None
    inv = div(-128.0, max_scale)
    store_half(b, 208, div(1.0, inv))
    for j in range(16):
        b[192 + j] = min(round_product(rnd, inv, scales[j]), 127) & 0xFF
    return L


def quantize_block(rnd, type_id, x, qw=None):
    """The quantizer's block of the 256 values x (importance qw: 256 values or None)."""
    b = bytearray(BLOCK_BYTES[type_id])
    if type_id == Q2_K:
        L = _search_q2k(rnd, x, qw, b)
    elif type_id == Q3_K:
        L = _search_q3k(rnd, x, qw, b)
    elif type_id in (Q4_K, Q5_K):
        L = _search_q45k(rnd, 15 if type_id == Q4_K else 31, x, qw, b)
    else:
        L = _search_q6k(rnd, x, qw, b)
        if L is None:
            return b
    round_k(type_id, x, b, L)
    return b


def has_zero_scale(type_id, b):
    """Whether a sub-block's scale (d times its 4/6-bit scale) is zero: the quantizer
    keeps its search's quants there, the prediction 0."""
    if type_id in (Q4_K, Q5_K):
        return any(f32(load_half(b, 0) * float(scale_min_k4(j, b[4:16])[0])) == 0
                   for j in range(8))
    if type_id == Q2_K:
        return any(f32(load_half(b, 80) * float(b[j] & 0xF)) == 0 for j in range(16))
    if type_id == Q3_K:
        return any(f32(load_half(b, 108) * float(scale_q3(j, b[96:108]))) == 0 for j in range(16))
    return any(f32(load_half(b, 208) * float(int8(b[192 + j]))) == 0 for j in range(16))


def predict_block(type_id, x, b):
    """PredictQuantsNoSearch of one block: its quants from its stored scales, a
    zero-scale sub-block's quants 0."""
    round_k(type_id, x, b, [0] * QK)
