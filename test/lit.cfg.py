# -*- Python -*-
# lit configuration for the mxir regression tests. Configure-time facts come
# from lit.site.cfg.py; everything computed here is decided at test time.

import os
import shutil
import subprocess
import tempfile

import lit.formats
import lit.util
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "MXIR"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "README.md", "lit.cfg.py",
                   "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mx_obj_root, "test")

config.environment["FILECHECK_OPTS"] = "--enable-var-scope"
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.mx_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# mx-opt --verify-roundtrip everywhere when MX_OPT_VERIFY_ROUNDTRIP is set.
mx_opt = "mx-opt"
if os.environ.get("MX_OPT_VERIFY_ROUNDTRIP"):
    mx_opt = "mx-opt --verify-roundtrip"

tools = [
    ToolSubst("mx-opt", command=mx_opt, unresolved="fatal"),
    ToolSubst("mx-compile", unresolved="fatal"),
    ToolSubst("mx-word2vec", unresolved="fatal"),
    ToolSubst("mlir-opt", unresolved="fatal"),
    ToolSubst("mlir-translate", unresolved="fatal"),
    ToolSubst("mlir-runner", unresolved="fatal"),
    ToolSubst("llc", unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, [config.mx_tools_dir,
                                           config.llvm_tools_dir])

config.substitutions.append(("%shlibext", config.shlibext))
config.substitutions.append(("%mx_src_root", config.mx_src_root))
config.substitutions.append(("%mx_lib_dir", config.mx_lib_dir))
config.substitutions.append(("%mlir_lib_dir", config.mlir_lib_dir))
config.substitutions.append(
    ("%mlir_runner_utils",
     os.path.join(config.mlir_lib_dir, "libmlir_runner_utils" + config.shlibext)))
config.substitutions.append(
    ("%mlir_c_runner_utils",
     os.path.join(config.mlir_lib_dir,
                  "libmlir_c_runner_utils" + config.shlibext)))
clang = os.path.join(config.llvm_tools_dir, "clang")
config.substitutions.append(("%host_cc", clang + " -O2 -fuse-ld=lld"))
config.substitutions.append(
    ("%host_cxx", clang + "++ -O2 -fuse-ld=lld -std=c++17"))

# Registered LLVM targets.
for target in config.targets_to_build.split():
    config.available_features.add(target.lower() + "-registered-target")

if config.mlir_dylib:
    config.available_features.add("mlir-dylib")

# mx-word2vec was built with its MPI mode and mpirun is there.
if getattr(config, "mx_have_mpi", False) and shutil.which("mpirun"):
    config.available_features.add("mpi")

# One feature per host CPU flag the lowerings care about.
cpu_flag_features = {
    "avx512f": "avx512f",
    "avx512bw": "avx512bw",
    "avx512vl": "avx512vl",
    "avx512_bf16": "avx512bf16",
    "avx512_vnni": "avx512vnni",
    "avx512vbmi": "avx512vbmi",
    "avx2": "avx2",
    "fma": "fma",
    "f16c": "f16c",
}
try:
    with open("/proc/cpuinfo") as cpuinfo:
        flags = set()
        for line in cpuinfo:
            if line.startswith("flags"):
                flags.update(line.split(":", 1)[1].split())
                break
    for flag, feature in cpu_flag_features.items():
        if flag in flags:
            config.available_features.add("host-" + feature)
except OSError:
    pass

# AArch64: cross-compile with clang and run under qemu-aarch64 -cpu max.
# The feature is there only when a real program builds and runs.
aarch64_sysroot = "/usr/aarch64-linux-gnu"
aarch64_cc = (clang + " --target=aarch64-linux-gnu -O2 -march=armv8.6-a+bf16+i8mm"
              " -fuse-ld=lld -static")
qemu = shutil.which("qemu-aarch64")
qemu_cmd = "%s -cpu max -L %s" % (qemu, aarch64_sysroot) if qemu else ""


def qemu_aarch64_works():
    if not qemu or not os.path.isdir(aarch64_sysroot):
        return False
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        exe = os.path.join(tmp, "probe")
        with open(src, "w") as f:
            f.write("int main(void) { return 42; }\n")
        try:
            subprocess.run(aarch64_cc.split() + [src, "-o", exe], check=True,
                           capture_output=True, timeout=120)
            result = subprocess.run(qemu_cmd.split() + [exe],
                                    capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            return False
        return result.returncode == 42


if qemu_aarch64_works():
    config.available_features.add("qemu-aarch64")
config.substitutions.append(("%aarch64_cc", aarch64_cc))
config.substitutions.append(
    ("%aarch64_cxx", aarch64_cc.replace(clang, clang + "++", 1) + " -std=c++17"))
config.substitutions.append(("%qemu_aarch64", qemu_cmd))
# SVE code (--target=aarch64-sve) at a fixed vector length: the same binary
# must give the same results at every length.
config.substitutions.append(
    ("%aarch64_sve_cc", aarch64_cc.replace("+bf16+i8mm", "+bf16+i8mm+sve", 1)))
for bits in (128, 512, 2048):
    config.substitutions.append(
        ("%%qemu_sve%d" % bits,
         "%s -cpu max,sve-default-vector-length=%d -L %s"
         % (qemu, bits // 8, aarch64_sysroot) if qemu else ""))

# libomp (OpenMP runtime) for kernels lowered with mx-to-llvm{parallel=openmp}:
# the feature is there when a program links against libomp.so.5 and runs.
def libomp_works():
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        exe = os.path.join(tmp, "probe")
        with open(src, "w") as f:
            f.write("int omp_get_max_threads(void);\n"
                    "int main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }\n")
        try:
            subprocess.run([clang, src, "-l:libomp.so.5", "-o", exe],
                           check=True, capture_output=True, timeout=120)
            return subprocess.run([exe], capture_output=True,
                                  timeout=60).returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False


if libomp_works():
    config.available_features.add("libomp")


# Intel AMX (x86-64-amx kernels): the CPU reports AMX-TILE and AMX-BF16 and
# Linux grants this process the tile state
# (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) succeeds).
def amx_works():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = next((line.split(":", 1)[1].split() for line in cpuinfo
                          if line.startswith("flags")), [])
    except OSError:
        return False
    if "amx_tile" not in flags or "amx_bf16" not in flags:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        exe = os.path.join(tmp, "probe")
        with open(src, "w") as f:
            f.write("#include <sys/syscall.h>\n#include <unistd.h>\n"
                    "int main(void) { return syscall(SYS_arch_prctl, 0x1023, "
                    "18) == 0 ? 0 : 1; }\n")
        try:
            subprocess.run([clang, src, "-o", exe], check=True,
                           capture_output=True, timeout=120)
            return subprocess.run([exe], capture_output=True,
                                  timeout=60).returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False


if amx_works():
    config.available_features.add("amx")
