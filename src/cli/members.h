// What the commands share about archives of several members: choosing
// members by name, and restoring them under a directory.
#ifndef SGZ_CLI_MEMBERS_H_
#define SGZ_CLI_MEMBERS_H_

#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"

namespace sgz::cli {

// The member of `archive` (opened from `in`) called `name`, into *out.
// Prints the error (with a close name, if any) and returns its exit code
// when there is none.
int OpenMemberOf(const std::string& in, const Reader& archive, const std::string& name, std::optional<Reader>* out);

// The member a command reads when the command line names none: the only
// one. With several, prints "IN: holds N members; give one (see 'sgz ls
// IN')" and returns kExitUsage.
int OnlyMember(const std::string& in, const Reader& archive, const std::string& command);

// Indices (file table order) of the members `wanted` names: a member's
// exact name, or a directory of them ("zoo" or "zoo/": every member under
// it); all of them when `wanted` is empty. Prints one line per name that
// selects nothing and returns kExitUsage then.
int SelectMembers(const std::string& in, const Reader& archive, const std::vector<std::string>& wanted,
                  std::vector<size_t>* selected);

// Restores the selected members of `archive` under `dir` (an existing
// directory), creating sub-directories. Checks every name again (relative,
// no '.', '..' or empty component, no NUL) and every directory on the way
// (an existing one must be a directory, not a symbolic link), and, without
// -f, that no target exists, all before the first byte is written. Each
// member appears only when complete (OutputFile), so a failure leaves the
// members before it restored and nothing of the others.
int UnpackMembers(const std::string& in, Reader& archive, const std::vector<size_t>& selected, const std::string& dir,
                  const Common& c, bool stats);

}  // namespace sgz::cli

#endif  // SGZ_CLI_MEMBERS_H_
