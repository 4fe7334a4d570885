// The fuzz targets' logic.
#include "fuzz/targets.hpp"

#include "fuzz/comma_list.hpp"
#include "harness/executor.hpp"
#include "harness/thing_deviations.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace fealloc::fuzz {

namespace {

std::unique_ptr<Executor> make_executor(const PoolOptions& pool, const std::vector<std::string>& parties,
                                        const Executor::Options& options = {}) {
  std::string error;
  auto ex = Executor::create(pool, parties, error, options);
  if (!ex) throw std::invalid_argument(error);
  return ex;
}

void finish(RunOutcome& out, Executor& ex, Executor::StepStatus status) {
  out.trace = ex.trace_so_far();
  if (status == Executor::StepStatus::diverged) out.divergence = ex.divergence();
  if (status == Executor::StepStatus::trace_error) out.trace_error = ex.trace_error();
  out.results = ex.state().results();
}

}  // namespace

// Steps every operation the decoder yields, then the executor's final full comparison.
static Executor::StepStatus run_decoded(Decoder& decoder, Executor& ex, std::vector<std::vector<std::string>>* lines) {
  ex.reserve(max_ops(decoder.version()));
  Executor::StepStatus status = Executor::StepStatus::ok;
  while (auto op = decoder.next(ex.state())) {
    status = ex.step(*op);
    if (lines != nullptr) lines->push_back(ex.last_lines());
    if (status != Executor::StepStatus::ok) break;
  }
  if (status == Executor::StepStatus::ok) status = ex.finish();
  // The decoder yields only legal operations: a trace error is a harness bug.
  if (status == Executor::StepStatus::trace_error) throw std::logic_error("fuzz::Decoder yielded " + ex.trace_error());
  return status;
}

RunOutcome run_input(std::span<const std::uint8_t> data, Target target, const RunOptions& options) {
  Decoder decoder(data, target);
  RunOutcome out;
  out.parties = target_parties(target);
  auto ex = make_executor(decoder.pool(), out.parties);
  const Executor::StepStatus status = run_decoded(decoder, *ex, options.collect_lines ? &out.lines : nullptr);
  finish(out, *ex, status);
  return out;
}

RunOutcome run_trace(const Trace& trace, Target target, const RunOptions& options) {
  RunOutcome out;
  out.parties = target_parties(target);
  auto ex = make_executor(trace.pool, out.parties);
  Executor::StepStatus status = Executor::StepStatus::ok;
  for (const Operation& op : trace.ops) {
    status = ex->step(op);
    if (status == Executor::StepStatus::trace_error) break;
    if (options.collect_lines) out.lines.push_back(ex->last_lines());
    if (status != Executor::StepStatus::ok) break;
  }
  if (status == Executor::StepStatus::ok) status = ex->finish();
  finish(out, *ex, status);
  return out;
}

Trace decode(std::span<const std::uint8_t> data, Target target) {
  Decoder decoder(data, target);
  auto solo = make_executor(decoder.pool(), {target_parties(target).front()});
  solo->set_deep_checks(false);
  while (auto op = decoder.next(solo->state())) {
    const auto status = solo->step(*op);
    if (status == Executor::StepStatus::trace_error) throw std::logic_error("fuzz::Decoder yielded " + solo->trace_error());
    if (status != Executor::StepStatus::ok) break;  // the party failed on it (corrupt heap)
  }
  return solo->trace_so_far();
}

IgnoreList::IgnoreList(std::string_view comma_list) {
  for (const std::string_view item : comma_list_items(comma_list)) entries_.emplace_back(item);
}

IgnoreList IgnoreList::defaults(Target target) {
  IgnoreList list;
  if (target != Target::thing) return list;
  std::size_t count = 0;
  const KnownDeviation* known = known_deviations(count);
  for (std::size_t i = 0; i < count; ++i) list.entries_.emplace_back(known[i].id);
  return list;
}

IgnoreList IgnoreList::from_env(Target target) {
  const char* value = std::getenv("FEALLOC_IGNORE");
  return value == nullptr ? defaults(target) : IgnoreList(value);
}

namespace {
std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t bar = s.find('|', pos);
    out.push_back(s.substr(pos, bar == std::string_view::npos ? std::string_view::npos : bar - pos));
    if (bar == std::string_view::npos) return out;
    pos = bar + 1;
  }
}

// Field by field; `*` stands for any one field.
bool signature_matches(std::string_view pattern, std::string_view signature) {
  const auto p = fields(pattern);
  const auto s = fields(signature);
  if (p.size() != s.size()) return false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] != "*" && p[i] != s[i]) return false;
  }
  return true;
}
}  // namespace

bool IgnoreList::matches(const Divergence& d) const {
  if (entries_.empty()) return false;
  const std::string signature = d.signature();
  for (const std::string& e : entries_) {
    if ((!d.known.empty() && e == d.known) || signature_matches(e, signature)) return true;
  }
  return false;
}

void fuzz_one(std::span<const std::uint8_t> data, Target target, const IgnoreList& ignore) {
  // run_input() without its outcome.
  Decoder decoder(data, target);
  const std::vector<std::string> parties = target_parties(target);
  // The party evm runs the evm layout only: a thing-layout pool is not an input for it.
  if (decoder.pool().layout == Layout::thing && std::find(parties.begin(), parties.end(), "evm") != parties.end()) return;
  // The operations are not kept (no copy of each, no trace buffer per input): a divergence that
  // is reported runs the input again with them, for the report's trace (runs are deterministic).
  Executor::Options options;
  options.keep_trace = false;
  auto ex = make_executor(decoder.pool(), parties, options);
  if (run_decoded(decoder, *ex, nullptr) != Executor::StepStatus::diverged) return;
  if (ignore.matches(*ex->divergence())) return;
  const RunOutcome again = run_input(data, target);
  const std::string report =
      again.divergence ? again.divergence->report(again.trace)
                       : ex->divergence()->report(Trace{}) +
                             "(the trace is missing: the input did not diverge when run again, so the harness is not "
                             "deterministic)\n";
  std::fprintf(stderr, "==fealloc== fuzz_%s: divergence\n%s", std::string(target_name(target)).c_str(), report.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace fealloc::fuzz
