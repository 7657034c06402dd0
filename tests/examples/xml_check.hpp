// A small XML well-formedness check for the examples' SVG files: one root element, every tag
// closed in order, quoted attributes, no stray '<' or '&' in text or attribute values.
#pragma once

#include <cctype>
#include <string>
#include <vector>

namespace xtgrad::testing {

namespace detail {

// Checks that every '&' in `text` starts one of XML's five entities or a character reference.
inline bool entities_ok(const std::string& text) {
  for (std::size_t i = text.find('&'); i != std::string::npos; i = text.find('&', i + 1)) {
    std::size_t semi = text.find(';', i);
    if (semi == std::string::npos) return false;
    std::string name = text.substr(i + 1, semi - i - 1);
    bool known = name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos" ||
                 (name.size() > 1 && name[0] == '#');
    if (!known) return false;
  }
  return true;
}

inline bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' || c == '.';
}

}  // namespace detail

/// Empty when `xml` is well-formed; otherwise what is wrong and where (byte offset).
inline std::string xml_problem(const std::string& xml) {
  std::vector<std::string> open;
  bool root_done = false, root_seen = false;
  std::size_t i = 0;
  auto at = [](std::size_t pos) { return " at byte " + std::to_string(pos); };
  while (i < xml.size()) {
    std::size_t lt = xml.find('<', i);
    std::string text = xml.substr(i, (lt == std::string::npos ? xml.size() : lt) - i);
    bool blank = text.find_first_not_of(" \t\r\n") == std::string::npos;
    if (!blank && open.empty()) return "text outside the root element" + at(i);
    if (!detail::entities_ok(text)) return "bad '&' in text" + at(i);
    if (lt == std::string::npos) break;
    if (xml.compare(lt, 4, "<!--") == 0 || xml.compare(lt, 2, "<?") == 0) {
      bool comment = xml[lt + 1] == '!';
      if (!comment && root_seen) return "processing instruction after the root" + at(lt);
      std::size_t end = xml.find(comment ? "-->" : "?>", lt);
      if (end == std::string::npos) return "unterminated comment or declaration" + at(lt);
      i = end + (comment ? 3 : 2);
      continue;
    }
    // Find the tag's end, skipping '>' inside quoted attribute values.
    std::size_t gt = lt + 1;
    char quote = 0;
    for (; gt < xml.size(); ++gt) {
      char c = xml[gt];
      if (quote) quote = c == quote ? 0 : quote;
      else if (c == '"' || c == '\'') quote = c;
      else if (c == '>') break;
      else if (c == '<') return "'<' inside a tag" + at(gt);
    }
    if (gt >= xml.size()) return "unterminated tag" + at(lt);
    std::string tag = xml.substr(lt + 1, gt - lt - 1);
    i = gt + 1;
    if (!tag.empty() && tag[0] == '/') {
      std::string name = tag.substr(1, tag.find_last_not_of(" \t\r\n"));
      if (open.empty() || open.back() != name) return "closing </" + name + "> does not match" + at(lt);
      open.pop_back();
      if (open.empty()) root_done = true;
      continue;
    }
    bool self_closing = !tag.empty() && tag.back() == '/';
    if (self_closing) tag.pop_back();
    std::size_t k = 0;
    while (k < tag.size() && detail::is_name_char(tag[k])) ++k;
    std::string name = tag.substr(0, k);
    if (name.empty()) return "tag without a name" + at(lt);
    if (root_done) return "a second root element <" + name + ">" + at(lt);
    // Attributes: name="value" or name='value', separated by whitespace, names unique.
    std::vector<std::string> names;
    while (true) {
      while (k < tag.size() && std::isspace(static_cast<unsigned char>(tag[k]))) ++k;
      if (k == tag.size()) break;
      std::size_t start = k;
      while (k < tag.size() && detail::is_name_char(tag[k])) ++k;
      std::string attribute = tag.substr(start, k - start);
      if (attribute.empty() || k + 1 >= tag.size() || tag[k] != '=' || (tag[k + 1] != '"' && tag[k + 1] != '\''))
        return "malformed attribute in <" + name + ">" + at(lt);
      std::size_t close = tag.find(tag[k + 1], k + 2);
      if (close == std::string::npos) return "unterminated attribute value in <" + name + ">" + at(lt);
      std::string value = tag.substr(k + 2, close - k - 2);
      if (value.find('<') != std::string::npos || !detail::entities_ok(value))
        return "'<' or a bad '&' in attribute " + attribute + " of <" + name + ">" + at(lt);
      for (const std::string& seen : names)
        if (seen == attribute) return "duplicate attribute " + attribute + " in <" + name + ">" + at(lt);
      names.push_back(attribute);
      k = close + 1;
      if (k < tag.size() && !std::isspace(static_cast<unsigned char>(tag[k])))
        return "no space between attributes in <" + name + ">" + at(lt);
    }
    root_seen = true;
    if (self_closing) {
      if (open.empty()) root_done = true;
    } else {
      open.push_back(name);
    }
  }
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  if (!root_seen) return "no root element";
  return "";
}

}  // namespace xtgrad::testing
