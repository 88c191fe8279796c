// A small KB written into a temp dir, indexed with the real indexer, and a real errkb-server on an
// ephemeral loopback port.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "api_key_fixture.h"
#include "errkb/indexer.h"
#include "server.h"
#include "test_util.h"

namespace errkb::server::test {

inline constexpr const char* kUpdateArticle = R"md(---
id: windows/update-0x80070005
title: Windows Update fails with error 0x80070005 (access denied)
language: en
vendor: Microsoft
product: Windows Update
codes: ["0x80070005"]
url: https://help.example/kb/update-0x80070005
---
# Windows Update fails with error 0x80070005

The desktop sync app installs runtime components through Windows Update. When Windows refuses
to write to a system folder the installer stops with code 0x80070005.

## Symptoms
- The installer stops with "Error 0x80070005: Access is denied".
- Windows Update history lists the update as failed.

## Cause 1: The account is not an administrator
A standard user account cannot write to the Program Files folder, and the installer fails with
access denied when the elevation prompt is dismissed.

## Checks
- Run whoami /groups and look for the Administrators group.

## Resolution 1
Right-click the installer and choose Run as administrator, then enter an administrator password.

## Cause 2: Antivirus locks the SoftwareDistribution folder
Some antivirus products lock downloaded update files while scanning them, so Windows Update
cannot replace them and reports access denied.

## Checks
- Look in the antivirus quarantine log for files under SoftwareDistribution.

## Resolution 2
Pause the antivirus real-time protection, retry the update, then turn protection back on.

## Prevention
Keep the installer signed and run it from an administrator account.
)md";

inline constexpr const char* kDnsArticle = R"md(---
id: dns/custom-domain-not-verified
title: Custom domain shows "domain not verified" after changing DNS records
language: en
vendor: ShopFlow
product: Hosting
url: https://help.example/kb/custom-domain
---
# Custom domain shows "domain not verified"

## Symptoms
- The store settings page says the domain is not verified.
- Visitors see the old website or a certificate warning.

## Cause 1: DNS records not propagated yet
DNS changes take up to 48 hours to reach every resolver because of the record TTL.

## Resolution 1
Wait for the TTL to expire and check the records again with dig.

## Cause 2: A records point to the old host
The A record still points to the previous hosting provider.

## Resolution 2
Change the A record to the store's IP address shown in the domain settings.
)md";

inline constexpr const char* kSmtpArticle = R"md(---
id: email/smtp-535-authentication
title: Order emails not sent, SMTP 535 authentication failed
language: en
vendor: ShopFlow
product: Email
url: https://help.example/kb/smtp-535
---
# Order emails not sent: SMTP 535 authentication failed

## Symptoms
- Customers do not receive order confirmation emails.
- The email log shows "535 5.7.8 Authentication credentials invalid".

## Cause
The mailbox password was changed or the provider requires an app password.

## Resolution
Create an app password at the mail provider and enter it in the store's SMTP settings.
)md";

inline constexpr const char* kCatalogue = R"json({
  "vendor": "AcmePay",
  "product": "Gateway",
  "language": "en",
  "code_pattern": "ACP-[0-9]{4}",
  "errors": [
    {"code": "ACP-1001", "name": "CARD_DECLINED", "severity": "Error", "category": "Payment",
     "message": "The card was declined", "description": "The card issuer refused the authorisation.",
     "causes": ["Insufficient funds"], "resolution": "Ask the customer for another card",
     "url": "https://docs.acmepay.example/errors/ACP-1001"},
    {"code": "ACP-2002", "name": "INVALID_API_KEY", "severity": "Error", "category": "Auth",
     "message": "The API key is not valid", "description": "The key was revoked or mistyped.",
     "resolution": "Create a new API key in the gateway dashboard"}
  ]
})json";

// The demo-sized KB the server tests run on.
inline void write_test_kb(const std::filesystem::path& kb) {
  testing::write_file(kb / "articles/windows/update-0x80070005.md", kUpdateArticle);
  testing::write_file(kb / "articles/dns/custom-domain.md", kDnsArticle);
  testing::write_file(kb / "articles/email/smtp-535.md", kSmtpArticle);
  testing::write_file(kb / "catalogues/acmepay.json", kCatalogue);
}

// Builds the index with the real indexer (rebuild: a fresh index switched in atomically).
inline void build_index(const std::filesystem::path& kb, const std::filesystem::path& index) {
  IndexerOptions options;
  options.kb_dirs = {kb};
  options.index_dir = index;
  options.threads = 1;
  auto report = rebuild_index(options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
}

// The test KB written and indexed under `dir`, and the settings of a server for it (two event loops,
// the feedback store beside the index): for suites that share one server.
inline ServerConfig indexed_test_kb(const std::filesystem::path& dir) {
  write_test_kb(dir / "kb");
  build_index(dir / "kb", dir / "index");
  ServerConfig config;
  config.index_dir = dir / "index";
  config.feedback_db = dir / "feedback.sqlite";
  config.threads = 2;
  return config;
}

// A running server; stops and joins on destruction.
class RunningServer {
 public:
  explicit RunningServer(const ServerConfig& config, bool log_requests = false) {
    ServerConfig c = config;
    c.listen_host = "127.0.0.1";
    c.listen_port = 0;
    c.log_requests = log_requests;
    EXPECT_TRUE(validate(c).ok());
    auto created = ErrkbServer::Create(c);
    if (!created.ok()) {
      ADD_FAILURE() << created.status().ToString();
      return;
    }
    server_ = std::move(created).value();
    auto port = server_->bind();
    if (!port.ok()) {
      ADD_FAILURE() << port.status().ToString();
      return;
    }
    port_ = *port;
    thread_ = std::thread([this] { server_->listen(); });
    for (int i = 0; i < 500 && !server_->is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_TRUE(server_->is_running());
  }
  ~RunningServer() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  bool ok() const { return server_ && port_ > 0; }
  int port() const { return port_; }
  ErrkbServer& server() { return *server_; }
  std::unique_ptr<httplib::Client> client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_connection_timeout(5);
    c->set_read_timeout(30);
    return c;
  }

 private:
  std::unique_ptr<ErrkbServer> server_;
  int port_ = 0;
  std::thread thread_;
};

// One server on the test KB for a whole suite (`Suite` gives each suite its own), with a key that may
// search ("reader-key") and one that may also give feedback ("agent-key"), and one allowed origin.
template <typename Suite>
class SharedServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new errkb::testing::TempDir("errkb-shared");
    ServerConfig config = indexed_test_kb(dir_->path());
    config.cors_origins = {"https://desk.example.com"};
    config.api_keys = {key("reader", "reader-key", {Scope::kSearch}),
                       key("agent", "agent-key", {Scope::kSearch, Scope::kFeedback})};
    server_ = new RunningServer(config);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(server_->ok()); }

  static inline errkb::testing::TempDir* dir_ = nullptr;
  static inline RunningServer* server_ = nullptr;
};

inline nlohmann::json body_json(const httplib::Result& r) {
  if (!r) return nullptr;
  return nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
}

}  // namespace errkb::server::test
