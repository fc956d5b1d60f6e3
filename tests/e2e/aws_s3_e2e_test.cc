// The bucket as S3, driven by clients nobody here wrote: Debian's AWS CLI (`aws s3 cp
// --recursive`, `ls`, `sync`, `rm`) and boto3, against a real `labelloop serve`, with an
// API token as the access key (id: its name, secret: the token). And the refusals in AWS's
// words: a wrong secret, an unknown key id, a date 20 minutes old, a body that is not the
// signed one, and a consumer token writing outside its prefixes.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <set>
#include <sstream>

#include "../cli/cli_runner.h"
#include "server_process.h"

namespace labelloop::e2e {
namespace {

namespace fs = std::filesystem;
using cli_test::CommandResult;
using cli_test::RunCommand;
using cli_test::RunLabelloopOn;
using cli_test::RunOptions;
using cli_test::ScratchDir;

// Debian's own clients (scripts/install-deps.sh --with-test-tools), never a pip copy on PATH.
constexpr char kAwsCli[] = "/usr/bin/aws";
constexpr char kPython[] = "/usr/bin/python3";

class AwsS3E2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(kAwsCli)) << "Debian's awscli is missing: scripts/install-deps.sh --with-test-tools";
    data_ = scratch_.Sub("data");
    ASSERT_EQ(RunLabelloopOn(data_, {"init"}).exit_code, 0);
    admin_secret_ = CreateToken("ops", "admin");
    consumer_secret_ = CreateToken("camera", "consumer");
    server_ = std::make_unique<ServerProcess>(LABELLOOP_BINARY, data_);
    ASSERT_TRUE(server_->Start()) << server_->log();
    endpoint_ = server_->url() + "/s3";
  }

  std::string CreateToken(const std::string& name, const std::string& role) {
    CommandResult r = RunLabelloopOn(data_, {"tokens", "create", name, "--role", role});
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.LastOutLine();
  }

  // The AWS CLI as `key_id` with `secret`, its config and credential files out of the way.
  CommandResult Aws(std::vector<std::string> args, const std::string& key_id, const std::string& secret,
                    const std::string& service_path = "/s3") {
    std::vector<std::string> argv = {kAwsCli, "--endpoint-url", server_->url() + service_path};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o;
    o.env = {{"AWS_ACCESS_KEY_ID", key_id},     {"AWS_SECRET_ACCESS_KEY", secret},
             {"AWS_DEFAULT_REGION", "eu-west-1"}, {"AWS_CONFIG_FILE", scratch_.Sub("none")},
             {"AWS_SHARED_CREDENTIALS_FILE", scratch_.Sub("none")}, {"AWS_PAGER", ""}};
    o.timeout_s = 180;
    return RunCommand(argv, o);
  }
  CommandResult AwsAsAdmin(std::vector<std::string> args) { return Aws(std::move(args), "ops", admin_secret_); }
  CommandResult Ssm(std::vector<std::string> args, const std::string& key_id, const std::string& secret) {
    args.insert(args.begin(), "ssm");
    return Aws(std::move(args), key_id, secret, "/aws");
  }

  // A boto3 script (argv[1] the endpoint, [2] key id, [3] secret) printing what it checks.
  CommandResult Boto3(const std::string& script, const std::string& key_id, const std::string& secret) {
    cli_test::WriteFileBytes(scratch_.Sub("script.py"), script);
    RunOptions o;
    o.timeout_s = 120;
    return RunCommand({kPython, scratch_.Sub("script.py"), endpoint_, key_id, secret}, o);
  }

  ScratchDir scratch_{"labelloop-aws"};
  std::string data_, admin_secret_, consumer_secret_, endpoint_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(AwsS3E2eTest, TheAwsCliCopiesListsSyncsAndRemovesTheSampleFolders) {
  const std::string labelled = scratch_.Sub("labelled");
  fs::create_directories(labelled);
  for (const char* label : {"amazon_logo", "aws_logo"}) {
    fs::copy(cli_test::ExamplesDir() + "/" + label, labelled + "/" + label, fs::copy_options::recursive);
  }
  CommandResult cp = AwsAsAdmin({"s3", "cp", "--recursive", labelled, "s3://labelloop/images_labeled_by_folder/"});
  ASSERT_EQ(cp.exit_code, 0) << cp;

  // Every file arrived with its bytes, and the native API sees the same objects.
  int files = 0;
  for (const auto& f : fs::recursive_directory_iterator(labelled)) {
    if (!f.is_regular_file()) continue;
    ++files;
    const std::string key = "images_labeled_by_folder/" + fs::relative(f.path(), labelled).string();
    EXPECT_EQ(cli_test::ReadFileBytes(data_ + "/bucket/" + key), cli_test::ReadFileBytes(f.path())) << key;
  }
  ASSERT_GE(files, 10);

  CommandResult ls = AwsAsAdmin({"s3", "ls", "--recursive", "s3://labelloop/images_labeled_by_folder/"});
  ASSERT_EQ(ls.exit_code, 0) << ls;
  EXPECT_EQ(static_cast<int>(ls.OutLines().size()), files) << ls;
  CommandResult top = AwsAsAdmin({"s3", "ls", "s3://labelloop/"});
  ASSERT_EQ(top.exit_code, 0) << top;
  EXPECT_NE(top.out.find("PRE images_labeled_by_folder/"), std::string::npos) << top;
  CommandResult buckets = AwsAsAdmin({"s3", "ls"});
  ASSERT_EQ(buckets.exit_code, 0) << buckets;
  EXPECT_NE(buckets.out.find("labelloop"), std::string::npos) << buckets;

  // ListObjectsV2 pages of 3 (continuation tokens) list every key once.
  CommandResult paged = AwsAsAdmin({"s3api", "list-objects-v2", "--bucket", "labelloop", "--prefix",
                                    "images_labeled_by_folder/", "--page-size", "3", "--query", "Contents[].Key",
                                    "--output", "text"});
  ASSERT_EQ(paged.exit_code, 0) << paged;
  std::istringstream words(paged.out);
  std::set<std::string> keys;
  int listed = 0;
  for (std::string key; words >> key; ++listed) keys.insert(key);
  EXPECT_EQ(listed, files) << paged;
  EXPECT_EQ(static_cast<int>(keys.size()), files) << paged;

  // sync copies back only what is missing; a download has the uploaded bytes.
  const std::string back = scratch_.Sub("back");
  CommandResult sync = AwsAsAdmin({"s3", "sync", "s3://labelloop/images_labeled_by_folder/", back});
  ASSERT_EQ(sync.exit_code, 0) << sync;
  EXPECT_EQ(cli_test::SnapshotTree(back), cli_test::SnapshotTree(labelled));
  CommandResult again = AwsAsAdmin({"s3", "sync", "s3://labelloop/images_labeled_by_folder/", back});
  ASSERT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(again.out, "") << "nothing changed, nothing to copy";

  CommandResult rm = AwsAsAdmin({"s3", "rm", "--recursive", "s3://labelloop/images_labeled_by_folder/aws_logo/"});
  ASSERT_EQ(rm.exit_code, 0) << rm;
  EXPECT_FALSE(fs::exists(data_ + "/bucket/images_labeled_by_folder/aws_logo"));
  EXPECT_TRUE(fs::exists(data_ + "/bucket/images_labeled_by_folder/amazon_logo"));
}

TEST_F(AwsS3E2eTest, Boto3ReadsRangesHeadsAndCopies) {
  const std::string script = R"py(
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2],
                  aws_secret_access_key=sys.argv[3], region_name="us-east-1")
body = bytes(range(256)) * 40
s3.put_object(Bucket="labelloop", Key="images_for_detection/a b+c.bin", Body=body)
head = s3.head_object(Bucket="labelloop", Key="images_for_detection/a b+c.bin")
assert head["ContentLength"] == len(body), head
part = s3.get_object(Bucket="labelloop", Key="images_for_detection/a b+c.bin", Range="bytes=10-19")["Body"].read()
assert part == body[10:20], part
s3.copy_object(Bucket="labelloop", Key="images_for_detection/copy.bin",
               CopySource={"Bucket": "labelloop", "Key": "images_for_detection/a b+c.bin"})
assert s3.get_object(Bucket="labelloop", Key="images_for_detection/copy.bin")["Body"].read() == body
try:
    s3.get_object(Bucket="labelloop", Key="images_for_detection/missing.bin")
    raise SystemExit("a missing key was served")
except s3.exceptions.NoSuchKey:
    pass
print("ok")
)py";
  CommandResult r = Boto3(script, "ops", admin_secret_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.LastOutLine(), "ok") << r;
  EXPECT_TRUE(fs::exists(data_ + "/bucket/images_for_detection/a b+c.bin"));
}

TEST_F(AwsS3E2eTest, BadSignaturesOldDatesTamperedBodiesAndForeignPrefixesAreRefusedInAwsTerms) {
  const std::string image = cli_test::ExamplesDir() + "/inference_images";
  std::string one;
  for (const auto& f : fs::directory_iterator(image)) one = f.path();
  auto refused_with = [](const CommandResult& r, const std::string& code) {
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_NE(r.err.find(code), std::string::npos) << r;
  };
  refused_with(Aws({"s3", "ls", "s3://labelloop/"}, "ops", admin_secret_ + "x"), "SignatureDoesNotMatch");
  refused_with(Aws({"s3", "ls", "s3://labelloop/"}, "nobody", admin_secret_), "InvalidAccessKeyId");
  refused_with(Aws({"s3", "cp", one, "s3://labelloop/evaluation/x.jpg"}, "camera", consumer_secret_), "AccessDenied");
  EXPECT_FALSE(fs::exists(data_ + "/bucket/evaluation/x.jpg"));
  CommandResult allowed = Aws({"s3", "cp", one, "s3://labelloop/images_for_detection/x.jpg"}, "camera", consumer_secret_);
  EXPECT_EQ(allowed.exit_code, 0) << allowed;

  // A signature made 20 minutes ago, and a body swapped after signing (botocore's signer).
  const std::string script = R"py(
import sys, datetime, hashlib, types, urllib.request, urllib.error
import botocore.auth
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
creds = Credentials(sys.argv[2], sys.argv[3])
def send(body, sent_body, when):
    url = sys.argv[1] + "/labelloop/images_for_detection/t.bin"
    req = AWSRequest(method="PUT", url=url, data=body,
                     headers={"x-amz-content-sha256": hashlib.sha256(body).hexdigest()})
    class Then(datetime.datetime):  # the signer's clock, set to `when`
        @classmethod
        def utcnow(cls):
            return when
        @classmethod
        def now(cls, tz=None):
            return when.replace(tzinfo=tz)
    botocore.auth.datetime = types.SimpleNamespace(datetime=Then, timezone=datetime.timezone)
    S3SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
    prepared = urllib.request.Request(url, data=sent_body, method="PUT", headers=dict(req.headers.items()))
    try:
        urllib.request.urlopen(prepared)
        return "200"
    except urllib.error.HTTPError as e:
        return str(e.code) + " " + e.read().decode()
now = datetime.datetime.utcnow()
print("fresh:", send(b"abc", b"abc", now))
print("old:", send(b"abc", b"abc", now - datetime.timedelta(minutes=20)))
print("tampered:", send(b"abc", b"abd", now))
)py";
  CommandResult r = Boto3(script, "ops", admin_secret_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("fresh: 200"), std::string::npos) << r;
  EXPECT_NE(r.out.find("old: 403"), std::string::npos) << r;
  EXPECT_NE(r.out.find("<Code>RequestTimeTooSkewed</Code>"), std::string::npos) << r;
  EXPECT_NE(r.out.find("tampered: 400"), std::string::npos) << r;
  EXPECT_NE(r.out.find("<Code>XAmzContentSHA256Mismatch</Code>"), std::string::npos) << r;
  EXPECT_EQ(cli_test::ReadFileBytes(data_ + "/bucket/images_for_detection/t.bin"), "abc");
}

TEST_F(AwsS3E2eTest, TheAwsCliAndBoto3ReadAndWriteTheParametersThroughSsm) {
  CommandResult off = Ssm({"put-parameter", "--name", "Enable-Automatic-Training", "--value", "false", "--type",
                           "String", "--overwrite"},
                          "ops", admin_secret_);
  ASSERT_EQ(off.exit_code, 0) << off;
  CommandResult get = Ssm({"get-parameter", "--name", "Enable-Automatic-Training", "--query", "Parameter.Value",
                           "--output", "text"},
                          "ops", admin_secret_);
  ASSERT_EQ(get.exit_code, 0) << get;
  EXPECT_EQ(get.LastOutLine(), "false");
  // The native side sees the same value, written by the token.
  CommandResult native = RunLabelloopOn(data_, {"params", "get", "Enable-Automatic-Training", "--json"});
  ASSERT_EQ(native.exit_code, 0) << native;
  EXPECT_NE(native.out.find("\"false\""), std::string::npos) << native;
  EXPECT_NE(native.out.find("aws:ops"), std::string::npos) << native;

  CommandResult described = Ssm({"describe-parameters", "--query", "length(Parameters)"}, "ops", admin_secret_);
  ASSERT_EQ(described.exit_code, 0) << described;
  EXPECT_EQ(described.LastOutLine(), "11");
  CommandResult history = Ssm({"get-parameter-history", "--name", "Enable-Automatic-Training", "--query",
                               "Parameters[-1].Value", "--output", "text"},
                              "ops", admin_secret_);
  ASSERT_EQ(history.exit_code, 0) << history;
  EXPECT_EQ(history.LastOutLine(), "false");

  // What the walkthrough's functions do with boto3: read several parameters at once.
  const std::string script = R"py(
import sys, boto3
ssm = boto3.client("ssm", endpoint_url=sys.argv[1].replace("/s3", "/aws"), aws_access_key_id=sys.argv[2],
                   aws_secret_access_key=sys.argv[3], region_name="us-east-1")
got = ssm.get_parameters(Names=["Enable-Automatic-Training", "Minimum-Untrained-Images", "No-Such-Thing"])
print({p["Name"]: p["Value"] for p in got["Parameters"]}, got["InvalidParameters"])
try:
    ssm.put_parameter(Name="Minimum-Untrained-Images", Value="many", Type="String", Overwrite=True)
except ssm.exceptions.ClientError as e:
    print("refused:", e.response["Error"]["Code"])
)py";
  CommandResult boto = Boto3(script, "ops", admin_secret_);
  ASSERT_EQ(boto.exit_code, 0) << boto;
  EXPECT_NE(boto.out.find("'Enable-Automatic-Training': 'false'"), std::string::npos) << boto;
  EXPECT_NE(boto.out.find("['No-Such-Thing']"), std::string::npos) << boto;
  EXPECT_NE(boto.out.find("refused: ValidationException"), std::string::npos) << boto;

  // Parameters are an admin's: a consumer token is refused; no overwrite flag, no write.
  CommandResult consumer = Ssm({"get-parameter", "--name", "Enable-Automatic-Training"}, "camera", consumer_secret_);
  EXPECT_NE(consumer.exit_code, 0) << consumer;
  EXPECT_NE(consumer.err.find("AccessDeniedException"), std::string::npos) << consumer;
  CommandResult no_overwrite =
      Ssm({"put-parameter", "--name", "Enable-Automatic-Training", "--value", "true", "--type", "String"}, "ops",
          admin_secret_);
  EXPECT_NE(no_overwrite.exit_code, 0) << no_overwrite;
  EXPECT_NE(no_overwrite.err.find("ParameterAlreadyExists"), std::string::npos) << no_overwrite;
  CommandResult bad_secret = Ssm({"describe-parameters"}, "ops", admin_secret_ + "x");
  EXPECT_NE(bad_secret.err.find("SignatureDoesNotMatch"), std::string::npos) << bad_secret;
}

}  // namespace
}  // namespace labelloop::e2e
