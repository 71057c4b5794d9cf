#include "init.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "error.hpp"
#include "results.hpp"
#include "variant.hpp"

namespace imgbench {

namespace fs = std::filesystem;

namespace {

constexpr int kDefaultPort = 8080;

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return text;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

// Instructions with their `\` continuations joined. Docker drops comment lines even inside a
// continuation, so they are dropped here before joining.
std::vector<std::string> logical_lines(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  std::istringstream in{std::string(text)};
  std::string physical;
  while (std::getline(in, physical)) {
    const std::string_view line = trim(physical);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    if (line.back() == '\\') {
      current.append(line.substr(0, line.size() - 1));
      current += ' ';
      continue;
    }
    current.append(line);
    out.push_back(std::move(current));
    current.clear();
  }
  if (!current.empty()) {
    out.push_back(std::move(current));
  }
  return out;
}

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  std::string word;
  while (in >> word) {
    words.push_back(word);
  }
  return words;
}

// "8080", "8080/tcp" -> 8080; a range, a variable or a word -> nothing.
std::optional<int> exposed_port(std::string_view word) {
  word = word.substr(0, word.find('/'));
  int port = 0;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), port);
  if (ec != std::errc() || end != word.data() + word.size() || port < 1 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

std::string read_dockerfile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) {
    throw Error(file.string() + ": read failed");
  }
  return text.str();
}

}  // namespace

DockerfileFacts scan_dockerfile(std::string_view text) {
  DockerfileFacts facts;
  std::vector<std::string> stages;  // build-stage names, lower case (FROM refers to them so)
  for (const auto& line : logical_lines(text)) {
    const auto words = words_of(line);
    if (words.empty()) {
      continue;
    }
    const std::string instruction = lowercase(words[0]);
    if (instruction == "from") {
      facts.port.reset();  // only the final stage's EXPOSE describes the image that runs
      std::size_t i = 1;
      while (i < words.size() && words[i].rfind("--", 0) == 0) {
        ++i;  // --platform=…
      }
      if (i >= words.size()) {
        continue;
      }
      const std::string& image = words[i];
      const std::string lower = lowercase(image);
      const bool stage = std::find(stages.begin(), stages.end(), lower) != stages.end();
      if (image.find('$') != std::string::npos) {
        facts.unresolved.push_back(image);
      } else if (lower != "scratch" && !stage &&
                 std::find(facts.base_images.begin(), facts.base_images.end(), image) ==
                     facts.base_images.end()) {
        facts.base_images.push_back(image);
      }
      if (i + 2 < words.size() && lowercase(words[i + 1]) == "as") {
        stages.push_back(lowercase(words[i + 2]));
      }
    } else if (instruction == "expose" && !facts.port) {
      for (std::size_t i = 1; i < words.size() && !facts.port; ++i) {
        facts.port = exposed_port(words[i]);
      }
    }
  }
  return facts;
}

std::string starter_variant_json(const std::string& name, const DockerfileFacts& facts,
                                 const std::string& context) {
  nlohmann::ordered_json out;
  out["description"] = name + ": say here what this image is and how it differs";
  out["context"] = context;
  out["port"] = facts.port.value_or(kDefaultPort);
  out["health_path"] = "/healthz";
  out["expect_status"] = 200;
  out["requires_images"] = facts.base_images;
  // Only imgbench/* bases are made here (`make bases`); any other must come from somewhere, and
  // with this set `imgbench run` pulls it when it is missing (and uses it as is when present).
  out["requires_registry"] =
      std::any_of(facts.base_images.begin(), facts.base_images.end(),
                  [](const std::string& image) { return image.rfind("imgbench/", 0) != 0; });
  out["tags"] = nlohmann::ordered_json::array();
  return out.dump(2) + "\n";
}

InitResult init_variant(const fs::path& dir, bool force) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error(dir.string() + ": expected a folder with a Dockerfile, found " +
                (fs::exists(dir, ec) ? "something that is not a folder" : "nothing"));
  }
  fs::path folder = fs::weakly_canonical(fs::absolute(dir), ec);
  if (ec) {
    throw Error(dir.string() + ": cannot resolve the folder: " + ec.message());
  }
  if (folder.filename().empty()) {
    folder = folder.parent_path();  // "variants/x/"
  }
  const fs::path dockerfile = dir / "Dockerfile";
  if (!fs::is_regular_file(dockerfile, ec)) {
    throw Error(dockerfile.string() +
                ": no Dockerfile; imgbench init writes variant.json next to "
                "an existing Dockerfile");
  }
  InitResult result;
  result.file = dir / "variant.json";
  if (fs::exists(result.file, ec) && !force) {
    throw Error(result.file.string() + " exists; pass --force to overwrite it");
  }

  // variants/<name> of a repository builds from the repository's root, as the project's own
  // variants do; anywhere else the folder is its own context (and its own repository, for the
  // check).
  const fs::path parent = folder.parent_path();
  result.in_repository =
      parent.filename() == "variants" && fs::is_directory(parent.parent_path() / "harness", ec);
  const fs::path root = result.in_repository ? parent.parent_path() : folder;
  result.context = result.in_repository ? "../.." : ".";
  result.facts = scan_dockerfile(read_dockerfile(dockerfile));
  result.name = folder.filename().string();
  result.text = starter_variant_json(result.name, result.facts, result.context);
  try {
    (void)parse_variant(result.text, folder, root);
  } catch (const Error& e) {
    throw Error(std::string("imgbench init would write a variant.json that does not load: ") +
                e.what());
  }
  write_file_atomic(result.file, result.text);
  return result;
}

}  // namespace imgbench
