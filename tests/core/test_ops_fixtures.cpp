// The new ops against PyTorch (tests/fixtures/ops_losses.json "ops"): outputs, indices and
// input gradients for one random upstream gradient, logits of ±1000 included.
#include <functional>
#include <map>
#include <set>

#include "support/fixtures.hpp"
#include "support/testing.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {

using Dims = std::vector<std::int64_t>;
// Each op as the fixture names it: inputs and params in, {output} or {values, indices} out.
using OpFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&, const Json&)>;

const std::map<std::string, OpFn>& ops() {
  static const std::map<std::string, OpFn> table = {
      {"softmax", [](auto& v, auto& p) { return std::vector<Tensor>{softmax(v[0], p.at("dim"))}; }},
      {"log_softmax", [](auto& v, auto& p) { return std::vector<Tensor>{log_softmax(v[0], p.at("dim"))}; }},
      {"logsumexp",
       [](auto& v, auto& p) { return std::vector<Tensor>{logsumexp(v[0], p.at("dim"), p.at("keepdim"))}; }},
      {"max_with_indices",
       [](auto& v, auto& p) {
         ValuesAndIndices r = max_with_indices(v[0], p.at("dim"), p.at("keepdim"));
         return std::vector<Tensor>{r.values, r.indices};
       }},
      {"min_with_indices",
       [](auto& v, auto& p) {
         ValuesAndIndices r = min_with_indices(v[0], p.at("dim"), p.at("keepdim"));
         return std::vector<Tensor>{r.values, r.indices};
       }},
      {"argmax", [](auto& v, auto& p) { return std::vector<Tensor>{argmax(v[0], p.at("dim"), p.at("keepdim"))}; }},
      {"argmin", [](auto& v, auto& p) { return std::vector<Tensor>{argmin(v[0], p.at("dim"), p.at("keepdim"))}; }},
      {"sum",
       [](auto& v, auto& p) {
         return std::vector<Tensor>{sum(v[0], p.at("dims").template get<Dims>(), p.at("keepdim"))};
       }},
      {"mean",
       [](auto& v, auto& p) {
         return std::vector<Tensor>{mean(v[0], p.at("dims").template get<Dims>(), p.at("keepdim"))};
       }},
      {"var",
       [](auto& v, auto& p) {
         return std::vector<Tensor>{var(v[0], p.at("dims").template get<Dims>(), p.at("correction"), p.at("keepdim"))};
       }},
      {"std",
       [](auto& v, auto& p) {
         return std::vector<Tensor>{
             xtgrad::std(v[0], p.at("dims").template get<Dims>(), p.at("correction"), p.at("keepdim"))};
       }},
      {"where", [](auto& v, auto&) { return std::vector<Tensor>{where(v[0], v[1], v[2])}; }},
      {"maximum", [](auto& v, auto&) { return std::vector<Tensor>{maximum(v[0], v[1])}; }},
      {"minimum", [](auto& v, auto&) { return std::vector<Tensor>{minimum(v[0], v[1])}; }},
      {"clamp", [](auto& v, auto&) { return std::vector<Tensor>{clamp(v[0], v[1], v[2])}; }},
      {"unsqueeze", [](auto& v, auto& p) { return std::vector<Tensor>{unsqueeze(v[0], p.at("dim"))}; }},
      {"squeeze", [](auto& v, auto& p) { return std::vector<Tensor>{squeeze(v[0], p.at("dim"))}; }},
      {"permute",
       [](auto& v, auto& p) { return std::vector<Tensor>{permute(v[0], p.at("dims").template get<Dims>())}; }},
      {"transpose", [](auto& v, auto& p) { return std::vector<Tensor>{transpose(v[0], p.at("dim0"), p.at("dim1"))}; }},
      {"flatten", [](auto& v, auto& p) { return std::vector<Tensor>{flatten(v[0], p.at("start"), p.at("end"))}; }},
      {"expand",
       [](auto& v, auto& p) { return std::vector<Tensor>{expand(v[0], p.at("shape").template get<Dims>())}; }},
      {"index_select", [](auto& v, auto& p) { return std::vector<Tensor>{index_select(v[0], p.at("dim"), v[1])}; }},
      {"gather", [](auto& v, auto& p) { return std::vector<Tensor>{gather(v[0], p.at("dim"), v[1])}; }},
      {"embedding", [](auto& v, auto&) { return std::vector<Tensor>{embedding(v[0], v[1])}; }},
  };
  return table;
}

}  // namespace

TEST_CASE("ops: every case matches PyTorch (values, indices, gradients, logits of ±1000 staying finite)") {
  std::set<std::string> seen;
  for (const Json& c : fixture_cases("ops_losses.json", "ops")) {
    std::string name = c.at("name");
    CAPTURE(name);
    CAPTURE(c.at("params").dump());
    std::vector<Tensor> inputs;
    for (std::size_t i = 0; i < c.at("inputs").size(); ++i)
      inputs.push_back(to_tensor(c.at("inputs")[i], !c.at("no_grad")[i].get<bool>()));
    REQUIRE(ops().count(name) == 1);
    std::vector<Tensor> out = ops().at(name)(inputs, c.at("params"));
    CHECK_ALL_CLOSE(out[0].value(), to_array(c.at("output")));
    if (!c.at("indices").is_null()) CHECK_ALL_CLOSE(out[1].value(), to_array(c.at("indices")));
    if (c.contains("upstream")) {
      out[0].backward(to_array(c.at("upstream")));
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (c.at("grads")[i].is_null()) continue;
        CAPTURE(i);
        CHECK_ALL_CLOSE(inputs[i].grad(), to_array(c.at("grads")[i]));
      }
    }
    for (float v : out[0].value()) CHECK(std::isfinite(v));
    seen.insert(name);
  }
  CHECK(seen.size() == ops().size());  // the fixture covers every op in the table
}
