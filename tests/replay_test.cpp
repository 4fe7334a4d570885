// The replay driver: the spec's example line, write legality, runtime error lines and statuses.
#include "harness/parties.hpp"
#include "harness/replay.hpp"
#include "harness/trace.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace fealloc {
namespace {

struct ReplayRun {
  int status;
  std::string out;
};

ReplayRun run(const std::string& text, const std::string& impl = "port", bool final_only = false) {
  auto parsed = parse_trace(text);
  EXPECT_TRUE(std::holds_alternative<Trace>(parsed));
  const Trace& trace = std::get<Trace>(parsed);
  std::ostringstream out;
  const int status = replay(trace, impl, final_only, out);
  return {status, out.str()};
}

TEST(Replay, TheSpecExampleLine) {
  const ReplayRun r = run("pool layout=evm end=0x10000\nmalloc 24\n");
  EXPECT_EQ(r.status, kExitOk);
  EXPECT_EQ(r.out,
            "{\"op\":1,\"ret\":\"0x120\",\"stats\":{\"free_count\":0,\"free_size\":0,\"used_count\":1,\"used_size\":96,"
            "\"top\":\"0x140\",\"available\":65216,\"total\":65536,\"msize\":288,\"gas\":27},\"heap\":\"22749471e1d8c89a\"}\n");
}

TEST(Replay, ThingLayoutHasNoMsize) {
  const ReplayRun r = run("pool layout=thing semantics=thing end=0x100\nmalloc 1\nfree @1\nstats\n");
  EXPECT_EQ(r.status, kExitOk);
  EXPECT_EQ(r.out.find("msize"), std::string::npos);
  EXPECT_NE(r.out.find("{\"op\":2,\"ret\":true,"), std::string::npos);
  EXPECT_NE(r.out.find("{\"op\":3,\"ret\":null,"), std::string::npos);
}

TEST(Replay, FinalPrintsOnlyTheLastLine) {
  const ReplayRun all = run("pool\nmalloc 1\nmalloc 2\n");
  const ReplayRun last = run("pool\nmalloc 1\nmalloc 2\n", "port", true);
  EXPECT_EQ(last.out, all.out.substr(all.out.find("{\"op\":2")));
}

TEST(Replay, WritesMustStayInsideALiveBlocksRequestedSize) {
  EXPECT_EQ(run("pool\nmalloc 4\nwrite @1 0 00112233\n").status, kExitOk);
  const ReplayRun past = run("pool\nmalloc 4\nwrite @1 1 00112233\n");
  EXPECT_EQ(past.status, kExitRuntimeError);
  EXPECT_NE(past.out.find("{\"op\":2,\"error\":\"write outside a live block\"}"), std::string::npos);
  EXPECT_EQ(run("pool\nmalloc 4\nfree @1\nwrite @1 0 00\n").status, kExitRuntimeError);       // freed
  EXPECT_EQ(run("pool\nmalloc 4\nwrite @1+1 0 00\n").status, kExitRuntimeError);             // interior
  EXPECT_EQ(run("pool\nmalloc 0x1000000\nwrite @1 0 00\n").status, kExitRuntimeError);        // malloc failed
  EXPECT_EQ(run("pool\nmalloc 4\nwrite @1 0xffffffffffffffffffffffffffffffff 00\n").status, kExitRuntimeError);
  EXPECT_EQ(run("pool\nmalloc 4\nfree_all\nwrite @1 0 00\n").status, kExitRuntimeError);
  const ReplayRun moved = run("pool\nmalloc 4\nmalloc 4\nrealloc @1 200\nwrite @3 199 00\nwrite @1 0 00\n");
  EXPECT_EQ(moved.status, kExitRuntimeError);
  EXPECT_NE(moved.out.find("{\"op\":5,\"error\""), std::string::npos);
}

TEST(Replay, ACorruptedThingHeapIsReportedNotLooped) {
  const ReplayRun r = run("pool layout=thing semantics=thing end=0x100\nmalloc 0xfffffff8\nmalloc 0xfffffff8\nmalloc 1\n");
  EXPECT_EQ(r.status, kExitRuntimeError);
  EXPECT_NE(r.out.find("{\"op\":1,\"ret\":\"0x28\""), std::string::npos);
  EXPECT_NE(r.out.find("{\"op\":2,\"error\":\"corrupt\"}"), std::string::npos);
  EXPECT_EQ(r.out.find("\"op\":3"), std::string::npos);
}

}  // namespace
}  // namespace fealloc
