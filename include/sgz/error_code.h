// The error codes of the sgz library, shared by the public C++ API (sgz.h),
// the C API (SGZ_* in sgz_c.h, same values) and the library's internals.
#ifndef SGZ_PUBLIC_ERROR_CODE_H_
#define SGZ_PUBLIC_ERROR_CODE_H_

namespace sgz {

// The values are part of the C ABI and never change; new codes are only
// ever added.
enum class ErrorCode : int {
  kOk = 0,
  kInvalidArgument = 1,    // the caller asked for something impossible
  kCorrupt = 2,            // the archive is damaged or violates the format
  kChecksumMismatch = 3,   // well formed, but decoded bytes hash differently
  kNotSupported = 4,       // a format version or feature this library lacks
  kIoError = 5,            // the operating system (or a Source) failed
  kResourceExhausted = 6,  // a hard limit or memory would be exceeded
  kNotFound = 7,           // a named tensor or member does not exist
};

}  // namespace sgz

#endif  // SGZ_PUBLIC_ERROR_CODE_H_
