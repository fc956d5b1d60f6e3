#include "params/parameter_store.h"

#include <fmt/format.h>

#include <charconv>
#include <map>

namespace labelloop::params {
namespace {

ParameterValue FromChange(const db::ParamChange& change) {
  return {change.name, change.value, change.version, change.modified_ms, change.modified_by};
}

ParameterValue DefaultOf(const ParameterDefinition& definition) {
  return {definition.name, definition.default_value, 0, 0, ""};
}

Result<const ParameterDefinition*> Definition(std::string_view name) {
  const ParameterDefinition* definition = FindParameterDefinition(name);
  if (definition == nullptr) return UnknownParameterError(name);
  return definition;
}

}  // namespace

ParameterStore::ParameterStore(db::ParamDb* db, const Clock* clock) : db_(db), clock_(clock) {}

Status ParameterStore::EnsureDefaults() {
  ASSIGN_OR_RETURN(std::vector<db::ParamChange> latest, db_->ListLatest());
  std::map<std::string, bool, std::less<>> written;
  for (const db::ParamChange& change : latest) written[change.name] = true;
  for (const ParameterDefinition& definition : ParameterDefinitions()) {
    if (written.count(definition.name)) continue;
    Result<std::optional<db::ParamChange>> first = db_->AppendFirstVersion(
        definition.name, definition.default_value, clock_->NowMs(), std::string(kSystemActor));
    if (!first.ok()) return first.status().WithContext(fmt::format("writing the default of {}", definition.name));
  }
  return OkStatus();
}

Result<std::vector<ParameterValue>> ParameterStore::List() {
  ASSIGN_OR_RETURN(std::vector<db::ParamChange> latest, db_->ListLatest());
  std::map<std::string, const db::ParamChange*, std::less<>> by_name;
  for (const db::ParamChange& change : latest) by_name[change.name] = &change;
  std::vector<ParameterValue> values;
  for (const ParameterDefinition& definition : ParameterDefinitions()) {
    auto it = by_name.find(definition.name);
    values.push_back(it == by_name.end() ? DefaultOf(definition) : FromChange(*it->second));
  }
  return values;
}

Result<ParameterValue> ParameterStore::Get(std::string_view name) {
  ASSIGN_OR_RETURN(const ParameterDefinition* definition, Definition(name));
  ASSIGN_OR_RETURN(std::optional<db::ParamChange> latest, db_->FindLatest(definition->name));
  return latest ? FromChange(*latest) : DefaultOf(*definition);
}

Result<ParameterValue> ParameterStore::Set(std::string_view name, std::string_view value, std::string_view actor) {
  ASSIGN_OR_RETURN(const ParameterDefinition* definition, Definition(name));
  if (definition->system_only) return SystemOnlyParameterError(definition->name);
  if (actor.empty()) return InvalidArgumentError(fmt::format("setting {}: the actor (who sets it) is empty", name));
  return Write(*definition, value, actor);
}

Result<ParameterValue> ParameterStore::SetSystem(std::string_view name, std::string_view value) {
  ASSIGN_OR_RETURN(const ParameterDefinition* definition, Definition(name));
  return Write(*definition, value, kSystemActor);
}

Result<ParameterValue> ParameterStore::Write(const ParameterDefinition& definition, std::string_view value,
                                             std::string_view actor) {
  ASSIGN_OR_RETURN(std::string canonical, CanonicalParameterValue(definition, value));
  ASSIGN_OR_RETURN(db::ParamChange change,
                   db_->AppendVersion(definition.name, canonical, clock_->NowMs(), std::string(actor)));
  return FromChange(change);
}

Result<std::vector<ParameterValue>> ParameterStore::History(std::string_view name) {
  ASSIGN_OR_RETURN(const ParameterDefinition* definition, Definition(name));
  ASSIGN_OR_RETURN(std::vector<db::ParamChange> versions, db_->ListVersions(definition->name));
  std::vector<ParameterValue> history;
  history.reserve(versions.size());
  for (const db::ParamChange& change : versions) history.push_back(FromChange(change));
  return history;
}

Result<std::string> ParameterStore::CurrentCanonical(std::string_view name, ParameterType type) {
  ASSIGN_OR_RETURN(const ParameterDefinition* definition, Definition(name));
  const bool widen = type == ParameterType::kFloat && definition->type == ParameterType::kInt;
  if (definition->type != type && !widen) {
    return InvalidArgumentError(fmt::format("{} is a {} parameter, not {}", name, ParameterTypeName(definition->type),
                                            ParameterTypeName(type)));
  }
  ASSIGN_OR_RETURN(ParameterValue current, Get(name));
  Result<std::string> canonical = CanonicalParameterValue(*definition, current.value);
  if (!canonical.ok()) {
    return DataLossError(fmt::format("stored version {} of {} is invalid: {}", current.version, name,
                                     canonical.status().message()));
  }
  return canonical;
}

Result<bool> ParameterStore::GetBool(std::string_view name) {
  ASSIGN_OR_RETURN(std::string value, CurrentCanonical(name, ParameterType::kBool));
  return value == "true";
}

Result<int64_t> ParameterStore::GetInt(std::string_view name) {
  ASSIGN_OR_RETURN(std::string value, CurrentCanonical(name, ParameterType::kInt));
  int64_t v = 0;
  std::from_chars(value.data(), value.data() + value.size(), v);  // canonical: always parses
  return v;
}

Result<double> ParameterStore::GetDouble(std::string_view name) {
  ASSIGN_OR_RETURN(std::string value, CurrentCanonical(name, ParameterType::kFloat));
  double v = 0;
  std::from_chars(value.data(), value.data() + value.size(), v, std::chars_format::fixed);
  return v;
}

Result<nlohmann::json> ParameterStore::GetJson(std::string_view name) {
  ASSIGN_OR_RETURN(std::string value, CurrentCanonical(name, ParameterType::kJson));
  try {
    return nlohmann::json::parse(value);
  } catch (const nlohmann::json::exception& e) {  // cannot happen for a canonical value; kept as a value
    return DataLossError(fmt::format("{}: {}", name, e.what()));
  }
}

}  // namespace labelloop::params
