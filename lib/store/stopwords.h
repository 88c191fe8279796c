// Short stop-word lists for the languages errkb's content comes in. Dropping these words keeps the index
// small and OR queries fast; they carry no meaning for finding a cause.
#pragma once

#include <xapian.h>

#include <string>
#include <string_view>
#include <vector>

namespace errkb::store {

// Stop words of an ISO 639-1 language ("en", "ro", "it", "ru"); empty for others.
const std::vector<std::string_view>& stop_words(std::string_view language);

// A stopper for the language's stop words, nullptr when it has none. Made once, shared by all threads
// (it is only read).
const Xapian::Stopper* stopper_for(const std::string& language);

// The Snowball stemmer of an ISO 639-1 language (a no-op stemmer when Xapian has none); for a language
// written in another script than Latin (Russian), words of ASCII letters are stemmed as English. Stemmers
// keep state while stemming, so each thread gets its own, made once per language.
const Xapian::Stem& stemmer_for(const std::string& language);

}  // namespace errkb::store
