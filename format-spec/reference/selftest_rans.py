#!/usr/bin/env python3
"""Self-test of codec 2 (rans) in sgzref/rans.py: decodes every sample stream the C++
encoder wrote (tests/rans_samples.cc, one file per case: u32 K, u32 n, u32 payload
size, the n bytes, the n context bytes when K > 1, the payload) and compares with the
bytes it coded; then checks that damaged samples are rejected (truncated, trailing
bytes, a context without a table, fewer contexts than tables).
usage: selftest_rans.py DIR. Exits 1 on the first failure."""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sgzref import rans  # noqa: E402
from sgzref.conventions import Reject  # noqa: E402


def load(path):
    raw = open(path, "rb").read()
    k, n, size = struct.unpack_from("<III", raw)
    pos = 12
    data = raw[pos:pos + n]
    pos += n
    ctx = None
    if k > 1:
        ctx = raw[pos:pos + n]
        pos += n
    payload = raw[pos:pos + size]
    assert pos + size == len(raw), path
    return k, data, ctx, payload


def rejected(payload, n, ctx, k):
    try:
        rans.decode(payload, n, ctx, k)
    except Reject as e:
        return e.kind == "Corruption"
    return False


def main():
    directory = sys.argv[1]
    names = sorted(os.listdir(directory))
    if not names:
        print("FAIL: no samples")
        return 1
    damaged = 0
    product = 0
    for name in names:
        k, data, ctx, payload = load(os.path.join(directory, name))
        got = rans.decode(payload, len(data), ctx, k)
        # The mode bit of table 0 is the first bit after the 2 header bytes.
        product += payload[2] & 1
        if got != data:
            print(f"FAIL {name}: decodes to other bytes")
            return 1
        # Damage: every truncation of small payloads, a few of the others.
        cuts = range(len(payload)) if len(payload) < 200 else range(0, len(payload), 97)
        for cut in cuts:
            if not rejected(payload[:cut], len(data), ctx, k):
                print(f"FAIL {name}: truncated to {cut} bytes, not rejected")
                return 1
        for extra in (b"\0\0", b"\1"):
            if not rejected(payload + extra, len(data), ctx, k):
                print(f"FAIL {name}: {len(extra)} trailing bytes not rejected")
                return 1
        if k > 1 and payload[0] > 1:
            bad = bytearray(ctx)
            bad[-1] = payload[0]
            if not rejected(payload, len(data), bytes(bad), k):
                print(f"FAIL {name}: a context without a table not rejected")
                return 1
            if not rejected(payload, len(data), ctx, payload[0] - 1):
                print(f"FAIL {name}: more tables than contexts not rejected")
                return 1
        damaged += 1
    if product == 0:
        print("FAIL: no sample has a table in the product mode")
        return 1
    print(f"selftest_rans: {len(names)} samples decode ({product} with table 0 in the product mode), "
          f"damaged versions of each of {damaged} rejected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
