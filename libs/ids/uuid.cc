#include "libs/ids/uuid.h"

#include <chrono>
#include <cstdint>
#include <mutex>

#include "absl/random/random.h"

namespace crm::ids {

namespace {

// The millisecond and the counter of the last id this process made. Within a millisecond the
// counter (42 bits: rand_a and the top of rand_b, RFC 9562 §6.2 method 1) counts up from a
// random start below 2^41, so ids of the same millisecond sort in the order they were made;
// if it ever runs out, or the clock steps back, the id borrows the next millisecond.
struct Monotonic {
  std::mutex mu;
  uint64_t ms = 0;
  uint64_t counter = 0;
};

constexpr int kCounterBits = 42;
constexpr uint64_t kCounterMax = (uint64_t{1} << kCounterBits) - 1;

}  // namespace

std::string NewUuidV7() {
  static Monotonic* const state = new Monotonic();
  thread_local absl::BitGen gen;
  const uint64_t fresh = absl::Uniform<uint64_t>(gen) >> (64 - (kCounterBits - 1));
  const uint32_t tail = absl::Uniform<uint32_t>(gen);
  const uint64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  uint64_t ms, counter;
  {
    std::lock_guard<std::mutex> lock(state->mu);
    if (now > state->ms) {
      state->ms = now;
      state->counter = fresh;
    } else if (state->counter < kCounterMax) {
      ++state->counter;
    } else {
      ++state->ms;
      state->counter = fresh;
    }
    ms = state->ms;
    counter = state->counter;
  }
  UuidBytes b;
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (8 * (5 - i)));
  b[6] = static_cast<uint8_t>(0x70 | ((counter >> 38) & 0x0F));  // version 7
  b[7] = static_cast<uint8_t>(counter >> 30);
  b[8] = static_cast<uint8_t>(0x80 | ((counter >> 24) & 0x3F));  // RFC 9562 variant
  b[9] = static_cast<uint8_t>(counter >> 16);
  b[10] = static_cast<uint8_t>(counter >> 8);
  b[11] = static_cast<uint8_t>(counter);
  for (int i = 0; i < 4; ++i) b[12 + i] = static_cast<uint8_t>(tail >> (8 * (3 - i)));
  return FormatUuid(b);
}

bool IsUuid(absl::string_view s) {
  UuidBytes b;
  return ParseUuid(s, &b);
}

bool ParseUuid(absl::string_view s, UuidBytes* out) {
  if (s.size() != 36) return false;
  const auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  size_t k = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
      continue;
    }
    const int hi = hex(s[i]), lo = hex(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[k++] = static_cast<uint8_t>(hi * 16 + lo);
    ++i;
  }
  return true;
}

std::string FormatUuid(const UuidBytes& b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0xF]);
  }
  return out;
}

}  // namespace crm::ids
