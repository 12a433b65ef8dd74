"""Transform 4's flag ESTIMATE (since 2.5): a predicted block's scale fields stored as
their difference from an estimate made from the parent values (format-spec "Transform 4:
predict", "Estimated scales"). Q6_K only."""

from .f32 import div, load_half

ESTIMATE_TYPES = {14}  # Q6_K
Q6_SCALES, Q6_D = 192, 208


def estimate_q6(x, d):
    """The int8 estimate of the scale of the 16 weights x: round(m / (d * -32)), ties to
    even, clamped to [-128, 127], 0 when NaN; m the first weight of greatest magnitude."""
    a = m = 0.0
    for v in x:
        if abs(v) > a:  # a NaN is never greater
            a, m = abs(v), v
    q = div(m, d * -32.0)  # d * -32 is exact: d is a half
    if q != q:
        return 0
    if q >= 127.0:
        return 127
    if q <= -128.0:
        return -128
    return round(q)  # Python rounds a float half to even


def undo_estimate(type_id, x, block):
    """block (bytearray, the residual) gets its actual scale fields: residual + estimate,
    bytewise modulo 256."""
    d = load_half(block, Q6_D)
    for j in range(16):
        e = estimate_q6(x[16 * j:16 * j + 16], d)
        block[Q6_SCALES + j] = (block[Q6_SCALES + j] + e) & 0xFF
