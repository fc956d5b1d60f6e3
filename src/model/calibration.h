// Whether confidences mean what they say: the expected calibration error of the top class,
// and temperature scaling of the ensemble's probabilities, fitted on held-out predictions.
// The top class is the arg-max over the labels and the background (what Evaluate predicts);
// temperature never changes it. Pure functions; thread-safe.
#pragma once

#include <vector>

#include "model/evaluation.h"

namespace labelloop::model {

inline constexpr int kCalibrationBins = 15;

// Expected calibration error, in points (0-100), of the top-class confidence: each
// prediction goes to one of `bins` equal-width bins over 0-100 by that confidence (bin b
// holds [b, b+1) * 100/bins, the last one also 100), and each bin adds |accuracy - mean
// confidence| (in points) weighted by its share of the predictions. A prediction is right
// when its top class is its true_class; true_class == confidence_pct.size() means none of
// the labels (a none_of_the_above or open-set image), so there the background winning is
// right. 0 for no predictions. REQUIRES: bins >= 1.
double ExpectedCalibrationError(const std::vector<TestPrediction>& predictions, int bins = kCalibrationBins);

// Temperature scaling of an ensemble's mean class probabilities p (labels, then the
// background): p_i^(1/T) / sum_j p_j^(1/T), i.e. softmax(log p / T). T > 1 softens, T < 1
// sharpens, T = 1 changes nothing, and the order of the classes never changes (so neither
// does the predicted class, nor macro F1). `probabilities` sum to 1; a zero stays zero.
void ApplyTemperature(std::vector<float>& probabilities, double temperature);
// The same on an evaluation record (percentages, the background's included).
TestPrediction ApplyTemperature(TestPrediction prediction, double temperature);

// Where a fit may go. A held-out split with no error would sharpen without end; 0.25 (the
// ratio of two classes' probabilities raised to the 4th power at most) is below every fit
// measured (0.30-0.50 on the benchmarks, docs/experiments.md "Calibration").
struct TemperatureRange {
  double min = 0.25;
  double max = 8.0;
};

// The temperature in `range` that minimises the mean negative log-likelihood of the true
// classes (true_class == labels: the background) over `predictions`; 1 when there are none.
// The log-likelihood is concave in 1/T, so a golden-section search on log T finds it.
double FitTemperature(const std::vector<TestPrediction>& predictions, TemperatureRange range = {});

// Fewer held-out images than this fit no temperature: a handful of images says little
// about how often a confidence is right.
inline constexpr int kMinCalibrationImages = 20;

// Training's temperature for a version: fitted on its held-out predictions (labelled and
// none_of_the_above), or 1 when there are fewer than kMinCalibrationImages.
double TrainingTemperature(const std::vector<TestPrediction>& held_out, TemperatureRange range = {});

// The evaluation's "calibration" object: {"bins", "images", "temperature", "ece" (at the
// temperature), "ece_uncalibrated" (at 1)}, from the held-out predictions as scored (before
// the temperature), none_of_the_above images included.
Json CalibrationToJson(const std::vector<TestPrediction>& held_out, double temperature);

}  // namespace labelloop::model
