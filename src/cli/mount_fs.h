// sgz mount: the file system (FUSE 3) that shows an archive's members as
// read-only files, and its main loop. Built only with libfuse3
// (SGZ_HAVE_FUSE); mount.cc, the command, is built either way.
#ifndef SGZ_CLI_MOUNT_FS_H_
#define SGZ_CLI_MOUNT_FS_H_

#include <cstdint>
#include <string>

#include "mount_cache.h"
#include "sgz/sgz.h"

namespace sgz::cli {

struct MountOptions {
  std::string archive;        // as the user named it (messages, fsname)
  std::string dir;            // the mount point, an existing directory
  uint64_t cache_bytes = 0;   // bound of the decoded-block cache
  unsigned readers = 1;       // reads that decode at once (one Reader each)
  bool foreground = false;    // -f: stay in the foreground, errors on stderr
  int64_t archive_mtime = 0;  // shown for directories and members without one
};

// Mounts the members of `first` (a Reader of the whole archive, opened by
// `open`, which opens the pool's other Readers) on options.dir, returns in
// the parent once mounted unless options.foreground, and serves reads
// until unmounted (fusermount3 -u, SIGINT, SIGTERM, SIGHUP). Returns the
// exit code.
int RunMount(const MountOptions& options, ReaderOpener open, Reader first);

}  // namespace sgz::cli

#endif  // SGZ_CLI_MOUNT_FS_H_
