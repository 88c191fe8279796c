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
      {"header names in any case",
       "POST /p HTTP/1.1\r\ncontent-LENGTH:  2 \r\n\r\nab",
       {true, 43, false, false}},
      {"waiting for 100-continue",
       "POST /p HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n",
       {false, 0, false, true}},
      {"chunks with a trailer",
       chunked_head + "3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: 1\r\n\r\n" + get,
       {true, chunked_head.size() + 30, false, false}},
      {"chunks in progress", chunked_head + "3\r\nabc\r\n", {false, 0, false, false}},
      {"a CR at the end, its LF on the way", "GET /a HTTP/1.1\r\nHost: x\r", {false, 0, false, false}},
  };
  for (const auto& c : cases) {
    RequestFrame frame = frame_request(c.buffered, 1024);
    EXPECT_EQ(frame.complete, c.expected.complete) << c.name;
    EXPECT_EQ(frame.length, c.expected.length) << c.name;
    EXPECT_EQ(frame.close_after, c.expected.close_after) << c.name;
    EXPECT_EQ(frame.expects_continue, c.expected.expects_continue) << c.name;
    EXPECT_EQ(frame.refuse, 0) << c.name;
  }
  // Headers that never end are answered (and the connection closed) once over the header limit.
  const std::string endless = "GET /a HTTP/1.1\r\nX: " + std::string(200, 'y');
  EXPECT_FALSE(frame_request(endless, 1024, 1024).complete);
  RequestFrame over = frame_request(endless + std::string(1000, 'y'), 1024, 1024);
  EXPECT_TRUE(over.complete);
  EXPECT_TRUE(over.close_after);
  EXPECT_EQ(over.refuse, 400);
}

// Requests whose framing cannot be trusted (RFC 9112), each with the status it is refused with.
struct Refused {
  const char* name;
  std::string request;
  int status;
};
const std::vector<Refused>& refused_requests() {
  static const std::string chunked_head =
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  static const std::vector<Refused> cases = {
      {"Content-Length and Transfer-Encoding, a request smuggled in the body",
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
       "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n",
       400},
      {"Transfer-Encoding, then Content-Length",
       "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 400},
      {"a coding other than chunked",
       "POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400},
      {"Transfer-Encoding twice",
       "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400},
      {"a negative Content-Length", "POST /echo HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"a Content-Length with a sign", "POST /echo HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc", 400},
      {"a Content-Length that is not a number", "POST /echo HTTP/1.1\r\nContent-Length: 5x\r\n\r\nabcde",
       400},
      {"a Content-Length over 64 bits", "POST /echo HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
       400},
      {"two different lengths", "POST /echo HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
       400},
      {"lines ended by LF alone", "GET /hello HTTP/1.1\nHost: x\n\n", 400},
      {"a CR alone inside a line", "GET /hello HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400},
      {"a NUL in a header", std::string("GET /hello HTTP/1.1\r\nHost: x\0y\r\n\r\n", 34), 400},
      {"a folded header line", "GET /hello HTTP/1.1\r\nHost: x\r\n  more\r\n\r\n", 400},
      {"a space before the colon", "GET /hello HTTP/1.1\r\nHost : x\r\n\r\n", 400},
      {"a header line without a colon", "GET /hello HTTP/1.1\r\nHost x\r\n\r\n", 400},
      {"an empty request line", "\r\n\r\n", 400},
      {"no version", "GET /hello\r\nHost: x\r\n\r\n", 400},
      {"an unknown version", "GET /hello HTTP/2.0\r\nHost: x\r\n\r\n", 400},
      {"a space in the target", "GET /he llo HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"a method that is not a token", "G(T /hello HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"binary", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15), 400},
      {"a chunk size that is not hex", chunked_head + "zz\r\nabc\r\n", 400},
      {"a chunk longer than its size", chunked_head + "3\r\nabcdef\r\n0\r\n\r\n", 400},
      {"chunks over the limit", chunked_head + "800\r\n", 413},
      {"a chunk size beyond 64 bits", chunked_head + "fffffffffffffffff\r\n", 400},
      {"a Content-Length over the limit", "POST /echo HTTP/1.1\r\nContent-Length: 2000\r\n\r\nabc", 413},
      {"a multipart body",
       "POST /echo HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: "
       "4\r\n\r\n--b-",
       415},
  };
  return cases;
}

TEST(FrameRequest, RefusesWhatItCannotFrame) {
  for (const auto& c : refused_requests()) {
    RequestFrame frame = frame_request(c.request, 1024);
    EXPECT_TRUE(frame.complete) << c.name;
    EXPECT_TRUE(frame.close_after) << c.name;
    EXPECT_EQ(frame.refuse, c.status) << c.name;
    EXPECT_EQ(frame.length, c.request.size()) << c.name;
    EXPECT_FALSE(frame.refusal.empty()) << c.name;
  }
}

// A raw client socket, to send requests in pieces and read exactly what the server writes.
class RawClient {
 public:
  // `from`: the client's own address (any of 127.0.0.0/8 reaches the server as another client).
  explicit RawClient(int port, const char* from = nullptr) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (from != nullptr) {
      sockaddr_in source{};
      source.sin_family = AF_INET;
      inet_pton(AF_INET, from, &source.sin_addr);
      bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof source);
    }
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
  // Counted as they arrive (a rescan of all that arrived would make a long stream quadratic, and a
  // client that is slow to read is closed by the write timeout).
  std::string read_responses(size_t count, std::chrono::milliseconds timeout = 5000ms) {
    return read_until([this, count](const std::string&) { return count_new_responses() >= count; }, timeout);
  }
  std::string received() const { return received_; }
  void close_sending() { shutdown(fd_, SHUT_WR); }
  void shut_down() { shutdown(fd_, SHUT_RDWR); }  // a send blocked in another thread returns
  // True once the server has closed the connection (within `timeout`).
  bool closed_by_server(std::chrono::milliseconds timeout) {
    read_until([this](const std::string&) { return closed_; }, timeout);
    return closed_;
  }
  // Whole responses of any status.
  static size_t any_responses_in(const std::string& text) { return count_responses(text, "HTTP/1.1 "); }
  static size_t responses_in(const std::string& text) { return count_responses(text, "HTTP/1.1 2"); }
  static size_t count_responses(const std::string& text, const std::string& start) {
    size_t count = 0;
    for (size_t at = text.find(start); at != std::string::npos; at = text.find(start, at + 1)) {
      // Complete once its body (Content-Length bytes) is there.
      size_t head_end = text.find("\r\n\r\n", at);
      size_t length_at = text.find("Content-Length: ", at);
      if (head_end == std::string::npos || length_at == std::string::npos || length_at > head_end) break;
      size_t length = std::stoul(text.substr(length_at + 16, 20));
      if (text.size() < head_end + 4 + length) break;
      ++count;
      at = head_end + 4 + length - 1;  // bodies may hold the start text
    }
    return count;
  }

 private:
  size_t count_new_responses() {
    for (;;) {
      size_t at = received_.find("HTTP/1.1 ", scanned_);
      size_t head_end = at == std::string::npos ? at : received_.find("\r\n\r\n", at);
      if (head_end == std::string::npos) break;
      size_t length_at = received_.find("Content-Length: ", at);
      size_t length = length_at < head_end ? std::stoul(received_.substr(length_at + 16, 20)) : 0;
      if (received_.size() < head_end + 4 + length) break;
      if (received_.compare(at, 10, "HTTP/1.1 2") == 0) ++successes_;
      scanned_ = head_end + 4 + length;
    }
    return successes_;
  }

  int fd_ = -1;
  size_t scanned_ = 0, successes_ = 0;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

class EventServerTest : public ::testing::Test {
 protected:
  void start(EventServerOptions options = {}) {
    server_.Get("/hello",
                [](const httplib::Request&, httplib::Response& res) { res.set_content("hi", "text/plain"); });
    server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("got:" + req.body, "text/plain");
    });
    server_.Get("/healthz",
                [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
    server_.Get("/mid", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(16 << 10, 'm'), "text/plain");
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
  ASSERT_TRUE(
      client.send_all("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
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
  ASSERT_TRUE(
      client.send_all("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  std::string interim =
      client.read_until([](const std::string& t) { return t.find("\r\n\r\n") != std::string::npos; });
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(client.send_all("body"));
  std::string text = client.read_responses(1);
  EXPECT_NE(text.find("got:body"), std::string::npos) << text;
  size_t continues = 0;
  for (size_t at = text.find("100 Continue"); at != std::string::npos;
       at = text.find("100 Continue", at + 1)) {
    ++continues;
  }
  EXPECT_EQ(continues, 1u) << text;
}

TEST_F(EventServerTest, RefusesAnExpectedBodyOverTheLimitWithoutAContinue) {
  server_.set_payload_max_length(1024);
  server_.set_read_timeout(500ms);
  start();
  RawClient client(port_);
  ASSERT_TRUE(
      client.send_all("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                      "Content-Length: 5000\r\n\r\n"));
  std::string text =
      client.read_until([](const std::string& t) { return t.find("\r\n\r\n") != std::string::npos; });
  EXPECT_EQ(text.rfind("HTTP/1.1 413", 0), 0u) << text;
  EXPECT_TRUE(client.closed_by_server(3000ms));  // the answer is complete: the server shut its side
}

TEST_F(EventServerTest, ReadsAChunkedBody) {
  start();
  RawClient client(port_);
  ASSERT_TRUE(
      client.send_all("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"));
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
  const std::string head =
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body) + "\r\n\r\n";
  ASSERT_TRUE(client.send_all(head));
  // Every byte of the body is accepted (drained), not reset, and the 413 is there to read after it.
  EXPECT_TRUE(client.send_all(std::string(body, 'x')));
  std::string text =
      client.read_until([](const std::string& t) { return t.find("\r\n\r\n") != std::string::npos; });
  EXPECT_EQ(text.rfind("HTTP/1.1 413", 0), 0u) << text;
  EXPECT_TRUE(client.closed_by_server(3000ms));
}

TEST_F(EventServerTest, RefusesUntrustedFramingWithAnAnswerAndCloses) {
  server_.set_payload_max_length(1024);
  server_.set_refusal_handler([](int status, std::string_view reason, httplib::Response& res) {
    res.set_content("refused " + std::to_string(status) + ": " + std::string(reason),
                    "application/problem+json");
  });
  start();
  for (const auto& c : refused_requests()) {
    RawClient client(port_);
    ASSERT_TRUE(client.connected()) << c.name;
    client.send_all(c.request);  // may fail when the server closes before reading it all
    EXPECT_TRUE(client.closed_by_server(3000ms)) << c.name;
    const std::string text = client.received();
    EXPECT_EQ(text.rfind("HTTP/1.1 " + std::to_string(c.status) + " ", 0), 0u) << c.name << ": " << text;
    EXPECT_NE(text.find("Content-Type: application/problem+json"), std::string::npos)
        << c.name << ": " << text;
    EXPECT_NE(text.find("Connection: close"), std::string::npos) << c.name << ": " << text;
    EXPECT_EQ(RawClient::any_responses_in(text), 1u)
        << c.name << ": " << text;  // nothing smuggled is answered
  }
  EXPECT_TRUE(open_connections_become(0, 3000ms));
}

TEST_F(EventServerTest, GivesAHeaderTheReadTimeoutInAllHoweverSlowlyItArrives) {
  server_.set_read_timeout(500ms);
  start();
  RawClient slow(port_);
  const std::string header =
      "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(300, 'z') + "\r\n\r\n";
  // One byte at a time, each within the read timeout of the last (waiting up to 100 ms for the
  // server to close in between): only a deadline for the whole header closes the connection.
  size_t sent = 0;
  while (sent < header.size() && slow.send_all(header.substr(sent, 1))) {
    ++sent;
    if (slow.closed_by_server(100ms)) break;
  }
  EXPECT_TRUE(slow.closed_by_server(100ms));
  EXPECT_LT(sent, 40u) << "closed after " << sent << " bytes";  // the header would take over 30 s
  EXPECT_EQ(RawClient::any_responses_in(slow.received()), 0u);
  // A header that arrives whole in time, in pieces, is served.
  RawClient pieces(port_);
  ASSERT_TRUE(pieces.send_all("GET /hello HTTP/1.1\r\n"));
  ASSERT_FALSE(pieces.closed_by_server(50ms));
  ASSERT_TRUE(pieces.send_all("Host: x\r\n\r\n"));
  EXPECT_EQ(RawClient::responses_in(pieces.read_responses(1)), 1u);
}

TEST_F(EventServerTest, LimitsConnectionsPerClientAddress) {
  EventServerOptions options;
  options.max_connections_per_client = 2;
  start(options);
  auto first = std::make_unique<RawClient>(port_, "127.0.0.2");
  RawClient second(port_, "127.0.0.2");
  ASSERT_TRUE(open_connections_become(2, 2000ms));
  RawClient third(port_, "127.0.0.2");
  EXPECT_TRUE(third.closed_by_server(3000ms));
  EXPECT_EQ(server_.refused_connections(), 1u);
  RawClient elsewhere(port_, "127.0.0.3");  // another address is let in
  ASSERT_TRUE(elsewhere.send_all("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(RawClient::responses_in(elsewhere.read_responses(1)), 1u);
  first.reset();  // a closed connection frees its place
  ASSERT_TRUE(open_connections_become(2, 3000ms));
  RawClient fourth(port_, "127.0.0.2");
  ASSERT_TRUE(fourth.send_all("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(RawClient::responses_in(fourth.read_responses(1)), 1u);
}

// 2,000 pipelined requests whose answers (32 MB) are far over what a connection keeps unsent.
std::string pipelined_batch(size_t count, const std::string& path, size_t padding = 0) {
  std::string batch;
  const std::string pad = padding ? "X-Pad: " + std::string(padding, 'p') + "\r\n" : "";
  for (size_t i = 0; i < count; ++i) batch += "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + pad + "\r\n";
  return batch;
}

TEST_F(EventServerTest, AnswersEveryPipelinedRequestWhenTheClientReadsAfterSendingAll) {
  server_.set_keep_alive_max_count(100000);  // httplib's default closes after 5
  // Shorter than the whole exchange: requests held back while answers wait must not wait for more bytes.
  server_.set_read_timeout(1s);
  start();
  RawClient client(port_);
  ASSERT_TRUE(client.send_all(pipelined_batch(2000, "/mid")));
  client.close_sending();
  EXPECT_EQ(RawClient::responses_in(client.read_responses(2000, 60000ms)), 2000u);
  EXPECT_TRUE(client.closed_by_server(3000ms));
}

TEST_F(EventServerTest, AnswersEveryPipelinedRequestOfAFloodThatReadsAsItSends) {
  server_.set_keep_alive_max_count(100000);  // httplib's default closes after 5
  server_.set_payload_max_length(1024);      // the input a connection buffers is small beside the flood
  start();
  RawClient client(port_);
  const std::string batch = pipelined_batch(2000, "/mid", 1000);  // 2 MB of requests
  std::thread writer([&] { EXPECT_TRUE(client.send_all(batch)); });
  EXPECT_EQ(RawClient::responses_in(client.read_responses(2000, 60000ms)), 2000u);
  writer.join();
}

TEST_F(EventServerTest, HealthzAnswersThroughSlowlorisClientsAndAPipeliningFlood) {
  server_.set_keep_alive_max_count(100000);  // httplib's default closes after 5
  server_.set_read_timeout(1s);
  EventServerOptions options;
  options.max_connections = 24;
  options.max_connections_per_client = 8;
  start(options);
  std::atomic<bool> done{false};
  std::atomic<int> slow_closed{0};
  std::vector<std::thread> attackers;
  // Slowloris from 127.0.0.2: 12 clients, a header byte every 50 ms each (waiting that long for the
  // server to close them in between); 4 are over their address's limit.
  for (int i = 0; i < 12; ++i) {
    attackers.emplace_back([&] {
      const std::string header = "GET /hello HTTP/1.1\r\nX-Slow: " + std::string(1000, 'z');
      RawClient slow(port_, "127.0.0.2");
      for (size_t at = 0; at < header.size() && !done; ++at) {
        if (!slow.send_all(header.substr(at, 1)) || slow.closed_by_server(50ms)) {
          ++slow_closed;
          break;
        }
      }
    });
  }
  // A pipelining flood from 127.0.0.3, 4,000 requests whose answers are 64 MB.
  std::atomic<bool> flood_started{false}, flood_done{false};
  size_t flood_answered = 0;
  attackers.emplace_back([&] {
    RawClient flood(port_, "127.0.0.3");
    const std::string batch = pipelined_batch(4000, "/mid");
    std::thread writer([&] { flood.send_all(batch); });
    flood.read_responses(100, 60000ms);
    flood_started = true;
    flood_answered = RawClient::responses_in(flood.read_responses(4000, 120000ms));
    flood_done = true;
    flood.shut_down();
    writer.join();
  });
  auto wait_for = [](auto condition) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!condition() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    return condition();
  };
  EXPECT_TRUE(wait_for([&] { return flood_started && server_.open_connections() >= 8; }));
  int answered = 0;
  for (int i = 0; i < 20; ++i) {
    RawClient probe(port_);
    ASSERT_TRUE(probe.send_all("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string text = probe.read_responses(1, 2000ms);
    if (RawClient::responses_in(text) == 1 && text.find("\r\n\r\nok") != std::string::npos) ++answered;
  }
  const bool during_flood = !flood_done;
  EXPECT_TRUE(
      wait_for([&] { return slow_closed >= 12; }));  // none held its connection past the header deadline
  const uint64_t refused = server_.refused_connections();
  done = true;
  for (auto& t : attackers) t.join();
  EXPECT_EQ(answered, 20);
  EXPECT_TRUE(during_flood);
  EXPECT_EQ(flood_answered, 4000u);
  EXPECT_GT(refused, 0u);  // the slowloris clients beyond their address's 8 connections
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
  if (std::chrono::steady_clock::now() - idle_since < 1500ms) {
    EXPECT_FALSE(idle.closed_by_server(50ms));
  }
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
  ASSERT_TRUE(
      client.send_all("GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
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
