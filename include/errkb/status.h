// Status and Result<T>: how every core function reports failure.
// Xapian, parser and filesystem exceptions are caught at the core's edge and turned into a Status,
// so callers (binaries, HTTP handlers, tests) never see an exception from the engine.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace errkb {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,         // an id, file or index that does not exist
    kInvalidArgument,  // bad input from a user or a file (message says what and where)
    kCorruption,       // an index or file that cannot be read as it should
    kIOError,          // the OS refused a read or write
    kLocked,           // another writer holds the index lock
    kVersionMismatch,  // index schema newer than this program
    kUnavailable,      // temporarily unable (index being switched, database modified)
    kInternal,         // a bug: should never reach a user as such
  };

  Status() = default;  // OK; holds no allocation
  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Locked(std::string msg) { return Status(Code::kLocked, std::move(msg)); }
  static Status VersionMismatch(std::string msg) { return Status(Code::kVersionMismatch, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;  // "NotFound: no such index /x"

  // Prepends context: Status::IOError("disk full").With("writing /idx") -> "writing /idx: disk full".
  Status With(std::string_view context) const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

std::string_view CodeName(Status::Code code);

// A value or the Status that explains why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be OK
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace errkb
