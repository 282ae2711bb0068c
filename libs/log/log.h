#pragma once
// Structured logs: one JSON object per line on stdout, written by a background thread so a
// request never waits on the terminal or a log shipper.
//
//   crm::log::Info("user created").Str("user_id", id).Int("roles", 2);
//
// Every line carries time, level, service, msg and, when set on the thread, request_id and
// user_id (see ScopedContext). Never log secrets: passwords, tokens, key material.

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crm::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Call once at start, before other threads log. fd defaults to stdout.
void Configure(absl::string_view service, Level min_level, int fd = 1);
// Parses "debug" | "info" | "warn" | "error"; false if unknown.
bool ParseLevel(absl::string_view text, Level* level);
// Writes every pending line; call before exit.
void Flush();

// The request being served on this thread; lines written while it lives carry its ids.
class ScopedContext {
 public:
  ScopedContext(absl::string_view request_id, absl::string_view user_id);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;

 private:
  std::string previous_request_id_;
  std::string previous_user_id_;
};

// Appends `value` to `out` as a JSON string literal (quoted, escaped, invalid UTF-8 replaced).
void AppendJsonString(std::string* out, absl::string_view value);
// Appends `t` as the lines' time: UTC, milliseconds ("2026-11-28T00:06:01.142Z").
void AppendTime(std::string* out, absl::Time t);

// One log line, written when it goes out of scope.
class Line {
 public:
  Line(Level level, absl::string_view msg);
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  Line& Str(absl::string_view key, absl::string_view value);
  Line& Int(absl::string_view key, int64_t value);
  Line& Double(absl::string_view key, double value);
  Line& Bool(absl::string_view key, bool value);

 private:
  void Key(absl::string_view key);
  bool enabled_;
  bool urgent_;
  std::string buf_;
};

inline Line Debug(absl::string_view msg) { return Line(Level::kDebug, msg); }
inline Line Info(absl::string_view msg) { return Line(Level::kInfo, msg); }
inline Line Warn(absl::string_view msg) { return Line(Level::kWarn, msg); }
inline Line Error(absl::string_view msg) { return Line(Level::kError, msg); }

}  // namespace crm::log
