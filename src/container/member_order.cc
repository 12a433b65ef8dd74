#include "container/member_order.h"

#include <algorithm>
#include <map>

#include "streams/gguf_reader.h"

namespace sgz::internal {
namespace {

// Writing order; quantized GGUF members and other files keep their places
// after the rest.
// (An importance matrix after the float members: the first member's
// metadata is the one later members' metadata is coded against, and a
// model's serves them better.)
enum Rank { kNamed = 0, kF32 = 1, kBf16 = 2, kF16 = 3, kImatrix = 4, kQuantized = 5, kOther = 6 };

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// What an input is, from its GGUF header (kOther when it is no GGUF).
Rank RankOf(const MemberInput& input) {
  Result<std::unique_ptr<InputStream>> in = input.open();
  if (!in.ok()) return kOther;  // its real open reports why
  Result<GgufLayout> parsed = Status::Corruption("empty");
  for (uint64_t want = 1ull << 16;; want = std::min(want * 4, kMaxGgufHeaderBytes)) {
    const uint8_t* data;
    uint64_t got;
    if (!(*in)->Peek(want, &data, &got).ok()) return kOther;
    bool need_more = false;
    parsed = ParseGgufHeader(data, got, /*at_eof=*/got < want, &need_more);
    if (parsed.ok() || !need_more || want == kMaxGgufHeaderBytes) break;
  }
  if (!parsed.ok() || parsed.value().tensors.empty()) return kOther;
  bool imatrix = true;
  std::map<uint32_t, uint64_t> bytes;  // by type
  for (const GgufTensor& t : parsed.value().tensors) {
    imatrix = imatrix && (EndsWith(t.name, ".in_sum2") || EndsWith(t.name, ".counts"));
    bytes[t.type] += t.size;
  }
  if (imatrix) return kImatrix;
  uint32_t main = 0;
  uint64_t most = 0;
  for (const auto& [type, n] : bytes) {
    if (type != 0 && type != 1 && type != 30) return kQuantized;
    if (n > most) most = n, main = type;
  }
  return main == 0 ? kF32 : main == 30 ? kBf16 : kF16;
}

}  // namespace

Result<std::vector<size_t>> PredictionOrder(const std::vector<MemberInput>& inputs, const PackOptions& options) {
  for (const std::string* named : {&options.parent_member, &options.imatrix_member}) {
    if (named->empty()) continue;
    if (std::none_of(inputs.begin(), inputs.end(), [&](const MemberInput& m) { return m.name == *named; })) {
      return Status::InvalidArgument("no member named '" + *named + "' among the inputs (" +
                                     (named == &options.parent_member ? "--parent" : "--imatrix") + ")");
    }
  }
  std::vector<std::pair<int, size_t>> ranked;
  bool quantized = false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const bool named = inputs[i].name == options.parent_member || inputs[i].name == options.imatrix_member;
    const Rank rank = named ? kNamed : RankOf(inputs[i]);
    quantized = quantized || rank == kQuantized;
    // Quantized members and other files keep their order among themselves.
    ranked.emplace_back(rank == kOther ? kQuantized : rank, i);
  }
  std::vector<size_t> order;
  // Nothing to predict: the given order, whatever the inputs.
  if (!quantized) {
    for (size_t i = 0; i < inputs.size(); ++i) order.push_back(i);
    return order;
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& r : ranked) order.push_back(r.second);
  return order;
}

}  // namespace sgz::internal
