// libFuzzer target for the event loops' request framing (frame_request, server/event_server.cc):
// whatever bytes a client sends, framing returns without crashing or undefined behaviour, and its
// answer keeps the promises the loop relies on: a frame never reaches past what has arrived, a
// complete request is not empty, a refusal is 400, 413 or 415, says why and takes all the bytes
// (the connection closes after it), and a frame that is not complete says nothing but whether a
// "100 Continue" is due. The same bytes framed again with a longer tail frame the same way up to
// where the first frame ended (what comes after a request cannot change it).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "event_server.h"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using errkb::server::RequestFrame;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The first byte picks the limits, so that small inputs reach the body and header bounds too.
  const size_t max_body = size > 0 ? 16u << (data[0] % 8) : 1024;
  const size_t max_header = size > 0 ? 64u << (data[0] % 5) : 4096;
  const RequestFrame frame = errkb::server::frame_request(bytes, max_body, max_header);
  require(frame.length <= bytes.size());
  if (frame.refuse != 0) {
    require(frame.refuse == 400 || frame.refuse == 413 || frame.refuse == 415);
    require(frame.complete && frame.close_after && !frame.refusal.empty() && frame.length == bytes.size());
    return 0;
  }
  require(frame.refusal.empty());
  if (!frame.complete) {
    require(frame.length == 0 && !frame.close_after);
    return 0;
  }
  require(frame.length > 0 && !frame.expects_continue);
  // A whole request followed by more bytes is still the same whole request.
  const std::string longer = std::string(bytes) + "GET / HTTP/1.1\r\n";
  const RequestFrame again = errkb::server::frame_request(longer, max_body, max_header);
  require(again.complete && again.refuse == 0 && again.length == frame.length);
  return 0;
}
