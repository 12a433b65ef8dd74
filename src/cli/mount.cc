// sgz mount ARCHIVE DIR: the archive's members as read-only files under DIR
// (FUSE 3). This file: the command line and opening the archive; the file
// system itself is mount_fs.cc, built only with libfuse3.
#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli_common.h"
#include "cli_options.h"
#ifdef SGZ_HAVE_FUSE
#include "mount_fs.h"
#endif

namespace sgz::cli {
namespace {

#ifdef SGZ_HAVE_FUSE
constexpr uint64_t kDefaultCacheMiB = 256;

// The absolute form of an existing path: the mount runs from "/" once in
// the background.
std::string Absolute(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) != nullptr ? std::string(buf) : path;
}
// Each Reader of the pool keeps two chunks of the default size (a 4 MiB
// block touches at most two; the next block of a sequential reader starts
// in the last one) and half that for parents of predicted chunks: the
// blocks the mount caches are its own (mount_cache.h).
ReaderOptions MountReaderOptions() {
  ReaderOptions o;
  o.cache_bytes = 2 * kDefaultChunkSize;
  return o;
}
#endif

}  // namespace

int CmdMount(const Args& r, const Common& c, const std::vector<std::string>& args) {
  if (args.size() != 2) return Usage("mount takes an archive and a directory to mount it on");
#ifndef SGZ_HAVE_FUSE
  (void)r;
  (void)c;
  fprintf(stderr, "sgz: mount: this sgz was built without FUSE (libfuse3)\n");
  return kExitUnsupported;
#else
  const std::string in = args[0];
  const std::string dir = args[1];
  if (in == "-") return Usage("mount needs the archive file, not standard input");
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Fail(dir, Error(ErrorCode::kInvalidArgument, "is not a directory (mount needs an existing one)"));
  }
  const uint64_t cache_mib = r.count("cache-size") ? r["cache-size"].as<uint64_t>() : kDefaultCacheMiB;
  MountOptions options;
  options.archive = in;
  options.dir = Absolute(dir);
  options.cache_bytes = cache_mib << 20;
  options.foreground = c.force;
  // -T: reads that decode at once, one Reader each. Default 1 (a lock
  // around decoding): a second Reader read 4 readers' ranges 5-8% faster on
  // 2 cores and cost up to 16 MiB more peak memory, 30 MiB decoding a
  // predicted family (BENCHMARKS.md, "A mount"). FUSE still serves any
  // number of readers at once, the cache and the page cache most reads.
  options.readers = c.threads == 0 ? 1 : c.threads;
  const std::string path = Absolute(in);
  if (stat(path.c_str(), &st) == 0) options.archive_mtime = st.st_mtime;
  // How each Reader of the mount opens the archive (the one line that
  // says so): Reader::Open reads a URL with range requests, though without
  // these options yet (OpenUrl takes HttpOptions only).
  ReaderOpener open = [path]() { return Reader::Open(path, MountReaderOptions()); };
  ErrorOr<Reader> first = open();
  if (!first.ok()) return Fail(in, first.error());
  NoteIgnoredTail(c, in, first->archive_info().ignored_bytes);
  return RunMount(options, open, std::move(first).value());
#endif
}

}  // namespace sgz::cli
