#include "container/reader.h"

namespace sgz::internal {

Result<std::unique_ptr<Archive>> Archive::Open(std::unique_ptr<ByteSource> source, const ChunkStoreOptions& options) {
  std::unique_ptr<Archive> a(new Archive);
  SGZ_ASSIGN_OR_RETURN(a->store_, ChunkStore::Open(std::move(source), options));
  a->views_.resize(a->store_->manifest().files.size());
  SGZ_RETURN_IF_ERROR(a->view(0).status());
  return a;
}

Result<FileView*> Archive::view(uint32_t index) {
  if (index < views_.size() && views_[index] != nullptr) return views_[index].get();
  SGZ_ASSIGN_OR_RETURN(FileView v, FileView::Make(store_.get(), index));
  views_[index] = std::make_unique<FileView>(std::move(v));
  return views_[index].get();
}

}  // namespace sgz::internal
