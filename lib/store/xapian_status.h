// The edge where Xapian exceptions become errkb::Status.
#pragma once

#include <xapian.h>

#include <filesystem>
#include <string>

#include "errkb/status.h"

namespace errkb::store {

inline Status to_status(const Xapian::Error& e, const std::filesystem::path& where) {
  std::string type = e.get_type();
  std::string msg = type + ": " + e.get_msg() + " (" + where.string() + ")";
  if (type == "DatabaseLockError") return Status::Locked(msg);
  if (type == "DatabaseCorruptError") return Status::Corruption(msg);
  if (type == "DatabaseVersionError") return Status::VersionMismatch(msg);
  if (type == "DatabaseModifiedError") return Status::Unavailable(msg);
  if (type == "DatabaseNotFoundError") return Status::NotFound(msg);
  if (type == "QueryParserError" || type == "InvalidArgumentError") return Status::InvalidArgument(msg);
  return Status::IOError(msg);
}

}  // namespace errkb::store
