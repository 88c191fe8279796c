// errkb-indexer: flags -> IndexerOptions -> the update protocol (indexer.h); `explain` prints the codes
// found in text; `watch` updates each batch of saved files (watch.h); `follow` keeps a read replica of a
// primary's index (replica.h). Exit status: 0 all good, 1 some inputs rejected (listed), 2 nothing could be
// done.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "backup_command.h"
#include "errkb/api_json.h"
#include "errkb/codes.h"
#include "errkb/engine.h"
#include "errkb/indexer.h"
#include "errkb/replica.h"
#include "errkb/version.h"
#include "server_config.h"
#include "watch.h"

namespace {

using Clock = std::chrono::steady_clock;

// A progress bar on a terminal, a log line every few seconds otherwise.
class ProgressReporter {
 public:
  explicit ProgressReporter(bool tty) : tty_(tty), start_(Clock::now()), last_(start_) {}

  void operator()(const errkb::IndexProgress& p) {
    auto now = Clock::now();
    bool final = p.files_done == p.files_total;
    if (!final && now - last_ < (tty_ ? std::chrono::milliseconds(100) : std::chrono::seconds(5))) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? static_cast<double>(p.passages_written) / secs : 0;
    double frac = p.files_total ? static_cast<double>(p.files_done) / static_cast<double>(p.files_total) : 1;
    double eta = frac > 0 ? secs / frac - secs : 0;
    if (tty_) {
      int width = 30, filled = static_cast<int>(frac * width);
      std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu files  %zu passages  %.0f/s  ETA %.0fs ", filled,
                   "##############################", width - filled, "", p.files_done, p.files_total,
                   p.passages_written, rate, eta);
      if (final) std::fputc('\n', stderr);
    } else {
      std::fprintf(stderr, "errkb-indexer: %zu/%zu files, %zu passages, %.0f passages/s\n", p.files_done,
                   p.files_total, p.passages_written, rate);
    }
  }

 private:
  bool tty_;
  Clock::time_point start_, last_;
};

int report(const errkb::Result<errkb::UpdateReport>& result, const char* verb) {
  if (!result.ok()) {
    std::cerr << "errkb-indexer " << verb << ": " << result.status().message() << "\n";
    return 2;
  }
  const auto& r = *result;
  for (const auto& e : r.errors) std::cerr << e.to_string() << "\n";
  double secs = static_cast<double>(r.elapsed.count()) / 1000.0;
  std::printf(
      "%s: %zu files (%zu unchanged files skipped); items added %zu, updated %zu, removed %zu, unchanged "
      "%zu, "
      "kept after error %zu; rejected files %zu; %zu passages in %.2fs (%.0f passages/s); revision %llu\n",
      verb, r.files_seen, r.files_skipped, r.items_added, r.items_updated, r.items_removed, r.items_unchanged,
      r.items_kept_after_error, r.files_rejected, r.passages_written, secs,
      secs > 0 ? static_cast<double>(r.passages_written) / secs : 0.0,
      static_cast<unsigned long long>(r.revision));
  if (!r.phases.empty()) {
    std::string line;
    for (const auto& [phase, seconds] : r.phases) {
      char part[96];
      std::snprintf(part, sizeof part, "%s%s %.2fs", line.empty() ? "" : ", ", phase.c_str(), seconds);
      line += part;
    }
    std::printf("%s phases: %s\n", verb, line.c_str());
  }
  return r.errors.empty() ? 0 : 1;
}

// Rounds of follow_primary_once until stopped (or one with `once`). A failed round is reported and
// the next one tries again: the replica serves its last revision meanwhile.
int follow_primary(const errkb::ReplicaOptions& options, std::chrono::seconds interval, bool once,
                   bool quiet) {
  std::string last_error;
  for (;;) {
    auto round = errkb::follow_primary_once(options);
    if (!round.ok()) {
      if (round.status().message() != last_error || once)
        std::cerr << "errkb-indexer follow: " << round.status().message() << "\n";
      last_error = round.status().message();
      if (once) return 2;
    } else {
      last_error.clear();
      if (round->switched && !quiet)
        std::printf("follow: serving revision %llu of %s from %s\n",
                    static_cast<unsigned long long>(round->revision), round->uuid.c_str(),
                    round->generation.string().c_str());
      std::fflush(stdout);
      if (once) return 0;
    }
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"errkb-indexer: builds and updates the errkb index from KB folders"};
  app.require_subcommand(1);
  app.set_version_flag("--version", errkb::version_line("errkb-indexer"));

  errkb::IndexerOptions options;
  std::vector<std::string> kb_dirs;
  std::string index_dir, server_config;
  bool quiet = false;
  int niceness = 10;
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--kb", kb_dirs, "KB folder (articles/ forums/ catalogues/ synonyms.txt); repeatable")
        ->check(CLI::ExistingDirectory);
    sub->add_option("--index", index_dir, "index directory");
    sub->add_option("--config", server_config,
                    "errkb-server config file: its `index` and `kb` where --index and --kb are not given")
        ->check(CLI::ExistingFile);
    sub->add_flag("--strict", options.strict,
                  "any rejected input fails the run; the index is left untouched");
    sub->add_option("--threads", options.threads, "rebuild shards (default: number of cores)")
        ->check(CLI::Range(0, 256));
    sub->add_flag("--quiet", quiet, "no progress output");
    sub->add_option(
           "--nice", niceness,
           "scheduling niceness added for the run (default 10): on a machine that also serves queries, "
           "indexing takes the cores the server leaves idle; 0 = as started")
        ->check(CLI::Range(0, 19));
  };
  std::string replicable;
  auto add_replicable = [&](CLI::App* sub) {
    sub->add_option(
           "--replicable", replicable,
           "on: keep a copy of the passages in the Xapian database, so that read replicas can follow the "
           "index (errkb-indexer follow); off: drop it; default: as the index is")
        ->check(CLI::IsMember({"on", "off"}));
  };
  CLI::App* update = app.add_subcommand("update", "incremental update: add, replace and remove what changed");
  add_common(update);
  add_replicable(update);
  std::vector<std::string> only_paths;
  update->add_option(
      "--path", only_paths,
      "only this changed file or folder (repeatable); the rest of the KB is taken as it was at the "
      "last run; a path that is gone removes what was indexed from it");
  CLI::App* watch = app.add_subcommand(
      "watch", "follow the KB folders (inotify): each batch of saved files is updated at once; Ctrl-C stops");
  add_common(watch);
  int settle_ms = 50;
  watch
      ->add_option(
          "--settle", settle_ms,
          "milliseconds the KB folders must stay quiet after a change before its update (default 50)")
      ->check(CLI::Range(1, 60000));
  CLI::App* rebuild =
      app.add_subcommand("rebuild", "build a fresh index beside the live one and switch atomically");
  add_common(rebuild);
  add_replicable(rebuild);
  CLI::App* follow = app.add_subcommand("follow",
                                        "keep a read replica of a primary's index: fetch it with "
                                        "xapian-replicate, switch to each complete revision");
  errkb::ReplicaOptions replica;
  std::string primary;
  follow
      ->add_option("--index", replica.index_dir, "the replica's index directory (its errkb-server's --index)")
      ->required();
  follow->add_option("--primary", primary, "HOST:PORT of the primary's xapian-replicate-server")->required();
  follow->add_option("--primary-name", replica.primary_name,
                     "the index's path below the folder xapian-replicate-server serves (default: current)");
  int interval = 5;
  follow->add_option("--interval", interval, "seconds between two rounds (default 5)")
      ->check(CLI::Range(1, 86400));
  bool once = false;
  follow->add_flag("--once", once, "one round, then exit (0: up to date; 2: it failed)");
  follow->add_flag("--quiet", quiet, "no line for each revision switched to");
  CLI::App* explain = app.add_subcommand(
      "explain",
      "print the error codes found in TEXT and their meanings, as the JSON `codes` of the HTTP API");
  std::vector<std::string> words;
  std::string vendor;
  explain->add_option("text", words, "text to scan")->required();
  explain->add_option("--vendor", vendor, "vendor context (eBay, Microsoft, Oracle, ...)");
  std::string explain_index;
  explain->add_option("--index", explain_index, "also know the codes of this index's catalogues");

  errkb::indexer::BackupPaths backup_paths;
  bool replace_feedback = false;
  CLI::App* backup = app.add_subcommand(
      "backup", "copy the index and the feedback database into a new folder, while servers go on using them");
  backup->add_option("--index", backup_paths.index, "index directory")->required();
  backup->add_option("--feedback-db", backup_paths.feedback_db,
                     "SQLite feedback database (default: INDEX.feedback.sqlite, when it exists)");
  backup->add_option("--to", backup_paths.folder, "the backup folder to make (must not exist)")->required();
  CLI::App* restore = app.add_subcommand("restore",
                                         "make a backup's index live (switched in atomically; servers reopen "
                                         "it) and put back its feedback database");
  restore->add_option("--from", backup_paths.folder, "a folder made by backup")
      ->required()
      ->check(CLI::ExistingDirectory);
  restore->add_option("--index", backup_paths.index, "index directory (made if missing)")->required();
  restore->add_option("--feedback-db", backup_paths.feedback_db,
                      "SQLite feedback database (default: INDEX.feedback.sqlite)");
  restore->add_flag("--replace-feedback", replace_feedback,
                    "overwrite an existing feedback database (stop the servers using it first)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  if (explain->parsed()) {
    std::string text;
    for (const auto& w : words) text += (text.empty() ? "" : " ") + w;
    if (explain_index.empty()) {
      errkb::CodeGrammar grammar;
      std::cout << errkb::codes_to_json(grammar.find_codes(text, {vendor, ""}), 2) << "\n";
      return 0;
    }
    auto engine = errkb::Engine::Open({explain_index, nullptr});
    if (!engine.ok()) {
      std::cerr << "errkb-indexer explain: " << engine.status().message() << "\n";
      return 2;
    }
    auto found = (*engine)->find_codes(text, vendor);
    if (!found.ok()) {
      std::cerr << "errkb-indexer explain: " << found.status().message() << "\n";
      return 2;
    }
    std::cout << errkb::codes_to_json(*found, 2) << "\n";
    return 0;
  }

  if (follow->parsed()) {
    if (auto colon = primary.rfind(':'); colon != std::string::npos) {
      replica.primary_host = primary.substr(0, colon);
      replica.primary_port = std::atoi(primary.c_str() + colon + 1);
    }
    return follow_primary(replica, std::chrono::seconds(interval), once, quiet);
  }

  if (backup->parsed()) return errkb::indexer::backup(backup_paths);
  if (restore->parsed()) return errkb::indexer::restore(backup_paths, replace_feedback);

  if (niceness > 0) {
    if (errkb::Status s = errkb::run_nicer(niceness); !s.ok())
      std::fprintf(stderr, "errkb-indexer: --nice %d: %s\n", niceness, s.message().c_str());
  }
  errkb::indexer::ServerFolders folders;
  if (std::string error;
      !server_config.empty() && !errkb::indexer::read_server_folders(server_config, folders, error)) {
    std::cerr << "errkb-indexer: --config " << error << "\n";
    return 2;
  }
  for (const auto& d : kb_dirs) options.kb_dirs.emplace_back(d);
  if (options.kb_dirs.empty()) options.kb_dirs = folders.kb;
  options.index_dir = index_dir.empty() ? folders.index : std::filesystem::path(index_dir);
  if (options.kb_dirs.empty() || options.index_dir.empty()) {
    std::cerr
        << "errkb-indexer: give --kb and --index, or --config naming a server config with `kb` and `index`\n";
    return 2;
  }
  if (!replicable.empty()) options.replicable = replicable == "on";
  ProgressReporter progress(::isatty(STDERR_FILENO));
  errkb::ProgressFn fn;
  if (!quiet) fn = [&](const errkb::IndexProgress& p) { progress(p); };
  if (watch->parsed()) {
    errkb::indexer::WatchOptions watching{options, std::chrono::milliseconds(settle_ms), quiet};
    return errkb::indexer::watch(watching, report);
  }
  if (update->parsed()) {
    for (const auto& p : only_paths) options.only_paths.push_back(std::filesystem::absolute(p));
    return report(errkb::update_index(options, fn), "update");
  }
  return report(errkb::rebuild_index(options, fn), "rebuild");
}
