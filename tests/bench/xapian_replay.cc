// errkb-bench-xapian-replay: Xapian's own cost of writing errkb's documents, the floor under any
// rebuild. It loads the documents of a built index into memory (terms with their wdfs, value slots,
// data), then writes them again as `errkb-indexer rebuild` does (one DB_DANGEROUS shard per thread,
// committed every --batch documents, compacted into one database) and times that alone: no KB file
// is read, parsed or analysed. scripts/bench-index.sh runs it after its rebuild and prints the ratio.
//
//   errkb-bench-xapian-replay --index DIR [--docs N] [--threads N] [--batch N] [--no-data]
//                             [--no-field-copies] [--work DIR]
//
// --no-data leaves out the document data (an index of schema 4 has none: its passages are in
// passages.dat); --no-field-copies the "title:"/"symptoms:" prefixed copies of the prose terms
// (schema.h): what such schema changes would save. One JSON line on stdout.
//
// A benchmark of Xapian itself, so it includes <xapian.h> directly, outside the engine's store layer.
#include <xapian.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "errkb/indexer.h"
#include "errkb/schema.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// One document in memory, its terms packed into one buffer as (varint length, bytes, varint wdf)*: a
// million documents of ~100 terms fit in a few GB this way, against ~8 GB as vectors of strings.
class PackedDoc {
 public:
  void add_term(const std::string& term, unsigned wdf) {
    ++terms_;
    str(term);
    varint(wdf);
  }
  void add_value(unsigned slot, std::string value) { values_.emplace_back(slot, std::move(value)); }
  void set_data(std::string data) { data_ = std::move(data); }
  size_t term_count() const { return terms_; }

  Xapian::Document unpack() const {
    Xapian::Document doc;
    size_t pos = 0;
    for (size_t i = 0; i < terms_; ++i) {
      uint64_t len = read_varint(terms_bytes_, pos);
      std::string term = terms_bytes_.substr(pos, len);
      pos += len;
      doc.add_term(term, static_cast<Xapian::termcount>(read_varint(terms_bytes_, pos)));
    }
    for (const auto& [slot, value] : values_) doc.add_value(slot, value);
    doc.set_data(data_);
    return doc;
  }

 private:
  void varint(uint64_t v) {
    while (v >= 0x80) {
      terms_bytes_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    terms_bytes_.push_back(static_cast<char>(v));
  }
  void str(const std::string& s) {
    varint(s.size());
    terms_bytes_.append(s);
  }
  static uint64_t read_varint(const std::string& in, size_t& pos) {
    uint64_t v = 0;
    for (int shift = 0; pos < in.size(); shift += 7) {
      auto b = static_cast<uint8_t>(in[pos++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    return v;
  }

  size_t terms_ = 0;
  std::string terms_bytes_;
  std::vector<std::pair<unsigned, std::string>> values_;
  std::string data_;
};

// A prefixed copy of a prose term ("ZS<stem>", "ZXSYM<stem>"): Z, then a text field's prefix.
bool is_field_copy(const std::string& term) {
  static const std::vector<std::string> copies = [] {
    std::vector<std::string> out;
    for (const auto& spec : errkb::schema::kFields)
      if (spec.type == errkb::schema::FieldType::kText && !spec.prefix.empty())
        out.push_back("Z" + std::string(spec.prefix));
    return out;
  }();
  for (const auto& z : copies)
    if (term.starts_with(z)) return true;
  return false;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Xapian's own cost of writing errkb's documents (a benchmark)"};
  std::string index;
  size_t docs_wanted = 0;  // 0 = all
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  size_t batch = errkb::kRebuildPassagesPerCommit;
  bool no_data = false, no_field_copies = false;
  std::string work = (fs::temp_directory_path() / "errkb-xapian-replay").string();
  app.add_option("--index", index, "a built errkb index (its directory, or one generation)")->required();
  app.add_option("--docs", docs_wanted, "how many documents to replay (0 = all)");
  app.add_option("--threads", threads, "writer threads, one shard each")->check(CLI::Range(1u, 64u));
  app.add_option("--batch", batch, "documents per commit")->check(CLI::Range(size_t{1}, size_t{1} << 30));
  app.add_flag("--no-data", no_data, "leave out the document data");
  app.add_flag("--no-field-copies", no_field_copies,
               "leave out the title:/symptoms: prefixed copies of prose terms");
  app.add_option("--work", work, "scratch directory for the shards and the compacted database");
  CLI11_PARSE(app, argc, argv);

  try {
    fs::path source = index;
    if (fs::exists(source / errkb::schema::kStubName)) source /= errkb::schema::kStubName;
    Xapian::Database db(source.string());
    std::vector<PackedDoc> docs;
    size_t terms = 0;
    const auto load_start = Clock::now();
    for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it) {
      if (docs_wanted && docs.size() >= docs_wanted) break;
      Xapian::Document d = db.get_document(*it);
      PackedDoc packed;
      for (auto t = d.termlist_begin(); t != d.termlist_end(); ++t)
        if (!no_field_copies || !is_field_copy(*t)) packed.add_term(*t, t.get_wdf());
      for (auto v = d.values_begin(); v != d.values_end(); ++v) packed.add_value(v.get_valueno(), *v);
      if (!no_data) packed.set_data(d.get_data());
      terms += packed.term_count();
      docs.push_back(std::move(packed));
    }
    const double load_s = seconds_since(load_start);
    if (docs.empty()) {
      std::fprintf(stderr, "errkb-bench-xapian-replay: %s has no documents\n", source.c_str());
      return 2;
    }

    fs::remove_all(work);
    fs::create_directories(work);
    auto shard = [&](unsigned t) { return (fs::path(work) / ("shard-" + std::to_string(t))).string(); };
    const auto write_start = Clock::now();
    std::vector<std::thread> writers;
    std::vector<std::string> failures(threads);
    for (unsigned t = 0; t < threads; ++t)
      writers.emplace_back([&, t] {
        try {
          Xapian::WritableDatabase out(
              shard(t), Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_DANGEROUS | Xapian::DB_NO_SYNC);
          size_t since_commit = 0;
          for (size_t i = t; i < docs.size(); i += threads) {
            out.add_document(docs[i].unpack());
            if (++since_commit >= batch) {
              out.commit();
              since_commit = 0;
            }
          }
          out.commit();
        } catch (const Xapian::Error& e) {
          failures[t] = e.get_description();
        }
      });
    for (auto& w : writers) w.join();
    for (const auto& f : failures)
      if (!f.empty()) throw Xapian::DatabaseError(f);
    const double write_s = seconds_since(write_start);

    const auto compact_start = Clock::now();
    Xapian::Database shards;
    for (unsigned t = 0; t < threads; ++t) shards.add_database(Xapian::Database(shard(t)));
    const std::string merged = (fs::path(work) / "merged").string();
    shards.compact(merged, Xapian::DBCOMPACT_MULTIPASS);
    const double compact_s = seconds_since(compact_start);
    uintmax_t bytes = 0;
    for (const auto& e : fs::recursive_directory_iterator(merged))
      if (e.is_regular_file()) bytes += e.file_size();
    fs::remove_all(work);

    const double n = static_cast<double>(docs.size());
    std::printf(
        "{\"docs\":%zu,\"threads\":%u,\"batch\":%zu,\"data\":%s,\"field_copies\":%s,\"terms_per_doc\":%.1f,"
        "\"load_s\":%.2f,\"write_s\":%.2f,\"compact_s\":%.2f,\"docs_per_s\":%.0f,\"write_docs_per_s\":%.0f,"
        "\"bytes_per_doc\":%.0f}\n",
        docs.size(), threads, batch, no_data ? "false" : "true", no_field_copies ? "false" : "true",
        terms / n, load_s, write_s, compact_s, n / (write_s + compact_s), n / write_s,
        static_cast<double>(bytes) / n);
  } catch (const Xapian::Error& e) {
    std::fprintf(stderr, "errkb-bench-xapian-replay: %s\n", e.get_description().c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "errkb-bench-xapian-replay: %s\n", e.what());
    return 2;
  }
  return 0;
}
