// Short stop-word lists for the languages errkb's content comes in. Dropping these words keeps the index
// small and OR queries fast; they carry no meaning for finding a cause.
#pragma once

#include <string_view>
#include <vector>

namespace errkb::store {

// Stop words of an ISO 639-1 language ("en", "ro", "it", "ru"); empty for others.
const std::vector<std::string_view>& stop_words(std::string_view language);

}  // namespace errkb::store
