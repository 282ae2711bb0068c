#include "services/customers/src/trigrams.h"

#include <locale.h>
#include <wctype.h>

#include <algorithm>
#include <array>

namespace crm::customers_service {
namespace {

// One character of UTF-8 text: its code point and how many bytes it takes. Bytes that are not
// UTF-8 (PostgreSQL never stores such text) count as one character each.
uint32_t Decode(absl::string_view s, size_t i, int* len) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  int n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    *len = 1;
    return c;
  }
  uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) {
      *len = 1;
      return c;
    }
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  *len = n;
  return cp;
}

void Encode(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// pg_trgm's hash of a trigram longer than three bytes: PostgreSQL's "legacy" CRC-32 (the
// reflected table applied most-significant byte first), of which the first three bytes in
// memory (little-endian) are kept.
const std::array<uint32_t, 256>& CrcTable() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  return table;
}

uint32_t TrigramKey(const char* bytes, size_t len) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes);
  if (len == 3) return (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
  const auto& table = CrcTable();
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < len; ++i) crc = table[((crc >> 24) ^ p[i]) & 0xFF] ^ (crc << 8);
  crc ^= 0xFFFFFFFFu;
  return ((crc & 0xFF) << 16) | (((crc >> 8) & 0xFF) << 8) | ((crc >> 16) & 0xFF);
}

}  // namespace

std::unique_ptr<TextRules> TextRules::ForLocale(const std::string& lc_ctype) {
  std::unique_ptr<TextRules> rules(new TextRules());
  if (lc_ctype == "C" || lc_ctype == "POSIX") return rules;
  locale_t loc = newlocale(LC_CTYPE_MASK, lc_ctype.c_str(), static_cast<locale_t>(nullptr));
  if (loc == static_cast<locale_t>(nullptr)) return nullptr;
  rules->locale_ = loc;
  return rules;
}

TextRules::~TextRules() {
  if (locale_ != nullptr) freelocale(static_cast<locale_t>(locale_));
}

uint32_t TextRules::LowerChar(uint32_t c) const {
  if (locale_ == nullptr || c < 0x80) return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
  return static_cast<uint32_t>(towlower_l(static_cast<wint_t>(c), static_cast<locale_t>(locale_)));
}

bool TextRules::IsWordChar(uint32_t c) const {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  if (locale_ == nullptr) return false;
  const auto loc = static_cast<locale_t>(locale_);
  return iswalpha_l(static_cast<wint_t>(c), loc) || iswdigit_l(static_cast<wint_t>(c), loc);
}

std::string TextRules::Lower(absl::string_view text) const {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    int len;
    const uint32_t c = Decode(text, i, &len);
    if (len == 1 && c >= 0x80) {
      out.push_back(text[i]);  // not UTF-8: kept as it is
    } else {
      Encode(LowerChar(c), &out);
    }
    i += len;
  }
  return out;
}

std::vector<uint32_t> TextRules::Trigrams(absl::string_view text) const {
  std::vector<uint32_t> out;
  std::string word;            // "  " + lowered word + " "
  std::vector<size_t> starts;  // where each of its characters begins
  size_t i = 0;
  while (i < text.size()) {
    int len;
    uint32_t c = Decode(text, i, &len);
    if (!IsWordChar(c)) {
      i += len;
      continue;
    }
    word.assign("  ");
    starts.assign({0, 1});
    while (i < text.size() && IsWordChar(c)) {
      starts.push_back(word.size());
      Encode(LowerChar(c), &word);
      i += len;
      if (i < text.size()) c = Decode(text, i, &len);
    }
    starts.push_back(word.size());
    word.push_back(' ');
    starts.push_back(word.size());  // the end
    for (size_t k = 0; k + 3 < starts.size(); ++k) {
      out.push_back(TrigramKey(word.data() + starts[k], starts[k + 3] - starts[k]));
    }
  }
  return out;
}

std::vector<uint32_t> CodePoints(absl::string_view text) {
  std::vector<uint32_t> out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    int len;
    out.push_back(Decode(text, i, &len));
    i += len;
  }
  return out;
}

std::vector<uint32_t> UniqueTrigrams(std::vector<uint32_t> trigrams) {
  std::sort(trigrams.begin(), trigrams.end());
  trigrams.erase(std::unique(trigrams.begin(), trigrams.end()), trigrams.end());
  return trigrams;
}

TextTrigrams PrepareTrigrams(const std::vector<uint32_t>& trigrams) {
  TextTrigrams out;
  out.unique = UniqueTrigrams(trigrams);
  out.order.reserve(trigrams.size());
  for (uint32_t t : trigrams) {
    out.order.push_back(static_cast<uint16_t>(
        std::lower_bound(out.unique.begin(), out.unique.end(), t) - out.unique.begin()));
  }
  return out;
}

// pg_trgm's method: each trigram of the text belongs to a class (the query's trigrams first);
// a window of the text ends at every trigram the query has, and its start moves right while
// that raises count / (query trigrams + window trigrams - count), over distinct trigrams.
float WordSimilarity(const std::vector<uint32_t>& query, const TextTrigrams& text) {
  const int ulen1 = static_cast<int>(query.size());
  const int len2 = static_cast<int>(text.order.size());
  if (ulen1 == 0 || len2 == 0) return 0.0f;

  // Class of each of the text's distinct trigrams: its index in `query`, or ulen1 + k for the
  // k-th other one. (Scratch space kept per thread: a search scores a hundred names or more.)
  thread_local std::vector<int> cls, lastpos;
  cls.resize(text.unique.size());
  int next = ulen1;
  size_t qi = 0;
  for (size_t u = 0; u < text.unique.size(); ++u) {
    while (qi < query.size() && query[qi] < text.unique[u]) ++qi;
    cls[u] = qi < query.size() && query[qi] == text.unique[u] ? static_cast<int>(qi) : next++;
  }
  const auto at = [&](int i) { return cls[text.order[i]]; };
  const auto found = [ulen1](int c) { return c < ulen1; };
  const auto sml = [ulen1](int count, int ulen2) {
    return static_cast<float>(count) / static_cast<float>(ulen1 + ulen2 - count);
  };

  lastpos.assign(next, -1);
  int ulen2 = 0, count = 0, lower = -1;
  float best = 0.0f;
  for (int i = 0; i < len2; ++i) {
    const int c = at(i);
    if (lower >= 0 || found(c)) {
      if (lastpos[c] < 0) {
        ++ulen2;
        if (found(c)) ++count;
      }
      lastpos[c] = i;
    }
    if (!found(c)) continue;
    if (lower == -1) {
      lower = i;
      ulen2 = 1;
    }
    float cur = sml(count, ulen2);
    int tmp_count = count, tmp_ulen2 = ulen2;
    const int prev_lower = lower;
    for (int tl = lower; tl <= i; ++tl) {
      const float s = sml(tmp_count, tmp_ulen2);
      if (s > cur) {
        cur = s;
        ulen2 = tmp_ulen2;
        lower = tl;
        count = tmp_count;
      }
      const int tc = at(tl);
      if (lastpos[tc] == tl) {
        --tmp_ulen2;
        if (found(tc)) --tmp_count;
      }
    }
    best = std::max(best, cur);
    for (int tl = prev_lower; tl < lower; ++tl) {
      const int tc = at(tl);
      if (lastpos[tc] == tl) lastpos[tc] = -1;
    }
  }
  return best;
}

}  // namespace crm::customers_service
