// EventServer: cpp-httplib's routing, request parsing and response writing, with its connections
// served by a few event-loop threads instead of one thread each.
//
// Why: httplib gives every keep-alive connection a thread that sleeps in poll() between requests, and
// the searches ran on a query pool of their own. At 16 connections on 2 cores a request woke three
// sleeping threads (its connection's twice, the client's once), and each woken thread waited for a
// core held by a running query: that scheduling was a large part of a diagnosis's p99 and most of a
// code lookup's, and the context switches a good share of the CPU.
//
// Here `loops` threads (one per core) wait on one epoll set. The thread that takes a ready connection
// reads what has arrived; once a whole request is buffered (headers, then a Content-Length or chunked
// body) it hands it to httplib::Server::process_request, the same call httplib's own threads make, so
// routes, handlers, the error handler, keep-alive and "Connection: close" behave as before. The
// request is read from the buffer, the response is collected and sent without blocking; what the
// socket does not take yet is sent when it is writable. Searches run on the loop thread itself: under
// load epoll_wait returns at once, so a loop goes from one request to the next without sleeping,
// first come, first served.
//
// Each connection is armed one-shot, so one loop at a time owns it. Idle keep-alive connections,
// requests that stop halfway and responses the client does not read are closed after the configured
// timeouts by a sweep that shuts their sockets down; the loop that then sees the event closes them.
// A request's header has the read timeout in all, however its bytes trickle in (else a client sending
// a byte now and then holds its connection for ever). While a connection's answers wait to be sent,
// its next requests are read up to one request's worth and run until the unsent answers reach a limit;
// beyond that the client's own sending stalls until it reads (back-pressure).
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace errkb::server {

// The rest of the settings are httplib's own, set with its setters before start_loops(): the
// keep-alive timeout (idle between requests), the read timeout (a request that has started
// arriving, and the drain after a refusal), the write timeout (an answer the client does not read),
// the keep-alive count (the last request's answer says "Connection: close") and the payload limit
// (a longer body is answered without waiting for it).
struct EventServerOptions {
  int loops = 2;                  // event-loop threads; about the number of cores
  size_t max_connections = 1024;  // beyond: new connections are closed at once
  // Beyond: a client address's new connections are closed at once, so that one client holding
  // connections open (slow headers, say) cannot take all of max_connections.
  size_t max_connections_per_client = 256;
};

// Where a buffered request ends, as far as framing goes (its meaning is httplib's business).
struct RequestFrame {
  bool complete = false;  // `length` bytes hold a whole request, or all the request there will be
  size_t length = 0;
  bool close_after = false;       // the rest of the stream cannot be trusted: answer, then close
  bool expects_continue = false;  // "Expect: 100-continue" and the body has not arrived
  // Not 0: the request is refused with this status (400, 413 or 415) by the loop itself, before
  // httplib reads it, and the connection closed; `refusal` says why. `length` is then all of `buffered`.
  int refuse = 0;
  std::string_view refusal;
};
// Looks at `buffered` from its start: a request line and headers up to an empty line (at most
// `max_header_bytes`), then a body of Content-Length bytes or chunks up to the last one.
// Refused (RFC 9112): a request line that is not `method target HTTP/1.x`, a bare CR or LF, a NUL, a
// folded header line, a header name with spaces or no colon, headers over the limit (400); both
// Content-Length and Transfer-Encoding, a Transfer-Encoding other than chunked, a Content-Length
// that is not one decimal number, a chunk size that is not hex or a chunk not ended by CRLF (400); a
// body over `max_body_bytes`, chunked or not (413); a multipart body, which httplib would parse
// before any route could refuse it (415).
RequestFrame frame_request(std::string_view buffered, size_t max_body_bytes,
                           size_t max_header_bytes = 64 * 1024);

class EventServer : public httplib::Server {
 public:
  EventServer();
  ~EventServer() override;

  // Starts the loop threads; call once, before listen_after_bind().
  void start_loops(const EventServerOptions& options);
  // httplib's listen_after_bind() (which it hides), after widening the listen backlog: httplib
  // listens with a backlog of 5, and a burst of more new connections than that lost SYNs, so that
  // clients waited a second to retry, and now and then one read a reset on its first request.
  bool listen_after_bind();
  // Stops listening (httplib::Server::stop), lets each loop finish the request it is serving, and
  // closes every connection.
  void stop_all();
  size_t open_connections();
  // Fills the answer to a request refused by its framing (RequestFrame::refuse): the status is set,
  // `reason` says what is wrong. Without one the answer is the reason as text/plain.
  using RefusalHandler = std::function<void(int status, std::string_view reason, httplib::Response&)>;
  void set_refusal_handler(RefusalHandler handler) { refusal_handler_ = std::move(handler); }
  uint64_t refused_connections() const { return refused_.load(std::memory_order_relaxed); }
  int loops() const { return static_cast<int>(loops_.size()); }

 private:
  struct Connection;
  bool process_and_close_socket(socket_t sock) override;  // called by httplib's accept loop
  void loop();
  void serve(Connection& connection, uint32_t events);
  bool receive(Connection& connection, bool keep);  // false: the socket failed
  void run_buffered_requests(Connection& connection);
  std::string refusal_response(int status, std::string_view reason) const;
  void arm_for_next_bytes(Connection& connection);
  bool input_full(const Connection& connection) const;
  bool flush(Connection& connection);  // false: the socket failed
  void arm(Connection& connection, uint32_t events, std::chrono::milliseconds timeout);
  void close_connection(Connection& connection);
  void linger(Connection& connection, uint32_t events);
  void sweep_expired();
  std::chrono::milliseconds keep_alive_timeout() const;
  std::chrono::milliseconds read_timeout() const;
  std::chrono::milliseconds write_timeout() const;

  EventServerOptions options_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;       // an eventfd: readable when the loops must stop
  std::mutex stop_mutex_;  // a second stop_all() waits for the first to finish
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> next_sweep_ms_{0};
  std::atomic<uint64_t> refused_{0};  // closed at once for being over max_connections
  std::mutex connections_mutex_;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;  // by socket
  std::unordered_map<std::string, size_t> connections_per_client_;    // by remote address
  RefusalHandler refusal_handler_;
  std::vector<std::thread> loops_;
};

}  // namespace errkb::server
