// errkb-server killed with SIGKILL while agents send feedback, at seeded random moments: every
// feedback it acknowledged (201) is in the store when it comes back. The moment of a kill is a number
// of acknowledged feedbacks, drawn from a seeded generator (ERRKB_CRASH_SEED=<n> replays a run).
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "server_fixture.h"
#include "server_process.h"

namespace errkb::server::test {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr int kKills = 15;
constexpr int kClients = 3;
constexpr int kDiagnoses = 600;
constexpr const char* kJson = "application/json";

struct Rated {
  std::string diagnosis_id, cause_id;
};

class CrashFeedback : public ::testing::Test {
 protected:
  void SetUp() override {
    write_test_kb(dir_ / "kb");
    build_index(dir_ / "kb", dir_ / "index");
  }

  std::unique_ptr<ServerProcess> start_server(int& port) {
    auto server =
        std::make_unique<ServerProcess>(dir_ / "index", dir_ / "feedback.sqlite", dir_ / "server.log");
    port = server->started() ? server->wait_for_port(seconds(60)) : 0;
    EXPECT_GT(port, 0) << server->log_text();
    return server;
  }

  // Diagnoses of the test KB's problems, each cause of each one a feedback to give; the server that
  // answered them stops cleanly, so the diagnoses are stored (what a kill may lose of diagnoses is not
  // what this test is about).
  std::vector<Rated> diagnose_all() {
    int port = 0;
    auto server = start_server(port);
    httplib::Client client("127.0.0.1", port);
    const char* texts[] = {"Windows Update error 0x80070005 access denied", "custom domain does not resolve",
                           "535 5.7.8 authentication credentials invalid", "ACP-1001 card declined"};
    std::vector<Rated> pairs;
    for (int i = 0; i < kDiagnoses; ++i) {
      const json d =
          body_json(client.Post("/v1/diagnose", json{{"text", texts[i % std::size(texts)]}}.dump(), kJson));
      if (!d.is_object() || !d.contains("diagnosis_id")) {
        ADD_FAILURE() << "diagnose answered " << d.dump();
        break;
      }
      for (const auto& cause : d["causes"]) pairs.push_back({d["diagnosis_id"], cause["id"]});
    }
    EXPECT_TRUE(server->stop_with(SIGTERM, seconds(60))) << server->log_text();
    return pairs;
  }

  static httplib::Result rate(httplib::Client& client, const Rated& r) {
    return client.Post(
        "/v1/feedback",
        json{{"diagnosis_id", r.diagnosis_id}, {"cause_id", r.cause_id}, {"outcome", "resolved"}}.dump(),
        kJson);
  }

  errkb::testing::TempDir dir_{"errkb-crash-feedback"};
};

TEST_F(CrashFeedback, EveryAcknowledgedFeedbackSurvivesAKillOfTheServer) {
  const uint64_t seed = errkb::testing::crash_seed();
  std::mt19937_64 rng(seed);
  const std::vector<Rated> pairs = diagnose_all();
  ASSERT_GE(pairs.size(), static_cast<size_t>(kKills * 100));
  const size_t per_round = pairs.size() / kKills;

  size_t acknowledged_in_all = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    SCOPED_TRACE("ERRKB_CRASH_SEED=" + std::to_string(seed) + ", kill " + std::to_string(kill));
    // Each round rates pairs no other round rates: after the kill, rating one again must replace it.
    const size_t first = per_round * static_cast<size_t>(kill);
    const size_t moment = std::uniform_int_distribution<size_t>(1, per_round / 2)(rng);
    int port = 0;
    auto server = start_server(port);
    ASSERT_GT(port, 0);
    std::atomic<size_t> next{first};
    std::mutex acknowledged_mutex;
    std::vector<Rated> acknowledged;
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&] {
        httplib::Client client("127.0.0.1", port);
        for (size_t i; (i = next.fetch_add(1)) < first + per_round;) {
          auto r = rate(client, pairs[i]);
          if (!r) return;  // the server is gone
          if (r->status != 201) continue;
          std::lock_guard lock(acknowledged_mutex);
          acknowledged.push_back(pairs[i]);
        }
      });
    }
    const bool reached = errkb::testing::poll_until(seconds(120), [&] {
      std::lock_guard lock(acknowledged_mutex);
      return acknowledged.size() >= moment;
    });
    EXPECT_TRUE(reached) << server->log_text();
    EXPECT_TRUE(server->stop_with(SIGKILL, seconds(60)));
    for (auto& t : clients) t.join();
    EXPECT_TRUE(server->killed_by(SIGKILL));
    EXPECT_LT(acknowledged.size(), per_round) << "the kill landed after every feedback of the round";

    auto restarted = start_server(port);
    ASSERT_GT(port, 0);
    httplib::Client client("127.0.0.1", port);
    size_t missing = 0;
    for (const Rated& r : acknowledged) {
      const json answer = body_json(rate(client, r));
      if (!answer.is_object() || answer.value("replaced", false) != true) {
        ++missing;
        ADD_FAILURE() << "acknowledged feedback " << r.diagnosis_id << "/" << r.cause_id
                      << " is missing: " << answer.dump();
      }
    }
    EXPECT_EQ(missing, 0u) << "of " << acknowledged.size();
    acknowledged_in_all += acknowledged.size();
    EXPECT_TRUE(restarted->stop_with(SIGTERM, seconds(60))) << restarted->log_text();
  }
  std::cout << acknowledged_in_all << " acknowledged feedbacks over " << kKills << " kills, none lost (seed "
            << seed << ")\n";
}

}  // namespace
}  // namespace errkb::server::test
