#pragma once
// PostgreSQL's text rules, computed in the service for the in-memory name index: lower() and
// pg_trgm's trigrams and word_similarity(), giving the same answers as the database for the
// same character-type locale (its lc_ctype), so the index finds exactly what the SQL would.
//
// A trigram is kept as pg_trgm keeps it: three bytes, the characters themselves when they are
// three single-byte characters, otherwise three bytes of a CRC of their UTF-8 bytes.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace crm::customers_service {

class TextRules {
 public:
  // The rules of the named LC_CTYPE ("C.UTF-8", "zh_CN.UTF-8", "C"); nullptr when this
  // machine does not have that locale.
  static std::unique_ptr<TextRules> ForLocale(const std::string& lc_ctype);
  ~TextRules();

  // lower(text) of a UTF-8 string.
  std::string Lower(absl::string_view text) const;
  // The trigrams of every word of `text`, in order, repeats kept (pg_trgm's
  // generate_trgm_only): words are runs of letters and digits, lowered, padded with two
  // blanks in front and one behind.
  std::vector<uint32_t> Trigrams(absl::string_view text) const;

 private:
  TextRules() = default;
  uint32_t LowerChar(uint32_t c) const;
  bool IsWordChar(uint32_t c) const;

  void* locale_ = nullptr;  // locale_t; nullptr for the C locale (ASCII rules)
};

// The code points of UTF-8 text (bytes that are not UTF-8 count as one character each).
std::vector<uint32_t> CodePoints(absl::string_view text);

// Sorted, without repeats.
std::vector<uint32_t> UniqueTrigrams(std::vector<uint32_t> trigrams);

// A text's trigrams ready to be scored against many queries: each once (sorted), and for each
// trigram in order, its place in that list.
struct TextTrigrams {
  std::vector<uint32_t> unique;
  std::vector<uint16_t> order;
};
// From TextRules::Trigrams of the text.
TextTrigrams PrepareTrigrams(const std::vector<uint32_t>& trigrams);

// word_similarity(query, text): the greatest similarity between the query's trigrams and
// those of any stretch of `text`. `query` is UniqueTrigrams of the query.
float WordSimilarity(const std::vector<uint32_t>& query, const TextTrigrams& text);

}  // namespace crm::customers_service
