// Reading a state dict (a Value) field by field while collecting every problem, so that a
// loader can list them all in one error and change nothing until all of them pass.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "xtgrad/core/value.hpp"

namespace xtgrad::detail {

/// The largest count a constructor's int takes (epochs, step sizes): the bound for reading one,
/// and for a counter that step() counts on from (one more must not overflow).
constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();
/// The largest optimizer step count read from a file: a double (the bias corrections' exponent)
/// still holds every count up to it, and counting on from it cannot overflow.
constexpr std::int64_t kStepMax = std::int64_t{1} << 53;

class StateReader {
 public:
  /// `owner` starts the error message: "Adam.load_state_dict".
  explicit StateReader(std::string owner);

  // Each read returns the field, or a neutral value after recording a problem that names the
  // field's path ("param_groups[1].betas"). `path` is the dict's own path ("" at the top).
  bool boolean(const Value& dict, const std::string& path, const std::string& key);
  std::int64_t integer(const Value& dict, const std::string& path, const std::string& key, std::int64_t min,
                       std::int64_t max = std::numeric_limits<std::int64_t>::max());
  /// A finite number.
  double real(const Value& dict, const std::string& path, const std::string& key);
  std::string string(const Value& dict, const std::string& path, const std::string& key);
  /// A list of finite numbers, of length `size` unless size is kAnySize.
  std::vector<double> reals(const Value& dict, const std::string& path, const std::string& key, std::size_t size);
  std::vector<std::int64_t> integers(const Value& dict, const std::string& path, const std::string& key);
  /// The field, which must be a dict (or a list with `list`); null after a problem.
  const Value& dict(const Value& dict, const std::string& path, const std::string& key);
  const Value& list(const Value& dict, const std::string& path, const std::string& key);
  /// A float32 tensor of the given shape with finite values.
  const Array* tensor(const Value& value, const std::string& path, const Shape& shape);

  /// Records a problem: "<path>: <what>" (or just <what> at the top).
  void problem(const std::string& path, const std::string& what);
  /// Records a problem for each key of `dict` that is not in `known`.
  void unexpected_keys(const Value& dict, const std::string& path, const std::vector<std::string>& known);
  bool ok() const { return problems_.empty(); }
  /// Throws std::invalid_argument("<owner>: <problem>; <problem>; ...") if there is any.
  void throw_if_problems() const;

  static constexpr std::size_t kAnySize = static_cast<std::size_t>(-1);

 private:
  const Value* field(const Value& dict, const std::string& path, const std::string& key);
  std::string owner_;
  std::vector<std::string> problems_;
};

/// "path.key", or "key" when path is empty.
std::string join_path(const std::string& path, const std::string& key);

}  // namespace xtgrad::detail
