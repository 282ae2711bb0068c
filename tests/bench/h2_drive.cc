#include "tests/bench/h2_drive.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace crm::bench {
namespace {

// A connected stream socket to "unix:<path>" or "<host>:<port>"; dies if it cannot connect.
int Connect(const std::string& address) {
  if (address.rfind("unix:", 0) == 0) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    const std::string path = address.substr(5);
    if (path.size() >= sizeof sa.sun_path) Die("socket path too long: " + path);
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      Die(absl::StrCat("cannot connect to ", address, ": ", std::strerror(errno)));
    }
    return fd;
  }
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) Die("not <host>:<port>: " + address);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(address.substr(0, colon).c_str(), address.substr(colon + 1).c_str(), &hints,
                  &found) != 0 ||
      found == nullptr) {
    Die("cannot resolve " + address);
  }
  const int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const bool connected = fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) == 0;
  freeaddrinfo(found);
  if (!connected) Die(absl::StrCat("cannot connect to ", address, ": ", std::strerror(errno)));
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// A call in flight on a connection.
struct Stream {
  int64_t n = 0;
  Clock::time_point start;
  std::string request;  // the length-prefixed message
  size_t sent = 0;
  std::string response;  // the DATA received
  std::string http_status, grpc_status, grpc_message;
};

// One thread's connection: its HTTP/2 session and the calls in flight on it.
class Connection {
 public:
  Connection(const H2Target& target, const H2Request& request, const H2Check& check, Tally& tally,
             int64_t first)
      : target_(target), request_(request), check_(check), tally_(tally), next_(first) {
    fd_ = Connect(target.address);
    nghttp2_session_callbacks* callbacks;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, OnHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, OnData);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, OnClose);
    nghttp2_session_client_new(&session_, callbacks, this);
    nghttp2_session_callbacks_del(callbacks);
    // Large windows, as gRPC's client sets: flow control never holds a response back.
    const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 24}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 1);
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, 1 << 30);
    header_text_ = {{":method", "POST"},
                    {":scheme", "http"},
                    {":authority", "localhost"},
                    {":path", target_.method},
                    {"content-type", "application/grpc"},
                    {"te", "trailers"},
                    {"grpc-timeout", absl::StrCat(kCallSeconds, "S")}};
    header_text_.insert(header_text_.end(), target_.metadata.begin(), target_.metadata.end());
    for (const auto& [name, value] : header_text_) headers_.push_back(Header(name, value));
  }

  ~Connection() {
    nghttp2_session_del(session_);
    close(fd_);
  }

  // Keeps `clients` calls in flight until `stop`, then waits for those in flight.
  void Run(int clients, const std::atomic<bool>& stop) {
    for (int i = 0; i < clients; ++i) Start();
    std::string out;
    char in[1 << 16];
    while (!streams_.empty()) {
      // Everything the session has to send, in as few writes as the socket takes.
      const uint8_t* data;
      ssize_t n;
      while ((n = nghttp2_session_mem_send(session_, &data)) > 0) {
        out.append(reinterpret_cast<const char*>(data), n);
      }
      if (n < 0) Die(absl::StrCat("HTTP/2: ", nghttp2_strerror(static_cast<int>(n))));
      pollfd p{fd_, static_cast<short>(POLLIN | (out.empty() ? 0 : POLLOUT)), 0};
      if (poll(&p, 1, 10000) <= 0) Die("no response from " + target_.address + " for 10 s");
      if (p.revents & POLLOUT) {
        const ssize_t w = send(fd_, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno != EAGAIN) Die(absl::StrCat("send: ", std::strerror(errno)));
        if (w > 0) out.erase(0, w);
      }
      if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
        const ssize_t r = recv(fd_, in, sizeof in, MSG_DONTWAIT);
        if (r == 0) Die(target_.address + " closed the connection");
        if (r < 0 && errno != EAGAIN) Die(absl::StrCat("recv: ", std::strerror(errno)));
        if (r > 0) {
          const ssize_t used =
              nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(in), r);
          if (used < 0) Die(absl::StrCat("HTTP/2: ", nghttp2_strerror(static_cast<int>(used))));
        }
      }
      // Calls finished in this round are replaced after the session's callbacks have returned.
      for (; finished_ > 0; --finished_) {
        if (!stop) Start();
      }
    }
  }

 private:
  static nghttp2_nv Header(const std::string& name, const std::string& value) {
    return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
            reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
            NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
  }

  void Start() {
    Stream s;
    s.n = next_++;
    const std::string message = request_(s.n);
    s.request.resize(5);
    const uint32_t size = static_cast<uint32_t>(message.size());
    for (int i = 0; i < 4; ++i) s.request[1 + i] = static_cast<char>(size >> (24 - 8 * i));
    s.request += message;
    nghttp2_data_provider body{};
    body.read_callback = ReadBody;
    const int32_t id =
        nghttp2_submit_request(session_, nullptr, headers_.data(), headers_.size(), &body, this);
    if (id < 0) Die(absl::StrCat("HTTP/2: ", nghttp2_strerror(id)));
    s.start = Clock::now();
    streams_.emplace(id, std::move(s));
  }

  Stream* Find(int32_t id) {
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : &it->second;
  }

  static ssize_t ReadBody(nghttp2_session*, int32_t id, uint8_t* buf, size_t length,
                          uint32_t* flags, nghttp2_data_source*, void* user) {
    Stream* s = static_cast<Connection*>(user)->Find(id);
    if (s == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    const size_t n = std::min(length, s->request.size() - s->sent);
    std::memcpy(buf, s->request.data() + s->sent, n);
    s->sent += n;
    if (s->sent == s->request.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    Stream* s = static_cast<Connection*>(user)->Find(frame->hd.stream_id);
    if (s == nullptr) return 0;
    const std::string_view n(reinterpret_cast<const char*>(name), namelen);
    const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status") s->http_status = v;
    if (n == "grpc-status") s->grpc_status = v;
    if (n == "grpc-message") s->grpc_message = v;
    return 0;
  }

  static int OnData(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len,
                    void* user) {
    if (Stream* s = static_cast<Connection*>(user)->Find(id)) {
      s->response.append(reinterpret_cast<const char*>(data), len);
    }
    return 0;
  }

  static int OnClose(nghttp2_session*, int32_t id, uint32_t error_code, void* user) {
    auto* self = static_cast<Connection*>(user);
    auto it = self->streams_.find(id);
    if (it == self->streams_.end()) return 0;
    const std::string error = self->Verdict(it->second, error_code);
    if (error.empty()) {
      self->tally_.Done(0, it->second.start);
    } else {
      self->tally_.Failed(error);
    }
    self->streams_.erase(it);
    ++self->finished_;
    return 0;
  }

  // What is wrong with a finished call; empty if nothing.
  std::string Verdict(const Stream& s, uint32_t error_code) const {
    if (error_code != NGHTTP2_NO_ERROR) {
      return absl::StrCat("stream reset: ", nghttp2_http2_strerror(error_code));
    }
    if (s.http_status != "200") return "HTTP status " + s.http_status;
    if (s.grpc_status != "0") {
      return absl::StrCat("grpc-status ", s.grpc_status.empty() ? "missing" : s.grpc_status, ": ",
                          s.grpc_message);
    }
    if (s.response.size() < 5 || s.response[0] != 0) return "response not one plain message";
    uint32_t size = 0;
    for (int i = 1; i < 5; ++i) size = size << 8 | static_cast<uint8_t>(s.response[i]);
    if (size != s.response.size() - 5) return "response not one plain message";
    return check_(s.n, std::string_view(s.response).substr(5));
  }

  const H2Target& target_;
  const H2Request& request_;
  const H2Check& check_;
  Tally& tally_;
  int64_t next_;
  int fd_ = -1;
  nghttp2_session* session_ = nullptr;
  std::vector<std::pair<std::string, std::string>> header_text_;
  std::vector<nghttp2_nv> headers_;  // pointing into header_text_
  std::unordered_map<int32_t, Stream> streams_;
  int finished_ = 0;
};

}  // namespace

Result DriveH2(const H2Target& target, const H2Request& request, const H2Check& check, int clients,
               int threads, int seconds, const std::function<void(bool begins)>& window) {
  return RunClosedLoop(threads, seconds, window, [&](int t, Tally& tally, const auto& stop) {
    Connection connection(target, request, check, tally, static_cast<int64_t>(t) << kThreadShift);
    connection.Run(ClientsOf(t, clients, threads), stop);
  });
}

}  // namespace crm::bench
