// repr(): every module type prints as PyTorch 1.13 prints its twin, with default and other
// options, nested containers, and float options as Python's repr(float).
#include "support/testing.hpp"

using namespace xtgrad;

TEST_CASE("repr: each module type as PyTorch's, with default and non-default options") {
  // Each string is repr() of the torch module in the comment beside it, printed by torch 1.13.
  std::vector<std::pair<std::shared_ptr<Module>, std::string>> cases{
      {std::make_shared<Linear>(2, 3), "Linear(in_features=2, out_features=3, bias=True)"},  // nn.Linear(2, 3)
      {std::make_shared<Linear>(LinearOptions(2, 3).bias(false)),
       "Linear(in_features=2, out_features=3, bias=False)"},                // nn.Linear(2, 3, bias=False)
      {std::make_shared<ReLU>(), "ReLU()"},                                 // nn.ReLU()
      {std::make_shared<Tanh>(), "Tanh()"},                                 // nn.Tanh()
      {std::make_shared<Sigmoid>(), "Sigmoid()"},                           // nn.Sigmoid()
      {std::make_shared<SiLU>(), "SiLU()"},                                 // nn.SiLU()
      {std::make_shared<Identity>(), "Identity()"},                         // nn.Identity()
      {std::make_shared<LeakyReLU>(), "LeakyReLU(negative_slope=0.01)"},    // nn.LeakyReLU()
      {std::make_shared<LeakyReLU>(2.0), "LeakyReLU(negative_slope=2.0)"},  // nn.LeakyReLU(2.0)
      {std::make_shared<ELU>(), "ELU(alpha=1.0)"},                          // nn.ELU()
      {std::make_shared<ELU>(0.5), "ELU(alpha=0.5)"},                       // nn.ELU(0.5)
      {std::make_shared<GELU>(), "GELU(approximate='none')"},               // nn.GELU()
      {std::make_shared<GELU>("tanh"), "GELU(approximate='tanh')"},         // nn.GELU(approximate="tanh")
      // PyTorch's Softplus defaults are ints, so only they print without ".0".
      {std::make_shared<Softplus>(), "Softplus(beta=1, threshold=20)"},                // nn.Softplus()
      {std::make_shared<Softplus>(2.0), "Softplus(beta=2.0, threshold=20)"},           // nn.Softplus(beta=2.0)
      {std::make_shared<Softplus>(1.0, 5.0), "Softplus(beta=1, threshold=5.0)"},       // nn.Softplus(threshold=5.0)
      {std::make_shared<Softplus>(0.5, 1e20), "Softplus(beta=0.5, threshold=1e+20)"},  // nn.Softplus(0.5, 1e20)
      {std::make_shared<Hardtanh>(), "Hardtanh(min_val=-1.0, max_val=1.0)"},           // nn.Hardtanh()
      {std::make_shared<Hardtanh>(-2.0, 3.5), "Hardtanh(min_val=-2.0, max_val=3.5)"},  // nn.Hardtanh(-2.0, 3.5)
      {std::make_shared<Softmax>(1), "Softmax(dim=1)"},                                // nn.Softmax(dim=1)
      {std::make_shared<LogSoftmax>(-1), "LogSoftmax(dim=-1)"},                        // nn.LogSoftmax(dim=-1)
      {std::make_shared<Flatten>(), "Flatten(start_dim=1, end_dim=-1)"},               // nn.Flatten()
      {std::make_shared<Flatten>(0, 2), "Flatten(start_dim=0, end_dim=2)"},            // nn.Flatten(0, 2)
      {std::make_shared<Dropout>(), "Dropout(p=0.5, inplace=False)"},                  // nn.Dropout()
      {std::make_shared<Dropout>(0.1), "Dropout(p=0.1, inplace=False)"},               // nn.Dropout(0.1)
      {std::make_shared<Dropout>(1.0), "Dropout(p=1.0, inplace=False)"},               // nn.Dropout(1.0)
      {std::make_shared<LayerNorm>(LayerNormOptions({4})),
       "LayerNorm((4,), eps=1e-05, elementwise_affine=True)"},  // nn.LayerNorm(4)
      // nn.LayerNorm([3, 4], eps=1e-3, elementwise_affine=False)
      {std::make_shared<LayerNorm>(LayerNormOptions({3, 4}).eps(1e-3).elementwise_affine(false)),
       "LayerNorm((3, 4), eps=0.001, elementwise_affine=False)"},
      {std::make_shared<BatchNorm1d>(BatchNormOptions(4)),
       "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"},  // nn.BatchNorm1d(4)
      // nn.BatchNorm1d(4, eps=1e-3, momentum=None, affine=False, track_running_stats=False)
      {std::make_shared<BatchNorm1d>(
           BatchNormOptions(4).eps(1e-3).momentum(std::nullopt).affine(false).track_running_stats(false)),
       "BatchNorm1d(4, eps=0.001, momentum=None, affine=False, track_running_stats=False)"},
      // nn.BatchNorm1d(4, momentum=0.3)
      {std::make_shared<BatchNorm1d>(BatchNormOptions(4).momentum(0.3)),
       "BatchNorm1d(4, eps=1e-05, momentum=0.3, affine=True, track_running_stats=True)"},
      {std::make_shared<Embedding>(10, 3), "Embedding(10, 3)"},  // nn.Embedding(10, 3)
      {std::make_shared<Embedding>(EmbeddingOptions(10, 3).padding_idx(-1)),
       "Embedding(10, 3, padding_idx=9)"},                                      // nn.Embedding(10, 3, padding_idx=-1)
      {std::make_shared<LSTMCell>(3, 4), "LSTMCell(3, 4)"},                     // nn.LSTMCell(3, 4)
      {std::make_shared<LSTMCell>(3, 4, false), "LSTMCell(3, 4, bias=False)"},  // nn.LSTMCell(3, 4, bias=False)
      {std::make_shared<GRUCell>(GRUCellOptions(3, 4)), "GRUCell(3, 4)"},       // nn.GRUCell(3, 4)
      // nn.GRUCell(3, 4, bias=False)
      {std::make_shared<GRUCell>(GRUCellOptions(3, 4).bias(false)), "GRUCell(3, 4, bias=False)"},
      {std::make_shared<LSTM>(3, 4), "LSTM(3, 4)"},  // nn.LSTM(3, 4)
      // nn.LSTM(3, 4, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)
      {std::make_shared<LSTM>(
           LSTMOptions(3, 4).num_layers(2).bias(false).batch_first(true).dropout(0.5).bidirectional(true)),
       "LSTM(3, 4, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)"},
      {std::make_shared<GRU>(GRUOptions(3, 4)), "GRU(3, 4)"},  // nn.GRU(3, 4)
      {std::make_shared<GRU>(GRUOptions(3, 4).num_layers(2).dropout(1.0)),
       "GRU(3, 4, num_layers=2, dropout=1.0)"}};  // nn.GRU(3, 4, 2, dropout=1.0)
  // Not a structured binding: clang's C++17 cannot capture one in CAPTURE's lambda.
  for (const auto& entry : cases) {
    const std::string& expected = entry.second;
    CAPTURE(expected);
    CHECK(entry.first->repr() == expected);
    CHECK(build_module(describe(*entry.first))->repr() == expected);  // a model read from a file prints the same
  }
}

TEST_CASE("repr: containers, empty and nested, as PyTorch's") {
  CHECK(Sequential().repr() == "Sequential()");  // nn.Sequential()
  // print(nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Dropout(0.25)), nn.LayerNorm([3]),
  //                     nn.LSTM(3, 2, batch_first=True)))
  Sequential net{std::make_shared<Linear>(2, 3),
                 std::make_shared<Sequential>(
                     std::initializer_list<std::shared_ptr<Module>>{std::make_shared<ReLU>(),
                                                                    std::make_shared<Dropout>(0.25)}),
                 std::make_shared<LayerNorm>(LayerNormOptions({3})),
                 std::make_shared<LSTM>(LSTMOptions(3, 2).batch_first(true))};
  CHECK(net.repr() ==
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Dropout(p=0.25, inplace=False)\n"
        "  )\n"
        "  (2): LayerNorm((3,), eps=1e-05, elementwise_affine=True)\n"
        "  (3): LSTM(3, 2, batch_first=True)\n"
        ")");
}

TEST_CASE("repr: float options read as Python's repr(float)") {
  // repr(nn.LeakyReLU(v)) for each v: the shortest digits that read back, ".0" on whole numbers,
  // exponent form exactly when the decimal exponent is < -4 or >= 16.
  std::vector<std::pair<double, std::string>> cases{{0.01, "0.01"},
                                                    {1e-05, "1e-05"},
                                                    {0.0001, "0.0001"},
                                                    {1e16, "1e+16"},
                                                    {1e15, "1000000000000000.0"},
                                                    {123456789012345678.0, "1.2345678901234568e+17"},
                                                    {1.0 / 3.0, "0.3333333333333333"},
                                                    {-0.0, "-0.0"},
                                                    {5e-324, "5e-324"},
                                                    {-2.5e-300, "-2.5e-300"},
                                                    {12345.678, "12345.678"},
                                                    {1e22, "1e+22"}};
  for (const auto& entry : cases) {
    const std::string& expected = entry.second;
    CAPTURE(expected);
    CHECK(LeakyReLU(entry.first).repr() == "LeakyReLU(negative_slope=" + expected + ")");
  }
}
