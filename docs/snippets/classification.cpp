// Guide snippets: multi-class classification and regression, the ops they use, weight
// initialisation, metrics and anomaly detection. Compiled and run by CTest.
#include <cmath>
#include <cstdio>

#include <xtgrad/xtgrad.hpp>

using namespace xtgrad;

bool multiclass() {
  // [snippet:multiclass]
  Generator gen(0);
  Tensor x = randn({300, 2}, gen);
  Tensor labels = zeros({300});  // class indices: a float tensor holding whole numbers 0, 1, 2
  for (std::size_t i = 0; i < 300; ++i)
    labels.mutable_value()(i) = x.value()(i, 0) > 0.5f ? 2.0f : x.value()(i, 1) > 0.0f;

  auto hidden = std::make_shared<Linear>(2, 32, true, gen);
  auto out = std::make_shared<Linear>(32, 3, true, gen);
  kaiming_uniform_(hidden->weight, 0.0, FanMode::FanIn, "relu", gen);  // as torch.nn.init
  xavier_uniform_(out->weight, 1.0, gen);
  Sequential model{hidden, std::make_shared<ReLU>(), out};

  ClassLossOptions options;        // PyTorch's CrossEntropyLoss options
  options.label_smoothing = 0.05;  // also: weight, ignore_index, reduction
  CrossEntropyLoss loss_fn(options);
  Adam optimizer(model.parameters(), AdamOptions(0.02));
  for (int step = 0; step < 300; ++step) {
    optimizer.zero_grad();
    Tensor loss = loss_fn(model(x), labels);  // logits [300, 3], labels [300]
    loss.backward();
    optimizer.step();
  }

  NoGrad no_grad;
  Tensor logits = model(x);
  Tensor probabilities = softmax(logits, /*dim=*/1);  // rows sum to 1
  Tensor predicted = argmax(logits, 1);               // [300], class indices
  ClassificationReport report = classification_report(multiclass_confusion_matrix(logits.value(), labels.value()));
  std::printf("accuracy %.3f, macro F1 %.3f\n", report.accuracy, report.macro_f1);
  // [end-snippet]
  return report.accuracy > 0.9 && probabilities.shape() == Shape{300, 3} && predicted.shape() == Shape{300};
}

bool regression() {
  // [snippet:regression]
  Tensor prediction = tensor({2.5f, 0.0f, 2.0f, 8.0f}, /*requires_grad=*/true);
  Tensor target = tensor({3.0f, -0.5f, 2.0f, 7.0f});
  Tensor loss = huber_loss(prediction, target, Reduction::Mean, /*delta=*/1.0);  // or MSELoss, L1Loss, SmoothL1Loss
  loss.backward();
  std::printf("Huber %.4f, MSE %.4f, MAE %.4f, R² %.4f\n", loss.item(),
              mean_squared_error(prediction.value(), target.value()),
              mean_absolute_error(prediction.value(), target.value()), r2_score(prediction.value(), target.value()));
  // [end-snippet]
  return std::fabs(loss.item() - 0.1875f) < 1e-6f;
}

bool ops_tour() {
  // [snippet:ops]
  Tensor scores = randn({4, 5}, /*requires_grad=*/true);
  auto [best, where_best] = max_with_indices(scores, /*dim=*/1);  // values [4] and indices [4]
  Tensor spread = xtgrad::std(scores, /*dims=*/{1}, /*correction=*/0);
  Tensor picked = gather(scores, 1, unsqueeze(where_best, 1));  // [4, 1], the same maxima
  Tensor table = randn({10, 3}, true);
  Tensor rows = embedding(tensor({{1, 7}, {7, 2}}), table);  // [2, 2, 3]; row 7's gradient adds up twice
  Tensor kept = dropout(flatten(rows), /*p=*/0.2f, /*training=*/true);
  Tensor total = sum(best) + sum(spread) + sum(picked) + sum(kept) + sum(logsumexp(scores, 1));
  total.backward();
  // [end-snippet]
  return picked.shape() == Shape{4, 1} && table.has_grad();
}

bool anomaly() {
  // [snippet:anomaly]
  Tensor x = tensor({0.0f, 1.0f}, true);
  DetectAnomaly detect;  // while alive, backward checks each op's gradients
  try {
    sum(sqrt(x)).backward();
  } catch (const std::runtime_error& e) {
    std::printf("%s\n", e.what());  // backward of 'sqrt' produced a gradient holding NaN or inf ...
    return true;
  }
  // [end-snippet]
  return false;
}

int main() {
  bool ok = multiclass();
  ok = regression() && ok;
  ok = ops_tour() && ok;
  ok = anomaly() && ok;
  return ok ? 0 : 1;
}
