#pragma once
// Everything in one include.
#include "minitorch/autograd.hpp"
#include "minitorch/io/safetensors.hpp"
#include "minitorch/io/state_dict.hpp"
#include "minitorch/ops/activation.hpp"
#include "minitorch/ops/creation.hpp"
#include "minitorch/ops/elementwise.hpp"
#include "minitorch/ops/indexing.hpp"
#include "minitorch/ops/linalg.hpp"
#include "minitorch/ops/reduce.hpp"
#include "minitorch/parallel.hpp"
#include "minitorch/random.hpp"
#include "minitorch/tensor.hpp"
