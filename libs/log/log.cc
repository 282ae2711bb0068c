#include "libs/log/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <limits>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace crm::log {
namespace {

thread_local std::string tl_request_id;
thread_local std::string tl_user_id;

// Lines are appended to a buffer under a mutex; a background thread writes the buffer out.
// When the buffer grows past kMaxPending (the destination is stuck), writers write it
// themselves, which slows them rather than losing lines or growing memory without bound.
class Sink {
 public:
  static Sink& Get() {
    static Sink* sink = new Sink();  // never destroyed: threads may log during exit
    return *sink;
  }

  void Configure(absl::string_view service, Level min_level, int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    service_ = std::string(service);
    min_level_.store(static_cast<int>(min_level));
    fd_ = fd;
  }

  bool Enabled(Level level) const { return static_cast<int>(level) >= min_level_.load(); }
  // Set once by Configure before other threads log.
  const std::string& service() const { return service_; }

  void Write(absl::string_view line, bool urgent) {
    std::unique_lock<std::mutex> lock(mu_);
    pending_.append(line.data(), line.size());
    if (pending_.size() > kMaxPending) {
      WriteOutLocked(lock);
    } else if (urgent || pending_.size() > kWakeAt) {
      cv_.notify_one();
    }
  }

  void Flush() {
    std::unique_lock<std::mutex> lock(mu_);
    WriteOutLocked(lock);
  }

 private:
  static constexpr size_t kWakeAt = 64 * 1024;
  static constexpr size_t kMaxPending = 4 * 1024 * 1024;

  Sink() {
    std::thread([this] { Loop(); }).detach();
  }

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return !pending_.empty(); });
      WriteOutLocked(lock);
    }
  }

  // Takes the pending text and writes it with the lock released; writes stay in order
  // because only one writer at a time holds `writing_`.
  void WriteOutLocked(std::unique_lock<std::mutex>& lock) {
    writer_cv_.wait(lock, [this] { return !writing_; });
    if (pending_.empty()) return;
    std::string out;
    out.swap(pending_);
    writing_ = true;
    const int fd = fd_;
    lock.unlock();
    size_t off = 0;
    while (off < out.size()) {
      ssize_t n = ::write(fd, out.data() + off, out.size() - off);
      if (n <= 0) break;  // nowhere to log to; drop rather than spin
      off += static_cast<size_t>(n);
    }
    lock.lock();
    writing_ = false;
    writer_cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable writer_cv_;
  bool writing_ = false;
  std::string pending_;
  std::string service_ = "crm";
  std::atomic<int> min_level_{static_cast<int>(Level::kInfo)};
  int fd_ = 1;
};

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void Configure(absl::string_view service, Level min_level, int fd) {
  Sink::Get().Configure(service, min_level, fd);
}

bool ParseLevel(absl::string_view text, Level* level) {
  if (text == "debug")
    *level = Level::kDebug;
  else if (text == "info")
    *level = Level::kInfo;
  else if (text == "warn")
    *level = Level::kWarn;
  else if (text == "error")
    *level = Level::kError;
  else
    return false;
  return true;
}

void Flush() { Sink::Get().Flush(); }

ScopedContext::ScopedContext(absl::string_view request_id, absl::string_view user_id)
    : previous_request_id_(std::move(tl_request_id)), previous_user_id_(std::move(tl_user_id)) {
  tl_request_id = std::string(request_id);
  tl_user_id = std::string(user_id);
}

ScopedContext::~ScopedContext() {
  tl_request_id = std::move(previous_request_id_);
  tl_user_id = std::move(previous_user_id_);
}

void AppendTime(std::string* out, absl::Time t) {
  // Formatting the date and time is most of a line's cost; it changes once a second.
  thread_local int64_t cached_second = std::numeric_limits<int64_t>::min();
  thread_local std::string cached;  // "2026-11-28T00:06:01"
  const int64_t ms = absl::ToUnixMillis(t);
  const int64_t second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  if (second != cached_second) {
    cached =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second), absl::UTCTimeZone());
    cached_second = second;
  }
  const int millis = static_cast<int>(ms - second * 1000);
  out->append(cached);
  const char frac[] = {'.', static_cast<char>('0' + millis / 100),
                       static_cast<char>('0' + millis / 10 % 10),
                       static_cast<char>('0' + millis % 10), 'Z'};
  out->append(frac, sizeof(frac));
}

void AppendJsonString(std::string* out, absl::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    // A run of printable ASCII that needs no escape goes in at once.
    size_t plain = i;
    while (plain < s.size()) {
      const auto p = static_cast<unsigned char>(s[plain]);
      if (p < 0x20 || p >= 0x7f || p == '"' || p == '\\') break;
      ++plain;
    }
    out->append(s.data() + i, plain - i);
    i = plain;
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:  // other control characters and DEL
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
      }
      ++i;
      continue;
    }
    // Copy a well-formed multi-byte sequence as is; replace anything else with U+FFFD.
    size_t n = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = n != 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 0x2;
    }
    if (ok) {
      out->append(s.data() + i, n);
      i += n;
    } else {
      out->append("\xEF\xBF\xBD");
      ++i;
    }
  }
  out->push_back('"');
}

Line::Line(Level level, absl::string_view msg)
    : enabled_(Sink::Get().Enabled(level)), urgent_(level >= Level::kWarn) {
  if (!enabled_) return;
  buf_.reserve(256);
  buf_.append("{\"time\":\"");
  AppendTime(&buf_, absl::Now());
  buf_.append("\",\"level\":\"");
  buf_.append(LevelName(level));
  buf_.append("\",\"service\":");
  AppendJsonString(&buf_, Sink::Get().service());
  buf_.append(",\"msg\":");
  AppendJsonString(&buf_, msg);
  if (!tl_request_id.empty()) Str("request_id", tl_request_id);
  if (!tl_user_id.empty()) Str("user_id", tl_user_id);
}

Line::~Line() {
  if (!enabled_) return;
  buf_.append("}\n");
  Sink::Get().Write(buf_, urgent_);
}

void Line::Key(absl::string_view key) {
  buf_.push_back(',');
  AppendJsonString(&buf_, key);
  buf_.push_back(':');
}

Line& Line::Str(absl::string_view key, absl::string_view value) {
  if (!enabled_) return *this;
  Key(key);
  AppendJsonString(&buf_, value);
  return *this;
}

Line& Line::Int(absl::string_view key, int64_t value) {
  if (!enabled_) return *this;
  Key(key);
  absl::StrAppend(&buf_, value);
  return *this;
}

Line& Line::Double(absl::string_view key, double value) {
  if (!enabled_) return *this;
  Key(key);
  absl::StrAppend(&buf_, value);
  return *this;
}

Line& Line::Bool(absl::string_view key, bool value) {
  if (!enabled_) return *this;
  Key(key);
  buf_.append(value ? "true" : "false");
  return *this;
}

}  // namespace crm::log
