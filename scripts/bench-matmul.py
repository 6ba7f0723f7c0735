#!/usr/bin/python3
"""Runs the mx.matmul benchmarks of issue 6 and prints their ratio tables.

mx-bench's BM_MxMatmul/<A>_<B>/<M>x<K>x<N>/threads:<T> runs an mx.matmul
kernel and, in the same process, its peers: OpenBLAS SGEMM (x_sgemm),
oneDNN f32 (x_dnnl_f32) and, where the CPU has AVX-512 BF16, oneDNN bf16
(x_dnnl_bf16); on two threads `scaling` is the kernel's one-thread time over
its two-thread time. This script runs one mx-bench process over the chosen
formats, shapes and thread counts (Google Benchmark prints each result as
it comes), takes the median of the repetitions, and prints one Markdown
table per ratio, a cell per shape as "1 thread / 2 threads". With
--targets it also counts the cells that meet the issue's AVX-512 targets.

  scripts/bench-matmul.py                      # ResNet-50 layers and 1024^3
  scripts/bench-matmul.py --shapes 2048x2048x2048 --out table.md
  scripts/bench-matmul.py --from-json run.json --targets

On AVX-512 hosts set OPENBLAS_CORETYPE=SkylakeX, or OpenBLAS may pick its
AVX2 kernel (README, issue 6).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BENCH = os.path.join(HERE, "..", "build", "bin", "mx-bench")

NAMES = {"int8_int8": "MXINT8", "e2m1_e2m1": "MXFP4", "e4m3_e4m3": "MXFP8",
         "bf16_bf16": "bf16 ordered", "unordered_bf16_bf16": "bf16 unordered"}
RATIOS = [("x_sgemm", "x OpenBLAS SGEMM"), ("x_dnnl_f32", "x oneDNN f32"),
          ("x_dnnl_bf16", "x oneDNN bf16"), ("scaling", "two-thread scaling")]
# Issue 6's targets on AVX-512: (counter, formats, minimum).
TARGETS = [("x_dnnl_bf16", ("bf16_bf16", "unordered_bf16_bf16"), 1.0),
           ("x_sgemm", ("e4m3_e4m3", "e2m1_e2m1"), 1.5),
           ("x_sgemm", ("int8_int8",), 2.5),
           ("scaling", tuple(NAMES), 1.8)]


def fail(message):
    print(f"bench-matmul: error: {message}", file=sys.stderr)
    sys.exit(1)


def run_bench(args):
    """Runs mx-bench; returns its JSON output."""
    if not os.access(args.bench, os.X_OK):
        fail(f"no mx-bench at '{args.bench}' (build it: "
             "./scripts/build.sh mx-bench, or pass --bench)")
    pattern = (f"BM_MxMatmul/({'|'.join(args.formats)})/"
               f"({'|'.join(args.shapes)})/"
               f"threads:({'|'.join(args.threads)})/")
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [args.bench, f"--benchmark_filter={pattern}",
                   f"--benchmark_min_time={args.min_time}",
                   f"--benchmark_repetitions={args.repetitions}",
                   "--benchmark_report_aggregates_only=true",
                   f"--benchmark_out={out.name}",
                   "--benchmark_out_format=json"]
        print("running:", " ".join(command), file=sys.stderr, flush=True)
        # The console output goes to stderr as progress; the tables to stdout.
        if subprocess.run(command, stdout=sys.stderr).returncode != 0:
            fail("mx-bench failed")
        return json.load(open(out.name))


def medians(data):
    """{(format, shape, threads): {counter: median}} of a Google Benchmark
    JSON output (the median aggregates, or the median of plain runs)."""
    runs = {}
    for bench in data.get("benchmarks", []):
        if not bench["name"].startswith("BM_MxMatmul/"):
            continue
        if bench.get("run_type") == "aggregate" and \
                bench.get("aggregate_name") != "median":
            continue
        parts = bench.get("run_name", bench["name"]).split("/")
        key = (parts[1], parts[2], parts[3].split(":")[1])
        for counter, _ in RATIOS:
            if counter in bench:
                runs.setdefault(key, {}).setdefault(counter, []).append(
                    bench[counter])
    return {key: {c: statistics.median(v) for c, v in counters.items()}
            for key, counters in runs.items()}


def tables(result, formats, shapes, threads):
    """Markdown tables, one per ratio some result has."""
    lines = []
    for counter, title in RATIOS:
        rows = [f for f in formats
                if any(counter in result.get((f, s, t), {})
                       for s in shapes for t in threads)]
        if not rows:
            continue
        if counter == "scaling":
            header = f"| {title} |"
        else:
            header = f"| {title}, {' / '.join(threads)} threads |"
        lines += ["", header + "".join(f" {s} |" for s in shapes),
                  "|---|" + "---|" * len(shapes)]
        for f in rows:
            cells = []
            for s in shapes:
                values = [result.get((f, s, t), {}).get(counter)
                          for t in threads]
                if counter == "scaling":
                    values = [v for v in values if v is not None]
                cells.append(" / ".join("-" if v is None else f"{v:.2f}"
                                        for v in values) or "-")
            lines.append(f"| {NAMES.get(f, f)} |" +
                         "".join(f" {c} |" for c in cells))
    return lines


def target_lines(result):
    lines = [""]
    for counter, formats, minimum in TARGETS:
        values = [(key, c[counter]) for key, c in sorted(result.items())
                  if key[0] in formats and counter in c]
        if not values:
            continue
        met = [v for _, v in values if v >= minimum]
        worst = min(values, key=lambda kv: kv[1])
        names = ", ".join(NAMES.get(f, f) for f in formats
                          if any(k[0] == f for k, _ in values))
        lines.append(
            f"target {counter} >= {minimum} ({names}): {len(met)} of "
            f"{len(values)} cells; lowest {worst[1]:.2f} "
            f"({worst[0][0]} {worst[0][1]}, {worst[0][2]} threads)")
    return lines


def main():
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default=DEFAULT_BENCH)
    parser.add_argument("--formats",
                        default="int8_int8,e2m1_e2m1,e4m3_e4m3,bf16_bf16")
    parser.add_argument("--shapes",
                        default="256x2304x196,64x576x3136,1024x1024x1024")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--min-time", default="0.2")
    parser.add_argument("--from-json",
                        help="tables of a saved mx-bench JSON output")
    parser.add_argument("--save-json", help="also write mx-bench's JSON here")
    parser.add_argument("--out", help="write the tables here (atomically)")
    parser.add_argument(
        "--targets", action="store_true",
        help="count the cells meeting issue 6's AVX-512 targets")
    args = parser.parse_args()
    args.formats = args.formats.split(",")
    args.shapes = args.shapes.split(",")
    args.threads = args.threads.split(",")

    if args.from_json:
        try:
            data = json.load(open(args.from_json))
        except (OSError, ValueError) as error:
            fail(f"cannot read '{args.from_json}': {error}")
    else:
        data = run_bench(args)
        if args.save_json:
            write_atomically(args.save_json, json.dumps(data, indent=1))
    result = medians(data)
    result = {k: v for k, v in result.items() if k[0] in args.formats and
              k[1] in args.shapes and k[2] in args.threads}
    if not result:
        fail("no BM_MxMatmul results for these formats, shapes and threads")
    context = data.get("context", {})
    lines = [f"mx.matmul, medians ({context.get('date', '?')}, "
             f"openblas_core {context.get('openblas_core', '?')})"]
    lines += tables(result, args.formats, args.shapes, args.threads)
    if args.targets:
        lines += target_lines(result)
    text = "\n".join(lines) + "\n"
    if args.out:
        write_atomically(args.out, text)
    sys.stdout.write(text)


def write_atomically(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile("w", dir=directory, delete=False) as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)


if __name__ == "__main__":
    main()
