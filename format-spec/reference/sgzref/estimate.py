"""Transform 4's flag ESTIMATE (since 2.5): a predicted K-type block's scale fields stored
against an estimate made from the parent values (format-spec "Transform 4: predict",
"Estimated scales"). Each field is stored as zigzag((actual - estimate) mod 2^bits) in the
type's own packing (Q6_K: its int8 scale bytes as (actual - estimate) mod 256)."""

from .f32 import div, f32, load_half

ESTIMATE_TYPES = {10, 11, 12, 13, 14}  # Q2_K .. Q6_K


def round_clamp(q, lo, hi):
    """round(q), ties to even, clamped to [lo, hi]; 0 when q is NaN."""
    if q != q:
        return 0
    if q <= lo:
        return lo
    if q >= hi:
        return hi
    return round(q)  # Python rounds a float half to even


def value_range(x):
    """min(0, min x), max(0, max x); a NaN never counts."""
    lo = hi = 0.0
    for v in x:
        if v < lo:
            lo = v
        if v > hi:
            hi = v
    return lo, hi


def peak(x):
    """The first value of greatest magnitude (0.0 when all are 0 or NaN)."""
    a = m = 0.0
    for v in x:
        if abs(v) > a:
            a, m = abs(v), v
    return m


def actual(z, e, bits):
    """The field back from its stored zigzag code z and its estimate e."""
    m = 1 << bits
    r = z // 2 if z % 2 == 0 else (2 * m - 1 - z) // 2
    return (r + e) & (m - 1)


def unpack_q45(s):
    sc = [s[j] & 63 for j in range(4)] + [(s[j + 8] & 15) | (s[j] >> 6) << 4 for j in range(4)]
    mn = [s[j + 4] & 63 for j in range(4)] + [(s[j + 8] >> 4) | (s[j + 4] >> 6) << 4 for j in range(4)]
    return sc, mn


def pack_q45(sc, mn):
    return ([sc[j] | (sc[j + 4] >> 4) << 6 for j in range(4)] +
            [mn[j] | (mn[j + 4] >> 4) << 6 for j in range(4)] +
            [(sc[j + 4] & 15) | (mn[j + 4] & 15) << 4 for j in range(4)])


def undo_q2(x, block):
    d3, dmin = load_half(block, 80) * 3.0, load_half(block, 82)
    for j in range(16):
        lo, hi = value_range(x[16 * j:16 * j + 16])
        es = round_clamp(div(f32(hi - lo), d3), 0, 15)
        em = round_clamp(div(-lo, dmin), 0, 15)
        v = block[j]
        block[j] = actual(v & 15, es, 4) | actual(v >> 4, em, 4) << 4


def undo_q45(x, block, nmax):
    dn, dmin = load_half(block, 0) * nmax, load_half(block, 2)
    sc, mn = unpack_q45(block[4:16])
    for j in range(8):
        lo, hi = value_range(x[32 * j:32 * j + 32])
        sc[j] = actual(sc[j], round_clamp(div(f32(hi - lo), dn), 0, 63), 6)
        mn[j] = actual(mn[j], round_clamp(div(-lo, dmin), 0, 63), 6)
    block[4:16] = bytes(pack_q45(sc, mn))


def undo_q3(x, block):
    d4 = load_half(block, 108) * -4.0
    s = block[96:108]
    u = []
    for j in range(16):
        low = (s[j] & 15) if j < 8 else (s[j - 8] >> 4)
        z = low | ((s[8 + j % 4] >> (2 * (j // 4))) & 3) << 4
        u.append(actual(z, round_clamp(div(peak(x[16 * j:16 * j + 16]), d4), -32, 31) + 32, 6))
    out = [0] * 12
    for j in range(16):
        out[j % 8] |= (u[j] & 15) << (0 if j < 8 else 4)
        out[8 + j % 4] |= (u[j] >> 4) << (2 * (j // 4))
    block[96:108] = bytes(out)


def undo_q6(x, block):
    d32 = load_half(block, 208) * -32.0
    for j in range(16):
        e = round_clamp(div(peak(x[16 * j:16 * j + 16]), d32), -128, 127)
        block[192 + j] = (block[192 + j] + e) & 0xFF


def undo_estimate(type_id, x, block):
    """block (bytearray, the residual) gets its actual scale fields back."""
    if type_id == 10:
        undo_q2(x, block)
    elif type_id == 11:
        undo_q3(x, block)
    elif type_id in (12, 13):
        undo_q45(x, block, 15.0 if type_id == 12 else 31.0)
    else:
        undo_q6(x, block)
