#include "tests/bench/bench.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "libs/testing/pg.h"
#include "tests/e2e/stack.h"

namespace crm::bench {
namespace {

// Debian's Abseil checks every mutex acquisition for deadlock cycles (a graph update per lock,
// a few percent of the load generator's CPU in gRPC's client); the services turn it off, and so
// does every benchmark, before its first call.
const bool kNoDeadlockDetection = [] {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return true;
}();

}  // namespace

void Die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(1);
}

double PgbenchTps(const std::string& conninfo, int clients, int seconds, bool select_only) {
  auto run = test::RunCommand(absl::StrCat("pgbench ", select_only ? "-S " : "",
                                           "-M prepared -n -c ", clients, " -j 2 -T ", seconds, " ",
                                           test::ShellQuote(conninfo)));
  if (!run.ok()) Die(run.status().ToString());
  std::smatch m;
  if (!std::regex_search(*run, m, std::regex("tps = ([0-9.]+)"))) Die("no tps in: " + *run);
  double tps;
  (void)absl::SimpleAtod(m[1].str(), &tps);
  return tps;
}

void PgbenchInit(const std::string& conninfo) {
  auto init = test::RunCommand(absl::StrCat("pgbench -q -i -s 10 ", test::ShellQuote(conninfo)));
  if (!init.ok()) Die(init.status().ToString());
}

double PgbenchBestOf(const std::string& conninfo, const std::vector<int>& clients, int seconds,
                     int* best_clients, double* client_us) {
  // pgbench runs as a child of this process, reaped before PgbenchTps returns.
  const auto children_cpu = [] {
    rusage u{};
    getrusage(RUSAGE_CHILDREN, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  double best = 0;
  for (int c : clients) {
    const double cpu_before = children_cpu();
    const double tps = PgbenchTps(conninfo, c, seconds);
    if (tps > best) {
      best = tps;
      *best_clients = c;
      if (client_us != nullptr) *client_us = (children_cpu() - cpu_before) * 1e6 / (tps * seconds);
    }
  }
  return best;
}

PgbenchResult Pgbench(const std::string& conninfo, int clients, int seconds) {
  PgbenchInit(conninfo);
  PgbenchResult result;
  std::vector<std::pair<double, int>> tried;
  for (int c : {2, 4, 8, clients}) {
    const double tps = PgbenchTps(conninfo, c, seconds);
    std::printf("pgbench -S -M prepared -c %-3d -j 2:  %10.0f transactions/s\n", c, tps);
    tried.emplace_back(tps, c);
    if (c == clients) result.same_clients = tps;
  }
  std::sort(tried.rbegin(), tried.rend());
  result.best = tried.front().first;
  for (const auto& [tps, c] : tried) result.fastest_first.push_back(c);
  return result;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void AsyncCall::Authorize(const std::string& token) {
  ctx.AddMetadata("authorization", "Bearer " + token);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(kCallSeconds));
}

void Tally::Done(int kind, Clock::time_point start) {
  if (!*measuring_) return;
  latencies_.emplace_back(kind,
                          std::chrono::duration<double, std::milli>(Clock::now() - start).count());
}

void Tally::Failed(const std::string& error) {
  if (!*measuring_) return;
  if (first_error_.empty()) first_error_ = error;
  ++errors_;
}

Result RunClosedLoop(
    int threads, int seconds, const std::function<void(bool begins)>& window,
    const std::function<void(int t, Tally& tally, const std::atomic<bool>& stop)>& body) {
  std::atomic<bool> measuring{false}, stop{false};
  std::vector<Tally> tallies(threads, Tally(&measuring));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] { body(t, tallies[t], stop); });
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // warm-up
  if (window) window(true);
  measuring = true;
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  measuring = false;
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  if (window) window(false);
  stop = true;
  for (auto& w : workers) w.join();
  Result r;
  std::vector<double> all;
  std::map<int, std::vector<double>> by_kind;
  for (const Tally& tally : tallies) {
    r.errors += tally.errors_;
    if (r.first_error.empty()) r.first_error = tally.first_error_;
    for (const auto& [kind, ms] : tally.latencies_) {
      all.push_back(ms);
      by_kind[kind].push_back(ms);
    }
  }
  if (all.empty()) return r;
  std::sort(all.begin(), all.end());
  const auto p99 = [](const std::vector<double>& sorted) {
    return sorted[static_cast<size_t>(sorted.size() * 0.99)];
  };
  r.rps = all.size() / elapsed;
  r.p50_ms = all[all.size() / 2];
  r.p99_ms = p99(all);
  for (auto& [kind, ms] : by_kind) {
    std::sort(ms.begin(), ms.end());
    r.p99_ms_by_kind[kind] = p99(ms);
  }
  return r;
}

Result Drive(const StartCall& start_call, int clients, int threads, int seconds,
             const std::function<void(bool begins)>& window) {
  return RunClosedLoop(threads, seconds, window, [&](int t, Tally& tally, const auto& stop) {
    grpc::CompletionQueue cq;
    int64_t n = static_cast<int64_t>(t) << kThreadShift;
    auto start = [&] {
      AsyncCall* c = start_call(n++, &cq);
      c->start = Clock::now();
    };
    const int mine = ClientsOf(t, clients, threads);
    for (int i = 0; i < mine; ++i) start();
    int in_flight = mine;
    void* tag;
    bool ok;
    while (in_flight > 0 && cq.Next(&tag, &ok)) {
      auto* c = static_cast<AsyncCall*>(tag);
      if (c->status.ok()) {
        tally.Done(c->kind, c->start);
      } else {
        tally.Failed(c->status.error_message());
      }
      delete c;
      --in_flight;
      if (!stop) {
        start();
        ++in_flight;
      }
    }
  });
}

std::vector<std::shared_ptr<grpc::Channel>> Channels(const std::string& target, int n) {
  std::vector<std::shared_ptr<grpc::Channel>> out;
  for (int i = 0; i < n; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);  // distinct connections
    args.SetMaxReceiveMessageSize(64 << 20);
    // A light client, as pgbench is to PostgreSQL: gRPC's minimal stack leaves out the
    // client-side filters (deadline enforcement, message size, compression) the load generator does
    // not need; it used about 15% less CPU a call, which the services under test then have.
    args.SetInt(GRPC_ARG_MINIMAL_STACK, 1);
    out.push_back(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }
  return out;
}

bool IntFlag(const std::string& arg, const std::string& prefix, int* out) {
  return arg.rfind(prefix, 0) == 0 && absl::SimpleAtoi(arg.substr(prefix.size()), out);
}

std::vector<std::string> ParseFlowFlags(int argc, char** argv, FlowOptions& o,
                                        const std::string& usage,
                                        const std::vector<std::pair<std::string, int*>>& extra) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") return std::vector<std::string>(argv + i + 1, argv + argc);
    if (a == "--tcp") {
      o.tcp = true;
      continue;
    }
    bool known = IntFlag(a, "--clients=", &o.clients) || IntFlag(a, "--seconds=", &o.seconds) ||
                 IntFlag(a, "--rounds=", &o.rounds);
    for (const auto& [prefix, out] : extra) known = known || IntFlag(a, prefix, out);
    if (!known) Die("usage: " + usage);
  }
  return {};
}

FlowDatabases StartFlowDatabases(const FlowOptions& o, const std::string& name) {
  FlowDatabases d;
  auto cluster = test::TempCluster::Start();
  if (!cluster.ok()) Die(cluster.status().ToString());
  d.cluster = *std::move(cluster);
  std::printf("PostgreSQL: private cluster on port %d; %d clients, %d s, %d rounds\n",
              d.cluster->port(), o.clients, o.seconds, o.rounds);
  e2e::ServeOnUnixSockets(!o.tcp);
  std::printf("calls to the services and between them over %s\n",
              o.tcp ? "TCP on the loopback" : "Unix-domain sockets (as pgbench's to PostgreSQL)");
  auto pgbench = test::TestDatabase::CreateOn(d.cluster->Conninfo(), "pgbench");
  if (!pgbench.ok()) Die(pgbench.status().ToString());
  d.pgbench = *std::move(pgbench);
  PgbenchInit(d.pgbench->AdminConninfo());
  auto services = test::TestDatabase::CreateOn(d.cluster->Conninfo(), name);
  if (!services.ok()) Die(services.status().ToString());
  d.services = *std::move(services);
  return d;
}

bool IntListFlag(const std::string& arg, const std::string& prefix, std::vector<int>* out) {
  if (arg.rfind(prefix, 0) != 0) return false;
  std::vector<int> values;
  for (absl::string_view part : absl::StrSplit(arg.substr(prefix.size()), ',')) {
    int n;
    if (!absl::SimpleAtoi(part, &n) || n < 1) return false;
    values.push_back(n);
  }
  if (values.empty()) return false;
  *out = std::move(values);
  return true;
}

double RunSqlScript(const std::string& sql, const std::string& conninfo) {
  const std::string file = absl::StrCat("/tmp/crm-bench-", getpid(), ".sql");
  std::ofstream(file) << sql;
  const auto start = Clock::now();
  auto ran =
      test::RunCommand(absl::StrCat("psql -qAtX -v ON_ERROR_STOP=1 -f ", test::ShellQuote(file),
                                    " ", test::ShellQuote(conninfo)));
  std::remove(file.c_str());
  if (!ran.ok()) Die(ran.status().ToString());
  return std::chrono::duration<double>(Clock::now() - start).count();
}

namespace {

// A file of /proc/<pid>, or "" once the process is gone (which may happen between opening the
// file and reading it: libstdc++'s streams throw then, so plain reads).
std::string ProcFile(int pid, const char* name) {
  std::string out;
  const int fd = ::open(absl::StrCat("/proc/", pid, "/", name).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return n < 0 ? std::string() : out;
}

}  // namespace

double PeakRssMib(int pid) {
  std::istringstream in(ProcFile(pid, "status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      double kib = 0;
      (void)absl::SimpleAtod(line.substr(6, line.find("kB") - 6), &kib);
      return kib / 1024;
    }
  }
  return 0;
}

double CpuSeconds(int pid) {
  const std::string stat = ProcFile(pid, "stat");
  // Fields after the command name (which may contain spaces): state is field 3; utime and
  // stime are fields 14 and 15.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
  if (fields.size() < 13) return 0;
  double utime = 0, stime = 0;
  (void)absl::SimpleAtod(fields[11], &utime);
  (void)absl::SimpleAtod(fields[12], &stime);
  return (utime + stime) / sysconf(_SC_CLK_TCK);
}

double RunFlows(const std::string& pgbench_conninfo, const FlowOptions& o, const Flow& flow) {
  const size_t steps = o.steps.size();
  std::atomic<int64_t> next{0};
  std::vector<double> ratios, rates;
  for (int round = 1; round <= o.rounds; ++round) {
    const double pg_tps = PgbenchTps(pgbench_conninfo, o.clients, o.seconds, false);
    std::atomic<bool> measuring{false}, stop{false};
    std::atomic<int64_t> errors{0};
    std::vector<std::vector<double>> latencies(o.clients);
    std::vector<std::vector<double>> step_ms(o.clients, std::vector<double>(steps));
    std::string first_error;
    std::mutex error_mu;
    std::vector<std::thread> threads;
    for (int c = 0; c < o.clients; ++c) {
      threads.emplace_back([&, c] {
        while (!stop) {
          const auto start = Clock::now();
          std::vector<double> times(steps);
          grpc::Status s = flow(next++, &times);
          const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
          if (!measuring) continue;
          if (!s.ok()) {
            ++errors;
            std::lock_guard<std::mutex> lock(error_mu);
            if (first_error.empty()) first_error = s.error_message();
            continue;
          }
          latencies[c].push_back(ms);
          for (size_t k = 0; k < steps; ++k) step_ms[c][k] += times[k];
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
    measuring = true;
    const auto t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
    measuring = false;
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    stop = true;
    for (auto& t : threads) t.join();
    std::vector<double> all;
    for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    const double rate = all.size() / elapsed;
    const auto at = [&](double q) {
      return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(q * all.size()))];
    };
    std::printf(
        "round %d: %8.0f flows/s (%.0f write RPCs/s)   p50 %.2f ms   p99 %.2f ms   errors %lld "
        "%s\n"
        "         pgbench -M prepared (TPC-B-like) -c %d: %8.0f transactions/s   ratio %.3f a "
        "flow, %.3f a write RPC\n",
        round, rate, rate * steps, at(0.5), at(0.99), static_cast<long long>(errors.load()),
        first_error.c_str(), o.clients, pg_tps, rate / pg_tps, rate * steps / pg_tps);
    std::printf("         mean per step:");
    for (size_t k = 0; k < steps; ++k) {
      double sum = 0;
      for (const auto& st : step_ms) sum += st[k];
      std::printf(" %s %.2f ms%s", o.steps[k].c_str(), all.empty() ? 0.0 : sum / all.size(),
                  k + 1 < steps ? "," : "\n");
    }
    rates.push_back(rate);
    ratios.push_back(rate / pg_tps);
  }
  const double per_rpc = Median(ratios) * steps;
  std::printf(
      "median of %d rounds: %.0f flows/s, ratio to pgbench TPC-B-like %.3f a flow, %.3f a write "
      "RPC (floor %.2f)\n",
      o.rounds, Median(rates), Median(ratios), per_rpc, o.floor);
  return per_rpc;
}

}  // namespace crm::bench
