"""Interleaves the lines of two files: interleave.py A B OUT.

The lines of B are spread evenly between those of A (A's line i is
followed by the lines of B up to the same fraction of B), so every byte
range of OUT holds both. Used to plant topic sentences (planted.py) into
the CI corpus: its words are the background, the planted topics a probe of
quality.
"""
import sys


def main():
    a_path, b_path, out_path = sys.argv[1:]
    with open(a_path, encoding="utf-8") as f:
        a = f.read().splitlines()
    with open(b_path, encoding="utf-8") as f:
        b = f.read().splitlines()
    with open(out_path, "w", encoding="utf-8") as out:
        taken = 0
        for i, line in enumerate(a):
            out.write(line + "\n")
            upto = len(b) * (i + 1) // len(a)
            for other in b[taken:upto]:
                out.write(other + "\n")
            taken = upto


if __name__ == "__main__":
    main()
