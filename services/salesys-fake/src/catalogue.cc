#include "services/salesys-fake/src/catalogue.h"

#include <algorithm>
#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "libs/money/money.h"

namespace crm::salesys_fake {
namespace {

struct LineSeed {
  const char* code;
  const char* name;
  const char* unit;
  int64_t base_price;  // yuan
  std::vector<const char*> items;
};

const std::vector<LineSeed>& Seeds() {
  static const auto* seeds = new std::vector<LineSeed>{
      {"erp",
       "ERP软件",
       "套",
       48000,
       {"财务管理", "供应链管理", "生产制造", "人力资源", "资产管理", "成本核算"}},
      {"crm",
       "CRM软件",
       "套",
       36000,
       {"销售自动化", "客户服务", "营销管理", "渠道管理", "移动销售", "呼叫中心"}},
      {"server",
       "服务器",
       "台",
       26000,
       {"机架式服务器", "塔式服务器", "刀片服务器", "存储服务器", "GPU服务器", "边缘服务器"}},
      {"network",
       "网络设备",
       "台",
       9800,
       {"核心交换机", "接入交换机", "企业路由器", "无线控制器", "防火墙", "负载均衡器"}},
      {"service",
       "实施服务",
       "人天",
       2400,
       {"需求调研", "系统实施", "数据迁移", "用户培训", "驻场运维", "二次开发"}},
      {"office",
       "办公设备",
       "台",
       3200,
       {"激光打印机", "多功能一体机", "投影仪", "视频会议终端", "碎纸机", "考勤机"}},
  };
  return *seeds;
}

const char* const kEditions[] = {"标准版", "专业版", "企业版", "旗舰版", "集团版", "云服务版"};
const char* const kScales[] = {"20用户", "50用户", "100用户", "不限用户", "1年", "3年"};

google::type::Money Yuan(int64_t minor) {
  google::type::Money m;
  money::SetProto({minor, "CNY"}, &m);
  return m;
}

// A small deterministic generator (the same catalogue on every start).
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void SetDay(int64_t days, google::type::Date* out) {
  const absl::CivilDay d = absl::CivilDay(1970, 1, 1) + days;
  out->set_year(static_cast<int>(d.year()));
  out->set_month(d.month());
  out->set_day(d.day());
}

v1::Order MakeOrder(const Catalogue& c, const std::string& id, const std::string& customer_key,
                    int64_t day, uint64_t seed) {
  v1::Order o;
  o.set_id(id);
  o.set_customer_key(customer_key);
  SetDay(day, o.mutable_order_date());
  o.set_status(v1::ORDER_STATUS_COMPLETED);
  int64_t total = 0;
  const int lines = 1 + static_cast<int>(Mix(seed) % 3);
  for (int k = 0; k < lines; ++k) {
    const v1::Product& p = c.products[Mix(seed + k + 1) % c.products.size()];
    v1::OrderLine* l = o.add_lines();
    l->set_product_id(p.id());
    l->set_product_name(p.name());
    l->set_quantity(1 + static_cast<int64_t>(Mix(seed + k + 7) % 10));
    *l->mutable_unit_price() = p.list_price();
    const int64_t amount = money::MinorOf(p.list_price()) * l->quantity();
    *l->mutable_amount() = Yuan(amount);
    total += amount;
  }
  *o.mutable_total() = Yuan(total);
  o.mutable_create_time()->set_seconds(day * 86400 + 10 * 3600);
  return o;
}

}  // namespace

std::string DemoCustomerKey(int n) { return absl::StrFormat("SC%05d", n); }

Catalogue MakeCatalogue(int customers, int64_t today_days) {
  Catalogue c;
  int product_number = 0;
  for (size_t l = 0; l < Seeds().size(); ++l) {
    const LineSeed& seed = Seeds()[l];
    v1::ProductLine line;
    line.set_id(absl::StrFormat("pl-%02d", l + 1));
    line.set_code(seed.code);
    line.set_name(seed.name);
    line.set_description(absl::StrCat(seed.name, "产品线"));
    c.lines.push_back(line);
    for (size_t i = 0; i < seed.items.size(); ++i) {
      for (int e = 0; e < 6; ++e) {
        if ((i + e) % 6 == 5) continue;  // not every item in every edition
        ++product_number;
        v1::Product p;
        p.set_id(absl::StrFormat("p-%04d", product_number));
        p.set_code(absl::StrFormat("%s-%02d%d", absl::AsciiStrToUpper(seed.code), i + 1, e + 1));
        p.set_name(absl::StrCat(seed.items[i], kEditions[e]));
        p.set_product_line_id(line.id());
        p.set_specification(absl::StrCat(kEditions[e], " / ", kScales[(i + e) % 6]));
        p.set_unit(seed.unit);
        *p.mutable_list_price() = Yuan(seed.base_price * 100 * (10 + 3 * e + i) / 10);
        p.set_active(product_number % 17 != 0);  // a few are discontinued
        p.mutable_update_time()->set_seconds(1700000000);
        c.products.push_back(p);
      }
    }
  }
  for (size_t i = 0; i < c.products.size(); ++i) c.by_id[c.products[i].id()] = i;
  for (const auto& p : c.products) {
    const uint64_t h = Mix(std::hash<std::string>()(p.id()));
    for (int w = 0; w < 2; ++w) {
      v1::InventoryLevel level;
      level.set_product_id(p.id());
      level.set_warehouse_id(w == 0 ? "wh-sh" : "wh-sz");
      level.set_warehouse_name(w == 0 ? "上海仓" : "深圳仓");
      level.set_on_hand(static_cast<int64_t>((h >> (w * 16)) % 500));
      level.set_reserved(static_cast<int64_t>((h >> (w * 16 + 8)) % 50));
      level.mutable_update_time()->set_seconds(1700000000);
      c.inventory.push_back(level);
    }
  }
  struct Dated {
    int64_t day;
    v1::Order order;
  };
  std::vector<Dated> dated;
  for (int n = 1; n <= customers; ++n) {
    const int orders = static_cast<int>(Mix(n) % 9);
    const bool lapsed = n % 5 == 0;  // nothing in the last year
    for (int k = 0; k < orders; ++k) {
      const int64_t back = (lapsed ? 366 : 0) + static_cast<int64_t>(Mix(n * 131 + k) % 360);
      const uint64_t seed = static_cast<uint64_t>(n) * 1000 + k;
      dated.push_back(
          {today_days - back, MakeOrder(c, "", DemoCustomerKey(n), today_days - back, seed)});
    }
  }
  std::stable_sort(dated.begin(), dated.end(),
                   [](const Dated& a, const Dated& b) { return a.day < b.day; });
  for (size_t i = 0; i < dated.size(); ++i) {
    v1::Order o = std::move(dated[i].order);
    o.set_id(absl::StrFormat("o-%08d", i + 1));
    o.set_number(absl::StrFormat("SO%08d", i + 1));
    c.orders.push_back(std::move(o));
  }
  return c;
}

v1::Order NewOrder(const Catalogue& c, int sequence, const std::string& customer_key,
                   int64_t today_days) {
  v1::Order o = MakeOrder(c, "", customer_key, today_days, 7777777ULL + sequence);
  o.set_id(absl::StrFormat("o-%08d", sequence));
  o.set_number(absl::StrFormat("SO%08d", sequence));
  o.set_status(v1::ORDER_STATUS_OPEN);
  return o;
}

}  // namespace crm::salesys_fake
