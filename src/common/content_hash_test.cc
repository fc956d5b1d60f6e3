#include "common/content_hash.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace labelloop {
namespace {

TEST(ContentHashTest, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(ContentHashTest, Base64RoundTripsAndRefusesGarbage) {
  // RFC 4648 section 10.
  const std::pair<std::string, std::string> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), plain);
  }
  EXPECT_EQ(Base64Decode("Zm9"), std::nullopt);
  EXPECT_EQ(Base64Decode("Zm9v!A=="), std::nullopt);
  EXPECT_EQ(HmacSha256Base64("Jefe", "what do ya want for nothing?"), "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
}

}  // namespace
}  // namespace labelloop

namespace labelloop {
namespace {

TEST(ContentHashTest, FileHashIsTheHashOfItsBytesReadInPieces) {
  const std::string path = ::testing::TempDir() + "/content_hash_test.bin";
  std::string bytes;
  for (int i = 0; i < 200'000; ++i) bytes.push_back(static_cast<char>(i * 7));
  std::ofstream(path, std::ios::binary) << bytes;
  auto hash = Sha256HexOfFile(path);
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_EQ(*hash, Sha256Hex(bytes));
  std::remove(path.c_str());
  EXPECT_EQ(Sha256HexOfFile(path).status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace labelloop
