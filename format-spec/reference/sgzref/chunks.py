"""The file header, chunks (a 24-byte fixed part, stream_count descriptors of 12 bytes,
the stored streams) and the codecs of their streams."""

import struct

import zstandard

from . import conventions
from .conventions import Cursor, Reject, require, xxh3
from .predict import PARAM_SIZES, PREDICTED_TYPES, decode_predicted
from . import ctxsplit, rans
from .transforms import CONTEXT, COPY, GGML_TYPES, PREDICT, REFERENCE, RESERVED_TYPES, join, stream_sizes

# ---------------------------------------------------------------------------------------
# File header: 16 bytes at offset 0.

HEADER_MAGIC = b"\x89SGZ\r\n\x1a\n"
HEADER_SIZE = 16


def read_header(data):
    c = Cursor(data, "header")
    require(c.take(8, "magic") == HEADER_MAGIC, "header: bad magic")
    major, minor = c.u16("major"), c.u16("minor")
    require(major in (1, 2), f"header: format major version {major} is not supported "
            f"(this reader reads 1 and 2)", "NotSupported")
    flags = c.u32("flags")
    require(flags == 0, f"header: reserved flags 0x{flags:08x} are not zero")
    return major, minor


# ---------------------------------------------------------------------------------------
# Chunks: a 24-byte fixed part, stream_count descriptors of 12 bytes, the stored streams.

CHUNK_TAG = b"SGZC"
CHUNK_HEADER_SIZE = 24
DESCRIPTOR_SIZE = 12
MAX_CHUNK_SIZE = 1 << 26
MAX_STREAMS_PER_CHUNK = 64


def check_chunk_fields(where, transform, type_id, original_size, stream_count, version):
    """The original_size / transform / type / stream_count rules of a chunk header,
    shared by chunk headers and chunk-table entries."""
    require(1 <= original_size <= MAX_CHUNK_SIZE,
            f"{where}: original_size {original_size} is not in [1, {MAX_CHUNK_SIZE}]")
    if transform == 0:
        require(type_id == 0, f"{where}: type {type_id} must be 0 for transform 0")
    elif transform == 1 or (transform == CONTEXT and conventions.READER_MINOR >= 4):
        # Transform 5 since 2.4, with transform 1's type rules.
        require(transform == 1 or (version.major == 2 and version.minor >= 4),
                f"{where}: transform 5 (context split) is defined since 2.4, the archive is "
                f"{version.major}.{version.minor}")
        require(type_id not in RESERVED_TYPES,
                f"{where}: type {type_id} is a removed ggml type")
        if type_id not in GGML_TYPES:
            version.unknown_id(where, "ggml type", type_id)
    elif transform == COPY:
        # Since 2.1; type_id is the index of the chunk copied (checked with the chunk table).
        require(version.major == 2 and version.minor >= 1,
                f"{where}: transform 2 (copy) is defined since 2.1, the archive is "
                f"{version.major}.{version.minor}")
    elif transform == REFERENCE:
        # Since 2.2; type_id is the index of the reference (checked with the chunk table).
        require(version.major == 2 and version.minor >= 2,
                f"{where}: transform 3 (reference) is defined since 2.2, the archive is "
                f"{version.major}.{version.minor}")
    elif transform == PREDICT and conventions.READER_MINOR >= 3:
        # Since 2.3; the parent's index is in the parameter stream (checked when read).
        require(version.major == 2 and version.minor >= 3,
                f"{where}: transform 4 (predict) is defined since 2.3, the archive is "
                f"{version.major}.{version.minor}")
        require(type_id in PREDICTED_TYPES, f"{where}: transform 4 (predict) of ggml type "
                f"{type_id}, which it does not predict", "NotSupported")
    else:
        version.unknown_id(where, "transform", transform)
    require(stream_count <= MAX_STREAMS_PER_CHUNK,
            f"{where}: stream_count {stream_count} exceeds {MAX_STREAMS_PER_CHUNK}")
    expected = len(stream_sizes(transform, type_id, original_size))
    require(stream_count == expected,
            f"{where}: stream_count {stream_count}, the transform gives {expected}")


def decode_chunk(data, index, entry, version, reference=None, entries=None, decoded=None):
    """data: the entry's stored_size bytes at its file_offset. Returns the decoded bytes,
    or None for a copy chunk, whose header is checked here and whose bytes are its target's.
    reference: for a referencing chunk (transform 3), the decoded bytes of chunk `type`.
    entries, decoded: for a predicted chunk (transform 4), the chunk table and a function
    giving the decoded bytes of chunk k (its parent and importance chunks)."""
    where = f"chunk {index}"
    c = Cursor(data, where)
    require(c.take(4, "tag") == CHUNK_TAG, f"{where}: bad chunk tag")
    transform, stream_count = c.u8("transform"), c.u8("stream_count")
    flags = c.u16("flags")
    require(flags == 0, f"{where}: reserved flags 0x{flags:04x} are not zero")
    type_id, original_size, checksum = c.u32("type"), c.u32("original_size"), c.u64("checksum")
    check_chunk_fields(where, transform, type_id, original_size, stream_count, version)
    header = (transform, type_id, original_size, checksum, stream_count)
    listed = (entry["transform"], entry["type"], entry["original_size"], entry["checksum"],
              entry["stream_count"])
    require(header == listed, f"{where}: header (transform, type, original_size, checksum, "
            f"stream_count) = {header} disagrees with its chunk-table entry {listed}")

    if transform == COPY:
        require(CHUNK_HEADER_SIZE == entry["stored_size"], f"{where}: a copy chunk is its 24-byte "
                f"header, the chunk-table entry says {entry['stored_size']} bytes")
        return None
    raw_sizes = stream_sizes(transform, type_id, original_size)
    descriptors = []
    for k in range(stream_count):
        codec = c.u8(f"stream {k} codec")
        reserved = c.take(3, f"stream {k} reserved")
        raw_size, stored_size = c.u32(f"stream {k} raw_size"), c.u32(f"stream {k} stored_size")
        if codec not in CODECS or (codec == RANS and conventions.READER_MINOR < 4):
            version.unknown_id(f"{where}: stream {k}", "codec", codec)
        require(codec != RANS or (version.major == 2 and version.minor >= 4),
                f"{where}: stream {k}: codec 2 (rans) is defined since 2.4, the archive is "
                f"{version.major}.{version.minor}")
        require(reserved == b"\0\0\0", f"{where}: stream {k}: reserved bytes are not zero")
        if transform == PREDICT and k == 0:  # the parameter stream: stored, 12 or 32 bytes
            require(codec == 0 and raw_size in PARAM_SIZES, f"{where}: stream 0: codec "
                    f"{codec}, raw_size {raw_size}: not a stored parameter stream of 12 or 32")
        else:
            require(raw_size == raw_sizes[k],
                    f"{where}: stream {k}: raw size {raw_size}, expected {raw_sizes[k]}")
        require(stored_size <= raw_size,
                f"{where}: stream {k}: stored_size {stored_size} exceeds raw_size {raw_size}")
        require(transform != REFERENCE or codec == 1,
                f"{where}: stream {k}: codec {codec} in a referencing chunk (zstd only)")
        descriptors.append((codec, raw_size, stored_size))
    total = CHUNK_HEADER_SIZE + DESCRIPTOR_SIZE * stream_count + sum(d[2] for d in descriptors)
    require(total == entry["stored_size"], f"{where}: header and streams are {total} bytes, "
            f"the chunk-table entry says {entry['stored_size']}")

    stored_streams = [c.take(d[2], f"stream {k}") for k, d in enumerate(descriptors)]
    if transform == CONTEXT:
        # Streams in order, each rans stream with the contexts its rule computes from the
        # streams before it (codecs 0 and 1 ignore them).
        def decode_context_stream(k, ctx, contexts):
            codec, raw_size, _ = descriptors[k]
            return decode_stream(f"{where}: stream {k}", codec, stored_streams[k], raw_size,
                                 ctx=ctx if codec == RANS else None, contexts=contexts)
        out = ctxsplit.decode_chunk(type_id, original_size, decode_context_stream)
        require(xxh3(out) == checksum,
                f"{where}: checksum mismatch of decoded bytes", "ChecksumMismatch")
        return out
    streams = bytearray()
    for k, (codec, raw_size, stored_size) in enumerate(descriptors):
        streams += decode_stream(f"{where}: stream {k}", codec, stored_streams[k], raw_size,
                                 reference if transform == REFERENCE else None)
    if transform == PREDICT:
        n_params = descriptors[0][1]
        out = decode_predicted(where, index, type_id, original_size, bytes(streams[:n_params]),
                               bytes(streams[n_params:]), entries, decoded)
    else:
        out = join(transform, type_id, bytes(streams))
    require(xxh3(out) == checksum,
            f"{where}: checksum mismatch of decoded bytes", "ChecksumMismatch")
    return out


# ---------------------------------------------------------------------------------------
# Codecs: 0 stored, 1 zstd (exactly one frame, strictly smaller than the raw stream).

CODECS = {0: "stored", 1: "zstd", 2: "rans"}
RANS = 2  # since 2.4: rans.py
ZSTD_SKIPPABLE_MAGICS = range(0x184D2A50, 0x184D2A60)


def decode_stream(where, codec, stored, raw_size, prefix=None, ctx=None, contexts=0):
    """prefix: for a referencing chunk, the bytes the frame is coded against (raw content).
    ctx, contexts: a rans stream's contexts under its transform-5 rule (None: one table)."""
    if codec == 0:
        require(len(stored) == raw_size,
                f"{where}: stored stream of {len(stored)} bytes, raw_size {raw_size}")
        return stored
    if codec == RANS:
        require(len(stored) < raw_size, f"{where}: rans stream of {len(stored)} bytes is not "
                f"smaller than its raw_size {raw_size}")
        try:
            return rans.decode(stored, raw_size, ctx, contexts if ctx is not None else 1)
        except Reject as e:
            raise Reject(e.kind, f"{where}: {e.args[0]}") from None
    require(len(stored) < raw_size, f"{where}: zstd stream of {len(stored)} bytes is not "
            f"smaller than its raw_size {raw_size}")
    require(len(stored) < 4 or struct.unpack_from("<I", stored)[0] not in ZSTD_SKIPPABLE_MAGICS,
            f"{where}: skippable zstd frame")
    try:
        # A declared content size bounds what the decoder allocates; without one,
        # max_output_size does. allow_extra_data=False refuses bytes after the first frame.
        declared = zstandard.get_frame_parameters(stored).content_size
        require(declared in (raw_size, zstandard.CONTENTSIZE_UNKNOWN),
                f"{where}: zstd frame declares {declared} bytes, raw_size is {raw_size}")
        if prefix is None:
            decompressor = zstandard.ZstdDecompressor()
        else:
            # Raw content whatever its first bytes; a frame naming a dictionary is refused.
            require(zstandard.get_frame_parameters(stored).dict_id == 0,
                    f"{where}: zstd frame names a dictionary")
            decompressor = zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(
                prefix, dict_type=zstandard.DICT_TYPE_RAWCONTENT))
        out = decompressor.decompress(stored, max_output_size=raw_size, allow_extra_data=False)
    except zstandard.ZstdError as e:
        raise Reject("Corruption", f"{where}: zstd: {e}") from None
    require(len(out) == raw_size,
            f"{where}: zstd frame decodes to {len(out)} bytes, raw_size is {raw_size}")
    return out

