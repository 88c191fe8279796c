#include "event_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "errkb/text.h"

namespace errkb::server {
namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxUnsentBytes = 4 << 20;  // stop running a connection's pipelined requests until sent
constexpr int kListenBacklog = 1024;         // connections accepted by the kernel, not yet by httplib
constexpr int kSweepEveryMs = 250;           // how often expired connections are looked for
constexpr int64_t kNotArmed = INT64_MAX;     // a connection's deadline while a loop serves it
constexpr uint32_t kReadable = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;

// httplib keeps its timeouts as seconds and microseconds (the keep-alive one as seconds only).
std::chrono::milliseconds as_ms(time_t sec, time_t usec = 0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::seconds(sec) +
                                                               std::chrono::microseconds(usec));
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower_ascii(x) == lower_ascii(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Where the chunked body starting at `start` ends (after its last chunk and trailers), 0 while it has
// not all arrived; sets `invalid` for a chunk size that is not hex or a chunk not ended by CRLF,
// `over` past `max_body` bytes.
size_t chunked_body_end(std::string_view b, size_t start, size_t max_body, bool& invalid, bool& over) {
  size_t pos = start;
  size_t total = 0;
  for (;;) {
    size_t eol = b.find("\r\n", pos);
    if (eol == std::string_view::npos) return 0;
    std::string_view size_text = trim(b.substr(pos, eol - pos));
    size_text = trim(size_text.substr(0, size_text.find(';')));
    uint64_t size = 0;
    auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (size_text.empty() || ec != std::errc() || end != size_text.data() + size_text.size()) {
      invalid = true;
      return 0;
    }
    pos = eol + 2;
    if (size == 0) {
      // Trailers, each a line, up to an empty line.
      for (;;) {
        size_t line_end = b.find("\r\n", pos);
        if (line_end == std::string_view::npos) return 0;
        if (line_end == pos) return pos + 2;
        pos = line_end + 2;
      }
    }
    if (size > max_body - total) {
      over = true;
      return 0;
    }
    total += size;
    if (b.size() < pos + size + 2) return 0;
    if (b.substr(pos + size, 2) != "\r\n") {
      invalid = true;
      return 0;
    }
    pos += size + 2;
  }
}

// RFC 9110's token characters (methods, header names).
bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// `method SP target SP HTTP/1.x`, the target without spaces or control characters.
bool is_request_line(std::string_view line) {
  const size_t first = line.find(' ');
  const size_t last = line.rfind(' ');
  if (first == std::string_view::npos || first == last) return false;
  std::string_view target = line.substr(first + 1, last - first - 1);
  std::string_view version = line.substr(last + 1);
  return is_token(line.substr(0, first)) && !target.empty() &&
         std::none_of(target.begin(), target.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; }) &&
         (version == "HTTP/1.1" || version == "HTTP/1.0");
}

// A CR not followed by LF, an LF not after a CR, or a NUL: lines a peer could read otherwise.
// A CR at the very end may be the first half of a CRLF still on its way.
bool has_stray_line_break(std::string_view head) {
  for (size_t i = 0; i < head.size(); ++i) {
    const char c = head[i];
    if (c == '\0' || (c == '\n' && (i == 0 || head[i - 1] != '\r'))) return true;
    if (c == '\r' && i + 1 < head.size() && head[i + 1] != '\n') return true;
  }
  return false;
}

// What the headers say about the body, and the first thing wrong with them.
struct BodyHeaders {
  bool has_length = false, chunked = false, expect_continue = false, multipart = false;
  uint64_t length = 0;
  std::string_view error;
};

BodyHeaders read_body_headers(std::string_view headers) {
  BodyHeaders h;
  bool has_transfer_encoding = false;
  while (!headers.empty() && h.error.empty()) {
    size_t eol = headers.find("\r\n");
    std::string_view line = headers.substr(0, eol);
    headers.remove_prefix(eol == std::string_view::npos ? headers.size() : eol + 2);
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      h.error = "a folded header line";
      break;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
      h.error = "a header line that is not `name: value`";
      break;
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "Content-Length")) {
      uint64_t parsed = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size() ||
          (h.has_length && parsed != h.length)) {
        h.error = "a Content-Length that is not one decimal number";
      }
      h.has_length = true;
      h.length = parsed;
    } else if (iequals(name, "Transfer-Encoding")) {
      // Only chunked is read; anything else would leave the body's end to guesswork.
      if (has_transfer_encoding || !iequals(value, "chunked"))
        h.error = "a Transfer-Encoding other than chunked";
      has_transfer_encoding = h.chunked = true;
    } else if (iequals(name, "Expect")) {
      h.expect_continue = iequals(value, "100-continue");
    } else if (iequals(name, "Content-Type")) {
      h.multipart = iequals(value.substr(0, std::min<size_t>(value.size(), 10)), "multipart/");
    }
  }
  if (h.error.empty() && h.chunked && h.has_length) h.error = "both Content-Length and Transfer-Encoding";
  return h;
}

// A connection's socket and both ends' addresses, read once when it is accepted.
struct Endpoints {
  int fd = -1;
  std::string remote_ip, local_ip;
  int remote_port = 0, local_port = 0;
};

// The request as httplib::Server::process_request sees it: the buffered bytes to read, and the
// response collected for the loop to send.
class BufferedStream final : public httplib::Stream {
 public:
  BufferedStream(std::string_view request, std::string& out, bool swallow_continue, const Endpoints& ends)
      : request_(request), out_(out), swallow_continue_(swallow_continue), ends_(ends) {}

  bool is_readable() const override { return pos_ < request_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    size_t n = std::min(size, request_.size() - pos_);
    std::memcpy(ptr, request_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    // httplib sends "100 Continue" when it sees the Expect header; see run_buffered_requests.
    if (swallow_continue_ && std::string_view(ptr, size) == kContinue) {
      swallow_continue_ = false;
      return static_cast<ssize_t>(size);
    }
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = ends_.remote_ip;
    port = ends_.remote_port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = ends_.local_ip;
    port = ends_.local_port;
  }
  socket_t socket() const override { return ends_.fd; }

 private:
  std::string_view request_;
  size_t pos_ = 0;
  std::string& out_;
  bool swallow_continue_;
  const Endpoints& ends_;
};

void address_of(const sockaddr_storage& addr, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(addr);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    port = ntohs(v4.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    port = ntohs(v6.sin6_port);
  }
  ip = text;
}

// httplib calls enqueue() from its accept loop; registering a connection is quick, so it is done there.
class InlineTaskQueue final : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

}  // namespace

RequestFrame frame_request(std::string_view b, size_t max_body_bytes, size_t max_header_bytes) {
  // What cannot be framed is refused by the loop: the rest of the stream cannot be trusted.
  auto refuse = [&](int status, std::string_view why) {
    return RequestFrame{true, b.size(), true, false, status, why};
  };
  const size_t header_end = b.find("\r\n\r\n");
  const std::string_view head = b.substr(0, std::min(header_end, max_header_bytes));
  if (has_stray_line_break(head)) return refuse(400, "a CR or LF alone, or a NUL, in the request header");
  const size_t line_end = head.find("\r\n");
  if (line_end != std::string_view::npos && !is_request_line(head.substr(0, line_end))) {
    return refuse(400, "the request line is not `method target HTTP/1.x`");
  }
  if (header_end == std::string_view::npos || header_end + 4 > max_header_bytes) {
    const bool never_ends = header_end != std::string_view::npos || b.size() > max_header_bytes;
    return never_ends ? refuse(400, "the request header is over the size limit") : RequestFrame{};
  }
  const size_t body_start = header_end + 4;
  const BodyHeaders h = read_body_headers(b.substr(line_end + 2, header_end - line_end));
  if (!h.error.empty()) return refuse(400, h.error);
  if (h.multipart) return refuse(415, "multipart bodies are not accepted");
  const RequestFrame awaiting_body = {false, 0, false, h.expect_continue && b.size() == body_start, 0, {}};
  if (h.chunked) {
    bool invalid = false, over = false;
    size_t end = chunked_body_end(b, body_start, max_body_bytes, invalid, over);
    if (invalid) return refuse(400, "a chunk size that is not hex, or a chunk not ended by CRLF");
    if (over) return refuse(413, "the request body is over the size limit");
    return end == 0 ? awaiting_body : RequestFrame{true, end, false, false, 0, {}};
  }
  if (h.length > max_body_bytes) return refuse(413, "the request body is over the size limit");
  if (b.size() - body_start < h.length) return awaiting_body;
  return {true, body_start + static_cast<size_t>(h.length), false, false, 0, {}};
}

struct EventServer::Connection {
  Endpoints ends;
  std::string in;       // received, not yet run
  std::string out;      // responses not yet sent
  size_t out_sent = 0;  // of `out`
  size_t served = 0;    // requests run
  bool close_after_write = false;
  bool continue_sent = false;  // for the request at the start of `in`
  bool peer_closed = false;
  bool linger_on_close = false;  // answered before the whole request was read: drain it, then close
  bool lingering = false;        // answered, write side shut: reading and dropping until the client closes
  int64_t linger_until_ms = 0;
  int64_t header_deadline_ms =
      0;  // when the header of the request at the start of `in` must be whole; 0: none begun
  int64_t last_write_ms = 0;  // when the client last took bytes of an answer
  // Requests in `in` not run because the unsent answers reached kMaxUnsentBytes: they run when the
  // socket is writable again, even if the answers were all sent at once and no more bytes come.
  bool held_back = false;
  // While it waits in the epoll set: when the sweep shuts it down. kNotArmed while a loop serves it.
  std::atomic<int64_t> deadline_ms{kNotArmed};
};

EventServer::EventServer() {
  new_task_queue = [] { return new InlineTaskQueue(); };
}

EventServer::~EventServer() { stop_all(); }

void EventServer::start_loops(const EventServerOptions& options) {
  options_ = options;
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event wake{};
  wake.events = EPOLLIN;  // level-triggered: every loop sees it
  wake.data.ptr = nullptr;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake);
  for (int i = 0; i < std::max(1, options_.loops); ++i) loops_.emplace_back([this] { loop(); });
}

bool EventServer::listen_after_bind() {
  ::listen(svr_sock_, kListenBacklog);  // listen() again on a listening socket only changes the backlog
  return httplib::Server::listen_after_bind();
}

void EventServer::stop_all() {
  if (is_running()) stop();
  std::lock_guard stop_lock(stop_mutex_);
  if (stopping_.exchange(true)) return;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }
  for (auto& t : loops_) t.join();
  loops_.clear();
  std::lock_guard lock(connections_mutex_);
  for (auto& [fd, connection] : connections_) ::close(fd);
  connections_.clear();
  connections_per_client_.clear();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  epoll_fd_ = wake_fd_ = -1;
}

size_t EventServer::open_connections() {
  std::lock_guard lock(connections_mutex_);
  return connections_.size();
}

std::chrono::milliseconds EventServer::keep_alive_timeout() const { return as_ms(keep_alive_timeout_sec_); }
std::chrono::milliseconds EventServer::read_timeout() const {
  return as_ms(read_timeout_sec_, read_timeout_usec_);
}
std::chrono::milliseconds EventServer::write_timeout() const {
  return as_ms(write_timeout_sec_, write_timeout_usec_);
}

bool EventServer::process_and_close_socket(socket_t sock) {
  auto connection = std::make_unique<Connection>();
  Endpoints& ends = connection->ends;
  ends.fd = sock;
  int flags = fcntl(sock, F_GETFL, 0);
  fcntl(sock, F_SETFL, flags | O_NONBLOCK);
  int yes = 1;
  setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);  // else every reply waits ~40 ms
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    address_of(addr, ends.remote_ip, ends.remote_port);
  }
  len = sizeof addr;
  if (getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    address_of(addr, ends.local_ip, ends.local_port);
  }
  // Registered and armed in one piece under the lock: stop_all() may be closing everything at once.
  std::lock_guard lock(connections_mutex_);
  auto client = connections_per_client_.find(ends.remote_ip);
  const bool client_full =
      client != connections_per_client_.end() && client->second >= options_.max_connections_per_client;
  if (stopping_ || epoll_fd_ < 0 || connections_.size() >= options_.max_connections || client_full) {
    // The first refusal, then every 1000th: a flood must not flood the log too.
    if (!stopping_ && refused_.fetch_add(1, std::memory_order_relaxed) % 1000 == 0) {
      spdlog::warn(
          "{} connections open, {} from {} (max_connections, max_connections_per_client): closing new "
          "ones; {} so far",
          connections_.size(), client == connections_per_client_.end() ? 0 : client->second, ends.remote_ip,
          refused_.load(std::memory_order_relaxed));
    }
    ::close(sock);
    return false;
  }
  connection->deadline_ms = now_ms() + read_timeout().count();
  connection->last_write_ms = now_ms();
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  ev.data.ptr = connection.get();
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, sock, &ev) != 0) {
    spdlog::warn("epoll_ctl: {}", std::strerror(errno));
    ::close(sock);
    return false;
  }
  ++connections_per_client_[ends.remote_ip];
  connections_.emplace(sock, std::move(connection));
  return true;
}

void EventServer::arm(Connection& c, uint32_t events, std::chrono::milliseconds timeout) {
  epoll_event ev{};
  // Once the client has closed its side, EPOLLRDHUP would fire at once on every arming.
  ev.events = events | (c.peer_closed ? 0u : uint32_t{EPOLLRDHUP}) | EPOLLONESHOT;
  ev.data.ptr = &c;
  const int fd = c.ends.fd;
  // The last touch of the connection before another loop may take it: a release that the loop's
  // acquire pairs with, so this turn's writes come before that loop's reads in the memory model,
  // not only through the kernel (which sanitizers do not see order epoll_ctl and epoll_wait).
  c.deadline_ms.store(now_ms() + timeout.count(), std::memory_order_release);
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
    spdlog::warn("epoll_ctl: {}", std::strerror(errno));
    close_connection(c);  // it would never be served again
  }
}

void EventServer::close_connection(Connection& c) {
  const int fd = c.ends.fd;
  std::unique_ptr<Connection> owned;
  {
    std::lock_guard lock(connections_mutex_);
    auto it = connections_.find(fd);
    if (it == connections_.end()) return;
    owned = std::move(it->second);
    connections_.erase(it);
    auto client = connections_per_client_.find(owned->ends.remote_ip);
    if (client != connections_per_client_.end() && --client->second == 0)
      connections_per_client_.erase(client);
  }
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
}

void EventServer::loop() {
  for (;;) {
    epoll_event ev{};
    int n = epoll_wait(epoll_fd_, &ev, 1, kSweepEveryMs);
    if (stopping_) return;
    const int64_t now = now_ms();
    int64_t due = next_sweep_ms_.load(std::memory_order_relaxed);
    if (now >= due && next_sweep_ms_.compare_exchange_strong(due, now + kSweepEveryMs)) sweep_expired();
    if (n <= 0 || ev.data.ptr == nullptr) continue;
    auto& c = *static_cast<Connection*>(ev.data.ptr);
    c.deadline_ms.exchange(kNotArmed, std::memory_order_acquire);  // pairs with arm()'s release
    serve(c, ev.events);
  }
}

void EventServer::sweep_expired() {
  const int64_t now = now_ms();
  std::lock_guard lock(connections_mutex_);  // keeps each connection alive while it is looked at
  for (auto& [fd, c] : connections_) {
    int64_t deadline = c->deadline_ms.load(std::memory_order_relaxed);
    // Disarmed here, so that it is shut down once, and not at all if a loop took it meanwhile.
    if (deadline <= now && c->deadline_ms.compare_exchange_strong(deadline, kNotArmed)) {
      ::shutdown(fd, SHUT_RDWR);  // its loop sees the event and closes it
    }
  }
}

void EventServer::serve(Connection& c, uint32_t events) {
  if (c.lingering) return linger(c, events);
  if (!flush(c)) return close_connection(c);  // what an earlier turn could not send
  if (!c.close_after_write) {
    // Read on while answers wait to be sent (up to the input limit): a client that writes all its
    // pipelined requests before it reads would otherwise wait for us as we wait for it.
    if ((events & kReadable) && !input_full(c) && !receive(c, true)) return close_connection(c);
    run_buffered_requests(c);
    if (!flush(c)) return close_connection(c);
  }
  if (!c.out.empty() || c.held_back) {
    // The rest when the socket takes it; the write timeout counts from the client's last read.
    const bool more_input = !c.close_after_write && !c.peer_closed && !input_full(c);
    const int64_t left = std::max<int64_t>(0, c.last_write_ms + write_timeout().count() - now_ms());
    return arm(c, more_input ? EPOLLOUT | EPOLLIN : EPOLLOUT, std::chrono::milliseconds(left));
  }
  if (c.close_after_write) return c.linger_on_close && !c.peer_closed ? linger(c, 0) : close_connection(c);
  if (c.peer_closed) return close_connection(c);
  arm_for_next_bytes(c);
}

// An idle connection waits the keep-alive timeout; a body, the read timeout from its last bytes; a
// header, the read timeout from its first bytes, however they trickle in.
void EventServer::arm_for_next_bytes(Connection& c) {
  if (c.in.empty()) {
    c.header_deadline_ms = 0;
    return arm(c, EPOLLIN, keep_alive_timeout());
  }
  if (c.in.find("\r\n\r\n") != std::string::npos) return arm(c, EPOLLIN, read_timeout());
  const int64_t now = now_ms();
  if (c.header_deadline_ms == 0) c.header_deadline_ms = now + read_timeout().count();
  arm(c, EPOLLIN, std::chrono::milliseconds(std::max<int64_t>(0, c.header_deadline_ms - now)));
}

// Enough buffered for a whole request: the rest waits in the socket (epoll reports it again), so a
// client that pipelines without pause cannot make the buffer grow without end.
// (payload_max_length_ is at most SIZE_MAX: the sum is not formed.)
bool EventServer::input_full(const Connection& c) const {
  return c.in.size() > kReadChunk && c.in.size() - kReadChunk > payload_max_length_;
}

bool EventServer::receive(Connection& c, bool keep) {
  char buffer[kReadChunk];
  for (;;) {
    ssize_t n = ::recv(c.ends.fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      if (!keep) continue;
      c.in.append(buffer, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof buffer || input_full(c)) return true;
      continue;
    }
    if (n == 0) {
      c.peer_closed = true;
      return true;
    }
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

// A client still sending a body that was refused (413, say) gets a reset if the socket closes
// with its data unread, and with it loses the answer. So, as web servers do, shut the write side
// and drop what arrives until the client closes, for at most the read timeout in all.
void EventServer::linger(Connection& c, uint32_t events) {
  if (!c.lingering) {
    c.lingering = true;
    c.in.clear();
    ::shutdown(c.ends.fd, SHUT_WR);
    c.linger_until_ms = now_ms() + read_timeout().count();
    return arm(c, EPOLLIN, read_timeout());
  }
  if ((events & kReadable) && (!receive(c, false) || c.peer_closed)) return close_connection(c);
  arm(c, EPOLLIN, std::chrono::milliseconds(std::max<int64_t>(0, c.linger_until_ms - now_ms())));
}

void EventServer::run_buffered_requests(Connection& c) {
  size_t consumed = 0;
  while (!c.close_after_write && c.out.size() < kMaxUnsentBytes) {
    std::string_view pending = std::string_view(c.in).substr(consumed);
    if (pending.empty()) break;
    RequestFrame frame = frame_request(pending, payload_max_length_);
    if (frame.refuse != 0) {
      spdlog::debug("connection from {}: {} ({})", c.ends.remote_ip, frame.refuse, frame.refusal);
      c.out.append(refusal_response(frame.refuse, frame.refusal));
      consumed = c.in.size();
      c.close_after_write = c.linger_on_close = true;
      break;
    }
    if (!frame.complete) {
      if (c.peer_closed) c.close_after_write = true;  // the rest will never come
      // Acknowledge at once what has arrived: a client that writes its headers and its body
      // separately without TCP_NODELAY (httplib's client does) holds the body back until the
      // headers are acknowledged, and a delayed ACK costs it 40 ms.
      int yes = 1;
      setsockopt(c.ends.fd, IPPROTO_TCP, TCP_QUICKACK, &yes, sizeof yes);
      if (frame.expects_continue && !c.continue_sent) {
        c.out.append(kContinue);
        c.continue_sent = true;
      }
      break;
    }
    ++c.served;
    const bool last = frame.close_after || stopping_ || c.served >= keep_alive_max_count_;
    bool closed = false;
    // No "100 Continue" from httplib when the loop sent it already, nor before a refusal: a client
    // told to go on and then refused would send the body it need not send.
    const bool swallow_continue = c.continue_sent || frame.close_after;
    BufferedStream stream(pending.substr(0, frame.length), c.out, swallow_continue, c.ends);
    bool ok = false;
    try {
      ok = process_request(stream, last, closed, nullptr);
    } catch (const std::exception& e) {  // httplib turns a handler's exceptions into 500s; this is past it
      spdlog::error("connection from {}: {}", c.ends.remote_ip, e.what());
    }
    consumed += frame.length;
    c.continue_sent = false;
    c.header_deadline_ms = 0;  // the next request's header has its own
    if (!ok || closed || last) c.close_after_write = true;
    if (frame.close_after) c.linger_on_close = true;
  }
  c.held_back = !c.close_after_write && c.out.size() >= kMaxUnsentBytes && consumed < c.in.size();
  c.in.erase(0, consumed);
}

bool EventServer::flush(Connection& c) {
  while (c.out_sent < c.out.size()) {
    ssize_t n = ::send(c.ends.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_sent += static_cast<size_t>(n);
      c.last_write_ms = now_ms();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
  c.out.clear();
  c.out_sent = 0;
  return true;
}

// Written by the loop, not httplib (which has not read the request): the status line, the handler's
// headers and body, and Connection: close.
std::string EventServer::refusal_response(int status, std::string_view reason) const {
  httplib::Response res;
  res.status = status;
  if (refusal_handler_) refusal_handler_(status, reason, res);
  if (res.body.empty()) res.set_content(std::string(reason), "text/plain");
  const char* phrase = status == 413   ? "Payload Too Large"
                       : status == 415 ? "Unsupported Media Type"
                                       : "Bad Request";
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + phrase + "\r\n";
  for (const auto& [name, value] : res.headers) {
    if (!iequals(name, "Content-Length") && !iequals(name, "Connection")) out += name + ": " + value + "\r\n";
  }
  out += "Content-Length: " + std::to_string(res.body.size()) + "\r\nConnection: close\r\n\r\n";
  return out + res.body;
}

}  // namespace errkb::server
