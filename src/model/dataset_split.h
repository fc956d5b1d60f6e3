// Stratified, seeded train/test split and k-fold assignment. Stable across retrains: an
// image's side depends only on its content hash and the seed, not on what else is in the
// folder, so adding images never moves old test images into training (except in a tiny
// label, see SplitTrainTest). Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace labelloop::model {

struct SplitItem {
  std::string content_hash;
  int class_index = 0;
};

// For each item, true when it is in the test split: about n * test_fraction of each label's
// n images, chosen by seeded hash alone. A label with n >= 2 images always has at least one
// image on each side (in a label so small that its hashes put none, or all, in the test
// split, the lowest hash goes to test, or the highest stays in training: only then can a
// later upload move an old image); a label with one image keeps it for training.
std::vector<bool> SplitTrainTest(const std::vector<SplitItem>& items, double test_fraction, uint64_t seed);

// Fold index 0..folds-1 per item, stratified per label (each label spread over the folds).
std::vector<int> AssignFolds(const std::vector<SplitItem>& items, int folds, uint64_t seed);

}  // namespace labelloop::model
