// The labels-to-target curve's figures (bench/labels_curve.cc): the points of an arm, the
// answers an arm needed to reach an F1, the printed table and the PNG plot. Pure functions
// apart from the file PlotCurves writes; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace labelloop::bench {

// The held-out figures after a retrain that followed `answers` reviewer answers.
struct CurvePoint {
  int answers = 0;
  double answers_per_label = 0;
  double macro_f1 = 0;
  double auroc_none = -1;     // -1: no none/ images scored
  double auroc_unknown = -1;  // -1: no unknown/ images scored
};

struct Curve {
  std::string arm;  // "product" or "random"
  int seed = 0;
  std::vector<CurvePoint> points;  // by answers, ascending
};

// The fewest answers after which `curve` has macro-F1 >= `f1`; nullopt when it never does.
std::optional<int> AnswersToReach(const Curve& curve, double f1);

// The table: one row per answers value, the arms' macro-F1 and AUROCs side by side.
std::string FormatCurveTable(const std::vector<Curve>& curves);

// Draws macro-F1 against answers per label, one line per curve (product blue, random
// grey), the target F1 as a horizontal line and the answers allowed (`allowed_per_label`)
// as a vertical one, to a PNG at `path`. Internal when it cannot be written.
Status PlotCurves(const std::vector<Curve>& curves, const std::string& title, double target_f1, double allowed_per_label,
                  const std::string& path);

}  // namespace labelloop::bench
