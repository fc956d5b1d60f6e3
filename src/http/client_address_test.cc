#include "http/client_address.h"

#include <gtest/gtest.h>

namespace labelloop::http {
namespace {

TEST(ClientAddressTest, WithoutTrustedProxiesTheHeaderIsIgnored) {
  EXPECT_EQ(ClientAddress("203.0.113.7", "1.2.3.4", {}), "203.0.113.7");
  EXPECT_EQ(ClientAddress("127.0.0.1", "1.2.3.4", {}), "127.0.0.1") << "off by default";
  EXPECT_EQ(ClientAddress("203.0.113.7", "1.2.3.4", {"127.0.0.1"}), "203.0.113.7") << "not from the proxy";
}

TEST(ClientAddressTest, BehindATrustedProxyTheRightmostUntrustedEntryIsTheClient) {
  const std::vector<std::string> proxies = {"127.0.0.1", "10.0.0.2"};
  EXPECT_EQ(ClientAddress("127.0.0.1", "198.51.100.9", proxies), "198.51.100.9");
  // A client that forges its own entry only adds to the left of what the proxy appended.
  EXPECT_EQ(ClientAddress("127.0.0.1", "6.6.6.6, 198.51.100.9", proxies), "198.51.100.9");
  EXPECT_EQ(ClientAddress("127.0.0.1", "198.51.100.9, 10.0.0.2", proxies), "198.51.100.9") << "two proxies";
  EXPECT_EQ(ClientAddress("127.0.0.1", "2001:db8::1", proxies), "2001:db8::1");
  EXPECT_EQ(ClientAddress("127.0.0.1", "", proxies), "127.0.0.1") << "no header: the proxy itself";
  EXPECT_EQ(ClientAddress("127.0.0.1", "garbage, 198.51.100.9", proxies), "198.51.100.9");
  EXPECT_EQ(ClientAddress("127.0.0.1", "198.51.100.9, garbage", proxies), "127.0.0.1") << "malformed: fail safe";
  EXPECT_EQ(ClientAddress("127.0.0.1", "10.0.0.2", proxies), "127.0.0.1") << "only proxies";
}

TEST(ClientAddressTest, TrustedProxiesMustBeAddresses) {
  EXPECT_TRUE(ValidateTrustedProxies({"127.0.0.1", "::1"}).ok());
  EXPECT_EQ(ValidateTrustedProxies({"localhost"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTrustedProxies({"10.0.0.0/8"}).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(IsIpAddress(""));
  EXPECT_FALSE(IsIpAddress("1.2.3.4 "));
}

}  // namespace
}  // namespace labelloop::http
