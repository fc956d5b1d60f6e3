#include "flows/system_state.h"

namespace labelloop::flows {

Result<nlohmann::json> SystemState::Read() {
  ASSIGN_OR_RETURN(nlohmann::json value, params_->GetJson(params::kForSystemUseOnly));
  if (!value.is_object()) value = nlohmann::json::object();
  return value;
}

Status SystemState::Update(const std::function<void(nlohmann::json&)>& change) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(nlohmann::json value, Read());
  change(value);
  return params_->SetSystem(params::kForSystemUseOnly, value.dump()).status();
}

}  // namespace labelloop::flows
