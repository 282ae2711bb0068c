#include "libs/enums/enum_table.h"

#include "gtest/gtest.h"

namespace crm::enums {
namespace {

enum class Colour { kUnknown, kRed, kGreen };
enum ApiColour { API_COLOUR_UNSPECIFIED, API_COLOUR_RED, API_COLOUR_GREEN };

constexpr Pair<Colour, ApiColour> kApi[] = {{Colour::kRed, API_COLOUR_RED},
                                            {Colour::kGreen, API_COLOUR_GREEN}};
constexpr Named<Colour> kNames[] = {{Colour::kRed, "red"}, {Colour::kGreen, "green"}};

TEST(EnumTableTest, ReadsBothWays) {
  EXPECT_EQ(Lookup(kApi, Colour::kGreen, API_COLOUR_UNSPECIFIED), API_COLOUR_GREEN);
  EXPECT_EQ(ReverseLookup(kApi, API_COLOUR_RED, Colour::kUnknown), Colour::kRed);
  EXPECT_EQ(Lookup(kApi, Colour::kUnknown, API_COLOUR_UNSPECIFIED), API_COLOUR_UNSPECIFIED);
  EXPECT_EQ(Lookup(kNames, Colour::kRed, {}), "red");
  // Names compare by content, not by address.
  const std::string green = "green";
  EXPECT_EQ(ReverseLookup(kNames, green, Colour::kUnknown), Colour::kGreen);
  EXPECT_EQ(ReverseLookup(kNames, "blue", Colour::kUnknown), Colour::kUnknown);
}

}  // namespace
}  // namespace crm::enums
