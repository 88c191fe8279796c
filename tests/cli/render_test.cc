// The text renderings of API answers (the `errkb` command's output, the MCP tools' text content).
#include "cli/render.h"

#include <gtest/gtest.h>

namespace errkb::render {
namespace {

using nlohmann::json;

json cause(const std::string& title, double confidence, bool catalogue_only = false) {
  return {{"id", "kb/" + title},
          {"title", title},
          {"cause", "Why it happens.\nSecond line."},
          {"checks", {"Look at the log"}},
          {"resolutions", {"Restart it"}},
          {"prevention", "Keep it updated"},
          {"catalogue_only", catalogue_only},
          {"confidence", confidence},
          {"evidence", {{{"title", "The article"}, {"url", "https://kb.example/a"}}}}};
}

json diagnosis_with(json causes) {
  return {{"diagnosis_id", "d-1"},
          {"causes", std::move(causes)},
          {"ask", {{{"question", "Which version runs?"}, {"reason", "splits"}, {"split", 0.5}}}},
          {"codes",
           {{{"raw", "0x5"},
             {"interpretations",
              {{{"canonical", "win32:5"},
                {"name", "ERROR_ACCESS_DENIED"},
                {"message", "Access is denied"},
                {"certain", true}}}}}}}};
}

TEST(Render, DiagnosisListsCausesWithTheirStepsAndTheNextQuestion) {
  const std::string text =
      diagnosis(diagnosis_with({cause("Locked file", 0.7), cause("Bad ACL", 0.2)}), Style{});
  EXPECT_EQ(text,
            "Code 0x5 = win32:5 ERROR_ACCESS_DENIED: Access is denied\n"
            "1. Locked file  [70%]\n"
            "   Why it happens.\n"
            "     Second line.\n"
            "   Check: Look at the log\n"
            "   Fix: Restart it\n"
            "   Prevent: Keep it updated\n"
            "   Source: The article <https://kb.example/a>\n"
            "   cause_id: kb/Locked file\n"
            "2. Bad ACL  [20%]\n"
            "   Why it happens.\n"
            "     Second line.\n"
            "   Check: Look at the log\n"
            "   Fix: Restart it\n"
            "   Prevent: Keep it updated\n"
            "   Source: The article <https://kb.example/a>\n"
            "   cause_id: kb/Bad ACL\n"
            "Ask next: Which version runs?\n"
            "diagnosis_id: d-1\n");
}

TEST(Render, NoAnswerCatalogueOnlyAndWeakAnswersSaySo) {
  EXPECT_EQ(answer_state(diagnosis_with(json::array())), AnswerState::kNone);
  EXPECT_NE(diagnosis(diagnosis_with(json::array()), Style{}).find("No answer"), std::string::npos);
  const json catalogue = diagnosis_with({cause("Vendor meaning", 0.9, true)});
  EXPECT_EQ(answer_state(catalogue), AnswerState::kCatalogueOnly);
  EXPECT_NE(diagnosis(catalogue, Style{}).find("No known cause yet"), std::string::npos);
  // The server's `answered` decides; without it, the confidence of the gaps report's weak answers.
  json unsure = diagnosis_with({cause("Maybe", 0.9)});
  unsure["answered"] = false;
  unsure["no_answer_reason"] = "the causes are close";
  EXPECT_EQ(answer_state(unsure), AnswerState::kNoAnswer);
  EXPECT_NE(diagnosis(unsure, Style{}).find("No sure answer (the causes are close)"), std::string::npos);
  json sure = diagnosis_with({cause("Sure", 0.1)});
  sure["answered"] = true;
  EXPECT_EQ(answer_state(sure), AnswerState::kAnswered);
  EXPECT_EQ(answer_state(diagnosis_with({cause("Maybe", kWeakConfidence - 0.01)})), AnswerState::kNoAnswer);
  EXPECT_EQ(answer_state(diagnosis_with({cause("Sure", kWeakConfidence)})), AnswerState::kAnswered);
}

TEST(Render, SnippetsAndColour) {
  EXPECT_EQ(snippet_text("a <mark>b&amp;c</mark> &lt;d&gt; &#39;e&#39;", Style{}), "a b&c <d> 'e'");
  EXPECT_EQ(snippet_text("a <mark>b</mark>", Style{true}), "a \x1b[1;4mb\x1b[0m");
  const std::string coloured = diagnosis(diagnosis_with({cause("Locked file", 0.7)}), Style{true});
  EXPECT_NE(coloured.find("\x1b[1;36mLocked file\x1b[0m"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[1;35mAsk next: \x1b[0m"), std::string::npos);
}

TEST(Render, ProblemsNameTheirCodeAndParameter) {
  EXPECT_EQ(
      problem({{"code", "bad_parameter"}, {"detail", "'limit' must be an integer"}, {"param", "limit"}}),
      "bad_parameter: 'limit' must be an integer (parameter 'limit')");
  EXPECT_EQ(problem({{"title", "Not found"}}), "Not found");
}

}  // namespace
}  // namespace errkb::render
