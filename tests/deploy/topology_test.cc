// The scaled-out topology of docs/deploy.md on loopback, every part its own process: an indexing
// primary served by xapian-replicate-server, two replicas (errkb-indexer follow + errkb-server),
// PostgreSQL for the shared feedback, and HAProxy with deploy/haproxy.cfg in front. Agents' traffic
// goes through HAProxy while the primary updates and rebuilds and a replica is killed and restarted:
// no request fails, the replicas converge on each revision, and every acknowledged feedback is stored.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <regex>
#include <thread>

#include "postgres_cluster.h"
#include "test_util.h"

namespace errkb::deploy::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::free_loopback_port;
using testing::run_logged;

const std::string kIndexer = std::string(ERRKB_BINARY_DIR) + "/errkb-indexer";
const std::string kServer = std::string(ERRKB_BINARY_DIR) + "/errkb-server";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Polls `done` until it holds or `limit` passes; the result of the last poll.
template <typename Done>
bool wait_until(Done done, std::chrono::seconds limit = std::chrono::seconds(90)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// A program running in the background, its output appended to `log`; killed when destroyed.
class Process {
 public:
  Process(const std::vector<std::string>& args, const fs::path& log)
      : log_(log), pid_(testing::spawn_logged(args, log)) {}
  ~Process() { kill_now(); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool started() const { return pid_ > 0; }
  // SIGKILL: the process gets no chance to finish what it was doing.
  void kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }
  std::string log_text() const { return read_text(log_); }

 private:
  fs::path log_;
  pid_t pid_ = 0;
};

// What a database is: its uuid and revision, as xapian-delve reads them.
struct Revision {
  std::string uuid;
  uint64_t revision = 0;
  bool operator==(const Revision&) const = default;
};

Revision delve(const fs::path& index_dir, const fs::path& scratch) {
  const fs::path out = scratch / "delve.out";
  fs::remove(out);
  Revision r;
  if (run_logged({"xapian-delve", (index_dir / "current").string()}, out) != 0) return r;
  const std::string text = read_text(out);
  std::smatch m;
  if (std::regex_search(text, m, std::regex("UUID = ([0-9a-f-]+)"))) r.uuid = m[1];
  if (std::regex_search(text, m, std::regex("revision = ([0-9]+)"))) r.revision = std::stoull(m[1]);
  return r;
}

bool accepts_connections(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(1));
  return client.Get("/readyz") != nullptr;
}

// A KB article with one unique code, so that a replica serving the revision that has it can be told.
void write_probe(const fs::path& kb, int n) {
  const std::string code = "ZQX-" + std::to_string(4000 + n);
  testing::write_file(
      kb / "articles" / "deploy" / ("probe-" + std::to_string(n) + ".md"),
      "---\nid: deploy/probe-" + std::to_string(n) + "\ntitle: Quorum probe fails with " + code +
          "\nlanguage: en\nvendor: Probe\nproduct: Quorum\ncodes: [\"" + code +
          "\"]\n---\n# Quorum probe fails with " + code + "\n\n## Symptoms\n- The probe reports " + code +
          ", quorum lost.\n\n## Cause 1: Too few nodes answered\nThe probe counts nodes.\n\n"
          "## Checks\n- Count the nodes that answer.\n\n## Resolution\n- Start more nodes.\n");
}

// One read replica: the follower and the server on its index, started and killed together.
class Replica {
 public:
  Replica(const fs::path& dir, int primary_port, std::string feedback_url)
      : dir_(dir),
        index_(dir / "index"),
        port_(free_loopback_port()),
        primary_port_(primary_port),
        feedback_url_(std::move(feedback_url)) {
    fs::create_directories(dir_);
  }
  int port() const { return port_; }
  const fs::path& index() const { return index_; }

  // The server starts once the follower has switched to a first generation (it needs an index).
  void start() {
    follower_ = std::make_unique<Process>(
        std::vector<std::string>{kIndexer, "follow", "--index", index_.string(), "--primary",
                                 "127.0.0.1:" + std::to_string(primary_port_), "--interval", "1"},
        dir_ / "follow.log");
    ASSERT_TRUE(wait_until([&] { return fs::exists(index_ / "current"); })) << follower_->log_text();
    server_ = std::make_unique<Process>(
        std::vector<std::string>{kServer, "--index", index_.string(), "--listen",
                                 "127.0.0.1:" + std::to_string(port_), "--feedback-db", feedback_url_},
        dir_ / "server.log");
    ASSERT_TRUE(wait_until([&] { return accepts_connections(port_); })) << server_->log_text();
  }
  void kill() {
    server_.reset();
    follower_.reset();
  }
  std::string logs() const {
    return (follower_ ? follower_->log_text() : "") + (server_ ? server_->log_text() : "");
  }

  // The replica's live generation is `want`, and its server answers with the probe's article.
  bool serves(const Revision& want, int probe) {
    if (!(delve(index_, dir_) == want)) return false;
    httplib::Client client("127.0.0.1", port_);
    auto res = client.Get("/v1/search?q=ZQX-" + std::to_string(4000 + probe));
    return res && res->status == 200 && res->body.find("probe-" + std::to_string(probe)) != std::string::npos;
  }

 private:
  fs::path dir_, index_;
  int port_, primary_port_;
  std::string feedback_url_;
  std::unique_ptr<Process> follower_, server_;
};

// Agents' requests through the balancer, on their own threads until stopped: searches, diagnoses, and
// feedback on each diagnosis' first cause. Every answer that is not a success is a failure.
class Traffic {
 public:
  struct Acknowledged {
    std::string diagnosis_id, cause_id, outcome;
  };

  explicit Traffic(int port) : port_(port) {
    for (int t = 0; t < 2; ++t) threads_.emplace_back([this, t] { run(t); });
  }
  ~Traffic() { stop(); }
  void stop() {
    stopping_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  size_t requests() const { return requests_.load(); }
  std::vector<std::string> failures() {
    std::lock_guard lock(mutex_);
    return failures_;
  }
  std::vector<Acknowledged> acknowledged() {
    std::lock_guard lock(mutex_);
    return acknowledged_;
  }

 private:
  void run(int thread) {
    static const char* kQueries[] = {"ORA-00942", "MySQL ERROR 1045 access denied",
                                     "ebay 931 auth token invalid", "database is locked"};
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(std::chrono::seconds(30));
    for (size_t i = 0; !stopping_; ++i) {
      const std::string q = kQueries[(i + thread) % std::size(kQueries)];
      expect(client.Get("/v1/search", httplib::Params{{"q", q}}, httplib::Headers{}), 200, "search " + q);
      auto diagnosed = client.Post("/v1/diagnose", json{{"text", q}}.dump(), "application/json");
      if (!expect(diagnosed, 200, "diagnose " + q)) continue;
      const json d = json::parse(diagnosed->body);
      if (d["causes"].empty()) continue;
      Acknowledged fb{d["diagnosis_id"], d["causes"][0]["id"], i % 2 ? "resolved" : "not_resolved"};
      auto stored = client.Post(
          "/v1/feedback",
          json{{"diagnosis_id", fb.diagnosis_id}, {"cause_id", fb.cause_id}, {"outcome", fb.outcome}}.dump(),
          "application/json");
      if (expect(stored, 201, "feedback on " + fb.diagnosis_id)) {
        std::lock_guard lock(mutex_);
        acknowledged_.push_back(fb);
      }
    }
  }

  bool expect(const httplib::Result& res, int status, const std::string& what) {
    ++requests_;
    if (res && res->status == status) return true;
    std::lock_guard lock(mutex_);
    failures_.push_back(
        what + ": " +
        (res ? std::to_string(res->status) + " " + res->body : httplib::to_string(res.error())));
    return false;
  }

  int port_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> requests_{0};
  std::mutex mutex_;
  std::vector<std::string> failures_;
  std::vector<Acknowledged> acknowledged_;
  std::vector<std::thread> threads_;
};

TEST(Topology, ReplicasBehindTheBalancerFollowThePrimaryWithoutAFailedRequestOrALostFeedback) {
  testing::TempDir dir("errkb-topology");
  // The primary keeps changesets, so that an update reaches the replicas as one, not as a whole copy.
  ::setenv("XAPIAN_MAX_CHANGESETS", "10", 1);

  testing::PostgresCluster postgres;
  ASSERT_TRUE(postgres.started()) << postgres.problem();

  // The primary: a KB folder, its replicable index, and the replication server on its folder.
  const fs::path kb = dir / "primary-kb", primary = dir / "primary-index";
  fs::copy(testing::source_path("data"), kb, fs::copy_options::recursive);
  auto index = [&](const std::string& command, int probe) {
    write_probe(kb, probe);
    return run_logged({kIndexer, command, "--quiet", "--nice", "0", "--kb", kb.string(), "--index",
                       primary.string(), "--replicable", "on"},
                      dir / "indexer.log");
  };
  ASSERT_EQ(index("update", 1), 0) << read_text(dir / "indexer.log");
  const int replication_port = free_loopback_port();
  Process replication({"xapian-replicate-server", "-p", std::to_string(replication_port), primary.string()},
                      dir / "replicate-server.log");
  ASSERT_TRUE(replication.started());

  Replica first(dir / "replica-1", replication_port, postgres.url());
  Replica second(dir / "replica-2", replication_port, postgres.url());
  ASSERT_NO_FATAL_FAILURE(first.start());
  ASSERT_NO_FATAL_FAILURE(second.start());

  const int balancer_port = free_loopback_port();
  ::setenv("ERRKB_LISTEN", ("127.0.0.1:" + std::to_string(balancer_port)).c_str(), 1);
  ::setenv("ERRKB_REPLICA_1", ("127.0.0.1:" + std::to_string(first.port())).c_str(), 1);
  ::setenv("ERRKB_REPLICA_2", ("127.0.0.1:" + std::to_string(second.port())).c_str(), 1);
  Process balancer({"haproxy", "-db", "-f", testing::source_path("deploy/haproxy.cfg")}, dir / "haproxy.log");
  httplib::Client through_balancer("127.0.0.1", balancer_port);
  ASSERT_TRUE(wait_until([&] {
    auto res = through_balancer.Get("/readyz");
    return res && res->status == 200;
  })) << balancer.log_text();

  auto converged = [&](Replica& replica, int probe) {
    return wait_until([&] { return replica.serves(delve(primary, dir.path()), probe); });
  };
  ASSERT_TRUE(converged(first, 1)) << first.logs();
  ASSERT_TRUE(converged(second, 1)) << second.logs();
  const Revision built = delve(primary, dir.path());

  Traffic traffic(balancer_port);
  auto traffic_moves_on = [&] {
    const size_t before = traffic.requests();
    return wait_until([&] { return traffic.requests() >= before + 20; });
  };
  ASSERT_TRUE(traffic_moves_on());

  // An update: a changeset of the same database.
  ASSERT_EQ(index("update", 2), 0) << read_text(dir / "indexer.log");
  EXPECT_EQ(delve(primary, dir.path()).uuid, built.uuid);
  EXPECT_TRUE(converged(first, 2)) << first.logs();
  EXPECT_TRUE(converged(second, 2)) << second.logs();
  ASSERT_TRUE(traffic_moves_on());

  // A rebuild: a new database (a new uuid), copied whole.
  ASSERT_EQ(index("rebuild", 3), 0) << read_text(dir / "indexer.log");
  EXPECT_NE(delve(primary, dir.path()).uuid, built.uuid);
  EXPECT_TRUE(converged(first, 3)) << first.logs();
  EXPECT_TRUE(converged(second, 3)) << second.logs();
  ASSERT_TRUE(traffic_moves_on());

  // A replica killed; the primary moves on; the other replica carries the traffic; the killed one,
  // restarted, catches up.
  second.kill();
  ASSERT_EQ(index("update", 4), 0) << read_text(dir / "indexer.log");
  EXPECT_TRUE(converged(first, 4)) << first.logs();
  ASSERT_TRUE(traffic_moves_on());
  ASSERT_NO_FATAL_FAILURE(second.start());
  EXPECT_TRUE(converged(second, 4)) << second.logs();
  ASSERT_TRUE(traffic_moves_on());
  traffic.stop();

  const auto failures = traffic.failures();
  EXPECT_TRUE(failures.empty()) << failures.size() << " of " << traffic.requests()
                                << " requests failed; first: " << failures.front() << "\n"
                                << balancer.log_text();
  // Every acknowledged feedback is in the shared database, with its outcome.
  const auto acknowledged = traffic.acknowledged();
  EXPECT_GT(acknowledged.size(), 10u);
  pqxx::connection conn(postgres.url());
  pqxx::nontransaction read(conn);
  for (const auto& fb : acknowledged) {
    auto rows = read.exec_params("SELECT outcome FROM feedback WHERE diagnosis_id = $1 AND cause_id = $2",
                                 fb.diagnosis_id, fb.cause_id);
    ASSERT_EQ(rows.size(), 1u) << fb.diagnosis_id << " " << fb.cause_id;
    EXPECT_EQ(rows[0][0].as<std::string>(), fb.outcome) << fb.diagnosis_id;
  }
  // Both replicas read the same feedback: their gaps reports are one.
  httplib::Client one("127.0.0.1", first.port()), two("127.0.0.1", second.port());
  auto gaps_one = one.Get("/v1/gaps"), gaps_two = two.Get("/v1/gaps");
  ASSERT_TRUE(gaps_one && gaps_two && gaps_one->status == 200 && gaps_two->status == 200);
  EXPECT_EQ(json::parse(gaps_one->body), json::parse(gaps_two->body));

  // The feedback database gone: feedback is refused with 503 feedback_unavailable, not acknowledged;
  // back, the same feedback is stored.
  const auto& last = acknowledged.back();
  const std::string again =
      json{{"diagnosis_id", last.diagnosis_id}, {"cause_id", last.cause_id}, {"outcome", "resolved"}}.dump();
  ASSERT_TRUE(postgres.stop("immediate"));
  auto refused = one.Post("/v1/feedback", again, "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(json::parse(refused->body)["code"], "feedback_unavailable");
  EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
  ASSERT_TRUE(postgres.start());
  auto stored = one.Post("/v1/feedback", again, "application/json");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, 201) << stored->body;
}

}  // namespace
}  // namespace errkb::deploy::test
