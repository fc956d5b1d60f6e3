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

// The item's place in [0, 1) by the same seeded hash (its first 52 bits), so it agrees
// with the order above.
double HashPosition(const SplitItem& item, uint64_t seed) {
  std::string hex = Sha256Hex(std::to_string(seed) + ":" + item.content_hash).substr(0, 13);
  return double(std::stoull(hex, nullptr, 16)) / double(uint64_t(1) << 52);
}

}  // namespace

std::vector<bool> SplitTrainTest(const std::vector<SplitItem>& items, double test_fraction, uint64_t seed) {
  std::vector<bool> test(items.size(), false);
  for (const auto& [label, order] : OrderedByLabel(items, seed)) {
    if (order.size() < 2) continue;
    // Test when the item's own seeded hash falls in the first test_fraction of the hash
    // range, so the side does not depend on the other items (taking the first n of the
    // label's order would push an old test item into training whenever a new item sorts
    // before it).
    size_t n_test = 0;
    for (size_t i : order) {
      test[i] = HashPosition(items[i], seed) < test_fraction;
      n_test += test[i];
    }
    // Small labels: keep at least one image on each side.
    if (n_test == 0) test[order.front()] = true;
    if (n_test == order.size()) test[order.back()] = false;
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
