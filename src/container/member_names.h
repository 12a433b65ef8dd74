// Member names: the rules every reader enforces on the names in an
// archive's file table (spec: "Member names"), and that the writer checks
// before packing. A name is a relative path with '/' between components.
#ifndef SGZ_CONTAINER_MEMBER_NAMES_H_
#define SGZ_CONTAINER_MEMBER_NAMES_H_

#include <string>

#include "common/status.h"
#include "container/format.h"

namespace sgz::internal {

// Ok when `name` may name a member: not empty, at most kMaxNameBytes, no NUL,
// no leading '/', no empty, "." or ".." component. '\' is an ordinary byte
// (POSIX file names may hold it). Otherwise the rule broken, e.g.
// "has a '..' component", without the name itself.
Status CheckMemberName(const std::string& name);

// The rules over a whole file table: every name passes CheckMemberName,
// except that the single file of a one-file archive may have an empty name
// (a file packed from standard input has none); no two names are equal.
// Corruption naming the entry, the name and the rule.
Status CheckMemberNames(const Manifest& manifest);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_MEMBER_NAMES_H_
