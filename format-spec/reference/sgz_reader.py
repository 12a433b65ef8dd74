#!/usr/bin/env python3
"""Reference reader for the sgz archive format, written from format-spec/sgz-format.md
alone (not from the C++ code), to show that the document is enough to read an archive.

    python3 sgz_reader.py ARCHIVE -o OUT           restore the archive's only file
    python3 sgz_reader.py ARCHIVE MEMBER -o OUT    restore the file named MEMBER
    python3 sgz_reader.py ARCHIVE --list           print each file's name, size, kind, mode, mtime
    python3 sgz_reader.py ARCHIVE [MEMBER...] -C DIR   restore every file (or those named) under DIR

The code follows the spec's order: conventions, header, chunks, codecs, transforms (with
the GGML type table as data), manifest 2.2, footer, opening, appendix (manifest 1.0).
It is meant to be read, not to be fast: whole chunks in memory, no streaming, no threads.
Every checksum is verified; OUT is written (through a temporary file renamed into place)
only when everything verified, with the recorded file attributes (2.1: the rwx bits of the
mode, the modification time) when the archive has them. Errors: one line `sgz_reader: ...` on stderr, exit
status 1 for a corrupt, damaged or unsupported archive (or an I/O error), 2 for usage.
Needs Debian's python3-zstandard and python3-xxhash.
"""

import os
import struct
import sys
import tempfile

import xxhash
import zstandard

READER_MINOR = 2  # this reader implements format 2.2 (and reads 2.1, 2.0 and 1.0)

# ---------------------------------------------------------------------------------------
# Conventions: little-endian unsigned integers; a rejected structure is never used.


class Reject(Exception):
    """The archive breaks a rule. kind is the spec's error class."""

    def __init__(self, kind, message):
        super().__init__(f"{message} ({kind})")
        self.kind = kind


def require(condition, message, kind="Corruption"):
    if not condition:
        raise Reject(kind, message)


def xxh3(data):
    return xxhash.xxh3_64_intdigest(data)


class Cursor:
    """Reads fields in order from a bytes object, never past its end."""

    def __init__(self, data, what):
        self.data, self.pos, self.what = data, 0, what

    def left(self):
        return len(self.data) - self.pos

    def take(self, n, field):
        require(n <= self.left(),
                f"{self.what}: {field} needs {n} bytes, only {self.left()} remain")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def uint(self, size, field):
        return int.from_bytes(self.take(size, field), "little")

    def u8(self, field): return self.uint(1, field)
    def u16(self, field): return self.uint(2, field)
    def u32(self, field): return self.uint(4, field)
    def u64(self, field): return self.uint(8, field)

    def string(self, limit, field):
        n = self.u16(field + "_len")
        require(n <= limit, f"{self.what}: {field}_len {n} exceeds {limit}")
        return self.take(n, field)

    def sub(self, n, field, what):
        """The next n bytes as their own cursor (an entry of n bytes)."""
        return Cursor(self.take(n, field), what)

    def finish(self):
        require(self.left() == 0, f"{self.what}: {self.left()} trailing bytes")


class Version:
    """The archive's major.minor (header and footer agree)."""

    def __init__(self, major, minor):
        self.major, self.minor = major, minor

    def unknown_id(self, where, what, value):
        """Rule for unknown ids: an id from a later minor of format 2 is NotSupported."""
        if self.major == 2 and self.minor > READER_MINOR:
            raise Reject("NotSupported",
                         f"{where}: {what} {value} is not known to this reader (format "
                         f"2.{READER_MINOR}); the archive is format 2.{self.minor}: it "
                         f"needs a newer reader")
        raise Reject("Corruption", f"{where}: unknown {what} {value}")


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
    elif transform == 1:
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
    else:
        version.unknown_id(where, "transform", transform)
    require(stream_count <= MAX_STREAMS_PER_CHUNK,
            f"{where}: stream_count {stream_count} exceeds {MAX_STREAMS_PER_CHUNK}")
    expected = len(stream_sizes(transform, type_id, original_size))
    require(stream_count == expected,
            f"{where}: stream_count {stream_count}, the transform gives {expected}")


COPY = 2  # the transform "copy": no streams, the bytes of chunk `type`
REFERENCE = 3  # one zstd stream coded against the decoded bytes of chunk `type`


def decode_chunk(data, index, entry, version, reference=None):
    """data: the entry's stored_size bytes at its file_offset. Returns the decoded bytes,
    or None for a copy chunk, whose header is checked here and whose bytes are its target's.
    reference: for a referencing chunk (transform 3), the decoded bytes of chunk `type`."""
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
        if codec not in CODECS:
            version.unknown_id(f"{where}: stream {k}", "codec", codec)
        require(reserved == b"\0\0\0", f"{where}: stream {k}: reserved bytes are not zero")
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

    streams = bytearray()
    for k, (codec, raw_size, stored_size) in enumerate(descriptors):
        stored = c.take(stored_size, f"stream {k}")
        streams += decode_stream(f"{where}: stream {k}", codec, stored, raw_size,
                                 reference if transform == REFERENCE else None)
    decoded = join(transform, type_id, bytes(streams))
    require(xxh3(decoded) == checksum,
            f"{where}: checksum mismatch of decoded bytes", "ChecksumMismatch")
    return decoded


# ---------------------------------------------------------------------------------------
# Codecs: 0 stored, 1 zstd (exactly one frame, strictly smaller than the raw stream).

CODECS = {0: "stored", 1: "zstd"}
ZSTD_SKIPPABLE_MAGICS = range(0x184D2A50, 0x184D2A60)


def decode_stream(where, codec, stored, raw_size, prefix=None):
    """prefix: for a referencing chunk, the bytes the frame is coded against (raw content)."""
    if codec == 0:
        require(len(stored) == raw_size,
                f"{where}: stored stream of {len(stored)} bytes, raw_size {raw_size}")
        return stored
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


# ---------------------------------------------------------------------------------------
# Transforms: 0 none (one stream), 1 ggml split (fields of the type table, then the tail).

PLAIN, GROUPED, PLANES = "P", "G", "B"

# The GGML type table, copied row by row from the spec:
# id: (name, block_bytes, [(field, bytes, layout), ...] in block order, streams with tail).
GGML_TYPES = {
    0: ("F32", 4, [("value", 4, PLANES)], 5),
    1: ("F16", 2, [("value", 2, PLANES)], 3),
    2: ("Q4_0", 18, [("d", 2, PLANES), ("qs", 16, PLAIN)], 4),
    3: ("Q4_1", 20, [("dm", 4, PLANES), ("qs", 16, PLAIN)], 6),
    6: ("Q5_0", 22, [("d", 2, PLANES), ("qh", 4, PLAIN), ("qs", 16, PLAIN)], 5),
    7: ("Q5_1", 24, [("dm", 4, PLANES), ("qh", 4, PLAIN), ("qs", 16, PLAIN)], 7),
    8: ("Q8_0", 34, [("d", 2, PLANES), ("qs", 32, PLAIN)], 4),
    9: ("Q8_1", 36, [("ds", 4, PLANES), ("qs", 32, PLAIN)], 6),
    10: ("Q2_K", 84, [("scales", 16, GROUPED), ("qs", 64, PLAIN), ("dm", 4, PLANES)], 7),
    11: ("Q3_K", 110, [("hmask", 32, PLAIN), ("qs", 64, PLAIN), ("scales", 12, PLANES),
                       ("d", 2, PLANES)], 17),
    12: ("Q4_K", 144, [("header", 16, PLANES), ("qs", 128, PLAIN)], 18),
    13: ("Q5_K", 176, [("header", 16, PLANES), ("qh", 32, PLAIN), ("qs", 128, PLAIN)], 19),
    14: ("Q6_K", 210, [("ql", 128, PLAIN), ("qh", 64, PLAIN), ("scales", 16, GROUPED),
                       ("d", 2, PLANES)], 6),
    15: ("Q8_K", 292, [("d", 4, PLANES), ("qs", 256, PLAIN), ("bsums", 32, GROUPED)], 7),
    16: ("IQ2_XXS", 66, [("d", 2, PLANES), ("qs", 64, PLAIN)], 4),
    17: ("IQ2_XS", 74, [("d", 2, PLANES), ("qs", 64, PLAIN), ("scales", 8, GROUPED)], 5),
    18: ("IQ3_XXS", 98, [("d", 2, PLANES), ("qs", 96, PLAIN)], 4),
    19: ("IQ1_S", 50, [("d", 2, PLANES), ("qs", 32, PLAIN), ("qh", 16, PLAIN)], 5),
    20: ("IQ4_NL", 18, [("d", 2, PLANES), ("qs", 16, PLAIN)], 4),
    21: ("IQ3_S", 110, [("d", 2, PLANES), ("qs", 64, PLAIN), ("qh", 8, PLAIN),
                        ("signs", 32, PLAIN), ("scales", 4, GROUPED)], 7),
    22: ("IQ2_S", 82, [("d", 2, PLANES), ("qs", 64, PLAIN), ("qh", 8, PLAIN),
                       ("scales", 8, GROUPED)], 6),
    23: ("IQ4_XS", 136, [("d", 2, PLANES), ("scales_h", 2, GROUPED), ("scales_l", 4, GROUPED),
                         ("qs", 128, PLAIN)], 6),
    24: ("I8", 1, [("value", 1, PLAIN)], 2),
    25: ("I16", 2, [("value", 2, PLANES)], 3),
    26: ("I32", 4, [("value", 4, PLANES)], 5),
    27: ("I64", 8, [("value", 8, PLANES)], 9),
    28: ("F64", 8, [("value", 8, PLANES)], 9),
    29: ("IQ1_M", 56, [("qs", 32, PLAIN), ("qh", 16, PLAIN), ("scales", 8, GROUPED)], 4),
    30: ("BF16", 2, [("value", 2, PLANES)], 3),
    34: ("TQ1_0", 54, [("qs", 48, PLAIN), ("qh", 4, PLAIN), ("d", 2, PLANES)], 5),
    35: ("TQ2_0", 66, [("qs", 64, PLAIN), ("d", 2, PLANES)], 4),
    39: ("MXFP4", 17, [("e", 1, PLAIN), ("qs", 16, PLAIN)], 3),
}
# Removed by ggml, never reused: always rejected, whatever the archive's minor version.
RESERVED_TYPES = {4, 5, 31, 32, 33, 36, 37, 38}


def stream_sizes(transform, type_id, length):
    """The raw size of each stream the transform makes of `length` bytes."""
    if transform in (0, REFERENCE):
        return [length]
    if transform == COPY:
        return []
    _, block_bytes, fields, _ = GGML_TYPES[type_id]
    n = length // block_bytes
    sizes = []
    for _, nbytes, layout in fields:
        sizes += [n] * nbytes if layout == PLANES else [n * nbytes]
    return sizes + [length - n * block_bytes]


def join(transform, type_id, streams):
    """Inverse of the split: `streams` (the concatenated streams) back to the chunk."""
    if transform in (0, REFERENCE):
        return streams
    _, block_bytes, fields, _ = GGML_TYPES[type_id]
    n = len(streams) // block_bytes
    out = bytearray(len(streams))
    pos = field_off = 0
    for _, nbytes, layout in fields:
        for j in range(nbytes):
            # out[field_off + j :: block_bytes] is byte j of the field in every block.
            if layout == PLAIN:
                column = streams[pos + j:pos + n * nbytes:nbytes]
            else:  # GROUPED and PLANES: byte j of every block is one run of n bytes
                column = streams[pos + j * n:pos + (j + 1) * n]
            out[field_off + j:n * block_bytes:block_bytes] = column
        pos += n * nbytes
        field_off += nbytes
    out[n * block_bytes:] = streams[pos:]  # the tail stream
    return bytes(out)


for _id, (_name, _block, _fields, _streams) in GGML_TYPES.items():  # transcription check
    assert sum(f[1] for f in _fields) == _block, _name
    assert len(stream_sizes(1, _id, 0)) == _streams, _name


# ---------------------------------------------------------------------------------------
# Manifest (format 2): frame, sections CHNK and FILE, and (2.1) MEMB for several files and
# ZSEC holding others compressed.

MANIFEST_TAG = b"SGZM"
MAX_FILES = 1 << 16
MAX_NAME_BYTES = 4096
MAX_NOTE_BYTES = 4096
MAX_TENSOR_NAME = 63
MAX_DIMS = 4
MAX_GGUF_COUNT = 1 << 24
KINDS = {0: "opaque", 1: "gguf"}


def read_manifest_frame(frame):
    c = Cursor(frame, "manifest")
    require(c.take(4, "tag") == MANIFEST_TAG, "manifest: bad tag")
    flags = c.u32("flags")
    require(flags == 0, f"manifest: reserved flags 0x{flags:08x} are not zero")
    body_size = c.u64("body_size")
    require(body_size == len(frame) - 16,
            f"manifest: body_size {body_size}, the frame holds {len(frame) - 16}")
    return Cursor(frame[16:], "manifest body")


MAX_MANIFEST_SIZE = 1 << 30
ZSEC_MAX_WINDOW = 1 << 23


def decode_compressed_sections(c):
    """Section ZSEC (2.1): decoded_size, then one zstd frame of exactly that many bytes."""
    require(c.left() >= 8, "manifest section 'ZSEC': shorter than its 8-byte decoded_size")
    decoded_size = c.u64("decoded_size")
    require(decoded_size <= MAX_MANIFEST_SIZE, f"manifest section 'ZSEC': decoded_size "
            f"{decoded_size} exceeds 2^30", "ResourceExhausted")
    frame = c.take(c.left(), "frame")
    where = "manifest section 'ZSEC'"
    try:
        window = zstandard.get_frame_parameters(frame).window_size
    except zstandard.ZstdError as e:
        raise Reject("Corruption", f"{where}: zstd: {e}") from None
    require(window <= ZSEC_MAX_WINDOW, f"{where}: zstd window of {window} bytes exceeds 2^23")
    # The rules of a zstd stream with decoded_size as raw_size. decode_stream bounds
    # what it allocates by the declared content size or max_output_size, both checked
    # against decoded_size; a reader meant to be fast would grow its buffer instead.
    return decode_stream(where, 1, frame, decoded_size)


def decode_manifest_v2(frame, manifest_offset, version):
    body = read_manifest_frame(frame)
    state = {"known": {b"CHNK": None, b"FILE": None, b"MEMB": None, b"ZSEC": None},
             "chunks": None, "files": None, "members": None}
    walk_sections(body, state, manifest_offset, version, nested=False)
    require(state["chunks"] is not None, "manifest: section 'CHNK' is missing")
    require(state["files"] is not None, "manifest: section 'FILE' is missing")
    files, members = state["files"], state["members"]
    # Without MEMB a reader that does not know members would show only the first.
    require(len(files) <= 1 or members is not None,
            f"manifest: section 'MEMB' is missing in an archive of {len(files)} file entries")
    require(members is None or members == len(files), f"manifest section 'MEMB': "
            f"member_count {members}, the file table has {len(files)} file entries")
    return state["chunks"], files


def read_members(c):
    """Section MEMB (2.1): member_count, then per member a u32 entry_size and its bytes
    (fields of a later minor version: 2.1 defines none). Returns member_count."""
    count = c.u32("member_count")
    require(count * 4 <= c.left(), f"{c.what}: member_count {count} entries cannot fit in "
            f"{c.left()} bytes")
    for i in range(count):
        c.sub(c.u32(f"member entry {i} entry_size"), f"member entry {i}", f"member entry {i}")
    return count


def walk_sections(body, state, manifest_offset, version, nested):
    """The sections of body (the manifest body, or ZSEC's decoded bytes when nested)."""
    known = state["known"]
    while body.left() > 0:
        tag = body.take(4, "section tag")
        name = tag.decode("ascii", "backslashreplace")
        flags, since_minor = body.u16("section flags"), body.u16("section since_minor")
        size = body.u64("section size")
        require(flags & ~1 == 0, f"manifest section '{name}': reserved flags 0x{flags:04x}")
        required = flags & 1
        require(size <= body.left(), f"manifest section '{name}': size {size} exceeds the "
                f"{body.left()} bytes left in the body")
        content = body.sub(size, "section", f"manifest section '{name}'")
        if tag not in known:
            if not required:
                continue  # optional section of a later minor version: skip it
            require(since_minor > READER_MINOR, f"manifest section '{name}' is required and "
                    f"unknown, yet claims format 2.{since_minor}, which this reader reads")
            raise Reject("NotSupported", f"manifest section '{name}' needs a reader of format "
                         f"2.{since_minor} or later; this reader reads 2.{READER_MINOR}")
        require(not (nested and tag == b"ZSEC"), "manifest: section 'ZSEC' inside 'ZSEC'")
        require(known[tag] is None, f"manifest section '{name}' appears twice")
        # A known tag's `required` and `since_minor` are not checked (the spec says so),
        # nor the archive's minor for ZSEC.
        known[tag] = True
        if tag == b"CHNK":
            state["chunks"] = read_chunk_table(content, manifest_offset, version)
        elif tag == b"FILE":
            require(state["chunks"] is not None, "manifest: section 'FILE' precedes 'CHNK'")
            state["files"] = read_file_table(content, state["chunks"], version)
        elif tag == b"MEMB":
            state["members"] = read_members(content)
        else:
            decoded = decode_compressed_sections(content)
            walk_sections(Cursor(decoded, "manifest section 'ZSEC' content"), state,
                          manifest_offset, version, nested=True)
        content.finish()


CHUNK_ENTRY_SIZE = 32


def read_chunk_table(c, manifest_offset, version):
    count, entry_size = c.u32("chunk_count"), c.u16("entry_size")
    require(c.u16("reserved") == 0, f"{c.what}: reserved field is not zero")
    require(entry_size >= CHUNK_ENTRY_SIZE, f"{c.what}: entry_size {entry_size} is below 32")
    require(count * entry_size == c.left(), f"{c.what}: {count} entries of {entry_size} bytes "
            f"do not fill the {c.left()} bytes after the table header")
    return read_chunk_entries(c, count, entry_size, manifest_offset, version)


def read_chunk_entries(c, count, entry_size, manifest_offset, version):
    entries, previous_end = [], HEADER_SIZE
    for i in range(count):
        where = f"chunk entry {i}"
        e = c.sub(entry_size, "chunk entry", where)  # bytes past the first 32 are ignored
        entry = {"file_offset": e.u64("file_offset"), "stored_size": e.u32("stored_size"),
                 "original_size": e.u32("original_size"), "transform": e.u8("transform"),
                 "stream_count": e.u8("stream_count"), "flags": e.u16("flags"),
                 "type": e.u32("type"), "checksum": e.u64("checksum")}
        require(entry["flags"] == 0, f"{where}: reserved flags are not zero")
        check_chunk_fields(where, entry["transform"], entry["type"], entry["original_size"],
                           entry["stream_count"], version)
        start, size = entry["file_offset"], entry["stored_size"]
        least = CHUNK_HEADER_SIZE + DESCRIPTOR_SIZE * entry["stream_count"]
        require(size >= least, f"{where}: stored_size {size} is below the header's {least}")
        if version.major == 2:
            most = least + entry["original_size"]
            require(size <= most, f"{where}: stored_size {size} exceeds {most}")
        require(start >= previous_end, f"{where}: file_offset {start} is before {previous_end}"
                " (the end of the header or of the previous chunk)")
        require(start + size <= manifest_offset, f"{where}: [{start}, +{size}) runs past the "
                f"manifest at {manifest_offset}")
        previous_end = start + size
        if entry["transform"] == COPY:
            # Backwards (a stream reader has met the target), one level, the same bytes.
            target = entry["type"]
            require(target < i, f"{where}: copy of chunk {target}, which does not precede it")
            t = entries[target]
            require(t["transform"] != COPY, f"{where}: copy of chunk {target}, itself a copy")
            require((t["original_size"], t["checksum"]) == (entry["original_size"], entry["checksum"]),
                    f"{where}: copy of chunk {target}, whose original_size or checksum differs")
        if entry["transform"] == REFERENCE:
            # Backwards, to a chunk that decodes alone: one level.
            ref = entry["type"]
            require(ref < i, f"{where}: coded against chunk {ref}, which does not precede it")
            require(entries[ref]["transform"] not in (COPY, REFERENCE),
                    f"{where}: coded against chunk {ref}, itself a copy or referencing chunk")
        entries.append(entry)
    return entries


def read_file_table(c, chunks, version):
    count = c.u32("file_count")
    require(1 <= count <= MAX_FILES, f"{c.what}: file_count {count} is not in [1, {MAX_FILES}]")
    require(count * 30 <= len(c.data), f"{c.what}: file_count {count} entries cannot fit in "
            f"{len(c.data)} bytes")
    files = []
    for i in range(count):
        size = c.u32(f"file entry {i} entry_size")
        entry = c.sub(size, f"file entry {i}", f"file entry {i}")
        files.append(read_file_entry(entry, chunks, version))  # trailing bytes: later fields
    return files


def read_file_entry(c, chunks, version):
    """One file entry, formats 2 and 1 (a 1.0 entry is not wrapped in an entry_size)."""
    f = {"name": c.string(MAX_NAME_BYTES, "name"), "original_size": c.u64("original_size"),
         "checksum": c.u64("checksum"), "kind": c.u8("kind")}
    if f["kind"] not in KINDS:
        version.unknown_id(c.what, "file kind", f["kind"])
    require(c.u8("flags") == 0, f"{c.what}: reserved flags are not zero")
    f["note"] = c.string(MAX_NOTE_BYTES, "note")
    ref_count = c.u32("chunk_ref_count")
    require(ref_count * 4 <= c.left(), f"{c.what}: chunk_ref_count {ref_count} exceeds the "
            f"{c.left()} bytes remaining")
    refs = [c.u32("chunk_ref") for _ in range(ref_count)]
    for k, ref in enumerate(refs):
        require(ref < len(chunks), f"{c.what}: chunk_refs[{k}] {ref} >= chunk_count {len(chunks)}")
        require(k == 0 or ref > refs[k - 1], f"{c.what}: chunk_refs[{k}] {ref} is not greater "
                f"than the one before it")
    total = sum(chunks[ref]["original_size"] for ref in refs)
    require(total == f["original_size"], f"{c.what}: chunks add up to {total} bytes, the file "
            f"is {f['original_size']}")
    f["chunk_refs"] = refs
    if f["kind"] == 1:
        require(f["note"] == b"", f"{c.what}: a GGUF entry has a note")
        read_gguf_summary(c, f["original_size"], version)
    f["mode"] = f["mtime"] = None
    # Appended in 2.1: read from archives of 2.1 or later when bytes are left; a 2.0
    # reader (READER_MINOR 0) skips them with the rest of the entry.
    if version.major == 2 and min(version.minor, READER_MINOR) >= 1 and c.left() > 0:
        read_file_attributes(c, f)
    return f


def read_file_attributes(c, f):
    """Sets f["mode"] (permission bits) and f["mtime"] ((seconds, nanoseconds)), or None."""
    where = c.what + ": file attributes"
    flags, mode = c.u16("attr_flags"), c.u16("mode")
    sec = int.from_bytes(c.take(8, "mtime_sec"), "little", signed=True)
    nsec = c.u32("mtime_nsec")
    require(flags & ~3 == 0, f"{where}: reserved attr_flags bits are set")
    require(mode <= 0o7777 and (flags & 1 or mode == 0), f"{where}: mode {mode:o} is invalid")
    require(nsec <= 999_999_999 and (flags & 2 or (sec == 0 and nsec == 0)),
            f"{where}: mtime {sec}.{nsec} is invalid")
    f["mode"] = mode if flags & 1 else None
    f["mtime"] = (sec, nsec) if flags & 2 else None


def read_gguf_summary(c, original_size, version):
    """Checked and discarded: restoring a file does not need it."""
    where = c.what + ": GGUF summary"
    gguf_version = c.u32("gguf_version")
    require(gguf_version in (2, 3), f"{where}: gguf_version {gguf_version} is not 2 or 3")
    big_endian = c.u8("big_endian")
    require(big_endian in (0, 1), f"{where}: big_endian {big_endian} is not 0 or 1")
    require(c.take(3, "reserved") == b"\0\0\0", f"{where}: reserved bytes are not zero")
    alignment, data_offset = c.u64("alignment"), c.u64("data_offset")
    require(0 < alignment < 1 << 32 and alignment & (alignment - 1) == 0,
            f"{where}: alignment {alignment} is not a power of two below 2^32")
    require(data_offset <= original_size,
            f"{where}: data_offset {data_offset} exceeds the file's {original_size} bytes")
    kv_count = c.u64("kv_count")
    require(kv_count <= MAX_GGUF_COUNT, f"{where}: kv_count {kv_count} exceeds 2^24")
    tensor_count = c.u32("tensor_count")
    smallest = 28 if version.major == 2 else 26
    require(tensor_count <= MAX_GGUF_COUNT and tensor_count * smallest <= c.left(),
            f"{where}: tensor_count {tensor_count} exceeds 2^24 or the {c.left()} bytes left")
    names = set()
    for t in range(tensor_count):
        e = c.sub(c.u16("tensor entry_size"), "tensor entry", f"{where}: tensor {t}") \
            if version.major == 2 else c
        name = e.string(MAX_TENSOR_NAME, "tensor name")
        require(name not in names, f"{where}: tensor {t}: duplicate name {name!r}")
        names.add(name)
        type_id = e.u32("type")
        if version.major == 1:  # 2.0: the type is descriptive and may be any id
            require(type_id in GGML_TYPES, f"{where}: tensor {t}: unknown ggml type {type_id}")
        n_dims = e.u32("n_dims")
        require(n_dims <= MAX_DIMS, f"{where}: tensor {t}: n_dims {n_dims} exceeds 4")
        e.take(8 * n_dims, "ne")
        offset, size = e.u64("offset"), e.u64("size")
        require(offset >= data_offset, f"{where}: tensor {t}: offset {offset} is below "
                f"data_offset {data_offset}")
        require(offset + size <= original_size, f"{where}: tensor {t}: [{offset}, +{size}) is "
                f"not within the file's {original_size} bytes")


# ---------------------------------------------------------------------------------------
# Footer: 40 bytes at archive_size - 40.

FOOTER_MAGIC = b"\x89SGZEND\n"
FOOTER_SIZE = 40
MAX_MANIFEST_SIZE = 1 << 30


def read_footer(data, archive_size):
    c = Cursor(data, "footer")
    offset, size, checksum = c.u64("manifest_offset"), c.u64("manifest_size"), c.u64("checksum")
    major, minor, flags = c.u16("major"), c.u16("minor"), c.u32("flags")
    require(c.take(8, "magic") == FOOTER_MAGIC, "footer: bad magic (truncated, or not an archive)")
    require(major in (1, 2), f"footer: format major version {major} is not supported "
            f"(this reader reads 1 and 2)", "NotSupported")
    require(flags == 0, f"footer: reserved flags 0x{flags:08x} are not zero")
    footer_pos = archive_size - FOOTER_SIZE
    require(HEADER_SIZE <= offset <= footer_pos,
            f"footer: manifest_offset {offset} is not in [16, {footer_pos}]")
    require(size == footer_pos - offset, f"footer: manifest [{offset}, +{size}) does not end "
            f"at the footer ({footer_pos})")
    require(size <= MAX_MANIFEST_SIZE, f"footer: manifest_size {size} exceeds 2^30",
            "ResourceExhausted")
    return offset, size, checksum, major, minor


# ---------------------------------------------------------------------------------------
# Opening an archive and restoring a file.


class Archive:
    def __init__(self, path):
        self.f = open(path, "rb")
        size = os.fstat(self.f.fileno()).st_size
        require(size >= HEADER_SIZE + FOOTER_SIZE,
                f"archive of {size} bytes is shorter than header and footer (56)")
        major, minor = read_header(self.read(0, HEADER_SIZE))
        offset, msize, checksum, fmajor, fminor = read_footer(
            self.read(size - FOOTER_SIZE, FOOTER_SIZE), size)
        require(major == fmajor and (major == 1 or minor == fminor),
                f"header version {major}.{minor} differs from the footer's {fmajor}.{fminor}")
        self.version = Version(major, minor)
        frame = self.read(offset, msize)
        require(xxh3(frame) == checksum, "manifest: checksum mismatch", "ChecksumMismatch")
        decode = decode_manifest_v2 if major == 2 else decode_manifest_v1
        self.chunks, self.files = decode(frame, offset, self.version)
        check_member_names(self.files)
        self.check_member_records()

    def check_member_records(self):
        """Member records (2.2) in the gap before a file's first chunk: a random-access
        reader needs none, but those there must be sound and agree with the manifest."""
        ends = {}
        end = HEADER_SIZE
        for entry in self.chunks:
            ends[entry["file_offset"]] = end
            end = entry["file_offset"] + entry["stored_size"]
        for f in self.files:
            if not f["chunk_refs"] or self.version.major != 2:
                continue
            first = self.chunks[f["chunk_refs"][0]]["file_offset"]
            at = ends[first]
            gap = self.read(at, first - at)
            pos = 0
            while pos + 20 <= len(gap):
                tag = gap[pos:pos + 4]
                if tag == b"SGZM":  # a manifest and footer superseded by an append
                    pos += 16 + struct.unpack_from("<Q", gap, pos + 8)[0] + FOOTER_SIZE
                    continue
                if tag != b"SGZR":
                    break
                kind, flags, size, checksum = struct.unpack_from("<HHIQ", gap, pos + 4)
                where = f"member record at offset {at + pos}"
                require(flags == 0, f"{where}: reserved flags are set")
                content = gap[pos + 20:pos + 20 + size]
                require(len(content) == size and xxh3(content) == checksum,
                        f"{where}: checksum mismatch", "ChecksumMismatch")
                pos += 20 + size
                if kind != 1:
                    continue
                c = Cursor(content, where)
                first_chunk = c.u32("first_chunk")
                name = c.string(MAX_NAME_BYTES, "name")
                require(pos == len(gap) and first_chunk == f["chunk_refs"][0]
                        and name == f["name"],
                        f"{where}: disagrees with file '{display(f['name'])}'")

    def read(self, offset, size):
        self.f.seek(offset)
        data = self.f.read(size)
        require(len(data) == size, f"short read at {offset}", "IOError")
        return data

    def decode(self, index, reference=None):
        """Chunk `index`, not a copy: its bytes, decoded (against `reference`, the decoded
        reference, when it is a referencing chunk; the chunk table proved that one
        decodes alone)."""
        entry = self.chunks[index]
        if entry["transform"] == REFERENCE and reference is None:
            reference = self.decode(entry["type"])
        return decode_chunk(self.read(entry["file_offset"], entry["stored_size"]), index, entry,
                            self.version, reference)

    def restore(self, file_entry, out):
        """Writes the file's bytes to the binary stream `out`; verifies every checksum."""
        whole = xxhash.xxh3_64()
        for ref in file_entry["chunk_refs"]:
            entry = self.chunks[ref]
            if entry["transform"] == COPY:  # its header checked; the bytes of its target
                decode_chunk(self.read(entry["file_offset"], entry["stored_size"]), ref, entry,
                             self.version)
                ref = entry["type"]
            data = self.decode(ref)  # checked against its checksum
            whole.update(data)
            out.write(data)
        require(whole.intdigest() == file_entry["checksum"],
                f"file '{display(file_entry['name'])}': checksum mismatch of the whole file",
                "ChecksumMismatch")


def member_name_problem(name):
    """The rule of "Member names" that `name` (bytes) breaks, or None."""
    if name == b"":
        return "is empty"
    if b"\0" in name:
        return "holds a NUL byte"
    if name.startswith(b"/"):
        return "is an absolute path (starts with '/')"
    for part in name.split(b"/"):
        if part == b"":
            return "has an empty component"
        if part in (b".", b".."):
            return f"has a '{part.decode()}' component"
    return None  # any other byte, backslash included, is allowed


def check_member_names(files):
    if len(files) == 1 and files[0]["name"] == b"":
        return  # a one-file archive packed from standard input
    seen = set()
    for i, f in enumerate(files):
        problem = member_name_problem(f["name"])
        require(problem is None, f"file entry {i}: member name {f['name']!r} {problem}")
        require(f["name"] not in seen, f"file entry {i}: member name {f['name']!r} appears more "
                "than once")
        seen.add(f["name"])


def restore_members(archive, directory, wanted):
    """Restores the members named in `wanted` (all when empty) below `directory`, making
    sub-directories, following no symbolic link on the way (the names were checked when
    the archive was opened, and are checked again here)."""
    chosen = [f for f in archive.files if not wanted or display(f["name"]) in wanted]
    missing = set(wanted) - {display(f["name"]) for f in chosen}
    if missing:
        raise Usage(f"no member named '{sorted(missing)[0]}' in the archive (--list)")
    for f in chosen:
        problem = member_name_problem(f["name"])
        require(problem is None, f"member name {f['name']!r} {problem}")
        parts = f["name"].split(b"/")
        here = os.fsencode(directory)
        for part in parts[:-1]:
            here = os.path.join(here, part)
            if not os.path.lexists(here):
                os.mkdir(here)
            require(os.path.isdir(here) and not os.path.islink(here),
                    f"{display(here)}: not a directory (or a symbolic link)", "IOError")
        path = os.path.join(here, parts[-1])
        require(not os.path.lexists(path), f"{display(path)}: already exists", "IOError")
        write_verified(archive, f, display(path))


def display(name):
    return os.fsdecode(name)


def write_verified(archive, file_entry, path):
    """The output appears under `path` only once every check has passed."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".sgz_reader.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            archive.restore(file_entry, out)
        umask = os.umask(0)
        os.umask(umask)
        # As sgz does: the rwx bits exactly (no setuid, setgid, sticky: no owner is
        # restored), the time after the last write.
        mode = file_entry["mode"]
        os.chmod(temp, mode & 0o777 if mode is not None else 0o666 & ~umask)
        if file_entry["mtime"] is not None:
            sec, nsec = file_entry["mtime"]
            os.utime(temp, ns=(os.stat(temp).st_atime_ns, sec * 1_000_000_000 + nsec))
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


# ---------------------------------------------------------------------------------------
# Appendix: the format 1.0 manifest (no sections, no entry sizes; unknown ids Corruption).


def decode_manifest_v1(frame, manifest_offset, version):
    body = read_manifest_frame(frame)
    chunk_count, file_count = body.u32("chunk_count"), body.u32("file_count")
    require(1 <= file_count <= MAX_FILES,
            f"manifest: file_count {file_count} is not in [1, {MAX_FILES}]")
    require(chunk_count * CHUNK_ENTRY_SIZE <= body.left(),
            f"manifest: chunk_count {chunk_count} exceeds the {body.left()} bytes remaining")
    chunks = read_chunk_entries(body, chunk_count, CHUNK_ENTRY_SIZE, manifest_offset, version)
    require(file_count * 26 <= body.left(),
            f"manifest: file_count {file_count} exceeds the {body.left()} bytes remaining")
    files = []
    for i in range(file_count):
        body.what = f"file entry {i}"
        files.append(read_file_entry(body, chunks, version))
    body.what = "manifest body"
    body.finish()
    return chunks, files


# ---------------------------------------------------------------------------------------
# Command line.

USAGE = ("usage: sgz_reader.py ARCHIVE [MEMBER] -o OUT | sgz_reader.py ARCHIVE --list | "
         "sgz_reader.py ARCHIVE [MEMBER...] -C DIR")


class Usage(Exception):
    pass


def parse_args(argv):
    positional, out, listing, directory = [], None, False, None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-o", "-C"):
            if i + 1 == len(argv):
                raise Usage(f"{arg} needs a name")
            if arg == "-o":
                out = argv[i + 1]
            else:
                directory = argv[i + 1]
            i += 2
            continue
        if arg == "--list":
            listing = True
        elif arg in ("-h", "--help"):
            raise Usage(USAGE)
        elif arg.startswith("-") and arg != "-":
            raise Usage(f"unknown option {arg}; {USAGE}")
        else:
            positional.append(arg)
        i += 1
    if directory is not None:
        if out is not None or listing or not positional:
            raise Usage(USAGE)
        return positional[0], positional[1:], None, False, directory
    if not 1 <= len(positional) <= 2 or listing == (out is not None) or \
            (listing and len(positional) != 1):
        raise Usage(USAGE)
    return positional[0], positional[1] if len(positional) == 2 else None, out, listing, None


def main(argv):
    try:
        path, member, out, listing, directory = parse_args(argv)
        archive = Archive(path)
        if directory is not None:
            restore_members(archive, directory, member)
            return 0
        if listing:
            for f in archive.files:
                mode = "-" if f["mode"] is None else f"{f['mode']:04o}"
                mtime = "-" if f["mtime"] is None else "%d.%09d" % f["mtime"]
                print(f"{display(f['name'])}\t{f['original_size']}\t{KINDS[f['kind']]}\t"
                      f"{mode}\t{mtime}")
            return 0
        if member is None:
            if len(archive.files) != 1:
                raise Usage(f"the archive holds {len(archive.files)} files; name one (--list)")
            chosen = archive.files[0]
        else:
            matches = [f for f in archive.files if f["name"] == os.fsencode(member)]
            if len(matches) != 1:
                raise Usage(f"{len(matches)} files named '{member}' in the archive; need one")
            chosen = matches[0]
        write_verified(archive, chosen, out)
        return 0
    except Usage as e:
        print(f"sgz_reader: {e}", file=sys.stderr)
        return 2
    except Reject as e:
        print(f"sgz_reader: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"sgz_reader: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
