#!/usr/bin/env python3
"""Regenerates every reference fixture under Tests/Fixtures/ from scratch.

What it makes (see Tests/Fixtures/README.md for the exact formats):
  Tests/Fixtures/tokenizer/gpt2-cases.json
      ~450 strings encoded with the real GPT-2 tokenizer (../shared/gpt2-tokenizer),
      cross-checked against an independent pure-Python port of OpenAI's encoder.py.
  Tests/Fixtures/models/<name>/  for tiny, tiny-f16, tiny-bf16, tiny-4head,
      tiny-untied, tiny-hubstyle, tiny-sharded:
      random GPT-2 models (vocab 400, byte-level BPE trained on tinyshakespeare),
      their tokenizer files, and reference/ (logits-K.f32 + reference.json with
      logits inputs, greedy and beam-search generate() outputs).

Install its requirements (CPU-only torch from PyPI):
  pip install "torch==2.13.0+cpu" "transformers==5.23.0" "tokenizers==0.23.3" "safetensors==0.8.0" regex numpy
Versions used for the committed fixtures:
  Python 3.11.7, torch 2.13.0+cpu, transformers 5.23.0, tokenizers 0.23.3,
  safetensors 0.8.0, numpy 2.4.6, regex 2026.5.9

Run from the repository root:
  python3 scripts/make_fixtures.py
It reads ../shared/gpt2-tokenizer and ../shared/corpora/tinyshakespeare.txt.
Deterministic: fixed seeds everywhere; running it twice gives identical files.
"""

import json
import os
import random
import shutil
import sys
import tempfile
import unicodedata
import warnings

import numpy as np
import regex
import torch
import safetensors
import safetensors.torch
import tokenizers
import transformers
from tokenizers import ByteLevelBPETokenizer
from transformers import GPT2Config, GPT2LMHeadModel, GPT2Tokenizer, GPT2TokenizerFast

transformers.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()
warnings.filterwarnings("ignore")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures")
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared"))
GPT2_TOK_DIR = os.path.join(SHARED, "gpt2-tokenizer")
CORPUS = os.path.join(SHARED, "corpora", "tinyshakespeare.txt")

VERSIONS = {
    "python": sys.version.split()[0],
    "torch": torch.__version__,
    "transformers": transformers.__version__,
    "tokenizers": tokenizers.__version__,
    "safetensors": safetensors.__version__,
    "numpy": np.__version__,
}

torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)


def die(msg):
    print("make_fixtures: FAILED: " + msg, file=sys.stderr)
    sys.exit(1)


def write_json(path, obj, indent=1):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, ensure_ascii=False, indent=indent)
        f.write("\n")


# ---------------------------------------------------------------------------
# Independent reference GPT-2 BPE (port of openai/gpt-2 src/encoder.py, MIT),
# plus HF's handling of the special token "<|endoftext|>" (split out first).
# ---------------------------------------------------------------------------

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


class ReferenceBPE:
    PAT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")

    def __init__(self, folder, special="<|endoftext|>"):
        with open(os.path.join(folder, "vocab.json"), encoding="utf-8") as f:
            self.encoder = json.load(f)
        self.decoder = {v: k for k, v in self.encoder.items()}
        with open(os.path.join(folder, "merges.txt"), encoding="utf-8") as f:
            lines = f.read().split("\n")
        merges = [tuple(l.split()) for l in lines[1:] if l.strip()]
        self.ranks = dict(zip(merges, range(len(merges))))
        self.byte_encoder = bytes_to_unicode()
        self.byte_decoder = {v: k for k, v in self.byte_encoder.items()}
        self.special = special
        self.cache = {}

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = list(token)
        while len(word) > 1:
            pairs = set(zip(word, word[1:]))
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            first, second = best
            new, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
                    new.append(first + second)
                    i += 2
                else:
                    new.append(word[i])
                    i += 1
            word = new
        self.cache[token] = word
        return word

    def encode_ordinary(self, text):
        ids = []
        for piece in regex.findall(self.PAT, text):
            piece = "".join(self.byte_encoder[b] for b in piece.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self.bpe(piece))
        return ids

    def encode(self, text):
        ids = []
        parts = text.split(self.special)
        for i, part in enumerate(parts):
            if i > 0:
                ids.append(self.encoder[self.special])
            ids.extend(self.encode_ordinary(part))
        return ids

    def decode(self, ids):
        s = "".join(self.decoder[i] for i in ids)
        return bytearray(self.byte_decoder[c] for c in s).decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------
# A. GPT-2 tokenizer cases
# ---------------------------------------------------------------------------

def tokenizer_case_strings():
    cases = []
    add = cases.append

    # English prose
    prose = [
        "Hello world",
        " Hello world",
        "The quick brown fox jumps over the lazy dog.",
        "It was the best of times, it was the worst of times, it was the age of wisdom.",
        "To be, or not to be, that is the question:",
        "Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse,",
        "In a hole in the ground there lived a hobbit.",
        "Natural language processing (NLP) is a subfield of linguistics, computer science, and artificial intelligence.",
        "GPT-2 is a large transformer-based language model with 1.5 billion parameters.",
        "She sells seashells by the seashore.",
        "Supercalifragilisticexpialidocious",
        "antidisestablishmentarianism",
        "pneumonoultramicroscopicsilicovolcanoconiosis",
        "A",
        "a",
        "I",
        "OK",
        "ALL CAPS SENTENCE WITH SHOUTING!",
        "camelCaseIdentifierWithManyHumps",
        "snake_case_identifier_with_underscores",
        "kebab-case-identifier",
        "Mr. and Mrs. Dursley, of number four, Privet Drive, were proud to say that they were perfectly normal.",
        "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.",
        "ROMEO:",
        "ROMEO:\nBut, soft! what light through yonder window breaks?",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.",
        "The year 2024 had 366 days.",
        "Hello, World! How are you doing today? I'm fine, thanks.",
        "e.g. i.e. etc. vs. a.m. p.m. U.S.A.",
        "naïve café résumé coöperate façade jalapeño",
        "Straße Ärger Öl Übermut",
        "Æsir Œuvre ﬁnance ﬂour",  # ligatures
    ]
    for s in prose:
        add(s)

    # contractions
    contractions = [
        "it's", "don't", "you're", "we've", "I'm", "they'll", "he'd",
        "It's a dog's life, isn't it? We're sure they've said you'll be fine, I'd think, I'm told.",
        "IT'S DON'T YOU'RE WE'VE I'M THEY'LL HE'D",
        "It'S dOn'T yoU'Re",
        "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'x", "''s", "'''",
        "it’s don’t you’re we’ve I’m they’ll he’d",  # curly apostrophes
        "‘quoted’ “double quoted”",
        "rock 'n' roll", "'tis the season", "o'clock", "y'all'd've",
        "don 't", "don' t", " 's", "  's", "\n's", "dogs'", "the '90s",
    ]
    for s in contractions:
        add(s)

    # whitespace
    for n in range(1, 9):
        add(" " * n)
        add(" " * n + "word")
        add("word" + " " * n)
        add("a" + " " * n + "b")
    for s in [
        "", " ", "\t", "\n", "\r\n", "\r", "\n\n", "\n\n\n", "\t\t", " \t \n ",
        "hello\tworld", "hello\nworld", "hello\r\nworld", "hello\n\nworld", "hello \nworld", "hello\n world",
        "hello \n world", "\tindented", "\n\nleading newlines", "trailing newlines\n\n", "trailing space ",
        " leading space", "  leading and trailing  ", "mixed \t\n whitespace", "word\t", "word \t",
        "word\n ", "word \n", " \n \n", "a\u00a0b", "a\u00a0\u00a0b", "\u00a0leading nbsp", "ideographic\u3000space",
        "a\u2028b", "a\u2029b", "a\x0bb", "a\x0cb", "a\x85b", "a\u200bb", "a\u2003\u2003b", "a\u202fb",
        "a \u00a0 b", "line1\r\nline2\r\n", "  \t  x", "x  \t  ", "end with tab\t", "end with crlf\r\n",
        "spaces before\n    indented code", "   three\n    four\n     five",
    ]:
        add(s)

    # numbers
    for s in [
        "0", "1", "12", "123", "1234", "12345", "123456789", "3.14159", "2.718281828459045", "-42", "+7", "1e10",
        "1,000,000", "1_000_000", "0x1F", "0b1010", "007", "100%", "$19.99", "€50", "£3.50", "¥1000",
        "12345678901234567890123456789012345678901234567890",
        "Phone: +1 (555) 123-4567", "555-0100", "+44 20 7946 0958", "2024-01-15", "12:34:56", "v1.2.3",
        "3rd 4th 21st 22nd", "IPv4 192.168.0.1", "1/2 3/4", "½ ¾ ² ³ ¹", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "①②③", "Ⅻ",
        "1 2 3 4 5", "123abc456", "abc123def",
    ]:
        add(s)

    # punctuation
    for s in [
        "!!!", "???", "...", "…", "?!?!", "---", "—", "–", "***", "###", "@@@", "$$$", "%%%", "^^^", "&&&", "(((",
        ")))", "[[[]]]", "{{}}", "<<>>", "|||", "\\\\", "//", "~~", "``", "\"\"\"", "''", ";;", "::", ",,", "..",
        "Wait... what?!", "Hello,world", "a-b_c.d/e\\f", "(parenthetical)", "[bracketed]", "{braced}",
        "«guillemets»", "„German quotes“", "¡Hola! ¿Qué tal?", "•bullet", "§1.2 ¶3", "©®™", "°C", "±×÷",
        " !", " ?", " ...", "word.", "word!", " word,", ".word", "!@#$%^&*()_+-=[]{}|;':\",./<>?`~",
    ]:
        add(s)

    # code
    for s in [
        "def foo(x):\n    return x + 1\n",
        "import numpy as np\nprint(np.arange(10))",
        "for i in range(10):\n\tif i % 2 == 0:\n\t\tprint(i)",
        "class Foo:\n    def __init__(self):\n        self.x = [1, 2, 3]\n",
        "x = {'a': 1, \"b\": [2, 3], 'c': None}",
        "lambda x, y: x ** 2 + y // 3",
        "func greet(_ name: String) -> String {\n    return \"Hello, \\(name)!\"\n}",
        "let xs: [Int] = [1, 2, 3]\nlet ys = xs.map { $0 * 2 }",
        "struct Point: Codable { var x: Double; var y: Double }",
        "guard let value = optional else { fatalError(\"nil\") }",
        '{"name": "GPT-2", "layers": 12, "heads": 12, "vocab_size": 50257, "nested": {"a": [1, 2.5, null, true]}}',
        '[{"id":1},{"id":2}]',
        "#!/bin/bash\nset -euo pipefail\nfor f in *.txt; do echo \"$f\"; done",
        "ls -la | grep '^d' | awk '{print $9}' > dirs.txt 2>&1",
        "git commit -m \"Fix bug\" && git push origin main",
        "<html><body><p class=\"x\">Hi &amp; bye</p></body></html>",
        "SELECT * FROM users WHERE id = 42 AND name LIKE '%bob%';",
        "int main(void) { printf(\"%d\\n\", 42); return 0; }",
        "    // comment\n    /* block */\n",
        "if (a != b && c <= d || !e) { x += 1; }",
        "@property\ndef value(self) -> int: ...",
        "a=>b->c<-d<=e>=f==g!=h===i",
        "```python\nprint('hi')\n```",
        "$ pip install torch\n$ python -c 'import torch'",
        "\t\tdeeply\n\t\t\tindented\n",
    ]:
        add(s)

    # URLs and emails
    for s in [
        "https://www.example.com/path/to/page?query=1&other=two#fragment",
        "http://localhost:8080/api/v1/users/42",
        "ftp://files.example.org/pub/file.tar.gz",
        "Visit https://huggingface.co/gpt2 for details.",
        "user@example.com", "first.last+tag@sub.domain.co.uk", "Contact: <admin@example.org>",
        "www.google.com", "mailto:someone@example.com?subject=Hi", "C:\\Users\\name\\file.txt", "/usr/local/bin/python3",
    ]:
        add(s)

    # emoji
    for s in [
        "😀", "😀😃😄", "Hello 👋 world 🌍", "👍🏽", "👍🏻👍🏼👍🏽👍🏾👍🏿", "👨‍👩‍👧‍👦", "👩‍💻", "🏳️‍🌈", "🇺🇸", "🇯🇵🇫🇷🇩🇪",
        "❤️", "❤", "✨", "🤖 + 🧠 = 💡", "#️⃣", "1️⃣2️⃣", "🫠", "🧑🏿‍🚀", "emoji at end 🎉", "🎉 emoji at start",
    ]:
        add(s)

    # CJK and other scripts
    for s in [
        "你好，世界！", "我爱自然语言处理。", "中华人民共和国", "漢字", "日本語のテキストです。", "ひらがな", "カタカナ", "こんにちは世界",
        "東京は日本の首都です。", "ｶﾀｶﾅ", "ＡＢＣ１２３", "안녕하세요", "한국어 텍스트입니다.", "서울특별시",
        "مرحبا بالعالم", "اللغة العربية جميلة.", "שלום עולם", "עברית", "नमस्ते दुनिया", "हिन्दी भाषा", "क्षत्रिय",
        "สวัสดีชาวโลก", "ภาษาไทย", "Привет, мир!", "Русский язык", "ЁЖИК", "Γειά σου Κόσμε", "Ελληνικά αβγδε",
        "Tiếng Việt có dấu", "Ἀθῆναι", "ᚠᚢᚦᚨᚱᚲ", "ʕ•ᴥ•ʔ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𝕳𝖊𝖑𝖑𝖔", "𠀀𠀁𠀂", "mixed English 中文 and 日本語",
        "Hello мир 世界 مرحبا",
    ]:
        add(s)

    # combining marks
    for s in [
        "e\u0301", "\u00e9", "caf\u00e9", "cafe\u0301", "e\u0301\u0301\u0301", "a\u0300\u0301\u0302\u0303\u0304",
        "\u0301", " \u0301", "n\u0303", "Z\u0335\u0321\u0322a\u0336l\u0337g\u0338o", "\u1e9b\u0323",
        unicodedata.normalize("NFD", "Ångström naïve"), unicodedata.normalize("NFC", "Ångström naïve"),
        "\u0915\u094d\u0937", "\u0e01\u0e34", "\uac00", "\u1100\u1161",
    ]:
        add(s)

    # special token inside text
    for s in [
        "<|endoftext|>", "Hello<|endoftext|>World", "end of doc.<|endoftext|>", "<|endoftext|>start",
        " <|endoftext|> ", "a <|endoftext|>b", "<|endoftext|><|endoftext|>", "<|endoftext|>\n\n<|endoftext|>",
        "<|endoftext", "endoftext|>", "<|endoftext|", "<|ENDOFTEXT|>", "< |endoftext| >", "<|im_start|>",
    ]:
        add(s)

    # very long words / repeats
    add("a" * 300)
    add("ab" * 150)
    add("x" * 1000)
    add(" " * 64)
    add("\n" * 20)
    add("!" * 100)
    add("9" * 200)
    add("🙂" * 30)
    add("漢" * 50)
    add("Lopadotemachoselachogaleokranioleipsanodrimhypotrimmatosilphiokarabomelitokatakechymenokichlepikossyphophattoperisteralektryonoptekephalliokigklopeleiolagoiosiraiobaphetraganopterygon")
    add("hello " * 60)
    return cases


def random_unicode_strings(rng, n):
    blocks = [
        (0x20, 0x7E), (0x20, 0x7E), (0x20, 0x7E),  # ASCII weighted up
        (0x09, 0x0D), (0xA0, 0xFF), (0x100, 0x17F), (0x250, 0x2AF), (0x300, 0x36F), (0x370, 0x3FF),
        (0x400, 0x4FF), (0x590, 0x5FF), (0x600, 0x6FF), (0x900, 0x97F), (0xE00, 0xE7F), (0x1100, 0x11FF),
        (0x2000, 0x206F), (0x2190, 0x21FF), (0x2200, 0x22FF), (0x3000, 0x303F), (0x3040, 0x309F),
        (0x30A0, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xFF00, 0xFFEF), (0x1F300, 0x1F5FF),
        (0x1F600, 0x1F64F), (0x1F900, 0x1F9FF), (0x1D400, 0x1D7FF), (0x20000, 0x2A6DF), (0xE000, 0xE0FF),
    ]
    out = []
    for _ in range(n):
        length = rng.randint(1, 40)
        chars = []
        for _ in range(length):
            lo, hi = rng.choice(blocks)
            cp = rng.randint(lo, hi)
            if 0xD800 <= cp <= 0xDFFF:
                cp = 0x41
            chars.append(chr(cp))
        out.append("".join(chars))
    return out


def random_byte_strings(rng, n):
    out = []
    for i in range(n):
        length = rng.randint(1, 48)
        if i % 2 == 0:
            b = bytes(rng.randint(0, 255) for _ in range(length))
        else:  # mostly high bytes, so multi-byte sequences sometimes form
            b = bytes(rng.choice([rng.randint(0x80, 0xFF), rng.randint(0xC2, 0xF4), rng.randint(0x20, 0x7E)]) for _ in range(length))
        out.append(b.decode("utf-8", errors="replace"))
    return out


def make_tokenizer_cases():
    fast = GPT2TokenizerFast.from_pretrained(GPT2_TOK_DIR)
    slow = GPT2Tokenizer.from_pretrained(GPT2_TOK_DIR)
    if len(fast) != 50257:
        die("GPT-2 tokenizer did not load (len=%d)" % len(fast))
    ref = ReferenceBPE(GPT2_TOK_DIR)
    rng = random.Random(1234)
    strings = tokenizer_case_strings()
    strings += random_unicode_strings(rng, 80)
    strings += random_byte_strings(rng, 50)
    # random mixtures of the hand-written cases
    base = tokenizer_case_strings()
    for _ in range(30):
        k = rng.randint(2, 4)
        seps = ["", " ", "  ", "\n", "\t", " \n"]
        strings.append("".join(rng.choice(base) + rng.choice(seps) for _ in range(k)))

    seen, cases = set(), []
    for text in strings:
        if text in seen:
            continue
        seen.add(text)
        ids = fast.encode(text, add_special_tokens=False)
        ids_slow = slow.encode(text, add_special_tokens=False)
        ids_ref = ref.encode(text)
        if ids != ids_slow:
            die("slow/fast tokenizers disagree on %r: %r vs %r" % (text, ids_slow, ids))
        if ids != ids_ref:
            die("HF and reference BPE disagree on %r: %r vs %r" % (text, ids, ids_ref))
        decoded = fast.decode(ids)
        if decoded != slow.decode(ids):
            die("slow/fast decode disagree on %r" % text)
        if decoded != text and decoded != ref.decode(ids):
            die("decode mismatch on %r: %r" % (text, decoded))
        cases.append({"text": text, "ids": ids, "decoded": decoded})
    os.makedirs(os.path.join(OUT, "tokenizer"), exist_ok=True)
    write_json(os.path.join(OUT, "tokenizer", "gpt2-cases.json"), cases, indent=None)
    n_diff = sum(1 for c in cases if c["decoded"] != c["text"])
    print("tokenizer: %d cases (%d where decoded != text), slow class %s" % (len(cases), n_diff, type(slow).__name__))
    return len(cases)


# ---------------------------------------------------------------------------
# B. Tiny models
# ---------------------------------------------------------------------------

EOS = "<|endoftext|>"


def train_tiny_tokenizer(folder):
    with open(CORPUS, encoding="utf-8") as f:
        text = f.read()[:200_000]
    tmp = tempfile.mkdtemp()
    try:
        path = os.path.join(tmp, "train.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        bpe = ByteLevelBPETokenizer()
        bpe.train([path], vocab_size=400, min_frequency=2, special_tokens=[EOS], show_progress=False)
    finally:
        shutil.rmtree(tmp)
    os.makedirs(folder, exist_ok=True)
    bpe.save_model(folder)  # vocab.json + merges.txt
    hf = GPT2TokenizerFast.from_pretrained(folder)
    if len(hf) != 400 or bpe.get_vocab_size() != 400:
        die("tiny tokenizer size %d / %d" % (len(hf), bpe.get_vocab_size()))
    ref = ReferenceBPE(folder)
    samples = [text[i:i + 300] for i in range(0, 200_000, 9973)] + [
        "ROMEO:", "Hello world", "  two spaces", "it's", "日本語 😀", "a<|endoftext|>b", "\n\n", "",
    ]
    for s in samples:
        a = bpe.encode(s).ids
        b = hf.encode(s, add_special_tokens=False)
        if a != b:
            die("tiny tokenizer: tokenizers vs GPT2TokenizerFast disagree on %r" % s)
        if EOS not in s and a != ref.encode(s):
            die("tiny tokenizer: reference BPE disagrees on %r" % s)
    return hf


def add_noise(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if ".ln_" in name or name.startswith("ln_") or ".ln_f." in name or "ln_f" in name:
                if name.endswith(".weight"):
                    p.copy_(1.0 + 0.1 * noise)
                else:
                    p.copy_(0.1 * noise)
            else:
                p.add_(0.02 * noise)


def build_model(cfg_kwargs, seed, eos_id):
    torch.manual_seed(seed)
    cfg = GPT2Config(
        bos_token_id=eos_id, eos_token_id=eos_id, initializer_range=0.1, **cfg_kwargs
    )
    model = GPT2LMHeadModel(cfg)  # weights from the model's own init (normal(0, initializer_range))
    add_noise(model, seed + 1)
    model.generation_config.bos_token_id = eos_id
    model.generation_config.eos_token_id = eos_id
    model.generation_config.pad_token_id = eos_id
    model.eval()
    return model


def load_model(folder, upcast=True):
    model = GPT2LMHeadModel.from_pretrained(folder, attn_implementation="eager")
    if upcast:
        model = model.float()
    model.eval()
    return model


def copy_tokenizer(src, dst, names):
    for n in names:
        shutil.copyfile(os.path.join(src, n), os.path.join(dst, n))


def save_tokenizer_json(hf_tok, folder):
    hf_tok.backend_tokenizer.save(os.path.join(folder, "tokenizer.json"))


def first_eos(seq, eos):
    return seq.index(eos) if eos in seq else None


def make_reference(name, model, folder, tok, eos_id, disk_dtype, notes, full_context=True):
    ref_dir = os.path.join(folder, "reference")
    if os.path.isdir(ref_dir):
        shutil.rmtree(ref_dir)
    os.makedirs(ref_dir)
    cfg = model.config
    V, P = cfg.vocab_size, cfg.n_positions
    g = torch.Generator().manual_seed(777)  # same random inputs for every model with this vocab
    rnd = lambda b, t: torch.randint(0, V, (b, t), generator=g).tolist()
    text = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\nFirst Citizen:\nYou are all resolved rather to die than to famish?"
    text_ids = tok.encode(text, add_special_tokens=False)[: min(48, P)]
    input_sets = [
        {"description": "one random token", "inputs": rnd(1, 1)},
        {"description": "one sequence of 17 random tokens", "inputs": rnd(1, 17)},
        {"description": "batch of 3 sequences of 9 random tokens", "inputs": rnd(3, 9)},
        {"description": "real text encoded with this model's tokenizer (first %d tokens)" % len(text_ids),
         "text": tok.decode(text_ids), "inputs": [text_ids]},
    ]
    full = rnd(1, P)
    if full_context:
        input_sets.append({"description": "one random sequence filling the whole context (n_positions tokens)",
                           "inputs": full})
    for k, s in enumerate(input_sets):
        ids = torch.tensor(s["inputs"], dtype=torch.long)
        with torch.no_grad():
            logits = model(ids).logits.float()
        arr = logits.numpy().astype("<f4")
        fname = "logits-%d.f32" % k
        arr.tofile(os.path.join(ref_dir, fname))
        s["shape"] = list(arr.shape)
        s["file"] = fname
        s["dtype"] = "float32"
        s["byte_order"] = "little"

    # generation
    prompt_romeo = tok.encode("ROMEO:", add_special_tokens=False)
    gp = torch.Generator().manual_seed(4242)
    prompt_rand = torch.randint(0, V, (6,), generator=gp).tolist()
    prompts = [prompt_romeo, prompt_rand, [eos_id]]
    greedy = []
    greedy_settings = [
        {"do_sample": False, "max_new_tokens": 24},
        {"do_sample": False, "max_new_tokens": 24, "repetition_penalty": 1.3},
        {"do_sample": False, "max_new_tokens": 24, "no_repeat_ngram_size": 2},
    ]
    for prompt in prompts:
        for st in greedy_settings:
            ids = torch.tensor([prompt])
            with torch.no_grad():
                out = model.generate(ids, pad_token_id=eos_id, eos_token_id=eos_id, return_dict_in_generate=True,
                                     output_scores=True, **st)
            seq = out.sequences[0].tolist()
            gaps = []
            for sc in out.scores:
                top = torch.topk(sc[0].float(), 2).values
                gaps.append(float(top[0] - top[1]))
            greedy.append({
                "prompt": prompt,
                "settings": dict(st, pad_token_id=eos_id, eos_token_id=eos_id),
                "output": seq,
                "new_tokens": seq[len(prompt):],
                "stopped_on_eos": first_eos(seq[len(prompt):], eos_id) is not None,
                "min_top2_gap": min(gaps),
            })

    beam_settings = [
        {"num_beams": 4, "max_new_tokens": 16, "do_sample": False},
        {"num_beams": 4, "max_new_tokens": 16, "do_sample": False, "length_penalty": 0.5, "early_stopping": True},
        {"num_beams": 4, "max_new_tokens": 16, "do_sample": False, "length_penalty": 2.0, "early_stopping": "never"},
        {"num_beams": 3, "max_new_tokens": 16, "do_sample": False, "num_return_sequences": 3},
    ]
    beam = []
    for prompt in prompts:
        runs = [(st, eos_id) for st in beam_settings]
        # Extra run with a frequently predicted token as eos, so finished hypotheses,
        # length penalty and early stopping are actually exercised.
        with torch.no_grad():
            probe = model(torch.tensor([prompt])).logits[0, -1]
        frequent = int(torch.topk(probe, 3).indices[2])
        runs.append(({"num_beams": 4, "max_new_tokens": 16, "do_sample": False, "num_return_sequences": 4,
                      "length_penalty": 1.0, "early_stopping": False}, frequent))
        runs.append(({"num_beams": 4, "max_new_tokens": 16, "do_sample": False, "num_return_sequences": 2,
                      "length_penalty": 0.5, "early_stopping": True}, frequent))
        runs.append(({"num_beams": 4, "max_new_tokens": 16, "do_sample": False, "num_return_sequences": 2,
                      "length_penalty": 2.0, "early_stopping": "never"}, frequent))
        for st, eos in runs:
            ids = torch.tensor([prompt])
            with torch.no_grad():
                out = model.generate(ids, pad_token_id=eos_id, eos_token_id=eos, return_dict_in_generate=True,
                                     output_scores=True, **st)
            seqs = out.sequences.tolist()
            beam.append({
                "prompt": prompt,
                "settings": dict(st, pad_token_id=eos_id, eos_token_id=eos),
                "outputs": seqs,
                "sequences_scores": [float(x) for x in out.sequences_scores],
                "contains_eos": any(first_eos(s[len(prompt):], eos) is not None for s in seqs),
            })

    reference = {
        "model": name,
        "weights_dtype_on_disk": disk_dtype,
        "compute_dtype": "float32",
        "notes": notes,
        "versions": VERSIONS,
        "config": {k: getattr(cfg, k) for k in ["vocab_size", "n_positions", "n_embd", "n_layer", "n_head",
                                                 "layer_norm_epsilon", "activation_function", "tie_word_embeddings"]},
        "eos_token_id": eos_id,
        "bos_token_id": eos_id,
        "pad_token_id": eos_id,
        "input_sets": input_sets,
        "greedy": greedy,
        "beam": beam,
    }
    write_json(os.path.join(ref_dir, "reference.json"), reference, indent=1)
    return reference


def state_dict_fp32(model):
    return {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}


def check_same_logits(a, b, what, tol=0.0):
    ids = torch.tensor([[1, 5, 77, 300, 2, 9, 150]])
    with torch.no_grad():
        la, lb = a(ids).logits, b(ids).logits
    d = float((la - lb).abs().max())
    if d > tol:
        die("%s: logits differ by %g" % (what, d))
    return d


def make_models():
    mdir = os.path.join(OUT, "models")
    if os.path.isdir(mdir):
        shutil.rmtree(mdir)
    os.makedirs(mdir)
    tiny_dir = os.path.join(mdir, "tiny")
    tok = train_tiny_tokenizer(tiny_dir)
    eos_id = tok.convert_tokens_to_ids(EOS)
    save_tokenizer_json(tok, tiny_dir)
    tok_json = GPT2TokenizerFast(tokenizer_file=os.path.join(tiny_dir, "tokenizer.json"))
    for s in ["ROMEO:\nHello there, good sir!", "a<|endoftext|>b"]:
        if tok_json.encode(s) != tok.encode(s):
            die("tokenizer.json does not reproduce vocab.json/merges.txt encoding")
    tok_files = ["vocab.json", "merges.txt", "tokenizer.json"]
    summary = {}

    base_cfg = dict(n_layer=2, n_head=2, n_embd=64, n_positions=128, vocab_size=400,
                    activation_function="gelu_new", attn_implementation="eager")

    # tiny
    tiny = build_model(base_cfg, 1000, eos_id)
    tiny.save_pretrained(tiny_dir, safe_serialization=True)
    with safetensors.safe_open(os.path.join(tiny_dir, "model.safetensors"), "pt") as f:
        keys = list(f.keys())
    if any(not k.startswith("transformer.") for k in keys):
        die("tiny: unexpected tensor names %r" % keys)
    tiny_loaded = load_model(tiny_dir)
    check_same_logits(tiny, tiny_loaded, "tiny reload")
    # sdpa vs eager sanity check
    sdpa = GPT2LMHeadModel.from_pretrained(tiny_dir, attn_implementation="sdpa").eval()
    summary["sdpa_vs_eager_maxdiff"] = check_same_logits(tiny_loaded, sdpa, "sdpa vs eager", tol=1e-4)
    make_reference("tiny", tiny_loaded, tiny_dir, tok, eos_id, "float32",
                   "Reference model. Tied embeddings: no lm_head tensor in the file.")
    summary["tiny_keys"] = keys

    # tiny-f16 / tiny-bf16
    for nm, dt, label in [("tiny-f16", torch.float16, "float16"), ("tiny-bf16", torch.bfloat16, "bfloat16")]:
        d = os.path.join(mdir, nm)
        os.makedirs(d)
        m = build_model(base_cfg, 1000, eos_id).to(dt)
        m.save_pretrained(d, safe_serialization=True)
        copy_tokenizer(tiny_dir, d, tok_files)
        loaded = load_model(d, upcast=False)
        if next(loaded.parameters()).dtype != dt:
            die("%s: loaded dtype %s" % (nm, next(loaded.parameters()).dtype))
        loaded = loaded.float().eval()
        make_reference(nm, loaded, d, tok, eos_id, label,
                       "Same weights as tiny rounded to %s. Reference computed by loading the 16-bit file, "
                       "upcasting every tensor to float32 (.float()) and running in float32." % label)

    # tiny-4head
    d = os.path.join(mdir, "tiny-4head")
    os.makedirs(d)
    m = build_model(dict(n_layer=3, n_head=4, n_embd=48, n_positions=64, vocab_size=400, layer_norm_epsilon=1e-5,
                         activation_function="gelu_new", attn_implementation="eager"), 2000, eos_id)
    m.save_pretrained(d, safe_serialization=True)
    shutil.copyfile(os.path.join(tiny_dir, "tokenizer.json"), os.path.join(d, "tokenizer.json"))
    loaded = load_model(d)
    check_same_logits(m, loaded, "tiny-4head reload")
    tok4 = GPT2TokenizerFast(tokenizer_file=os.path.join(d, "tokenizer.json"))
    make_reference("tiny-4head", loaded, d, tok4, eos_id, "float32",
                   "3 layers, 4 heads of size 12, layer_norm_epsilon 1e-5. Only tokenizer.json is shipped.")

    # tiny-untied
    d = os.path.join(mdir, "tiny-untied")
    os.makedirs(d)
    m = build_model(dict(base_cfg, tie_word_embeddings=False), 1000, eos_id)
    g = torch.Generator().manual_seed(3000)
    with torch.no_grad():
        if m.lm_head.weight.data_ptr() == m.transformer.wte.weight.data_ptr():
            die("tiny-untied: lm_head still tied")
        m.lm_head.weight.copy_(0.1 * torch.randn(m.lm_head.weight.shape, generator=g))
    m.save_pretrained(d, safe_serialization=True)
    copy_tokenizer(tiny_dir, d, tok_files)
    with safetensors.safe_open(os.path.join(d, "model.safetensors"), "pt") as f:
        if "lm_head.weight" not in f.keys():
            die("tiny-untied: lm_head.weight not saved")
    loaded = load_model(d)
    check_same_logits(m, loaded, "tiny-untied reload")
    make_reference("tiny-untied", loaded, d, tok, eos_id, "float32",
                   "Transformer weights identical to tiny; lm_head.weight stored separately with different values.")

    # tiny-hubstyle
    d = os.path.join(mdir, "tiny-hubstyle")
    os.makedirs(d)
    sd = {}
    P = tiny.config.n_positions
    mask = torch.tril(torch.ones(P, P, dtype=torch.float32)).view(1, 1, P, P)
    for k, v in state_dict_fp32(tiny).items():
        if k.startswith("lm_head."):
            continue
        k2 = k[len("transformer."):]
        sd[k2] = v
    for i in range(tiny.config.n_layer):
        sd["h.%d.attn.bias" % i] = mask.clone()
    safetensors.torch.save_file(sd, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    copy_tokenizer(tiny_dir, d, tok_files + ["config.json", "generation_config.json"])
    loaded = load_model(d)
    check_same_logits(tiny_loaded, loaded, "tiny-hubstyle vs tiny")
    make_reference("tiny-hubstyle", loaded, d, tok, eos_id, "float32",
                   "Same weights as tiny; hub-style tensor names without 'transformer.' prefix plus "
                   "h.N.attn.bias causal-mask buffers [1,1,n_positions,n_positions] that a loader must skip. "
                   "No full-context input set (identical to tiny's).", full_context=False)

    # tiny-sharded
    d = os.path.join(mdir, "tiny-sharded")
    os.makedirs(d)
    tiny.save_pretrained(d, safe_serialization=True, max_shard_size="100KB")
    copy_tokenizer(tiny_dir, d, tok_files)
    shards = sorted(f for f in os.listdir(d) if f.endswith(".safetensors"))
    if len(shards) < 2 or not os.path.exists(os.path.join(d, "model.safetensors.index.json")):
        die("tiny-sharded: got %r" % os.listdir(d))
    loaded = load_model(d)
    check_same_logits(tiny_loaded, loaded, "tiny-sharded vs tiny")
    make_reference("tiny-sharded", loaded, d, tok, eos_id, "float32",
                   "Same weights as tiny, split into %d safetensors shards + model.safetensors.index.json. "
                   "No full-context input set (identical to tiny's)." % len(shards), full_context=False)
    summary["shards"] = shards
    summary["eos_id"] = eos_id
    return summary


def main():
    if not os.path.isdir(GPT2_TOK_DIR):
        die("missing %s (run from the repository root with ../shared beside it)" % GPT2_TOK_DIR)
    os.makedirs(OUT, exist_ok=True)
    print("versions:", VERSIONS)
    make_tokenizer_cases()
    summary = make_models()
    print("models:", json.dumps(summary))


if __name__ == "__main__":
    main()
