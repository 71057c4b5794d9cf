// `imgbench list`, `init` and `clean`: the small verbs around a run. What the variants are and
// whether they can run here, a starter variant.json, and what a killed run left in the engine.
#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "cli_common.hpp"
#include "docker_cli.hpp"
#include "error.hpp"
#include "init.hpp"
#include "runner.hpp"
#include "text.hpp"
#include "variant.hpp"

namespace fs = std::filesystem;

namespace imgbench::cli {

namespace {

// Whether a variant can run here, as far as the engine can tell without building anything: its
// required images present ("yes"), missing ("no"), or to be pulled by `run` ("maybe").
struct Availability {
  std::string here;
  std::string why;  // empty for "yes"
};

Availability availability(const Variant& v, DockerCli& docker, bool engine) {
  if (!engine) {
    return {"unknown", "no engine to ask (see the message above)"};
  }
  std::vector<std::string> missing;
  try {
    for (const auto& image : v.requires_images) {
      if (!docker.inspect_image(image)) {
        missing.push_back(image);
      }
    }
  } catch (const Error& e) {
    return {"unknown", e.what()};
  }
  if (missing.empty()) {
    return {"yes", ""};
  }
  const std::string images = join(missing, ", ");
  if (v.requires_registry) {
    return {"maybe", "needs " + images +
                         " from a registry: `imgbench run` tries docker pull and "
                         "skips the variant when it fails"};
  }
  const bool ours = std::all_of(missing.begin(), missing.end(), [](const std::string& image) {
    return image.rfind("imgbench/", 0) == 0;
  });
  return {"no", images + " missing here; " +
                    (ours ? std::string("make it with `make bases`")
                          : std::string("pull or build it first (requires_registry is false, so "
                                        "`imgbench run` will not pull it)"))};
}

}  // namespace

CLI::App* add_list(CLI::App& app) {
  auto* list = app.add_subcommand(
      "list", "List the variants: description, tags and whether each can run here (and why not)");
  list->footer("Example:\n  imgbench list");
  return list;
}

int do_list(const std::string& repo_option) {
  const fs::path repo = repo_root_from(repo_option);
  const auto variants = discover_variants(repo / "variants", repo);
  if (variants.empty()) {
    std::cerr << "imgbench: no variants in " << (repo / "variants").string()
              << "; start one with `imgbench init variants/<name>`\n";
    return kExitOk;
  }
  DockerCli docker;
  bool engine = true;
  try {
    (void)docker.engine_info();
  } catch (const Error& e) {
    engine = false;
    std::cerr << "imgbench: " << e.what() << '\n';
  }
  std::size_t name_width = std::string_view("VARIANT").size();
  std::size_t tags_width = std::string_view("TAGS").size();
  std::vector<std::string> tags;
  for (const auto& v : variants) {
    tags.push_back(v.tags.empty() ? "-" : join(v.tags, ","));
    name_width = std::max(name_width, v.name.size());
    tags_width = std::max(tags_width, tags.back().size());
  }
  constexpr int kHereWidth = 9;  // "RUNS HERE"
  const auto width = static_cast<int>(name_width);
  std::cout << std::left << std::setw(width) << "VARIANT"
            << "  " << std::setw(kHereWidth) << "RUNS HERE"
            << "  " << std::setw(static_cast<int>(tags_width)) << "TAGS"
            << "  DESCRIPTION\n";
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto& v = variants[i];
    const Availability a = availability(v, docker, engine);
    std::cout << std::setw(width) << v.name << "  " << std::setw(kHereWidth) << a.here << "  "
              << std::setw(static_cast<int>(tags_width)) << tags[i] << "  " << v.description
              << '\n';
    if (!a.why.empty()) {
      std::cout << std::string(name_width + 2, ' ') << "why: " << a.why << '\n';
    }
  }
  return kExitOk;
}

CLI::App* add_init(CLI::App& app, InitArgs& args) {
  auto* init = app.add_subcommand(
      "init",
      "Write a starter DIR/variant.json next to DIR/Dockerfile: the port from EXPOSE, "
      "requires_images from FROM");
  init->add_option("dir", args.dir, "The variant's folder, holding its Dockerfile")->required();
  init->add_flag("--force", args.force, "Overwrite an existing variant.json");
  init->footer(
      "context is \"../..\" (the repository) when DIR is variants/<name> of an imgbench "
      "repository, else \".\".\n"
      "Examples:\n"
      "  imgbench init variants/myservice\n"
      "  imgbench init variants/myservice --force");
  return init;
}

// Writes DIR/variant.json (on stdout too) and says where each field came from and what to do next.
int do_init(const InitArgs& args) {
  const InitResult r = init_variant(args.dir, args.force);
  std::cout << r.text;
  std::cerr << "imgbench: wrote " << r.file.string() << ": port "
            << (r.facts.port ? std::to_string(*r.facts.port) + " from EXPOSE"
                             : std::string("8080 (no EXPOSE in the final stage)"))
            << ", requires_images "
            << (r.facts.base_images.empty()
                    ? std::string("empty (no FROM image but scratch or a stage)")
                    : "from FROM: " + join(r.facts.base_images, ", "))
            << ", context \"" << r.context << "\"\n";
  for (const auto& image : r.facts.unresolved) {
    std::cerr << "imgbench: FROM " << image
              << " uses a build argument; add the image it names to "
                 "requires_images by hand\n";
  }
  if (r.in_repository) {
    std::cerr << "next: edit the description (and health_path, if it is not /healthz), then\n"
              << "  imgbench list\n"
              << "  imgbench run --variants " << r.name << '\n';
  } else {
    std::cerr << "next: edit the description; `imgbench run` measures the variants/<name>/ folders "
                 "of a repository, so move the folder there (with context \"../..\" if the "
                 "Dockerfile copies from the repository), then\n"
              << "  imgbench run --variants " << r.name << '\n';
  }
  return kExitOk;
}

CLI::App* add_clean(CLI::App& app, CleanArgs& args) {
  auto* clean = app.add_subcommand(
      "clean", "Remove containers that interrupted or crashed runs left (found by label)");
  clean
      ->add_option("--run", args.run,
                   "Only the containers of this run id (label imgbench.run=ID); without it, "
                   "those of every run, including one that is measuring right now")
      ->check([](const std::string& id) {
        return id.empty() ? std::string("the run id must not be empty") : std::string();
      });
  clean->footer(
      "Examples:\n"
      "  imgbench clean\n"
      "  imgbench clean --run 20261203T181500Z-3f9a");
  return clean;
}

// Removes the containers that runs left (all of them, or only those of run `run_id`): a killed run
// never reached its guards. Another run may be measuring right now; --run leaves its containers be.
int do_clean(const CleanArgs& args) {
  const std::string& run_id = args.run;
  DockerCli docker;
  (void)docker.engine_info();
  const auto names = docker.containers_with_label(kRunLabel, run_id);
  int removed = 0;
  for (const auto& name : names) {
    if (docker.remove_container(name)) {
      ++removed;
    } else {
      std::cerr << "imgbench: could not remove container " << name << '\n';
    }
  }
  // Then the images such runs built (tags and step images carry the run label too). An image that
  // some other container still uses stays, and is named; that is not a failure of this clean.
  const auto images = docker.images_with_label(kRunLabel, run_id);
  int images_removed = 0;
  for (const auto& id : images) {
    if (docker.remove_image(id)) {
      ++images_removed;
    } else {
      std::cerr << "imgbench: kept image " << id.substr(0, 19)
                << ": still in use, or referenced by a tag outside the run\n";
    }
  }
  std::cerr << "imgbench: removed " << removed << " container(s) and " << images_removed
            << " image(s) left by "
            << (run_id.empty() ? std::string("earlier runs") : "run " + run_id) << '\n';
  return removed == static_cast<int>(names.size()) ? kExitOk : kExitUsage;
}

}  // namespace imgbench::cli
