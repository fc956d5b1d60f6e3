#include "model/calibration.h"

#include <algorithm>
#include <cmath>

namespace labelloop::model {
namespace {

// A probability's log, floored: a class whose float probability underflowed to 0 is
// "very unlikely", not impossible, when it is the true one.
constexpr double kLogFloor = -30.0;

double SafeLog(double p) { return p > 0 ? std::max(kLogFloor, std::log(p)) : kLogFloor; }

// Every class's probability (0-1) of a record: the labels', then the background's.
std::vector<double> ClassProbabilities(const TestPrediction& p) {
  std::vector<double> out;
  for (double c : p.confidence_pct) out.push_back(c / 100.0);
  out.push_back(p.background_pct / 100.0);
  return out;
}

// log softmax(log p / T) of class `c`, from the classes' logs.
double TemperedLogProbability(const std::vector<double>& logs, int c, double inverse_temperature) {
  double max_z = *std::max_element(logs.begin(), logs.end()) * inverse_temperature;
  double total = 0;
  for (double l : logs) total += std::exp(l * inverse_temperature - max_z);
  return logs[c] * inverse_temperature - max_z - std::log(total);
}

}  // namespace

double ExpectedCalibrationError(const std::vector<TestPrediction>& predictions, int bins) {
  if (predictions.empty()) return 0;
  std::vector<double> confidence_sum(bins, 0), correct(bins, 0);
  std::vector<int> count(bins, 0);
  for (const TestPrediction& p : predictions) {
    const int top = PredictedClass(p);
    const double confidence = top < int(p.confidence_pct.size()) ? p.confidence_pct[top] : p.background_pct;
    const int b = std::clamp(int(std::floor(confidence * bins / 100.0)), 0, bins - 1);
    confidence_sum[b] += confidence;
    correct[b] += top == p.true_class ? 100.0 : 0.0;
    count[b]++;
  }
  double ece = 0;
  for (int b = 0; b < bins; ++b) {
    if (count[b] > 0) ece += std::abs(correct[b] - confidence_sum[b]) / double(predictions.size());
  }
  return ece;
}

void ApplyTemperature(std::vector<float>& probabilities, double temperature) {
  if (temperature == 1.0 || probabilities.empty()) return;
  const double inverse = 1.0 / temperature;
  double max_z = -INFINITY;
  for (float p : probabilities) {
    if (p > 0) max_z = std::max(max_z, std::log(double(p)) * inverse);
  }
  if (max_z == -INFINITY) return;  // all zero: nothing to scale
  double total = 0;
  std::vector<double> e(probabilities.size(), 0.0);
  for (size_t i = 0; i < probabilities.size(); ++i) {
    if (probabilities[i] > 0) total += (e[i] = std::exp(std::log(double(probabilities[i])) * inverse - max_z));
  }
  for (size_t i = 0; i < probabilities.size(); ++i) probabilities[i] = float(e[i] / total);
}

TestPrediction ApplyTemperature(TestPrediction prediction, double temperature) {
  if (temperature == 1.0) return prediction;  // as is, not through float
  std::vector<float> p;
  for (double c : ClassProbabilities(prediction)) p.push_back(float(c));
  ApplyTemperature(p, temperature);
  for (size_t i = 0; i < prediction.confidence_pct.size(); ++i) prediction.confidence_pct[i] = 100.0 * p[i];
  prediction.background_pct = 100.0 * p.back();
  return prediction;
}

double FitTemperature(const std::vector<TestPrediction>& predictions, TemperatureRange range) {
  if (predictions.empty()) return 1.0;
  std::vector<std::vector<double>> logs;
  for (const TestPrediction& p : predictions) {
    std::vector<double> l;
    for (double c : ClassProbabilities(p)) l.push_back(SafeLog(c));
    logs.push_back(std::move(l));
  }
  auto nll = [&](double log_t) {
    double sum = 0;
    for (size_t i = 0; i < predictions.size(); ++i) {
      sum -= TemperedLogProbability(logs[i], predictions[i].true_class, std::exp(-log_t));
    }
    return sum / double(predictions.size());
  };
  // Golden section on log T: unimodal there, as a monotone change of 1/T.
  const double ratio = (std::sqrt(5.0) - 1) / 2;
  double lo = std::log(range.min), hi = std::log(range.max);
  double a = hi - ratio * (hi - lo), b = lo + ratio * (hi - lo);
  double fa = nll(a), fb = nll(b);
  for (int i = 0; i < 80 && hi - lo > 1e-6; ++i) {
    if (fa <= fb) {
      hi = b, b = a, fb = fa;
      a = hi - ratio * (hi - lo), fa = nll(a);
    } else {
      lo = a, a = b, fa = fb;
      b = lo + ratio * (hi - lo), fb = nll(b);
    }
  }
  const double best = (lo + hi) / 2;
  // The ends are candidates too: the search narrows towards them without reaching them.
  double t = std::exp(best), f = nll(best);
  for (double end : {std::log(range.min), std::log(range.max)}) {
    if (nll(end) < f) f = nll(end), t = std::exp(end);
  }
  return t;
}

double TrainingTemperature(const std::vector<TestPrediction>& held_out, TemperatureRange range) {
  return int(held_out.size()) < kMinCalibrationImages ? 1.0 : FitTemperature(held_out, range);
}

Json CalibrationToJson(const std::vector<TestPrediction>& held_out, double temperature) {
  std::vector<TestPrediction> tempered;
  for (const TestPrediction& p : held_out) tempered.push_back(ApplyTemperature(p, temperature));
  return {{"bins", kCalibrationBins},
          {"images", held_out.size()},
          {"temperature", temperature},
          {"ece", ExpectedCalibrationError(tempered)},
          {"ece_uncalibrated", ExpectedCalibrationError(held_out)}};
}

}  // namespace labelloop::model
