// errkb-bench-grammar: what teaching the code grammar a KB's catalogues costs, from the values the
// index keeps of each catalogue file (store/kept_catalogue_codes.h), as a server opening the index or
// an update teaches it. Reads the catalogues of a KB folder, encodes what each teaches as the index
// keeps it, then teaches fresh grammars from those values and prints the CPU time and the resident
// memory they take. Not a test: the figures are in docs/benchmarks.md.
//
//   errkb-bench-grammar KB_DIR [rounds=2]
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "errkb/codes.h"
#include "errkb/ingest.h"
#include "store/kept_catalogue_codes.h"

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double resident_mb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  return 0;
}

// What each catalogue file of the KB teaches, encoded as the index keeps it.
std::vector<std::string> kept_values(const std::string& kb, size_t& entries) {
  std::vector<std::string> values;
  auto listing = errkb::list_kb_folder(kb);
  if (!listing.ok()) {
    std::fprintf(stderr, "errkb-bench-grammar: %s\n", listing.status().ToString().c_str());
    std::exit(2);
  }
  for (const auto& file : listing->files) {
    if (file.kind != errkb::SourceKind::kCatalogue) continue;
    const errkb::FileReadResult read = errkb::read_kb_file(file);
    const errkb::store::CatalogueCodes codes = errkb::store::catalogue_codes_of(read.items);
    entries += codes.size();
    values.push_back(errkb::store::encode_catalogue_codes(codes));
  }
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: errkb-bench-grammar KB_DIR [rounds=2]\n");
    return 2;
  }
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 2;
  size_t entries = 0;
  const std::vector<std::string> values = kept_values(argv[1], entries);
  size_t bytes = 0;
  for (const auto& v : values) bytes += v.size();
  std::printf("catalogue files %zu, entries %zu, kept values %.1f MB\n", values.size(), entries,
              static_cast<double>(bytes) / (1 << 20));
  // The first grammar of the process takes memory the allocator has never handed out (page faults), as
  // a server's first grammar does; the later ones reuse what the previous one freed.
  for (int round = 0; round < rounds; ++round) {
    const double resident_before = resident_mb();
    const double start = cpu_seconds();
    double decoding = 0;
    auto grammar = std::make_unique<errkb::CodeGrammar>();
    grammar->reserve_catalogue_codes(entries);
    errkb::store::CatalogueCodes codes;
    for (const auto& value : values) {
      codes.clear();
      const double decode_start = cpu_seconds();
      if (!errkb::store::decode_catalogue_codes(value, codes)) return 1;
      decoding += cpu_seconds() - decode_start;
      for (const auto& entry : codes) grammar->add_catalogue_code(entry.code);
    }
    std::printf("grammar %d: CPU %.2f s (decoding %.2f s), resident +%.0f MB\n", round + 1,
                cpu_seconds() - start, decoding, resident_mb() - resident_before);
  }
  return 0;
}
