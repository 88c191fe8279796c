// errkb-bench-codes: find_codes throughput on ~50 MB of generated multilingual support prose
// (English, Romanian, Italian, Russian) with a realistic density of codes and of numbers that are
// not codes (dates, versions, prices, sizes). Prints MB/s per core. Not a test: run it with
// scripts/bench-codes.sh.
//
//   errkb-bench-codes [megabytes=50] [document_bytes=4096]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "errkb/codes.h"

namespace {

struct Rng {
  uint64_t s = 0x9E3779B97F4A7C15ull;
  uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
  template <typename T, size_t N>
  const T& pick(const T (&a)[N]) {
    return a[below(N)];
  }
};

// Sentence material per language; "{n}" is replaced by a number that is not a code.
const char* const kEnglish[] = {
    "The customer tried again after restarting the computer but the sync still does not finish.",
    "We checked the settings page and the marketplace token looks valid until {n} days from now.",
    "After the update on {date} the orders stopped arriving in the back office.",
    "The warehouse manager says that about {n} items were not exported yesterday evening.",
    "Please send the full log file and a screenshot of the error dialog so we can compare.",
    "It works on the laptop with version {ver} but not on the shop computer.",
    "They paid ${n} for the premium plan and expect a fix before the weekend.",
    "The export file is {n} MB and the upload stops at about half of it.",
    "Support reproduced the problem on a clean installation with the default settings.",
    "The printer is connected by USB and the labels come out blank since Monday.",
};
const char* const kRomanian[] = {
    "Clientul a încercat din nou după repornirea calculatorului, dar sincronizarea nu se termină.",
    "Am verificat setările și tokenul pare valid încă {n} zile.",
    "După actualizarea din {date} comenzile nu mai apar în panoul de administrare.",
    "Fișierul de export are {n} MB și încărcarea se oprește la jumătate.",
    "Vă rugăm să trimiteți jurnalul complet și o captură de ecran cu mesajul de eroare.",
};
const char* const kItalian[] = {
    "Il cliente ha riprovato dopo il riavvio del computer ma la sincronizzazione non termina.",
    "Abbiamo controllato le impostazioni e il token sembra valido ancora per {n} giorni.",
    "Dopo l'aggiornamento del {date} gli ordini non arrivano più nel pannello.",
    "Il file di esportazione è di {n} MB e il caricamento si ferma a metà.",
    "Per favore inviate il log completo e uno screenshot del messaggio di errore.",
};
const char* const kRussian[] = {
    "Клиент попробовал снова после перезагрузки компьютера, но синхронизация не завершается.",
    "Мы проверили настройки, и токен действителен ещё {n} дней.",
    "После обновления {date} заказы больше не приходят в панель управления.",
    "Файл экспорта занимает {n} МБ, и загрузка останавливается на середине.",
    "Пожалуйста, пришлите полный журнал и снимок экрана с сообщением об ошибке.",
};
// Sentences that carry a code, in the spellings people paste.
const char* const kWithCode[] = {
    "The sync failed with 0x80070005 when writing to the shared folder.",
    "Windows Update stops with error 0x80240017 every night.",
    "The log shows ERROR 1045 (28000): Access denied for user 'shop'@'localhost'.",
    "curl: (7) Failed to connect to api.example.com port 443 after 2 ms.",
    "The API answered HTTP 503 Service Unavailable during the import.",
    "eBay error 21919300 appears when revising the quantity.",
    "ORA-00942: table or view does not exist in the reporting job.",
    "The label printer shows Code 10 in Device Manager.",
    "Python says PermissionError: [Errno 13] Permission denied.",
    "The service crashed with STATUS_ACCESS_VIOLATION (0xC0000005).",
    "Eroare 0x800F081F la instalarea actualizării.",
    "Errore 5 durante la copia dei file.",
    "Ошибка 0x80070005 при запуске службы.",
    "Sync stops with SF-2001 after the token refresh.",
    "After cloning the disk the PC shows STOP 0x0000007B at boot.",
    "The job exits with code 1603 during the installer step.",
    "java.lang.OutOfMemoryError: Java heap space in the export worker.",
    "SQLITE_BUSY: database is locked while the backup runs.",
};

std::string fill(std::string_view tmpl, Rng& rng) {
  static const char* const kDates[] = {"2024-01-15", "15.01.2024", "01/15/2024", "3 March 2024"};
  static const char* const kVersions[] = {"2.3.1", "v4.0", "10.0.19045", "1.2.3-beta"};
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{') {
      size_t close = tmpl.find('}', i);
      std::string_view key = tmpl.substr(i + 1, close - i - 1);
      if (key == "n")
        out += std::to_string(1 + rng.below(5000));
      else if (key == "date")
        out += rng.pick(kDates);
      else
        out += rng.pick(kVersions);
      i = close;
    } else {
      out.push_back(tmpl[i]);
    }
  }
  return out;
}

std::string generate(size_t bytes) {
  Rng rng;
  std::string text;
  text.reserve(bytes + 512);
  while (text.size() < bytes) {
    // Roughly one code per 10 sentences (~1 per 900 bytes); languages mixed as in a shared inbox.
    if (rng.below(10) == 0) {
      text += fill(rng.pick(kWithCode), rng);
    } else {
      switch (rng.below(10)) {
        case 0:
        case 1:
          text += fill(rng.pick(kRomanian), rng);
          break;
        case 2:
          text += fill(rng.pick(kItalian), rng);
          break;
        case 3:
        case 4:
          text += fill(rng.pick(kRussian), rng);
          break;
        default:
          text += fill(rng.pick(kEnglish), rng);
          break;
      }
    }
    text += rng.below(6) == 0 ? "\n\n" : " ";
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t megabytes = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 50;
  const size_t doc_bytes = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 4096;
  errkb::CodeGrammar grammar;
  grammar.add_catalogue_code(
      {"ShopFlow", "SF-2001", "SYNC_TOKEN_EXPIRED", "The marketplace token has expired"});
  grammar.add_catalogue_code({"eBay", "21919300", "", "Quantity invalid"});
  grammar.add_catalogue_code({"bugcheck", "0x7B", "INACCESSIBLE_BOOT_DEVICE", ""});
  (void)grammar.add_vendor_pattern("ParcelHub", "PH-[0-9]{3}");
  // Catalogues of the size the system importer writes: ~3,000 Win32 names (many of three words or
  // more, so "error ..." starts hundreds of taught phrases) and ~2,000 eBay numbers.
  static const char* const kWordsA[] = {"INVALID", "FILE",   "DISK",     "NETWORK", "SERVICE",
                                        "DEVICE",  "PATH",   "USER",     "ACCOUNT", "DRIVER",
                                        "MEMORY",  "HANDLE", "REGISTRY", "PIPE",    "PRINTER"};
  static const char* const kWordsB[] = {"NOT",    "ALREADY", "BAD",   "NO",     "TOO",
                                        "CANNOT", "MORE",    "WRONG", "FAILED", "BUSY"};
  static const char* const kWordsC[] = {"FOUND",   "EXISTS",    "FORMAT",    "ACCESS",    "LONG",
                                        "START",   "DATA",      "STATE",     "READY",     "LOADED",
                                        "ALLOWED", "CONNECTED", "SUPPORTED", "AVAILABLE", "VALID"};
  for (int n = 1; n <= 3000; ++n) {
    std::string name = std::string("ERROR_") + kWordsA[n % 15] + "_" + kWordsB[(n / 15) % 10] + "_" +
                       kWordsC[(n / 150) % 15];
    if (n % 3 == 0) name += "_" + std::to_string(n);
    grammar.add_catalogue_code({"win32", std::to_string(n), name, "synthetic"});
  }
  for (int n = 0; n < 2000; ++n)
    grammar.add_catalogue_code({"eBay", std::to_string(21916000 + n * 3), "", "synthetic"});

  const std::string text = generate(megabytes * 1000 * 1000);
  std::printf("generated %.1f MB of prose\n", text.size() / 1e6);

  // Documents of doc_bytes each (cut at a space), as the indexer sees passages.
  std::vector<std::string_view> docs;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = std::min(text.size(), pos + doc_bytes);
    if (end < text.size()) {
      size_t space = text.find(' ', end);
      end = space == std::string::npos ? text.size() : space;
    }
    docs.push_back(std::string_view(text).substr(pos, end - pos));
    pos = end;
  }

  // MB/s per core: bytes over the thread's CPU time (a shared machine stretches wall time, not the
  // work done); wall time is printed beside it. Best of three rounds.
  auto cpu_seconds = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
  };
  auto run = [&](const char* label, auto&& body) {
    double best_cpu = 1e9, best_wall = 1e9;
    size_t codes = 0;
    for (int round = 0; round < 3; ++round) {
      const auto w0 = std::chrono::steady_clock::now();
      const double c0 = cpu_seconds();
      codes = body();
      best_cpu = std::min(best_cpu, cpu_seconds() - c0);
      best_wall =
          std::min(best_wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count());
    }
    std::printf("%-12s %7zu codes  cpu %6.3f s  %7.1f MB/s per core   (wall %6.3f s, %7.1f MB/s)\n", label,
                codes, best_cpu, text.size() / 1e6 / best_cpu, best_wall, text.size() / 1e6 / best_wall);
  };
  run("documents", [&] {
    size_t n = 0;
    for (auto d : docs) n += grammar.find_codes(d).size();
    return n;
  });
  run("one text", [&] { return grammar.find_codes(text).size(); });
  return 0;
}
