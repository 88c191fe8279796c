// The passage file: records come back byte for byte from the offsets append() gave, a record appended
// after the reader opened the file is still found, and damage is refused rather than misread.
#include "store/passage_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace errkb::store {
namespace {

std::string passage_like(int i) {
  std::string s = "passage " + std::to_string(i) + ": ";
  for (int k = 0; k < 40 + i % 30; ++k) s += "Доступ запрещён 0x80070005 ";
  return s;
}

TEST(PassageFile, RecordsComeBackFromTheirOffsetsAcrossThreads) {
  testing::TempDir dir("errkb-passages");
  const auto path = dir / "passages.dat";
  auto writer = PassageFileWriter::Open(path, true);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  std::vector<uint64_t> offsets(2000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < 2000; i += 2) offsets[i] = (*writer)->append(passage_like(i));
    });
  for (auto& th : threads) th.join();
  ASSERT_TRUE((*writer)->flush(true).ok());
  EXPECT_LT(std::filesystem::file_size(path), 2000u * passage_like(0).size() / 2) << "records are compressed";

  PassageFileReader reader;
  ASSERT_TRUE(reader.open(path).ok());
  std::string out;
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(reader.read(offsets[i], out)) << i;
    EXPECT_EQ(out, passage_like(i));
  }
  EXPECT_FALSE(reader.read(offsets[5] + 1, out));  // not the start of a record
  EXPECT_FALSE(reader.read(std::filesystem::file_size(path) + 100, out));
}

// Records that do not compress, around and far over what one read takes, and at every offset parity.
TEST(PassageFile, RecordsLongerThanOneReadComeBackWhole) {
  testing::TempDir dir("errkb-passages");
  const auto path = dir / "passages.dat";
  auto writer = PassageFileWriter::Open(path, true);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  std::vector<std::string> records;
  std::vector<uint64_t> offsets;
  uint32_t state = 12345;
  for (size_t size : {1u, 1000u, 2020u, 2035u, 2048u, 2049u, 4096u, 4097u, 9000u, 70000u, 3u}) {
    std::string record(size, '\0');
    for (char& c : record) {
      state = state * 1103515245u + 12345u;
      c = static_cast<char>(state >> 24);
    }
    offsets.push_back((*writer)->append(record));
    records.push_back(std::move(record));
  }
  ASSERT_TRUE((*writer)->flush(true).ok());
  PassageFileReader reader;
  ASSERT_TRUE(reader.open(path).ok());
  std::string out;
  for (size_t i = records.size(); i-- > 0;) {
    ASSERT_TRUE(reader.read(offsets[i], out)) << records[i].size() << " bytes";
    EXPECT_EQ(out, records[i]) << records[i].size() << " bytes";
  }
}

TEST(PassageFile, AReaderFindsRecordsAppendedAfterItOpened) {
  testing::TempDir dir("errkb-passages");
  const auto path = dir / "passages.dat";
  uint64_t first = 0, second = 0;
  {
    auto writer = PassageFileWriter::Open(path, true);
    ASSERT_TRUE(writer.ok());
    first = (*writer)->append("first");
    ASSERT_TRUE((*writer)->flush(true).ok());
  }
  PassageFileReader reader;
  ASSERT_TRUE(reader.open(path).ok());
  std::string out;
  ASSERT_TRUE(reader.read(first, out));
  EXPECT_EQ(out, "first");
  {
    auto writer = PassageFileWriter::Open(path, false);  // an update appends
    ASSERT_TRUE(writer.ok());
    second = (*writer)->append(passage_like(7));
    ASSERT_TRUE((*writer)->flush(true).ok());
  }
  EXPECT_GT(second, first);
  ASSERT_TRUE(reader.read(second, out));
  EXPECT_EQ(out, passage_like(7));
  ASSERT_TRUE(reader.read(first, out));
  EXPECT_EQ(out, "first");
}

TEST(PassageFile, ADamagedRecordIsRefused) {
  testing::TempDir dir("errkb-passages");
  const auto path = dir / "passages.dat";
  uint64_t offset = 0;
  {
    auto writer = PassageFileWriter::Open(path, true);
    ASSERT_TRUE(writer.ok());
    offset = (*writer)->append(passage_like(3));
  }  // the destructor writes what is queued
  const auto size = std::filesystem::file_size(path);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 5));
    f.put('\x7f');
  }
  PassageFileReader reader;
  ASSERT_TRUE(reader.open(path).ok());
  std::string out;
  EXPECT_FALSE(reader.read(offset, out));

  std::filesystem::resize_file(path, size - 20);  // cut short
  PassageFileReader cut;
  ASSERT_TRUE(cut.open(path).ok());
  EXPECT_FALSE(cut.read(offset, out));
}

TEST(PassageFile, AMissingFileIsAnErrorNamingIt) {
  testing::TempDir dir("errkb-passages");
  PassageFileReader reader;
  Status s = reader.open(dir / "passages.dat");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("passages.dat"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace errkb::store
