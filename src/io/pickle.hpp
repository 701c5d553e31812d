#pragma once
// A restricted unpickler: Python's pickle virtual machine for protocols 2 to 5, limited to the
// opcodes that torch.save emits for state dicts. It builds plain values itself (None, bools,
// ints, floats, strings, tuples, lists, dicts) and hands everything that would run code in
// Python -- globals, persistent ids, calls (REDUCE, NEWOBJ) and BUILD -- to a Hooks object that
// decides what each stands for. Python's own unpickler imports and calls any global a file
// names; this one never runs code. Every length is checked against the bytes that remain, and the stack, the
// mark stack and the memo are bounded, so hostile input ends in an Error.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace minitorch::internal::pickle {

enum class Kind : uint8_t { None, Bool, Int, Float, Str, Bytes, Tuple, List, Dict, Global, Object };
const char* kind_name(Kind kind);  // "tuple", "dict", ...

// A value on the stack or in the memo. Strings and containers live in a Heap and are referred to
// by index: copying a Value is cheap, memo references share their target as Python's do, and a
// cyclic structure (a list that contains itself) cannot leak.
struct Value {
  Kind kind = Kind::None;
  int64_t i = 0;     // Bool, Int; for Global and Object, a tag chosen by the Hooks
  double f = 0;      // Float
  uint32_t ref = 0;  // Str, Bytes, Tuple, List, Dict: index into the Heap; Object: the Hooks' index
};

struct Heap {
  std::vector<std::string> strings;                         // Str and Bytes
  std::vector<std::vector<Value>> sequences;                // Tuple and List
  std::vector<std::vector<std::pair<Value, Value>>> dicts;  // in insertion order

  Value add_string(Kind kind, std::string s);
  Value add_sequence(Kind kind, std::vector<Value> items);
  Value add_dict();
  // Typed access; Error naming `what` when `v` is of another kind.
  const std::string& str(const Value& v, const char* what) const;
  const std::vector<Value>& tuple(const Value& v, const char* what) const;
  int64_t integer(const Value& v, const char* what) const;
};

class Hooks {
 public:
  virtual ~Hooks() = default;
  // GLOBAL and STACK_GLOBAL: a value standing for module.name, or an Error refusing it.
  virtual Value find_class(const std::string& module, const std::string& name) = 0;
  // BINPERSID: the object a persistent id refers to.
  virtual Value persistent_load(const Value& pid) = 0;
  // REDUCE (callable(*args)) and NEWOBJ (cls.__new__(cls, *args)); `args` is a Tuple.
  virtual Value call(const Value& callable, const Value& args) = 0;
  // BUILD (obj.__setstate__(state)); obj stays on the stack.
  virtual void build(const Value& obj, const Value& state) = 0;
};

// Runs the pickle and returns the value that STOP leaves. Errors read "where: byte N: ...",
// including those thrown by the hooks.
Value unpickle(const uint8_t* data, size_t size, Heap& heap, Hooks& hooks, const std::string& where);

}  // namespace minitorch::internal::pickle
