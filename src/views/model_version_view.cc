#include "views/model_version_view.h"

namespace labelloop::views {

Json ModelVersionJson(const db::ModelVersion& v) {
  return {{"version", v.name},
          {"name", v.name},
          {"status", v.status},
          {"status_message", v.status_message},
          {"created", TimeValue(v.created_ms)},
          {"finished", TimeValue(v.finished_ms)},
          {"labels", v.labels},
          {"training_image_count", v.training_image_count},
          {"test_image_count", v.test_image_count},
          {"f1", v.f1 ? Json(*v.f1) : Json(nullptr)},
          {"manifest_key", v.manifest_key},
          {"evaluation_key", v.evaluation_key},
          {"artifact_key", v.artifact_key},
          {"backbone_id", v.backbone_id}};
}

Json ModelVersionDetailJson(const db::ModelVersion& version, Json evaluation) {
  Json json = ModelVersionJson(version);
  json["evaluation"] = std::move(evaluation);
  return json;
}

Json ModelVersionSchema() {
  return ObjectSchema(
      "A model version: a classifier trained on one manifest, with its lifecycle status.",
      {{"version", StringSchema("the version's name, e.g. labelloop.2026-11-26T00.32.25")},
       {"name", Alias(StringSchema(), "version")},
       {"status", EnumSchema({"TRAINING_IN_PROGRESS", "TRAINING_COMPLETED", "TRAINING_FAILED", "STARTING", "RUNNING",
                              "STOPPING", "STOPPED"})},
       {"status_message", StringSchema("why the status is what it is (errors, skipped images)")},
       {"created", TimeSchema()},
       {"finished", Nullable(TimeSchema("when training ended (completed or failed)"))},
       {"labels", ArraySchema(StringSchema(), "the labels, sorted")},
       {"training_image_count", IntegerSchema()},
       {"test_image_count", IntegerSchema()},
       {"f1", Nullable(NumberSchema("macro F1 on the test split, 0-1"))},
       {"manifest_key", StringSchema("bucket key of the manifest it was trained on")},
       {"evaluation_key", StringSchema("bucket key of its evaluation JSON")},
       {"artifact_key", StringSchema("bucket key of the trained model")},
       {"backbone_id", StringSchema("the backbone its feature maps came from")}});
}

Json ModelVersionDetailSchema() {
  return ExtendObjectSchema(ModelVersionSchema(), {{"evaluation", Nullable(SchemaRef("Evaluation"))}});
}

Json EvaluationSchema() {
  Json label = ObjectSchema("one label's one-vs-rest metrics on the test split",
                            {{"name", StringSchema()},
                             {"precision", NumberSchema()},
                             {"recall", NumberSchema()},
                             {"f1", NumberSchema()},
                             {"support", IntegerSchema("test images of the label")},
                             {"assumed_threshold", NumberSchema("confidence (0-100) that maximises the label's F1")}});
  Json image = ObjectSchema(
      "one held-out test image",
      {{"image", StringSchema()},
       {"true_label", StringSchema()},
       {"predicted_label", StringSchema("a label, or (none) when the background class won")},
       {"confidence", NumberSchema("confidence of the predicted label, 0-100")},
       {"true_label_confidence", NumberSchema()},
       {"scores", {{"type", "object"}, {"additionalProperties", NumberSchema()},
                   {"description", "every label's confidence (0-100); absent in evaluations made before it was added"}},
        false}});
  Json calibration = ObjectSchema(
      "how well the top confidence (over the labels and the background) matches how often it is right, on the "
      "held-out images (none_of_the_above ones count as right when the background wins); absent in evaluations "
      "made before it was added",
      {{"bins", IntegerSchema("equal-width confidence bins over 0-100")},
       {"images", IntegerSchema("held-out images it was measured on")},
       {"temperature", NumberSchema("the version's temperature (1: its confidences are the ensemble's as trained)")},
       {"ece", NumberSchema("expected calibration error in points (0-100) at the temperature: what detect reports")},
       {"ece_uncalibrated", NumberSchema("the same at temperature 1")}});
  Json schema = ObjectSchema(
      "The evaluation of a model version on its held-out test split.",
      {{"macro_f1", NumberSchema()},
       {"accuracy", NumberSchema()},
       {"test_image_count", IntegerSchema()},
       {"labels", ArraySchema(std::move(label))},
       {"confusion_matrix", ObjectSchema("counts[true][predicted]",
                                         {{"true_labels", ArraySchema(StringSchema())},
                                          {"predicted_labels", ArraySchema(StringSchema())},
                                          {"counts", ArraySchema(ArraySchema(IntegerSchema()))}}),
        false},
       {"test_images", ArraySchema(std::move(image)), false},
       {"cross_validation", AnySchema("k-fold cross-validation, when a label has few images"), false},
       {"none_of_the_above", AnySchema("held-out photos of none of the labels, reported as negatives"), false},
       {"calibration", std::move(calibration), false}});
  schema["additionalProperties"] = true;  // later trainings may add figures
  return schema;
}

}  // namespace labelloop::views
