"""Float32 arithmetic, exactly as format-spec/quantizers.md ("Arithmetic") defines it,
emulated with Python's doubles: +, -, *, / and sqrt of float32 operands computed in double
and rounded once to float32 give the float32 result (double has more than twice float32's
precision), and a fused multiply-add is computed exactly (the product is exact in double,
the sum's rounding error is recovered by TwoSum) and rounded once.

Every value a quantizer handles is a Python float holding a float32 value."""

import math
import struct

_F = struct.Struct("<f")
_U32 = struct.Struct("<I")
_U16 = struct.Struct("<H")
INF = math.inf
NAN = math.nan
FLT_MAX = _F.unpack(b"\xff\xff\x7f\x7f")[0]
_OVERFLOW_TIE = 2.0 ** 128 - 2.0 ** 103  # halfway between FLT_MAX and 2^128

PLAIN, FMA, FMA_NO_ASSERT = 0, 1, 2  # the roundings (parameter byte `rounding`)


def f32(x):
    """x (a double) rounded to float32, to nearest, ties to even; beyond range: infinity."""
    try:
        return _F.unpack(_F.pack(x))[0]
    except OverflowError:
        return math.copysign(INF, x)


def bits(x):
    """The float32 bit pattern of the float32 value x."""
    return _U32.unpack(_F.pack(x))[0]


def from_bits(u):
    return _F.unpack(_U32.pack(u & 0xFFFFFFFF))[0]


def div(a, b):
    """a / b in float32, IEEE (x/0 is an infinity, 0/0 NaN)."""
    if b == 0:
        if a != a or a == 0:
            return NAN
        return math.copysign(INF, math.copysign(1.0, a) * math.copysign(1.0, b))
    return f32(a / b)


def sqrt(a):
    return NAN if a < 0 else f32(math.sqrt(a))


def _neighbour(r, toward):
    """The float32 next to r (finite) in the direction of the double `toward`."""
    if r == 0:
        return math.copysign(from_bits(1), toward)
    u = bits(r)
    return from_bits(u + 1 if (toward > r) == (r > 0) else u - 1)


def fma(a, b, c):
    """a * b + c rounded once to float32."""
    p = a * b  # exact: two 24-bit significands
    s = p + c
    if not math.isfinite(s):
        return f32(s)
    t = s - p
    e = (p - (s - t)) + (c - t)  # TwoSum: p + c == s + e exactly
    r = f32(s)
    if e == 0 or r == s:
        return r
    if math.isinf(r):  # s at or beyond the overflow threshold
        if abs(s) == _OVERFLOW_TIE and (e < 0) == (s > 0):
            return math.copysign(FLT_MAX, s)
        return r
    r2 = _neighbour(r, s)
    if s - r != r2 - s:
        return r  # not a tie: s and s + e round alike
    return r2 if (e > 0) == (r2 > r) else r


def madd(rnd, a, b, c):
    """ggml's `a*b + c` at a site a contracting compiler fuses: fused unless plain."""
    if rnd == PLAIN:
        return f32(f32(a * b) + c)
    return fma(a, b, c)


MAGIC = 12582912.0  # 1.5 * 2^23


def magic_int(f):
    """The low 23 bits of the float32 f, minus 2^22; 0 for a NaN, whatever its payload."""
    if f != f:
        return 0
    return (bits(f) & 0x7FFFFF) - 0x400000


def nearest_int(v):
    """ggml's nearest_int: magic_int(v + 1.5*2^23)."""
    return magic_int(f32(v + MAGIC))


def round_product(rnd, a, b):
    """nearest_int(a * b): the product fused into the magic addition only by FMA_NO_ASSERT."""
    if rnd == FMA_NO_ASSERT:
        return magic_int(fma(a, b, MAGIC))
    return magic_int(f32(f32(a * b) + MAGIC))


def trunc_to_int(v):
    """C's (int)v for |v| < 2^31; NaN gives 0, beyond the range the nearer limit."""
    if v != v:
        return 0
    if v >= 2147483648.0:
        return 2147483647
    if v <= -2147483648.0:
        return -2147483648
    return int(v)


def round_away(v):
    """C's roundf: to nearest, halves away from zero (v float32, result float32)."""
    if not math.isfinite(v) or abs(v) >= 8388608.0:
        return v
    r = math.floor(abs(v) + 0.5)  # |v| + 0.5 is exact in double here
    return math.copysign(float(r), v)


def clamp(v, lo, hi):
    return lo if v < lo else (hi if v > hi else v)


def int8(v):
    """An int wrapped to a signed byte (C's conversion to int8_t, two's complement)."""
    v &= 0xFF
    return v - 256 if v >= 128 else v


# ---------------------------------------------------------------------------------------
# Half and bfloat16.

def half_to_float(h):
    sign = (h & 0x8000) << 16
    exp = (h >> 10) & 0x1F
    mant = h & 0x3FF
    if exp == 0x1F:
        u = sign | 0x7F800000 | (mant << 13)
    elif exp != 0:
        u = sign | ((exp + 112) << 23) | (mant << 13)
    elif mant == 0:
        u = sign
    else:  # subnormal half: exactly mant * 2^-24
        return math.copysign(mant * 2.0 ** -24, -1.0 if sign else 1.0)
    return from_bits(u)


def float_to_half(f):
    """To nearest, ties to even; NaN 0x7e00 (with the sign), overflow infinity."""
    x = bits(f)
    sign = (x >> 16) & 0x8000
    x &= 0x7FFFFFFF
    if x >= 0x7F800000:
        return sign | (0x7E00 if x > 0x7F800000 else 0x7C00)
    if x >= 0x477FF000:
        return sign | 0x7C00
    if x < 0x38800000:
        e = x >> 23
        if e < 102:
            return sign
        m = (x & 0x7FFFFF) | 0x800000
        shift = 126 - e
        q, rem, half = m >> shift, m & ((1 << shift) - 1), 1 << (shift - 1)
    else:
        rebased = x - (112 << 23)
        q, rem, half = rebased >> 13, rebased & 0x1FFF, 0x1000
    if rem > half or (rem == half and (q & 1)):
        q += 1
    return sign | q


def bf16_to_float(b):
    return from_bits(b << 16)


def load_half(block, off):
    return half_to_float(block[off] | (block[off + 1] << 8))


def store_half(block, off, f):
    h = float_to_half(f)
    block[off] = h & 0xFF
    block[off + 1] = h >> 8


def widen(parent_type, data):
    """Little-endian F32 (0), F16 (1) or BF16 (30) values to float32 values, exactly."""
    if parent_type == 0:
        return list(struct.unpack(f"<{len(data) // 4}f", data))
    hs = struct.unpack(f"<{len(data) // 2}H", data)
    if parent_type == 1:
        return [half_to_float(h) for h in hs]
    return [from_bits(h << 16) for h in hs]
