#include "model/onnx_export.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

namespace labelloop::model {
namespace {

// OpenCV 4.6 reads opset-10 forms (Clip and Pad with attributes); every operator added
// here means the same in opsets 10 to 12, so the backbone's opset is kept when higher.
constexpr int64_t kMinOpset = 10;
constexpr int64_t kMinIrVersion = 5;  // the IR version of opset 10

onnx::NodeProto* AddNode(onnx::GraphProto& g, const std::string& op, const std::vector<std::string>& inputs,
                         const std::string& output) {
  onnx::NodeProto* n = g.add_node();
  n->set_op_type(op);
  n->set_name(output);  // OpenCV names layers after nodes: every name is unique here
  for (const auto& i : inputs) n->add_input(i);
  n->add_output(output);
  return n;
}

void SetInts(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& values) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

void SetInt(onnx::NodeProto* n, const std::string& name, int64_t value) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void AddFloats(onnx::GraphProto& g, const std::string& name, const std::vector<int64_t>& dims,
               const std::vector<float>& values) {
  onnx::TensorProto* t = g.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  t->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
}

void AddInt64s(onnx::GraphProto& g, const std::string& name, const std::vector<int64_t>& values) {
  onnx::TensorProto* t = g.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(int64_t(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
}

void AddTensorInfo(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list, const std::string& name,
                   const std::vector<int64_t>& dims) {
  onnx::ValueInfoProto* v = list->Add();
  v->set_name(name);
  onnx::TypeProto_Tensor* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
}

// The part of a backbone graph that computes the wanted outputs.
struct BackboneSlice {
  std::vector<const onnx::NodeProto*> nodes;  // in the graph's (topological) order
  std::vector<std::string> output_tensors;    // one per wanted output
  std::set<std::string> initializers;         // initializers those nodes read
  std::string image_input;                    // the graph input they read
};

// Config output names name layers (nodes) the way OpenCV does; a tensor name works too.
Result<BackboneSlice> SliceBackbone(const onnx::GraphProto& g, const std::vector<std::string>& outputs) {
  std::map<std::string, int> producer;
  std::map<std::string, int> by_name;
  for (int i = 0; i < g.node_size(); ++i) {
    for (const auto& o : g.node(i).output()) producer[o] = i;
    if (!g.node(i).name().empty()) by_name[g.node(i).name()] = i;
  }
  std::set<std::string> initializers;
  for (const auto& t : g.initializer()) initializers.insert(t.name());
  BackboneSlice slice;
  std::vector<std::string> stack;
  for (const auto& name : outputs) {
    if (auto it = by_name.find(name); it != by_name.end() && g.node(it->second).output_size() > 0) {
      slice.output_tensors.push_back(g.node(it->second).output(0));
    } else if (producer.count(name)) {
      slice.output_tensors.push_back(name);
    } else {
      return InvalidArgumentError(fmt::format("the backbone has no layer '{}'", name));
    }
    stack.push_back(slice.output_tensors.back());
  }
  std::set<int> kept;
  std::set<std::string> seen;
  while (!stack.empty()) {
    std::string tensor = std::move(stack.back());
    stack.pop_back();
    if (tensor.empty() || !seen.insert(tensor).second) continue;
    if (initializers.count(tensor)) {
      slice.initializers.insert(tensor);
    } else if (auto it = producer.find(tensor); it != producer.end()) {
      if (kept.insert(it->second).second) {
        for (const auto& i : g.node(it->second).input()) stack.push_back(i);
      }
    } else if (slice.image_input.empty() || slice.image_input == tensor) {
      slice.image_input = tensor;
    } else {
      return InvalidArgumentError(fmt::format("the backbone reads two inputs ('{}' and '{}'); one image input is supported",
                                              slice.image_input, tensor));
    }
  }
  if (slice.image_input.empty()) return InvalidArgumentError("the backbone outputs do not depend on an input");
  for (int i : kept) slice.nodes.push_back(&g.node(i));
  return slice;
}

// input (RGB, 0-255) -> the backbone's input: one 1x1 convolution does the channel order,
// scale and mean at once.
void AddPreprocessingWeights(onnx::GraphProto& g, const OnnxExportSpec& spec) {
  std::vector<float> w(9, 0.0f);
  for (int o = 0; o < 3; ++o) w[o * 3 + (spec.swap_rb ? o : 2 - o)] = float(spec.scale);
  AddFloats(g, "preprocess/W", {3, 3, 1, 1}, w);
  AddFloats(g, "preprocess/B", {3}, std::vector<float>(3, float(-spec.mean)));
}

void AddPreprocessing(onnx::GraphProto& g, const std::string& input, const std::string& output) {
  onnx::NodeProto* n = AddNode(g, "Conv", {input, "preprocess/W", "preprocess/B"}, output);
  SetInts(n, "kernel_shape", {1, 1});
}

// Copies the slice under `prefix`, reading `image`; returns the feature tensor.
std::string AddBackboneCopy(onnx::GraphProto& g, const BackboneSlice& slice, const std::string& prefix,
                            const std::string& image) {
  auto rename = [&](const std::string& t) {
    if (t.empty() || slice.initializers.count(t)) return t;
    return t == slice.image_input ? image : prefix + t;
  };
  for (const onnx::NodeProto* source : slice.nodes) {
    onnx::NodeProto* n = g.add_node();
    *n = *source;
    n->set_name(prefix + (source->name().empty() ? source->output(0) : source->name()));
    for (int i = 0; i < n->input_size(); ++i) n->set_input(i, rename(n->input(i)));
    for (int i = 0; i < n->output_size(); ++i) n->set_output(i, rename(n->output(i)));
  }
  if (slice.output_tensors.size() == 1) return rename(slice.output_tensors[0]);
  std::vector<std::string> parts;
  for (const auto& t : slice.output_tensors) parts.push_back(rename(t));
  SetInt(AddNode(g, "Concat", parts, prefix + "features"), "axis", 1);
  return prefix + "features";
}

// The ensemble as two convolutions: conv1 of every member stacked, conv2 grouped per member.
void AddHeadWeights(onnx::GraphProto& g, const std::vector<HeadWeights>& heads) {
  std::vector<float> w1, b1, w2, b2;
  for (const auto& h : heads) {
    w1.insert(w1.end(), h.conv1_weight.begin(), h.conv1_weight.end());
    b1.insert(b1.end(), h.conv1_bias.begin(), h.conv1_bias.end());
    w2.insert(w2.end(), h.conv2_weight.begin(), h.conv2_weight.end());
    b2.insert(b2.end(), h.conv2_bias.begin(), h.conv2_bias.end());
  }
  const HeadWeights& h = heads[0];
  const int64_t m = int64_t(heads.size());
  AddFloats(g, "head/conv1/W", {m * h.hidden, h.in_channels, h.kernel, h.kernel}, w1);
  AddFloats(g, "head/conv1/B", {m * h.hidden}, b1);
  AddFloats(g, "head/conv2/W", {m * h.classes, h.hidden, 1, 1}, w2);
  AddFloats(g, "head/conv2/B", {m * h.classes}, b2);
}

// Features -> every member's class scores at every location, flattened: [1, M*C, 1, h*w].
std::string AddHead(onnx::GraphProto& g, const HeadWeights& h, int64_t members, const std::string& prefix,
                    const std::string& features) {
  onnx::NodeProto* c1 = AddNode(g, "Conv", {features, "head/conv1/W", "head/conv1/B"}, prefix + "head/conv1");
  SetInts(c1, "kernel_shape", {h.kernel, h.kernel});
  SetInts(c1, "pads", {h.kernel / 2, h.kernel / 2, h.kernel / 2, h.kernel / 2});
  AddNode(g, "Relu", {prefix + "head/conv1"}, prefix + "head/relu");
  onnx::NodeProto* c2 = AddNode(g, "Conv", {prefix + "head/relu", "head/conv2/W", "head/conv2/B"}, prefix + "head/conv2");
  SetInts(c2, "kernel_shape", {1, 1});
  SetInt(c2, "group", members);
  AddNode(g, "Reshape", {prefix + "head/conv2", "pool/flat_shape"}, prefix + "head/scores");
  return prefix + "head/scores";
}

// [1, C] mean probabilities -> softmax(log p / T), as ApplyTemperature computes it.
std::string AddTemperature(onnx::GraphProto& g, double temperature, const std::string& probabilities) {
  AddFloats(g, "calibration/inv_t", {}, {float(1.0 / temperature)});
  AddNode(g, "Log", {probabilities}, "calibration/log");
  AddNode(g, "Mul", {"calibration/log", "calibration/inv_t"}, "calibration/logits");
  SetInt(AddNode(g, "Softmax", {"calibration/logits"}, "calibration/probs"), "axis", 1);
  return "calibration/probs";
}

// [1, M*C, 1, N] location scores -> [1, labels] confidences: (1/r) log(mean exp(r z)) per
// member and class (shifted by the max, as PoolAndSoftmax does), softmax per member, mean
// over members, the temperature, background dropped, times 100.
void AddPooling(onnx::GraphProto& g, const HeadWeights& h, int64_t members, int64_t labels, double temperature,
                const std::vector<std::string>& scores) {
  const float r = h.lse_sharpness;
  AddFloats(g, "pool/r", {}, {r});
  AddFloats(g, "pool/inv_r", {}, {1.0f / r});
  AddInt64s(g, "pool/member_class", {members, h.classes});
  AddFloats(g, "pool/member_mean", {members, 1}, std::vector<float>(members, 1.0f / float(members)));
  AddInt64s(g, "pool/row", {1, h.classes});
  AddInt64s(g, "pool/start", {0});
  AddInt64s(g, "pool/end", {labels});
  AddInt64s(g, "pool/axis", {1});
  AddFloats(g, "pool/percent", {}, {100.0f});
  SetInt(AddNode(g, "Concat", scores, "pool/z"), "axis", 3);
  AddNode(g, "GlobalMaxPool", {"pool/z"}, "pool/max");
  AddNode(g, "Sub", {"pool/z", "pool/max"}, "pool/shifted");
  AddNode(g, "Mul", {"pool/shifted", "pool/r"}, "pool/scaled");
  AddNode(g, "Exp", {"pool/scaled"}, "pool/exp");
  AddNode(g, "GlobalAveragePool", {"pool/exp"}, "pool/mean_exp");
  AddNode(g, "Log", {"pool/mean_exp"}, "pool/log");
  AddNode(g, "Mul", {"pool/log", "pool/inv_r"}, "pool/lse");
  AddNode(g, "Add", {"pool/lse", "pool/max"}, "pool/logits4d");
  AddNode(g, "Reshape", {"pool/logits4d", "pool/member_class"}, "pool/logits");
  SetInt(AddNode(g, "Softmax", {"pool/logits"}, "pool/probs"), "axis", 1);
  // OpenCV's MatMul wants the constant second: mean over members as [C, M] x [M, 1].
  SetInts(AddNode(g, "Transpose", {"pool/probs"}, "pool/probs_t"), "perm", {1, 0});
  AddNode(g, "MatMul", {"pool/probs_t", "pool/member_mean"}, "pool/mean_t");
  AddNode(g, "Reshape", {"pool/mean_t", "pool/row"}, "pool/mean");
  const std::string probabilities = temperature == 1.0 ? "pool/mean" : AddTemperature(g, temperature, "pool/mean");
  AddNode(g, "Slice", {probabilities, "pool/start", "pool/end", "pool/axis"}, "pool/labels");
  AddNode(g, "Mul", {"pool/labels", "pool/percent"}, kOnnxOutputName);
}

Status CheckSpec(const OnnxExportSpec& spec) {
  if (spec.heads.empty()) return InvalidArgumentError("no heads to export");
  if (spec.sizes.empty()) return InvalidArgumentError("no input sizes to export");
  if (spec.backbone_outputs.empty()) return InvalidArgumentError("no backbone outputs to export");
  const HeadWeights& first = spec.heads[0];
  for (const auto& h : spec.heads) {
    RETURN_IF_ERROR(h.Validate());
    if (h.in_channels != first.in_channels || h.hidden != first.hidden || h.kernel != first.kernel ||
        h.classes != first.classes || h.lse_sharpness != first.lse_sharpness) {
      return InvalidArgumentError("the ensemble's heads differ in shape; one export needs one shape");
    }
  }
  if (first.classes != int(spec.labels.size()) + 1) {
    return InvalidArgumentError(fmt::format("heads have {} classes for {} labels", first.classes, spec.labels.size()));
  }
  for (int s : spec.sizes) {
    if (s <= 0) return InvalidArgumentError(fmt::format("bad input size {}", s));
  }
  if (!(spec.temperature > 0) || !std::isfinite(spec.temperature)) {
    return InvalidArgumentError(fmt::format("bad temperature {}", spec.temperature));
  }
  return OkStatus();
}

}  // namespace

std::string OnnxInputName(int size) { return fmt::format("image_{}", size); }

Result<std::string> BuildOnnxModel(const OnnxExportSpec& spec) {
  RETURN_IF_ERROR(CheckSpec(spec));
  onnx::ModelProto backbone;
  if (!backbone.ParseFromString(spec.backbone_onnx) || !backbone.has_graph()) {
    return InvalidArgumentError("the backbone file is not an ONNX model");
  }
  ASSIGN_OR_RETURN(BackboneSlice slice, SliceBackbone(backbone.graph(), spec.backbone_outputs));

  onnx::ModelProto model;
  model.set_ir_version(std::max<int64_t>(backbone.ir_version(), kMinIrVersion));
  model.set_producer_name("labelloop");
  model.set_model_version(1);
  model.set_doc_string(
      "labelloop model version: inputs image_<size> are RGB images letterboxed to size x size "
      "(float 0-255, NCHW); output confidences[0][i] is labels[i]'s confidence, 0-100. See metadata.");
  bool default_domain = false;
  for (const auto& op : backbone.opset_import()) {
    onnx::OperatorSetIdProto* copy = model.add_opset_import();
    *copy = op;
    if (op.domain().empty() || op.domain() == "ai.onnx") {
      default_domain = true;
      copy->set_version(std::max(op.version(), kMinOpset));
    }
  }
  if (!default_domain) model.add_opset_import()->set_version(kMinOpset);
  for (const auto& [key, value] : spec.metadata) {
    onnx::StringStringEntryProto* p = model.add_metadata_props();
    p->set_key(key);
    p->set_value(value);
  }

  onnx::GraphProto& g = *model.mutable_graph();
  g.set_name("labelloop");
  for (const auto& t : backbone.graph().initializer()) {
    if (slice.initializers.count(t.name())) *g.add_initializer() = t;
  }
  AddPreprocessingWeights(g, spec);
  AddHeadWeights(g, spec.heads);
  const HeadWeights& h = spec.heads[0];
  const int64_t members = int64_t(spec.heads.size());
  AddInt64s(g, "pool/flat_shape", {1, members * h.classes, 1, -1});
  std::vector<std::string> scores;
  for (int size : spec.sizes) {
    const std::string input = OnnxInputName(size);
    const std::string prefix = fmt::format("s{}/", size);
    AddTensorInfo(g.mutable_input(), input, {1, 3, size, size});
    AddPreprocessing(g, input, prefix + "input");
    std::string features = AddBackboneCopy(g, slice, prefix, prefix + "input");
    scores.push_back(AddHead(g, h, members, prefix, features));
  }
  AddPooling(g, h, members, int64_t(spec.labels.size()), spec.temperature, scores);
  AddTensorInfo(g.mutable_output(), kOnnxOutputName, {1, int64_t(spec.labels.size())});

  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    return InternalError(fmt::format("the exported model fails the ONNX checker: {}", e.what()));
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) return InternalError("serializing the exported ONNX model failed");
  return bytes;
}

}  // namespace labelloop::model
