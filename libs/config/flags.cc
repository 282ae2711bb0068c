#include "libs/config/flags.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace crm::config {

struct Flags::Flag {
  enum class Kind { kString, kInt, kBool, kDuration };
  std::string name;
  std::string env;
  std::string help;
  Kind kind = Kind::kString;
  bool required = false;
  int64_t min = 0;
  int64_t max = 0;
  std::string default_text;
  std::string string_value;
  int64_t int_value = 0;
  bool bool_value = false;
  absl::Duration duration_value;
};

Flags::Flags(std::string program, std::string description)
    : program_(std::move(program)), description_(std::move(description)) {}
Flags::~Flags() = default;

Flags::Flag& Flags::Add(std::string name, std::string env, std::string help) {
  auto flag = std::make_unique<Flag>();
  flag->name = std::move(name);
  flag->env = std::move(env);
  flag->help = std::move(help);
  flags_.push_back(std::move(flag));
  return *flags_.back();
}

std::string* Flags::String(std::string name, std::string env, std::string default_value,
                           std::string help) {
  Flag& f = Add(std::move(name), std::move(env), std::move(help));
  f.default_text = default_value;
  f.string_value = std::move(default_value);
  return &f.string_value;
}

std::string* Flags::RequiredString(std::string name, std::string env, std::string help) {
  std::string* value = String(std::move(name), std::move(env), "", std::move(help));
  flags_.back()->required = true;
  return value;
}

int64_t* Flags::Int(std::string name, std::string env, int64_t default_value, std::string help,
                    int64_t min, int64_t max) {
  Flag& f = Add(std::move(name), std::move(env), std::move(help));
  f.kind = Flag::Kind::kInt;
  f.int_value = default_value;
  f.default_text = absl::StrCat(default_value);
  f.min = min;
  f.max = max;
  return &f.int_value;
}

bool* Flags::Bool(std::string name, std::string env, bool default_value, std::string help) {
  Flag& f = Add(std::move(name), std::move(env), std::move(help));
  f.kind = Flag::Kind::kBool;
  f.bool_value = default_value;
  f.default_text = default_value ? "true" : "false";
  return &f.bool_value;
}

absl::Duration* Flags::Duration(std::string name, std::string env, absl::Duration default_value,
                                std::string help) {
  Flag& f = Add(std::move(name), std::move(env), std::move(help));
  f.kind = Flag::Kind::kDuration;
  f.duration_value = default_value;
  f.default_text = absl::FormatDuration(default_value);
  return &f.duration_value;
}

namespace {

// Sets the flag from text; returns a description of the problem, or "" when the text is valid.
template <typename Flag>
std::string Assign(Flag& f, absl::string_view text, absl::string_view origin) {
  using Kind = typename Flag::Kind;
  switch (f.kind) {
    case Kind::kString:
      f.string_value = std::string(text);
      return "";
    case Kind::kInt: {
      int64_t v;
      if (!absl::SimpleAtoi(text, &v)) {
        return absl::StrCat(origin, "=\"", text, "\" is not an integer");
      }
      if (v < f.min || v > f.max) {
        return absl::StrCat(origin, "=", v, " is out of range [", f.min, ", ", f.max, "]");
      }
      f.int_value = v;
      return "";
    }
    case Kind::kBool: {
      bool v;
      if (!absl::SimpleAtob(text, &v)) {
        return absl::StrCat(origin, "=\"", text, "\" is not a boolean");
      }
      f.bool_value = v;
      return "";
    }
    case Kind::kDuration: {
      absl::Duration v;
      if (!absl::ParseDuration(text, &v) || v < absl::ZeroDuration()) {
        return absl::StrCat(origin, "=\"", text, "\" is not a duration (e.g. 30s, 15m, 1h)");
      }
      f.duration_value = v;
      return "";
    }
  }
  return "";
}

}  // namespace

absl::Status Flags::Parse(int argc, const char* const* argv) {
  std::vector<std::string> problems;
  std::vector<bool> from_command_line(flags_.size(), false);
  auto report = [&](std::string problem) {
    if (!problem.empty()) problems.push_back(std::move(problem));
  };

  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") return absl::CancelledError("help requested");
    if (!absl::StartsWith(arg, "--")) {
      problems.push_back(absl::StrCat("unexpected argument \"", arg, "\""));
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    size_t k = 0;
    while (k < flags_.size() && flags_[k]->name != name) ++k;
    if (k == flags_.size()) {
      problems.push_back(absl::StrCat("unknown flag --", name));
      continue;
    }
    Flag& f = *flags_[k];
    if (!has_value) {
      if (f.kind == Flag::Kind::kBool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        problems.push_back(absl::StrCat("flag --", name, " needs a value"));
        continue;
      }
    }
    from_command_line[k] = true;
    report(Assign(f, value, "--" + f.name));
  }
  for (size_t k = 0; k < flags_.size(); ++k) {
    Flag& f = *flags_[k];
    if (from_command_line[k] || f.env.empty()) continue;
    if (const char* env = std::getenv(f.env.c_str()); env != nullptr) {
      report(Assign(f, env, f.env));
    }
  }
  for (auto& f : flags_) {
    if (f->required && f->string_value.empty()) {
      problems.push_back(absl::StrCat("--", f->name, " (or ", f->env, ") is required"));
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

void Flags::ParseOrExit(int argc, const char* const* argv) {
  absl::Status status = Parse(argc, argv);
  if (status.ok()) return;
  if (absl::IsCancelled(status)) {
    std::fputs(Usage().c_str(), stdout);
    std::exit(0);
  }
  std::fprintf(stderr, "%s: invalid configuration: %s\n\n%s", program_.c_str(),
               std::string(status.message()).c_str(), Usage().c_str());
  std::exit(2);
}

std::string Flags::Usage() const {
  std::string out = absl::StrCat("Usage: ", program_, " [flags]\n", description_, "\n\nFlags:\n");
  for (const auto& f : flags_) {
    absl::StrAppend(&out, "  --", f->name);
    if (!f->env.empty()) absl::StrAppend(&out, " (env ", f->env, ")");
    absl::StrAppend(&out, "\n      ", f->help);
    if (f->required) {
      absl::StrAppend(&out, " [required]");
    } else if (!f->default_text.empty()) {
      absl::StrAppend(&out, " [default: ", f->default_text, "]");
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

absl::StatusOr<std::string> ReadFile(const std::string& flag, const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  if (!in || !(content << in.rdbuf())) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": cannot read ", path));
  }
  return content.str();
}

}  // namespace crm::config
