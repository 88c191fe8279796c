// Hostile KB files met by `update`, by `rebuild` and by the server's reindex job: each is rejected
// alone with "path:line: what is wrong", the run goes on, and what the index held from the file
// before stays findable. The files are generated here (some are megabytes of nesting).
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include "../indexer/kb_fixture.h"
#include "errkb/ingest.h"
#include "fixtures.h"

namespace errkb::testing {
namespace {

// One hostile file: where it goes (replacing a fixture file), its bytes, the message expected, and a
// query whose hit (doc id) the fixture had indexed from that file before.
struct HostileCase {
  std::string name;
  std::string path;
  std::string content;
  std::string where;     // "path:line" or "path" (a whole-file error) the message starts with
  std::string fragment;  // part of the message
  std::string query, doc_id;
  std::string original = {};  // the file's indexed version, when the fixture has none at `path`
};

void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.name; }

std::vector<HostileCase> hostile_cases() {
  const std::string catalogue_path = "catalogues/parcelhub.json";
  const std::string article_path = "articles/dns/domain.md";
  const std::string front = "---\nid: dns/domain\ntitle: Custom domain does not resolve\nlanguage: en\n";
  const std::string article_body =
      "---\n# Custom domain does not resolve\n\n## Cause\n\nThe CNAME record points to the old host.\n";
  const std::string long_word = repeat("x", 300);
  const std::string html_path = "articles/print/spooler.html";
  const std::string html_article =
      "<html><head><title>Spooler stopped</title></head><body><h2>Cause</h2>"
      "<p>The print spooler service is stopped.</p></body></html>";
  return {
      {"CatalogueNumberBeyondDouble", catalogue_path,
       "{\"vendor\":\"ParcelHub\",\"errors\":[\n{\"code\":\"PH-101\",\"message\":\"Address rejected\"},\n"
       "{\"code\":\"PH-103\",\"weight\":1e400}]}",
       catalogue_path + ":3", "beyond the range of a double", "weight over limit", "parcelhub:PH-102"},
      {"CatalogueNestedDeep", catalogue_path, "{\"vendor\":\"ParcelHub\",\"errors\":" + repeat("[", 100000),
       catalogue_path + ":1", "nested deeper than", "weight over limit", "parcelhub:PH-102"},
      {"CatalogueCodeOverTermLimit", catalogue_path,
       catalogue({{"PH-101", "Address rejected"}, {long_word, "Weight over limit"}}), catalogue_path + ":",
       "errors[1]: code \"xxx", "weight over limit", "parcelhub:PH-102"},
      {"CatalogueVendorOverTermLimit", catalogue_path,
       "{\"vendor\":\"" + long_word +
           "\",\"errors\":[{\"code\":\"PH-101\",\"message\":\"Address rejected\"}]}",
       catalogue_path + ":", "vendor \"xxx", "weight over limit", "parcelhub:PH-102"},
      {"ArticleTagOverTermLimit", article_path, front + "tags: [dns, " + long_word + "]\n" + article_body,
       article_path + ":", "tag \"xxx", "CNAME old host", "dns/domain"},
      {"ArticleIdOverTermLimit", article_path, "---\nid: " + long_word + "\n" + article_body,
       article_path + ":", "id \"", "CNAME old host", "dns/domain"},
      {"CataloguePatternMatchingEveryWord", catalogue_path,
       "{\"vendor\":\"ParcelHub\",\n\"code_pattern\":\".*\",\n\"errors\":[\n"
       "{\"code\":\"PH-101\",\"message\":\"Address rejected\"},\n{\"code\":\"PH-102\",\"message\":\"Weight "
       "over limit\"}]}",
       catalogue_path + ":2", "code_pattern: code pattern of vendor ParcelHub matches the empty string",
       "weight over limit", "parcelhub:PH-102"},
      {"HtmlNestedDeep", html_path,
       "<html><head><title>Spooler</title></head><body>\n" + repeat("<div>", 100000), html_path + ":2",
       "nested deeper than", "print spooler stopped", "print/spooler", html_article},
  };
}

class HostileKb : public KbFixture, public ::testing::WithParamInterface<HostileCase> {
 protected:
  // The run's errors include one for the case's file, at its line, saying what the case expects.
  static void expect_reported(const UpdateReport& r, const HostileCase& c) {
    std::string all;
    bool found = false;
    for (const InputError& e : r.errors) {
      const std::string text = e.to_string();
      all += text + "\n";
      if (text.rfind(c.where, 0) == 0 && text.find(c.fragment) != std::string::npos) found = true;
    }
    EXPECT_TRUE(found) << "expected " << c.where << ": ..." << c.fragment << "\ngot:\n" << all;
  }
  void expect_still_found(const HostileCase& c) {
    auto e = engine();
    ASSERT_TRUE(e);
    EXPECT_TRUE(contains(doc_ids(*e, c.query), c.doc_id)) << c.doc_id << " lost";
  }
};

TEST_P(HostileKb, UpdateRejectsTheFileAndKeepsWhatWasIndexed) {
  const HostileCase& c = GetParam();
  if (!c.original.empty()) write_file(kb() / c.path, c.original);
  update();
  write_later(c.path, c.content);
  auto r = update_index(options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  expect_reported(*r, c);
  EXPECT_EQ(r->items_removed, 0u);
  expect_still_found(c);
}

TEST_P(HostileKb, RebuildRejectsTheFileAndKeepsWhatWasIndexed) {
  const HostileCase& c = GetParam();
  if (!c.original.empty()) write_file(kb() / c.path, c.original);
  update();
  write_later(c.path, c.content);
  auto r = rebuild_index(options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  expect_reported(*r, c);
  expect_still_found(c);
}

INSTANTIATE_TEST_SUITE_P(Files, HostileKb, ::testing::ValuesIn(hostile_cases()),
                         [](const auto& test_case) { return test_case.param.name; });

// Runs `fn` as the unprivileged user nobody in a child process when this one is root (to whom
// permissions deny nothing), else here; its answer comes back through a pipe.
std::string as_unprivileged(const std::function<std::string()>& fn) {
  if (::geteuid() != 0) return fn();
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[0]);
    std::string answer = ::setgroups(0, nullptr) == 0 && ::setgid(65534) == 0 && ::setuid(65534) == 0
                             ? fn()
                             : "cannot become nobody";
    (void)!::write(fds[1], answer.data(), answer.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) answer.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  return answer;
}

// Everything below `dir` readable and writable by anyone (the index, for the unprivileged run).
void open_to_all(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  fs::permissions(dir, fs::perms::all, fs::perm_options::add);
  for (const auto& e : fs::recursive_directory_iterator(dir))
    fs::permissions(e.path(), fs::perms::all, fs::perm_options::add);
}

// "removed N; kept M" and the run's messages, one per line (or the failure).
std::string run_summary(const Result<UpdateReport>& r) {
  if (!r.ok()) return "failed: " + r.status().ToString();
  std::string out = "removed " + std::to_string(r->items_removed) + "; kept " +
                    std::to_string(r->items_kept_after_error) + "\n";
  for (const auto& e : r->errors) out += e.to_string() + "\n";
  return out;
}

class HostileKbFolders : public KbFixture {
 protected:
  Result<UpdateReport> run(bool rebuild) {
    return rebuild ? rebuild_index(options()) : update_index(options());
  }

  // Updates as the fixture's owner, then makes `chmod_target` unreadable and runs update or rebuild
  // unprivileged.
  std::string run_with_unreadable(const std::string& chmod_target, bool rebuild) {
    update();
    open_to_all(index_->path());
    std::filesystem::permissions(kb() / chmod_target, std::filesystem::perms::none);
    std::string summary = as_unprivileged([&] { return run_summary(run(rebuild)); });
    std::filesystem::permissions(kb() / chmod_target, std::filesystem::perms::owner_all);
    return summary;
  }
  // Both ways, `chmod_target` made unreadable is reported ("<target>: <message>...") and the domain
  // article indexed from below it is kept.
  void expect_unreadable_keeps_its_article(const std::string& chmod_target, const std::string& message) {
    for (bool rebuild : {false, true}) {
      const std::string summary = run_with_unreadable(chmod_target, rebuild);
      EXPECT_EQ(summary.rfind("removed 0; kept 1\n", 0), 0u) << summary;
      EXPECT_NE(summary.find(chmod_target + ": " + message), std::string::npos) << summary;
      expect_domain_article_found();
    }
  }
  void expect_domain_article_found() {
    auto e = engine();
    ASSERT_TRUE(e);
    EXPECT_TRUE(contains(doc_ids(*e, "CNAME old host"), "dns/domain"));
  }
};

TEST_F(HostileKbFolders, AFolderThatCannotBeListedKeepsWhatWasIndexedFromIt) {
  expect_unreadable_keeps_its_article("articles/dns", "cannot list the folder");
}

TEST_F(HostileKbFolders, AFileThatCannotBeReadKeepsWhatWasIndexedFromIt) {
  expect_unreadable_keeps_its_article("articles/dns/domain.md", "cannot read the file");
}

TEST_F(HostileKbFolders, ALinkToAFileOutsideTheKbIsNotRead) {
  TempDir outside("errkb-outside");
  write_file(outside / "secret.md", "# Secret\n\nThe zanzibarquokka password is hunter2.\n");
  std::filesystem::create_symlink(outside / "secret.md", kb() / "articles/secret.md");
  write_file(kb() / "shared/inside.md", "# Inside\n\nThe quokkazanzibar cable is loose.\n");
  std::filesystem::create_symlink(kb() / "shared/inside.md", kb() / "articles/inside.md");
  UpdateReport r = update();
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(),
            "articles/secret.md: a symbolic link to a file outside the KB folder: not read");
  auto e = engine();
  EXPECT_TRUE(hits(*e, "zanzibarquokka").empty());
  EXPECT_TRUE(contains(doc_ids(*e, "quokkazanzibar"), "inside"));  // a link inside the KB is read
}

TEST_F(HostileKbFolders, FileNamesThatAreNotTextAreRejectedAndPrintedOnOneLine) {
  write_file(kb() / "articles/bad\xff\xfe.md", article("bad-name", "Bad name", "Some cause"));
  write_file(kb() / "articles/two\nlines.md", "---\nid: [unclosed\n---\n# Two lines\n");
  for (bool rebuild : {false, true}) {
    const std::string all = run_summary(run(rebuild));
    EXPECT_NE(all.find("articles/bad\\xFF\\xFE.md: the file name is not valid UTF-8"), std::string::npos)
        << all;
    EXPECT_NE(all.find("articles/two\\nlines.md:"), std::string::npos) << all;
    expect_domain_article_found();
  }
}

TEST_F(HostileKbFolders, DeepFoldersAndLongNamesAreReportedAndTheRunGoesOn) {
  std::string deep = "articles";
  for (int i = 0; i < 40; ++i) deep += "/d";
  write_file(kb() / deep / "deep.md", article("deep", "Deep", "Deep cause"));
  write_file(kb() / ("articles/" + std::string(250, 'n') + ".md"), "# Long name\n\nA cause.\n");
  for (bool rebuild : {false, true}) {
    const std::string all = run_summary(run(rebuild));
    EXPECT_NE(all.find("folders nested deeper than 32 levels are not read"), std::string::npos) << all;
    EXPECT_NE(all.find(".md: id \"nnnn"), std::string::npos) << all;
    expect_domain_article_found();
  }
}

TEST_F(HostileKbFolders, TheWorkFoldersOfKilledRebuildsAreRemovedByTheNextRun) {
  update();
  for (bool rebuild : {false, true}) {
    write_file(index() / "rebuild-99999/shard-0/postlist.glass", std::string(4096, 'x'));
    auto r = run(rebuild);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_FALSE(std::filesystem::exists(index() / "rebuild-99999")) << (rebuild ? "rebuild" : "update");
  }
  expect_domain_article_found();
}

TEST_F(HostileKbFolders, TheSameCodeInASecondCatalogueIsThatFilesErrorAndNeverReplacesTheFirst) {
  update();
  write_file(kb() / "catalogues/zz-copy.json",
             "{\"vendor\":\"ParcelHub\",\"errors\":[{\"code\":\"PH-101\","
             "\"message\":\"Zebraquokka copy\"},{\"code\":\"PH-900\",\"message\":\"Own entry\"}]}");
  for (bool rebuild : {false, true}) {
    auto r = run(rebuild);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->errors.size(), 1u);
    EXPECT_EQ(r->errors[0].to_string(),
              "catalogues/zz-copy.json: entry parcelhub:PH-101 is also defined in "
              "catalogues/parcelhub.json, whose definition is indexed");
    auto e = engine();
    EXPECT_TRUE(hits(*e, "zebraquokka").empty());
    EXPECT_TRUE(contains(doc_ids(*e, "own entry"), "parcelhub:PH-900"));
  }
  std::filesystem::remove(kb() / "catalogues/zz-copy.json");
  UpdateReport r = update();
  EXPECT_TRUE(r.errors.empty());
  auto e = engine();
  EXPECT_TRUE(contains(doc_ids(*e, "address rejected"), "parcelhub:PH-101"));
  EXPECT_FALSE(contains(doc_ids(*e, "own entry"), "parcelhub:PH-900"));
}

TEST_F(HostileKbFolders, ACodePatternMatchingEveryWordIsRefusedAndTheCatalogueIndexedWithoutIt) {
  write_file(kb() / "catalogues/parcelhub.json",
             "{\"vendor\":\"ParcelHub\",\n  \"code_pattern\": \"[A-Za-z0-9-]+\",\n  "
             "\"errors\":[{\"code\":\"PH-101\","
             "\"message\":\"Address rejected\"}]}");
  for (bool rebuild : {false, true, false}) {  // the file stays incomplete: each run says so again
    const std::string all = run_summary(run(rebuild));
    EXPECT_NE(
        all.find("catalogues/parcelhub.json:2: code_pattern: code pattern of vendor ParcelHub matches the "
                 "word \"a\""),
        std::string::npos)
        << all;
    auto e = engine();
    ASSERT_TRUE(e);
    EXPECT_TRUE(contains(doc_ids(*e, "address rejected"), "parcelhub:PH-101"));
    auto codes = e->find_codes("the label was refused by parcelhub", "ParcelHub");
    ASSERT_TRUE(codes.ok());
    EXPECT_TRUE(codes->empty()) << codes->size() << " codes, the first " << codes->front().raw;
  }
}

TEST_F(HostileKbFolders, ASynonymsFileThatIsNotTextKeepsTheIndexedSynonyms) {
  write_file(kb() / "synonyms.txt", "quokkadns: cname\n");
  update();
  auto finds_domain = [&] {
    auto e = engine();
    return e && contains(doc_ids(*e, "quokkadns"), "dns/domain");
  };
  ASSERT_TRUE(finds_domain());
  // UTF-16: not a line of it can be read. The synonyms indexed before stay, through update and rebuild.
  write_later("synonyms.txt", std::string("\xFF\xFEq\0u\0:\0 \0x\0\n\0", 14));
  for (bool rebuild : {false, true}) {
    auto r = run(rebuild);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->errors.size(), 1u);
    EXPECT_NE(r->errors[0].to_string().find("synonyms.txt: unsupported encoding: UTF-16"), std::string::npos)
        << r->errors[0].to_string();
    EXPECT_TRUE(finds_domain()) << (rebuild ? "rebuild" : "update");
  }
  // One bad byte rejects its line, not the other groups.
  write_later("synonyms.txt", "bad\xe9: x\nquokkadns: cname\n");
  UpdateReport r = update();
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].to_string().find("synonyms.txt:1: invalid UTF-8"), std::string::npos)
      << r.errors[0].to_string();
  EXPECT_TRUE(finds_domain());
}

}  // namespace
}  // namespace errkb::testing
