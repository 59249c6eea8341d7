// The codec against the golden frames of test-fixtures/protocol (written from
// docs/protocol.md by an independent Python script): every frame decodes, and
// re-encodes byte for byte. No sockets, no LibTorch.
#include <gtest/gtest.h>

#include <dirent.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "torchfeed/errors.h"
#include "torchfeed/manifest.h"
#include "torchfeed/protocol.h"

namespace tf = torchfeed;
namespace proto = torchfeed::protocol;

namespace {

const std::string kFrames = TORCHFEED_FIXTURES "/protocol/";

proto::Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  return proto::Bytes(std::istreambuf_iterator<char>(in), {});
}

std::string text(const proto::Bytes& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

// A golden file split into its frame and what follows it (FETCH_HEADER's
// raw bytes).
struct Golden {
  proto::FrameHeader header;
  proto::Bytes frame;
  proto::Bytes payload;
  proto::Bytes after;
};

Golden golden(const std::string& file) {
  proto::Bytes bytes = read_file(kFrames + file);
  Golden g;
  g.header =
      proto::decode_frame_header(bytes.data(), proto::kMaxResponsePayload);
  size_t end = proto::kFrameHeaderSize + g.header.length;
  EXPECT_LE(end, bytes.size()) << file;
  g.frame.assign(bytes.begin(), bytes.begin() + end);
  g.payload.assign(bytes.begin() + proto::kFrameHeaderSize,
                   bytes.begin() + end);
  g.after.assign(bytes.begin() + end, bytes.end());
  return g;
}

const char kManifestJson[] =
    R"({"name":"toynet","version":1,"size":17,)"
    R"("sha256":"394b921c154f8706b2203aa859a6cfdc999dfec1a60532eaff0ebe546c22eaa4",)"
    R"("formatVersion":3,"parameters":[)"
    R"({"name":"linear.weight","shape":[2,3],"dtype":"float32"},)"
    R"({"name":"linear.bias","shape":[2],"dtype":"float32"}],)"
    R"("buffers":[{"name":"bn.num_batches_tracked","shape":[],"dtype":"int64"}]})";

const char kSha256[] =
    "394b921c154f8706b2203aa859a6cfdc999dfec1a60532eaff0ebe546c22eaa4";

}  // namespace

TEST(GoldenFrames, Hello) {
  Golden g = golden("01-hello.bin");
  EXPECT_EQ(g.header.type, 0x01);
  EXPECT_EQ(g.frame.size(), 40u);
  proto::Hello hello = proto::decode_hello(g.payload);
  EXPECT_EQ(hello.protocol, 1);
  EXPECT_EQ(hello.software, "torchfeed-cpp/0.1.0");
  EXPECT_EQ(hello.libtorch, "1.13.1");
  EXPECT_EQ(proto::encode_hello(hello), g.frame);
  EXPECT_TRUE(g.after.empty());
}

TEST(GoldenFrames, ServerHello) {
  Golden g = golden("81-server-hello.bin");
  EXPECT_EQ(g.header.type, 0x81);
  proto::Hello hello = proto::decode_hello(g.payload);
  EXPECT_EQ(hello.protocol, 1);
  EXPECT_EQ(hello.software, "torchfeed/0.1.0");
  EXPECT_EQ(hello.libtorch, "2.10.0");
  EXPECT_EQ(proto::encode_hello(hello, proto::FrameType::kServerHello),
            g.frame);
}

TEST(GoldenFrames, HelloAndServerHelloOfVersion2) {
  Golden g = golden("01-hello-v2.bin");
  proto::Hello hello = proto::decode_hello(g.payload);
  EXPECT_EQ(hello.protocol, proto::kSignedVersion);
  EXPECT_EQ(proto::encode_hello(hello), g.frame);
  Golden s = golden("81-server-hello-v2.bin");
  proto::Hello server = proto::decode_hello(s.payload);
  EXPECT_EQ(server.protocol, proto::kSignedVersion);
  EXPECT_EQ(proto::encode_hello(server, proto::FrameType::kServerHello),
            s.frame);
}

// The signature itself is checked with OpenSSL in signing_test.cpp.
TEST(GoldenFrames, SignedManifestResult) {
  Golden g = golden("88-signed-manifest-result.bin");
  EXPECT_EQ(g.header.type, 0x88);
  proto::SignedManifest r = proto::decode_signed_manifest_result(g.payload);
  EXPECT_EQ(r.manifest, kManifestJson);  // the very bytes of 0x83's document
  EXPECT_EQ(proto::to_hex(r.signature.key_id), "9c91f2df37384405");
  EXPECT_EQ(proto::encode_signed_manifest_result(r), g.frame);
  EXPECT_TRUE(g.after.empty());
}

TEST(GoldenFrames, SignedFetchHeader) {
  Golden g = golden("89-signed-fetch-header.bin");
  EXPECT_EQ(g.header.type, 0x89);
  proto::FetchHeader h = proto::decode_fetch_header(
      g.payload, proto::FrameType::kSignedFetchHeader);
  EXPECT_EQ(h.name, "toynet");
  EXPECT_EQ(h.payload_size, 17u);
  EXPECT_EQ(proto::to_hex(h.sha256), kSha256);
  EXPECT_EQ(h.manifest, kManifestJson);
  ASSERT_TRUE(h.signature.has_value());
  EXPECT_EQ(proto::to_hex(h.signature->key_id), "9c91f2df37384405");
  EXPECT_EQ(text(g.after), "hello, torchfeed\n");
  EXPECT_EQ(proto::encode_fetch_header(h), g.frame);
  // The signed frame is the unsigned one plus 72 bytes: read as unsigned, or
  // an unsigned one read as signed, it is malformed.
  EXPECT_THROW(proto::decode_fetch_header(g.payload), tf::ProtocolError);
  EXPECT_THROW(
      proto::decode_fetch_header(golden("84-fetch-header.bin").payload,
                                 proto::FrameType::kSignedFetchHeader),
      tf::ProtocolError);
  EXPECT_THROW(proto::decode_signed_manifest_result(
                   golden("83-manifest-result.bin").payload),
               tf::ProtocolError);
}

TEST(GoldenFrames, List) {
  Golden g = golden("02-list.bin");
  EXPECT_EQ(g.header.type, 0x02);
  proto::decode_list(g.payload);
  EXPECT_EQ(proto::encode_list(), g.frame);
}

TEST(GoldenFrames, ManifestRequest) {
  Golden g = golden("03-manifest.bin");
  EXPECT_EQ(g.header.type, 0x03);
  proto::ManifestRequest request = proto::decode_manifest_request(g.payload);
  EXPECT_EQ(request.name, "toynet");
  EXPECT_EQ(request.version, 0u);
  EXPECT_EQ(proto::encode_manifest_request(request), g.frame);
}

TEST(GoldenFrames, Fetch) {
  Golden g = golden("04-fetch.bin");
  proto::FetchRequest request = proto::decode_fetch(g.payload);
  EXPECT_EQ(request.name, "toynet");
  EXPECT_EQ(request.version, 1u);
  EXPECT_EQ(request.offset, 0u);
  EXPECT_EQ(request.length, 0u);
  EXPECT_EQ(proto::encode_fetch(request), g.frame);
}

TEST(GoldenFrames, FetchRange) {
  Golden g = golden("04-fetch-range.bin");
  proto::FetchRequest request = proto::decode_fetch(g.payload);
  EXPECT_EQ(request.offset, 7u);
  EXPECT_EQ(request.length, 9u);
  EXPECT_EQ(proto::encode_fetch(request), g.frame);
}

TEST(GoldenFrames, ListResult) {
  Golden g = golden("82-list-result.bin");
  EXPECT_EQ(g.header.type, 0x82);
  tf::Listing listing = tf::parse_listing(text(g.payload));
  ASSERT_EQ(listing.models.size(), 1u);
  EXPECT_EQ(listing.models[0].name, "toynet");
  EXPECT_EQ(listing.models[0].versions, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(listing.models[0].latest, 2u);
  ASSERT_EQ(listing.rejected.size(), 1u);
  EXPECT_EQ(listing.rejected[0].name, "broken");
  EXPECT_EQ(listing.rejected[0].version, 1u);
  EXPECT_EQ(listing.rejected[0].path, "broken/1/model.pt");
  EXPECT_EQ(listing.rejected[0].reason,
            "not a TorchScript archive: empty file");
  EXPECT_EQ(proto::encode_json(proto::FrameType::kListResult, listing.json),
            g.frame);
}

TEST(GoldenFrames, ManifestResult) {
  Golden g = golden("83-manifest-result.bin");
  EXPECT_EQ(g.header.type, 0x83);
  EXPECT_EQ(text(g.payload), kManifestJson);
  tf::Manifest m = tf::parse_manifest(text(g.payload));
  EXPECT_EQ(m.name, "toynet");
  EXPECT_EQ(m.version, 1u);
  EXPECT_EQ(m.size, 17u);
  EXPECT_EQ(m.format_version, 3u);
  ASSERT_EQ(m.parameters.size(), 2u);
  EXPECT_EQ(m.parameters[0],
            (tf::TensorInfo{"linear.weight", {2, 3}, "float32"}));
  ASSERT_EQ(m.buffers.size(), 1u);
  EXPECT_EQ(m.buffers[0],
            (tf::TensorInfo{"bn.num_batches_tracked", {}, "int64"}));
  // Written back from the struct, in the documented key order.
  EXPECT_EQ(
      proto::encode_json(proto::FrameType::kManifestResult, tf::to_json(m)),
      g.frame);
}

TEST(GoldenFrames, FetchHeaderWholeFile) {
  Golden g = golden("84-fetch-header.bin");
  EXPECT_EQ(g.header.type, 0x84);
  proto::FetchHeader h = proto::decode_fetch_header(g.payload);
  EXPECT_EQ(h.name, "toynet");
  EXPECT_EQ(h.version, 1u);
  EXPECT_EQ(h.total_size, 17u);
  EXPECT_EQ(h.offset, 0u);
  EXPECT_EQ(h.payload_size, 17u);
  EXPECT_EQ(proto::to_hex(h.sha256),
            "394b921c154f8706b2203aa859a6cfdc999dfec1a60532eaff0ebe546c22eaa4");
  EXPECT_EQ(h.manifest, kManifestJson);
  EXPECT_EQ(text(g.after), "hello, torchfeed\n");  // the raw bytes follow
  EXPECT_EQ(proto::encode_fetch_header(h), g.frame);
}

TEST(GoldenFrames, FetchHeaderRange) {
  Golden g = golden("84-fetch-header-range.bin");
  proto::FetchHeader h = proto::decode_fetch_header(g.payload);
  EXPECT_EQ(h.total_size, 17u);
  EXPECT_EQ(h.offset, 7u);
  EXPECT_EQ(h.payload_size, 9u);
  EXPECT_EQ(text(g.after), "torchfeed");
  EXPECT_EQ(proto::encode_fetch_header(h), g.frame);
}

TEST(GoldenFrames, Error) {
  Golden g = golden("ff-error.bin");
  EXPECT_EQ(g.header.type, 0xFF);
  proto::ErrorMessage e = proto::decode_error(g.payload);
  EXPECT_EQ(e.code, 2);
  EXPECT_STREQ(proto::error_code_name(e.code), "NOT_FOUND");
  EXPECT_FALSE(e.fatal);
  EXPECT_EQ(e.message, "no model named 'resnet'");
  EXPECT_EQ(proto::encode_error(e), g.frame);
}

TEST(GoldenFrames, FatalError) {
  Golden g = golden("ff-error-fatal.bin");
  proto::ErrorMessage e = proto::decode_error(g.payload);
  EXPECT_EQ(e.code, 4);
  EXPECT_STREQ(proto::error_code_name(e.code), "TOO_LARGE");
  EXPECT_TRUE(e.fatal);
  EXPECT_EQ(proto::encode_error(e), g.frame);
}

TEST(GoldenFrames, Subscribe) {
  Golden g = golden("05-subscribe.bin");
  EXPECT_EQ(g.header.type, 0x05);
  std::vector<std::string> names = proto::decode_subscribe(g.payload);
  EXPECT_EQ(names, (std::vector<std::string>{"toynet", "bnnet"}));
  EXPECT_EQ(proto::encode_subscribe(names), g.frame);
}

TEST(GoldenFrames, SubscribeAll) {
  Golden g = golden("05-subscribe-all.bin");
  EXPECT_TRUE(proto::decode_subscribe(g.payload).empty());
  EXPECT_EQ(proto::encode_subscribe({}), g.frame);
  EXPECT_EQ(g.frame, (proto::Bytes{0x05, 0, 0, 0, 2, 0, 0}));
}

TEST(GoldenFrames, Subscribed) {
  Golden g = golden("85-subscribed.bin");
  EXPECT_EQ(g.header.type, 0x85);
  std::vector<std::string> names =
      proto::decode_subscribe(g.payload, proto::FrameType::kSubscribed);
  EXPECT_EQ(names, (std::vector<std::string>{"toynet", "bnnet"}));
  EXPECT_EQ(proto::encode_subscribe(names, proto::FrameType::kSubscribed),
            g.frame);
}

TEST(GoldenFrames, Receipt) {
  Golden g = golden("06-receipt.bin");
  EXPECT_EQ(g.header.type, 0x06);
  EXPECT_EQ(g.frame.size(), 60u);
  proto::Receipt r = proto::decode_receipt(g.payload);
  EXPECT_EQ(r.name, "toynet");
  EXPECT_EQ(r.version, 2u);
  EXPECT_EQ(proto::to_hex(r.sha256), kSha256);
  EXPECT_EQ(r.status, proto::ReceiptStatus::kLoaded);
  EXPECT_EQ(r.reason, "");
  EXPECT_EQ(r.libtorch, "1.13.1");
  EXPECT_EQ(proto::encode_receipt(r), g.frame);
}

TEST(GoldenFrames, ReceiptFailed) {
  Golden g = golden("06-receipt-failed.bin");
  EXPECT_EQ(g.frame.size(), 105u);
  proto::Receipt r = proto::decode_receipt(g.payload);
  EXPECT_EQ(r.version, 2u);
  EXPECT_EQ(r.status, proto::ReceiptStatus::kFailed);
  EXPECT_EQ(r.reason, "Unknown builtin op: aten::_scaled_dot_product_flash");
  EXPECT_EQ(r.libtorch, "");
  EXPECT_EQ(proto::encode_receipt(r), g.frame);
}

TEST(GoldenFrames, ReceiptOk) {
  Golden g = golden("87-receipt-ok.bin");
  EXPECT_EQ(g.header.type, 0x87);
  proto::decode_receipt_ok(g.payload);
  EXPECT_EQ(proto::encode_receipt_ok(), g.frame);
}

TEST(GoldenFrames, NoticePublished) {
  Golden g = golden("86-notice-published.bin");
  EXPECT_EQ(g.header.type, 0x86);
  EXPECT_EQ(g.frame.size(), 140u);
  tf::Event e = tf::parse_event(text(g.payload));
  EXPECT_EQ(e.kind, tf::Event::Kind::kPublished);
  EXPECT_EQ(e.event, "published");
  EXPECT_EQ(e.name, "toynet");
  EXPECT_EQ(e.version, 2u);
  EXPECT_EQ(e.sha256, kSha256);
  EXPECT_EQ(e.size, 17u);
  EXPECT_EQ(e.json, text(g.payload));
  EXPECT_EQ(proto::encode_json(proto::FrameType::kNotice, tf::to_json(e)),
            g.frame);
}

TEST(GoldenFrames, NoticeRemoved) {
  Golden g = golden("86-notice-removed.bin");
  tf::Event e = tf::parse_event(text(g.payload));
  EXPECT_EQ(e.kind, tf::Event::Kind::kRemoved);
  EXPECT_EQ(e.name, "toynet");
  EXPECT_EQ(e.version, 1u);
  EXPECT_EQ(proto::encode_json(proto::FrameType::kNotice, tf::to_json(e)),
            g.frame);
}

TEST(GoldenFrames, NoticeAlias) {
  Golden g = golden("86-notice-alias.bin");
  tf::Event e = tf::parse_event(text(g.payload));
  EXPECT_EQ(e.kind, tf::Event::Kind::kAlias);
  EXPECT_EQ(e.name, "toynet");
  EXPECT_EQ(e.alias, "stable");
  EXPECT_EQ(e.version, 2u);
  EXPECT_EQ(proto::encode_json(proto::FrameType::kNotice, tf::to_json(e)),
            g.frame);
}

// Version 3 adds chunk digests to the manifest (docs/protocol.md, 5.3): the
// golden document cuts the 17-byte file "hello, torchfeed\n" into chunks of
// 8 bytes, so three digests, of "hello, t", "orchfeed" and "\n".
const std::vector<std::string> kGoldenChunks = {
    "5edc1857242ca4ecfdf3cd6346542873a99b6dc8451bf3270d9821af9613814c",
    "26e58817a56985f88fe6cb6562a64f68a2c38e4ed7bc615663180e352d4f99c1",
    "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b"};

TEST(GoldenFrames, Version3FramesDecodeAndTheirManifestParses) {
  for (const char* file : {"01-hello-v3.bin", "81-server-hello-v3.bin"}) {
    Golden g = golden(file);
    proto::Hello hello = proto::decode_hello(g.payload);
    EXPECT_EQ(hello.protocol, 3) << file;
    EXPECT_EQ(proto::encode_hello(hello, static_cast<proto::FrameType>(
                                             g.header.type)),
              g.frame)
        << file;
  }
  Golden r = golden("83-manifest-result-v3.bin");
  const std::string v3 = text(r.payload);
  const std::string v2(kManifestJson);
  // The document of version 2 with the two keys added at its end.
  EXPECT_EQ(v3.substr(0, v2.size() - 1), v2.substr(0, v2.size() - 1));
  EXPECT_NE(v3.find(R"("chunkSize":8,"chunks":[)"), std::string::npos) << v3;
  tf::Manifest m = tf::parse_manifest(v3);
  tf::Manifest old = tf::parse_manifest(v2);
  EXPECT_EQ(m.name, old.name);
  EXPECT_EQ(m.size, old.size);
  EXPECT_EQ(m.sha256, old.sha256);
  EXPECT_EQ(m.format_version, old.format_version);
  EXPECT_EQ(m.parameters, old.parameters);
  EXPECT_EQ(m.buffers, old.buffers);
  EXPECT_EQ(m.chunk_size, 8u);
  EXPECT_EQ(m.chunks, kGoldenChunks);
  EXPECT_EQ(old.chunk_size, 0u);
  EXPECT_TRUE(old.chunks.empty());
  EXPECT_EQ(tf::to_json(m), v3);  // the keys in the documented order
  EXPECT_EQ(tf::to_json(old), v2);

  Golden h = golden("84-fetch-header-v3.bin");
  proto::FetchHeader header = proto::decode_fetch_header(h.payload);
  EXPECT_EQ(header.manifest, v3);
  EXPECT_EQ(tf::parse_manifest(header.manifest).chunks, kGoldenChunks);
  EXPECT_EQ(text(h.after), "hello, torchfeed\n");
  EXPECT_EQ(proto::encode_fetch_header(header), h.frame);

  Golden sr = golden("88-signed-manifest-result-v3.bin");
  proto::SignedManifest signed_result =
      proto::decode_signed_manifest_result(sr.payload);
  EXPECT_EQ(signed_result.manifest, v3);
  EXPECT_EQ(proto::encode_signed_manifest_result(signed_result), sr.frame);

  Golden sh = golden("89-signed-fetch-header-v3.bin");
  proto::FetchHeader signed_header = proto::decode_fetch_header(
      sh.payload, proto::FrameType::kSignedFetchHeader);
  EXPECT_EQ(signed_header.manifest, v3);
  EXPECT_EQ(proto::encode_fetch_header(signed_header), sh.frame);
}

// The golden v3 document with its chunk keys replaced by `chunk_keys` (empty:
// removed).
std::string with_chunk_keys(const std::string& chunk_keys) {
  std::string v3 = text(golden("83-manifest-result-v3.bin").payload);
  size_t at = v3.find(R"(,"chunkSize")");
  EXPECT_NE(at, std::string::npos);
  return v3.substr(0, at) + chunk_keys + "}";
}

TEST(ManifestJson, ChunksMustMatchTheSizeAndComeWithTheirSize) {
  auto list = [](std::vector<std::string> digests) {
    std::string out = "[";
    for (const std::string& d : digests) out += "\"" + d + "\",";
    if (out.size() > 1) out.pop_back();
    return out + "]";
  };
  const std::string& a = kGoldenChunks[0];
  // 17 bytes: 3 chunks of 8, 1 of 17 or more, 2 of 9.
  EXPECT_EQ(tf::parse_manifest(with_chunk_keys(R"(,"chunkSize":17,"chunks":)" +
                                               list({a})))
                .chunks.size(),
            1u);
  EXPECT_EQ(tf::parse_manifest(with_chunk_keys(
                R"(,"chunkSize":9,"chunks":)" + list({a, a})))
                .chunk_size,
            9u);
  for (const std::string& bad : std::vector<std::string>{
           R"(,"chunkSize":8)",                           // no chunks
           R"(,"chunks":)" + list(kGoldenChunks),         // no chunkSize
           R"(,"chunkSize":8,"chunks":)" + list({a, a}),  // one short
           R"(,"chunkSize":8,"chunks":)" + list({a, a, a, a}),
           R"(,"chunkSize":0,"chunks":)" + list({a}),
           R"(,"chunkSize":-8,"chunks":)" + list(kGoldenChunks),
           R"(,"chunkSize":8.0,"chunks":)" + list(kGoldenChunks),
           R"(,"chunkSize":8,"chunks":)" +
               list({a, a, std::string(64, 'A')}),  // upper case
           R"(,"chunkSize":8,"chunks":)" + list({a, a, "abc"}),
           std::string(R"(,"chunkSize":8,"chunks":[1,2,3])")}) {
    EXPECT_THROW(tf::parse_manifest(with_chunk_keys(bad)), tf::ProtocolError)
        << bad;
  }
}

TEST(ManifestJson, AnEmptyFileIsOneEmptyChunk) {
  auto empty_file = [](const std::string& chunks) {
    std::string doc = with_chunk_keys(R"(,"chunkSize":8,"chunks":)" + chunks);
    size_t at = doc.find(R"("size":17)");
    EXPECT_NE(at, std::string::npos);
    return doc.replace(at, 9, R"("size":0)");
  };
  const std::string nothing =  // the SHA-256 of no bytes
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  EXPECT_EQ(tf::parse_manifest(empty_file(R"([")" + nothing + R"("])"))
                .chunks.size(),
            1u);
  EXPECT_THROW(tf::parse_manifest(empty_file("[]")), tf::ProtocolError);
}

// A new golden frame fails here until a test above covers it.
TEST(GoldenFrames, EveryFileIsCovered) {
  const std::set<std::string> covered = {
      "01-hello.bin",          "02-list.bin",
      "03-manifest.bin",       "04-fetch.bin",
      "04-fetch-range.bin",    "05-subscribe.bin",
      "05-subscribe-all.bin",  "06-receipt.bin",
      "06-receipt-failed.bin", "81-server-hello.bin",
      "82-list-result.bin",    "83-manifest-result.bin",
      "84-fetch-header.bin",   "84-fetch-header-range.bin",
      "85-subscribed.bin",     "86-notice-published.bin",
      "86-notice-removed.bin", "86-notice-alias.bin",
      "87-receipt-ok.bin",     "ff-error.bin",
      "ff-error-fatal.bin",    "01-hello-v2.bin",
      "81-server-hello-v2.bin", "88-signed-manifest-result.bin",
      "89-signed-fetch-header.bin", "01-hello-v3.bin",
      "81-server-hello-v3.bin", "83-manifest-result-v3.bin",
      "84-fetch-header-v3.bin", "88-signed-manifest-result-v3.bin",
      "89-signed-fetch-header-v3.bin"};
  std::set<std::string> found;
  DIR* dir = opendir(kFrames.c_str());
  ASSERT_NE(dir, nullptr) << kFrames;
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name.size() > 4 && name.substr(name.size() - 4) == ".bin") {
      found.insert(name);
    }
  }
  closedir(dir);
  EXPECT_EQ(found, covered);
}

TEST(Frames, LengthIsCheckedBeforeAllocating) {
  const uint8_t at_limit[] = {0x83, 0x04, 0x00, 0x00, 0x00};  // 64 MiB
  const uint8_t over[] = {0x83, 0x04, 0x00, 0x00, 0x01};      // 64 MiB + 1
  EXPECT_EQ(
      proto::decode_frame_header(at_limit, proto::kMaxResponsePayload).length,
      64u << 20);
  try {
    proto::decode_frame_header(over, proto::kMaxResponsePayload);
    FAIL() << "an oversized frame was accepted";
  } catch (const tf::ProtocolError& e) {
    EXPECT_STREQ(e.what(),
                 "a MANIFEST_RESULT frame of 67108865 bytes exceeds the limit "
                 "of 67108864");
  }
}

TEST(Frames, ShortAndTrailingPayloadsAreMalformed) {
  proto::Bytes payload = golden("ff-error.bin").payload;
  proto::Bytes shorter(payload.begin(), payload.end() - 1);
  proto::Bytes longer = payload;
  longer.push_back(0);
  EXPECT_THROW(proto::decode_error(shorter), tf::ProtocolError);
  EXPECT_THROW(proto::decode_error(longer), tf::ProtocolError);
  EXPECT_THROW(proto::decode_error({}), tf::ProtocolError);
  proto::Bytes header = golden("84-fetch-header.bin").payload;
  header.pop_back();
  EXPECT_THROW(proto::decode_fetch_header(header), tf::ProtocolError);
  EXPECT_THROW(proto::decode_list({0}), tf::ProtocolError);
}

TEST(Frames, MalformedSubscribe) {
  proto::Bytes payload = golden("05-subscribe.bin").payload;
  proto::Bytes shorter(payload.begin(), payload.end() - 1);
  proto::Bytes longer = payload;
  longer.push_back(0);
  EXPECT_THROW(proto::decode_subscribe(shorter), tf::ProtocolError);
  EXPECT_THROW(proto::decode_subscribe(longer), tf::ProtocolError);
  EXPECT_THROW(proto::decode_subscribe({}), tf::ProtocolError);
  EXPECT_THROW(proto::decode_subscribe({0}), tf::ProtocolError);
  // A count of 3 with two names; a count of 65535 with none.
  proto::Bytes lying = payload;
  lying[1] = 3;
  EXPECT_THROW(proto::decode_subscribe(lying), tf::ProtocolError);
  try {
    proto::decode_subscribe({0xff, 0xff}, proto::FrameType::kSubscribed);
    FAIL() << "no error";
  } catch (const tf::ProtocolError& e) {
    EXPECT_STREQ(e.what(),
                 "malformed SUBSCRIBED: the payload ends early (2 bytes)");
  }
}

TEST(Frames, MalformedReceipt) {
  proto::Bytes payload = golden("06-receipt.bin").payload;
  proto::Bytes shorter(payload.begin(), payload.end() - 1);
  proto::Bytes longer = payload;
  longer.push_back(0);
  EXPECT_THROW(proto::decode_receipt(shorter), tf::ProtocolError);
  EXPECT_THROW(proto::decode_receipt(longer), tf::ProtocolError);
  // The status byte follows name (2 + 6), version (4) and sha256 (32).
  proto::Bytes status = payload;
  ASSERT_EQ(status[44], 0);
  status[44] = 1;
  EXPECT_EQ(proto::decode_receipt(status).status,
            proto::ReceiptStatus::kFailed);
  status[44] = 2;
  try {
    proto::decode_receipt(status);
    FAIL() << "status 2 was accepted";
  } catch (const tf::ProtocolError& e) {
    EXPECT_STREQ(e.what(),
                 "malformed RECEIPT: status 2 is neither 0 (loaded) nor 1 "
                 "(failed)");
  }
  EXPECT_THROW(proto::decode_receipt_ok({0}), tf::ProtocolError);
}

TEST(Frames, BadMagicIsRefused) {
  proto::Bytes payload = golden("81-server-hello.bin").payload;
  payload[0] = 'X';
  EXPECT_THROW(proto::decode_hello(payload), tf::ProtocolError);
}

TEST(Frames, TypeNames) {
  EXPECT_EQ(proto::frame_type_name(0x84), "FETCH_HEADER");
  EXPECT_EQ(proto::frame_type_name(0x42), "0x42");
  EXPECT_STREQ(proto::error_code_name(99), "UNKNOWN");
}

TEST(Hex, RoundTrip) {
  std::string hex =
      "394b921c154f8706b2203aa859a6cfdc999dfec1a60532eaff0ebe546c22eaa4";
  EXPECT_EQ(proto::to_hex(proto::from_hex(hex)), hex);
  EXPECT_THROW(proto::from_hex("abc"), tf::ProtocolError);
  EXPECT_THROW(proto::from_hex(std::string(64, 'g')), tf::ProtocolError);
}

// Found by the fuzzer (fuzz/known/): both used to be accepted.
TEST(Frames, FatalFlagMustBe0Or1) {
  proto::Bytes payload = golden("ff-error.bin").payload;
  payload[2] = 11;
  EXPECT_THROW(proto::decode_error(payload), tf::ProtocolError);
}

TEST(ManifestJson, NumbersOutOfRangeAreMalformed) {
  auto listing = [](const std::string& latest) {
    return R"({"models":[{"name":"t","versions":[1],"latest":)" + latest +
           R"(,"aliases":{}}],"rejected":[]})";
  };
  EXPECT_EQ(tf::parse_listing(listing("1")).models.at(0).latest, 1u);
  for (const char* bad : {"2222222222222222220000000", "1.5", "-1",
                          "4294967296", "1e3"}) {
    EXPECT_THROW(tf::parse_listing(listing(bad)), tf::ProtocolError) << bad;
  }
  std::string doc = kManifestJson;
  std::string shape = R"("shape":[)";
  std::size_t at = doc.find(shape);
  ASSERT_NE(at, std::string::npos);
  EXPECT_THROW(tf::parse_manifest(doc.substr(0, at + shape.size()) + "1e30," +
                                  doc.substr(at + shape.size())),
               tf::ProtocolError);
}

TEST(ManifestJson, UnknownKeysAreIgnoredMissingKeysAreNot) {
  std::string doc = kManifestJson;
  tf::Manifest m = tf::parse_manifest(R"({"later":{"x":[1]},)" + doc.substr(1));
  EXPECT_EQ(m.name, "toynet");
  EXPECT_THROW(tf::parse_manifest(R"({"name":"toynet"})"), tf::ProtocolError);
  EXPECT_THROW(tf::parse_manifest("{"), tf::ProtocolError);
  EXPECT_THROW(tf::parse_manifest(R"({"name":1})"), tf::ProtocolError);
}

TEST(EventJson, UnknownKeysAndEventsAreIgnored) {
  tf::Event later = tf::parse_event(
      R"({"event":"published","later":[1,{"x":2}],"name":"toynet",)"
      R"("version":3,"sha256":"ab","size":5,"more":"yes"})");
  EXPECT_EQ(later.kind, tf::Event::Kind::kPublished);
  EXPECT_EQ(later.version, 3u);
  EXPECT_EQ(tf::to_json(later),
            R"({"event":"published","name":"toynet","version":3,)"
            R"("sha256":"ab","size":5})");
  // A receipt (HTTP only) and an event of a later version: kOther.
  tf::Event receipt = tf::parse_event(
      R"({"event":"receipt","client":"7","name":"toynet","version":2})");
  EXPECT_EQ(receipt.kind, tf::Event::Kind::kOther);
  EXPECT_EQ(receipt.event, "receipt");
  EXPECT_EQ(receipt.name, "toynet");
  tf::Event future = tf::parse_event(R"({"event":"renamed","name":7})");
  EXPECT_EQ(future.kind, tf::Event::Kind::kOther);
  EXPECT_EQ(future.name, "");
  EXPECT_EQ(tf::to_json(future), future.json);
}

TEST(EventJson, SizeIsA64BitInteger) {
  tf::Event big = tf::parse_event(
      R"({"event":"published","name":"big","version":2147483647,)"
      R"("sha256":"ab","size":18446744073709551615})");
  EXPECT_EQ(big.size, 18446744073709551615ull);
  EXPECT_EQ(big.version, 2147483647u);
  tf::Event odd = tf::parse_event(
      R"({"event":"published","name":"n","version":1,"sha256":"ab",)"
      R"("size":9007199254740993})");  // 2^53 + 1: not a double
  EXPECT_EQ(odd.size, 9007199254740993ull);
}

TEST(EventJson, MissingOrMistypedKeysAreMalformed) {
  for (
      const char* doc :
      {R"({"event":"published","name":"n","version":1,"sha256":"ab"})",
       R"({"event":"published","name":"n","version":1.5,"sha256":"ab","size":1})",
       R"({"event":"published","name":"n","version":0,"sha256":"ab","size":1})",
       R"({"event":"published","name":"n","version":1,"sha256":"ab","size":-1})",
       R"({"event":"removed","name":"n","version":-1})",
       R"({"event":"removed","name":"n","version":2147483648})",
       R"({"event":"removed","version":1})",
       R"({"event":"alias","name":"n","version":1})",
       R"({"event":"alias","name":"n","alias":"a","version":"1"})",
       R"({"name":"n"})", R"({"event":1})", R"([])", R"("published")",
       R"({"event":)", ""}) {
    EXPECT_THROW(tf::parse_event(doc), tf::ProtocolError) << doc;
  }
  // An alias that was removed points at version 0.
  EXPECT_EQ(
      tf::parse_event(R"({"event":"alias","name":"n","alias":"a","version":0})")
          .version,
      0u);
}

TEST(ManifestJson, GoldenManifestsRoundTrip) {
  for (const char* model : {"toynet", "bnnet", "controlflow", "dtypes"}) {
    std::string file =
        TORCHFEED_FIXTURES "/models/" + std::string(model) + "/manifest.json";
    std::string doc = text(read_file(file));
    ASSERT_FALSE(doc.empty()) << file;
    doc.pop_back();  // the newline
    EXPECT_EQ(tf::to_json(tf::parse_manifest(doc)), doc) << model;
  }
}

TEST(Compare, IdenticalModulesHaveNoDifferences) {
  tf::ModuleInfo a{{{"w", {2, 3}, "float32"}, {"b", {2}, "float32"}},
                   {{"n", {}, "int64"}}};
  EXPECT_TRUE(tf::compare(a, a).empty());
}

TEST(Compare, ReportsShapeDtypeMissingExtraAndOrder) {
  tf::ModuleInfo want{{{"w", {2, 3}, "float32"}, {"b", {2}, "float32"}},
                      {{"n", {}, "int64"}}};
  tf::ModuleInfo got{{{"w", {3, 2}, "float32"}, {"extra", {1}, "float16"}},
                     {{"n", {}, "int32"}}};
  std::vector<std::string> lines;
  for (const auto& d : tf::compare(want, got)) lines.push_back(d.to_string());
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "parameter w: expected float32[2, 3], got float32[3, 2]",
                       "parameter b: expected float32[2], got missing",
                       "parameter extra: expected missing, got float16[1]",
                       "buffer n: expected int64[], got int32[]"}));

  tf::ModuleInfo swapped{{{"b", {2}, "float32"}, {"w", {2, 3}, "float32"}},
                         {{"n", {}, "int64"}}};
  auto order = tf::compare(want, swapped);
  ASSERT_EQ(order.size(), 1u);
  EXPECT_EQ(order[0].to_string(), "parameter order: expected w,b, got b,w");
}
