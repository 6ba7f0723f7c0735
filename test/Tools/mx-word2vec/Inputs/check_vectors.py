"""Reads word2vec vector files by the format's definition, independently of
mx-word2vec, and compares them.

check_vectors.py TEXT BINARY         same words, same values (to %lf's 6
                                     decimals) in a text and a binary file
check_vectors.py --gensim TEXT BINARY  also load both with gensim's
                                     KeyedVectors.load_word2vec_format
"""
import struct
import sys


def read_text(path):
    with open(path, encoding="utf-8") as f:
        rows, dim = map(int, f.readline().split())
        words, vectors = [], []
        for line in f:
            parts = line.rstrip("\n").rstrip(" ").split(" ")
            assert len(parts) == dim + 1, "bad line for %r" % parts[0]
            words.append(parts[0])
            vectors.append([float(x) for x in parts[1:]])
    assert len(words) == rows, (len(words), rows)
    return words, vectors, dim


def read_binary(path):
    with open(path, "rb") as f:
        data = f.read()
    header, rest = data.split(b"\n", 1)
    rows, dim = map(int, header.split())
    words, vectors, pos = [], [], 0
    for _ in range(rows):
        space = rest.index(b" ", pos)
        words.append(rest[pos:space].decode("utf-8"))
        pos = space + 1
        vectors.append(list(struct.unpack("<%df" % dim, rest[pos:pos + 4 * dim])))
        pos += 4 * dim
        assert rest[pos:pos + 1] == b"\n", "no newline after %r" % words[-1]
        pos += 1
    assert pos == len(rest), "trailing bytes"
    return words, vectors, dim


def main():
    args = sys.argv[1:]
    use_gensim = args[0] == "--gensim"
    if use_gensim:
        args = args[1:]
    text_words, text_vectors, text_dim = read_text(args[0])
    bin_words, bin_vectors, bin_dim = read_binary(args[1])
    assert text_dim == bin_dim and text_words == bin_words
    worst = 0.0
    for a, b in zip(text_vectors, bin_vectors):
        for x, y in zip(a, b):
            worst = max(worst, abs(x - y))
    assert worst <= 5e-7, worst
    print("formats: %d words, dim %d, same values (max |diff| %.1e)"
          % (len(text_words), text_dim, worst))
    if use_gensim:
        from gensim.models import KeyedVectors
        for path, binary, vectors in ((args[0], False, text_vectors),
                                      (args[1], True, bin_vectors)):
            kv = KeyedVectors.load_word2vec_format(path, binary=binary)
            assert list(kv.index_to_key) == text_words
            for i, word in enumerate(text_words):
                got = kv[word]
                assert max(abs(float(g) - v) for g, v in zip(got, vectors[i])) <= 1e-6
        print("gensim: loads both (%d words)" % len(text_words))


if __name__ == "__main__":
    main()
