// The FUSE callbacks of sgz mount. Paths are looked up in a table built
// once at mount time (the archive cannot change under a Reader), so
// getattr, readdir and open never touch the archive; read copies from
// decoded blocks (mount_cache.h), decoding only the blocks it touches.
#define FUSE_USE_VERSION 31
#include "mount_fs.h"

#include <fuse.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "cli_common.h"

namespace sgz::cli {
namespace {

struct Node {
  bool dir = false;
  size_t member = 0;  // files: index into the pool's members
  uint64_t size = 0;
  mode_t mode = 0;
  struct timespec mtime = {0, 0};
  std::vector<std::string> children;  // directories: names, sorted
};

struct MountState {
  MountState(const MountOptions& o, ReaderOpener open, std::vector<std::string> names)
      : options(o), cache(o.cache_bytes), pool(std::move(open), std::move(names), o.readers) {}
  MountOptions options;
  std::map<std::string, Node> nodes;  // by path: "/", "/zoo", "/zoo/x.gguf"
  std::vector<uint64_t> sizes;         // by member
  std::vector<std::string> paths;      // by member, for messages
  BlockCache cache;
  ReaderPool pool;
};

MountState* State() { return static_cast<MountState*>(fuse_get_context()->private_data); }

// Adds the file `name` (a member name, '/' between components) and its
// directories. False when it clashes with what is there ("a" and "a/b").
bool AddFile(std::map<std::string, Node>* nodes, const std::string& name, Node file) {
  std::string parent = "/";
  size_t at = 0;
  for (;;) {
    const size_t slash = name.find('/', at);
    const std::string component = name.substr(at, slash == std::string::npos ? std::string::npos : slash - at);
    if (component.empty() || component == "." || component == "..") return false;
    const std::string path = (parent == "/" ? "" : parent) + "/" + component;
    Node& p = (*nodes)[parent];
    auto existing = nodes->find(path);
    if (slash == std::string::npos) {
      if (existing != nodes->end()) return false;
      p.children.push_back(component);
      (*nodes)[path] = std::move(file);
      return true;
    }
    if (existing == nodes->end()) {
      Node dir;
      dir.dir = true;
      dir.mode = 0555;
      dir.mtime = p.mtime;
      (*nodes)[path] = dir;
      p.children.push_back(component);
    } else if (!existing->second.dir) {
      return false;
    }
    parent = path;
    at = slash + 1;
  }
}

void Report(const MountState& s, const std::string& what) {
  if (s.options.foreground) {
    fprintf(stderr, "sgz: %s\n", what.c_str());
  } else {
    syslog(LOG_ERR, "%s", what.c_str());
  }
}

void* Init(struct fuse_conn_info*, struct fuse_config* cfg) {
  // Nothing changes under the mount: the kernel may keep what it read.
  cfg->kernel_cache = 1;
  cfg->entry_timeout = cfg->attr_timeout = cfg->negative_timeout = 3600;
  return State();
}

int GetAttr(const char* path, struct stat* st, struct fuse_file_info*) {
  const MountState& s = *State();
  auto it = s.nodes.find(path);
  if (it == s.nodes.end()) return -ENOENT;
  const Node& n = it->second;
  memset(st, 0, sizeof *st);
  st->st_mode = (n.dir ? S_IFDIR : S_IFREG) | n.mode;
  st->st_nlink = n.dir ? 2 : 1;
  st->st_uid = getuid();
  st->st_gid = getgid();
  st->st_size = static_cast<off_t>(n.size);
  st->st_blocks = static_cast<blkcnt_t>((n.size + 511) / 512);
  st->st_blksize = 128 << 10;
  st->st_mtim = st->st_ctim = st->st_atim = n.mtime;
  return 0;
}

int ReadDir(const char* path, void* buf, fuse_fill_dir_t fill, off_t, struct fuse_file_info*,
            enum fuse_readdir_flags) {
  const MountState& s = *State();
  auto it = s.nodes.find(path);
  if (it == s.nodes.end()) return -ENOENT;
  if (!it->second.dir) return -ENOTDIR;
  fill(buf, ".", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  fill(buf, "..", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  for (const std::string& name : it->second.children) {
    if (fill(buf, name.c_str(), nullptr, 0, static_cast<fuse_fill_dir_flags>(0)) != 0) break;
  }
  return 0;
}

int Open(const char* path, struct fuse_file_info* fi) {
  const MountState& s = *State();
  auto it = s.nodes.find(path);
  if (it == s.nodes.end()) return -ENOENT;
  if (it->second.dir) return -EISDIR;
  if ((fi->flags & O_ACCMODE) != O_RDONLY) return -EROFS;
  fi->fh = it->second.member;
  fi->keep_cache = 1;
  return 0;
}

int Read(const char*, char* buf, size_t size, off_t offset, struct fuse_file_info* fi) {
  MountState& s = *State();
  const size_t member = static_cast<size_t>(fi->fh);
  const uint64_t file_size = s.sizes[member];
  if (offset < 0) return -EINVAL;
  const uint64_t begin = static_cast<uint64_t>(offset);
  if (begin >= file_size) return 0;
  const uint64_t end = begin + std::min<uint64_t>(size, file_size - begin);
  uint64_t at = begin;
  while (at < end) {
    const uint64_t block = at / kMountBlockSize;
    const uint64_t block_begin = block * kMountBlockSize;
    const uint64_t block_len = std::min(kMountBlockSize, file_size - block_begin);
    // Keys: member index in the high 24 bits (an archive holds at most
    // 65536 members), block in the low 40 (4 MiB blocks: 4 EiB).
    const uint64_t key = (static_cast<uint64_t>(member) << 40) | block;
    ErrorOr<BlockCache::Block> got = s.cache.Get(key, [&]() -> ErrorOr<std::vector<uint8_t>> {
      // Allocated once a Reader is free: reads waiting for one hold no block.
      std::vector<uint8_t> bytes;
      Error e = s.pool.With(member, [&](Reader& r) {
        bytes.resize(block_len);
        return r.ReadRange(block_begin, block_len, bytes.data());
      });
      if (!e.ok()) return e;
      return bytes;
    });
    if (!got.ok()) {
      Report(s, s.options.archive + ": " + s.paths[member] + ": bytes " + std::to_string(block_begin) + ".." +
                    std::to_string(block_begin + block_len) + ": " + ErrorText(got.error()));
      return -EIO;
    }
    const uint64_t n = std::min(end, block_begin + block_len) - at;
    memcpy(buf + (at - begin), (*got)->data() + (at - block_begin), n);
    at += n;
  }
  return static_cast<int>(end - begin);
}

// "name" for a member name recorded as empty (packed from standard input):
// the archive's base name without .sgz.
std::string ShownName(const std::string& name, const std::string& archive) {
  if (!name.empty()) return name;
  std::string base = archive.substr(archive.find_last_of('/') + 1);
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".sgz") == 0) base.resize(base.size() - 4);
  return base.empty() || base == "." || base == ".." ? "data" : base;
}

// The fsname mount option (shown by mount(8), df): no ',' or '\' (they
// separate and escape options).
std::string FsName(const std::string& archive) {
  std::string s = "sgz:" + archive;
  for (char& ch : s) {
    if (ch == ',' || ch == '\\') ch = '_';
  }
  return s;
}

}  // namespace

int RunMount(const MountOptions& options, ReaderOpener open, Reader first) {
  const std::vector<MemberInfo> members = first.members();
  std::vector<std::string> names;
  for (const MemberInfo& m : members) names.push_back(m.name);
  MountState state(options, std::move(open), names);
  Node& root = state.nodes["/"];
  root.dir = true;
  root.mode = 0555;
  root.mtime.tv_sec = options.archive_mtime;
  for (size_t i = 0; i < members.size(); ++i) {
    const MemberInfo& m = members[i];
    Node file;
    file.member = i;
    file.size = m.original_size;
    // Read-only: the recorded read and execute bits, never write.
    file.mode = m.attributes.has_mode ? (m.attributes.mode & 0555) : 0444;
    file.mtime.tv_sec = m.attributes.has_mtime ? m.attributes.mtime_sec : options.archive_mtime;
    file.mtime.tv_nsec = m.attributes.has_mtime ? m.attributes.mtime_nsec : 0;
    const std::string name = ShownName(members.size() == 1 ? first.file_name() : m.name, options.archive);
    state.sizes.push_back(m.original_size);
    state.paths.push_back(name);
    if (!AddFile(&state.nodes, name, file)) {
      fprintf(stderr, "sgz: %s: member '%s' skipped: its name clashes with another's\n", options.archive.c_str(),
              name.c_str());
    }
  }
  for (auto& [path, node] : state.nodes) std::sort(node.children.begin(), node.children.end());
  state.pool.Adopt(std::move(first));
#ifdef __GLIBC__
  // Blocks and decoded chunks (MiBs) are freed on one FUSE thread after
  // being made on another: glibc would raise its mmap threshold past them
  // and keep their freed memory in per-thread arenas (measured: a third
  // more peak memory with eight readers). A fixed threshold gives each back.
  mallopt(M_MMAP_THRESHOLD, 256 << 10);
#endif

  struct fuse_operations ops;
  memset(&ops, 0, sizeof ops);
  ops.init = Init;
  ops.getattr = GetAttr;
  ops.readdir = ReadDir;
  ops.open = Open;
  ops.read = Read;

  const std::string mount_options = "ro,default_permissions,subtype=sgz,fsname=" + FsName(options.archive);
  const char* argv[] = {"sgz", "-o", mount_options.c_str()};
  struct fuse_args args = FUSE_ARGS_INIT(3, const_cast<char**>(argv));
  // fuse_new may add to args (then owned): freed once the mount is gone.
  struct ArgsGuard {
    struct fuse_args* a;
    ~ArgsGuard() { fuse_opt_free_args(a); }
  } args_guard{&args};
  struct fuse* fuse = fuse_new(&args, &ops, sizeof ops, &state);
  if (fuse == nullptr) {
    fprintf(stderr, "sgz: %s: cannot set up FUSE\n", options.dir.c_str());
    return kExitIO;
  }
  if (fuse_mount(fuse, options.dir.c_str()) != 0) {
    // libfuse printed why ("fuse: device not found", "fusermount3: ...").
    fprintf(stderr, "sgz: %s: cannot mount (needs /dev/fuse and fusermount3)\n", options.dir.c_str());
    fuse_destroy(fuse);
    return kExitIO;
  }
  // libfuse installs its handlers (end the loop, then unmount below) only
  // over the default ones: main() installed the output cleanup's.
  // A signal the caller ignored (nohup) stays ignored.
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old;
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler != SIG_IGN) signal(sig, SIG_DFL);
  }
  struct fuse_session* session = fuse_get_session(fuse);
  int rc = kExitOk;
  if (fuse_set_signal_handlers(session) != 0) {
    fprintf(stderr, "sgz: %s: cannot install signal handlers\n", options.dir.c_str());
    rc = kExitIO;
  } else {
    // Forks unless in the foreground: the parent returns 0 once the child
    // runs (the mount already stands), the child's stdio go to /dev/null.
    if (fuse_daemonize(options.foreground ? 1 : 0) != 0) {
      rc = kExitIO;
    } else {
      if (!options.foreground) openlog("sgz", LOG_PID, LOG_USER);
      // A signal ends the loop with its number, an unmount with 0: both a
      // clean end; a negative errno is not.
      if (fuse_loop_mt(fuse, 0) < 0) rc = kExitIO;
    }
    fuse_remove_signal_handlers(session);
  }
  fuse_unmount(fuse);
  fuse_destroy(fuse);
  return rc;
}

}  // namespace sgz::cli
