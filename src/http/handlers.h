// Declarations of every route handler, grouped by the file that defines them. Only the
// route table (route_table.cc) refers to them. Each handler writes its reply on success
// or returns the Status the dispatcher maps to an error reply. Thread-safe (stateless;
// state lives in ServerDeps).
#pragma once

#include "http/route.h"

namespace labelloop::http {

// misc_routes.cc
Status HandleHealth(Call& call);
// openapi_route.cc
Status HandleOpenApi(Call& call);
// metrics_route.cc
Status HandleMetrics(Call& call);
Status HandleReady(Call& call);
Status HandleDashboard(Call& call);
// event_stream.cc
Status HandleStream(Call& call);
// static_routes.cc
Status HandleRootPage(Call& call);
Status HandleConsolePage(Call& call);
Status HandlePortalPage(Call& call);
// objects_routes.cc
Status HandlePutObject(Call& call);
Status HandleUploadObjects(Call& call);
Status HandleListObjects(Call& call);
Status HandleGetObject(Call& call);
Status HandleDeleteObject(Call& call);
// The bucket as S3 (s3_routes.cc).
Status HandleS3ListBuckets(Call& call);
Status HandleS3Bucket(Call& call);
Status HandleS3PutObject(Call& call);
Status HandleS3GetObject(Call& call);
Status HandleS3DeleteObject(Call& call);
// AWS's JSON-protocol services on one endpoint, by X-Amz-Target (aws_json_routes.cc).
Status HandleAwsJson(Call& call);
// parameter_routes.cc
Status HandleListParameters(Call& call);
Status HandleGetParameter(Call& call);
Status HandlePutParameter(Call& call);
Status HandleParameterHistory(Call& call);
// model_routes.cc
Status HandleListModels(Call& call);
Status HandleGetModel(Call& call);
Status HandleGetModelOnnx(Call& call);
Status HandleStartModel(Call& call);
Status HandleStopModel(Call& call);
// detection_routes.cc
Status HandleDetect(Call& call);
Status HandleListDetections(Call& call);
Status HandleGetDetection(Call& call);
Status HandleDetectionHistogram(Call& call);
// execution_routes.cc
Status HandleListExecutions(Call& call);
Status HandleGetExecution(Call& call);
Status HandleGetStateMachine(Call& call);
// notification_routes.cc
Status HandleListNotifications(Call& call);
Status HandleMarkNotificationRead(Call& call);
Status HandleListDeliveries(Call& call);
// schedule_routes.cc
Status HandleListSchedules(Call& call);
Status HandleTriggerSchedule(Call& call);
// review_routes.cc
Status HandleListReviews(Call& call);
Status HandleGetReview(Call& call);
Status HandleClaimReview(Call& call);
Status HandleAnswerReview(Call& call);
Status HandleReleaseReview(Call& call);
Status HandleClaimNextReview(Call& call);
Status HandleAgreement(Call& call);
// session_routes.cc
Status HandleLogin(Call& call);
Status HandleGetSession(Call& call);
Status HandleLogout(Call& call);
Status HandleChangePassword(Call& call);
// user_routes.cc
Status HandleListUsers(Call& call);
Status HandleAddUser(Call& call);
Status HandleRemoveUser(Call& call);
Status HandleSetPassword(Call& call);
Status HandleListTokens(Call& call);
Status HandleCreateToken(Call& call);
Status HandleRevokeToken(Call& call);

}  // namespace labelloop::http
