#include "core/event_reader.h"

namespace relman {

// Every line has seven or so keys: compare as few bytes as possible.
EventReader::Field EventReader::field_of(const std::string& k) {
  switch (k.size()) {
    case 1:
      return k == "v" ? Field::v : Field::other;
    case 2:
      return k == "by" ? Field::by : Field::other;
    case 3:
      return k == "seq" ? Field::seq : Field::other;
    case 4:
      return k == "step"   ? Field::step
             : k == "t_ms" ? Field::t_ms
             : k == "data" ? Field::data
             : k == "next" ? Field::next
                           : Field::other;
    case 5:
      return k == "event" ? Field::event : k == "error" ? Field::error : Field::other;
    case 6:
      return k == "reason" ? Field::reason : k == "decide" ? Field::decide : Field::other;
    case 7:
      return k == "outputs" ? Field::outputs : Field::other;
    case 10:
      return k == "reconciled" ? Field::reconciled : Field::other;
    default:
      return Field::other;
  }
}

EventReader::Result EventReader::read(const char* first, const char* last, Event& out) {
  out.clear();
  out_ = &out;
  depth_ = 0;
  skip_depth_ = 0;
  object_ = event_string_ = v_integer_ = false;
  v_ = 0;
  field_ = Field::other;
  target_ = nullptr;
  open_.clear();
  if (!json::sax_parse(first, last, this, json::input_format_t::json, /*strict=*/true))
    return {"it is not valid JSON", 0};
  if (!object_ || !event_string_ || !v_integer_) return {"it is not a relman event", v_};
  return {nullptr, v_};
}

template <class T>
bool EventReader::kept_scalar(T&& value) {
  if (building()) {
    add(json(std::forward<T>(value)));
    return true;
  }
  if (!top_level() || (field_ != Field::outputs && field_ != Field::data)) return false;
  (field_ == Field::outputs ? out_->outputs : out_->data) = std::forward<T>(value);
  return true;
}

bool EventReader::kept_container(json empty) {
  if (building()) {
    add(std::move(empty));
    return true;
  }
  if (!top_level() || (field_ != Field::outputs && field_ != Field::data)) return false;
  target_ = field_ == Field::outputs ? &out_->outputs : &out_->data;
  *target_ = std::move(empty);
  open_.push_back(target_);
  return true;
}

void EventReader::add(json value) {
  json& parent = *open_.back();
  json* slot = parent.is_array() ? &parent.emplace_back(std::move(value)) : &(parent[nested_key_] = std::move(value));
  if (slot->is_structured()) open_.push_back(slot);
}

void EventReader::close_container() {
  if (building()) {
    open_.pop_back();
    if (open_.empty()) target_ = nullptr;
    return;
  }
  --depth_;
  if (skip_depth_ > 0) --skip_depth_;
}

bool EventReader::null() {
  kept_scalar(nullptr);
  return true;
}

bool EventReader::boolean(bool b) {
  if (kept_scalar(b) || !top_level()) return true;
  if (field_ == Field::reconciled) out_->reconciled = b;
  else if (field_ == Field::decide) out_->decide = b;
  return true;
}

bool EventReader::number_integer(json::number_integer_t n) {
  if (kept_scalar(n) || !top_level()) return true;
  if (field_ == Field::t_ms) out_->t_ms = n;
  else if (field_ == Field::v) v_integer_ = true, v_ = static_cast<int>(n);
  return true;
}

bool EventReader::number_unsigned(json::number_unsigned_t n) {
  if (kept_scalar(n) || !top_level()) return true;
  if (field_ == Field::t_ms) out_->t_ms = static_cast<int64_t>(n);
  else if (field_ == Field::seq) out_->seq = n;
  else if (field_ == Field::v) v_integer_ = true, v_ = n > 1'000'000 ? 1'000'000 : static_cast<int>(n);
  return true;
}

bool EventReader::number_float(json::number_float_t f, const json::string_t&) {
  kept_scalar(f);
  return true;
}

bool EventReader::string(json::string_t& s) {
  if (kept_scalar(std::move(s)) || !top_level()) return true;
  switch (field_) {
    case Field::event:
      out_->name.assign(s), event_string_ = true;
      break;
    case Field::step:
      out_->step.assign(s);
      break;
    case Field::error:
      out_->error.assign(s);
      break;
    case Field::reason:
      out_->reason.assign(s);
      break;
    case Field::by:
      out_->by.assign(s);
      break;
    case Field::next:
      out_->next.assign(s);
      break;
    default:
      break;
  }
  return true;
}

bool EventReader::binary(json::binary_t&) { return true; }

bool EventReader::start_object(std::size_t) {
  if (kept_container(json::object())) return true;
  if (depth_ == 0) object_ = true;
  else ++skip_depth_;  // a nested object nobody reads
  ++depth_;
  return true;
}

bool EventReader::start_array(std::size_t) {
  if (kept_container(json::array())) return true;
  ++skip_depth_;  // at the top, an array is not an event: object_ stays false
  ++depth_;
  return true;
}

bool EventReader::end_object() {
  close_container();
  return true;
}

bool EventReader::end_array() {
  close_container();
  return true;
}

bool EventReader::key(json::string_t& k) {
  if (building()) {
    nested_key_ = std::move(k);
    return true;
  }
  if (!top_level()) return true;
  // A repeated key counts as it does in a JSON tree: the last one wins.
  field_ = field_of(k);
  switch (field_) {
    case Field::event:
      event_string_ = false, out_->name.clear();
      break;
    case Field::step:
      out_->step.clear();
      break;
    case Field::error:
      out_->error.clear();
      break;
    case Field::reason:
      out_->reason.clear();
      break;
    case Field::by:
      out_->by.clear();
      break;
    case Field::next:
      out_->next.clear();
      break;
    case Field::t_ms:
      out_->t_ms = 0;
      break;
    case Field::seq:
      out_->seq = 0;
      break;
    case Field::v:
      v_integer_ = false, v_ = 0;
      break;
    case Field::reconciled:
      out_->reconciled = false;
      break;
    case Field::decide:
      out_->decide = false;
      break;
    case Field::outputs:
      out_->has_outputs = true;
      break;
    case Field::data:
      out_->has_data = true;
      break;
    case Field::other:
      break;
  }
  return true;
}

bool EventReader::parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

}  // namespace relman
