# -*- Python -*-
# GoogleTest unit tests of mxir, one lit test per TEST().

import lit.formats

config.name = "MXIR-Unit"
config.test_source_root = config.unit_test_dir
config.test_exec_root = config.unit_test_dir
config.test_format = lit.formats.GoogleTest(".", "unittests")
