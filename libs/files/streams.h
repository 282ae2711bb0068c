#pragma once
// The upload and download streams of a file attached to a record, for any service: the
// service supplies its steps (checks, storage) and its messages, which follow one shape:
//
//   message Upload…Request { oneof part { <Meta> metadata = 1; bytes chunk = 2; }
//                            string request_id = 3; }
//   message Download…Response { oneof part { <Meta> metadata = 1; bytes chunk = 2; } }
//
// An upload is checked (caller, metadata, then the record in the database) before any content
// is taken in; memory grows with what arrives, never with what was declared, and at most
// UploadSlots uploads are held at once. A download writes the metadata, then one stored chunk
// at a time.

#include <functional>
#include <string>

#include <grpcpp/support/server_callback.h>

#include "absl/strings/str_cat.h"
#include "libs/files/files.h"
#include "libs/rpc/stream.h"

namespace crm::files {

template <typename Request, typename Stored>
struct UploadSteps {
  // Whether the caller may upload at all: checked as the stream opens.
  std::function<absl::Status(const auth::Principal&)> may_upload;
  // The first message's checks that need no database; the size it declares.
  std::function<absl::StatusOr<int64_t>(const auth::Principal&, const Request& first)> begin;
  // Whether the record the file is for takes it from the caller (in scope, changeable).
  std::function<absl::Status(db::Conn&, const auth::Principal&, const Request& first)> check_record;
  // Verifies and stores the content: the stored file's metadata.
  std::function<absl::StatusOr<Stored>(db::Conn&, const auth::Principal&, const rpc::RequestMeta&,
                                       const Request& first, const std::string& content)>
      store;
  const UploadSlots* slots = nullptr;
};

template <typename Request, typename Stored>
class UploadStream : public rpc::Stream<grpc::ServerReadReactor<Request>> {
  using Base = rpc::Stream<grpc::ServerReadReactor<Request>>;

 public:
  UploadStream(const rpc::Calls* calls, grpc::CallbackServerContext* ctx,
               const UploadSteps<Request, Stored>* steps, Stored* resp)
      : Base(calls, ctx), steps_(steps), resp_(resp) {
    std::lock_guard<std::mutex> lock(this->mu_);
    if (this->early_.ok()) this->early_ = steps_->may_upload(*this->principal_);
    if (!this->early_.ok()) {
      this->FinishLocked(this->early_);
      return;
    }
    this->StartRead(&req_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // everything received
      if (!started_) {
        std::lock_guard<std::mutex> lock(this->mu_);
        return this->FinishLocked(InvalidField("metadata", "the first message must carry it"));
      }
      return Store();
    }
    std::lock_guard<std::mutex> lock(this->mu_);
    if (!started_) {
      if (!req_.has_metadata()) {
        return this->FinishLocked(InvalidField("metadata", "the first message must carry it"));
      }
      started_ = true;
      first_ = req_;
      auto size = steps_->begin(*this->principal_, first_);
      if (!size.ok()) return this->FinishLocked(size.status());
      declared_ = *size;
      if (absl::Status s = steps_->slots->Take(); !s.ok()) return this->FinishLocked(s);
      counted_ = true;
      return this->OnDbLocked(
          [this](db::Conn& conn) { return steps_->check_record(conn, *this->principal_, first_); },
          [this](absl::Status accepted) {
            if (!accepted.ok()) return this->FinishLocked(accepted);
            this->StartRead(&req_);
          });
    }
    if (this->Ended()) return;  // cancelled meanwhile: nothing more is read
    if (!req_.has_chunk()) {
      return this->FinishLocked(InvalidField("metadata", "may only come in the first message"));
    }
    if (content_.size() + req_.chunk().size() > static_cast<size_t>(declared_)) {
      return this->FinishLocked(
          InvalidField("chunk", absl::StrCat("the content is longer than the ", declared_,
                                             " bytes declared in metadata.size_bytes")));
    }
    content_.append(req_.chunk());
    this->StartRead(&req_);
  }

  void OnCancel() override { this->Cancelled(); }
  void OnDone() override {
    if (counted_) steps_->slots->Release();
    this->Destroy();
  }

 private:
  void Store() {
    this->OnDb(
        [this](db::Conn& conn) {
          return steps_->store(conn, *this->principal_,
                               {this->request_id_, this->principal_->user_id}, first_, content_);
        },
        [this](absl::StatusOr<Stored> stored) {
          if (stored.ok()) *resp_ = *std::move(stored);
          this->FinishLocked(stored.status());
        });
  }

  const UploadSteps<Request, Stored>* steps_;
  Stored* resp_;
  Request req_;
  Request first_;
  bool started_ = false;
  bool counted_ = false;  // holds an upload slot
  int64_t declared_ = 0;
  std::string content_;
};

// A stored file opened for download.
template <typename Meta>
struct Opened {
  Meta metadata;
  std::string file_id;
  int chunks = 0;
};

template <typename Request, typename Meta>
struct DownloadSteps {
  // Authorises the download and says what to send.
  std::function<absl::StatusOr<Opened<Meta>>(db::Conn&, const auth::Principal&, const Request&)>
      open;
  // Piece `seq` of an opened file.
  std::function<absl::StatusOr<std::string>(db::Conn&, const std::string& file_id, int seq)> chunk;
};

template <typename Request, typename Response, typename Meta>
class DownloadStream : public rpc::Stream<grpc::ServerWriteReactor<Response>> {
  using Base = rpc::Stream<grpc::ServerWriteReactor<Response>>;

 public:
  DownloadStream(const rpc::Calls* calls, grpc::CallbackServerContext* ctx,
                 const DownloadSteps<Request, Meta>* steps, const Request* req)
      : Base(calls, ctx), steps_(steps), req_(*req) {
    if (!this->early_.ok()) {
      std::lock_guard<std::mutex> lock(this->mu_);
      this->FinishLocked(this->early_);
      return;
    }
    this->OnDb([this](db::Conn& conn) { return steps_->open(conn, *this->principal_, req_); },
               [this](absl::StatusOr<Opened<Meta>> opened) {
                 if (!opened.ok()) return this->FinishLocked(opened.status());
                 file_id_ = opened->file_id;
                 chunks_ = opened->chunks;
                 *resp_.mutable_metadata() = std::move(opened->metadata);
                 this->StartWrite(&resp_);
               });
  }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard<std::mutex> lock(this->mu_);
      if (!ok) return this->FinishLocked(absl::UnavailableError("stream broken"));
      if (this->finished_) return;
      if (next_ >= chunks_) return this->FinishLocked(absl::OkStatus());
    }
    this->OnDb([this](db::Conn& conn) { return steps_->chunk(conn, file_id_, next_); },
               [this](absl::StatusOr<std::string> chunk) {
                 if (!chunk.ok()) return this->FinishLocked(chunk.status());
                 ++next_;
                 resp_.Clear();
                 resp_.set_chunk(*std::move(chunk));
                 this->StartWrite(&resp_);
               });
  }

  void OnCancel() override { this->Cancelled(); }
  void OnDone() override { this->Destroy(); }

 private:
  const DownloadSteps<Request, Meta>* steps_;
  Request req_;
  std::string file_id_;
  int chunks_ = 0;
  int next_ = 0;
  Response resp_;
};

}  // namespace crm::files
