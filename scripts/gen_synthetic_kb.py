#!/usr/bin/env python3
"""Generates a synthetic multilingual errkb KB folder of N passages, and a query mix for it.

    gen_synthetic_kb.py generate --out DIR [--passages N] [--seed S] [--queries FILE] [--n-queries Q]
    gen_synthetic_kb.py touch --kb DIR [--fraction 0.01] [--seed S]

`generate` writes DIR/articles/<lang>/<bucket>/*.md (Markdown, YAML front matter, Symptoms /
Cause N / Resolution N / Prevention sections in en, ro, it, ru), DIR/forums/*.jsonl (threads of
the forum JSON Lines format, 50-200 per file), DIR/catalogues/*.json (vendor catalogues, 50-200
entries per file) and DIR/synonyms.txt. Passages are counted as errkb counts them: one per article
cause, one per accepted or well-voted forum answer (one per unanswered thread), one per catalogue
entry; the total is exactly N. The mix is ~30% article causes, ~30% forum answers, ~40% catalogue
entries; ~55% English, 15% each Romanian, Italian, Russian. Error codes follow real families
(HRESULT 0x8007xxxx, NTSTATUS, eBay numbers, ORA-, HTTP, SQLSTATE, MySQL, SF-xxxx, PH-xxx, errno,
curl, SMTP) plus synthetic vendors; popular codes recur across items (Zipf), as in a real desk.
Same seed, same output (byte for byte).

The query file is TSV: `kind<TAB>query<TAB>vendor<TAB>source_id`, kind one of code (an existing
code, for /v1/codes/{code}), symptom (words a passage uses, no code), code+symptom.

`touch` changes the text of a deterministic FRACTION of the items (articles, threads, catalogue
entries) in place, for measuring an incremental update.
"""
import argparse
import bisect
import itertools
import json
import os
import random
import sys

LANGS = ["en", "ro", "it", "ru"]
LANG_WEIGHTS = [55, 15, 15, 15]

# ---- vocabulary ----------------------------------------------------------------------------------
VOCAB = {
    "en": """order orders payment checkout customer store shop listing listings product products sync
        synchronisation inventory stock price label shipping carrier parcel address postcode invoice
        refund card bank gateway token key api request response webhook callback endpoint server
        certificate domain dns record hosting template theme page image email mailbox bounce delivery
        queue import export file csv feed category variation attribute specifics marketplace account
        seller buyer login password session browser cache timeout connection network proxy firewall
        database table column query index lock transaction update install installer service printer
        driver permission folder user administrator setting settings option plugin app desktop mobile
        report log error warning failure message status code number field value limit quota rate
        retry schedule job task batch upload download tax currency discount coupon cart warehouse
        location fulfilment tracking return exchange subscription plan trial billing statement
        fails failed failing stops stopped shows showing returns rejected declined denied expired
        missing invalid wrong duplicate blocked stuck slow empty broken unreachable unavailable
        cannot after before since when while every some many only again still already never
        suddenly yesterday today morning night week month since the a an of to in on for with from
        and or but is are was were be been has have had it this that these those my our your their
        not no all any more most other same new old first last next each both""",
    "ro": """comanda comenzi plata finalizare client magazin anunt anunturi produs produse sincronizare
        stoc pret eticheta livrare curier colet adresa cod postal factura rambursare card banca
        procesator cheie cerere raspuns server certificat domeniu inregistrare gazduire sablon tema
        pagina imagine email cutie postala returnare coada import export fisier categorie variatie
        atribute cont vanzator cumparator autentificare parola sesiune browser conexiune retea
        baza de date tabel interogare actualizare instalare serviciu imprimanta driver permisiune
        dosar utilizator administrator setari optiune aplicatie raport jurnal eroare avertisment
        mesaj stare numar camp valoare limita reincercare sarcina incarcare descarcare taxa moneda
        reducere cos depozit urmarire abonament facturare esueaza esuat oprit afiseaza respins refuzat
        expirat lipsa invalid gresit duplicat blocat lent gol indisponibil nu se poate dupa inainte
        cand in timp ce fiecare unele multe doar din nou inca deja niciodata brusc ieri azi dimineata
        noaptea saptamana luna si sau dar este sunt era au fost are avea acest aceasta acele meu nostru
        vostru lor nu niciun toate orice mai alt acelasi nou vechi primul ultimul urmatorul""",
    "it": """ordine ordini pagamento cassa cliente negozio inserzione inserzioni prodotto prodotti
        sincronizzazione magazzino scorte prezzo etichetta spedizione corriere pacco indirizzo cap
        fattura rimborso carta banca gateway chiave richiesta risposta server certificato dominio
        record hosting modello tema pagina immagine posta casella rimbalzo consegna coda importazione
        esportazione file categoria variante attributi account venditore acquirente accesso password
        sessione browser connessione rete database tabella interrogazione aggiornamento installazione
        servizio stampante driver permesso cartella utente amministratore impostazioni opzione
        applicazione rapporto registro errore avviso messaggio stato numero campo valore limite
        tentativo attivita caricamento scaricamento imposta valuta sconto carrello tracciamento
        abbonamento fatturazione non riesce fallito bloccato mostra restituisce rifiutato negato
        scaduto mancante non valido errato duplicato lento vuoto irraggiungibile dopo prima quando
        mentre ogni alcuni molti solo ancora gia mai improvvisamente ieri oggi mattina notte
        settimana mese il lo la gli le un una di a da in con su per tra e o ma e sono era erano stato
        ha hanno questo questa quelli mio nostro vostro loro nessun tutti altro stesso nuovo vecchio""",
    "ru": """заказ заказы оплата оформление клиент магазин объявление объявления товар товары
        синхронизация склад остатки цена этикетка доставка перевозчик посылка адрес индекс счет
        возврат карта банк шлюз ключ запрос ответ сервер сертификат домен запись хостинг шаблон тема
        страница изображение почта ящик отказ очередь импорт экспорт файл категория вариант атрибуты
        аккаунт продавец покупатель вход пароль сессия браузер соединение сеть база данных таблица
        обновление установка служба принтер драйвер права папка пользователь администратор настройки
        параметр приложение отчет журнал ошибка предупреждение сообщение статус номер поле значение
        лимит повтор задача загрузка выгрузка налог валюта скидка корзина отслеживание подписка
        тариф не удается ошибочно остановился показывает возвращает отклонен отказано истек
        отсутствует неверный дубликат заблокирован медленно пустой недоступен после до когда пока
        каждый некоторые многие только снова еще уже никогда вдруг вчера сегодня утром ночью неделю
        месяц и или но это был была были есть у нас мой наш ваш их нет все любой другой тот же новый
        старый первый последний следующий""",
}

SYLLABLES = {
    "en": "ka lo mi tra ven sor pel dex an ri co mar ton fel gri zu bel nor vis pra quen lum ster".split(),
    "ro": "ca lu mi tra ve so pe de ar ri co ma to fe gri zu be no vi pra ste lu ță șa".split(),
    "it": "ca lo mi tra ve so pe de an ri co ma to fe gri zu bel no vi pra sce gli".split(),
    "ru": "ка ло ми тра вен сор пел дек ан ри ко мар тон фел гри зу бел нор вис пра щен лум стер".split(),
}

HEADINGS = {
    "en": ("Symptoms", "Cause {n}: {t}", "Resolution {n}", "Checks", "Prevention"),
    "ro": ("Simptome", "Cauza {n}: {t}", "Rezolvare {n}", "Verificări", "Prevenire"),
    "it": ("Sintomi", "Causa {n}: {t}", "Soluzione {n}", "Verifiche", "Prevenzione"),
    "ru": ("Симптомы", "Причина {n}: {t}", "Решение {n}", "Проверка", "Профилактика"),
}

TEMPLATES = {
    "en": {
        "symptom": ["The {obj} fails with error {code} when the {obj2} is {adj}.",
                    "Since {when} every {obj} shows {code} and nothing is {verb}.",
                    "Customers report that the {obj} is {adj} and the log says {code}.",
                    "Sync stops halfway; the dashboard shows {code} for some {obj2}s."],
        "cause": ["The {obj} was {adj} after the {obj2} changed.",
                  "A {adj} {obj} blocks the {obj2} request.",
                  "The {obj2} limit was reached, so the {obj} is {adj}."],
        "fix": ["Open Settings and {verb} the {obj}, then retry the {obj2}.",
                "{Verb} the {obj} and run the {obj2} again; {code} should disappear.",
                "Ask the administrator to {verb} the {obj2} before the next {obj}."],
        "prevent": ["Check the {obj} every {when} so the {obj2} does not become {adj}."],
        "verbs": "renew reset update reconnect reinstall remove restart verify enable disable clear".split(),
        "adjs": "invalid expired missing blocked stuck duplicated rejected unreachable slow empty".split(),
        "whens": "yesterday Monday week update migration night".split(),
    },
    "ro": {
        "symptom": ["{obj} esuează cu eroarea {code} când {obj2} este {adj}.",
                    "De {when} fiecare {obj} afișează {code} și nimic nu se {verb}.",
                    "Clienții spun că {obj} este {adj}, iar jurnalul arată {code}."],
        "cause": ["{obj} a devenit {adj} după ce s-a schimbat {obj2}.",
                  "Un {obj} {adj} blochează cererea pentru {obj2}."],
        "fix": ["Deschideți Setări și {verb} {obj}, apoi reîncercați {obj2}.",
                "{Verb} {obj} și rulați din nou {obj2}; eroarea {code} dispare."],
        "prevent": ["Verificați {obj} în fiecare {when} ca {obj2} să nu devină {adj}."],
        "verbs": "reînnoiți resetați actualizați reconectați reinstalați ștergeți reporniți verificați".split(),
        "adjs": "invalid expirat lipsă blocat duplicat respins indisponibil lent gol".split(),
        "whens": "ieri luni săptămână actualizare migrare noapte".split(),
    },
    "it": {
        "symptom": ["{obj} non riesce con l'errore {code} quando {obj2} è {adj}.",
                    "Da {when} ogni {obj} mostra {code} e niente viene {verb}.",
                    "I clienti segnalano che {obj} è {adj} e il registro riporta {code}."],
        "cause": ["{obj} è diventato {adj} dopo la modifica di {obj2}.",
                  "Un {obj} {adj} blocca la richiesta di {obj2}."],
        "fix": ["Aprire Impostazioni e {verb} {obj}, poi riprovare {obj2}.",
                "{Verb} {obj} ed eseguire di nuovo {obj2}; l'errore {code} scompare."],
        "prevent": ["Controllare {obj} ogni {when} perché {obj2} non diventi {adj}."],
        "verbs": "rinnovare reimpostare aggiornare ricollegare reinstallare rimuovere riavviare verificare".split(),
        "adjs": "non valido scaduto mancante bloccato duplicato rifiutato irraggiungibile lento vuoto".split(),
        "whens": "ieri lunedì settimana aggiornamento migrazione notte".split(),
    },
    "ru": {
        "symptom": ["{obj} завершается ошибкой {code}, когда {obj2} {adj}.",
                    "С {when} каждый {obj} показывает {code}, и ничего не {verb}.",
                    "Клиенты пишут, что {obj} {adj}, а в журнале {code}."],
        "cause": ["{obj} стал {adj} после изменения {obj2}.",
                  "{adj} {obj} блокирует запрос {obj2}."],
        "fix": ["Откройте Настройки и {verb} {obj}, затем повторите {obj2}.",
                "{Verb} {obj} и запустите {obj2} снова; ошибка {code} исчезнет."],
        "prevent": ["Проверяйте {obj} каждую {when}, чтобы {obj2} не стал {adj}."],
        "verbs": "обновите сбросьте переподключите переустановите удалите перезапустите проверьте".split(),
        "adjs": "неверный истекший отсутствует заблокирован дубликат отклонен недоступен пустой".split(),
        "whens": "неделю ночь смену миграцию субботу".split(),
    },
}

TITLES = {
    "en": ["{obj} fails with {code}", "Error {code} when syncing {obj}", "{obj}: {code} after {obj2} change",
           "How to fix {code} on {obj}"],
    "ro": ["{obj} eșuează cu {code}", "Eroarea {code} la sincronizarea {obj}", "Cum rezolvați {code} la {obj}"],
    "it": ["{obj} non riesce con {code}", "Errore {code} durante {obj}", "Come risolvere {code} su {obj}"],
    "ru": ["{obj}: ошибка {code}", "Ошибка {code} при синхронизации {obj}", "Как исправить {code} в {obj}"],
}


class Words:
    """Zipf-weighted domain words plus a long synthetic tail (product names, jargon, typos)."""

    def __init__(self, rng, lang, tail=6000):
        base = VOCAB[lang].split()
        syl = SYLLABLES[lang]
        seen = set(base)
        tail_words = []
        while len(tail_words) < tail:
            w = "".join(rng.choice(syl) for _ in range(rng.randint(2, 4)))
            if w not in seen:
                seen.add(w)
                tail_words.append(w)
        self.words = base + tail_words
        weights = [1.0 / (i + 1) ** 0.9 for i in range(len(self.words))]
        self.cum = list(itertools.accumulate(weights))
        self.nouns = [w for w in base if len(w) > 4][:120]

    def sample(self, rng, k):
        return rng.choices(self.words, cum_weights=self.cum, k=k)


# ---- error-code families -------------------------------------------------------------------------
class Family:
    def __init__(self, name, vendor, product, size, fmt, cat_prefix=None):
        self.name, self.vendor, self.product, self.size, self.fmt = name, vendor, product, size, fmt
        self.used = 0
        # A permutation of range(size) by a multiplier coprime to size: unique codes in scattered order.
        self.mult = 7919 if size % 7919 else 104729

    def next_code(self):
        if self.used >= self.size:
            return None
        i = (self.used * self.mult + 12345) % self.size
        self.used += 1
        return self.fmt(i)


def http_fmt(i):
    codes = [400, 401, 403, 404, 405, 408, 409, 410, 413, 415, 422, 429, 500, 501, 502, 503, 504]
    return "HTTP %d" % codes[i % len(codes)]


def sqlstate_fmt(i):
    classes = ["08", "22", "23", "25", "28", "40", "42", "53", "54", "55", "57", "58", "P0", "XX"]
    alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return classes[i % len(classes)] + alnum[(i // 14) % 36] + alnum[(i // 504) % 36] + alnum[(i // 18144) % 36]


ERRNO = ("EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN ENOMEM EACCES EFAULT EBUSY "
         "EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE EMFILE ENOTTY ETXTBSY EFBIG ENOSPC ESPIPE EROFS "
         "EMLINK EPIPE EDOM ERANGE EDEADLK ENAMETOOLONG ENOLCK ENOSYS ENOTEMPTY ELOOP ECONNREFUSED "
         "ECONNRESET ETIMEDOUT EHOSTUNREACH ENETUNREACH EADDRINUSE EADDRNOTAVAIL").split()


def make_families(rng):
    fams = [
        Family("hresult", "Microsoft", "Windows", 16384, lambda i: "0x8007%04X" % i),
        Family("ntstatus", "Microsoft", "Windows NT", 4096, lambda i: "0xC000%04X" % i),
        Family("ebay", "eBay", "eBay Trading API", 400000, lambda i: str(21916000 + i) if i > 30000 else str(1 + i)),
        Family("oracle", "Oracle", "Oracle Database", 99999, lambda i: "ORA-%05d" % (i + 1)),
        Family("shopflow", "ShopFlow", "ShopFlow Platform", 9000, lambda i: "SF-%04d" % (1000 + i)),
        Family("parcelhub", "ParcelHub", "ParcelHub Label API", 900, lambda i: "PH-%03d" % (100 + i)),
        Family("postgresql", "PostgreSQL", "PostgreSQL", 14 * 36 * 36 * 36, sqlstate_fmt),
        Family("mysql", "MySQL", "MySQL Server", 3000, lambda i: str(1000 + i)),
        Family("http", "HTTP", "HTTP", 17, http_fmt),
        Family("errno", "Linux", "Linux kernel", len(ERRNO), lambda i: ERRNO[i]),
        Family("curl", "curl", "libcurl", 99, lambda i: "CURLE %d" % (i + 1)),
    ]
    # Synthetic vendors with their own prefixes, like the many SaaS tools a desk integrates with.
    syl = SYLLABLES["en"]
    used = {f.vendor for f in fams}
    for k in range(60):
        while True:
            name = "".join(rng.choice(syl) for _ in range(2)).capitalize() + rng.choice(["Pay", "Ship", "Mail", "Sync", "Cloud", "Hub"])
            if name not in used:
                used.add(name)
                break
        prefix = "".join(c for c in name if c.isupper())[:2] + name[1].upper()
        fams.append(Family("v%d" % k, name, name + " API", 20000,
                           (lambda p: lambda i: "%s-%05d" % (p, i))(prefix)))
    return fams


def code_in_text(rng, fam, code, lang):
    """How a code shows up in prose: the way logs and people write it."""
    if fam.name == "hresult":
        return rng.choice([code, code.lower(), "HRESULT " + code, "error " + code])
    if fam.name == "ebay":
        return rng.choice(["eBay error " + code, "error code " + code, code, "ErrorCode " + code])
    if fam.name == "curl":
        return "curl: (%s)" % code.split()[1]
    if fam.name == "mysql":
        return rng.choice(["ERROR " + code, "MySQL error " + code])
    if fam.name == "postgresql":
        return rng.choice(["SQLSTATE " + code, "SQLSTATE[" + code + "]"])
    return code


class Gen:
    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.out = args.out
        self.words = {l: Words(random.Random(args.seed * 31 + i), l) for i, l in enumerate(LANGS)}
        self.fams = make_families(self.rng)
        self.fam_weights = [30, 6, 30, 14, 10, 3, 8, 6, 6, 2, 2] + [1.5] * (len(self.fams) - 11)
        self.fam_cum = list(itertools.accumulate(self.fam_weights))
        self.known = []  # (family, code) of catalogue entries, popularity Zipf by order of creation
        self.known_cum = []
        self.queries = []  # candidate queries (kind, query, vendor, source)
        self.passages = 0
        self.items = 0
        self.files = 0

    # -- shared helpers
    def lang(self):
        return self.rng.choices(LANGS, weights=LANG_WEIGHTS)[0]

    def pick_code(self):
        """A code for prose: mostly one a catalogue knows (popular ones often), sometimes a fresh one."""
        r = self.rng
        if self.known and r.random() < 0.8:
            # Zipf over the first 20k known codes: a few codes dominate tickets.
            n = min(len(self.known), 20000)
            i = min(int(n * (r.random() ** 3)), n - 1)
            return self.known[i]
        fam = r.choices(self.fams, cum_weights=self.fam_cum)[0]
        c = fam.fmt(r.randrange(fam.size))
        return fam, c

    def fill(self, tpl, lang, code_text, obj, obj2):
        t = TEMPLATES[lang]
        r = self.rng
        verb = r.choice(t["verbs"])
        s = tpl.format(obj=obj, obj2=obj2, code=code_text, adj=r.choice(t["adjs"]), verb=verb,
                       Verb=verb.capitalize(), when=r.choice(t["whens"]))
        return s[0].upper() + s[1:]

    def prose(self, lang, kind, code_text, obj, obj2, extra_words):
        r = self.rng
        parts = [self.fill(r.choice(TEMPLATES[lang][kind]), lang, code_text, obj, obj2)]
        if extra_words:
            w = self.words[lang].sample(r, extra_words)
            parts.append(" ".join(w).capitalize() + ".")
        return " ".join(parts)

    def remember_query(self, kind, query, vendor, source, rate):
        if self.rng.random() < rate:
            self.queries.append((kind, query, vendor, source))

    def symptom_query(self, lang, text):
        ws = [w.strip(".,;:()\"'") for w in text.split()]
        ws = [w for w in ws if len(w) > 3 and not any(ch.isdigit() for ch in w)]
        if len(ws) < 3:
            return None
        k = min(len(ws), self.rng.randint(3, 6))
        start = self.rng.randrange(0, len(ws) - k + 1)
        return " ".join(ws[start:start + k]).lower()

    # -- catalogues
    def gen_catalogues(self, budget):
        os.makedirs(os.path.join(self.out, "catalogues"), exist_ok=True)
        r = self.rng
        left = budget
        file_no = 0
        while left > 0:
            fam = r.choices(self.fams, cum_weights=self.fam_cum)[0]
            if fam.used >= fam.size:
                fam = next((f for f in self.fams if f.used < f.size and f.size > 1000), None)
                if fam is None:
                    sys.exit("gen_synthetic_kb: code space exhausted")
            n = min(left, r.randint(50, 200))
            lang = "en" if r.random() < 0.7 else self.lang()
            errors = []
            for _ in range(n):
                code = fam.next_code()
                if code is None:
                    break
                w = self.words[lang]
                obj, obj2 = r.choice(w.nouns), r.choice(w.nouns)
                name = "_".join(x.upper() for x in w.sample(r, 3) if x.isascii())[:40] or "ERROR_%d" % fam.used
                desc = self.prose(lang, "symptom", code, obj, obj2, r.randint(10, 22))
                causes = [self.prose(lang, "cause", code, r.choice(w.nouns), obj2, r.randint(3, 8))
                          for _ in range(r.randint(1, 3))]
                errors.append({
                    "code": code, "name": name, "severity": r.choice(["Error", "Warning", "Critical"]),
                    "category": " ".join(w.sample(r, 2)),
                    "message": self.fill(r.choice(TEMPLATES[lang]["symptom"]), lang, code, obj, obj2),
                    "description": desc, "causes": causes,
                    "resolution": self.prose(lang, "fix", code, obj, obj2, r.randint(6, 14)),
                    "url": "https://errors.%s.example/%s" % (fam.vendor.lower(), code.replace(" ", "-")),
                })
                self.known.append((fam, code))
                vkey = fam.vendor.lower()
                self.remember_query("code", code, fam.vendor, "%s:%s" % (vkey, code), 0.02)
                q = self.symptom_query(lang, desc)
                if q:
                    self.remember_query("symptom", q, "", "%s:%s" % (vkey, code), 0.01)
                    self.remember_query("code+symptom", code + " " + " ".join(q.split()[:3]), fam.vendor,
                                        "%s:%s" % (vkey, code), 0.01)
            if not errors:
                continue
            doc = {"vendor": fam.vendor, "product": fam.product, "language": lang, "errors": errors}
            path = os.path.join(self.out, "catalogues", "%s-%05d.json" % (fam.vendor.lower(), file_no))
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False, indent=1)
            file_no += 1
            left -= len(errors)
            self.passages += len(errors)
            self.items += len(errors)
            self.files += 1

    # -- articles
    def gen_articles(self, budget):
        r = self.rng
        left = budget
        n = 0
        while left > 0:
            lang = self.lang()
            h = HEADINGS[lang]
            w = self.words[lang]
            fam, code = self.pick_code()
            ct = code_in_text(r, fam, code, lang)
            fam2, code2 = self.pick_code() if r.random() < 0.3 else (None, None)
            obj, obj2 = r.choice(w.nouns), r.choice(w.nouns)
            k = min(left, r.choice([1, 2, 2, 3, 3, 3, 4, 5]))
            aid = "syn/%s/a%07d" % (lang, n)
            title = r.choice(TITLES[lang]).format(obj=obj.capitalize(), obj2=obj2, code=code)
            codes = [code] + ([code2] if code2 else [])
            tags = sorted(set(w.sample(r, 3)))
            fm = ["---", "id: " + aid, "title: " + json.dumps(title, ensure_ascii=False), "language: " + lang,
                  "vendor: " + json.dumps(fam.vendor), "product: " + json.dumps(fam.product),
                  "codes: [" + ", ".join(json.dumps(c) for c in codes) + "]",
                  "tags: [" + ", ".join(json.dumps(t, ensure_ascii=False) for t in tags) + "]",
                  "url: https://help.synthetic.example/%s" % aid,
                  "updated: 2025-%02d-%02d" % (r.randint(1, 12), r.randint(1, 28)), "---", ""]
            body = ["# " + title, ""]
            symptoms = [self.prose(lang, "symptom", ct, obj, obj2, r.randint(6, 14)) for _ in range(r.randint(1, 3))]
            if code2:
                symptoms.append(self.prose(lang, "symptom", code_in_text(r, fam2, code2, lang), obj2, obj, 4))
            body += ["## " + h[0]] + ["- " + s for s in symptoms] + [""]
            for c in range(1, k + 1):
                co = r.choice(w.nouns)
                ctitle = " ".join(w.sample(r, r.randint(3, 6))).capitalize()
                body += ["## " + h[1].format(n=c, t=ctitle),
                         self.prose(lang, "cause", ct, co, obj2, r.randint(12, 26)), ""]
                if r.random() < 0.3:
                    body += ["## " + h[3], "- " + self.prose(lang, "fix", ct, co, obj, r.randint(3, 8)), ""]
                body += ["## " + h[2].format(n=c)]
                for s in range(1, r.randint(2, 4) + 1):
                    body.append("%d. %s" % (s, self.prose(lang, "fix", ct, co, obj2, r.randint(2, 8))))
                body.append("")
            body += ["## " + h[4], self.prose(lang, "prevent", ct, obj, obj2, r.randint(4, 10)), ""]
            d = os.path.join(self.out, "articles", lang, "%04d" % (n // 1000))
            if n % 1000 == 0 or not os.path.isdir(d):
                os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "a%07d.md" % n), "w", encoding="utf-8") as f:
                f.write("\n".join(fm + body))
            self.remember_query("code", code, fam.vendor, aid, 0.01)
            q = self.symptom_query(lang, symptoms[0])
            if q:
                self.remember_query("symptom", q, "", aid, 0.03)
                self.remember_query("code+symptom", code + " " + " ".join(q.split()[:3]), "", aid, 0.02)
            n += 1
            left -= k
            self.passages += k
            self.items += 1
            self.files += 1

    # -- forums
    def gen_forums(self, budget):
        r = self.rng
        os.makedirs(os.path.join(self.out, "forums"), exist_ok=True)
        left = budget
        tid = 0
        file_no = 0
        while left > 0:
            per_file = r.randint(50, 200)
            lines = []
            while per_file > 0 and left > 0:
                lang = self.lang()
                w = self.words[lang]
                fam, code = self.pick_code()
                ct = code_in_text(r, fam, code, lang)
                obj, obj2 = r.choice(w.nouns), r.choice(w.nouns)
                # Passages this thread yields: good answers (accepted or votes >= 2); 0 = unanswered thread (1).
                good = min(left, r.choice([0, 1, 1, 1, 2, 2, 3]))
                yields = max(good, 1)
                t = "syn-t-%07d" % tid
                created = "2025-%02d-%02dT%02d:%02d:00Z" % (r.randint(1, 12), r.randint(1, 28), r.randint(0, 23), r.randint(0, 59))
                qtext = self.prose(lang, "symptom", ct, obj, obj2, r.randint(10, 30))
                posts = [{"id": t + "-p1", "author": "user%d" % r.randrange(100000), "created": created,
                          "body": qtext, "votes": r.randint(0, 5), "accepted": False, "is_question": True}]
                answers = []
                for a in range(good):
                    txt = self.prose(lang, "cause", ct, r.choice(w.nouns), obj2, r.randint(6, 16)) + " " + \
                        self.prose(lang, "fix", ct, obj, obj2, r.randint(6, 16))
                    answers.append({"body": txt, "votes": r.randint(2, 40), "accepted": a == 0 and r.random() < 0.7})
                for _ in range(r.randint(0, 2)):  # chatter that is not a passage
                    answers.append({"body": " ".join(w.sample(r, r.randint(5, 12))).capitalize() + "?",
                                    "votes": 0, "accepted": False})
                r.shuffle(answers)
                for i, a in enumerate(answers):
                    if good == 0:
                        a["votes"] = 0
                    posts.append({"id": "%s-p%d" % (t, i + 2), "author": "user%d" % r.randrange(100000),
                                  "created": created, "body": a["body"], "votes": a["votes"],
                                  "accepted": a["accepted"], "is_question": False})
                title = r.choice(TITLES[lang]).format(obj=obj.capitalize(), obj2=obj2, code=code)
                thread = {"id": t, "url": "https://community.synthetic.example/t/%d" % tid, "title": title,
                          "language": lang, "product": fam.product, "vendor": fam.vendor,
                          "tags": sorted(set(w.sample(r, 2))), "created": created, "posts": posts}
                lines.append(json.dumps(thread, ensure_ascii=False))
                self.remember_query("code", code, fam.vendor, t, 0.005)
                q = self.symptom_query(lang, qtext)
                if q:
                    self.remember_query("symptom", q, "", t, 0.02)
                    self.remember_query("code+symptom", code + " " + " ".join(q.split()[:3]), "", t, 0.01)
                tid += 1
                per_file -= 1
                left -= yields
                self.passages += yields
                self.items += 1
            with open(os.path.join(self.out, "forums", "community-%05d.jsonl" % file_no), "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
            file_no += 1
            self.files += 1

    def synonyms(self):
        with open(os.path.join(self.out, "synonyms.txt"), "w", encoding="utf-8") as f:
            f.write("# synthetic synonyms\ndeclined: refused, rejected\nlisting: ad, offer\n"
                    "sync: synchronisation, synchronization\nstoc: inventar\nordine: comanda\n")


def generate(args):
    g = Gen(args)
    if os.path.exists(args.out) and os.listdir(args.out):
        sys.exit("gen_synthetic_kb: %s exists and is not empty" % args.out)
    os.makedirs(args.out, exist_ok=True)
    n = args.passages
    cat = n * 4 // 10
    art = n * 3 // 10
    g.gen_catalogues(cat)       # first: prose refers to the codes catalogues know
    g.gen_articles(art)
    g.gen_forums(n - g.passages)
    g.synonyms()
    qfile = args.queries or os.path.join(os.path.dirname(os.path.abspath(args.out)),
                                         os.path.basename(os.path.abspath(args.out)) + "-queries.tsv")
    rng = random.Random(args.seed + 1)
    by_kind = {}
    for q in g.queries:
        by_kind.setdefault(q[0], []).append(q)
    with open(qfile, "w", encoding="utf-8") as f:
        f.write("kind\tquery\tvendor\tsource_id\n")
        for kind in ("code", "symptom", "code+symptom"):
            qs = by_kind.get(kind, [])
            rng.shuffle(qs)
            for q in qs[:args.n_queries]:
                f.write("\t".join(x.replace("\t", " ") for x in q) + "\n")
    summary = {"passages": g.passages, "items": g.items, "files": g.files, "queries": qfile,
               "query_counts": {k: min(len(v), args.n_queries) for k, v in by_kind.items()}}
    print(json.dumps(summary))


# ---- touch: change a fraction of the items in place ---------------------------------------------
def touch(args):
    rng = random.Random(args.seed + 7)
    frac = args.fraction
    changed = 0
    stamp = " Updated note %d." % args.seed
    for root, dirs, files in os.walk(os.path.join(args.kb, "articles")):
        dirs.sort()
        for name in sorted(files):
            if rng.random() < frac:
                path = os.path.join(root, name)
                with open(path, "a", encoding="utf-8") as f:
                    f.write("\nRevised: see the new steps above.%s\n" % stamp)
                changed += 1
    fdir = os.path.join(args.kb, "forums")
    for name in sorted(os.listdir(fdir)) if os.path.isdir(fdir) else []:
        path = os.path.join(fdir, name)
        out, hit = [], False
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip() and rng.random() < frac:
                    t = json.loads(line)
                    t["posts"][-1]["body"] += stamp
                    line = json.dumps(t, ensure_ascii=False) + "\n"
                    changed += 1
                    hit = True
                out.append(line)
        if hit:
            with open(path, "w", encoding="utf-8") as f:
                f.writelines(out)
    cdir = os.path.join(args.kb, "catalogues")
    for name in sorted(os.listdir(cdir)) if os.path.isdir(cdir) else []:
        path = os.path.join(cdir, name)
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        hit = False
        for e in doc["errors"]:
            if rng.random() < frac:
                e["description"] += stamp
                changed += 1
                hit = True
        if hit:
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False, indent=1)
    print(json.dumps({"items_changed": changed}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--out", required=True)
    g.add_argument("--passages", type=int, default=1_000_000)
    g.add_argument("--seed", type=int, default=42)
    g.add_argument("--queries", help="query mix TSV (default: <out>-queries.tsv beside the KB)")
    g.add_argument("--n-queries", type=int, default=2000, help="queries per kind (at most)")
    t = sub.add_parser("touch")
    t.add_argument("--kb", required=True)
    t.add_argument("--fraction", type=float, default=0.01)
    t.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.cmd == "generate":
        if args.passages < 10:
            sys.exit("gen_synthetic_kb: --passages must be at least 10")
        generate(args)
    else:
        touch(args)


if __name__ == "__main__":
    main()
