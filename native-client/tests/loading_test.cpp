// Loading from memory with this LibTorch, without a server: every fixture
// model against its golden manifest, the bad files, the format-version check.
#include <gtest/gtest.h>

#include <torch/version.h>
#include <memory>

#include "test_util.h"
#include "torchfeed/errors.h"
#include "torchfeed/loading.h"

namespace tf = torchfeed;
using tf::testing::fixture_models;
using tf::testing::golden_manifest;
using tf::testing::model_file;
using tf::testing::read_buffer;

class FixtureFile : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureFile, LoadsFromMemoryAsTheGoldenManifestSays) {
  tf::Manifest golden = golden_manifest(GetParam());
  tf::ModuleInfo loaded =
      tf::describe(tf::load_from_memory(read_buffer(model_file(GetParam()))));
  EXPECT_TRUE(tf::compare(golden, loaded).empty());
  EXPECT_EQ(loaded.parameters, golden.parameters);
  EXPECT_EQ(loaded.buffers, golden.buffers);
}

TEST_P(FixtureFile, FormatVersionIsTheGoldenOne) {
  auto archive = std::make_shared<tf::MemoryReadAdapter>(
      read_buffer(model_file(GetParam())));
  EXPECT_EQ(tf::archive_format_version(archive),
            golden_manifest(GetParam()).format_version);
}

TEST_P(FixtureFile, BufferIsFreedOnceTheModuleIsLoaded) {
  auto archive = std::make_shared<tf::MemoryReadAdapter>(
      read_buffer(model_file(GetParam())));
  std::weak_ptr<tf::MemoryReadAdapter> watch = archive;
  torch::jit::Module module = tf::load_module(std::move(archive));
  EXPECT_TRUE(watch.expired()) << "LibTorch still holds the archive's bytes";
  EXPECT_FALSE(tf::describe(module).parameters.empty());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureFile,
                         ::testing::ValuesIn(fixture_models()));

TEST(Loading, FixturesArePresent) {
  EXPECT_GE(fixture_models().size(), 4u) << tf::testing::kFixtures;
}

TEST(Loading, ForwardOfToynetMatchesForwardJson) {
  torch::jit::Module module =
      tf::load_from_memory(read_buffer(model_file("toynet")));
  module.eval();
  tf::testing::ForwardCase c = tf::testing::forward_case();
  at::Tensor output = module.forward({c.input}).toTensor();
  EXPECT_EQ(output.sizes(), c.output.sizes());
  EXPECT_TRUE(torch::allclose(output, c.output, /*rtol=*/0, /*atol=*/1e-4))
      << output;
}

TEST(Loading, BadFilesAreALoadErrorWithOneLine) {
  for (const char* file : {"empty.pt", "random.pt", "truncated.pt",
                           "state_dict.pt", "not_torchscript.pt"}) {
    std::string path = tf::testing::kFixtures + "/bad/" + file;
    try {
      tf::load_from_memory(read_buffer(path));
      ADD_FAILURE() << file << " loaded";
    } catch (const tf::LoadError& e) {
      std::string message = e.what();
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      EXPECT_NE(message.find("could not load the model: "), std::string::npos)
          << message;
    }
  }
}

TEST(Loading, ReadAdapterReadsWithinTheBuffer) {
  tf::Buffer bytes(4);
  std::copy_n("abcd", 4, bytes.data());
  tf::MemoryReadAdapter adapter(std::move(bytes));
  char out[8] = {};
  EXPECT_EQ(adapter.size(), 4u);
  EXPECT_EQ(adapter.read(1, out, 8), 3u);
  EXPECT_EQ(std::string(out, 3), "bcd");
  EXPECT_EQ(adapter.read(4, out, 8), 0u);
  EXPECT_EQ(adapter.read(99, out, 8), 0u);
}

TEST(FormatVersion, UpToTheMaximumIsAccepted) {
  tf::Manifest m;
  m.name = "toynet";
  m.version = 1;
  m.format_version = tf::kMaxFileFormatVersion;
  EXPECT_NO_THROW(tf::check_format_version(m));
  EXPECT_EQ(tf::kMaxFileFormatVersion,
            caffe2::serialize::kMaxSupportedFileFormatVersion);
}

TEST(FormatVersion, NewerIsRefusedSayingSo) {
  tf::Manifest m;
  m.name = "toynet";
  m.version = 1;
  m.format_version = tf::kMaxFileFormatVersion + 1;
  try {
    tf::check_format_version(m);
    FAIL() << "a too new archive was accepted";
  } catch (const tf::UnsupportedArchiveError& e) {
    std::string expected = "toynet:1 is an archive of file format version " +
                           std::to_string(m.format_version) +
                           ", too new for LibTorch " + TORCH_VERSION +
                           " (it reads versions up to " +
                           std::to_string(tf::kMaxFileFormatVersion) +
                           "); load it with a newer LibTorch";
    EXPECT_EQ(e.what(), expected);
  }
}

TEST(DTypes, PythonSpelling) {
  using c10::ScalarType;
  EXPECT_EQ(tf::dtype_name(ScalarType::Float), "float32");
  EXPECT_EQ(tf::dtype_name(ScalarType::Double), "float64");
  EXPECT_EQ(tf::dtype_name(ScalarType::Half), "float16");
  EXPECT_EQ(tf::dtype_name(ScalarType::BFloat16), "bfloat16");
  EXPECT_EQ(tf::dtype_name(ScalarType::Long), "int64");
  EXPECT_EQ(tf::dtype_name(ScalarType::Int), "int32");
  EXPECT_EQ(tf::dtype_name(ScalarType::Short), "int16");
  EXPECT_EQ(tf::dtype_name(ScalarType::Char), "int8");
  EXPECT_EQ(tf::dtype_name(ScalarType::Byte), "uint8");
  EXPECT_EQ(tf::dtype_name(ScalarType::Bool), "bool");
  EXPECT_EQ(tf::dtype_name(ScalarType::ComplexFloat), "complex64");
  EXPECT_EQ(tf::dtype_name(ScalarType::ComplexDouble), "complex128");
  EXPECT_EQ(tf::dtype_name(ScalarType::QUInt8), "quint8");
}
