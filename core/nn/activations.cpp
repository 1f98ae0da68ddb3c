// STUB: activations, to be implemented.
#include "core/nn/activations.h"
