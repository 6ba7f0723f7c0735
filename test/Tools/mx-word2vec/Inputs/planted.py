"""A corpus with planted structure, and the word pairs that probe it.

planted.py CORPUS PAIRS [--seed N] [--sentences N]

8 topics of 12 words each (t<topic>w<word>) and 20 filler words. Each
sentence (one line) has a topic and 30 words: a topic word with probability
0.7, otherwise a filler word. Word vectors trained on it must put words of
the same topic close together: PAIRS lists every pair of topic words with
score 10 when they share a topic and 0 otherwise, so Spearman's rho of
cosine similarity against these scores is high only if training worked.
"""
import random
import sys

TOPICS, WORDS, FILLERS = 8, 12, 20


def main():
    args = sys.argv[1:]
    seed = 1
    sentences = 3000
    while len(args) > 2:
        if args[-2] == "--seed":
            seed = int(args[-1])
        elif args[-2] == "--sentences":
            sentences = int(args[-1])
        else:
            sys.exit("planted.py: unknown option " + args[-2])
        args = args[:-2]
    corpus, pairs = args
    rng = random.Random(seed)
    topic_words = [["t%dw%d" % (t, w) for w in range(WORDS)] for t in range(TOPICS)]
    fillers = ["f%d" % i for i in range(FILLERS)]
    with open(corpus, "w") as f:
        for _ in range(sentences):
            topic = rng.randrange(TOPICS)
            words = [rng.choice(topic_words[topic]) if rng.random() < 0.7
                     else rng.choice(fillers) for _ in range(30)]
            f.write(" ".join(words) + "\n")
    with open(pairs, "w") as f:
        f.write("# planted topics: 10 = same topic, 0 = different\n")
        flat = [(t, w) for t in range(TOPICS) for w in topic_words[t]]
        for i, (ta, a) in enumerate(flat):
            for tb, b in flat[i + 1:]:
                if (ta == tb) or rng.random() < 0.1:
                    f.write("%s\t%s\t%d\n" % (a, b, 10 if ta == tb else 0))


if __name__ == "__main__":
    main()
