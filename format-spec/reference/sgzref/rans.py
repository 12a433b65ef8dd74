"""Codec 2, rans (format 2.4), from the spec's section "Codec 2: rans": static order-0
rANS over bytes with C frequency tables, 64 interleaved 32-bit lanes, 16-bit
renormalization words. Plain Python for correctness, not speed.

decode(payload, raw_size, ctx=None, contexts=1) -> bytes, or Reject("Corruption").
The caller applies the codec table's rule (stored_size < raw_size) and supplies ctx,
the stream's context array (raw_size bytes), and contexts, its context count K."""

from .conventions import Reject, require

LANES = 64
LOW = 1 << 16
MAX_CONTEXTS = 64
RICE_ESCAPE = 16


class _Bits:
    """The table code's bit stream: bytes in order, least significant bit first."""

    def __init__(self, data, pos):
        self.data, self.byte, self.bit = data, pos, 0

    def get(self, n, where):
        value = 0
        for j in range(n):
            require(self.byte < len(self.data), f"rans: {where} is truncated")
            value |= ((self.data[self.byte] >> self.bit) & 1) << j
            self.bit += 1
            if self.bit == 8:
                self.byte, self.bit = self.byte + 1, 0
        return value

    def end(self):
        """Checks the padding bits are zero; returns the index of the next byte."""
        if self.bit:
            require(self.data[self.byte] >> self.bit == 0, "rans: table padding bits are not zero")
            return self.byte + 1
        return self.byte


def _floor_log2(v):
    return v.bit_length() - 1 if v > 0 else 0


def read_table(bits, t, precision):
    """Table t: its mode bit, then 256 frequencies summing to M = 2^precision."""
    m = 1 << precision
    product = bits.get(1, f"table {t}")
    freq, total = [], 0
    for s in range(256):
        if product and s >= 17 and freq[s - 17] > 0:
            p = (freq[s - 1] * freq[s - 16] + freq[s - 17] // 2) // freq[s - 17]
            k, residual = _floor_log2(p >> 3), True
        else:
            a = freq[s - 1] if s >= 1 else 0
            b = freq[s - 2] if s >= 2 else 0
            p, k, residual = 0, _floor_log2((a + b + 1) >> 1), False
        q = 0
        while q < RICE_ESCAPE and bits.get(1, f"table {t}"):
            q += 1
        if q == RICE_ESCAPE:
            f = bits.get(precision + 1, f"table {t}")
        else:
            v = (q << k) | bits.get(k, f"table {t}")
            f = v if not residual else p + (v >> 1 if v % 2 == 0 else -((v + 1) >> 1))
        require(f >= 0, f"rans: table {t}: negative frequency at symbol {s}")
        require(total + f <= m, f"rans: table {t} sums past {m} at symbol {s}")
        freq.append(f)
        total += f
    require(total == m, f"rans: table {t} sums to {total}, not {m}")
    return freq


def decode(payload, raw_size, ctx=None, contexts=1):
    data = bytes(payload)
    if ctx is None:
        contexts = 1
    require(len(data) >= 2, f"rans: payload of {len(data)} bytes has no header")
    c, precision = data[0], data[1]
    require(1 <= c <= MAX_CONTEXTS, f"rans: table count {c} out of range")
    require(c <= contexts, f"rans: table count {c} exceeds the stream's {contexts} contexts")
    require(8 <= precision <= 12, f"rans: precision {precision} out of range")
    m = 1 << precision
    bits = _Bits(data, 2)
    tables = [read_table(bits, t, precision) for t in range(c)]
    pos = bits.end()

    lanes = min(raw_size, LANES)
    require(len(data) - pos >= 4 * lanes, "rans: states are truncated")
    x = [LOW] * LANES
    for j in range(lanes):
        x[j] = int.from_bytes(data[pos + 4 * j:pos + 4 * j + 4], "little")
        require(x[j] >= LOW, f"rans: initial state {j} below 2^16")
    pos += 4 * lanes
    require((len(data) - pos) % 2 == 0, "rans: odd number of word bytes")
    words = [int.from_bytes(data[i:i + 2], "little") for i in range(pos, len(data), 2)]

    if ctx is None:
        ctx = bytes(raw_size)
    require(len(ctx) == raw_size, "rans: context array of the wrong length")
    require(all(v < c for v in ctx), f"rans: a context has no table ({c} tables)")

    # Per table: the cumulative frequencies, and the symbol of each slot.
    cums, slots = [], []
    for freq in tables:
        cum, at, owner = [], 0, []
        for s, f in enumerate(freq):
            cum.append(at)
            owner.extend([s] * f)
            at += f
        cums.append(cum)
        slots.append(owner)

    out = bytearray(raw_size)
    w = 0
    for i in range(raw_size):
        j, t = i % LANES, ctx[i]
        y = x[j]
        slot = y % m
        s = slots[t][slot]
        out[i] = s
        y = tables[t][s] * (y // m) + slot - cums[t][s]
        if y < LOW:
            require(w < len(words), f"rans: words end at byte {i} of {raw_size}")
            y = (y << 16) | words[w]
            w += 1
        x[j] = y
    require(w == len(words), f"rans: {len(words) - w} words left after the last byte")
    require(all(v == LOW for v in x), "rans: a final state is not 2^16")
    return bytes(out)


__all__ = ["decode", "Reject"]
