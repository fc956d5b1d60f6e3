#include "model/dataset_split.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "common/content_hash.h"

namespace labelloop::model {
namespace {

// Items of each label, ordered by a seeded hash of their content.
std::map<int, std::vector<size_t>> OrderedByLabel(const std::vector<SplitItem>& items, uint64_t seed) {
  std::map<int, std::vector<std::pair<std::string, size_t>>> keyed;
  for (size_t i = 0; i < items.size(); ++i) {
    keyed[items[i].class_index].emplace_back(Sha256Hex(std::to_string(seed) + ":" + items[i].content_hash), i);
  }
  std::map<int, std::vector<size_t>> out;
  for (auto& [label, v] : keyed) {
    std::sort(v.begin(), v.end());
    for (const auto& p : v) out[label].push_back(p.second);
  }
  return out;
}

}  // namespace

std::vector<bool> SplitTrainTest(const std::vector<SplitItem>& items, double test_fraction, uint64_t seed) {
  std::vector<bool> test(items.size(), false);
  for (const auto& [label, order] : OrderedByLabel(items, seed)) {
    if (order.size() < 2) continue;
    size_t n_test = std::max<size_t>(1, size_t(std::lround(order.size() * test_fraction)));
    n_test = std::min(n_test, order.size() - 1);
    for (size_t i = 0; i < n_test; ++i) test[order[i]] = true;
  }
  return test;
}

std::vector<int> AssignFolds(const std::vector<SplitItem>& items, int folds, uint64_t seed) {
  std::vector<int> fold(items.size(), 0);
  int offset = 0;
  for (const auto& [label, order] : OrderedByLabel(items, seed)) {
    // Continue the round-robin across labels so small labels do not all start at fold 0.
    for (size_t i = 0; i < order.size(); ++i) fold[order[i]] = int((offset + i) % folds);
    offset = int((offset + order.size()) % folds);
  }
  return fold;
}

}  // namespace labelloop::model
