#include "pickle.hpp"

#include <algorithm>
#include <bit>
#include <unordered_map>

#include "byte_reader.hpp"

namespace minitorch::internal::pickle {

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::Str: return "str";
    case Kind::Bytes: return "bytes";
    case Kind::Tuple: return "tuple";
    case Kind::List: return "list";
    case Kind::Dict: return "dict";
    case Kind::Global: return "global";
    case Kind::Object: return "object";
  }
  return "?";
}

namespace {
// Far above what any state dict needs (a few thousand values deep, nesting of a dozen levels),
// far below what would exhaust memory.
constexpr size_t kMaxStack = 1u << 20, kMaxMarks = 1u << 12, kMaxMemo = 1u << 22, kMaxHeapObjects = 1u << 26;
constexpr size_t kMaxGlobalName = 256;

uint32_t checked_ref(size_t size) {
  MT_CHECK(size < kMaxHeapObjects, "the pickle creates more than ", kMaxHeapObjects, " objects");
  return uint32_t(size);
}
}  // namespace

Value Heap::add_string(Kind kind, std::string s) {
  const uint32_t ref = checked_ref(strings.size());
  strings.push_back(std::move(s));
  return {kind, 0, 0, ref};
}

Value Heap::add_sequence(Kind kind, std::vector<Value> items) {
  const uint32_t ref = checked_ref(sequences.size());
  sequences.push_back(std::move(items));
  return {kind, 0, 0, ref};
}

Value Heap::add_dict() {
  const uint32_t ref = checked_ref(dicts.size());
  dicts.emplace_back();
  return {Kind::Dict, 0, 0, ref};
}

const std::string& Heap::str(const Value& v, const char* what) const {
  MT_CHECK(v.kind == Kind::Str, what, " should be a str, found ", kind_name(v.kind));
  return strings[v.ref];
}

const std::vector<Value>& Heap::tuple(const Value& v, const char* what) const {
  MT_CHECK(v.kind == Kind::Tuple, what, " should be a tuple, found ", kind_name(v.kind));
  return sequences[v.ref];
}

int64_t Heap::integer(const Value& v, const char* what) const {
  MT_CHECK(v.kind == Kind::Int, what, " should be an int, found ", kind_name(v.kind));
  return v.i;
}

namespace {

class Machine {
 public:
  Machine(const uint8_t* data, size_t size, Heap& heap, Hooks& hooks, const std::string& where)
      : in_(data, size, where), heap_(heap), hooks_(hooks) {}

  Value run() {
    if (in_.remaining() < 2 || in_.u8("the first opcode") != 0x80)
      in_.fail_at(0, "expected a pickle starting with PROTO (protocol 2 to 5)");
    in_.seek(0, "the pickle");
    for (;;) {
      op_pos_ = in_.pos();
      if (in_.at_end()) fail("the pickle ends without STOP (truncated)");
      const uint8_t op = in_.u8("an opcode");
      if (op == '.') {  // STOP
        Value result = pop();
        if (!in_.at_end()) fail(in_.remaining(), " bytes follow STOP");
        return result;
      }
      step(op);
    }
  }

 private:
  template <class... Parts>
  [[noreturn]] void fail(const Parts&... parts) const {
    in_.fail_at(op_pos_, parts...);
  }

  // Runs a hook (or a Heap accessor) and adds the opcode's position to its errors: after them,
  // since a hook's error (a storage that fails its CRC, say) names its own file and cause.
  template <class F>
  auto guarded(F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const Error& e) {
      detail::fail(e.what(), " (reached from ", in_.where(), " byte ", op_pos_, ")");
    }
  }

  // ---- stack ----------------------------------------------------------------------------------
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(const Value& v) {
    if (stack_.size() >= kMaxStack) fail("the pickle stack grows past ", kMaxStack, " values");
    stack_.push_back(v);
  }
  Value pop() {
    if (stack_.size() <= floor()) fail("the pickle stack is empty (corrupt pickle)");
    Value v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Value& top() {
    if (stack_.size() <= floor()) fail("the pickle stack is empty (corrupt pickle)");
    return stack_.back();
  }
  // The values pushed since the last MARK, which is removed.
  std::vector<Value> pop_mark() {
    if (marks_.empty()) fail("the pickle has no MARK for this opcode (corrupt pickle)");
    const size_t start = marks_.back();
    marks_.pop_back();
    std::vector<Value> items(stack_.begin() + std::ptrdiff_t(start), stack_.end());
    stack_.resize(start);
    return items;
  }

  // ---- operands ------------------------------------------------------------------------------
  std::string bytes(uint64_t n) {
    if (n > in_.remaining()) fail("a string of ", n, " bytes runs past the end of the pickle (", in_.remaining(), " left)");
    const uint8_t* p = in_.take(n, "a string");
    return std::string(reinterpret_cast<const char*>(p), size_t(n));
  }
  // A global's module or name, from GLOBAL's operands or STACK_GLOBAL's strings: printable
  // ASCII of bounded length, so a file cannot name globals of megabytes.
  void check_global_part(const std::string& s, const char* op) {
    if (s.size() > kMaxGlobalName || std::any_of(s.begin(), s.end(), [](char c) { return c < 0x20 || c > 0x7e; }))
      fail(op, " has an invalid or overlong name");
  }
  // GLOBAL's operands: "module\nname\n", printable ASCII.
  std::string line() {
    std::string s;
    for (;;) {
      if (in_.at_end()) fail("GLOBAL runs past the end of the pickle");
      const char c = char(in_.u8("a GLOBAL name"));
      if (c == '\n') return s;
      if (c < 0x20 || c > 0x7e || s.size() >= kMaxGlobalName) fail("GLOBAL has an invalid or overlong name");
      s += c;
    }
  }
  // LONG1: a little-endian two's complement integer of up to 255 bytes. One that does not fit in
  // 64 bits (a training script's seed of 2**70, say) becomes a float, like a number the hooks
  // have no use for: a size or an offset that large is refused where an int is expected.
  Value long1() {
    const uint8_t n = in_.u8("LONG1's length");
    const uint8_t* p = in_.take(n, "LONG1's bytes");
    if (n > 8) {
      // The magnitude (a negative number's two's complement negated: bytes inverted, plus one).
      const bool negative = p[n - 1] & 0x80;
      double v = 0;
      for (int k = n; k-- > 0;) v = v * 256 + double(negative ? uint8_t(~p[k]) : p[k]);
      return {Kind::Float, 0, negative ? -(v + 1) : v, 0};
    }
    uint64_t v = 0;
    for (int k = 0; k < n; ++k) v |= uint64_t(p[k]) << (8 * k);
    if (n > 0 && n < 8 && (p[n - 1] & 0x80)) v |= ~uint64_t(0) << (8 * n);  // sign-extend
    return integer(int64_t(v));
  }
  Value integer(int64_t v) { return {Kind::Int, v, 0, 0}; }
  Value string(Kind kind, uint64_t n) { return guarded([&] { return heap_.add_string(kind, bytes(n)); }); }

  // ---- memo ----------------------------------------------------------------------------------
  void put(uint64_t index) {
    if (memo_.size() >= kMaxMemo && !memo_.count(index)) fail("the pickle memo grows past ", kMaxMemo, " entries");
    memo_[index] = top();
  }
  void get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry ", index, " was never stored (corrupt pickle)");
    push(it->second);
  }

  // ---- containers ----------------------------------------------------------------------------
  std::vector<Value>& list_at(Value& v, const char* op) {
    if (v.kind != Kind::List) fail(op, " expects a list, found ", kind_name(v.kind));
    return heap_.sequences[v.ref];
  }
  void set_items(Value& dict, const std::vector<Value>& kv, const char* op) {
    if (dict.kind != Kind::Dict) fail(op, " expects a dict, found ", kind_name(dict.kind));
    if (kv.size() % 2 != 0) fail(op, " has an odd number of keys and values");
    auto& items = heap_.dicts[dict.ref];
    for (size_t k = 0; k < kv.size(); k += 2) items.emplace_back(kv[k], kv[k + 1]);
  }
  Value tuple(std::vector<Value> items) {
    return guarded([&] { return heap_.add_sequence(Kind::Tuple, std::move(items)); });
  }
  Value call(const Value& callable, const Value& args, const char* op) {
    if (args.kind != Kind::Tuple) fail(op, " expects a tuple of arguments, found ", kind_name(args.kind));
    return guarded([&] { return hooks_.call(callable, args); });
  }

  void step(uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        const uint8_t proto = in_.u8("the protocol");
        if (op_pos_ != 0 || proto < 2 || proto > 5) fail("unsupported pickle protocol ", int(proto), " (expected 2 to 5)");
        return;
      }
      case 0x95: {  // FRAME: a length hint for buffered readers; nothing to do but check it
        const uint64_t n = in_.u64("FRAME's length");
        if (n > in_.remaining()) fail("FRAME of ", n, " bytes runs past the end of the pickle");
        return;
      }
      case 'c': {  // GLOBAL
        std::string module = line();
        std::string name = line();
        push(guarded([&] { return hooks_.find_class(module, name); }));
        return;
      }
      case 0x93: {  // STACK_GLOBAL: the same names as GLOBAL's, from the stack
        const Value name = pop(), module = pop();
        // References into the heap: a long string is checked, not copied.
        const std::string& module_name =
            guarded([&]() -> const std::string& { return heap_.str(module, "STACK_GLOBAL's module"); });
        const std::string& global_name =
            guarded([&]() -> const std::string& { return heap_.str(name, "STACK_GLOBAL's name"); });
        check_global_part(module_name, "STACK_GLOBAL");
        check_global_part(global_name, "STACK_GLOBAL");
        push(guarded([&] { return hooks_.find_class(module_name, global_name); }));
        return;
      }
      case 'q': put(in_.u8("BINPUT's index")); return;
      case 'r': put(in_.u32("LONG_BINPUT's index")); return;
      case 0x94: put(memo_.size()); return;  // MEMOIZE
      case 'h': get(in_.u8("BINGET's index")); return;
      case 'j': get(in_.u32("LONG_BINGET's index")); return;
      case '(':  // MARK
        if (marks_.size() >= kMaxMarks) fail("MARKs nest deeper than ", kMaxMarks);
        marks_.push_back(stack_.size());
        return;
      case 'N': push({}); return;  // NONE
      case 0x88: push({Kind::Bool, 1, 0, 0}); return;  // NEWTRUE
      case 0x89: push({Kind::Bool, 0, 0, 0}); return;  // NEWFALSE
      case 'K': push(integer(in_.u8("BININT1's value"))); return;
      case 'M': push(integer(in_.u16("BININT2's value"))); return;
      case 'J': push(integer(int32_t(in_.u32("BININT's value")))); return;
      case 0x8a: push(long1()); return;
      case 'G': {  // BINFLOAT: big-endian IEEE double
        const uint64_t bits = __builtin_bswap64(in_.u64("BINFLOAT's value"));
        push({Kind::Float, 0, std::bit_cast<double>(bits), 0});
        return;
      }
      case 'X': push(string(Kind::Str, in_.u32("BINUNICODE's length"))); return;
      case 0x8c: push(string(Kind::Str, in_.u8("SHORT_BINUNICODE's length"))); return;
      case 0x8d: push(string(Kind::Str, in_.u64("BINUNICODE8's length"))); return;
      case 'T': {  // BINSTRING (Python 2 str)
        const int32_t n = int32_t(in_.u32("BINSTRING's length"));
        if (n < 0) fail("BINSTRING has a negative length");
        push(string(Kind::Str, uint64_t(n)));
        return;
      }
      case 'U': push(string(Kind::Str, in_.u8("SHORT_BINSTRING's length"))); return;
      case 'B': push(string(Kind::Bytes, in_.u32("BINBYTES's length"))); return;
      case 'C': push(string(Kind::Bytes, in_.u8("SHORT_BINBYTES's length"))); return;
      case 0x8e: push(string(Kind::Bytes, in_.u64("BINBYTES8's length"))); return;
      case '}': push(guarded([&] { return heap_.add_dict(); })); return;  // EMPTY_DICT
      case ']': push(guarded([&] { return heap_.add_sequence(Kind::List, {}); })); return;  // EMPTY_LIST
      case ')': push(tuple({})); return;  // EMPTY_TUPLE
      case 't': push(tuple(pop_mark())); return;  // TUPLE
      case 0x85: {  // TUPLE1
        const Value a = pop();
        push(tuple({a}));
        return;
      }
      case 0x86: {  // TUPLE2
        const Value b = pop(), a = pop();
        push(tuple({a, b}));
        return;
      }
      case 0x87: {  // TUPLE3
        const Value c = pop(), b = pop(), a = pop();
        push(tuple({a, b, c}));
        return;
      }
      case 'a': {  // APPEND
        const Value v = pop();
        list_at(top(), "APPEND").push_back(v);
        return;
      }
      case 'e': {  // APPENDS
        const std::vector<Value> items = pop_mark();
        auto& list = list_at(top(), "APPENDS");
        list.insert(list.end(), items.begin(), items.end());
        return;
      }
      case 's': {  // SETITEM
        const Value value = pop(), key = pop();
        set_items(top(), {key, value}, "SETITEM");
        return;
      }
      case 'u': {  // SETITEMS
        const std::vector<Value> kv = pop_mark();
        set_items(top(), kv, "SETITEMS");
        return;
      }
      case 'Q': {  // BINPERSID
        const Value pid = pop();
        push(guarded([&] { return hooks_.persistent_load(pid); }));
        return;
      }
      case 'R': {  // REDUCE
        const Value args = pop(), callable = pop();
        push(call(callable, args, "REDUCE"));
        return;
      }
      case 0x81: {  // NEWOBJ
        const Value args = pop(), cls = pop();
        push(call(cls, args, "NEWOBJ"));
        return;
      }
      case 'b': {  // BUILD
        const Value state = pop();
        const Value obj = top();
        guarded([&] { hooks_.build(obj, state); });
        return;
      }
      default: {
        static const char* hex = "0123456789abcdef";
        fail("unsupported pickle opcode 0x", hex[op >> 4], hex[op & 15],
             " (only the opcodes torch.save uses for state dicts are accepted)");
      }
    }
  }

  ByteReader in_;
  Heap& heap_;
  Hooks& hooks_;
  size_t op_pos_ = 0;
  std::vector<Value> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value> memo_;
};

}  // namespace

Value unpickle(const uint8_t* data, size_t size, Heap& heap, Hooks& hooks, const std::string& where) {
  return Machine(data, size, heap, hooks, where).run();
}

}  // namespace minitorch::internal::pickle
