// eBay error catalogues in XML: the <Errors> elements of an eBay Trading API response (any root,
// any namespace), each read as an ErrorType. Streamed with libxml2's xmlTextReader; only one
// <Errors> subtree is expanded at a time.
#include <libxml/tree.h>
#include <libxml/xmlreader.h>

#include <cstring>
#include <memory>

#include "errkb/ingest.h"
#include "ingest/catalogue.h"
#include "ingest/internal.h"

namespace errkb {
namespace ingest {
namespace {

struct ReaderDeleter {
  void operator()(xmlTextReader* r) const { xmlFreeTextReader(r); }
};

bool named(const xmlNode* n, const char* name) {
  return n->type == XML_ELEMENT_NODE && std::strcmp(reinterpret_cast<const char*>(n->name), name) == 0;
}

std::string content(const xmlNode* n) {
  xmlChar* text = xmlNodeGetContent(n);
  if (text == nullptr) return "";
  std::string out = trim(reinterpret_cast<const char*>(text));
  xmlFree(text);
  return out;
}

CatalogueEntry entry_from(const xmlNode* errors) {
  CatalogueEntry e;
  e.vendor = "eBay";
  for (const xmlNode* c = errors->children; c != nullptr; c = c->next) {
    if (named(c, "ErrorCode"))
      e.code = content(c);
    else if (named(c, "ShortMessage"))
      e.message = content(c);
    else if (named(c, "LongMessage"))
      e.description = content(c);
    else if (named(c, "SeverityCode"))
      e.severity = content(c);
    else if (named(c, "ErrorClassification"))
      e.category = content(c);
    else if (named(c, "ErrorParameters")) {
      xmlChar* id = xmlGetProp(c, reinterpret_cast<const xmlChar*>("ParamID"));
      std::string value;
      for (const xmlNode* v = c->children; v != nullptr; v = v->next) {
        if (named(v, "Value")) value = content(v);
      }
      if (!value.empty()) {
        e.extra +=
            "Parameter " + std::string(id ? reinterpret_cast<const char*>(id) : "") + ": " + value + "\n";
      }
      if (id) xmlFree(id);
    }
  }
  return e;
}

}  // namespace
}  // namespace ingest

FileReadResult read_catalogue_xml(std::string_view rel, std::string_view text) {
  using namespace ingest;
  FileReadResult result;
  ensure_xml_initialized();
  // XML declares its own encoding (UTF-16 included); libxml2 decodes it and reports what it cannot.
  result.catalogue_vendor = "eBay";
  AttributeCounter attributes;
  for (char c : text) {
    if (!attributes.feed(c)) {
      result.errors.push_back(make_error(rel, attributes.line(), attributes.message()));
      result.complete = false;
      return result;
    }
  }
  std::unique_ptr<xmlTextReader, ReaderDeleter> reader(
      xmlReaderForMemory(text.data(), static_cast<int>(text.size()), nullptr, nullptr, XML_PARSE_NONET));
  if (!reader) {
    result.errors.push_back(make_error(rel, 0, "the XML reader could not be created"));
    result.complete = false;
    return result;
  }
  XmlError error;
  keep_first_xml_error(reader.get(), error);
  CatalogueCollector collector(rel, result);
  int found = 0;
  int status = xmlTextReaderRead(reader.get());
  while (status == 1) {
    if (declares_entities(reader.get())) {
      collector.error(xmlTextReaderGetParserLineNumber(reader.get()),
                      "entity declarations are not accepted (an eBay response has none)");
      return result;
    }
    const xmlChar* name = xmlTextReaderConstLocalName(reader.get());
    if (xmlTextReaderNodeType(reader.get()) == XML_READER_TYPE_ELEMENT && name != nullptr &&
        std::strcmp(reinterpret_cast<const char*>(name), "Errors") == 0) {
      xmlNodePtr node = xmlTextReaderExpand(reader.get());
      if (node == nullptr) break;  // the subtree is broken: reported below
      const int line = static_cast<int>(xmlGetLineNo(node));
      ++found;
      collector.add(entry_from(node), line);
      status = xmlTextReaderNext(reader.get());
      continue;
    }
    status = xmlTextReaderRead(reader.get());
  }
  if (status != 0 || error.set) {
    const int line = error.line > 0 ? error.line : xmlTextReaderGetParserLineNumber(reader.get());
    collector.error(line,
                    "broken or truncated XML: " + (error.set ? error.message : std::string("parse error")));
  } else if (found == 0) {
    collector.error(0, "no <Errors> elements (expected eBay ErrorType entries)");
  }
  collector.finish();
  return result;
}

}  // namespace errkb
