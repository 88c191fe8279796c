#include "errkb/text.h"

#include <gtest/gtest.h>

namespace errkb {
namespace {

// Only A-Z change: codes and filter values keep every other byte, UTF-8 included.
TEST(LowerAscii, OnlyAsciiLettersChange) {
  EXPECT_EQ(lower_ascii("ShopFlow SF-3104 Ärger ДОСТУП"), "shopflow sf-3104 Ärger ДОСТУП");
  EXPECT_EQ(lower_ascii('Q'), 'q');
  EXPECT_EQ(lower_ascii('@'), '@');
}

TEST(DetectLanguage, EnglishSentence) {
  EXPECT_EQ(detect_language("The payment page shows an error after the customer enters the card number and "
                            "presses the pay button, and the order is never created."),
            "en");
}

TEST(DetectLanguage, RomanianSentence) {
  EXPECT_EQ(detect_language("Confirmările de comandă nu mai ajung la clienți pentru că parola contului de "
                            "e-mail a fost schimbată de administratorul magazinului."),
            "ro");
}

TEST(DetectLanguage, ItalianSentence) {
  EXPECT_EQ(detect_language("Le inserzioni non vengono pubblicate perché il token di accesso dell'account è "
                            "scaduto e deve essere rinnovato dalle impostazioni del negozio."),
            "it");
}

TEST(DetectLanguage, RussianSentence) {
  EXPECT_EQ(detect_language("Браузер показывает предупреждение о небезопасном соединении, потому что "
                            "сертификат выпущен только для домена без www."),
            "ru");
}

TEST(DetectLanguage, EmptyAndNoiseAreUnknown) {
  EXPECT_EQ(detect_language(""), "");
  EXPECT_EQ(detect_language("0x80070005 12345 ::: ---"), "");
}

TEST(DetectLanguage, InvalidUtf8DoesNotBreakDetection) {
  std::string text =
      "Le inserzioni non vengono pubblicate perché il token di accesso dell'account è scaduto.";
  text += "\xff\xfe";
  EXPECT_EQ(detect_language(text), "it");
}

TEST(StemmerForLanguage, KnownAndUnknown) {
  EXPECT_EQ(stemmer_for_language("en"), "english");
  EXPECT_EQ(stemmer_for_language("ro"), "romanian");
  EXPECT_EQ(stemmer_for_language("it"), "italian");
  EXPECT_EQ(stemmer_for_language("ru"), "russian");
  EXPECT_EQ(stemmer_for_language("DE"), "german");
  EXPECT_EQ(stemmer_for_language("pt-BR"), "portuguese");
  EXPECT_EQ(stemmer_for_language("nb"), "norwegian");
  EXPECT_EQ(stemmer_for_language("ja"), "");
  EXPECT_EQ(stemmer_for_language(""), "");
}

TEST(Utf8, ValidText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("Soluția 2 – ţ ş ș ț, Решение, 😀"));
  EXPECT_EQ(first_invalid_utf8("abc"), std::string_view::npos);
}

TEST(Utf8, InvalidSequencesAndTheirOffset) {
  EXPECT_FALSE(is_valid_utf8("caf\xe9"));  // Latin-1
  EXPECT_EQ(first_invalid_utf8("caf\xe9"), 3u);
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong 3-byte
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("ok \xe2\x82"));       // truncated sequence
  EXPECT_EQ(first_invalid_utf8("ok \xe2\x82"), 3u);
  EXPECT_FALSE(is_valid_utf8("\x80"));  // lone continuation byte
}

TEST(Utf8, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(valid_utf8("Soluția 2 – Решение, 😀"), "Soluția 2 – Решение, 😀");
  EXPECT_EQ(valid_utf8(""), "");
  EXPECT_EQ(valid_utf8("a\xe3"
                       "b"),
            "a\uFFFD"
            "b");  // a lead byte alone
  EXPECT_EQ(valid_utf8("caf\xe9 \xff"), "caf\uFFFD \uFFFD");
  EXPECT_EQ(valid_utf8("ok \xe2\x82"), "ok \uFFFD\uFFFD");        // truncated: each byte
  EXPECT_EQ(valid_utf8("\xed\xa0\x80!"), "\uFFFD\uFFFD\uFFFD!");  // a surrogate
  const std::string long_bad(100000, '\x80');  // linear: one pass however many bytes are bad
  EXPECT_TRUE(is_valid_utf8(valid_utf8(long_bad)));
}

TEST(CollapseWhitespace, RunsAndEnds) {
  EXPECT_EQ(collapse_whitespace("  a \t\n b   c  "), "a b c");
  EXPECT_EQ(collapse_whitespace(""), "");
  EXPECT_EQ(collapse_whitespace(" \n\t "), "");
  EXPECT_EQ(collapse_whitespace("Решение\n\nпроблемы"), "Решение проблемы");
}

TEST(LowercaseUtf8, ScriptsOfOurLanguages) {
  EXPECT_EQ(lowercase_utf8("ERROR 0x8007"), "error 0x8007");
  EXPECT_EQ(lowercase_utf8("ȘȚĂÎÂ ŞŢ"), "șțăîâ şţ");
  EXPECT_EQ(lowercase_utf8("PERCHÉ È"), "perché è");
  EXPECT_EQ(lowercase_utf8("ПРИЧИНА Ёлка"), "причина ёлка");
  EXPECT_EQ(lowercase_utf8("ΣΦΑΛΜΑ"), "σφαλμα");
  EXPECT_EQ(lowercase_utf8("bad \xff byte"), "bad \xff byte");  // copied, not dropped
  EXPECT_EQ(lowercase_utf8("日本語"), "日本語");
}

}  // namespace
}  // namespace errkb
