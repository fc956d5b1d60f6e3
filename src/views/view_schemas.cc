#include "views/view_schemas.h"

#include "views/account_view.h"
#include "views/execution_view.h"
#include "views/model_version_view.h"
#include "views/parameter_view.h"
#include "views/schedule_view.h"

namespace labelloop::views {

Json ViewSchemas() {
  return {{"ModelVersion", ModelVersionSchema()},
          {"ModelVersionDetail", ModelVersionDetailSchema()},
          {"Evaluation", EvaluationSchema()},
          {"Execution", ExecutionSchema()},
          {"ExecutionEvent", ExecutionEventSchema()},
          {"ExecutionDetail", ExecutionDetailSchema()},
          {"Parameter", ParameterSchema()},
          {"ParameterValue", ParameterValueSchema()},
          {"Schedule", ScheduleSchema()},
          {"User", UserSchema()},
          {"Token", TokenSchema()},
          {"Role", RoleSchema()}};
}

}  // namespace labelloop::views
