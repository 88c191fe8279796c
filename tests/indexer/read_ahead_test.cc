// The update's read-ahead gives each file the result reading it alone gives, in the update's order.
#include <gtest/gtest.h>

#include "errkb/ingest.h"
#include "store/update_steps.h"
#include "test_util.h"

namespace errkb::testing {
namespace {

std::vector<std::string> uids_of(const FileReadResult& r) {
  std::vector<std::string> out;
  for (const auto& item : r.items) out.push_back(item.uid);
  return out;
}

TEST(ReadAhead, EachFileReadsAsAloneInTheUpdatesOrder) {
  TempDir kb("errkb-read-ahead");
  for (int i = 0; i < 12; ++i)
    write_file(kb / "articles" / ("a" + std::to_string(i) + ".md"),
               "---\nid: read-ahead/" + std::to_string(i) + "\ntitle: Page " + std::to_string(i) +
                   "\n---\n# Page\n\n## Cause\n\nThe cable number " + std::to_string(i) + " is loose.\n");
  auto listed = list_kb_files(kb.path());
  ASSERT_TRUE(listed.ok());
  const std::vector<KbFile>& files = *listed;
  ASSERT_EQ(files.size(), 12u);

  const std::vector<size_t> order = {0, 2, 3, 5, 8, 9, 11};
  store::ReadAhead ahead(files, order, /*window=*/3);
  for (size_t i : order) {
    const FileReadResult r = ahead.next();
    EXPECT_EQ(uids_of(r), uids_of(read_kb_file(files[i]))) << files[i].rel;
    ASSERT_EQ(r.items.size(), 1u);
  }
}

}  // namespace
}  // namespace errkb::testing
