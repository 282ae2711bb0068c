#pragma once
// What the benchmarks share: the pgbench reference measured in the same run, a closed-loop
// driver of asynchronous unary calls, latency summaries and the peak memory of a process.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/support/status.h>

#include "libs/testing/pg.h"

namespace crm::bench {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what);

struct PgbenchResult {
  double best = 0;                 // the best over the client counts tried
  double same_clients = 0;         // with `clients` clients
  std::vector<int> fastest_first;  // the client counts tried, by transactions/s
};

// `pgbench -S -M prepared` (scale 10) for 2, 4, 8 and `clients` clients, printing each.
PgbenchResult Pgbench(const std::string& conninfo, int clients, int seconds);
// One `pgbench -S -M prepared` run on the database Pgbench initialised: transactions/s.
// `select_only` false: pgbench's default TPC-B-like script (three updates and an insert per
// transaction), the reference for writes.
double PgbenchTps(const std::string& conninfo, int clients, int seconds, bool select_only = true);
// The best of PgbenchTps (select only) at each of `clients`; *best_clients gets its count and
// *client_us (if set) the CPU time pgbench itself spent a transaction in that run.
double PgbenchBestOf(const std::string& conninfo, const std::vector<int>& clients, int seconds,
                     int* best_clients, double* client_us = nullptr);
// Initialises a pgbench database (scale 10).
void PgbenchInit(const std::string& conninfo);

// The middle value (of an even count, the upper of the two in the middle); 0 for none.
double Median(std::vector<double> values);

// How long a benchmark's call may take (its deadline), whichever load generator makes it.
inline constexpr int kCallSeconds = 10;

// One call in flight: its context and outcome. Subclasses hold the response.
struct AsyncCall {
  virtual ~AsyncCall() = default;
  // Sends `token` as the caller's bearer token and sets the deadline (kCallSeconds).
  void Authorize(const std::string& token);
  grpc::ClientContext ctx;
  grpc::Status status;
  Clock::time_point start;
  int kind = 0;  // a kind of call, to summarise latencies by (Result::p99_ms_by_kind)
};

// Starts call number n on cq (tag: the returned call), e.g. stub->AsyncGetUser(…)->Finish(…).
using StartCall = std::function<AsyncCall*(int64_t n, grpc::CompletionQueue* cq)>;

// The client thread that starts call number n (Drive numbers each thread's calls from
// thread << kThreadShift): a thread uses one connection, as each of pgbench's clients does, so
// the threads do not contend for the same connections.
inline constexpr int kThreadShift = 40;
inline int ThreadOf(int64_t n) { return static_cast<int>(n >> kThreadShift); }

struct Result {
  double rps = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t errors = 0;
  std::string first_error;
  std::map<int, double> p99_ms_by_kind;  // by AsyncCall::kind
};

// What one client thread of a closed loop records: the calls it finished in the measurement.
class Tally {
 public:
  explicit Tally(const std::atomic<bool>* measuring) : measuring_(measuring) {}
  // A call that succeeded, started at `start`; `kind` as AsyncCall::kind.
  void Done(int kind, Clock::time_point start);
  void Failed(const std::string& error);

 private:
  friend Result RunClosedLoop(int, int, const std::function<void(bool)>&,
                              const std::function<void(int, Tally&, const std::atomic<bool>&)>&);
  const std::atomic<bool>* measuring_;
  std::vector<std::pair<int, double>> latencies_;  // kind, ms
  int64_t errors_ = 0;
  std::string first_error_;
};

// Runs body(t, tally, stop) on threads t = 0 … threads - 1, each keeping its calls in flight
// until `stop` and returning once they have finished: 2 s of warm-up, then `seconds` of
// measurement; `window`, if set, is called as the measurement begins (true) and ends (false).
Result RunClosedLoop(
    int threads, int seconds, const std::function<void(bool begins)>& window,
    const std::function<void(int t, Tally& tally, const std::atomic<bool>& stop)>& body);

// Keeps `clients` calls in flight from `threads` threads (RunClosedLoop) through gRPC's client.
Result Drive(const StartCall& start, int clients, int threads, int seconds,
             const std::function<void(bool begins)>& window = nullptr);

// The calls of a thread: `clients` spread over `threads`, the first threads taking the rest.
inline int ClientsOf(int t, int clients, int threads) {
  return clients / threads + (t < clients % threads ? 1 : 0);
}

// Channels over distinct connections.
std::vector<std::shared_ptr<grpc::Channel>> Channels(const std::string& target, int n);

// Command-line flags "<prefix><value>" (prefix like "--clients="): whether `arg` is that flag
// with a well-formed value, stored in `out`. A list is comma-separated positive integers.
bool IntFlag(const std::string& arg, const std::string& prefix, int* out);
bool IntListFlag(const std::string& arg, const std::string& prefix, std::vector<int>* out);

// Times the steps of a flow: each call adds the time since the previous one (or since it was
// made) to the next step's total.
class Laps {
 public:
  explicit Laps(std::vector<double>* step_ms) : step_ms_(step_ms) {}
  void operator()() {
    const auto now = Clock::now();
    (*step_ms_)[step_++] += std::chrono::duration<double, std::milli>(now - at_).count();
    at_ = now;
  }

 private:
  std::vector<double>* step_ms_;
  size_t step_ = 0;
  Clock::time_point at_ = Clock::now();
};

// A business flow of several write RPCs, repeated by each client thread as fast as answers
// come back: `flow(n, step_ms)` makes flow number n, adding each step's time to step_ms[k];
// the first failure, or OK.
using Flow = std::function<grpc::Status(int64_t n, std::vector<double>* step_ms)>;
struct FlowOptions {
  int clients = 16;
  int seconds = 10;
  int rounds = 3;
  // The flow's steps (one write RPC each), by name.
  std::vector<std::string> steps;
  // The ratio to pgbench a write RPC must reach (printed with the result).
  double floor = 0.25;
  // Calls to the services and between them over TCP on the loopback (--tcp) rather than
  // Unix-domain sockets, which pgbench's calls to PostgreSQL take.
  bool tcp = false;
};
// Runs `rounds` rounds of pgbench's TPC-B-like script (PgbenchTps, select_only false) with
// `clients` clients against `pgbench_conninfo`, each followed by `clients` threads running
// `flow` (2 s of warm-up, then `seconds` measured); prints each round (flows/s, p50, p99, the
// ratio to pgbench a flow and a write RPC, the mean time of each step) and the medians.
// Returns the median ratio a write RPC.
double RunFlows(const std::string& pgbench_conninfo, const FlowOptions& options, const Flow& flow);

// The command line of a flow benchmark: --clients=, --seconds=, --rounds=, --tcp into `o`, the
// integer flags of `extra` (prefix such as "--receivables=", and where it goes), and after
// "--" the flags of the service under test, which are returned. Exits with `usage` on anything
// else.
std::vector<std::string> ParseFlowFlags(
    int argc, char** argv, FlowOptions& o, const std::string& usage,
    const std::vector<std::pair<std::string, int*>>& extra = {});

// What a flow benchmark runs against: a private durable cluster, pgbench's tables in a
// database of it, and an empty database (`name`) for the services.
struct FlowDatabases {
  std::unique_ptr<test::TempCluster> cluster;
  std::unique_ptr<test::TestDatabase> pgbench;
  std::unique_ptr<test::TestDatabase> services;
};
// Starts them and prints the cluster's port and the options; exits on failure.
FlowDatabases StartFlowDatabases(const FlowOptions& o, const std::string& name);

// Runs an SQL script with psql against `conninfo` (through a temporary file, as a script of
// generated data can be large); exits on failure. Returns the seconds it took.
double RunSqlScript(const std::string& sql, const std::string& conninfo);

// The peak resident memory of a process (VmHWM), in MiB; 0 if unknown.
double PeakRssMib(int pid);
// CPU time (user + system) a process has used so far, in seconds.
double CpuSeconds(int pid);

}  // namespace crm::bench
