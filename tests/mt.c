#include "mt.h"
MT_DEFINE_GLOBALS
