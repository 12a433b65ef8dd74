"""Conventions of the spec: little-endian unsigned integers read in order, a rejected
structure never used, the rule for unknown ids. Every other module builds on these."""

import os

import xxhash

# This reader implements format 2.3 (and reads 2.2, 2.1, 2.0 and 1.0). Read as
# conventions.READER_MINOR wherever it decides, so that a test can make the reader
# one of an earlier minor version.
READER_MINOR = 5


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


def display(name):
    """A name (bytes) as the file system would show it."""
    return os.fsdecode(name)
