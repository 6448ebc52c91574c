#include "core/event.h"

namespace relman {

namespace {

void take_string(const nlohmann::json& ev, const char* key, std::string& out) {
  auto it = ev.find(key);
  if (it != ev.end() && it->is_string()) out = it->get_ref<const std::string&>();
}

}  // namespace

void Event::clear() {
  name.clear();
  step.clear();
  error.clear();
  reason.clear();
  by.clear();
  next.clear();
  t_ms = 0;
  seq = 0;
  reconciled = false;
  decide = false;
  has_outputs = has_data = false;
  outputs = nullptr;
  data = nullptr;
  whole = nullptr;
}

void Event::assign(const nlohmann::json& ev) {
  clear();
  if (!ev.is_object()) return;
  take_string(ev, "event", name);
  take_string(ev, "step", step);
  take_string(ev, "error", error);
  take_string(ev, "reason", reason);
  take_string(ev, "by", by);
  take_string(ev, "next", next);
  if (auto it = ev.find("t_ms"); it != ev.end() && it->is_number_integer()) t_ms = it->get<int64_t>();
  if (auto it = ev.find("seq"); it != ev.end() && it->is_number_unsigned()) seq = it->get<uint64_t>();
  auto r = ev.find("reconciled");
  reconciled = r != ev.end() && r->is_boolean() && r->get<bool>();
  auto d = ev.find("decide");
  decide = d != ev.end() && d->is_boolean() && d->get<bool>();
  if (auto it = ev.find("outputs"); it != ev.end()) {
    has_outputs = true;
    outputs = *it;
  }
  if (auto it = ev.find("data"); it != ev.end()) {
    has_data = true;
    data = *it;
  }
  if (needs_whole(*this)) whole = ev;
}

}  // namespace relman
