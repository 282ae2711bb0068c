#include "services/contracts/src/contracts_service.h"

#include "absl/strings/str_cat.h"
#include "libs/proto_time/proto_time.h"
#include "libs/rpc/peer.h"
#include "libs/rpc/status_convert.h"
#include "libs/rpc/update_mask.h"
#include "libs/service/customer_lookup.h"
#include "libs/service/directory_lookup.h"
#include "libs/validation/updates.h"

namespace crm::contracts_service {
namespace {

using rpc::Call;
using rpc::Respond;
namespace cv1 = ::crm::customers::v1;
namespace pv1 = ::crm::pipeline::v1;

// How long another service may take, within the caller's deadline.
constexpr absl::Duration kPeerWait = absl::Seconds(5);

using Step = std::function<void(absl::Status)>;
using Catalogue = std::shared_ptr<salesys::Products>;

class ContractsServiceImpl final : public v1::ContractsService::CallbackService,
                                   private rpc::Glue<Parts> {
 public:
  explicit ContractsServiceImpl(const Parts& parts)
      : Glue(parts, v1::ContractsService::service_full_name()),
        upload_(files->Upload()),
        download_(files->Download()) {}

  Unary* CreateContract(Context* ctx, const v1::CreateContractRequest* req,
                        v1::Contract* resp) override {
    std::shared_ptr<Call> call = calls_.Begin(ctx, __func__, rpc::Auth::kRequired);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    Violations decoding;
    Contract c = FromProto(req->contract(), decoding);
    if (absl::Status s = contracts->CheckCreate(call->principal(), req->request_id(), c, decoding);
        !s.ok()) {
      call->Finish(s);
      return reactor;
    }
    auto catalogue = std::make_shared<salesys::Products>();
    auto join = rpc::Join::Start([this, call, req, resp, c, catalogue](absl::Status checked) {
      if (!checked.ok()) return call->Finish(checked);
      calls_.OnDb(call, [this, req, resp, c, catalogue](Call& call, db::Conn& conn) {
        return Respond(contracts->Create(conn, call.principal(), rpc::RequestMetaOf(call),
                                         req->request_id(), c, *catalogue),
                       resp);
      });
    });
    service::CheckCustomerVisible(customers, *call, c.customer_id, "contract.customer_id",
                                  kPeerWait, join->Add());
    if (!c.opportunity_id.empty()) CheckOpportunity(*call, c, join->Add());
    LookUpProducts(*call, c.lines, catalogue, join->Add());
    join->Close();
    return reactor;
  }

  Unary* GetContract(Context* ctx, const v1::GetContractRequest* req, v1::Contract* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      return Respond(contracts->Get(conn, call.principal(), req->id()), resp);
    });
  }

  Unary* ListContracts(Context* ctx, const v1::ListContractsRequest* req,
                       v1::ListContractsResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      Violations v;
      ContractFilter f;
      f.status = FromProto(req->status());
      if (req->status() != v1::CONTRACT_STATUS_UNSPECIFIED &&
          f.status == ContractStatus::kUnspecified) {
        v.Add("status", "is not a known status");
      }
      f.customer_id = req->customer_id();
      f.owner_id = req->owner_id();
      f.opportunity_id = req->opportunity_id();
      f.signed_from = proto_time::DayOf(req->signed_from(), "signed_from", v);
      f.signed_to = proto_time::DayOf(req->signed_to(), "signed_to", v);
      if (!v.empty()) return v.ToStatus();
      return rpc::RespondPage(
          contracts->List(conn, call.principal(), f, req->page_size(), req->page_token()),
          resp->mutable_contracts(), resp);
    });
  }

  Unary* UpdateContract(Context* ctx, const v1::UpdateContractRequest* req,
                        v1::Contract* resp) override {
    std::shared_ptr<Call> call = calls_.Begin(ctx, __func__, rpc::Auth::kRequired);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    Violations decoding;
    Contract patch = FromProto(req->contract(), decoding);
    std::vector<std::string> mask =
        rpc::UpdateMask(req->update_mask(), req->contract(), Contracts::UpdatableFields());
    if (absl::Status s = contracts->CheckUpdate(call->principal(), patch, req->contract().etag(),
                                                mask, decoding);
        !s.ok()) {
      call->Finish(s);
      return reactor;
    }
    auto catalogue = std::make_shared<salesys::Products>();
    LookUpProducts(*call, validation::InMask(mask, "lines") ? patch.lines : std::vector<Line>{},
                   catalogue, [this, call, req, resp, patch, mask, catalogue](absl::Status found) {
                     if (!found.ok()) return call->Finish(found);
                     calls_.OnDb(call, [=](Call& call, db::Conn& conn) {
                       return Respond(
                           contracts->Update(conn, call.principal(), rpc::RequestMetaOf(call),
                                             patch, req->contract().etag(), mask, *catalogue),
                           resp);
                     });
                   });
    return reactor;
  }

  Unary* SubmitContract(Context* ctx, const v1::SubmitContractRequest* req,
                        v1::Contract* resp) override {
    std::shared_ptr<Call> call = calls_.Begin(ctx, __func__, rpc::Auth::kRequired);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    // Read the draft, price its lines from the catalogue, then submit it if it is still the
    // version read.
    calls_.OnDb(call, [this, call, req, resp](Call& c, db::Conn& conn) {
      auto draft = contracts->PrepareSubmit(conn, c.principal(), req->id(), req->etag());
      if (!draft.ok() || draft->status != ContractStatus::kDraft) {  // refused, or a retry
        return c.Finish(Respond(draft, resp));
      }
      const std::string etag = validation::Etag(draft->version);
      auto catalogue = std::make_shared<salesys::Products>();
      LookUpProducts(
          c, draft->lines, catalogue, [this, call, req, resp, etag, catalogue](absl::Status found) {
            if (!found.ok()) return call->Finish(found);
            calls_.OnDb(call, [=](Call& call, db::Conn& conn) {
              return Respond(contracts->Submit(conn, call.principal(), rpc::RequestMetaOf(call),
                                               req->id(), etag, *catalogue),
                             resp);
            });
          });
    });
    return reactor;
  }

  Unary* ReviewContract(Context* ctx, const v1::ReviewContractRequest* req,
                        v1::Contract* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      return Respond(contracts->Review(conn, call.principal(), rpc::RequestMetaOf(call), req->id(),
                                       req->etag(), req->approve(), req->comment()),
                     resp);
    });
  }

  Unary* SignContract(Context* ctx, const v1::SignContractRequest* req,
                      v1::Contract* resp) override {
    std::shared_ptr<Call> call = calls_.Begin(ctx, __func__, rpc::Auth::kRequired);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    const std::string our_signer =
        req->our_signer_id().empty() ? call->principal().user_id : req->our_signer_id();
    if (absl::Status s =
            Contracts::CheckSign(call->principal(), req->id(), req->etag(), req->our_signer_id(),
                                 req->customer_signer_contact_id());
        !s.ok()) {
      call->Finish(s);
      return reactor;
    }
    Violations v;
    auto signing = std::make_shared<Contracts::Signing>();
    signing->id = req->id();
    signing->etag = req->etag();
    signing->sign_date = proto_time::DayOf(req->sign_date(), "sign_date", v);
    signing->customer_signer_contact_id = req->customer_signer_contact_id();
    if (!v.empty()) {
      call->Finish(v.ToStatus());
      return reactor;
    }
    auto join = rpc::Join::Start([this, call, resp, signing](absl::Status checked) {
      if (!checked.ok()) return call->Finish(checked);
      calls_.OnDb(call, [this, resp, signing](Call& call, db::Conn& conn) {
        return Respond(contracts->Sign(conn, call.principal(), rpc::RequestMetaOf(call), *signing),
                       resp);
      });
    });
    service::LookUpUser(directory, *call, our_signer, "our_signer_id", kPeerWait,
                        [signing, step = join->Add()](absl::StatusOr<service::DirectoryUser> u) {
                          if (u.ok()) signing->our_signer = *u;
                          step(u.status());
                        });
    service::LookUpContactCustomer(contacts, *call, req->customer_signer_contact_id(),
                                   "customer_signer_contact_id", kPeerWait,
                                   [signing, step = join->Add()](absl::StatusOr<std::string> c) {
                                     if (c.ok()) signing->contact_customer_id = *c;
                                     step(c.status());
                                   });
    join->Close();
    return reactor;
  }

  Unary* TerminateContract(Context* ctx, const v1::TerminateContractRequest* req,
                           v1::Contract* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      return Respond(contracts->Terminate(conn, call.principal(), rpc::RequestMetaOf(call),
                                          req->id(), req->etag(), req->reason()),
                     resp);
    });
  }

  Unary* ListStatusChanges(Context* ctx, const v1::ListStatusChangesRequest* req,
                           v1::ListStatusChangesResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      auto changes = contracts->StatusChanges(conn, call.principal(), req->contract_id());
      if (!changes.ok()) return changes.status();
      for (const auto& c : *changes) *resp->add_changes() = ToProto(c);
      return absl::OkStatus();
    });
  }

  grpc::ServerReadReactor<v1::UploadContractFileRequest>* UploadContractFile(
      Context* ctx, v1::ContractFile* resp) override {
    return new files::UploadStream(&calls_, ctx, &upload_, resp);
  }

  grpc::ServerWriteReactor<v1::DownloadContractFileResponse>* DownloadContractFile(
      Context* ctx, const v1::DownloadContractFileRequest* req) override {
    return new files::DownloadStream<v1::DownloadContractFileRequest,
                                     v1::DownloadContractFileResponse, v1::ContractFile>(
        &calls_, ctx, &download_, req);
  }

  Unary* ListContractFiles(Context* ctx, const v1::ListContractFilesRequest* req,
                           v1::ListContractFilesResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      auto listed = files->List(conn, call.principal(), req->contract_id());
      if (!listed.ok()) return listed.status();
      for (const auto& f : *listed) *resp->add_files() = ToProto(f);
      return absl::OkStatus();
    });
  }

  grpc::ServerWriteReactor<common::v1::Event>* WatchEvents(
      Context* ctx, const common::v1::WatchEventsRequest* req) override {
    return events->Watch(ctx, req);
  }

 private:
  // OK when the opportunity is visible to the caller, won, and won with the contract's customer.
  void CheckOpportunity(const Call& call, const Contract& c, Step step) const {
    pv1::GetOpportunityRequest req;
    req.set_id(c.opportunity_id);
    rpc::CallPeer<pv1::GetOpportunityRequest, pv1::Opportunity>(
        call, kPeerWait, req,
        [this](auto* ctx, auto* req, auto* resp, auto cb) {
          pipeline->async()->GetOpportunity(ctx, req, resp, std::move(cb));
        },
        [customer = c.customer_id, step = std::move(step)](const grpc::Status& s,
                                                           const pv1::Opportunity& o) {
          if (!s.ok()) {
            return step(rpc::PeerError(s, "pipeline", "contract.opportunity_id", "an opportunity"));
          }
          if (o.status() != pv1::OPPORTUNITY_STATUS_WON) {
            return step(absl::FailedPreconditionError(
                absl::StrCat("contract.opportunity_id: opportunity ", o.id(),
                             " is not won; a contract comes "
                             "from a won opportunity")));
          }
          if (o.customer_id() != customer) {
            return step(InvalidField("contract.opportunity_id",
                                     "was won with another customer than contract.customer_id"));
          }
          step(absl::OkStatus());
        });
  }

  // Fills `catalogue` with the lines' products from the sales system (nothing to do without
  // lines).
  void LookUpProducts(const Call& call, const std::vector<Line>& lines, const Catalogue& catalogue,
                      Step step) const {
    if (lines.empty()) return step(absl::OkStatus());
    const absl::Time deadline = std::min(call.deadline(), absl::Now() + kPeerWait);
    sales_system->GetProducts(
        Contracts::ProductIds(lines), deadline,
        [catalogue, step = std::move(step)](absl::StatusOr<salesys::Products> found) {
          if (found.ok()) *catalogue = *std::move(found);
          step(found.status());
        });
  }

  const Files::UploadSteps upload_;
  const Files::DownloadSteps download_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewContractsService(const Parts& parts) {
  return std::make_unique<ContractsServiceImpl>(parts);
}

}  // namespace crm::contracts_service
