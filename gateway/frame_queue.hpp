#pragma once
// A session's queue of frames waiting for the socket: FIFO, with pop_back for dropping what a slow
// consumer was never handed. Unlike std::deque (whose empty state already holds a 512-byte node
// and its map), an empty queue owns no memory, and an idle connection's queue is empty.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace chat::gateway {

class frame_queue {
 public:
  using frame = std::shared_ptr<const std::string>;

  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  const frame& front() const { return items_[head_]; }
  const frame& back() const { return items_.back(); }

  void push_back(frame f) {
    if (items_.capacity() == 0) items_.reserve(8);
    items_.push_back(std::move(f));
  }
  void pop_front() {
    items_[head_++].reset();
    if (empty()) return clear();
    // Under steady load the queue may never empty: drop the consumed prefix now and then.
    if (head_ >= 64 && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  void pop_back() {
    items_.pop_back();
    if (empty()) clear();
  }
  /// Empties the queue and gives its memory back.
  void clear() {
    std::vector<frame>().swap(items_);
    head_ = 0;
  }

  auto begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  auto end() const { return items_.end(); }

 private:
  std::vector<frame> items_;
  std::size_t head_ = 0;  ///< items_ before it were popped
};

}  // namespace chat::gateway
