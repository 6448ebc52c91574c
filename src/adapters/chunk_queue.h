// A bounded, closable queue of shared byte chunks: one producer (the tar
// stream) hands the same chunk to several consumers (the compressors) without
// copying it, and the bound keeps memory flat when one consumer is slower.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

namespace relman {

using Chunk = std::shared_ptr<const std::string>;

class ChunkQueue {
 public:
  explicit ChunkQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while full; false when the queue was aborted (stop producing).
  bool push(Chunk c) {
    std::unique_lock lock(m_);
    not_full_.wait(lock, [&] { return aborted_ || q_.size() < capacity_; });
    if (aborted_) return false;
    q_.push_back(std::move(c));
    not_empty_.notify_one();
    return true;
  }

  // Blocks while empty; nullptr at the end (closed and drained, or aborted).
  Chunk pop() {
    std::unique_lock lock(m_);
    not_empty_.wait(lock, [&] { return aborted_ || closed_ || !q_.empty(); });
    if (aborted_ || q_.empty()) return nullptr;
    Chunk c = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return c;
  }

  // No more chunks will come; consumers drain what is queued.
  void close() {
    std::lock_guard lock(m_);
    closed_ = true;
    not_empty_.notify_all();
  }

  // Something failed: wake everyone, drop what is queued.
  void abort() {
    std::lock_guard lock(m_);
    aborted_ = true;
    q_.clear();
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Chunk> q_;
  size_t capacity_;
  bool closed_ = false;
  bool aborted_ = false;
};

}  // namespace relman
