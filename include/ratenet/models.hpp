#pragma once
// The built-in connectivity generators, one header each under
// ratenet/models/ (each opens with its equation, parameters and source), and
// the declaration of their parameters (spec.hpp) for the config reader,
// `ratenet models` and the docs.
#include "ratenet/models/connectivity.hpp"
#include "ratenet/models/ctln.hpp"
#include "ratenet/models/excitatory_inhibitory.hpp"
#include "ratenet/models/hahnloser_wta.hpp"
#include "ratenet/models/matrix.hpp"
#include "ratenet/models/populations.hpp"
#include "ratenet/models/random_gaussian.hpp"
#include "ratenet/models/ring.hpp"
#include "ratenet/models/spec.hpp"
