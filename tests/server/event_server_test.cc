// EventServer: the framing of buffered requests, and the connection handling over real sockets on
// loopback (pipelining, requests in pieces, 100-continue, chunked bodies, refused bodies, timeouts,
// the connection limit, stopping with connections open).
#include "event_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

namespace errkb::server {
namespace {

using namespace std::chrono_literals;

TEST(FrameRequest, FindsWhereEachRequestEnds) {
  struct Case {
    const char* name;
    std::string buffered;
    RequestFrame expected;
  };
  const std::string get = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string post = "POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\n";
  const std::string chunked_head = "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::vector<Case> cases = {
      {"nothing yet", "", {false, 0, false, false}},
      {"headers in progress", "GET /a HTTP/1.1\r\nHo", {false, 0, false, false}},
      {"a GET", get, {true, get.size(), false, false}},
      {"two pipelined GETs: the first", get + get, {true, get.size(), false, false}},
      {"a body in progress", post + "ab", {false, 0, false, false}},
      {"a whole body", post + "abcde", {true, post.size() + 5, false, false}},
      {"a body, then the next request", post + "abcde" + get, {true, post.size() + 5, false, false}},
      {"header names in any case", "POST /p HTTP/1.1\r\ncontent-LENGTH:  2 \r\n\r\nab", {true, 43, false, false}},
      {"waiting for 100-continue", "POST /p HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n",
       {false, 0, false, true}},
      {"not a number", "POST /p HTTP/1.1\r\nContent-Length: 5x\r\n\r\nabcde", {true, 40, true, false}},
      {"two different lengths", "POST /p HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
       {true, 58, true, false}},
      {"a body over the limit", "POST /p HTTP/1.1\r\nContent-Length: 2000\r\n\r\nabc", {true, 45, true, false}},
      {"chunks with a trailer", chunked_head + "3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: 1\r\n\r\n" + get,
       {true, chunked_head.size() + 30, false, false}},
      {"chunks in progress", chunked_head + "3\r\nabc\r\n", {false, 0, false, false}},
      {"a chunk size that is not hex", chunked_head + "zz\r\nabc\r\n", {true, chunked_head.size() + 9, true, false}},
      {"chunks over the limit", chunked_head + "800\r\n", {true, chunked_head.size() + 5, true, false}},
  };
  for (const auto& c : cases) {
    RequestFrame frame = frame_request(c.buffered, 1024);
    EXPECT_EQ(frame.complete, c.expected.complete) << c.name;
    EXPECT_EQ(frame.length, c.expected.length) << c.name;
    EXPECT_EQ(frame.close_after, c.expected.close_after) << c.name;
    EXPECT_EQ(frame.expects_continue, c.expected.expects_continue) << c.name;
  }
  // Headers that never end are answered (and the connection closed) once over the header limit.
  const std::string endless = "GET /a HTTP/1.1\r\nX: " + std::string(200, 'y');
  EXPECT_FALSE(frame_request(endless, 1024, 1024).complete);
  RequestFrame over = frame_request(endless + std::string(1000, 'y'), 1024, 1024);
  EXPECT_TRUE(over.complete);
  EXPECT_TRUE(over.close_after);
}

// A raw client socket, to send requests in pieces and read exactly what the server writes.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() { close(fd_); }
  bool connected() const { return connected_; }
  bool send_all(const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  // Reads until `stop` says the text is complete, the server closes, or `timeout` passes.
  template <typename Stop>
  std::string read_until(Stop stop, std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!stop(received_) && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      char buffer[65536];
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      received_.append(buffer, static_cast<size_t>(n));
    }
    return received_;
  }
  std::string read_responses(size_t count) {
    return read_until([count](const std::string& text) { return responses_in(text) >= count; });
  }
  // True once the server has closed the connection (within `timeout`).
  bool closed_by_server(std::chrono::milliseconds timeout) {
    read_until([this](const std::string&) { return closed_; }, timeout);
    return closed_;
  }
  static size_t responses_in(const std::string& text) {
    size_t count = 0;
    for (size_t at = text.find("HTTP/1.1 2"); at != std::string::npos; at = text.find("HTTP/1.1 2", at + 1)) {
      // Complete once its body (Content-Length bytes) is there.
      size_t head_end = text.find("\r\n\r\n", at);
      size_t length_at = text.find("Content-Length: ", at);
      if (head_end == std::string::npos || length_at == std::string::npos || length_at > head_end) break;
      size_t length = std::stoul(text.substr(length_at + 16));
      if (text.size() < head_end + 4 + length) break;
      ++count;
    }
    return count;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

class EventServerTest : public ::testing::Test {
 protected:
  void start(EventServerOptions options = {}) {
    server_.Get("/hello", [](const httplib::Request&, httplib::Response& res) { res.set_content("hi", "text/plain"); });
    server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("got:" + req.body, "text/plain");
    });
    server_.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(32 << 20, 'b'), "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    server_.start_loops(options);
    listener_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 200 && !server_.is_running(); ++i) std::this_thread::sleep_for(5ms);
    ASSERT_TRUE(server_.is_running());
  }
  void TearDown() override {
    server_.stop_all();
    if (listener_.joinable()) listener_.join();
  }
  // Waits until the server holds `count` connections.
  bool open_connections_become(size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (server_.open_connections() != count) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

  EventServer server_;
  std::thread listener_;
  int port_ = 0;
};

TEST_F(EventServerTest, AnswersPipelinedRequestsInOrder) {
  start();
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                              "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                              "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string text = client.read_responses(3);
  ASSERT_EQ(RawClient::responses_in(text), 3u) << text;
  size_t first = text.find("\r\n\r\nhi"), second = text.find("got:abc"), third = text.rfind("\r\n\r\nhi");
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
}

TEST_F(EventServerTest, ServesARequestThatArrivesInPieces) {
  start();
  RawClient client(port_);
  const std::string request = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789";
  for (char c : request) {
    ASSERT_TRUE(client.send_all(std::string(1, c)));
    std::this_thread::sleep_for(1ms);
  }
  std::string text = client.read_responses(1);
  EXPECT_NE(text.find("got:0123456789"), std::string::npos) << text;
}

TEST_F(EventServerTest, SendsOneContinueBeforeTheBody) {
  start();
  RawClient client(port_);
  ASSERT_TRUE(client.send_all("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  std::string interim = client.read_until([](const std::string& t) { return t.find("\r\n\r\n") != std::string::npos; });
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(client.send_all("body"));
  std::string text = client.read_responses(1);
  EXPECT_NE(text.find("got:body"), std::string::npos) << text;
  size_t continues = 0;
  for (size_t at = text.find("100 Continue"); at != std::string::npos; at = text.find("100 Continue", at + 1)) {
    ++continues;
  }
  EXPECT_EQ(continues, 1u) << text;
}

TEST_F(EventServerTest, RefusesAnExpectedBodyOverTheLimitWithoutAContinue) {
  server_.set_payload_max_length(1024);
  server_.set_read_timeout(500ms);
  start();
  RawClient client(port_);
  ASSERT_TRUE(client.send_all("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                              "Content-Length: 5000\r\n\r\n"));
  std::string text = client.read_until([](const std::string& t) { return t.find("\r\n\r\n") != std::string::npos; });
  EXPECT_EQ(text.rfind("HTTP/1.1 413", 0), 0u) << text;
  EXPECT_TRUE(client.closed_by_server(3000ms));  // the answer is complete: the server shut its side
}

TEST_F(EventServerTest, ReadsAChunkedBody) {
  start();
  RawClient client(port_);
  ASSERT_TRUE(client.send_all("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"));
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(client.send_all("2\r\nde\r\n0\r\n\r\n"));
  std::string text = client.read_responses(1);
  EXPECT_NE(text.find("got:abcde"), std::string::npos) << text;
}

TEST_F(EventServerTest, RefusesABodyOverTheLimitAndDrainsItBeforeClosing) {
  server_.set_payload_max_length(1024);
  start();
  RawClient client(port_);
  const size_t body = 4 << 20;  // more than the socket buffers: sent while the answer is already out
  const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body) + "\r\n\r\n";
  ASSERT_TRUE(client.send_all(head));
  // Every byte of the body is accepted (drained), not reset, and the 413 is there to read after it.
  EXPECT_TRUE(client.send_all(std::string(body, 'x')));
  std::string text = client.read_until([](const std::string& t) { return t.find("\r\n\r\n") != std::string::npos; });
  EXPECT_EQ(text.rfind("HTTP/1.1 413", 0), 0u) << text;
  EXPECT_TRUE(client.closed_by_server(3000ms));
}

TEST_F(EventServerTest, ClosesIdleAndStalledConnectionsAfterTheirTimeouts) {
  server_.set_keep_alive_timeout(2);  // httplib counts it in whole seconds
  server_.set_read_timeout(300ms);
  start();
  RawClient idle(port_);  // served once, then idle
  ASSERT_TRUE(idle.send_all("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(RawClient::responses_in(idle.read_responses(1)), 1u);
  const auto idle_since = std::chrono::steady_clock::now();
  RawClient stalled(port_);  // stops in the middle of its headers
  ASSERT_TRUE(stalled.send_all("GET /hello HTTP/1.1\r\nHo"));
  RawClient silent(port_);  // connects and says nothing
  EXPECT_TRUE(stalled.closed_by_server(3000ms));
  EXPECT_TRUE(silent.closed_by_server(3000ms));
  // The read timeout is over for those two; an idle connection waits for the keep-alive timeout.
  if (std::chrono::steady_clock::now() - idle_since < 1500ms) EXPECT_FALSE(idle.closed_by_server(50ms));
  EXPECT_TRUE(idle.closed_by_server(4000ms));
  EXPECT_GE(std::chrono::steady_clock::now() - idle_since, 1900ms);
  EXPECT_TRUE(open_connections_become(0, 2000ms));
}

TEST_F(EventServerTest, ClosesAConnectionThatDoesNotReadItsAnswer) {
  server_.set_write_timeout(300ms);
  start();
  RawClient client(port_);
  ASSERT_TRUE(client.send_all("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));  // 32 MiB, never read
  ASSERT_TRUE(open_connections_become(1, 2000ms));
  EXPECT_TRUE(open_connections_become(0, 5000ms));
}

TEST_F(EventServerTest, SaysConnectionCloseOnTheLastRequestOfAConnection) {
  server_.set_keep_alive_max_count(2);
  start();
  RawClient client(port_);
  ASSERT_TRUE(client.send_all("GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                              "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(client.closed_by_server(3000ms));
  std::string text = client.read_responses(3);
  EXPECT_EQ(RawClient::responses_in(text), 2u) << text;  // the third is not run
  EXPECT_NE(text.find("Connection: close"), std::string::npos) << text;
}

TEST_F(EventServerTest, ClosesConnectionsBeyondTheLimit) {
  EventServerOptions options;
  options.max_connections = 2;
  start(options);
  RawClient first(port_), second(port_);
  ASSERT_TRUE(open_connections_become(2, 2000ms));
  RawClient third(port_);
  EXPECT_TRUE(third.closed_by_server(3000ms));
  EXPECT_EQ(server_.refused_connections(), 1u);
  ASSERT_TRUE(first.send_all("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(RawClient::responses_in(first.read_responses(1)), 1u);
}

TEST_F(EventServerTest, ManyClientsAtOnceEachGetTheirOwnAnswers) {
  start();
  std::vector<std::thread> clients;
  std::mutex mutex;
  std::vector<std::string> wrong;  // what each wrong answer was
  for (int t = 0; t < 16; ++t) {
    clients.emplace_back([this, t, &mutex, &wrong] {
      httplib::Client client("127.0.0.1", port_);
      client.set_keep_alive(true);
      for (int i = 0; i < 50; ++i) {
        const std::string body = std::to_string(t) + "/" + std::to_string(i);
        auto r = client.Post("/echo", body, "text/plain");
        if (r && r->body == "got:" + body) continue;
        std::lock_guard lock(mutex);
        wrong.push_back(body + ": " + (r ? r->body : "error " + httplib::to_string(r.error())));
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_TRUE(wrong.empty()) << wrong.size() << " wrong, the first " << wrong.front();
}

TEST_F(EventServerTest, StopsWithConnectionsOpen) {
  start();
  RawClient a(port_), b(port_);
  ASSERT_TRUE(a.send_all("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(RawClient::responses_in(a.read_responses(1)), 1u);
  ASSERT_TRUE(open_connections_become(2, 2000ms));
  server_.stop_all();
  EXPECT_EQ(server_.open_connections(), 0u);
  EXPECT_TRUE(a.closed_by_server(2000ms));
  EXPECT_TRUE(b.closed_by_server(2000ms));
}

}  // namespace
}  // namespace errkb::server
